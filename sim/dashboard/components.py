"""The dashboard's views: Solara components for the run controls, the lever inputs, key figures and plots.

Built from Mesa's own SolaraViz parts where they fit: `UserInputs` (inputs from the Mesa
`model_params` specs of `sim.dashboard.inputs`) and Mesa's buttons and play loop, re-done in
`sim.dashboard.controller` so that the page redraws after the last step of each batch. Every view
draws the session's frame (`sim.dashboard.frames`), never the live model, so the status line, the
plots and the people always show the same day. Each component draws one part of the page from the
state it is handed (`sim.dashboard.session.Session`), so `sim.dashboard.app.Page` only composes
them; styles and layout constants live here, next to the widgets they shape.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization.solara_viz import UserInputs

from sim.dashboard.bands import Bands
from sim.dashboard.controller import DAYS_PER_STEP, PLAY_INTERVAL_MS, BandControls, Controls
from sim.dashboard.export import download_links
from sim.dashboard.frames import Frame
from sim.dashboard.inputs import model_params
from sim.dashboard.people import PEOPLE_CSS, people_html
from sim.dashboard.plots import PLOTS, render_png
from sim.dashboard.runs import ARMS, NO_COMPARISON
from sim.dashboard.session import Session
from sim.model.scenario import list_scenarios

HORIZON_RANGE = (50, 2500, 50)  # min, max, step of the horizon slider (working days)
# Two columns that scroll on their own (the left one a plain block, so cards keep their height).
# Solara's AppLayout sidebar (a vuetify 3 navigation drawer of width "min-content") would overlap
# the main area once its content is wider than the default drawer.
SIDEBAR_STYLE = {
    "width": "350px",
    "min-width": "350px",
    "height": "100vh",
    "overflow-y": "auto",
    "padding": "8px",
}
# Slider labels (with their values) get a fixed share of the row (a vuetify 3 input is a CSS grid)
# and wrap, so long labels leave the slider room; by default the label takes all it asks for.
CSS = (
    """
