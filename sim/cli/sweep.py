"""The `sweep` and `sensitivity` commands: run an experiment spec, summarise it, plot it.

`sweep SPEC` runs every design point's replications (streamed to disk, resumable), writes
summary.csv per point and plots: a line with its CI band for one varied parameter, heatmaps for
two, scatter panels otherwise, and a tornado chart for a [tornado] table. `sensitivity SPEC` does
the same for a sobol or morris design and adds SALib's indices (sobol.csv or morris.csv) with
their plots. SPEC is a name in experiments/ or a path; the format is in docs/EXPERIMENTS.md.

Examples::

    python run.py sweep followup_x_meetings
    python run.py sweep followup_x_meetings --replications 2 --days 100 --out /tmp/trial
    python run.py sweep followup_x_meetings --resume results/sweep-followup_x_meetings-...
    python run.py sensitivity sobol_main_levers --dask-local 4
    python run.py sensitivity morris_all_levers --scheduler tcp://10.0.0.5:8786

As every command (`sim.cli.common`): bad input raises ParameterError before anything runs (one
`error:` line, exit code 2, no folder written), and heavy modules are imported only after the checks.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    add_csv_option,
    add_days_option,
    add_out_option,
    add_output_options,
    add_replications_option,
    add_set_option,
    add_workers_option,
    align,
    cap_workers,
    check_options,
    command_line,
    fail,
    new_results_folder,
    parse_set,
    removed_if_unused,
    warn,
)
from sim.model.params import ParameterError

if TYPE_CHECKING:
    from sim.experiments.sensitivity import Sensitivity
    from sim.experiments.spec import Experiment
    from sim.experiments.sweep import SweepResult

MAX_CHUNK_RUNS = 100_000
MAX_REPLICATIONS = 500
MAX_DASK_WORKERS = 1024
SHOWN_POINTS = 8  # points listed on the terminal (all are in summary.csv)
SHOWN_PARAMETERS = 4  # with more varied parameters the terminal shows indices or the CSV, not a table
SENSITIVITY_DESIGNS: tuple[str, ...] = ("sobol", "morris")


# ---------------------------------------------------------------------- parsers
def register_sweep(subparsers: Any) -> None:
    """`sweep SPEC`: run an experiment spec, write summary.csv and plots."""
    p = subparsers.add_parser(
        "sweep",
        help="run an experiment spec (grid, lhs, sobol, morris; tornado) and plot it",
        description="Run every design point of an experiment spec over replicated runs (streamed to disk; "
        "--resume continues a killed sweep), then write runs.parquet and runs.csv (every run's "
        "parameters and KPIs), timeseries.parquet (and .csv with --csv), summary.csv (mean and 95%% CI "
        "per point), metadata.json and plots. Format: docs/EXPERIMENTS.md.",
        epilog="Example: python run.py sweep followup_x_meetings --replications 2 --days 100",
    )
    _add_options(p)
    p.set_defaults(handler=handle_sweep)


def register_sensitivity(subparsers: Any) -> None:
    """`sensitivity SPEC`: run a sobol or morris spec and compute SALib's indices."""
    p = subparsers.add_parser(
        "sensitivity",
        help="Sobol' or Morris sensitivity indices of an experiment spec",
        description="Run a sobol or morris experiment spec (as 'sweep' does; --resume reuses a finished "
        "sweep) and compute Sobol' S1/ST or Morris mu*/sigma of each KPI over replication means, "
        "with bootstrap 95%% CIs: sobol.csv or morris.csv and one plot per KPI.",
        epilog="Example: python run.py sensitivity sobol_main_levers --dask-local 2",
    )
    _add_options(p)
    p.set_defaults(handler=handle_sensitivity)


