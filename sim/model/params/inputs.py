"""The inputs of one run: the three parameter tables together, and mid-run interventions.

`Params` bundles `Market`, `Levers` and `Mechanisms`; parameter names are unique across the
three, so a flat `name: value` dict (a scenario's values, a sweep point, an output row) maps
back to its table through `parameter_fields()` and `group_of()`. `GROUPS` fixes the order of the
tables, which is the order of flat dicts, outputs and digests.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sim.model.params.base import ParameterError, suggest
from sim.model.params.change import ChangeCost
from sim.model.params.customers import Market
from sim.model.params.levers import Levers
from sim.model.params.mechanisms import Mechanisms


@dataclass(frozen=True)
class Intervention:
    """Lever values that take effect from a given working day (0-based) of a run, and their cost."""

    day: int
    values: dict[str, Any]
    change: ChangeCost = field(default_factory=ChangeCost)

    def key(self) -> tuple:
        """What identifies it in a run's id: day and values, and its cost only when it has one.

        A free intervention keeps the key it had before interventions could cost anything, so the
        ids of existing runs (and folders resumed with them) do not change.
        """
        if self.change == ChangeCost():
            return (self.day, sorted(self.values.items()))
        return (self.day, sorted(self.values.items()), sorted(dataclasses.asdict(self.change).items()))


GROUPS: dict[str, type] = {"market": Market, "levers": Levers, "mechanisms": Mechanisms}


@dataclass(frozen=True)
class Params:
    """All inputs of one model run."""

    market: Market = field(default_factory=Market)
    levers: Levers = field(default_factory=Levers)
    mechanisms: Mechanisms = field(default_factory=Mechanisms)

    def with_values(self, values: dict[str, Any]) -> Params:
        """Return a copy with flat `name: value` overrides (names are unique across groups)."""
        changes: dict[str, dict[str, Any]] = {g: {} for g in GROUPS}
        for name, value in values.items():
            changes[group_of(name)][name] = value
        return Params(
            **{
                g: dataclasses.replace(getattr(self, g), **c) if c else getattr(self, g)
                for g, c in changes.items()
            }
        )

    def flat(self) -> dict[str, Any]:
        """All parameters as one flat `name: value` dict."""
        return {k: v for g in GROUPS for k, v in dataclasses.asdict(getattr(self, g)).items()}


def parameter_fields() -> dict[str, tuple[str, dataclasses.Field]]:
    """Map every parameter name to its group name and dataclass field."""
    return {f.name: (g, f) for g, cls in GROUPS.items() for f in dataclasses.fields(cls)}


def group_of(name: str) -> str:
    """Return the group of a parameter name, or raise with the closest valid names."""
    fields = parameter_fields()
    if name not in fields:
        raise ParameterError(f"unknown parameter {name!r}{suggest(name, fields)}")
    return fields[name][0]
