"""What every command shares: the common options and their checks, exit codes, errors, formatting.

The options `--seed`, `--days`, `--workers`, `--out`, `-n/--replications` and `--json | --quiet`
mean the same in every command, so they are declared here once (`add_*_option`) and checked by
one function (`check_options`), and a user meets the same wording and the same error line
wherever they use them. A command passes its own help text where its meaning is narrower (a
sweep's `--days` overrides the spec's, for one).

This module imports nothing heavy at the top, so that `--help` and bad input answer at once;
command modules import it, never `sim.cli.main` (which imports them to build the parser).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sim.model.params import ParameterError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports a process ended by Ctrl+C (128 + SIGINT)
EXIT_TERMINATED = 143  # as a shell reports a process ended by SIGTERM (128 + SIGTERM)
PROG = "run.py"

SEED_HELP = "root seed (default: drawn at random, printed and recorded)"
DAYS_HELP = "working days per run (default: %(default)s)"
WORKERS_HELP = "worker processes (default: all cores; 1 runs in this process)"
OUT_HELP = "folder in which the results folder is created (default: results/)"
JSON_HELP = "print one JSON object only"
QUIET_HELP = "print only the results folder"
MAX_SEED_TEXT = "2**63 - 1"  # sim.api.MAX_SEED - 1, spelt as users can type it

Handler = Callable[[argparse.Namespace], int]
"""A command's `handler(args) -> exit code`, set on its sub-parser by its registrar."""


# ---------------------------------------------------------------------- common options
def add_seed_option(parser: Any, *, default: int | None = None, help: str = SEED_HELP) -> None:
    """`--seed N`: the root seed every run's seed derives from (None: drawn at random)."""
    parser.add_argument("--seed", type=int, default=default, help=help)


def add_days_option(
    parser: Any, *, default: int | None = None, help: str = DAYS_HELP, metavar: str | None = None
) -> None:
    """`--days N`: working days per run."""
    parser.add_argument("--days", type=int, default=default, metavar=metavar, help=help)


def add_workers_option(parser: Any, *, help: str = WORKERS_HELP, metavar: str | None = None) -> None:
    """`--workers N`: local worker processes (None: all cores); `parser` may be a group."""
    parser.add_argument("--workers", type=int, metavar=metavar, help=help)


def add_out_option(parser: Any, *, help: str = OUT_HELP, metavar: str | None = None) -> None:
    """`--out DIR`: the folder in which the command's results folder is created; may be a group."""
    parser.add_argument("--out", type=Path, metavar=metavar, help=help)


def add_replications_option(
    parser: Any, *, help: str, default: int | None = None, short: bool = True, metavar: str | None = None
) -> None:
    """`-n/--replications N` (`--replications` alone with `short=False`): runs per scenario or point.

    Its allowed range differs by command (a paired interval needs two, a calibration point one),
    so each command checks it itself.
    """
    flags = ("-n", "--replications") if short else ("--replications",)
    parser.add_argument(*flags, type=int, default=default, metavar=metavar, help=help)


def add_csv_option(parser: Any) -> None:
    """`--csv`: also write the time series as timeseries.csv (Parquet stays, for pandas and Arrow)."""
    parser.add_argument(
        "--csv",
        action="store_true",
        help="also write the time series as timeseries.csv (for spreadsheets; timeseries.parquet stays)",
    )


def add_set_option(
    parser: Any, *, help: str = "override a parameter, e.g. --set n_reps=12 (repeatable)"
) -> None:
    """`--set KEY=VALUE` (repeatable): parameter overrides, parsed by `parse_set`."""
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", help=help)


def add_output_options(parser: Any, *, json_help: str = JSON_HELP) -> None:
    """`--json | --quiet`: one JSON object, or the results folder alone, instead of the text report."""
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help=json_help)
    output.add_argument("--quiet", action="store_true", help=QUIET_HELP)


def check_options(args: argparse.Namespace, *options: str) -> None:
    """Raise ParameterError (option, value, what is allowed) for the first bad common option.

    Options are checked in the order given, so each command keeps the order in which it has
    always reported problems (the first one found is the one the user sees). An option left
    out (None) is not checked: its default applies.

    Args:
        args: The parsed command line.
        options: Names among "seed", "days", "workers" and "out".
    """
    for option in options:
        value = getattr(args, option)
        if value is not None:
            checked = _CHECKS[option](value)
            if checked is not None:  # e.g. --workers capped at the cores available
                setattr(args, option, checked)


def _check_seed(seed: int) -> None:
    from sim.api import MAX_SEED

    if not 0 <= seed < MAX_SEED:
        raise ParameterError(f"--seed: got {seed}; allowed: a whole number from 0 to {MAX_SEED_TEXT}")


