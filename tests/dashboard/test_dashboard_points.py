"""The manager's dashboard without a browser: steering either run, bands, people, downloads, readable plots.

Each test drives the parts the page is made of (`DashboardModel`, frames, bands, people tables,
exports, plots, the rendered page) directly; tests/dashboard/test_dashboard_browser.py drives the
same points through a real browser.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from sim.dashboard import app, bands, export, frames, people, plots, runs
from sim.dashboard.files import ENV_FOLDER
from sim.experiments.runner import replication_seeds
from sim.experiments.worlds import uncertainties, world_draws, world_values
from sim.model.leads import Collateral
from sim.model.model import SalesMarketingModel
from sim.model.params import Intervention
from sim.model.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def stepped(model, days):
    model.advance(days)
    return model


# ---------------------------------------------------------------------- 1. steer either run
def test_a_lever_acts_on_the_arm_picked_and_market_values_on_both():
    model = stepped(runs.DashboardModel("segregated", "integrated", seed=3), 4)
    model.set_value("shared_goals", 0.5, arm="second")
    model.set_value("feedback_share", 0.7, arm="both")
    model.set_value("base_win_rate", 0.3, arm="first")  # one market: both runs
    stepped(model, 3)
    first, second = (run.model.p for run in model.runs)
    assert (first.levers.shared_goals, second.levers.shared_goals) == (0.0, 0.5)
    assert first.levers.feedback_share == second.levers.feedback_share == 0.7
    assert first.market.base_win_rate == second.market.base_win_rate == 0.3
    assert [label for _, label, name, _ in model.changes if name == "shared_goals"] == ["integrated"]
    assert [e for e in model.runs[0].events if "Shared goals" in e[1]] == []
    assert (4, "you: Shared goals, Field feedback, Base win rate") in model.runs[1].events
    direct = SalesMarketingModel(
        load_scenario("integrated").params,
        seed=3,
        interventions=[Intervention(4, {"shared_goals": 0.5, "feedback_share": 0.7, "base_win_rate": 0.3})],
    ).run(7)
    assert model.runs[1].model.daily == direct.daily  # the second run's change is an intervention too
    with pytest.raises(runs.ParameterError, match="allowed: first, second, both"):
        model.set_value("shared_goals", 0.5, arm="third")


def test_the_second_runs_start_values_survive_a_reset():
    model = runs.DashboardModel(
        "segregated", "integrated", compare_values={"shared_goals": 0.25, "n_reps": 9}
    )
    second = model.runs[1].model.p.levers
    assert (second.shared_goals, second.n_reps) == (0.25, 9)
    assert model.runs[0].model.p.levers.n_reps == load_scenario("segregated").params.levers.n_reps
    assert runs.DashboardModel(**model.settings).runs[1].model.p.levers == second


def test_changes_are_marked_on_the_plots_in_the_colour_of_the_run_they_touched():
    model = stepped(runs.DashboardModel("segregated", "integrated"), 10)
    model.set_value("shared_goals", 0.5, arm="second")
    stepped(model, 10)
    for draw, _ in plots.PLOTS.values():
        if draw is plots.draw_funnel:
            continue
        fig = Figure()
        draw(fig, model.run_data(), 500)
        marks = [
            (to_hex(line.get_color()), line.get_xdata()[0])
            for ax in fig.axes
            for line in ax.lines
            if line.get_linestyle() == ":"
        ]
        assert (plots.RUN_COLOURS[1], 10) in marks and (plots.RUN_COLOURS[0], 10) not in marks
    fig = Figure()
    plots.draw_revenue(fig, model.run_data(), 500)
    labels = [t for t in fig.axes[0].texts if t.get_text() == "you: Shared goals"]
    assert len(labels) == 1 and to_hex(labels[0].get_color()) == plots.RUN_COLOURS[1]


# ---------------------------------------------------------------------- 2. bands
def test_bands_are_paired_replications_in_plausible_worlds():
    model = stepped(runs.DashboardModel("segregated", "integrated", seed=4, horizon=30), 5)
    model.set_value("shared_goals", 0.5)
    arms = bands.arms_of(model)
    assert arms[0].scenario.interventions[-1] == Intervention(5, {"shared_goals": 0.5})  # pending included
    done = []
    result = bands.compute_bands(arms, 4, 30, 5, threading.Event(), lambda d, t: done.append((d, t)))
    assert done == [(k, 10) for k in range(11)]
    assert set(result.arms) == {"segregated", "integrated"} and result.replications == 5
    table = result.arms["segregated"]
    assert table["day"].tolist() == [5, 10, 15, 20, 25, 30]
    for series in bands.SERIES:
        low, mid, high = (table[f"{series}@{q}"] for q in bands.QUANTILES)
        assert (low <= mid).all() and (mid <= high).all()
    assert (table["revenue_to_date@0.9"] > table["revenue_to_date@0.1"]).iloc[-1]  # worlds differ
    # replication 0 is the arm in world 0 with the first replication seed, as `compare` runs it
    space = uncertainties([a.scenario for a in arms])
    world = world_values(world_draws(space, 4, [5]), 0)
    seed = replication_seeds(4, 5)[0]
    params = arms[1].scenario.params.with_values(world)
    direct = SalesMarketingModel(params, seed=seed, interventions=arms[1].scenario.interventions).run(30)
    one = bands.replicate(arms[1], seed, world, 30, threading.Event())
    assert one["revenue_to_date"].iloc[-1] == pytest.approx(sum(direct.daily["revenue"]))


def test_bands_stop_when_cancelled_and_take_5_to_20_replications():
    model = runs.DashboardModel("segregated", horizon=50)
    cancel = threading.Event()
    cancel.set()
    assert bands.compute_bands(bands.arms_of(model), 1, 50, 5, cancel) is None
    seen = []
    bands.compute_bands(bands.arms_of(model), 1, 5, 50, threading.Event(), lambda d, t: seen.append(t))
    assert seen[-1] == bands.REPLICATIONS[1]


def test_bands_are_drawn_as_median_and_shaded_band():
    model = stepped(runs.DashboardModel("segregated", horizon=20), 20)
    result = bands.compute_bands(bands.arms_of(model), 1, 20, 5, threading.Event())
    data = [
        plots.RunData(r.label, r.weekly, r.totals, r.events, result.arms["segregated"])
        for r in model.run_data()
    ]
    fig = Figure()
    plots.draw_revenue(fig, data, 20)
    (ax,) = fig.axes
    assert len(ax.collections) == 1  # the shaded band
    assert any(line.get_linestyle() == "--" for line in ax.lines)  # the median
    assert "median, 80% band" in [t.get_text() for t in ax.get_legend().get_texts()]


# ---------------------------------------------------------------------- 3. people
def test_people_tables_hold_every_rep_and_marketer_with_their_state():
    model = stepped(runs.DashboardModel("hybrid_small", seed=2), 60)
    sim = model.runs[0].model
    reps, marketers = people.rep_table(sim), people.marketer_table(sim)
    assert len(reps) == 3 + 2 and len(marketers) == 1 + 2
    assert reps["hybrid"].tolist() == [False] * 3 + [True] * 2
    assert marketers["marketing_hours"].tolist() == [1.0, 0.4, 0.4]
    assert reps["queue"].sum() == len(sim.queue_idx) and reps["open_deals"].sum() == len(sim.opp_idx)
    assert np.array_equal(reps["trust"], sim.reps.trust) and np.array_equal(
        marketers["trust"], sim.marketers.trust
    )
    leads = sim.leads
    built = (leads.collateral == Collateral.DIY) & (leads.request_day >= 0)
    assert reps["diy_assets"].sum() == built.sum()
    assert reps["person"].str.startswith("hybrid").sum() == 2
    page = people.people_html(people.people("<b>x</b>", sim))
    assert page.count("sim-hybrid") == 4 and "<b>x</b>" not in page


def test_segregated_reps_build_their_own_collateral_and_it_shows_per_rep():
    model = stepped(runs.DashboardModel("segregated", seed=1), 80)
    reps = people.rep_table(model.runs[0].model)
    assert reps["diy_assets"].sum() > 0 and reps["diy_assets"].max() < reps["diy_assets"].sum()


# ---------------------------------------------------------------------- 4. downloads
def test_the_levers_file_round_trips_through_the_scenario_loader(tmp_path, cli):
    model = stepped(runs.DashboardModel("integrate_at_month_6", "integrated", seed=2), 10)
    model.set_value("shared_goals", 0.35)
    model.set_value("lead_acceptance_by", "shared")
    model.set_value("colocation", True, arm="second")
    for index in (0, 1):
        path = tmp_path / f"arm{index}.toml"
        path.write_text(export.scenario_toml(model, index))
        loaded = load_scenario(path)
        assert loaded.params.flat() == model.current_values(index)
        assert loaded.interventions == ()
    assert load_scenario(tmp_path / "arm0.toml").params.levers.shared_goals == 0.35
    done = cli("run", tmp_path / "arm0.toml", "--days", "3", "--quiet", "--out", tmp_path)
    assert done.returncode == 0, done.stderr


def test_the_csv_files_hold_the_run_so_far():
    model = stepped(runs.DashboardModel("segregated", "integrated", seed=2), 12)
    for index in (0, 1):
        series = pd.read_csv(io.StringIO(export.timeseries_csv(model, index)))
        summary = pd.read_csv(io.StringIO(export.summary_csv(model, index)))
        assert len(series) == 12 and summary.loc[0, "day"] == 12
        assert summary.loc[0, "revenue"] == pytest.approx(series["revenue"].sum())
        assert summary.loc[0, "scenario"] == model.runs[index].label
    links = export.download_links(model)
    assert links.count('class="sim-download"') == 6 and 'download="integrated_levers.toml"' in links


# ---------------------------------------------------------------------- 5. readable and honest
def test_a_frame_is_one_moment_of_every_panel():
    model = stepped(runs.DashboardModel("segregated", "integrated"), 7)
    frame = frames.take_frame(model)
    stepped(model, 7)  # the model moves on; the frame does not
    assert frame.day == 7 and "Day 7 of 500" in frame.status and "Day 7 of 500" in frame.figures
    assert all(r.weekly["day"].iloc[-1] == 7 for r in frame.runs)
    assert frames.take_frame(model).serial > frame.serial


def test_the_funnel_is_linear_with_counts_and_rates_of_both_sources():
    model = stepped(runs.DashboardModel("segregated", "integrated"), 40)
    fig = Figure()
    plots.draw_funnel(fig, model.run_data(), 500)
    assert [ax.get_xscale() for ax in fig.axes] == ["linear", "linear"]
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["marketing-sourced funnel", "rep-sourced funnel"]
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    totals = model.runs[0].totals()
    assert f"{totals['inquiries']:,.0f}" in texts and f"{totals['prospects']:,.0f}" in texts
    assert f"{totals['mqls']:,.0f} ({100 * totals['mql_rate']:.0f}%)" in texts


def test_plot_fonts_are_bigger_than_matplotlibs_default_and_only_for_the_dashboard():
    import matplotlib

    before = dict(matplotlib.rcParams)
    seen = {}

    def draw(fig, runs, horizon):
        seen.update({k: matplotlib.rcParams[k] for k in plots.RC})

    plots.render_png(draw, [], 500)
    assert all(float(seen[k]) >= 10.5 for k in plots.RC if k != "legend.fontsize")
    assert dict(matplotlib.rcParams) == before


# ---------------------------------------------------------------------- the page (no browser)
@pytest.fixture
def page(monkeypatch):
    for name in (runs.ENV_SCENARIO, runs.ENV_COMPARE, runs.ENV_SEED, ENV_FOLDER):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(runs.ENV_COMPARE, "integrated")
    box, rc = solara.render(app.Page(), handle_error=False)
    yield rc
    rc.close()


def slider(rc, label):
    (widget,) = [w for w in rc.find(v.Slider).widgets if str(w.label).startswith(label)]
    return widget


def select(rc, label):
    (widget,) = [w for w in rc.find(v.Select).widgets if w.label == label]
    return widget


def html_with(rc, css: str) -> list[str]:
    return [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if css in w.unsafe_innerHTML]


def test_the_page_steers_the_run_picked_and_keeps_it_on_reset(page):
    select(page, "Levers act on").v_model = "integrated"
    assert slider(page, "Shared goals").label == "Shared goals: 100%"
    slider(page, "Shared goals").v_model = 0.6
    page.find(v.Btn, children=["Step"]).widget.click()
    (figures,) = html_with(page, "sim-status")
    assert "day 0: Shared goals = 60% (integrated)" in figures
    slider(page, "Average deal size").v_model = 50_000.0  # one market: both runs, whichever is steered
    assert slider(page, "Average deal size").label == "Average deal size: 50,000"
    select(page, "Levers act on").v_model = "segregated"
    assert slider(page, "Shared goals").label == "Shared goals: 0%"
    assert slider(page, "Average deal size").label == "Average deal size: 50,000"
    page.find(v.Btn, children=["Reset"]).widget.click()
    select(page, "Levers act on").v_model = "integrated"
    assert slider(page, "Shared goals").label == "Shared goals: 60%"
    assert slider(page, "Average deal size").label == "Average deal size: 50,000"


def test_a_step_of_several_days_shows_its_last_day_everywhere(page):
    slider(page, "Days per step").v_model = 9
    page.find(v.Btn, children=["Step"]).widget.click()
    (figures,) = html_with(page, "sim-status")
    assert "Day 9 of 500" in figures
    assert html_with(page, "as of day") == ["as of day 9"] * len(plots.PLOTS)
    assert len(html_with(page, "sim-people-run")) == 2
