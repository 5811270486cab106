"""The `validate` command: does the model reproduce what is known?

`validate [--quick] [--json]` runs the pattern-oriented validation suite (`sim.validation`):
lead-response decay against Oldroyd et al. (2011), a typical company's funnel against benchmark
ranges, integrated above segregated on revenue, each mechanism's direction, and the meetings
trade-off's interior optimum. It prints one row per check (pattern, source, target, the model's
value with its 95% CI, pass or FAIL) and writes `results/validate-<UTC stamp>-seed<N>/` with
`validation.csv`, `metadata.json` and plots. Exit code 0 when every check passes, 1 when any
fails, 2 on bad input (one `error:` line, nothing written).

Like every command (`sim.cli.common`), it checks all input before importing the model.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    add_out_option,
    add_output_options,
    add_seed_option,
    add_workers_option,
    align,
    check_options,
    command_line,
    new_results_folder,
    removed_if_unused,
)

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
    add_seed_option(
        p,
        default=DEFAULT_SEED,
        help="root seed of every replication (default: %(default)s, so results repeat)",
    )
    add_workers_option(p)
    add_out_option(p)
    p.add_argument(
        "--pattern",
        action="append",
        choices=PATTERN_NAMES,
        metavar="NAME",
        help=f"run only this pattern (repeatable): {', '.join(PATTERN_NAMES)}",
    )
    add_output_options(p)
    p.set_defaults(handler=handle_validate)


def check_validate_args(args: argparse.Namespace) -> None:
    """Raise ParameterError (one line: option, problem, allowed) before anything is run or written."""
    check_options(args, "seed", "workers", "out")


def default_validate_dir(seed: int, base: Path) -> Path:
    """Create `<base>/validate-<UTC yyyymmdd-HHMMSS>-seed<N>` (-2, -3... if taken)."""
    from sim.output import results_dir

    return results_dir("validate", "", seed, base)


def handle_validate(args: argparse.Namespace) -> int:
    """Check the input, run the suite, print the table; exit 1 if any check failed."""
    check_validate_args(args)
    from sim.validation.suite import run_suite

    folder = new_results_folder(args, lambda base: default_validate_dir(args.seed, base))
    with removed_if_unused(folder):
        result = run_suite(
            quick=args.quick,
            seed=args.seed,
            workers=args.workers,
            folder=folder,
            patterns=args.pattern,
            progress=not (args.json or args.quiet),
            command=command_line(args),
        )
    if args.json:
        print(json.dumps(json_report(result), allow_nan=False))
    elif args.quiet:
        print(folder)
    else:
        print(text_report(result))
    return EXIT_OK if result.all_passed else EXIT_FAILURE


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
        align(rows, indent="  "),
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
