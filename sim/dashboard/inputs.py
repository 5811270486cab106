"""The dashboard's inputs, built from the parameters' metadata: groups, labels, slider ranges, formats.

Everything an input shows (its group, label, range, step and how its value reads) is derived here
from `sim.model.params`, so a lever another engineer adds or labels later shows up without a change
to the page. Pure functions of the metadata, free of Solara and Mesa, so they can be tested (and
reasoned about) without a browser; the page only turns their specs into widgets.
"""

from __future__ import annotations

import math
from typing import Any

from sim.model.params import parameter_fields
from sim.model.scenario import Scenario

GROUPS: dict[str, tuple[str, ...]] = {
    "Structure": (
        "n_reps",
        "n_marketers",
        "n_hybrid",
        "lead_acceptance_by",
        "routing_interval_hours",
        "sla_first_contact_hours",
        "meeting_hours_per_week",
        "colocation",
        "shared_goals",
        "marketing_pay_basis",
        "senior_support",
        "rotation_share",
    ),
    "Marketing": (
        "marketing_budget_share",
        "mql_score_threshold",
        "marketing_support_share",
        "content_refresh_share",
        "self_service_templates",
        "marketer_ego_mean",
    ),
    "Sales": (
        "follow_up_attempts",
        "rep_response_latency_hours",
        "rep_patience_days",
        "feedback_share",
        "messaging_platform_adoption",
        "rep_ego_mean",
    ),
    "Market": (
        "deal_value_mean",
        "sales_cycle_days_mean",
        "base_win_rate",
        "cost_per_inquiry",
        "inquiry_fit_mean",
    ),
}
"""Inputs by group, in display order. Labelled levers not listed here appear under MORE_LEVERS."""
MORE_LEVERS = "More levers"

MARKET_LABELS: dict[str, str] = {
    "deal_value_mean": "Average deal size",
    "sales_cycle_days_mean": "Sales cycle",
    "base_win_rate": "Base win rate",
    "cost_per_inquiry": "Cost per inquiry",
    "inquiry_fit_mean": "Average fit of inquiries",
}
"""Labels for market uncertainties: sim.model.params labels only the levers management sets."""

VIEW_RANGES: dict[str, tuple[float, float]] = {
    "n_reps": (0, 100),
    "n_marketers": (0, 40),
    "n_hybrid": (0, 20),
    "routing_interval_hours": (0, 40),
    "sla_first_contact_hours": (0, 48),
    "meeting_hours_per_week": (0, 10),
    "rep_response_latency_hours": (0, 16),
    "rep_patience_days": (0, 30),
    "deal_value_mean": (0, 200_000),
    "sales_cycle_days_mean": (5, 200),
    "base_win_rate": (0.05, 0.6),
    "cost_per_inquiry": (0, 1000),
}
"""Slider ranges narrower than the valid ranges (5000 reps is valid, but useless on a slider).

A slider always stretches to include the current value, so a scenario outside these still shows.
"""

PERCENT_UNITS = frozenset({"share", "probability"})
HIDDEN_UNITS = frozenset({"", "people", "score", "ratio", "index"})


def _field(name: str) -> Any:
    return parameter_fields()[name][1]


def input_groups() -> dict[str, list[str]]:
    """Parameter names shown per group; labelled levers that GROUPS does not place go last.

    Reading labels from sim.model.params means a lever another engineer labels later shows up without
    a change here.
    """
    fields = parameter_fields()
    groups = {group: [n for n in names if n in fields] for group, names in GROUPS.items()}
    placed = {n for names in groups.values() for n in names}
    extra = [n for n, (_, f) in fields.items() if f.metadata.get("label") and n not in placed]
    if extra:
        groups[MORE_LEVERS] = extra
    return groups


def shown_parameters() -> list[str]:
    """Every parameter the dashboard has an input for, in display order."""
    return [name for names in input_groups().values() for name in names]


def label_of(name: str) -> str:
    """The parameter's label from its metadata, or a readable fallback."""
    meta = _field(name).metadata
    return meta.get("label") or MARKET_LABELS.get(name) or name.replace("_", " ").capitalize()


