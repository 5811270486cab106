"""The `compare` command and the headline job that `python run.py` runs without arguments.

`compare A B [C ...]` runs every scenario over paired replications (common random numbers),
prints a compact table of KPIs and differences with 95% CIs, and writes a results folder with
a report to hand to a client (see `sim.reporting.report`). The first scenario is the baseline.

Examples::

    python run.py compare segregated integrated -n 20
    python run.py compare segregated integrate_at_month_6 -n 20   # when does integrating pay back?
    python run.py compare defined aligned integrated --until-ci 5 --json
    python run.py compare CLIENT.toml integrate_today --on CLIENT.toml  # integrating, like for like

Each replication draws a plausible world of the uncertain assumptions (the same in every arm);
`--fixed-world` keeps one fixed world instead. `--on BASE` applies every scenario's levers to
BASE's market and team sizes; `--set KEY=VALUE` sets a value in every arm.

As every command: `register_compare` adds the sub-parser, `handle_compare` checks all input before
any work (bad input raises ParameterError: one `error:` line and exit code 2 from
`sim.cli.common.run_handler`, and no folder), and heavy modules are imported only after the checks.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    PROG,
    add_csv_option,
    add_days_option,
    add_out_option,
    add_output_options,
    add_replications_option,
    add_seed_option,
    add_workers_option,
    align,
    check_options,
    command_line,
    fail,
    new_results_folder,
    parse_set,
    removed_if_unused,
    run_handler,
    warn_late_interventions,
)
from sim.model.params import ParameterError

if TYPE_CHECKING:
    from sim.experiments.compare import Comparison
    from sim.model.scenario import Scenario

# Like for like: a segregated firm that integrates on day 0 against one that does not, both from
# segregated's steady state and installed base. This is what integrating would do to a firm and
# the effect the surveys size (docs/VALIDATION.md, pattern 3); integrated's own steady state,
# years after its change, is a different question (`compare segregated integrated`).
HEADLINE_SCENARIOS: tuple[str, ...] = ("segregated", "integrate_on_day_0")
HEADLINE_REPLICATIONS = 20  # 40 runs of 500 days in 20 plausible worlds: ~30-60 s on 2 shared cores
HEADLINE_DAYS = 500  # two working years: long enough for trust and knowledge to settle
HEADLINE_SEED = 1  # fixed, so `python run.py` gives the same numbers on every machine
DEFAULT_REPLICATIONS = 20
DEFAULT_DAYS = 500
MAX_REPLICATIONS = 500  # as experiments.compare.MAX_REPLICATIONS (here so bad input answers fast; tested)
MAX_FOLDER_NAMES = 3  # scenario names in a default folder name before it says "N-scenarios"
MAX_ON_LABEL = 150  # characters of names and base in a folder name before the base is left out of it


# ---------------------------------------------------------------------- parser
def register_compare(subparsers: Any) -> None:
    """`compare A B [C ...]`: paired replications of scenarios, a table, a report and a folder."""
    p = subparsers.add_parser(
        "compare",
        help="compare scenarios over paired replications and write a report",
        description="Run each scenario over the same replications (common random numbers), print KPIs "
        "and differences with 95% CIs, and write summary.csv, timeseries.parquet, comparison.csv, "
        "metadata.json, report.md and report.html to a new folder. The first scenario is the baseline.",
        epilog="Example: python run.py compare segregated integrate_at_month_6 -n 20",
    )
    p.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="two or more scenario names or .toml files"
    )
    add_replications_option(
        p, default=DEFAULT_REPLICATIONS, help="paired replications per scenario (default: %(default)s)"
    )
    add_seed_option(p)
    add_days_option(p, default=DEFAULT_DAYS)
    add_workers_option(p)
    add_out_option(p)
    p.add_argument(
        "--until-ci",
        type=float,
        metavar="PCT",
        help="add replications until every revenue difference's 95%% CI half-width is under PCT %% "
        "of the difference (at most 200 replications)",
    )
    add_csv_option(p)
    p.add_argument(
        "--on",
        metavar="BASE",
        help="apply each scenario's levers (and interventions) to BASE, a scenario name or .toml file such "
        "as a calibrated.toml: every arm keeps BASE's market, team sizes and switches",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="set a parameter in every arm, e.g. --set n_reps=12 (repeatable); never drawn",
    )
    p.add_argument(
        "--fixed-world",
        action="store_true",
        help="run every replication in one fixed world (the scenarios' values) instead of drawing a "
        "plausible world of the uncertain assumptions per replication",
    )
    add_output_options(p)
    p.set_defaults(handler=handle_compare)


# ---------------------------------------------------------------------- checks
def check_compare_args(args: argparse.Namespace) -> None:
    """Raise ParameterError (one line: option, problem, allowed) before anything is run or written."""
    if len(args.scenarios) < 2:
        raise ParameterError(
            f"scenarios: got {len(args.scenarios)}; allowed: two or more scenario names or .toml files"
        )
    if not 2 <= args.replications <= MAX_REPLICATIONS:
        raise ParameterError(
            f"-n/--replications: got {args.replications}; allowed: 2 to {MAX_REPLICATIONS} "
            "(a paired interval needs at least two)"
        )
    check_options(args, "seed", "days", "workers")
    if args.until_ci is not None and not 0 < args.until_ci <= 100:
        raise ParameterError(f"--until-ci: got {args.until_ci:g}; allowed: a percentage above 0, up to 100")
    check_options(args, "out")


def resolve_scenarios(
    names: Sequence[str], on: str | None = None, overrides: dict[str, Any] | None = None
) -> list[Scenario]:
    """The arms as they run (ScenarioError names the file or --set and the key); no name twice.

    With `on`, each scenario's levers are applied to that base (`sim.model.scenario.on_base`);
    `overrides` (--set) are set in every arm after that.
    """
    from sim.api import resolve_scenario
    from sim.model.scenario import as_arms

    base = resolve_scenario(on) if on is not None else None
    scenarios = as_arms([resolve_scenario(name) for name in names], base, overrides)
    seen = [s.name for s in scenarios]
    twice = sorted({n for n in seen if seen.count(n) > 1})
    if twice:
        raise ParameterError(f"scenarios: {', '.join(twice)} given twice; allowed: each scenario once")
    return scenarios


def check_work(args: argparse.Namespace, scenarios: Sequence[Scenario]) -> None:
    """Refuse a comparison too big to run (days, inquiries a day, memory) before anything starts."""
    from sim.experiments import limits

    limits.check_days(args.days)
    workers = args.workers or limits.available_cores()
    runs = len(scenarios) * args.replications
    for scenario in scenarios:
        sets = limits.with_interventions(scenario.params, scenario.interventions)
        limits.check_estimate(limits.estimate(sets, args.days, runs, workers), f"scenario {scenario.name}")


def default_compare_dir(
    names: Sequence[str],
    seed: int,
    base: Path,
    on: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Create `<base>/compare-<a>-vs-<b>[-on-<base>][-set-...]-<UTC stamp>-seed<N>` (-2, -3... if taken).

    `--set` values get their own name part (readable, then a digest of all of them), so a comparison
    with overrides never shares a name with one without.
    """
    from sim.output import overrides_label, results_dir

    label = "-vs-".join(names) if len(names) <= MAX_FOLDER_NAMES else f"{len(names)}-scenarios"
    if on is not None and len(label) + len(on) <= MAX_ON_LABEL:
        label += f"-on-{on}"
    if overrides:
        label += f"-{overrides_label(overrides)}"
    return results_dir("compare", label, seed, base)


