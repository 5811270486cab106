"""The command line: `python run.py <command> ...` (run.py only calls `main`).

Each command is registered by a function that adds its sub-parser and sets `handler`; a later
command (compare, sweep, sensitivity, validate, calibrate, dashboard) lives in its own module and
is added to `REGISTRARS`. Handlers import the model only after their input has been checked, so
help and bad input answer at once.

Bad input of any kind (ParameterError, including ScenarioError) ends with one line
`error: ...` on stderr and exit code 2, the code argparse uses for usage errors, and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.api import PERIODS, check_run_args, resolve_scenario, run
from sim.cli.calibrate import register_calibrate
from sim.cli.compare import register_compare
from sim.cli.dashboard import register_dashboard
from sim.cli.sweep import register_sensitivity, register_sweep
from sim.cli.validate import register_validate
from sim.model.params import ParameterError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
DEFAULT_DAYS = 500
PROG = "run.py"

Registrar = Callable[[Any], None]
"""Adds one command's sub-parser to the subparsers object and sets its `handler(args) -> int`."""


# ---------------------------------------------------------------------- shared helpers
def parse_set(items: list[str] | None) -> dict[str, Any]:
    """Turn `KEY=VALUE` strings into overrides; values are TOML (3, 0.5, true, "text").

    A bare word that is not valid TOML (`lead_acceptance_by=shared`) is taken as a string, so
    users need not fight their shell's quoting.
    """
    overrides: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key or not text:
            raise ParameterError(f"--set: {item!r}: expected KEY=VALUE; allowed: e.g. --set n_reps=12")
        overrides[key] = _parse_value(key, text)
    return overrides


def _parse_value(key: str, text: str) -> Any:
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        if not text.replace("_", "").replace("-", "").isalnum():
            raise ParameterError(
                f"--set: {key}: cannot read value {text!r}; allowed: a number, true/false or a string"
            ) from None
        return text
    if isinstance(value, dict | list):
        raise ParameterError(f"--set: {key}: {text!r} is a table or array; allowed: a single value")
    return value


