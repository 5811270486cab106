"""Checks of an experiment spec's values, each failing with one line that names the file and key.

Split from `sim.experiments.spec` (which loads a spec and holds the `Experiment`) so each stays
short: the varied parameters' axes ([parameters], [tornado]) and the scalar keys, checked as
strictly as scenario files are (`sim.model.scenario`).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.model.params import GROUPS, ParameterError, parameter_fields, suggest
from sim.model.scenario import _allowed, _toml, _value_problem

TOP_LEVEL_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "scenario",
    "design",
    "samples",
    "levels",
    "second_order",
    "replications",
    "days",
    "seed",
    "design_seed",
    "period",
    "kpis",
    "parameters",
    "tornado",
)


class ExperimentError(ParameterError):
    """An experiment spec that cannot be used; one line: file, key, problem, what is allowed."""


def experiment_error(where: str, key: str | None, problem: str, allowed: str) -> ExperimentError:
    """Build the one-line `<file>: <key>: <problem>; allowed: <allowed>` message users see."""
    location = f"{where}: {key}" if key else where
    return ExperimentError(f"{location}: {problem}; allowed: {allowed}")


@dataclass(frozen=True)
class Axis:
    """One varied parameter: grid values, a numeric range, or choices a design picks from.

    Attributes:
        name: Parameter name (its dataclass field, scenario key and output column).
        kind: "values" (a grid's list), "range" ([low, high] of a number) or "choices"
            (the categorical or true/false values a sampled design picks from).
        values: The grid values, (low, high), or the choices, typed as the parameter.
    """

    name: str
    kind: str
    values: tuple[Any, ...]

    def value_at(self, u: float) -> Any:
        """The parameter value at unit coordinate `u` in [0, 1] of a sampled design.

        Integers split [low, high] into equal bins, one per whole number, and so do choices, so
        every value is equally likely under a uniform design.
        """
        if self.kind == "choices":
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        low, high = self.values
        if isinstance(low, int):
            return int(min(low + math.floor(u * (high - low + 1)), high))
        return float(low + u * (high - low))

    def describe(self) -> Any:
        """JSON-ready form for metadata: a list of values or {low, high}."""
        if self.kind == "range":
            return {"low": self.values[0], "high": self.values[1]}
        return list(self.values)


# ---------------------------------------------------------------------- parameters
def parameter_axes(where: str, doc: dict[str, Any], design: str) -> tuple[Axis, ...]:
    """[parameters]: value lists for a grid, ranges (or choices) for a sampled design."""
    axes = []
    for name, value in doc.get("parameters", {}).items():
        key = f"parameters.{name}"
        f = _field(where, key, name)
        if design == "grid":
            axes.append(_grid_axis(where, key, name, value, f))
        else:
            axes.append(_sampled_axis(where, key, name, value, f))
    return tuple(axes)


def tornado_axes(where: str, doc: dict[str, Any]) -> tuple[Axis, ...]:
    """[tornado]: two values per parameter, each run with everything else at the base scenario."""
    axes = []
    for name, value in doc.get("tornado", {}).items():
        key = f"tornado.{name}"
        f = _field(where, key, name)
        values = _value_list(where, key, name, value, f)
        if len(values) != 2:
            raise experiment_error(
                where,
                key,
                f"got {len(values)} values",
                "exactly two values [low, high] to vary one at a time",
            )
        if _is_number(f) and not values[0] < values[1]:
            raise experiment_error(
                where, key, f"low {values[0]!r} is not below high {values[1]!r}", "[low, high]"
            )
        axes.append(Axis(name, "values", values))
    return tuple(axes)


def _field(where: str, key: str, name: str) -> dataclasses.Field:
    """The dataclass field of a parameter name, or an error with the closest names."""
    fields = parameter_fields()
    if name in TOP_LEVEL_KEYS:
        table = key.split(".")[0]
        raise experiment_error(
            where,
            key,
            f"a top-level key inside [{table}]",
            f"move {name} above the first [table] of the file",
        )
    if name not in fields:
        raise experiment_error(
            where,
            key,
            f"unknown parameter{suggest(name, fields)}",
            "a parameter of [market], [levers] or [mechanisms] (all listed in docs/ODD.md)",
        )
    return fields[name][1]


def _grid_axis(where: str, key: str, name: str, value: Any, f: dataclasses.Field) -> Axis:
    return Axis(name, "values", _value_list(where, key, name, value, f))


def _sampled_axis(where: str, key: str, name: str, value: Any, f: dataclasses.Field) -> Axis:
    """A numeric [low, high] range, or the choices of a categorical or true/false parameter."""
    values = _value_list(where, key, name, value, f)
    if not _is_number(f):
        if len(values) < 2:
            raise experiment_error(where, key, "only one choice", "two or more choices to sample from")
        return Axis(name, "choices", values)
    if len(values) != 2 or not values[0] < values[1]:
        got = f"got {_toml(list(values))}" if len(values) != 2 else f"low {values[0]!r} is not below high"
        raise experiment_error(where, key, got, f"a range [low, high] with low < high, within {_allowed(f)}")
    return Axis(name, "range", values)


def _value_list(where: str, key: str, name: str, value: Any, f: dataclasses.Field) -> tuple[Any, ...]:
    """A non-empty list of distinct, valid values of one parameter, typed as the parameter."""
    if not isinstance(value, list) or not value:
        raise experiment_error(
            where, key, f"got {_toml(value)}", f"a non-empty list of values: {_allowed(f)}"
        )
    values = tuple(_parameter_value(where, f"{key}[{i}]", name, v, f) for i, v in enumerate(value))
    for i, v in enumerate(values):
        if values.index(v) != i:
            raise experiment_error(where, f"{key}[{i}]", f"{_toml(value[i])} listed twice", "each value once")
    return values


def _parameter_value(where: str, key: str, name: str, value: Any, f: dataclasses.Field) -> Any:
    """Check a value against the parameter's type and range (as scenario files are checked)."""
    group = parameter_fields()[name][0]
    try:
        GROUPS[group](**{name: value})
    except ParameterError:
        raise experiment_error(where, key, _value_problem(value, f), _allowed(f)) from None
    kind = type(f.default)
    return kind(value) if kind in (int, float) else value


def _is_number(f: dataclasses.Field) -> bool:
    return type(f.default) in (int, float)


# ---------------------------------------------------------------------- scalar values
def whole(where: str, key: str, value: Any, low: int, high: int | None) -> int:
    """A whole number in [low, high] (no upper bound when high is None)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):
        allowed = f"a whole number from {low} to {high}" if high is not None else f"a whole number >= {low}"
        raise experiment_error(where, key, f"got {_toml(value)}", allowed)
    return int(value)


def string(where: str, key: str, value: Any) -> str:
    """A quoted TOML string."""
    if not isinstance(value, str):
        raise experiment_error(where, key, f"must be a string, got {_toml(value)}", 'a quoted string "..."')
    return value


def boolean(where: str, key: str, value: Any) -> bool:
    """A TOML boolean, true or false (not 0 or 1)."""
    if not isinstance(value, bool):
        raise experiment_error(where, key, f"wrong type: got {_toml(value)}", "true or false")
    return value


def choice(where: str, key: str, value: Any, choices: Sequence[str]) -> str:
    """One of `choices`, with the closest suggestion for a misspelt one."""
    if not isinstance(value, str) or value not in choices:
        hint = suggest(value, choices) if isinstance(value, str) else ""
        raise experiment_error(where, key, f"got {_toml(value)}{hint}", ", ".join(choices))
    return value
