"""The command line: `python run.py <command> ...` (run.py only calls `main`).

This module only assembles the parser and dispatches. Each command lives in its own module
(run, scenarios, compare, sweep, sensitivity, validate, calibrate, dashboard), whose registrar
adds its sub-parser and sets `handler`, and is listed in `REGISTRARS`; what the commands share
(common options and their checks, exit codes, the one-line error) is in `sim.cli.common`.
Handlers import the model only after their input has been checked, so help and bad input
answer at once.

Bad input of any kind (ParameterError, including ScenarioError) ends with one line
`error: ...` on stderr and exit code 2, the code argparse uses for usage errors, and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from sim.cli.calibrate import register_calibrate
from sim.cli.common import EXIT_OK, PROG, run_handler
from sim.cli.compare import register_compare
from sim.cli.dashboard import register_dashboard
from sim.cli.run import register_run
from sim.cli.scenarios import register_scenarios
from sim.cli.sweep import register_sensitivity, register_sweep
from sim.cli.validate import register_validate

Registrar = Callable[[Any], None]
"""Adds one command's sub-parser to the subparsers object and sets its `handler(args) -> int`."""

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
    return run_handler(args.handler, args)
