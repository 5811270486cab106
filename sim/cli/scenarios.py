"""The `scenarios` command: list the shipped scenario files, so a user can find a name to pass."""

from __future__ import annotations

import argparse
from typing import Any

from sim.cli.common import EXIT_OK, align


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
