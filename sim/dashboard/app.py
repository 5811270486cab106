"""The dashboard: move an organisation's levers and watch sales and marketing respond, day by day.

A Mesa visualization app served by Solara: `python run.py dashboard` starts it (`sim.cli.dashboard`).
Managers pick a scenario, move sliders, press Step or Play and watch revenue, the funnel, response
time, do-it-yourself collateral, brand consistency and trust. A side-by-side mode runs a second
structure with the same seed and draws both on the same axes.

How it is built:

- `DashboardModel` is a Mesa model with flat keyword parameters (scenario name, comparison, seed,
  horizon and any parameter by name) that wraps one or two `SalesMarketingModel`s. The simulation
  never imports this module.
- The page is made of Mesa's own SolaraViz parts: `ModelController` (Step, Play, Reset and the play
  loop), `UserInputs` (inputs from Mesa `model_params` specs, built here from the parameters'
  metadata: range, choices, unit, label) and Mesa's `update_counter` that refreshes the plots after a
  step. It lays them out itself rather than calling `SolaraViz(...)`, because SolaraViz 3.5 keeps the
  parameter dict private and shows every input in one flat list: grouped levers, and a scenario
  picker that moves the sliders to the scenario's values, need that dict in our hands.
- Levers act on the running model from the next working day, as an intervention (the model's own
  way of changing levers mid-run), and are drawn as a dotted line. What defines a run's start (team
  sizes, scenario, comparison, seed, horizon) starts a new run. Reset restarts with what the inputs show.
- Plots are matplotlib PNGs rendered on the server (`sim.dashboard.plots`), so the page loads no
  plotting library; with `solara-assets` installed every script, style and font is served locally.
"""

from __future__ import annotations

import html
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mesa
import pandas as pd
import solara
from mesa.visualization.solara_viz import ModelController, UserInputs
from mesa.visualization.utils import update_counter

from sim.dashboard.plots import PLOTS, RUN_COLOURS, RunData, render_png
from sim.model.model import SalesMarketingModel
from sim.model.params import FIXED_DURING_RUN, Intervention, ParameterError, group_of, parameter_fields
from sim.model.scenario import Scenario, list_scenarios, load_scenario

ENV_SCENARIO = "SIM_DASHBOARD_SCENARIO"  # set by `run.py dashboard`: the scenario a new session opens
ENV_COMPARE = "SIM_DASHBOARD_COMPARE"
ENV_SEED = "SIM_DASHBOARD_SEED"
DEFAULT_SCENARIO = "segregated"
NO_COMPARISON = "none"
DEFAULT_SEED = 1
DEFAULT_HORIZON = 500  # two working years, as `run.py run`
HORIZON_RANGE = (50, 2500, 50)  # min, max, step of the horizon slider (working days)
DAYS_PER_STEP = 5  # one working week per Step press and per frame of Play
PLAY_INTERVAL_MS = 100
RUN_SETTINGS: tuple[str, ...] = ("scenario_name", "compare_with", "seed", "horizon")
# Two columns that scroll on their own (the left one a plain block, so cards keep their height).
# Solara's AppLayout sidebar (a vuetify 3 navigation drawer of width "min-content") would overlap
# the main area once its content is wider than the default drawer.
SIDEBAR_STYLE = {
    "width": "420px",
    "min-width": "420px",
    "height": "100vh",
    "overflow-y": "auto",
    "padding": "8px",
}
# Slider labels (with their values) get a fixed share of the row (a vuetify 3 input is a CSS grid)
# and wrap, so long labels leave the slider room; by default the label takes all it asks for.
CSS = """
.sim-inputs .v-slider.v-input--horizontal { grid-template-columns: 48% minmax(0, 1fr) max-content; }
.sim-inputs .v-slider .v-input__prepend { margin-inline-end: 8px; }
.sim-inputs .v-slider .v-label { white-space: normal; line-height: 1.25; font-size: 14px; opacity: 0.85; }
.sim-inputs .v-input { margin-bottom: 2px; }
"""
MAIN_STYLE = {"flex": "1", "min-width": "0", "height": "100vh", "overflow-y": "auto", "padding": "8px 12px"}

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