def _check_at_least_one(option: str) -> Callable[[int], None]:
    def check(value: int) -> None:
        if value < 1:
            raise ParameterError(f"{option}: got {value}; allowed: a whole number >= 1")

    return check


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out: {out}: is a file; allowed: a folder (created if missing)")


def _check_workers(workers: int) -> int:
    """At least one; more than the cores available are capped, with a note on stderr.

    A process per run beyond the cores only adds memory (each worker holds the model and its
    libraries: 1,000 asked-for workers started 47 processes and used 7 GB) and no speed; results
    do not depend on the number of workers, so capping changes nothing but the cost.
    """
    _check_at_least_one("--workers")(workers)
    return cap_workers("--workers", workers)


def cap_workers(option: str, workers: int) -> int:
    """`workers`, or the cores this process may use when it asks for more (noted on stderr)."""
    from sim.experiments.limits import available_cores

    cores = available_cores()
    if workers > cores:
        print(f"note: {option} {workers}: using {cores}, the cores available", file=sys.stderr)
        return cores
    return workers


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "seed": _check_seed,
    "days": _check_at_least_one("--days"),
    "workers": _check_workers,
    "out": _check_out,
}


# ---------------------------------------------------------------------- results folders
def new_results_folder(args: argparse.Namespace, make: Callable[[Path], Path]) -> Path:
    """Create the command's results folder before any work, or raise a one-line ParameterError.

    Creating it first (atomically, see `sim.output.results_dir`) means a folder that cannot be
    made or written (`--out FILE/x`, no permission) stops the command at once, not after a whole
    fit or comparison, and two commands started together never share a folder.

    Args:
        args: The parsed command line (its `--out`, default results/).
        make: Creates the folder inside the base folder it is given and returns it.
    """
    from sim.output import RESULTS_DIR

    base = Path(args.out or RESULTS_DIR)
    missing = [p for p in (base, *base.parents) if not p.exists()]
    _CREATED[base] = missing[-1] if missing else None  # removed again if the work writes nothing
    try:
        folder = make(base)
    except OSError as err:
        raise ParameterError(
            f"--out: {base}: cannot create a results folder there ({err.strerror or err}); "
            "allowed: a folder that can be created and written"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        folder.rmdir()
        raise ParameterError(f"--out: {base}: the results folder is not writable; allowed: a writable folder")
    return folder


_CREATED: dict[Path, Path | None] = {}  # per --out folder: the first folder new_results_folder created


@contextlib.contextmanager
def removed_if_unused(folder: Path) -> Iterator[Path]:
    """Delete `folder` (and the `--out` folders made for it) if the work raises before writing a file.

    Bad input found only inside the work (a scheduler that cannot be reached, a value the fit
    rejects) must leave nothing behind, as bad input found before it does.
    """
    try:
        yield folder
    except BaseException:
        from sim.output import remove_if_empty

        remove_if_empty(folder)
        created = _CREATED.get(folder.parent)
        if created is not None and not folder.exists():
            for parent in (folder.parent, *folder.parent.parents):
                with contextlib.suppress(OSError):  # not empty: something else lives there
                    parent.rmdir()
                if parent == created:
                    break
        raise


# ---------------------------------------------------------------------- errors and exit codes
def fail(message: str, code: int) -> int:
    """Report a problem as one line on stderr (no traceback) and return the exit code."""
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return code


def warn(message: str) -> None:
    """Report something the user should know, though the command goes on: one line on stderr."""
    print("warning: " + " ".join(message.split()), file=sys.stderr)


def warn_late_interventions(scenarios: list[Any], days: int) -> None:
    """Warn, naming each, of interventions the runs end before (`sim.api.late_interventions`)."""
    from sim.api import late_interventions

    for scenario in scenarios:
        for line in late_interventions(scenario, days):
            warn(line)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl+C so that the same clean-up runs."""


def _on_sigterm(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one clean-up: a second SIGTERM does not cut it short
    raise Terminated(signum)


def run_handler(handler: Handler, args: argparse.Namespace) -> int:
    """Run a command's handler, turning bad input into one `error:` line and exit code 2.

    A file problem (no permission to write the results folder, a full disk) is exit code 1,
    Ctrl+C is 130 and SIGTERM (`timeout`, systemd, Slurm) 143, each as one line too: a user should
    never have to read a traceback. SIGTERM is handled as Ctrl+C is: finished runs are written,
    workers are stopped, temporary files removed, and a sweep's metadata.json says `interrupted`;
    a handler may set `args.interrupt_hint` (e.g. how to resume) for the message.
    """
    previous = _install_sigterm()
    try:
        return handler(args)
    except ParameterError as err:
        return fail(str(err), EXIT_USAGE)
    except OSError as err:  # e.g. no permission to write the results folder
        return fail(f"{err.filename or 'file'}: {err.strerror or err}", EXIT_FAILURE)
    except KeyboardInterrupt as err:
        terminated = isinstance(err, Terminated)
        hint = getattr(args, "interrupt_hint", None)
        message = ("terminated (SIGTERM)" if terminated else "interrupted") + (f"; {hint}" if hint else "")
        return fail(message, EXIT_TERMINATED if terminated else EXIT_INTERRUPTED)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _install_sigterm() -> Any:
    """Route SIGTERM to `_on_sigterm`; returns the handler to put back (None off the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: signals cannot be handled here
        return None


def command_line(args: argparse.Namespace) -> list[str]:
    """The command as typed (script name and arguments), for the results folder's metadata.json."""
    return [Path(sys.argv[0]).name, *getattr(args, "argv", [])]


# ---------------------------------------------------------------------- --set
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


# ---------------------------------------------------------------------- terminal formatting
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


KPI_ROWS: tuple[tuple[str, str, str, str], ...] = (
    # label, summary key, format, unit or note ("" key: a heading row)
    ("Revenue", "revenue", "money", "currency, new plus recurring"),
    ("  New revenue", "revenue_new", "money", "first contracts of deals won, all sources"),
    ("  Recurring revenue", "revenue_recurring", "money", "contracts customers renewed"),
    ("Deals won", "deals_won", "count", "all sources"),
    ("Win rate", "win_rate", "share", "of closed deals, all sources"),
    ("Marketing-sourced funnel", "", "", ""),
    ("  Inquiries", "inquiries", "count", ""),
    ("  MQLs", "mqls", "count", "handed over to sales"),
    ("    MQL rate", "mql_rate", "share", "of inquiries"),
    ("  Reached", "sals", "count", "MQLs a rep reached (the model's SALs)"),
    ("    MQL -> reached", "mql_to_sal", "share", "of MQLs"),
    ("  SQLs", "marketing_sqls", "count", "MQLs qualified"),
    ("    Reached -> SQL", "sal_to_sql", "share", "of MQLs reached"),
    ("  Deals won", "marketing_deals_won", "count", ""),
    ("    SQL -> won", "sql_to_won", "share", "of closed marketing-sourced deals"),
    ("  Never contacted", "never_contacted_share", "share", "of MQLs, rejected ones included"),
    ("  Leaked after acceptance", "leakage_share", "share", "accepted MQLs uncalled past shelf life"),
    ("  Median response", "median_response_hours", "hours", "working hours to first contact"),
    ("Rep-sourced funnel", "", "", ""),
    ("  Prospects", "prospects", "count", "reps' own"),
    ("  SQLs", "sourced_sqls", "count", "own prospects qualified"),
    ("    Prospect -> SQL", "prospect_to_sql", "share", "of own prospects"),
    ("  Deals won", "sourced_deals_won", "count", ""),
    ("    SQL -> won", "sourced_sql_to_won", "share", "of closed rep-sourced deals"),
    ("Collateral and brand", "", "", ""),
    ("  DIY assets", "diy_assets", "count", "collateral reps built alone"),
    ("  DIY hours", "diy_hours", "count", "rep hours spent on it"),
    ("  Off-brand share", "off_brand_share", "share", "of collateral used"),
    ("  Marketing content used", "content_used_share", "share", "of deals opened"),
    ("  Brand consistency", "brand_consistency", "index", "0-1, mean over the run"),
    ("  Awareness", "awareness", "index", "0-1, mean over the run"),
    ("Trust sales->marketing", "trust_sales_in_marketing", "index", "0-1, mean over the run"),
    ("Trust marketing->sales", "trust_marketing_in_sales", "index", "0-1, mean over the run"),
    ("Selling time", "selling_time_share", "share", "of rep hours"),
    ("CAC", "cac", "money", "marketing spend per deal won"),
    ("Marketing-sourced revenue", "marketing_sourced_revenue_share", "share", "of new revenue"),
    ("Pipeline value", "pipeline_value", "money", "open deals at the end"),
    ("Customers", "customers", "count", "at the end"),
    ("Churn rate", "churn_rate", "share", "of customers due to renew"),
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
    rows = [(label, FORMATS[kind](summary[key]) if key else "", note) for label, key, kind, note in KPI_ROWS]
    return align(rows, right=(1,), indent="  ")
