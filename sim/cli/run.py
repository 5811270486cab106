"""The `run` command: one run of one scenario, a KPI summary on the terminal and a results folder.

Its `--seed` and `--days` are checked by `sim.api.check_run_args`, the checks (and messages) of
the Python API's `run`, because this command is that call on the command line; `--out` is
checked as in every command (`sim.cli.common`). The model is imported only after the checks.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sim.api import PERIODS, check_run_args, resolve_scenario, run
from sim.cli.common import (
    EXIT_OK,
    PROG,
    add_csv_option,
    add_days_option,
    add_out_option,
    add_output_options,
    add_seed_option,
    add_set_option,
    align,
    check_options,
    format_kpis,
    new_results_folder,
    parse_set,
    removed_if_unused,
    warn_late_interventions,
)

DEFAULT_DAYS = 500


def register_run(subparsers: Any) -> None:
    """`run SCENARIO`: one run of one scenario, with a KPI summary and a results folder."""
    p = subparsers.add_parser(
        "run",
        help="run one scenario once and write its results",
        description="Run one scenario once: print the KPIs and write timeseries.parquet (and .csv with "
        "--csv), summary.csv, metadata.json and run.png to a new folder.",
    )
    p.add_argument("scenario", help="scenario name (see 'scenarios') or path to a .toml file")
    add_seed_option(p)
    add_days_option(p, default=DEFAULT_DAYS, help="working days to simulate (default: %(default)s)")
    add_out_option(p, help="folder in which the run's folder is created (default: results/)")
    p.add_argument(
        "--period", choices=PERIODS, default="day", help="rows of timeseries.parquet (default: day)"
    )
    add_set_option(p)
    add_csv_option(p)
    add_output_options(p, json_help="print one JSON object (summary and folder) only")
    p.set_defaults(handler=handle_run)


def handle_run(args: argparse.Namespace) -> int:
    """Check everything, create the folder, run, write, then report; nothing is written on bad input.

    The run's size is checked first (`sim.experiments.limits`: days, inquiries a day, leads in
    memory), and the folder is created before the run, so neither a run too big for the machine
    nor an `--out` that cannot be written costs a simulation first.
    """
    check_run_args(args.days, args.seed, args.period)
    overrides = parse_set(args.set)
    scenario = resolve_scenario(args.scenario).with_values(overrides, source="--set")
    check_options(args, "out")
    warn_late_interventions([scenario], args.days)

    import warnings

    from sim.api import LateInterventionWarning, draw_seed
    from sim.experiments import limits

    limits.check_days(args.days)
    sets = limits.with_interventions(scenario.params, scenario.interventions)
    limits.check_estimate(limits.estimate(sets, args.days, runs=1, workers=1), where=_where(args, scenario))
    seed = draw_seed() if args.seed is None else args.seed

    from sim.output import default_run_dir, overrides_label
    from sim.reporting.run import write_run

    label = "-".join(part for part in (scenario.name, overrides_label(overrides)) if part)
    out_dir = new_results_folder(args, lambda base: default_run_dir(label, seed, base))
    with removed_if_unused(out_dir):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LateInterventionWarning)  # said above, in the CLI's words
            result = run(scenario, seed=seed, days=args.days, period=args.period)
        write_run(result, out_dir, [PROG, *args.argv], overrides=overrides, csv=args.csv)
    if args.json:
        print(json.dumps(_json_report(result, out_dir), allow_nan=False))
    elif args.quiet:
        print(out_dir)
    else:
        print(_text_report(result, out_dir, seed_given=args.seed is not None))
    return EXIT_OK


def _where(args: argparse.Namespace, scenario: Any) -> str:
    """Where a run's parameter values came from, for a message: --set, the scenario, or both."""
    return f"scenario {scenario.name} with --set" if args.set else f"scenario {scenario.name}"


def _json_report(result: Any, out_dir: Path) -> dict[str, Any]:
    from sim.output import jsonable

    head = {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "days": result.days,
        "out_dir": str(out_dir),
    }
    return jsonable({**head, **{k: v for k, v in result.summary.items() if k != "days"}})


def _text_report(result: Any, out_dir: Path, seed_given: bool) -> str:
    from sim.model.model import WORKING_DAYS_PER_YEAR

    seed_note = "" if seed_given else f"  (drawn at random; repeat with --seed {result.seed})"
    years = result.days / WORKING_DAYS_PER_YEAR
    head = align(
        [
            ("Scenario", f"{result.scenario.name}: {result.scenario.description}"),
            ("Seed", f"{result.seed}{seed_note}"),
            ("Horizon", f"{result.days:,} working days ({years:.1f} years)"),
        ]
    )
    return f"{head}\n\n{format_kpis(result.summary)}\n\nResults: {out_dir}"
