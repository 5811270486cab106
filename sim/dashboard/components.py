"""The dashboard's views: Solara components for the run controls, the lever inputs, key figures and plots.

Built from Mesa's own SolaraViz parts: `ModelController` (Step, Play, Reset and the play loop),
`UserInputs` (inputs from the Mesa `model_params` specs of `sim.dashboard.inputs`) and Mesa's
`update_counter` that refreshes the plots after a step. Each component draws one part of the page
from the state it is handed (`sim.dashboard.session.Session`), so `sim.dashboard.app.Page` only
composes them; styles and layout constants live here, next to the widgets they shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController, UserInputs
from mesa.visualization.utils import update_counter

from sim.dashboard.inputs import model_params
from sim.dashboard.key_figures import kpi_html
from sim.dashboard.plots import PLOTS, render_png
from sim.dashboard.runs import NO_COMPARISON, DashboardModel
from sim.dashboard.session import Session
from sim.model.scenario import list_scenarios

HORIZON_RANGE = (50, 2500, 50)  # min, max, step of the horizon slider (working days)
DAYS_PER_STEP = 5  # one working week per Step press and per frame of Play
PLAY_INTERVAL_MS = 100
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
def Sidebar(session: Session) -> None:  # noqa: N802
    """The left column: run controls, then one card of lever inputs per group."""
    with solara.Div(style=SIDEBAR_STYLE):
        RunCard(session.settings, session.model, session.on_change, session.on_scenario)
        for group, specs in model_params(session.settings.value).items():
            with solara.Card(group, classes=["sim-inputs"]):
                LeverInputs(specs, session.on_change)


@solara.component
def MainView(model: DashboardModel, names: str, error: str) -> None:  # noqa: N802
    """The right column: title, the last error (if any), key figures and every plot."""
    with solara.Column(style=MAIN_STYLE):
        solara.Text(
            f"Sales & marketing dashboard: {names}", style={"font-size": "20px", "font-weight": "500"}
        )
        if error:  # solara.Error passes text=True, which ipyvuetify 3's Alert refuses
            solara.v.Alert(type="error", text=error, variant="tonal", density="compact")
        with solara.GridFixed(columns=2, align_items="stretch"):
            KeyFigures(model)
            for name in PLOTS:
                PlotView(model, name)