def _add_options(p: argparse.ArgumentParser) -> None:
    """The options sweep and sensitivity share; --out and --resume, and the executors, exclude each other."""
    p.add_argument("spec", help="experiment name (a file in experiments/) or path to a .toml spec")
    add_replications_option(p, short=False, metavar="N", help="override the spec's replications per point")
    add_days_option(p, metavar="N", help="override the spec's working days per run")
    place = p.add_mutually_exclusive_group()
    add_out_option(place, metavar="DIR", help="folder in which the sweep's folder is created")
    place.add_argument(
        "--resume", type=Path, metavar="DIR", help="finish the sweep in DIR, skipping finished runs"
    )
    where = p.add_mutually_exclusive_group()
    add_workers_option(where, metavar="N", help="local worker processes (default: all cores)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://HOST:8786")
    where.add_argument("--dask-local", type=int, metavar="N", help="start a local Dask cluster of N workers")
    p.add_argument(
        "--chunk-runs",
        type=int,
        metavar="N",
        help="finished runs per chunk file, compacted from per-run files (default: 50)",
    )
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="allow up to 10,000,000 runs and 2,000,000 design points (default limits: 100,000 each)",
    )
    add_set_option(
        p, help="override a parameter of every structure the spec runs, e.g. --set n_reps=12 (repeatable)"
    )
    add_csv_option(p)
    add_output_options(p)


# ---------------------------------------------------------------------- checks
def check_sweep_args(args: argparse.Namespace) -> None:
    """Raise ParameterError (option, value, what is allowed) before anything runs or is written."""
    _check_range("--replications", args.replications, MAX_REPLICATIONS)
    check_options(args, "days", "workers")
    _check_range("--dask-local", args.dask_local, MAX_DASK_WORKERS)
    if args.dask_local is not None:
        args.dask_local = cap_workers("--dask-local", args.dask_local)
    _check_range("--chunk-runs", args.chunk_runs, MAX_CHUNK_RUNS)
    check_options(args, "out")
    if args.scheduler is not None:
        from sim.experiments.executors import check_address

        check_address(args.scheduler)


def _check_range(option: str, value: int | None, high: int) -> None:
    if value is not None and not 1 <= value <= high:
        raise ParameterError(f"{option}: got {value}; allowed: a whole number from 1 to {high}")


def check_work(args: argparse.Namespace, experiment: Experiment) -> None:
    """Refuse an experiment too big to start (runs, points, days, inquiries a day, memory).

    Checked from the spec's counts and parameter ranges alone, before the design is sampled or
    design.csv written (a 1e9-point grid used to stream 50 GB of design.csv before its first run).
    """
    from sim.experiments import limits

    limits.check_days(experiment.days, "--days" if args.days is not None else f"{experiment.where}: days")
    limits.check_size(experiment.runs, experiment.points, experiment.where, args.allow_large)
    local = args.scheduler is None
    workers = args.dask_local or args.workers or (limits.available_cores() if local else 1)
    work = limits.experiment_estimate(experiment, workers)
    limits.check_estimate(work, experiment.where, check_memory=local)


def load(args: argparse.Namespace, kind: str) -> Experiment:
    """The spec with command-line overrides; sensitivity needs a sobol or morris design."""
    from sim.experiments.spec import load_experiment

    overrides = parse_set(args.set)
    experiment = load_experiment(args.spec).with_overrides(args.replications, args.days, overrides)
    if kind == "sensitivity" and experiment.design not in SENSITIVITY_DESIGNS:
        raise ParameterError(
            f"{experiment.where}: design: {experiment.design!r} has no sensitivity indices; "
            'allowed: design = "sobol" or "morris" (run grid and lhs specs with \'sweep\')'
        )
    return experiment


# ---------------------------------------------------------------------- handlers
def handle_sweep(args: argparse.Namespace) -> int:
    """Check, run, summarise and plot an experiment."""
    return _handle(args, "sweep")


def handle_sensitivity(args: argparse.Namespace) -> int:
    """Check, run, summarise, plot, then compute and plot sensitivity indices."""
    return _handle(args, "sensitivity")


