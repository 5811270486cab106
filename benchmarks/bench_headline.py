"""The headline job: `python run.py` (the comparison it stands for), wall time on 2 cores.

Run on demand (not part of the tests): `.venv/bin/python benchmarks/bench_headline.py`.
Runs `python run.py compare ...` with the headline's own arguments (`sim.cli.compare.headline_argv`)
in a fresh interpreter, writing to a temporary folder, and times it from start to exit: imports,
pool start-up, every run, the tables and the report, as a user waits for them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile

from common import ROOT, Figure, timed

TARGET_S = 15.0


def headline(workers: int = 2, replications: int | None = None, days: int | None = None) -> Figure:
    """(g) Wall time of the headline comparison (smaller with `replications`/`days`: no target)."""
    from sim.cli.compare import HEADLINE_DAYS, HEADLINE_REPLICATIONS, headline_argv

    argv = headline_argv()
    full = replications is None and days is None
    n, d = replications or HEADLINE_REPLICATIONS, days or HEADLINE_DAYS
    argv[argv.index("-n") + 1], argv[argv.index("--days") + 1] = str(n), str(d)
    with tempfile.TemporaryDirectory() as out:
        command = [
            sys.executable,
            str(ROOT / "run.py"),
            *argv,
            "--out",
            out,
            "--quiet",
            "--workers",
            str(workers),
        ]
        seconds = timed(lambda: subprocess.run(command, check=True, capture_output=True))
    return Figure(
        "headline",
        f"(g) python run.py (headline, {2 * n} runs x {d} days), {workers} workers",
        seconds,
        "s",
        f"<= {TARGET_S:.0f} s" if full else "-",
        seconds <= TARGET_S if full else None,
        {"replications": n, "days": d, "workers": workers, "argv": argv},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    print(headline(parser.parse_args().workers).line())


if __name__ == "__main__":
    main()