# ---------------------------------------------------------------------- inputs from metadata
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


def initial_settings() -> dict[str, Any]:
    """What a new browser session opens with: the command line's scenario, comparison and seed."""
    name = os.environ.get(ENV_SCENARIO) or DEFAULT_SCENARIO
    return {
        "scenario_name": name,
        "compare_with": os.environ.get(ENV_COMPARE) or NO_COMPARISON,
        "seed": int(os.environ.get(ENV_SEED) or DEFAULT_SEED),
        "horizon": DEFAULT_HORIZON,
        **scenario_values(load_scenario(name)),
    }


# ---------------------------------------------------------------------- the model wrapper
@dataclass
class Run:
    """One simulated organisation: its scenario, its model and the lever changes drawn on the plots.

    Attributes:
        label: Legend entry.
        scenario: The scenario as it started (with the dashboard's start values).
        model: The simulation.
        events: (working day, label) of lever changes: the scenario's interventions and the user's.
        pending: Values the user set since the last step; they apply at the start of the next day.
    """

    label: str
    scenario: Scenario
    model: SalesMarketingModel
    events: list[tuple[int, str]] = field(default_factory=list)
    pending: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """A table of the run, computed once per day however many panels ask for it."""
        if self.cache.get("day") != self.model.day:
            self.cache = {"day": self.model.day}
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def weekly(self) -> pd.DataFrame:
        """The run's table per working week (stable column names, see sim.model.metrics)."""
        return self.cached("weekly", lambda: self.model.timeseries("week"))

    def totals(self) -> dict[str, float]:
        """Totals, means and rates since day 0 (`model.summary()`)."""
        return self.cached("totals", self.model.summary)


def _start_run(label: str, scenario: Scenario, seed: int) -> Run:
    model = SalesMarketingModel(scenario.params, seed=seed, interventions=scenario.interventions)
    events = [(i.day, getattr(i, "description", "") or "intervention") for i in scenario.interventions]
    return Run(label, scenario, model, events)