def fmt_number(value: float, decimals: int = 0) -> str:
    """Thousands separators and fixed decimals; 'n/a' for missing values (NaN, None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{decimals}f}"


def fmt_share(value: float) -> str:
    """A share as a percentage with one decimal."""
    return "n/a" if value is None or math.isnan(value) else f"{100 * value:.1f} %"


def align(rows: list[tuple[str, ...]], right: tuple[int, ...] = (), indent: str = "") -> str:
    """Render rows of text cells as aligned columns (right-aligned where asked)."""
    widths = [max(len(r[i]) for r in rows) for i in range(max(map(len, rows)))]
    lines = []
    for row in rows:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)]
        lines.append(indent + "  ".join(cells).rstrip())
    return "\n".join(lines)


# ---------------------------------------------------------------------- run
KPI_ROWS: tuple[tuple[str, str, str, str], ...] = (
    # label, summary key, format, unit or note
    ("Revenue", "revenue", "money", "currency"),
    ("Deals won", "deals_won", "count", "all sources"),
    ("Win rate", "win_rate", "share", "of closed deals"),
    ("Inquiries", "inquiries", "count", ""),
    ("MQLs", "mqls", "count", "handed over to sales"),
    ("  MQL rate", "mql_rate", "share", "of inquiries"),
    ("SALs", "sals", "count", "MQLs reached by a rep"),
    ("  MQL -> SAL", "mql_to_sal", "share", "of MQLs"),
    ("SQLs", "sqls", "count", "MQLs qualified"),
    ("  SAL -> SQL", "sal_to_sql", "share", "of SALs"),
    ("  SQL -> won", "sql_to_won", "share", "of closed marketing deals"),
    ("Median response", "median_response_hours", "hours", "working hours to first contact"),
    ("Leakage", "leakage_share", "share", "of MQLs never contacted"),
    ("DIY assets", "diy_assets", "count", "collateral reps built alone"),
    ("DIY hours", "diy_hours", "count", "rep hours spent on it"),
    ("Off-brand share", "off_brand_share", "share", "of collateral used"),
    ("Brand consistency", "brand_consistency", "index", "0-1, mean over the run"),
    ("Awareness", "awareness", "index", "0-1, mean over the run"),
    ("Trust sales->marketing", "trust_sales_in_marketing", "index", "0-1, mean over the run"),
    ("Trust marketing->sales", "trust_marketing_in_sales", "index", "0-1, mean over the run"),
    ("Selling time", "selling_time_share", "share", "of rep hours"),
    ("CAC", "cac", "money", "marketing spend per deal won"),
    ("Marketing-sourced revenue", "marketing_sourced_revenue_share", "share", "of revenue"),
    ("Pipeline value", "pipeline_value", "money", "open deals at the end"),
)
FORMATS: dict[str, Callable[[float], str]] = {
    "money": fmt_number,
    "count": fmt_number,
    "share": fmt_share,
    "hours": lambda v: f"{fmt_number(v, 1)} h",
    "index": lambda v: fmt_number(v, 2),
}


def format_kpis(summary: dict[str, float]) -> str:
    """The headline KPIs of a run summary as an aligned, readable table."""
    rows = [(label, FORMATS[kind](summary[key]), note) for label, key, kind, note in KPI_ROWS]
    return align(rows, right=(1,), indent="  ")


def register_run(subparsers: Any) -> None:
    """`run SCENARIO`: one run of one scenario, with a KPI summary and a results folder."""
    p = subparsers.add_parser(
        "run",
        help="run one scenario once and write its results",
        description="Run one scenario once: print the KPIs and write timeseries.parquet, summary.csv, "
        "metadata.json and run.png to a new folder.",
    )
    p.add_argument("scenario", help="scenario name (see 'scenarios') or path to a .toml file")
    p.add_argument("--seed", type=int, help="root seed (default: drawn at random, printed and recorded)")
    p.add_argument(
        "--days", type=int, default=DEFAULT_DAYS, help="working days to simulate (default: %(default)s)"
    )
    p.add_argument("--out", type=Path, help="folder in which the run's folder is created (default: results/)")
    p.add_argument(
        "--period", choices=PERIODS, default="day", help="rows of timeseries.parquet (default: day)"
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a parameter, e.g. --set n_reps=12 (repeatable)",
    )
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object (summary and folder) only")
    output.add_argument("--quiet", action="store_true", help="print only the results folder")
    p.set_defaults(handler=handle_run)


def handle_run(args: argparse.Namespace) -> int:
    """Check everything, run, write the folder, then report; nothing is written on bad input."""
    check_run_args(args.days, args.seed, args.period)
    scenario = resolve_scenario(args.scenario).with_values(parse_set(args.set), source="--set")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise ParameterError(f"--out: {args.out}: is a file; allowed: a folder (created if missing)")

    from sim.output import RESULTS_DIR, default_run_dir
    from sim.reporting.run import write_run

    result = run(scenario, seed=args.seed, days=args.days, period=args.period)
    out_dir = default_run_dir(scenario.name, result.seed, args.out or RESULTS_DIR)
    write_run(result, out_dir, [PROG, *args.argv])
    if args.json:
        print(json.dumps(_json_report(result, out_dir), allow_nan=False))
    elif args.quiet:
        print(out_dir)
    else:
        print(_text_report(result, out_dir, seed_given=args.seed is not None))
    return EXIT_OK


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


# ---------------------------------------------------------------------- scenarios
def register_scenarios(subparsers: Any) -> None:
    """`scenarios`: list the shipped scenario files."""
    p = subparsers.add_parser(
        "scenarios", help="list the shipped scenarios", description="List the scenarios in scenarios/."
    )
    p.set_defaults(handler=handle_scenarios)


def handle_scenarios(args: argparse.Namespace) -> int:
    """Print name and description of every shipped scenario, aligned."""
    from sim.model.scenario import list_scenarios

    print(align(list_scenarios()))
    return EXIT_OK


# ---------------------------------------------------------------------- entry point
REGISTRARS: list[Registrar] = [
    register_run,
    register_scenarios,
    register_compare,
    register_sweep,
    register_sensitivity,
    register_validate,
    register_calibrate,
    register_dashboard,
]


class _CommandListFormatter(argparse.HelpFormatter):
    """Keeps command names and their help on one line (3.12 measures nested commands too late)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog)
        self._action_max_length = 18


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Agent-based model of how sales and marketing teams work together.",
        epilog="Run 'python run.py COMMAND --help' for a command's options.",
        formatter_class=_CommandListFormatter,
    )
    parser.set_defaults(handler=None)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in REGISTRARS:
        register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse, dispatch, and turn bad input into one `error:` line and exit code 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:  # the main job: the headline comparison
        from sim.cli.compare import headline

        return headline()
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = argv
    if args.handler is None:
        parser.print_help()
        return EXIT_OK
    try:
        return args.handler(args)
    except ParameterError as err:
        return _fail(str(err), EXIT_USAGE)
    except OSError as err:  # e.g. no permission to write the results folder
        return _fail(f"{err.filename or 'file'}: {err.strerror or err}", EXIT_FAILURE)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _fail(message: str, code: int) -> int:
    """Report a problem as one line on stderr (no traceback) and return the exit code."""
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return code
