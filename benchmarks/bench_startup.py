"""Start-up costs: `python run.py --help` in a fresh interpreter, and a pool worker's first run.

Run on demand (not part of the tests): `.venv/bin/python benchmarks/bench_startup.py`.
The command line imports its heavy modules (the model, numba, pandas, matplotlib, Mesa) only
when a command needs them, so asking for help stays cheap; the process pool's workers fork from
a server that imported the model and loaded its compiled kernels, so a worker's first run costs
what its later runs do.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from common import ROOT, Figure, median, timed

TARGET_S = 0.3
FIRST_TASK_TARGET = 1.5  # a worker's first run may cost at most 1.5x its second
PROBE_DAYS = 20


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
        f"<= {TARGET_S} s",
        seconds <= TARGET_S,
        {"all_s": runs, "repeats": repeats},
    )


def first_task(workers: int = 2, rounds: int = 3) -> Figure:
    """(f) A pool worker's first run against its next: what a cold worker would pay again.

    The pool is started and every worker is up (a no-op answered) before the timing, so the
    fork server's own start is not counted; then each worker's first and second short runs are
    timed from submission to result.
    """
    from sim.experiments.runner import RunSpec, default_executor
    from sim.model.params import Params

    spec = RunSpec("default", Params(), 1, 0, PROBE_DAYS, "none")
    ratios, firsts, seconds = [], [], []
    for _ in range(rounds):
        pool = default_executor(workers)
        try:
            for future in [pool.submit(int, 0) for _ in range(workers)]:
                future.result()
            first = _wall_of_runs(pool, spec, workers)
            second = _wall_of_runs(pool, spec, workers)
        finally:
            pool.shutdown()
        firsts.append(first)
        seconds.append(second)
        ratios.append(first / second)
    ratio = median(ratios)
    return Figure(
        "first_task",
        f"(f) a pool worker's first {PROBE_DAYS}-day run vs its second",
        ratio,
        "x",
        f"<= {FIRST_TASK_TARGET}x",
        ratio <= FIRST_TASK_TARGET,
        {"first_s": firsts, "second_s": seconds, "workers": workers, "rounds": rounds},
    )


def _wall_of_runs(pool, spec, workers: int) -> float:
    """Wall seconds for one run on each worker at once, submitted together."""
    from sim.experiments.runner import execute_run

    start = time.perf_counter()
    for future in [pool.submit(execute_run, spec) for _ in range(workers)]:
        assert future.result().error is None
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    print(startup(parser.parse_args().repeats).line())
    print(first_task().line())


if __name__ == "__main__":
    main()
