"""The whole benchmark suite: every figure of the README's Performance section, with its target.

Run on demand, not in CI (timings depend on the machine and its load):

    .venv/bin/python benchmarks/run_all.py            # full suite, about 14 minutes on 2 quiet cores
    .venv/bin/python benchmarks/run_all.py --quick    # smoke run of every part, about 2 minutes

Prints the machine (CPU, cores, Python, package versions, load average at start), a yardstick
(CPU seconds of a fixed loop of small numpy steps, the model's kind of work), each figure with
its target, PASS/FAIL, its multiple of the yardstick (time figures) and the load average when it
was taken, and a Markdown table ready to paste into README.md; writes the same to
`benchmarks/results/latest.json` (ignored by git). Compile the bytecode first
(`python -m compileall -q sim`): a tree without it imports several times slower.

(a) one default run (two simulated years): median CPU time, runs per second;
(b) CPU per simulated day at 1x, 5x and 25x the default organisation (must grow sublinearly);
(e) `python run.py --help` start-up time;
(f) a pool worker's first run against its second (workers start warm);
(g) the headline job, `python run.py`, on 2 workers;
(c) 200 runs through our runner against the same runs through `mesa.batch_run`, both on 2
    processes, as a throughput ratio, plus our runner's parallel efficiency on 2 workers;
(d) the driver's memory while running a 10,000-run sweep against a 1,000-run one (flat).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import bench_batch_run
import bench_headline
import bench_model
import bench_startup
import bench_sweep_memory
from common import Figure, format_value, machine, yardstick_seconds

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
FULL = {
    "default_repeats": 9,
    "scaling_repeats": 3,
    "scaling_days": 250,
    "batch_runs": 200,
    "batch_days": 500,
    "batch_rounds": 1,
    "serial_runs": 50,
    "sweep_sizes": (1_000, 10_000),
    "startup_repeats": 7,
    "first_task_rounds": 3,
    "headline": {},  # the real headline job
}
QUICK = {
    "default_repeats": 3,
    "scaling_repeats": 1,
    "scaling_days": 40,
    "batch_runs": 12,
    "batch_days": 60,
    "batch_rounds": 1,
    "serial_runs": 6,
    "sweep_sizes": (50, 150),
    "startup_repeats": 3,
    "first_task_rounds": 1,
    "headline": {"replications": 2, "days": 60},
}


def run_suite(cfg: dict, processes: int, yardstick_s: float, only: set[str] | None = None) -> list[Figure]:
    """Every part in turn (the slow, parallel ones last), printing each figure as it comes."""
    parts = {
        "a": lambda: [bench_model.default_run(cfg["default_repeats"])],
        "b": lambda: [bench_model.scaling((1, 5, 25), cfg["scaling_repeats"], cfg["scaling_days"])],
        "e": lambda: [bench_startup.startup(cfg["startup_repeats"])],
        "f": lambda: [bench_startup.first_task(processes, cfg["first_task_rounds"])],
        "g": lambda: [bench_headline.headline(processes, **cfg["headline"])],
        "c": lambda: _batch_figures(cfg, processes),
        "d": lambda: [bench_sweep_memory.sweep_memory(cfg["sweep_sizes"], 5, processes)],
    }
    figures: list[Figure] = []
    for name, part in parts.items():
        if only and name not in only:
            continue
        start = time.perf_counter()
        for figure in part():
            print(figure.against(yardstick_s).line(), flush=True)
            figures.append(figure)
        print(f"    ({name}: {time.perf_counter() - start:.0f} s)", flush=True)
    return figures


def _batch_figures(cfg: dict, processes: int) -> list[Figure]:
    compared = bench_batch_run.compare(cfg["batch_runs"], cfg["batch_days"], processes, cfg["batch_rounds"])
    return [compared, bench_batch_run.efficiency(compared, cfg["serial_runs"])]


def markdown(figures: list[Figure], info: dict) -> str:
    """The README table: one row per figure, then the org-size breakdown and the machine."""
    lines = ["| figure | measured | target | met | yardsticks | load |", "|---|---:|---:|:---:|---:|---:|"]
    for f in figures:
        met = {True: "yes", False: "**no**", None: "-"}[f.passed]
        ratio = f"{f.per_yardstick:.1f}" if f.per_yardstick is not None else "-"
        value = format_value(f.value, f.unit)
        lines.append(f"| {f.label} | {value} | {f.target or '-'} | {met} | {ratio} | {f.load:.2f} |")
        lines.extend(_extra_rows(f))
    scaling = next((f for f in figures if f.key == "scaling"), None)
    if scaling:
        lines += ["", "| org size | reps | marketers | leads per year | ms per simulated day | cost vs 1x |"]
        lines.append("|---|---:|---:|---:|---:|---:|")
        for r in scaling.detail["rows"]:
            lines.append(
                f"| {r['factor']}x | {r['reps']} | {r['marketers']} | {r['leads_per_year']:,.0f} | "
                f"{r['ms_per_day']:.2f} | {r['cost_vs_1x']:.2f}x |"
            )
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    lines += [
        "",
        f"Measured {info['when_utc']} UTC at commit {info['git_commit']} on {info['cpu']}, "
        f"{info['cores']} cores, Python {info['python']} ({packages}); load average at start "
        f"{' / '.join(str(x) for x in info['load_average'])}; yardstick "
        f"{info['yardstick_s']:.3f} s of CPU (one yardstick: 20,000 small numpy steps).",
    ]
    return "\n".join(lines)


def _extra_rows(f: Figure) -> list[str]:
    d = f.detail
    if f.key == "default_run":
        return [f"| ... runs per second (one core) | {d['runs_per_second']:.2f} | - | - | - | - |"]
    if f.key == "batch_run_ratio":
        return [
            f"| ... our runner, runs per second | {d['ours_runs_per_s']:.2f} | - | - | - | - |",
            f"| ... mesa.batch_run, runs per second | {d['mesa_runs_per_s']:.2f} | - | - | - | - |",
            f"| ... identical revenue in every run | {d['identical_revenue_per_run']} | True | - | - | - |",
        ]
    if f.key == "sweep_memory":
        return [
            f"| ... {r['runs']:,} runs: driver peak while running / whole command | "
            f"{r['running_mib']:.0f} / {r['peak_mib']:.0f} MiB | - | - | - | - |"
            for r in d["rows"]
        ]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run of every part")
    parser.add_argument("--processes", type=int, default=2, help="worker processes for (c) and (d)")
    parser.add_argument("--only", nargs="+", choices=list("abcdefg"), help="run only these parts")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args()
    info = machine()
    info["yardstick_s"] = yardstick_seconds()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
        + ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    )
    print(
        f"load average at start: {info['load_average']}, yardstick {info['yardstick_s']:.3f} s CPU, "
        f"commit {info['git_commit']}{' (quick)' if args.quick else ''}"
    )
    start = time.perf_counter()
    cfg = QUICK if args.quick else FULL
    figures = run_suite(cfg, args.processes, info["yardstick_s"], set(args.only or []))
    info["yardstick_s_at_end"] = yardstick_seconds()
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    info["suite_seconds"] = time.perf_counter() - start
    table = markdown(figures, info)
    print("\nMarkdown for README.md (Performance):\n")
    print(table)
    failed = [f.key for f in figures if f.passed is False]
    print(f"\n{len(figures)} figures; targets missed: {', '.join(failed) or 'none'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figures_json = [f.as_dict() for f in figures]
    document = {"machine": info, "quick": args.quick, "figures": figures_json, "markdown": table}
    args.out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
