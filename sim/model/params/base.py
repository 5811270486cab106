"""Shared machinery of the parameter tables: declaration, validation and name suggestions.

Every parameter is a frozen dataclass field declared with `param()`, whose metadata carries its
unit, allowed range, the mechanism it belongs to (DESIGN.md section 2 numbering) and the source
or reasoning for its default. Validation, the ODD parameter table, scenario loading and the
dashboard's sliders all read this metadata, so a parameter is declared exactly once. The tables
themselves live in `market`, `levers` and `mechanisms`; this module holds what they share, so it
imports none of them.
"""

from __future__ import annotations

import dataclasses
import difflib
import numbers
from dataclasses import field
from typing import Any


class ParameterError(ValueError):
    """A parameter value or key that is not allowed; the message is one line for the user."""


def param(
    default: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    unit: str = "",
    mechanism: str = "",
    source: str,
    choices: tuple[str, ...] | None = None,
    label: str = "",
    plausible: tuple[float, float] | None = None,
) -> Any:
    """Declare a parameter field with the metadata every consumer reads.

    `low`..`high` is what the model accepts; `plausible` is the narrower range a well-informed
    analyst would still defend for an assumed value (or a lever's realistic operating range). The
    comparisons' uncertainty over worlds draws from it; client facts (scale, team sizes) have none.
    """
    if plausible is not None and not low <= plausible[0] <= default <= plausible[1] <= high:
        raise ValueError(f"plausible {plausible} must hold the default {default}, within [{low}, {high}]")
    meta = {
        "low": low,
        "high": high,
        "plausible": plausible,
        "unit": unit,
        "mechanism": mechanism,
        "source": source,
        "choices": choices,
        "label": label,
    }
    return field(default=default, metadata=meta)


def _check_value(group: str, name: str, value: Any, f: dataclasses.Field) -> None:
    """Raise ParameterError unless value has the field's type and lies in its range."""
    expected = type(f.default)
    where = f"{group}.{name}"
    if expected is bool:
        if not isinstance(value, bool):
            raise ParameterError(f"{where} must be true or false, got {value!r}")
        return
    if expected is str:
        choices = f.metadata["choices"]
        if not isinstance(value, str) or value not in choices:
            allowed = ", ".join(choices)
            raise ParameterError(f"{where} must be one of {allowed}, got {value!r}")
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{where} must be a number, got {value!r}")
    if expected is int and not float(value).is_integer():
        raise ParameterError(f"{where} must be a whole number, got {value!r}")
    low, high = f.metadata["low"], f.metadata["high"]
    if not low <= value <= high:
        raise ParameterError(f"{where} must be between {low:g} and {high:g}, got {value!r}")


class _Validated:
    """Mixin: check every field at construction and coerce ints given for float fields."""

    def __post_init__(self) -> None:
        group = type(self).__name__.lower()
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            _check_value(group, f.name, value, f)
            if type(f.default) is float and isinstance(value, int):
                object.__setattr__(self, f.name, float(value))
            if type(f.default) is int:
                object.__setattr__(self, f.name, int(value))


def suggest(name: str, valid: Any) -> str:
    """A ' (did you mean ...?)' hint naming the closest valid keys, or ''."""
    close = difflib.get_close_matches(name, list(valid), n=3, cutoff=0.5)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
