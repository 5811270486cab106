"""Serve the dashboard in a child process and drive it from headless Chromium.

Shared by the browser test (`tests/dashboard/test_dashboard_browser.py`) and the README screenshot
(`scripts/screenshot_dashboard.py`), so both start the server and the browser the same way.
Chromium is Debian's (`/usr/bin/chromium`), never a browser that Playwright downloads; its flags
keep it from calling home, which this machine's closed network would refuse many times a second.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
STARTUP_SECONDS = 90  # Solara, Mesa and matplotlib import in a fresh interpreter; slow on a busy box
STOP_SECONDS = 20


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(args: Sequence[str], log: Path, port: int | None = None) -> Iterator[str]:
    """Run `run.py dashboard ARGS --port N` until the block ends; yields the page's URL.

    Raises:
        RuntimeError: the server exited or did not answer in time (the message holds its log).
    """
    port = port or free_port()
    command = [sys.executable, str(ROOT / "run.py"), "dashboard", *args, "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, proc, log)
        yield url
    finally:
        _stop(proc)


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"dashboard did not answer at {url} within {STARTUP_SECONDS} s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    """Ctrl-C first, as a user would; kill only if the server does not stop."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