def _handle(args: argparse.Namespace, kind: str) -> int:
    check_sweep_args(args)
    experiment = load(args, kind)
    check_work(args, experiment)
    from sim.experiments.sweep import check_resume, default_sweep_dir

    if args.resume is not None:
        check_resume(args.resume, experiment)
        folder = args.resume
    else:
        folder = new_results_folder(args, lambda base: default_sweep_dir(kind, experiment, base))
    args.interrupt_hint = f"finished runs are kept; finish with --resume {folder}"
    warn_few_replications(experiment)  # once every option is known to be good
    with removed_if_unused(folder):
        result = _run(args, experiment, folder)
    args.interrupt_hint = None
    for name in result.repaired:
        print(
            f"warning: {folder / name} was unreadable (cut short by a crash?); its runs ran again",
            file=sys.stderr,
        )
    files = write_plots(result)
    sensitivity = _sensitivity(result) if kind == "sensitivity" else None
    if sensitivity is not None:
        files += write_sensitivity(result, sensitivity)
    _report(args, result, files, sensitivity)
    if result.failed:
        return fail(failure_message(result), EXIT_FAILURE)
    return EXIT_OK


def warn_few_replications(experiment: Experiment) -> None:
    """One line on stderr when a point's interval will be missing or too wide to read."""
    from sim.experiments.stats import MIN_POINT_REPLICATIONS

    n = experiment.replications
    if n < MIN_POINT_REPLICATIONS:
        interval = "no interval" if n == 1 else "a 95% interval on t = 12.7, too wide to read"
        warn(
            f"{n} replication{'s' if n > 1 else ''} per point: each point's mean gets {interval}; "
            f"use --replications {MIN_POINT_REPLICATIONS} or more"
        )


def _run(args: argparse.Namespace, experiment: Experiment, folder: Path) -> SweepResult:
    """Open the executor (connecting first, so a bad address writes nothing) and run."""
    from sim.experiments.executors import open_executor
    from sim.experiments.runner import CHUNK_RUNS
    from sim.experiments.sweep import run_sweep

    command = command_line(args)
    quiet = args.json or args.quiet
    with open_executor(args.workers, args.scheduler, args.dask_local) as handle:
        if not quiet:
            print(_plan(experiment, folder, handle.label, args.resume is not None), flush=True)
        return run_sweep(
            experiment,
            folder,
            handle.executor,
            in_flight=handle.in_flight,
            retries=handle.retries,
            chunk_runs=args.chunk_runs or CHUNK_RUNS,
            resume=args.resume is not None,
            progress=not quiet,
            command=command,
            executor_label=handle.label,
            csv=args.csv,
        )


def _plan(experiment: Experiment, folder: Path, executor: str, resume: bool) -> str:
    from sim.experiments.spec import intervention_note

    names = experiment.varied
    varied = ", ".join(names) if len(names) <= 6 else f"{len(names)} parameters: {', '.join(names[:4])}, ..."
    if experiment.structures:
        varied = f"scenario ({len(experiment.structures)} structures)" + (f" x {varied}" if names else "")
    design = experiment.design if experiment.design != "none" else "tornado only"
    structures = ", ".join(s.name for s in experiment.scenarios)
    set_note = ", ".join(f"{k}={v}" for k, v in experiment.overrides.items())
    rows = [
        ("Experiment", f"{experiment.name}: {experiment.description}".rstrip(": ")),
        ("Structures" if experiment.structures else "Base scenario", structures),
        *([("--set", set_note)] if set_note else []),
        (
            "Design",
            f"{design}, {experiment.points} points x {experiment.replications} replications = "
            f"{experiment.runs:,} runs of {experiment.days} days",
        ),
        ("Varied", varied),
        ("Executor", executor),
        ("Folder", f"{folder}{' (resuming)' if resume else ''}"),
    ]
    note = intervention_note(experiment)
    text = align(rows)
    return f"{text}\nNote: {note}" if note else text


# ---------------------------------------------------------------------- outputs
def write_plots(result: SweepResult) -> list[str]:
    """sweep.png (line, heatmaps or scatter) and tornado.png, where they apply."""
    from sim.reporting.sweep_plots import plot_sweep, plot_tornado

    files = []
    folder, experiment = result.folder, result.experiment
    if plot_sweep(result.summary, experiment, folder / "sweep.png") is not None:
        files.append("sweep.png")
    if result.tornado is not None and not result.tornado.empty:
        title = f"{experiment.name}: one at a time around {experiment.scenario.name}"
        plot_tornado(result.tornado, experiment.kpis, folder / "tornado.png", title)
        files.append("tornado.png")
    return files