.sim-inputs .v-slider.v-input--horizontal { grid-template-columns: 48% minmax(0, 1fr) max-content; }
.sim-inputs .v-slider .v-input__prepend { margin-inline-end: 8px; }
.sim-inputs .v-slider .v-label { white-space: normal; line-height: 1.25; font-size: 14px; opacity: 0.85; }
.sim-inputs .v-input { margin-bottom: 2px; }
.sim-plot-day { font-size: 13px; color: #666; padding-left: 6px; }
.sim-people { max-height: 460px; overflow-y: auto; }
.sim-main > * { flex-shrink: 0; }  /* a column of fixed height would squeeze its last cards */
"""
    + PEOPLE_CSS
)
MAIN_STYLE = {"flex": "1", "min-width": "0", "height": "100vh", "overflow-y": "auto", "padding": "8px 12px"}


# Solara components are CamelCase functions by convention (hence the noqa: N802).
@solara.component
def KeyFigures(frame: Frame) -> None:  # noqa: N802
    """Status and key figures of every run, as of the frame's day."""
    with solara.Card("Key figures", style={"height": "100%"}):
        solara.HTML(tag="div", unsafe_innerHTML=frame.figures)


@solara.component
def PlotView(frame: Frame, name: str, bands: Bands | None) -> None:  # noqa: N802
    """One of PLOTS as of the frame's day, with bands over replications when they are ready."""
    draw, size = PLOTS[name]

    def render() -> bytes:
        runs = frame.runs
        if bands is not None:
            runs = [dataclasses.replace(r, band=bands.arms.get(r.label)) for r in runs]
        return render_png(draw, runs, frame.horizon, size)

    png = solara.use_memo(render, [frame.serial, id(bands)])
    with solara.Card(style={"padding": "4px"}):
        solara.Image(png, format="png", width="100%")
        solara.HTML(tag="div", unsafe_innerHTML=f"as of day {frame.day}", classes=["sim-plot-day"])


@solara.component
def PeopleView(frame: Frame) -> None:  # noqa: N802
    """Every rep and marketer of each run (Mesa's agents as a small-multiples table)."""
    with solara.Card(f"People on day {frame.day}", classes=["sim-people-card"]):
        for view in frame.people:
            solara.HTML(tag="div", unsafe_innerHTML=people_html(view), classes=["sim-people"])


@solara.component
def Downloads(session: Session) -> None:  # noqa: N802
    """Each run's time series and summary as CSV, and its levers as a scenario file.

    "Prepare downloads" takes the files at the day shown and offers them as links the browser
    saves (data: URLs, so nothing leaves the machine); solara 1.58's FileDownload does not show
    under vuetify 3. Taken on request, not with every frame: a long run's table is large.
    """
    model = session.model.value
    prepared = solara.use_reactive(None)  # (model, links HTML), or None
    links = prepared.value[1] if prepared.value is not None and prepared.value[0] is model else ""
    with solara.Card("Download"):
        solara.Button(
            "Prepare downloads", on_click=lambda: prepared.set((model, download_links(model))), outlined=True
        )
        if links:
            solara.HTML(tag="div", unsafe_innerHTML=links, classes=["sim-downloads"])


@solara.component
def ArmPicker(session: Session) -> None:  # noqa: N802
    """Which run the lever inputs steer: the first, the second or both (shown side by side only)."""
    runs = session.model.value.runs
    if len(runs) < 2:
        return
    names = {"first": runs[0].label, "second": runs[1].label, "both": "both"}
    by_name = {v: k for k, v in names.items()}
    with solara.Card("Steer", classes=["sim-inputs"]):
        solara.Select(
            "Levers act on",
            value=names[session.arm.value],
            values=[names[arm] for arm in ARMS],
            on_value=lambda v: session.arm.set(by_name[v]),
        )
        solara.Text(
            "A change is marked on the plots in the colour of the run it acts on. Market values act on both.",
            style={"font-size": "13px", "color": "#666"},
        )


@solara.component
def RunCard(session: Session) -> None:  # noqa: N802
    """Scenario, comparison, seed, horizon, and Step / Play / Reset."""
    settings, on_change, on_scenario = session.settings, session.on_change, session.on_scenario
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    days_per_step = solara.use_reactive(DAYS_PER_STEP)
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
        Controls(session, days_per_step, play_interval)
        solara.SliderInt(f"Days per step: {days_per_step.value}", value=days_per_step, min=1, max=21)
        solara.SliderInt(
            f"Play interval: {play_interval.value} ms", value=play_interval, min=0, max=1000, step=50
        )
        solara.Text(
            "Levers act from the next working day (dotted line on the plots). Team sizes, scenario, "
            "comparison, seed and horizon start a new run. Reset restarts with the values shown.",
            style={"font-size": "13px", "color": "#666"},
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
    """The left column: run controls, which run to steer, bands, then one card of levers per group."""
    with solara.Div(style=SIDEBAR_STYLE):
        RunCard(session)
        ArmPicker(session)
        BandControls(session)
        for group, specs in model_params(session.shown_values()).items():
            with solara.Card(group, classes=["sim-inputs"]):
                LeverInputs(specs, session.on_change)


@solara.component
def MainView(session: Session, names: str) -> None:  # noqa: N802
    """The right column: title, the last error (if any), key figures, every plot, people, downloads."""
    frame, error = session.frame.value, session.error.value
    with solara.Column(style=MAIN_STYLE, classes=["sim-main"]):
        solara.Text(
            f"Sales & marketing dashboard: {names}", style={"font-size": "20px", "font-weight": "500"}
        )
        if error:  # solara.Error passes text=True, which ipyvuetify 3's Alert refuses
            solara.v.Alert(type="error", text=error, variant="tonal", density="compact")
        with solara.GridFixed(columns=2, align_items="stretch"):
            KeyFigures(frame)
            for name in PLOTS:
                PlotView(frame, name, session.bands.value)
        PeopleView(frame)
        Downloads(session)