# ---------------------------------------------------------------------- handler
def handle_compare(args: argparse.Namespace) -> int:
    """Check everything, run, write the folder and report; exit 1 if any run failed."""
    check_compare_args(args)
    overrides = parse_set(args.set)
    scenarios = resolve_scenarios(args.scenarios, args.on, overrides)
    warn_late_interventions(scenarios, args.days)
    from sim.api import draw_seed

    seed = draw_seed() if args.seed is None else args.seed
    check_work(args, scenarios)
    from sim.experiments.runner import start_workers_early

    start_workers_early(args.workers)  # the workers ready the model while this process imports the rest
    from sim.experiments.compare import compare
    from sim.experiments.limits import available_cores
    from sim.reporting.report import write_comparison

    on_name = _on_name(args.on)
    folder = new_results_folder(
        args, lambda base: default_compare_dir([s.name for s in scenarios], seed, base, on_name, overrides)
    )
    with removed_if_unused(folder):
        result = compare(
            args.scenarios,
            base=args.on,
            overrides=overrides,
            plausible_worlds=not args.fixed_world,
            replications=args.replications,
            seed=seed,
            days=args.days,
            workers=args.workers,
            folder=folder,
            until_ci=args.until_ci,
            progress=not (args.json or args.quiet),
        )
        write_comparison(
            result, folder, command_line(args), csv=args.csv, workers=args.workers or available_cores()
        )
    if args.json:
        print(json.dumps(json_report(result), allow_nan=False))
    elif args.quiet:
        print(folder)
    else:
        print(text_report(result, seed_given=args.seed is not None))
    if result.failed:
        return fail(failure_message(result), EXIT_FAILURE)
    return EXIT_OK


