"""The state of one browser session: its settings, model, frame, bands and how inputs change them.

Solara keeps state in hooks, which only a component's render may call; `use_session` gathers them
and the callbacks that act on them in one place, so the components receive one `Session` and
`sim.dashboard.app.Page` stays a short composition. The rules live here: what defines a run's start
(team sizes, scenario, comparison, seed, horizon) starts a new run; any other lever acts on the
running model from the next working day, on the arm the "levers act on" picker names (market values
on both: they are one market); a bad value leaves the run alone and shows one line. Scenario names
and files from the page go through `sim.dashboard.files.page_scenario`, and every message through
`public_message`, so the page reads only the files it may and shows no server path.

The page draws `frame`, never the live model (`sim.dashboard.frames`): `publish` takes a new frame
after the last step of a batch, so the status line and the plots always show the same day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara

from sim.dashboard.bands import Bands
from sim.dashboard.files import page_scenario, public_message
from sim.dashboard.frames import Frame, take_frame
from sim.dashboard.inputs import scenario_values
from sim.dashboard.runs import COMPARE_VALUES, RUN_SETTINGS, DashboardModel, initial_settings
from sim.model.params import FIXED_DURING_RUN, ParameterError, group_of, parameter_fields
from sim.model.scenario import load_scenario


@dataclass(frozen=True, eq=False)
class Session:
    """What the components of one page share.

    Attributes:
        settings: The values the first run's inputs show, the run settings, and the second run's
            own start values under `compare_values` (a new run starts from them on Reset).
        model: The running `DashboardModel`.
        frame: What the page shows: the model after the last step of the last batch.
        error: The last error as one line, or "".
        arm: Which run lever changes act on: "first", "second" or "both".
        bands: Quantiles over replications of the current run, or None.
        on_change: Called with a parameter's name and new value when an input moves.
        on_scenario: Called with a scenario name or `.toml` path; False if it could not be loaded.
        restart: Start a new run from these settings; False (and a message) if they are bad.
        publish: Take a new frame of this model (ignored if the page has started another run since).
    """

    settings: solara.Reactive[dict[str, Any]]
    model: solara.Reactive[DashboardModel]
    frame: solara.Reactive[Frame]
    error: solara.Reactive[str]
    arm: solara.Reactive[str]
    bands: solara.Reactive[Bands | None]
    on_change: Callable[[str, Any], None]
    on_scenario: Callable[[str], bool]
    restart: Callable[[dict[str, Any]], bool]
    publish: Callable[[DashboardModel], None]

    def shown_values(self) -> dict[str, Any]:
        """The values the lever inputs show: the second run's when levers act on it alone."""
        model, values = self.model.value, self.settings.value
        if self.arm.value != "second" or len(model.runs) < 2:
            return values
        fields = parameter_fields()
        market = {k: v for k, v in values.items() if k in fields and fields[k][0] == "market"}  # shared
        return {**values, **scenario_values(model.runs[1].scenario), **values[COMPARE_VALUES], **market}


def with_value(settings: dict[str, Any], name: str, value: Any, arm: str) -> dict[str, Any]:
    """Settings after an input moved: the first run's values, the second's, or both."""
    if name in RUN_SETTINGS or group_of(name) == "market":
        return {**settings, name: value}
    out = dict(settings)
    if arm in ("first", "both"):
        out[name] = value
    if arm in ("second", "both"):
        out[COMPARE_VALUES] = {**settings[COMPARE_VALUES], name: value}
    return out


def use_session() -> Session:
    """The page's state and callbacks; a hook, so call it from a component's render."""
    initial = solara.use_memo(initial_settings, [])
    settings = solara.use_reactive(initial)
    first = solara.use_memo(lambda: DashboardModel(**initial), [])
    model = solara.use_reactive(first)
    frame = solara.use_reactive(solara.use_memo(lambda: take_frame(first), []))
    error = solara.use_reactive("")
    arm = solara.use_reactive("first")
    bands = solara.use_reactive(None)

    def publish(of: DashboardModel) -> None:
        if of is model.value:
            frame.set(take_frame(of))

    def restart(values: dict[str, Any]) -> bool:
        try:
            new = DashboardModel(**values)
        except ParameterError as err:
            error.set(public_message(err))
            return False
        error.set("")
        settings.set(values)
        bands.set(None)
        model.set(new)
        frame.set(take_frame(new))
        if len(new.runs) < 2:
            arm.set("first")
        return True

    def on_scenario(name: str) -> bool:
        """Start the scenario with its own values on every input; False (and a message) if it is bad."""
        try:
            if not name.endswith(".toml") and ("/" in name or "\\" in name or not name):
                raise ParameterError(f"scenario file: {name!r}: expected a path ending in .toml")
            values = scenario_values(load_scenario(page_scenario(name)))
        except ParameterError as err:
            error.set(public_message(err))
            return False
        return restart({**settings.value, "scenario_name": name, COMPARE_VALUES: {}, **values})

    def on_change(name: str, value: Any) -> None:
        if name == "compare_with":
            restart({**settings.value, name: value, COMPARE_VALUES: {}})
            return
        new = with_value(settings.value, name, value, arm.value)
        if name in RUN_SETTINGS or name in FIXED_DURING_RUN:
            restart(new)
            return
        try:
            model.value.set_value(name, value, arm.value)
        except ParameterError as err:
            error.set(public_message(err))
            return
        error.set("")
        settings.set(new)

    return Session(settings, model, frame, error, arm, bands, on_change, on_scenario, restart, publish)
