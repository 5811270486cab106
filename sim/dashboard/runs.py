"""The dashboard's simulation: one or two runs stepped together, and what a new session opens with.

`DashboardModel` is a Mesa model with flat keyword parameters (scenario name, comparison, seed,
horizon and any parameter by name) that wraps one or two `SalesMarketingModel`s, so that Reset
rebuilds the model as `DashboardModel(**settings)`, as Mesa's `ModelController` does. Levers act on the
running model from the next working day, as an intervention (the model's own way of changing levers
mid-run). Kept apart from the page so the model side can be driven and tested without rendering
anything; the simulation never imports this module.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mesa
import pandas as pd

from sim.dashboard.files import page_scenario
from sim.dashboard.inputs import label_of, scenario_values
from sim.dashboard.plots import RunData
from sim.model.model import SalesMarketingModel
from sim.model.params import FIXED_DURING_RUN, Intervention, ParameterError, group_of
from sim.model.scenario import Scenario, load_scenario

ENV_SCENARIO = "SIM_DASHBOARD_SCENARIO"  # set by `run.py dashboard`: the scenario a new session opens
ENV_COMPARE = "SIM_DASHBOARD_COMPARE"
ENV_SEED = "SIM_DASHBOARD_SEED"
DEFAULT_SCENARIO = "segregated"
NO_COMPARISON = "none"
DEFAULT_SEED = 1
DEFAULT_HORIZON = 500  # two working years, as `run.py run`
RUN_SETTINGS: tuple[str, ...] = ("scenario_name", "compare_with", "seed", "horizon")
COMPARE_VALUES = "compare_values"  # the setting that holds the second arm's own start values
ARMS: tuple[str, ...] = ("first", "second", "both")
"""Which run a lever change acts on (market values always act on both: they are one market)."""


def initial_settings() -> dict[str, Any]:
    """What a new browser session opens with: the command line's scenario, comparison and seed."""
    name = os.environ.get(ENV_SCENARIO) or DEFAULT_SCENARIO
    return {
        "scenario_name": name,
        "compare_with": os.environ.get(ENV_COMPARE) or NO_COMPARISON,
        "seed": int(os.environ.get(ENV_SEED) or DEFAULT_SEED),
        "horizon": DEFAULT_HORIZON,
        COMPARE_VALUES: {},
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
        compare_values: Start values the user gave the second run's own levers (steering it).
        **values: Start values of any parameter by name, applied on top of the scenario.

    Raises:
        ParameterError: An unknown scenario or parameter, a value out of range, a bad seed or
            horizon, or a scenario file the page may not read (`sim.dashboard.files`).
    """

    def __init__(
        self,
        scenario_name: str = DEFAULT_SCENARIO,
        compare_with: str = NO_COMPARISON,
        seed: int = DEFAULT_SEED,
        horizon: int = DEFAULT_HORIZON,
        scenario: object = None,
        compare_values: dict[str, Any] | None = None,
        **values: Any,
    ) -> None:
        _check_run_settings(seed, horizon)
        super().__init__(rng=seed)
        compare_values = dict(compare_values or {})
        self.settings = {"scenario_name": scenario_name, "compare_with": compare_with, "seed": seed}
        self.settings.update(horizon=horizon, compare_values=compare_values, **values)
        self.seed, self.horizon = seed, horizon
        first = load_scenario(page_scenario(scenario_name)).with_values(values, source="dashboard")
        self.runs = [_start_run(first.name, first, seed)]
        if compare_with and compare_with != NO_COMPARISON:
            market = {k: v for k, v in values.items() if group_of(k) == "market"}
            own = {k: v for k, v in compare_values.items() if group_of(k) != "market"}
            other = load_scenario(page_scenario(compare_with)).with_values(
                {**own, **market}, source="dashboard"
            )
            label = other.name if other.name != first.name else f"{other.name} (as in its file)"
            self.runs.append(_start_run(label, other, seed))
        self.changes: list[tuple[int, str, str, Any]] = []  # day, run label, name, value
        self._lock = threading.Lock()
        self.step_lock = threading.RLock()  # held while stepping and while a frame is taken

    @property
    def day(self) -> int:
        """Working days simulated so far."""
        return self.runs[0].model.day

    def step(self) -> None:
        """One working day of every run; the user's pending lever changes take effect first."""
        with self.step_lock:
            if self.day >= self.horizon:
                return
            for run in self.runs:
                self._apply_pending(run)
                run.model.step()
            self.running = self.day < self.horizon

    def advance(self, days: int) -> None:
        """`days` working days (fewer at the horizon): one Step press or one frame of Play."""
        with self.step_lock:
            for _ in range(days):
                self.step()

    def targets(self, arm: str) -> list[Run]:
        """The runs a lever change on `arm` ("first", "second" or "both") acts on."""
        if arm not in ARMS:
            raise ParameterError(f"arm: {arm!r} is not an arm; allowed: {', '.join(ARMS)}")
        if len(self.runs) == 1 or arm == "first":
            return self.runs[:1]
        return self.runs[1:] if arm == "second" else list(self.runs)

    def set_value(self, name: str, value: Any, arm: str = "first") -> None:
        """Change a lever from the next working day on, in the runs of `arm`.

        Market values change in both runs whatever the arm: the two share one market.

        Raises:
            ParameterError: A team size (fixed during a run), an unknown name, a bad value or arm.
        """
        if name in FIXED_DURING_RUN:
            raise ParameterError(f"{name}: team sizes are fixed during a run; start a new run to change them")
        targets = self.runs if group_of(name) == "market" else self.targets(arm)
        for run in targets:
            run.model.p.with_values({name: value})  # validates, raises ParameterError
        with self._lock:
            for run in targets:
                run.pending[name] = value

    def current_values(self, index: int) -> dict[str, Any]:
        """Run `index`'s lever values as of the next working day (its pending changes included)."""
        run = self.runs[index]
        with self._lock:
            return {**run.model.p.flat(), **run.pending}

    def _apply_pending(self, run: Run) -> None:
        """Hand the user's changes to the model as an intervention for the day about to start."""
        with self._lock:
            pending, run.pending = run.pending, {}
        if not pending:
            return
        day = run.model.day
        run.model.interventions.append(Intervention(day, pending))
        run.events.append((day, "you: " + ", ".join(label_of(n) for n in pending)))
        self.changes.extend((day, run.label, name, value) for name, value in pending.items())

    def run_data(self) -> list[RunData]:
        """What the plots need of every run; empty tables before the first day."""
        if self.day == 0:
            return [RunData(r.label, pd.DataFrame(), {}, tuple(r.events)) for r in self.runs]
        return [RunData(r.label, r.weekly(), r.totals(), tuple(r.events)) for r in self.runs]


def _check_run_settings(seed: Any, horizon: Any) -> None:
    for name, value, low in (("seed", seed, 0), ("horizon", horizon, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ParameterError(f"{name}: must be a whole number >= {low}, got {value!r}")