class DashboardModel(mesa.Model):
    """One or two runs stepped together, with flat keyword parameters as Mesa's controls expect.

    Mesa's `ModelController` builds a new model on Reset as `DashboardModel(**parameters)`, so every
    input is a keyword here. Parameters are stored as given in `settings`.

    Args:
        scenario_name: A shipped scenario's name or a path to a `.toml` scenario file.
        compare_with: A second scenario to run side by side with the same seed, or "none". It keeps
            its own levers but shares the first run's market values, so the two differ in structure
            only.
        seed: Root seed of both runs.
        horizon: Working days after which the runs stop.
        scenario: Unused. Mesa's `ModelController` passes a Mesa `Scenario` on Reset (Mesa 3.5's
            experimental scenario API); the parameters here come from `scenario_name` and `values`.
        **values: Start values of any parameter by name, applied on top of the scenario.

    Raises:
        ParameterError: An unknown scenario or parameter, a value out of range, a bad seed or horizon.
    """

    def __init__(
        self,
        scenario_name: str = DEFAULT_SCENARIO,
        compare_with: str = NO_COMPARISON,
        seed: int = DEFAULT_SEED,
        horizon: int = DEFAULT_HORIZON,
        scenario: object = None,
        **values: Any,
    ) -> None:
        _check_run_settings(seed, horizon)
        super().__init__(rng=seed)
        self.settings = {"scenario_name": scenario_name, "compare_with": compare_with, "seed": seed}
        self.settings.update(horizon=horizon, **values)
        self.seed, self.horizon = seed, horizon
        first = load_scenario(scenario_name).with_values(values, source="dashboard")
        self.runs = [_start_run(first.name, first, seed)]
        if compare_with and compare_with != NO_COMPARISON:
            market = {k: v for k, v in values.items() if group_of(k) == "market"}
            other = load_scenario(compare_with).with_values(market, source="dashboard")
            label = other.name if other.name != first.name else f"{other.name} (as in its file)"
            self.runs.append(_start_run(label, other, seed))
        self.changes: list[tuple[int, str, Any]] = []
        self._lock = threading.Lock()

    @property
    def day(self) -> int:
        """Working days simulated so far."""
        return self.runs[0].model.day

    def step(self) -> None:
        """One working day of every run; the user's pending lever changes take effect first."""
        if self.day >= self.horizon:
            return
        for run in self.runs:
            self._apply_pending(run)
            run.model.step()
        self.running = self.day < self.horizon

    def set_value(self, name: str, value: Any) -> None:
        """Change a lever from the next working day on (market values change in both runs).

        Raises:
            ParameterError: A team size (fixed during a run), an unknown name or a bad value.
        """
        if name in FIXED_DURING_RUN:
            raise ParameterError(f"{name}: team sizes are fixed during a run; start a new run to change them")
        self.runs[0].model.p.with_values({name: value})  # validates, raises ParameterError
        targets = self.runs if group_of(name) == "market" else self.runs[:1]
        with self._lock:
            for run in targets:
                run.pending[name] = value

    def _apply_pending(self, run: Run) -> None:
        """Hand the user's changes to the model as an intervention for the day about to start."""
        with self._lock:
            pending, run.pending = run.pending, {}
        if not pending:
            return
        day = run.model.day
        run.model.interventions.append(Intervention(day, pending))
        run.events.append((day, "you: " + ", ".join(label_of(n) for n in pending)))
        if run is self.runs[0]:
            self.changes.extend((day, name, value) for name, value in pending.items())

    def run_data(self) -> list[RunData]:
        """What the plots need of every run; empty tables before the first day."""
        if self.day == 0:
            return [RunData(r.label, pd.DataFrame(), {}, tuple(r.events)) for r in self.runs]
        return [RunData(r.label, r.weekly(), r.totals(), tuple(r.events)) for r in self.runs]