def _on_name(on: str | None) -> str | None:
    """The base's scenario name, for the folder name."""
    if on is None:
        return None
    from sim.api import resolve_scenario

    return resolve_scenario(on).name


def failure_message(result: Comparison) -> str:
    """How many runs failed and where their tracebacks are."""
    from sim.experiments.runner import FAILURE_DIR

    total = len(result.scenarios) * len(result.seeds)
    return (
        f"{len(result.failed)} of {total} runs failed; their tracebacks are in "
        f"{Path(result.folder) / FAILURE_DIR}/ (the report covers the runs that finished)"
    )


# ---------------------------------------------------------------------- terminal output
TABLE_KPIS: tuple[str, ...] = (
    "revenue",
    "revenue_new",
    "revenue_recurring",
    "deals_won",
    "marketing_deals_won",
    "sourced_deals_won",
    "win_rate",
    "mqls",
    "marketing_sqls",
    "sourced_sqls",
    "median_response_hours",
    "never_contacted_share",
    "diy_hours",
    "brand_consistency",
    "trust_sales_in_marketing",
    "trust_marketing_in_sales",
    "selling_time_share",
    "cac",
    "churn_rate",
)


def plain(text: str) -> str:
    """Markdown emphasis and code marks removed, for the terminal."""
    return re.sub(r"\*\*|(?<!\w)\*|\*(?!\w)|`", "", text)


def kpi_table(result: Comparison, kpis: Sequence[str] = TABLE_KPIS) -> str:
    """KPI means per scenario, then each scenario's difference to the baseline with its 95% CI."""
    from sim.reporting.formats import fmt_uplift, fmt_value, fmt_with_ci, kpi_info

    base, others = result.names[0], result.names[1:]
    table = result.comparison[result.comparison["baseline"] == base]
    uplift_header = ("uplift",) if len(others) == 1 else ()  # one pair: room for its uplift
    rows: list[tuple[str, ...]] = [
        ("KPI", *result.names, *(f"{o} - {base} (95% CI)" for o in others), *uplift_header)
    ]
    for kpi in kpis:
        pairs = table[table["kpi"] == kpi].set_index("scenario")
        if pairs.empty:
            continue
        kind = kpi_info(kpi).kind
        means = [fmt_value(kind, pairs["baseline_mean"].iloc[0])]
        means += [fmt_value(kind, pairs.loc[o, "scenario_mean"]) for o in others]
        diffs = [
            fmt_with_ci(
                kind, *pairs.loc[o, ["difference", "difference_ci_low", "difference_ci_high"]], sign=True
            )
            for o in others
        ]
        uplift = [fmt_uplift(pairs.loc[others[0], "uplift"])] if len(others) == 1 else []
        rows.append((kpi_info(kpi).label, *means, *diffs, *uplift))
    return align(rows, right=tuple(range(1, len(rows[0]))), indent="  ")


def text_report(result: Comparison, seed_given: bool) -> str:
    """What a person reads on the terminal: setup, the KPI table, the sentences, the folder."""
    from sim.reporting.formats import horizon_words
    from sim.reporting.payback import payback_sentence, paybacks
    from sim.reporting.sentences import revenue_sentence
    from sim.reporting.worlds import discoveries, discovery_sentence, held_lines, world_sentence

    seed_note = "" if seed_given else f"  (drawn at random; repeat with --seed {result.root_seed})"
    names = f"{result.names[0]} (baseline) vs " + ", ".join(result.names[1:])
    head = align(
        [
            ("Compared", names),
            ("Replications", f"{len(result.seeds)} paired, over {horizon_words(result.days)}"),
            ("Root seed", f"{result.root_seed}{seed_note}"),
            ("On", result.base.name if result.base is not None else "each scenario as its file says"),
            ("Worlds", _worlds_cell(result)),
        ]
    )
    parts = [head, "\n".join(plain(line) for line in held_lines(result))]
    if not result.comparison.empty:
        parts.append(kpi_table(result))
        table = result.comparison
        revenue = table[
            (table["kpi"] == "revenue") & (table["baseline"] == result.names[0]) & (table["n"] > 0)
        ]
        lines = []
        for _, row in revenue.iterrows():
            lines += [plain(revenue_sentence(row, result.days)), plain(world_sentence(result, row))]
        lines += [plain(discovery_sentence(d)) for d in discoveries(result)]
        parts.append("\n".join(lines))
        parts.append(year_lines(result))
        found = paybacks(result)
        if found:
            parts.append("\n".join(plain(payback_sentence(p, result.days)) for p in found))
    if result.warning:
        parts.append(f"Warning: {result.warning}.")
    folder = Path(result.folder)
    parts.append(f"Results: {folder}\nReport:  {folder / 'report.html'}")
    return "\n\n".join(parts)