def _sensitivity(result: SweepResult) -> Sensitivity | None:
    from sim.experiments.sensitivity import IncompleteSweepError, analyse

    try:
        return analyse(result.summary, result.experiment)
    except IncompleteSweepError:
        return None  # reported through the failures


def write_sensitivity(result: SweepResult, sensitivity: Sensitivity) -> list[str]:
    """sobol.csv / morris.csv, one plot per KPI, and the indices' provenance in metadata.json."""
    from sim.experiments.sensitivity import write_indices
    from sim.experiments.sweep import add_metadata
    from sim.reporting.sweep_plots import plot_morris, plot_sobol

    folder, method = result.folder, sensitivity.method
    files = [write_indices(sensitivity, folder).name]
    plot = plot_sobol if method == "sobol" else plot_morris
    for kpi in dict.fromkeys(sensitivity.indices.get("kpi", [])):
        name = f"{method}_{kpi}.png"
        plot(
            sensitivity,
            kpi,
            folder / name,
            f"{result.experiment.name}: {method} indices of {kpi.replace('_', ' ')}",
        )
        files.append(name)
    add_metadata(
        folder,
        sensitivity={
            "method": method,
            "library": "SALib.analyze." + method,
            "over": "replication means per design point",
            "bootstrap_seed": result.experiment.analysis_seed,
            "skipped_kpis": sensitivity.skipped,
        },
    )
    return files


def failure_message(result: SweepResult) -> str:
    """How many runs failed, where their tracebacks are, and how to retry them."""
    from sim.experiments.runner import FAILURE_DIR

    return (
        f"{len(result.failed)} of {result.experiment.runs} runs failed; tracebacks in "
        f"{result.folder / FAILURE_DIR}/; rerun them with --resume {result.folder}"
    )


# ---------------------------------------------------------------------- terminal
def _report(
    args: argparse.Namespace, result: SweepResult, files: list[str], sensitivity: Sensitivity | None
) -> None:
    if args.json:
        print(json.dumps(json_report(result, files, sensitivity), allow_nan=False))
    elif args.quiet:
        print(result.folder)
    else:
        print(text_report(result, files, sensitivity))


def text_report(result: SweepResult, files: list[str], sensitivity: Sensitivity | None) -> str:
    """Timing, the best points by the first KPI, tornado swings, indices, and where the files are."""
    experiment = result.experiment
    done = int(result.summary["runs"].sum()) if not result.summary.empty else 0
    parts = [
        f"Finished {done:,} of {experiment.runs:,} runs in {result.seconds:.1f} s"
        + (f" ({result.skipped:,} were already done)" if result.skipped else "")
    ]
    if experiment.design_points and sensitivity is None and len(experiment.parameters) <= SHOWN_PARAMETERS:
        parts.append(_best_points(result))
    if result.tornado is not None and not result.tornado.empty:
        parts.append(_tornado_text(result))
    if sensitivity is not None:
        parts.append(sensitivity_text(sensitivity))
    from sim.experiments.stats import METHOD

    parts.append(f"Intervals: {METHOD}")
    tables = [
        "summary.csv",
        "runs.csv",
        "runs.parquet",
        *(["timeseries.csv"] if _has_series_csv(result) else []),
    ]
    parts.append(f"Results: {result.folder}\nFiles:   " + ", ".join([*tables, *files]))
    return "\n\n".join(parts)


def _has_series_csv(result: SweepResult) -> bool:
    from sim.experiments.sweep import SERIES_CSV

    return (result.folder / SERIES_CSV).exists()


def _best_points(result: SweepResult) -> str:
    kpi = result.experiment.kpis[0]
    design = result.summary[result.summary["part"] == "design"]
    top = design.sort_values(f"{kpi}_mean", ascending=False, kind="stable").head(SHOWN_POINTS)
    names = list(result.experiment.factors)
    rows = [("point", *names, f"{kpi} mean (95% CI)")]
    for _, row in top.iterrows():
        rows.append((str(row["point"]), *(_cell(row[n]) for n in names), _with_ci(row, kpi)))
    shown = f"top {len(top)} of {len(design)}" if len(design) > len(top) else f"all {len(design)}"
    return f"Design points by {kpi} ({shown}; all in summary.csv):\n" + align(rows, indent="  ")


