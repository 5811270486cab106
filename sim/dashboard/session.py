"""The state of one browser session: its settings, its model, its last error, and how inputs change them.

Solara keeps state in hooks, which only a component's render may call; `use_session` gathers them
and the callbacks that act on them in one place, so the components receive one `Session` and
`sim.dashboard.app.Page` stays a short composition. The rules live here: what defines a run's start
(team sizes, scenario, comparison, seed, horizon) starts a new run; any other lever acts on the
running model from the next working day; a bad value leaves the run alone and shows one line.
Scenario names and files from the page go through `sim.dashboard.files.page_scenario`, and every
message through `public_message`, so the page reads only the files it may and shows no server path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara

from sim.dashboard.files import page_scenario, public_message
from sim.dashboard.inputs import scenario_values
from sim.dashboard.runs import RUN_SETTINGS, DashboardModel, initial_settings
from sim.model.params import FIXED_DURING_RUN, ParameterError
from sim.model.scenario import load_scenario


@dataclass(frozen=True, eq=False)
class Session:
    """What the components of one page share.

    Attributes:
        settings: The values the inputs show (Mesa's `ModelController` builds a new model from them
            on Reset).
        model: The running `DashboardModel`.
        error: The last error as one line, or "".
        on_change: Called with a parameter's name and new value when an input moves.
        on_scenario: Called with a scenario name or `.toml` path; False if it could not be loaded.
    """

    settings: solara.Reactive[dict[str, Any]]
    model: solara.Reactive[DashboardModel]
    error: solara.Reactive[str]
    on_change: Callable[[str, Any], None]
    on_scenario: Callable[[str], bool]


def _one_line(err: Exception) -> str:
    return public_message(err)  # one line, server paths cut to file names


def use_session() -> Session:
    """The page's state and callbacks; a hook, so call it from a component's render."""
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
            values = scenario_values(load_scenario(page_scenario(name)))
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

    return Session(settings, model, error, on_change, on_scenario)