def _worlds_cell(result: Comparison) -> str:
    if result.worlds is None:
        return "one fixed world (--fixed-world): intervals cover seed noise only"
    return (
        f"one plausible world per replication ({len(result.uncertainties)} assumptions drawn, "
        "Latin hypercube), the same in every arm"
    )


def year_lines(result: Comparison) -> str:
    """Revenue per simulated year, and each scenario's ratio to the baseline in that year."""
    from sim.reporting.years import year_table

    header, rows = year_table(result)
    if not rows:
        return ""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = ["Revenue by year (ratio to the baseline, 95% CI):"]
    for line in (header, *rows):
        lines.append("  " + "  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)))
    return "\n".join(lines)


def json_report(result: Comparison) -> dict[str, Any]:
    """The comparison as one JSON-ready object: setup, per-KPI means and pairs, failures, warning."""
    from sim.experiments.runner import FAILURE_DIR
    from sim.output import jsonable
    from sim.reporting.payback import payback_record, paybacks
    from sim.reporting.worlds import discoveries, worlds_record

    folder = Path(result.folder)
    return jsonable(
        {
            "scenarios": [{"name": s.name, "description": s.description} for s in result.scenarios],
            "baseline": result.names[0],
            "replications": len(result.seeds),
            "days": result.days,
            "root_seed": result.root_seed,
            "seeds": list(result.seeds),
            "on": result.base.name if result.base is not None else None,
            "set": dict(result.overrides),
            "worlds": worlds_record(result),
            "discovery": [dataclasses.asdict(d) for d in discoveries(result)],
            "folder": str(folder),
            "report": str(folder / "report.html"),
            "kpis": _kpi_json(result),
            "break_even": [payback_record(p) for p in paybacks(result)],
            "failures": {
                "count": len(result.failed),
                "run_ids": list(result.failed),
                "folder": str(folder / FAILURE_DIR),
            },
            "warning": result.warning,
        }
    )


def _kpi_json(result: Comparison) -> dict[str, Any]:
    from sim.experiments.stats import level_ci

    out: dict[str, Any] = {}
    if result.comparison.empty:
        return out
    for kpi, rows in result.comparison.groupby("kpi", sort=False):
        means = {}
        for name in result.names:
            values = result.runs.loc[result.runs["scenario"] == name, kpi].to_numpy(dtype=float)
            iv = level_ci(values, str(kpi))
            means[name] = {"mean": iv.mean, "ci_low": iv.low, "ci_high": iv.high, "n": iv.n}
        pairs = rows.drop(columns="kpi").to_dict(orient="records")
        out[str(kpi)] = {"means": means, "pairs": pairs}
    return out


# ---------------------------------------------------------------------- headline
def headline_argv() -> list[str]:
    """The `compare` command line that the headline job stands for."""
    return [
        "compare",
        *HEADLINE_SCENARIOS,
        "-n",
        str(HEADLINE_REPLICATIONS),
        "--days",
        str(HEADLINE_DAYS),
        "--seed",
        str(HEADLINE_SEED),
    ]


def headline(argv: Sequence[str] = ()) -> int:
    """`python run.py` with no arguments: the headline comparison, integrating a segregated firm.

    Runs `compare` with the HEADLINE_* constants, chosen to finish in well under a minute on two
    cores while keeping the revenue difference's CI within a few percent. Extra `compare`
    options in `argv` (e.g. `--out DIR`, `--workers 1`) override the defaults; `sim.cli.main.main`
    calls it with an empty list. Errors end like every command's: one `error:` line.
    """
    full = [*headline_argv(), *argv]
    parser = argparse.ArgumentParser(prog=PROG)
    register_compare(parser.add_subparsers())
    args = parser.parse_args(full)
    args.argv = full
    if not (args.json or args.quiet):
        print(
            f"No command given: running the headline comparison ({' vs '.join(HEADLINE_SCENARIOS)}, "
            f"{HEADLINE_REPLICATIONS} replications x {HEADLINE_DAYS} working days, each in its own plausible "
            f"world, on "
            f"{args.workers or os.cpu_count()} cores).\nThe same as: python run.py {' '.join(full)}\n"
            "All commands: python run.py --help\n",
            flush=True,
        )
    return run_handler(handle_compare, args)
