"""Small shared helpers for the behavioural tests: scenario parameters, runs and seed averages.

Scenario files are read here with tomllib directly (not through sim.model.scenario) so that these
tests depend only on the model and its parameters.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sim.model.model import SalesMarketingModel
from sim.model.params import GROUPS, Intervention, Params

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "scenarios"
SIM_DIR = ROOT / "sim"


def _read(name: str) -> dict[str, Any]:
    with open(SCENARIO_DIR / f"{name}.toml", "rb") as f:
        return tomllib.load(f)


def scenario_values(name: str) -> dict[str, Any]:
    """Flat `parameter: value` dict of a scenario's [market], [levers] and [mechanisms] tables.

    Follows `extends = "<scenario>"` so that a derived scenario starts from its parent's values.
    """
    doc = _read(name)
    values = scenario_values(doc["extends"]) if "extends" in doc else {}
    for group in GROUPS:
        values.update(doc.get(group, {}))
    return values


def scenario_interventions(name: str) -> list[Intervention]:
    """The scenario's [[interventions]] as Intervention objects (parameter tables flattened)."""
    out = []
    for item in _read(name).get("interventions", []):
        values: dict[str, Any] = {}
        for group in GROUPS:
            values.update(item.get(group, {}))
        out.append(Intervention(item["day"], values))
    return out


def scenario_params(name: str | None = None, overrides: Mapping[str, Any] | None = None) -> Params:
    """Params of a scenario (defaults when name is None), with flat overrides applied on top."""
    values = scenario_values(name) if name else {}
    values.update(overrides or {})
    return Params().with_values(values)


def run(
    overrides: Mapping[str, Any] | None = None,
    seed: int = 1,
    days: int = 300,
    scenario: str | None = None,
    interventions: Iterable[Intervention] = (),
) -> SalesMarketingModel:
    """Build and run one model."""
    params = scenario_params(scenario, overrides)
    return SalesMarketingModel(params, seed=seed, interventions=tuple(interventions)).run(days)


def freeze(overrides: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    """A hashable, order-independent form of an overrides dict (a cache key)."""
    return tuple(sorted((overrides or {}).items()))


@functools.cache
def _cached_summary(scenario: str | None, frozen: tuple, seed: int, days: int) -> dict[str, float]:
    return run(dict(frozen), seed, days, scenario).summary()


def cached_summary(
    overrides: Mapping[str, Any] | None = None, seed: int = 1, days: int = 300, scenario: str | None = None
) -> dict[str, float]:
    """Summary of one run, computed once per session (arms shared by several tests run once)."""
    return _cached_summary(scenario, freeze(overrides), seed, days)


def seed_mean(
    column: str,
    overrides: Mapping[str, Any] | None = None,
    seeds: Iterable[int] = (1, 2, 3),
    days: int = 300,
    scenario: str | None = None,
) -> float:
    """One summary column averaged over seeds (NaN-aware), from the session cache."""
    return float(np.nanmean([cached_summary(overrides, s, days, scenario)[column] for s in seeds]))


RUN_CLI = "import sys\nfrom sim.cli import main as cli\nsys.exit(cli.main(sys.argv[1:]))\n"
"""A script that runs the command line in a subprocess (python -c RUN_CLI ARGS...)."""
