"""The `validate` command: does the model reproduce what is known?

`validate [--quick] [--json]` runs the pattern-oriented validation suite (`sim.validation`):
lead-response decay against Oldroyd et al. (2011), a typical company's funnel against benchmark
ranges, integrated above segregated on revenue, each mechanism's direction, and the meetings
trade-off's interior optimum. It prints one row per check (pattern, source, target, the model's
value with its 95% CI, pass or FAIL) and writes `results/validate-<UTC stamp>-seed<N>/` with
`validation.csv`, `metadata.json` and plots. Exit code 0 when every check passes, 1 when any
fails, 2 on bad input (one `error:` line, nothing written).

Like `sim.cli.compare`, it checks all input before importing the model, and imports `sim.cli.main`
inside functions (sim.cli.main imports this module to register it).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.model.params import ParameterError

if TYPE_CHECKING:
    from sim.validation.core import Row
    from sim.validation.suite import SuiteResult

DEFAULT_SEED = 20260101  # as sim.validation.suite.DEFAULT_SEED (kept here so --help stays fast; tested)
PATTERN_NAMES: tuple[str, ...] = ("response_decay", "funnel", "structure", "mechanisms", "meetings")


def register_validate(subparsers: Any) -> None:
    """`validate`: the pattern-oriented validation suite, a table and a results folder."""
    p = subparsers.add_parser(
        "validate",
        help="check the model against known patterns (Oldroyd decay, funnel, structure, ...)",
        description="Run the pattern-oriented validation suite and print one row per check: pattern, "
        "source, target, the model's value with its 95%% CI, pass or FAIL. Writes validation.csv, "
        "metadata.json and plots to a new folder. Exit code 0 when every check passes, 1 when any "
        "fails, 2 on bad input. What each pattern checks and how far its source can be trusted: "
        "docs/VALIDATION.md.",
        epilog="Example: python run.py validate --quick",
    )
    p.add_argument(
        "--quick", action="store_true", help="reduced replications and days (about a minute on 2 cores)"
    )
    p.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="root seed of every replication (default: %(default)s, so results repeat)",
    )
    p.add_argument(
        "--workers", type=int, help="worker processes (default: all cores; 1 runs in this process)"
    )
    p.add_argument(
        "--out", type=Path, help="folder in which the results folder is created (default: results/)"
    )
    p.add_argument(
        "--pattern",
        action="append",
        choices=PATTERN_NAMES,
        metavar="NAME",
        help=f"run only this pattern (repeatable): {', '.join(PATTERN_NAMES)}",
    )
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object only")
    output.add_argument("--quiet", action="store_true", help="print only the results folder")
    p.set_defaults(handler=handle_validate)


def check_validate_args(args: argparse.Namespace) -> None:
    """Raise ParameterError (one line: option, problem, allowed) before anything is run or written."""
    from sim.api import MAX_SEED

    if not 0 <= args.seed < MAX_SEED:
        raise ParameterError(f"--seed: got {args.seed}; allowed: a whole number from 0 to 2**63 - 1")
    if args.workers is not None and args.workers < 1:
        raise ParameterError(f"--workers: got {args.workers}; allowed: a whole number >= 1")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise ParameterError(f"--out: {args.out}: is a file; allowed: a folder (created if missing)")


def default_validate_dir(seed: int, base: Path) -> Path:
    """`<base>/validate-<UTC yyyymmdd-HHMMSS>-seed<N>`, with -2, -3... if taken."""
    from sim.output import results_dir

    return results_dir("validate", "", seed, base)


def handle_validate(args: argparse.Namespace) -> int:
    """Check the input, run the suite, print the table; exit 1 if any check failed."""
    from sim.cli import main as cli

    check_validate_args(args)
    from sim.output import RESULTS_DIR
    from sim.validation.suite import run_suite

    folder = default_validate_dir(args.seed, args.out or RESULTS_DIR)
    result = run_suite(
        quick=args.quick,
        seed=args.seed,
        workers=args.workers,
        folder=folder,
        patterns=args.pattern,
        progress=not (args.json or args.quiet),
        command=[Path(sys.argv[0]).name, *getattr(args, "argv", [])],
    )
    if args.json:
        print(json.dumps(json_report(result), allow_nan=False))
    elif args.quiet:
        print(folder)
    else:
        print(text_report(result))
    return cli.EXIT_OK if result.all_passed else cli.EXIT_FAILURE


# ---------------------------------------------------------------------- output
def fmt(value: float) -> str:
    """A value in a readable form: shares as plain decimals, large numbers with separators."""
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def value_with_ci(row: Row) -> str:
    """`value [low, high]`, or the value alone when there is no interval."""
    if math.isnan(row.ci_low) and math.isnan(row.ci_high):
        return fmt(row.value)
    return f"{fmt(row.value)} [{fmt(row.ci_low)}, {fmt(row.ci_high)}]"


def text_report(result: SuiteResult) -> str:
    """The table a person reads, then a one-line verdict and the folder."""
    from sim.cli import main as cli

    header = ("pattern", "check", "source", "target", "model value [95% CI]", "result")
    rows = [header] + [
        (r.pattern, r.check, r.source, r.target, value_with_ci(r), r.status) for r in result.rows
    ]
    checks = [r for r in result.rows if r.passed is not None]
    passed = sum(r.passed is True for r in checks)
    size = "quick size" if result.quick else "full size"
    lines = [
        f"Validation ({size}, root seed {result.seed}, {result.runs} runs, {result.seconds:.0f} s)",
        "",
        cli.align(rows, indent="  "),
        "",
        f"{passed} of {len(checks)} checks passed" + ("." if passed == len(checks) else "; failed:"),
    ]
    lines += [f"  {r.pattern}: {r.check}: {r.note}" for r in checks if r.passed is False]
    if result.failed:
        lines.append(f"{len(result.failed)} runs failed; tracebacks in {result.folder / 'failures'}/")
    lines.append(f"Results: {result.folder}")
    return "\n".join(lines)


def json_report(result: SuiteResult) -> dict[str, Any]:
    """One JSON object: every row, the folder, whether all checks passed, and the setup."""
    from sim.output import jsonable

    return jsonable(
        {
            "all_passed": result.all_passed,
            "folder": str(result.folder),
            "quick": result.quick,
            "seed": result.seed,
            "runs": result.runs,
            "failed_runs": len(result.failed),
            "seconds": round(result.seconds, 3),
            "plots": result.plots,
            "rows": [r.record() for r in result.rows],
        }
    )
