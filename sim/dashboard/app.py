"""The dashboard: move an organisation's levers and watch sales and marketing respond, day by day.

A Mesa visualization app served by Solara: `python run.py dashboard` starts it (`sim.cli.dashboard`),
and Solara looks for `Page` in this module. Managers pick a scenario, move sliders, press Step or
Play and watch revenue, the funnels, response time, do-it-yourself collateral, brand consistency,
trust and the people. A side-by-side mode runs a second structure with the same seed and draws both
on the same axes; either run, or both, can be steered.

How it is built, one module per part so each stays small and every import points one way:

- `sim.dashboard.runs`: `DashboardModel`, a Mesa model with flat keyword parameters (scenario name,
  comparison, seed, horizon and any parameter by name) that wraps one or two `SalesMarketingModel`s.
  The simulation never imports the dashboard.
- `sim.dashboard.inputs`: the inputs as Mesa `model_params` specs, built from the parameters'
  metadata (range, choices, unit, label).
- `sim.dashboard.session`: levers act on the running model from the next working day, as an
  intervention (the model's own way of changing levers mid-run), on the run picked, and are drawn
  as a dotted line in its colour. What defines a run's start (team sizes, scenario, comparison,
  seed, horizon) starts a new run. Reset restarts with what the inputs show.
- `sim.dashboard.controller`: Step, Play, Reset (Mesa's buttons and play loop) and the background
  job that computes bands (`sim.dashboard.bands`, replications over plausible worlds).
- `sim.dashboard.frames`: what the page draws, taken after the last step of each batch, so the status
  line, plots and people show one day.
- `sim.dashboard.components`: the page's views, laid out here rather than by `SolaraViz(...)`, because
  SolaraViz 3.5 keeps the parameter dict private and shows every input in one flat list.
- `sim.dashboard.key_figures`, `sim.dashboard.plots` and `sim.dashboard.people`: the panels. Plots are
  matplotlib PNGs rendered on the server, so the page loads no plotting library; with `solara-assets`
  installed every script, style and font is served locally.
- `sim.dashboard.export`: the downloads (CSV tables, the levers as a scenario file).
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
