"""Peak memory of a sweep's driver process as the number of runs grows (bounded memory, issue 4).

Run on demand (not part of the tests): `.venv/bin/python benchmarks/bench_sweep_memory.py`.
Each size runs the real `sweep` command (the same code path as `python run.py sweep`: lazy run
specs, at most 2 x workers runs in flight, chunked streaming, chunk-by-chunk assembly, summary
and plots) in a fresh child process on a grid of two levers, with short runs (5 working days)
so that 10,000 runs take about a minute on 2 quiet cores. The child reports its own peak
resident set size (VmHWM): the driver only, since pool workers are separate processes. It is
read when every run has been streamed to disk (before the final tables are assembled) and at
the end of the whole command (assembly, summary and plots included). If memory grew with the
runs, the 10,000-run peaks would be far above the 1,000-run ones.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import Figure

SPEC = """
name = "memory_bench"
scenario = "defined"
design = "grid"
replications = 1
days = {days}
period = "week"
kpis = ["revenue", "leakage_share"]
[parameters]
rep_response_latency_hours = {latency}
meeting_hours_per_week = {meetings}
"""
MEETINGS = [round(0.2 * i, 1) for i in range(100)]  # 100 values in [0, 19.8]


def write_spec(folder: Path, runs: int, days: int) -> Path:
    """A two-lever grid of `runs` points (a multiple of 100), one replication each."""
    latency = [round(0.1 + 0.05 * i, 2) for i in range(runs // len(MEETINGS))]  # within [0, 40]
    path = folder / "memory_bench.toml"
    path.write_text(SPEC.format(days=days, latency=latency, meetings=MEETINGS), encoding="utf-8")
    return path


def peak_mib() -> float:
    """This process's peak resident set size so far, in MiB.

    On Linux, VmHWM of /proc/self/status: the high-water mark of this process's own memory.
    Not ru_maxrss, which Linux carries over an exec from the process that started this one, so
    a child started by a big parent (the whole benchmark suite) would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(runs: int, days: int, workers: int) -> None:
    """Run the sweep command in this process and print its peak RSS as JSON.

    The peak is read just before the final tables are assembled (every run submitted, received
    and streamed to disk) and again at the end of the command.
    """
    import sim.experiments.sweep
    from sim.cli import main as cli
    from sim.cli.sweep import register_sweep

    streamed: list[float] = []
    assemble = sim.experiments.sweep.assemble

    def measured_assemble(*args, **kwargs):
        streamed.append(peak_mib())
        return assemble(*args, **kwargs)

    sim.experiments.sweep.assemble = measured_assemble
    if register_sweep not in cli.REGISTRARS:
        cli.REGISTRARS.append(register_sweep)
    with tempfile.TemporaryDirectory() as tmp:
        spec = write_spec(Path(tmp), runs, days)
        start = time.perf_counter()
        code = cli.main(["sweep", str(spec), "--workers", str(workers), "--out", tmp, "--quiet"])
        seconds = time.perf_counter() - start
        folders = list(Path(tmp).glob("sweep-*"))
        chunks = len(list((folders[0] / "runs").glob("chunk-*.parquet"))) if folders else 0
    row = {"runs": runs, "exit": code, "seconds": seconds, "chunks": chunks}
    print(json.dumps(row | {"running_mib": streamed[0], "peak_mib": peak_mib()}))


FLAT_TARGET = 1.1  # the driver may hold at most 10% more while running 10x the runs
HEADER = ("runs", "seconds", "runs/s", "chunks", "peak RSS: running", "whole command")


def measure(runs: int, days: int = 5, workers: int = 2) -> dict:
    """One sweep of `runs` runs in a fresh child process: its timing, chunks and peak RSS."""
    command = [sys.executable, __file__, "--child", str(runs), "--days", str(days), "--workers", str(workers)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert row["exit"] == 0, done.stderr
    return row


def sweep_memory(sizes=(1_000, 10_000), days: int = 5, workers: int = 2) -> Figure:
    """(d) Peak memory of the driver of the largest sweep (and of the smaller ones, for scale)."""
    rows = [measure(runs, days, workers) for runs in sizes]
    smallest, largest = rows[0], rows[-1]
    growth = largest["running_mib"] / smallest["running_mib"]
    flat = len(rows) > 1
    return Figure(
        "sweep_memory",
        f"(d) driver RSS while running, {largest['runs']:,} vs {smallest['runs']:,} runs (flat)",
        growth,
        "x",
        f"<= {FLAT_TARGET}x" if flat else "-",
        growth <= FLAT_TARGET if flat else None,
        detail={"rows": rows, "days": days, "workers": workers, "peak_mib": largest["peak_mib"]},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000], help="runs per sweep (x100)")
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.days, args.workers)
        return
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    print(f"machine: {machine}, {args.workers} workers, {args.days}-day runs")
    print("  ".join(f"{h:>18}" if i > 3 else f"{h:>8}" for i, h in enumerate(HEADER)))
    for runs in args.sizes:
        row = measure(runs, args.days, args.workers)
        cells = [f"{row['runs']:,}", f"{row['seconds']:.1f}", f"{row['runs'] / row['seconds']:.0f}"]
        cells += [str(row["chunks"]), f"{row['running_mib']:.0f} MiB", f"{row['peak_mib']:.0f} MiB"]
        print("  ".join(f"{c:>18}" if i > 3 else f"{c:>8}" for i, c in enumerate(cells)))


if __name__ == "__main__":
    main()