def _check_run_settings(seed: Any, horizon: Any) -> None:
    for name, value, low in (("seed", seed, 0), ("horizon", horizon, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ParameterError(f"{name}: must be a whole number >= {low}, got {value!r}")


# ---------------------------------------------------------------------- key figures
KPIS: tuple[tuple[str, str, str], ...] = (
    # label, summary key (or "now:<daily field>" for today's level), format
    ("Revenue to date", "revenue", "money"),
    ("Deals won", "deals_won", "count"),
    ("Win rate", "win_rate", "share"),
    ("MQL → SAL", "mql_to_sal", "share"),
    ("Leakage (MQLs never contacted)", "leakage_share", "share"),
    ("Median response time", "median_response_hours", "hours"),
    ("DIY assets", "diy_assets", "count"),
    ("Brand consistency (now)", "now:brand_consistency", "index"),
    ("Trust sales → marketing (now)", "now:trust_sales_in_marketing", "index"),
    ("Trust marketing → sales (now)", "now:trust_marketing_in_sales", "index"),
    ("Selling time", "selling_time_share", "share"),
)


def _fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return {
        "money": f"{value:,.0f}",
        "count": f"{value:,.0f}",
        "share": f"{100 * value:.1f} %",
        "hours": f"{value:.1f} h",
        "index": f"{value:.2f}",
    }[kind]


def kpi_table(model: DashboardModel) -> list[list[str]]:
    """Rows of [label, value of each run] for the key-figures panel."""
    rows = []
    for label, key, kind in KPIS:
        cells = [label]
        for run in model.runs:
            if model.day == 0:
                cells.append("–")
            elif key.startswith("now:"):
                cells.append(_fmt(run.model.daily[key[4:]][-1], kind))
            else:
                cells.append(_fmt(run.totals()[key], kind))
        rows.append(cells)
    return rows


def status_line(model: DashboardModel) -> str:
    """'Day 63 of 500 (week 13)', or that the run has reached its horizon."""
    day = model.day
    text = f"Day {day} of {model.horizon} (week {math.ceil(day / 5)}, seed {model.seed})"
    return text + ": finished, press Reset to run again" if day >= model.horizon else text


def kpi_html(model: DashboardModel) -> str:
    """The key-figures panel as an HTML table (values escaped: scenario names come from files)."""
    head = "".join(
        f'<th style="text-align:right;color:{c};padding:0 8px">{html.escape(r.label)}</th>'
        for c, r in zip(RUN_COLOURS, model.runs, strict=False)
    )
    body = "".join(
        "<tr>"
        + f'<td style="padding:1px 8px 1px 0">{html.escape(row[0])}</td>'
        + "".join(f'<td style="text-align:right;padding:1px 8px">{html.escape(c)}</td>' for c in row[1:])
        + "</tr>"
        for row in kpi_table(model)
    )
    changes = "; ".join(f"day {d}: {label_of(n)} = {format_value(n, v)}" for d, n, v in model.changes[-6:])
    return (
        f'<div style="font-size:14px"><b class="sim-status">{html.escape(status_line(model))}</b>'
        f'<table style="margin-top:6px;border-collapse:collapse"><tr><th></th>{head}</tr>{body}</table>'
        f'<div class="sim-changes" style="margin-top:6px;color:#555">Your lever changes: '
        f"{html.escape(changes) if changes else 'none yet'}</div></div>"
    )


# ---------------------------------------------------------------------- components
# Solara components are CamelCase functions by convention (hence the noqa: N802).
@solara.component
def KeyFigures(model: DashboardModel) -> None:  # noqa: N802
    """Status and key figures of every run, refreshed after each step."""
    update_counter.get()
    with solara.Card("Key figures", style={"height": "100%"}):
        solara.HTML(tag="div", unsafe_innerHTML=kpi_html(model))


@solara.component
def PlotView(model: DashboardModel, name: str) -> None:  # noqa: N802
    """One of PLOTS, redrawn after each step (Mesa's update_counter)."""
    update_counter.get()
    draw, size = PLOTS[name]
    png = render_png(draw, model.run_data(), model.horizon, size)
    with solara.Card(style={"padding": "4px"}):
        solara.Image(png, format="png", width="100%")


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())


@solara.component
def RunCard(  # noqa: N802
    settings: solara.Reactive[dict[str, Any]],
    model: solara.Reactive[DashboardModel],
    on_change: Callable[[str, Any], None],
    on_scenario: Callable[[str], bool],
) -> None:
    """Scenario, comparison, seed, horizon, and Mesa's Step / Play / Reset."""
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    days_per_step = solara.use_reactive(DAYS_PER_STEP)
    use_threads = solara.use_reactive(False)  # Mesa reads `.value` of it: a plain bool fails
    path = solara.use_reactive("")
    extra = solara.use_reactive(())
    names = solara.use_memo(lambda: [name for name, _ in list_scenarios()], [])
    current = settings.value["scenario_name"]
    choices = [*names, *(p for p in (*extra.value, current) if p not in names)]
    choices = list(dict.fromkeys(choices))

    def load_file() -> None:
        if on_scenario(path.value.strip()):
            extra.set((*extra.value, path.value.strip()))

    with solara.Card("Run", classes=["sim-inputs"]):
        solara.Select("Scenario", value=current, values=choices, on_value=on_scenario)
        with solara.Row(style={"align-items": "center"}):
            solara.InputText("or a scenario file (.toml)", value=path, continuous_update=True)
            solara.Button("Load", on_click=load_file, outlined=True)
        solara.Select(
            "Side by side with",
            value=settings.value["compare_with"],
            values=[NO_COMPARISON, *choices],
            on_value=lambda v: on_change("compare_with", v),
        )
        solara.InputInt("Seed", value=settings.value["seed"], on_value=lambda v: on_change("seed", v))
        low, high, step = HORIZON_RANGE
        solara.SliderInt(
            f"Horizon: {settings.value['horizon']} days",
            value=settings.value["horizon"],
            min=low,
            max=high,
            step=step,
            on_value=lambda v: on_change("horizon", v),
        )
        ModelController(
            model,
            model_parameters=settings,
            play_interval=play_interval,
            render_interval=days_per_step,
            use_threads=use_threads,
        )
        solara.SliderInt(f"Days per step: {days_per_step.value}", value=days_per_step, min=1, max=21)
        solara.SliderInt(
            f"Play interval: {play_interval.value} ms", value=play_interval, min=0, max=1000, step=50
        )
        solara.Text(
            "Levers act from the next working day (dotted line on the plots). Team sizes, scenario, "
            "comparison, seed and horizon start a new run. Reset restarts with the values shown.",
            style={"font-size": "12px", "color": "#666"},
        )


@solara.component
def LeverInputs(specs: dict[str, dict[str, Any]], on_change: Callable[[str, Any], None]) -> None:  # noqa: N802
    """One group's inputs: Mesa's UserInputs for sliders and selects, a plain checkbox for switches.

    solara 1.58's Checkbox passes its label both as label and as child, which vuetify 3 draws twice.
    """
    for name, spec in specs.items():
        if spec["type"] == "Checkbox":
            solara.v.Checkbox(
                label=spec["label"],
                v_model=spec["value"],
                on_v_model=lambda value, name=name: on_change(name, bool(value)),
                hide_details=True,
                density="compact",
            )
        else:
            UserInputs({name: spec}, on_change=on_change)


@solara.component
def Page() -> None:  # noqa: N802
    """The dashboard page: run controls and grouped levers on the left, key figures and plots."""
    initial = solara.use_memo(initial_settings, [])
    settings = solara.use_reactive(initial)
    first = solara.use_memo(lambda: DashboardModel(**initial), [])
    model = solara.use_reactive(first)
    error = solara.use_reactive("")

    def restart(values: dict[str, Any]) -> bool:
        """A new run from these values; False (and a message) if they are bad."""
        try:
            new = DashboardModel(**values)
        except ParameterError as err:
            error.set(_one_line(err))
            return False
        error.set("")
        settings.set(values)
        model.set(new)
        return True

    def on_scenario(name: str) -> bool:
        """Start the scenario with its own values on every input; False (and a message) if it is bad."""
        try:
            if not name.endswith(".toml") and ("/" in name or "\\" in name or not name):
                raise ParameterError(f"scenario file: {name!r}: expected a path ending in .toml")
            values = scenario_values(load_scenario(name))
        except ParameterError as err:
            error.set(_one_line(err))
            return False
        return restart({**settings.value, "scenario_name": name, **values})

    def on_change(name: str, value: Any) -> None:
        if name in RUN_SETTINGS or name in FIXED_DURING_RUN:
            restart({**settings.value, name: value})
            return
        try:
            model.value.set_value(name, value)
        except ParameterError as err:
            error.set(_one_line(err))
            return
        error.set("")
        settings.set({**settings.value, name: value})

    names = " vs ".join(run.label for run in model.value.runs)
    solara.Title(f"Sales & marketing: {names}")
    solara.Style(CSS)
    with solara.Row(gap="0px", style={"height": "100vh", "flex-wrap": "nowrap"}):
        with solara.Div(style=SIDEBAR_STYLE):
            RunCard(settings, model, on_change, on_scenario)
            for group, specs in model_params(settings.value).items():
                with solara.Card(group, classes=["sim-inputs"]):
                    LeverInputs(specs, on_change)
        with solara.Column(style=MAIN_STYLE):
            solara.Text(
                f"Sales & marketing dashboard: {names}", style={"font-size": "20px", "font-weight": "500"}
            )
            if error.value:  # solara.Error passes text=True, which ipyvuetify 3's Alert refuses
                solara.v.Alert(type="error", text=error.value, variant="tonal", density="compact")
            with solara.GridFixed(columns=2, align_items="stretch"):
                KeyFigures(model.value)
                for name in PLOTS:
                    PlotView(model.value, name)