def _tornado_text(result: SweepResult) -> str:
    kpi = result.experiment.kpis[0]
    table = result.tornado[result.tornado["kpi"] == kpi]
    rows = [("parameter", "low / high", f"change in {kpi} at low", "at high")]
    for _, row in table.iterrows():
        rows.append(
            (
                row["parameter"],
                f"{_cell(row['low_value'])} / {_cell(row['high_value'])}",
                _diff(row, "low"),
                _diff(row, "high"),
            )
        )
    base = _cell(table["base_mean"].iloc[0]) if not table.empty else "n/a"
    return f"One at a time around {result.experiment.scenario.name} ({kpi} at base: {base}):\n" + align(
        rows, indent="  "
    )


def sensitivity_text(sensitivity: Sensitivity) -> str:
    """Each KPI's parameters ranked by ST (Sobol') or mu* (Morris), with 95% CIs."""
    from sim.experiments.sensitivity import ranked

    parts = []
    kpis = list(dict.fromkeys(sensitivity.indices.get("kpi", [])))
    for kpi in kpis:
        table = ranked(sensitivity, kpi)
        if sensitivity.method == "sobol":
            rows = [("parameter", "S1 (95% CI)", "ST (95% CI)")]
            rows += [(r.parameter, _pm(r.S1, r.S1_conf), _pm(r.ST, r.ST_conf)) for r in table.itertuples()]
        else:
            rows = [("parameter", "mu* (95% CI)", "sigma")]
            rows += [(r.parameter, _mu_star(r), _cell(r.sigma)) for r in table.itertuples()]
        parts.append(f"{sensitivity.method.capitalize()} indices of {kpi}:\n" + align(rows, indent="  "))
    for kpi, why in sensitivity.skipped.items():
        parts.append(f"No indices for {kpi}: {why}.")
    return "\n\n".join(parts)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def _pm(value: float, half: float) -> str:
    return f"{value:.3f} +- {half:.3f}" if abs(value) < 100 else f"{value:,.0f} +- {half:,.0f}"


def _mu_star(r: Any) -> str:
    return f"{_cell(r.mu_star)} ({_ends(r.mu_star_ci_low, r.mu_star_ci_high)})"


def _ends(low: float, high: float) -> str:
    """`low to high`, or that there is none (one replication gives a mean but no interval)."""
    from sim.reporting.formats import NO_INTERVAL

    if not (math.isfinite(low) and math.isfinite(high)):
        return NO_INTERVAL
    return f"{_cell(low)} to {_cell(high)}"


def _with_ci(row: Any, kpi: str) -> str:
    return f"{_cell(row[f'{kpi}_mean'])} ({_ends(row[f'{kpi}_ci_low'], row[f'{kpi}_ci_high'])})"


def _diff(row: Any, side: str) -> str:
    value, ends = row[f"{side}_difference"], _ends(row[f"{side}_ci_low"], row[f"{side}_ci_high"])
    return f"{'+' if value >= 0 else ''}{_cell(value)} ({ends})"


def json_report(result: SweepResult, files: list[str], sensitivity: Sensitivity | None) -> dict[str, Any]:
    """The sweep as one JSON-ready object: setup, counts, failures, files and indices."""
    from sim.output import jsonable

    experiment = result.experiment
    report = {
        "experiment": experiment.name,
        "design": experiment.design,
        "folder": str(result.folder),
        "points": experiment.points,
        "replications": experiment.replications,
        "runs": experiment.runs,
        "finished": int(result.summary["runs"].sum()) if not result.summary.empty else 0,
        "already_done": result.skipped,
        "failed": list(result.failed),
        "seconds": round(result.seconds, 3),
        "seeds": {"root_seed": experiment.seed, "design_seed": experiment.design_seed},
        "files": [
            "metadata.json",
            "design.csv",
            "runs.parquet",
            "runs.csv",
            "summary.csv",
            *(["timeseries.csv"] if _has_series_csv(result) else []),
            *files,
        ],
    }
    if sensitivity is not None:
        report["sensitivity"] = {
            "method": sensitivity.method,
            "indices": sensitivity.indices.to_dict(orient="records"),
            "skipped": sensitivity.skipped,
        }
    return jsonable(report)
