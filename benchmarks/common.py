"""Shared parts of the benchmarks: the project on the path, the machine, timing, targets.

Every benchmark script imports this first, so `python benchmarks/<script>.py` measures the
checkout it lives in (not whichever copy of `sim` happens to be installed in the environment).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow")


@dataclass
class Figure:
    """One measured figure, its target and whether it was met (None: no target)."""

    key: str
    label: str
    value: float
    unit: str
    target: str = ""
    passed: bool | None = None
    detail: dict = field(default_factory=dict)
    load: float = field(default_factory=lambda: round(os.getloadavg()[0], 2))  # 1-min load when measured
    per_yardstick: float | None = None  # seconds over the yardstick's seconds, measured in the same run

    def line(self) -> str:
        """One printed line: label, value, target, PASS/FAIL, the yardstick ratio and the load."""
        verdict = {True: "PASS", False: "FAIL", None: ""}[self.passed]
        target = f"target {self.target}" if self.target else ""
        ratio = f"{self.per_yardstick:8.1f} yardsticks" if self.per_yardstick is not None else " " * 19
        return (
            f"{self.label:<62} {format_value(self.value, self.unit):>14}  {target:<22} {verdict:<4}"
            f" {ratio}  load {self.load:.2f}"
        )

    def against(self, yardstick_s: float) -> Figure:
        """This figure with `per_yardstick` set, when it is a time (seconds or milliseconds)."""
        scale = {"s": 1.0, "ms": 1e-3}.get(self.unit)
        if scale is not None:
            self.per_yardstick = self.value * scale / yardstick_s
        return self

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def format_value(value: float, unit: str) -> str:
    """A value with its unit, with as many digits as its size deserves."""
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "%":
        return f"{value:.0f}%"
    if unit in ("s", "ms"):
        return f"{value:.3f} {unit}" if value < 10 else f"{value:.1f} {unit}"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    return f"{value:,.2f} {unit}".strip()


def machine() -> dict:
    """What the figures were measured on: CPU, cores, Python, packages, load average at start."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "git_commit": git_commit(),
        "when_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux), else what platform says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> str:
    """The checkout's commit (with '+dirty' for uncommitted changes), or 'unknown'."""
    try:
        head = ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]
        sha = subprocess.run(head, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


YARDSTICK_STEPS = 20_000  # small numpy steps in one yardstick


def yardstick_seconds() -> float:
    """Seconds of CPU for the yardstick: a fixed loop of small numpy steps (best of five).

    Every time figure is also given as a multiple of this, measured in the same run, so that
    figures taken on different machines or under different loads can be compared.
    """
    return reference_speed() * YARDSTICK_STEPS / 1e6


def reference_speed() -> float:
    """Microseconds per small numpy operation, the model's typical workload: a machine yardstick.

    A run of the model is some thousands of numpy calls on small arrays per simulated day, so
    this number says how fast (or how loaded) the machine was, and lets figures taken at
    different times be compared.
    """
    import numpy as np

    a, b = np.random.default_rng(0).random((2, 64))
    n = YARDSTICK_STEPS

    def loop() -> None:
        for _ in range(n):
            np.where(a < b, a, b).sum()

    return min(cpu_timed(loop) for _ in range(5)) / n * 1e6


def timed(fn: Callable[[], object]) -> float:
    """Wall seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_timed(fn: Callable[[], object]) -> float:
    """CPU seconds of this process for one call: what other programs on the machine do not add."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def median(values: list[float]) -> float:
    """The median (robust to the odd slow repeat on a shared machine)."""
    return statistics.median(values)
