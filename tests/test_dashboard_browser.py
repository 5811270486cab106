"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

Starts `run.py dashboard` on a free port, loads the page, moves a slider, presses Step and Play,
and checks that plots and key figures change and that the page requests nothing outside the host
it is served from (scripts, styles, fonts, widget modules, websockets): the dashboard works offline.

Needs the `chromium` system package and the `playwright` Python package; it never uses a browser
that Playwright downloads. CI installs both (.ci/run). Where they are missing the test fails and
says how to install them; SIM_SKIP_BROWSER_TESTS=1 skips it on purpose.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
STARTUP_SECONDS = 90  # Solara, Mesa and matplotlib import in a fresh interpreter; slow on a busy CI box
TIMEOUT_MS = 60_000
# Runs `dashboard` through sim.cli.main whether or not sim/cli.py registers it yet.
SHIM = (
    "import sys\n"
    "from sim import cli\n"
    "from sim.cli_dashboard import register_dashboard\n"
    "if register_dashboard not in cli.REGISTRARS:\n"
    "    cli.REGISTRARS.append(register_dashboard)\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)


def chromium() -> str:
    """Debian's chromium, or a failure that says what to install (a skip only when asked for)."""
    if os.environ.get("SIM_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("SIM_SKIP_BROWSER_TESTS=1")
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "chromium not found: the dashboard's browser test needs Debian's chromium "
            "(apt-get install -y chromium, as .ci/run does); SIM_SKIP_BROWSER_TESTS=1 skips it"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail(
            "playwright not installed: .venv/bin/pip install -e '.[dashboard]' (no 'playwright install')"
        )
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dashboard exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"dashboard did not answer at {url} within {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """`python run.py dashboard --port N` in its own process; yields its URL and its output file."""
    chromium()
    port = free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", SHIM, "dashboard", "--port", str(port), "--seed", "1"]
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, proc, log)
        yield url, log
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def is_local(url: str) -> bool:
    """Whether a request stays on this machine; blob: and data: URLs never leave the browser."""
    if url.startswith("data:"):
        return True
    if url.startswith("blob:"):
        url = url[len("blob:") :]
    return urlparse(url).hostname in LOCAL_HOSTS


def status_text(page) -> str:
    return page.locator(".sim-status").inner_text()


def wait_for_day(page, day: int) -> None:
    page.wait_for_function(
        "day => /Day (\\d+)/.test(document.querySelector('.sim-status')?.innerText ?? '')"
        " && Number(/Day (\\d+)/.exec(document.querySelector('.sim-status').innerText)[1]) >= day",
        arg=day,
        timeout=TIMEOUT_MS,
    )


def plot_sources(page) -> list[str]:
    return [img.get_attribute("src") for img in page.locator("img.solara-image, .solara-image img").all()]


def test_dashboard_in_headless_chromium(server):
    from playwright.sync_api import sync_playwright

    url, log = server
    assert log.read_text().startswith(f"Dashboard: {url.rstrip('/')}")
    requests: list[str] = []
    failures: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("request", lambda r: requests.append(r.url))
            page.on("websocket", lambda ws: requests.append(ws.url))
            page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            step = page.get_by_role("button", name="Step", exact=True)
            step.wait_for()
            assert "Day 0 of 500" in status_text(page)
            assert "none yet" in page.locator(".sim-changes").inner_text()  # loading moved no lever
            images = plot_sources(page)
            assert len(images) == 5 and all(images)

            shared_goals = page.locator(".v-input", has_text="Shared goals")
            shared_goals.get_by_role("slider").focus()
            for _ in range(10):
                page.keyboard.press("ArrowRight")
            label = page.locator(".v-label", has_text="Shared goals: 10%")
            label.wait_for()

            for day in (5, 10, 15):
                step.click()
                wait_for_day(page, day)
            assert "Day 15 of 500" in status_text(page)
            assert "day 0: Shared goals = 10%" in page.locator(".sim-changes").inner_text()
            page.wait_for_function(
                "before => [...document.querySelectorAll('.solara-image img, img.solara-image')]"
                ".every((img, i) => img.src && img.src !== before[i])",
                arg=images,
            )

            page.get_by_role("button", name="▶").click()
            wait_for_day(page, 40)
            page.get_by_role("button", name="❚❚").click()
            revenue = page.locator("tr", has_text="Revenue to date").inner_text()
            assert revenue.split()[-1] != "0", revenue

            page.locator(".v-select", has_text="Scenario").first.click()  # the picker starts another run
            page.locator(".v-overlay--active .v-list-item-title").get_by_text(
                "integrated", exact=True
            ).click()
            page.locator(".v-label", has_text="SLA on first contact (0 = none): 2.0 h").wait_for()
            assert "Day 0 of 500" in status_text(page)
        finally:
            browser.close()

    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"the page requested resources outside localhost: {outside}"
    assert any(u.startswith("ws://127.0.0.1") for u in requests), "no websocket to the server"
    assert not failures, failures
    assert not errors, errors
    assert "Traceback" not in log.read_text(), log.read_text()


def test_only_local_urls_count_as_local():
    assert is_local("http://127.0.0.1:8765/_solara/cdn/x.js") and is_local("ws://localhost:1/jupyter")
    assert is_local("blob:http://127.0.0.1:8765/0b1c") and is_local("data:image/png;base64,AAAA")
    assert not is_local("https://cdn.jsdelivr.net/npm/vega@5") and not is_local(
        "https://fonts.googleapis.com/css"
    )
    assert not is_local("blob:https://example.com/0b1c")
