"""Start-up time of the command line: `python run.py --help` in a fresh interpreter.

Run on demand (not part of the tests): `.venv/bin/python benchmarks/bench_startup.py`.
The command line imports its heavy modules (the model, pandas, matplotlib, Mesa) only when a
command needs them, so asking for help must stay well under a second.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from common import ROOT, Figure, median, timed

TARGET_S = 1.0


def help_seconds() -> float:
    """Wall time of one `python run.py --help` (interpreter start-up included)."""

    def call() -> None:
        subprocess.run([sys.executable, str(ROOT / "run.py"), "--help"], check=True, capture_output=True)

    return timed(call)


def startup(repeats: int = 7) -> Figure:
    """(e) Median wall time of `python run.py --help` over several fresh interpreters."""
    help_seconds()  # warm the file cache and the bytecode
    runs = [help_seconds() for _ in range(repeats)]
    seconds = median(runs)
    return Figure(
        "startup",
        "(e) python run.py --help: median wall time",
        seconds,
        "s",
        f"< {TARGET_S:.0f} s",
        seconds < TARGET_S,
        {"all_s": runs, "repeats": repeats},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    print(startup(parser.parse_args().repeats).line())


if __name__ == "__main__":
    main()
