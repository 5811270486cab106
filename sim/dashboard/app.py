"""The dashboard: move an organisation's levers and watch sales and marketing respond, day by day.

A Mesa visualization app served by Solara: `python run.py dashboard` starts it (`sim.cli.dashboard`),
and Solara looks for `Page` in this module. Managers pick a scenario, move sliders, press Step or
Play and watch revenue, the funnel, response time, do-it-yourself collateral, brand consistency and
trust. A side-by-side mode runs a second structure with the same seed and draws both on the same axes.

How it is built, one module per part so each stays small and every import points one way:

- `sim.dashboard.runs`: `DashboardModel`, a Mesa model with flat keyword parameters (scenario name,
  comparison, seed, horizon and any parameter by name) that wraps one or two `SalesMarketingModel`s.
  The simulation never imports the dashboard.
- `sim.dashboard.inputs`: the inputs as Mesa `model_params` specs, built from the parameters'
  metadata (range, choices, unit, label).
- `sim.dashboard.components`: the page is made of Mesa's own SolaraViz parts: `ModelController`
  (Step, Play, Reset and the play loop), `UserInputs` and Mesa's `update_counter` that refreshes the
  plots after a step. It lays them out itself rather than calling `SolaraViz(...)`, because SolaraViz
  3.5 keeps the parameter dict private and shows every input in one flat list: grouped levers, and a
  scenario picker that moves the sliders to the scenario's values, need that dict in our hands.
- `sim.dashboard.session`: levers act on the running model from the next working day, as an
  intervention (the model's own way of changing levers mid-run), and are drawn as a dotted line. What
  defines a run's start (team sizes, scenario, comparison, seed, horizon) starts a new run. Reset
  restarts with what the inputs show.
- `sim.dashboard.key_figures` and `sim.dashboard.plots`: plots are matplotlib PNGs rendered on the
  server, so the page loads no plotting library; with `solara-assets` installed every script, style
  and font is served locally.
"""

from __future__ import annotations

import solara

from sim.dashboard.components import CSS, MainView, Sidebar
from sim.dashboard.session import use_session


# Solara components are CamelCase functions by convention (hence the noqa: N802).
@solara.component
def Page() -> None:  # noqa: N802
    """The dashboard page: run controls and grouped levers on the left, key figures and plots."""
    session = use_session()
    names = " vs ".join(run.label for run in session.model.value.runs)
    solara.Title(f"Sales & marketing: {names}")
    solara.Style(CSS)
    with solara.Row(gap="0px", style={"height": "100vh", "flex-wrap": "nowrap"}):
        Sidebar(session)
        MainView(session, names)