def step_candidates(span: float) -> list[float]:
    """Round slider steps (1, 2 or 5 times a power of ten) in order of preference.

    First the step giving about 100 positions and coarser ones down to 20 positions, then finer
    ones up to 1000 positions.
    """
    if span <= 0:
        return [1.0]
    raw = span / 100
    power = 10 ** math.floor(math.log10(raw))
    steps = sorted(m * power * 10**e for e in (-1, 0, 1) for m in (1, 2, 5))
    coarse = [s for s in steps if s >= raw * (1 - 1e-9) and span / s >= 20]
    fine = [s for s in reversed(steps) if s < raw * (1 - 1e-9) and span / s <= 1000]
    return coarse + fine or [raw]


def slider_range(name: str, value: float) -> tuple[float, float, float]:
    """(min, max, step) of a parameter's slider: its view range, stretched to hold `value`.

    The value must be a slider position (the minimum plus whole steps): otherwise the browser would
    round it, and change a lever, the first time the user touches the slider.
    """
    meta = _field(name).metadata
    low, high = VIEW_RANGES.get(name, (meta["low"], meta["high"]))
    low, high = max(meta["low"], min(low, value)), min(meta["high"], max(high, value))
    is_int = isinstance(_field(name).default, int)
    steps = [float(max(1, round(s))) if is_int else s for s in step_candidates(high - low)]
    options = [(_grid_low(low, value, step, meta["low"]), step) for step in steps]
    grid_low, step = next((o for o in options if _on_grid(value - o[0], o[1])), options[0])
    kind = int if is_int else float
    return kind(round(grid_low, 10)), kind(round(high, 10)), kind(round(step, 10))


def _grid_low(low: float, value: float, step: float, valid_low: float) -> float:
    """The slider minimum: a multiple of step, valid and at most value (else `low` itself)."""
    grid_low = math.floor(low / step) * step
    if grid_low < valid_low:
        grid_low = math.ceil(valid_low / step) * step
    return grid_low if grid_low <= value else low


def _on_grid(offset: float, step: float) -> bool:
    positions = offset / step
    return math.isclose(positions, round(positions), abs_tol=1e-6)


def format_value(name: str, value: Any, step: float = 0.01) -> str:
    """A value as the slider's label shows it: shares as percentages, hours and days with units."""
    unit = _field(name).metadata.get("unit", "")
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return value
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    if unit.split(" ")[0] in PERCENT_UNITS:  # "share", "probability", "share of days"
        return f"{100 * value:.{max(0, decimals - 2)}f}%{unit[len(unit.split(' ')[0]) :]}"
    text = f"{value:,.{decimals}f}"
    return text if unit in HIDDEN_UNITS or unit.startswith("currency") else f"{text} {unit}"


def input_spec(name: str, value: Any) -> dict[str, Any]:
    """A Mesa `model_params` entry (`UserInputs` format) for one parameter at its current value."""
    default = _field(name).default
    label = label_of(name)
    if isinstance(default, bool):
        return {"type": "Checkbox", "label": label, "value": value}
    if isinstance(default, str):
        return {
            "type": "Select",
            "label": label,
            "value": value,
            "values": list(_field(name).metadata["choices"]),
        }
    low, high, step = slider_range(name, value)
    kind = "SliderInt" if isinstance(default, int) else "SliderFloat"
    shown = f"{label}: {format_value(name, value, step)}"
    return {"type": kind, "label": shown, "value": value, "min": low, "max": high, "step": step}


def model_params(values: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Mesa `model_params` specs per group, for the current values (the labels show them)."""
    return {
        group: {name: input_spec(name, values[name]) for name in names}
        for group, names in input_groups().items()
    }


def scenario_values(scenario: Scenario) -> dict[str, Any]:
    """The start values of every shown parameter in a scenario: what the inputs show after a pick."""
    flat = scenario.params.flat()
    return {name: flat[name] for name in shown_parameters()}
