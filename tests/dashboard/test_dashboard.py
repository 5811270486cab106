"""The dashboard without a browser: inputs from metadata, the model wrapper, the page (solara.render)
and the `dashboard` command's input checks.

The real-browser test is tests/dashboard/test_dashboard_browser.py.
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import pytest
import solara

from sim.cli import dashboard as cli_dashboard
from sim.cli import main as cli
from sim.dashboard import app, inputs, plots, runs
from sim.dashboard import key_figures as figures
from sim.dashboard.files import ENV_FOLDER
from sim.model.model import SalesMarketingModel
from sim.model.params import FIXED_DURING_RUN, Intervention, ParameterError, parameter_fields
from sim.model.scenario import SCENARIO_DIR, load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


# ---------------------------------------------------------------------- inputs from metadata
def test_every_labelled_lever_has_an_input_and_every_grouped_name_exists():
    fields = parameter_fields()
    shown = inputs.shown_parameters()
    assert {n for n, (_, f) in fields.items() if f.metadata["label"]} <= set(shown)
    assert all(name in fields for names in inputs.GROUPS.values() for name in names)
    assert len(shown) == len(set(shown))
    assert list(inputs.input_groups())[:4] == ["Structure", "Marketing", "Sales", "Market"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_inputs_hold_each_scenario_value_on_their_step_grid(scenario):
    """A slider that cannot show a scenario's value (off range, off grid) would change it in the browser."""
    for name, value in inputs.scenario_values(load_scenario(scenario)).items():
        spec = inputs.input_spec(name, value)
        field = parameter_fields()[name][1]
        if spec["type"] == "Checkbox":
            assert isinstance(field.default, bool)
        elif spec["type"] == "Select":
            assert spec["values"] == list(field.metadata["choices"]) and value in spec["values"]
        else:
            assert spec["type"] == ("SliderInt" if type(field.default) is int else "SliderFloat")
            assert field.metadata["low"] <= spec["min"] <= value <= spec["max"] <= field.metadata["high"]
            positions = (value - spec["min"]) / spec["step"]
            assert math.isclose(positions, round(positions), abs_tol=1e-6), (name, value, spec)
            fine_enough = spec["step"] == 1 if spec["type"] == "SliderInt" else positions_in(spec) >= 20
            assert fine_enough and positions_in(spec) <= 1000, (name, spec)


def positions_in(spec: dict) -> float:
    return (spec["max"] - spec["min"]) / spec["step"]


def test_labels_show_values_with_units():
    assert inputs.input_spec("marketing_budget_share", 0.08)["label"] == "Marketing budget share: 8.0%"
    assert (
        inputs.input_spec("sla_first_contact_hours", 2.0)["label"] == "SLA on first contact (0 = none): 2.0 h"
    )
    assert inputs.input_spec("deal_value_mean", 30000.0)["label"] == "Average deal size: 30,000"
    assert inputs.input_spec("rotation_share", 0.03)["label"] == "Job rotation: 3.0% of days"
    assert inputs.input_spec("n_reps", 150)["max"] == 150  # a slider stretches to hold the value


# ---------------------------------------------------------------------- the model wrapper
def stepped(model, days):
    for _ in range(days):
        model.step()
    return model


def test_wrapper_runs_exactly_the_model_it_wraps():
    scenario = load_scenario("integrate_at_month_6")
    direct = SalesMarketingModel(scenario.params, seed=3, interventions=scenario.interventions).run(140)
    wrapped = stepped(runs.DashboardModel("integrate_at_month_6", seed=3), 140)
    assert wrapped.runs[0].model.daily == direct.daily
    assert wrapped.runs[0].events[0] == (126, "integrate sales and marketing")


def test_a_lever_moved_mid_run_acts_like_an_intervention_from_the_next_day():
    model = stepped(runs.DashboardModel("segregated", seed=5), 10)
    model.set_value("shared_goals", 1.0)
    model.set_value("lead_acceptance_by", "shared")
    stepped(model, 10)
    scenario = load_scenario("segregated")
    change = Intervention(10, {"shared_goals": 1.0, "lead_acceptance_by": "shared"})
    direct = SalesMarketingModel(scenario.params, seed=5, interventions=[change]).run(20)
    assert model.runs[0].model.daily == direct.daily
    assert model.changes == [
        (10, "segregated", "shared_goals", 1.0),
        (10, "segregated", "lead_acceptance_by", "shared"),
    ]


def test_side_by_side_shares_seed_and_market_but_not_levers():
    model = stepped(runs.DashboardModel("segregated", "integrated", seed=2, deal_value_mean=50_000.0), 5)
    first, other = (run.model for run in model.runs)
    assert first.p.market == other.p.market and other.p.market.deal_value_mean == 50_000
    assert other.p.levers == load_scenario("integrated").params.levers
    model.set_value("base_win_rate", 0.3)
    model.set_value("shared_goals", 0.5)
    stepped(model, 1)
    assert first.p.market.base_win_rate == other.p.market.base_win_rate == 0.3
    assert (first.p.levers.shared_goals, other.p.levers.shared_goals) == (0.5, 1.0)
    labels = [r.label for r in runs.DashboardModel("defined", "defined").runs]
    assert labels == ["defined", "defined (as in its file)"]


def test_team_sizes_and_bad_values_are_refused_mid_run():
    model = runs.DashboardModel()
    for name in FIXED_DURING_RUN:
        with pytest.raises(ParameterError, match="fixed during a run"):
            model.set_value(name, 3)
    with pytest.raises(ParameterError):
        model.set_value("shared_goals", 2.0)
    with pytest.raises(ParameterError):
        runs.DashboardModel(seed=-1)
    with pytest.raises(ParameterError):
        runs.DashboardModel(n_rep=3)


def test_runs_stop_at_the_horizon():
    model = stepped(runs.DashboardModel(horizon=7), 10)
    assert model.day == 7 and not model.running
    assert "finished" in figures.status_line(model)


def test_plots_render_before_and_after_the_first_day():
    model = runs.DashboardModel("segregated", "integrated")
    data = model.run_data()
    empty = {name: plots.render_png(d, data, 500, size) for name, (d, size) in plots.PLOTS.items()}
    assert all(png.startswith(b"\x89PNG") for png in empty.values())
    stepped(model, 30)
    for name, (draw, size) in plots.PLOTS.items():
        assert plots.render_png(draw, model.run_data(), 500, size) != empty[name], name


def test_key_figures_escape_scenario_names():
    model = runs.DashboardModel()
    model.runs[0].label = "<script>x</script>"
    assert "<script>" not in figures.kpi_html(model)


# ---------------------------------------------------------------------- the page (no browser)
@pytest.fixture
def page(monkeypatch):
    """The rendered page and its render context; opens segregated with seed 1."""
    for name in (runs.ENV_SCENARIO, runs.ENV_COMPARE, runs.ENV_SEED, ENV_FOLDER):
        monkeypatch.delenv(name, raising=False)
    box, rc = solara.render(app.Page(), handle_error=False)
    yield rc
    rc.close()


def key_figures(rc) -> str:
    """The key-figures panel's HTML: status line, KPI table, the user's lever changes."""
    (widget,) = [w for w in rc.find(solara.widgets.HTML).widgets if "sim-status" in w.unsafe_innerHTML]
    return widget.unsafe_innerHTML


def images(rc) -> list[bytes]:
    return [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]


def slider(rc, label: str):
    (widget,) = [w for w in rc.find(v.Slider).widgets if str(w.label).startswith(label)]
    return widget


def select(rc, label: str):
    (widget,) = [w for w in rc.find(v.Select).widgets if w.label == label]
    return widget


def test_step_advances_the_model_and_redraws_every_plot(page):
    assert "Day 0 of 500" in key_figures(page)
    before = images(page)
    assert len(before) == len(plots.PLOTS)
    page.find(v.Btn, children=["Step"]).widget.click()
    assert "Day 5 of 500" in key_figures(page)  # a Step is a working week (Mesa's render interval)
    after = images(page)
    assert all(a != b for a, b in zip(before, after, strict=True))
    page.find(v.Btn, children=["Reset"]).widget.click()
    assert "Day 0 of 500" in key_figures(page)


def test_a_moved_slider_shows_its_value_and_acts_from_the_next_day(page):
    slider(page, "Shared goals").v_model = 0.5
    assert slider(page, "Shared goals").label == "Shared goals: 50%"
    page.find(v.Btn, children=["Step"]).widget.click()
    assert "day 0: Shared goals = 50%" in key_figures(page)
    page.find(v.Btn, children=["Reset"]).widget.click()  # Reset starts again from what the inputs show
    assert slider(page, "Shared goals").label == "Shared goals: 50%"
    assert "Day 0 of 500" in key_figures(page) and "none yet" in key_figures(page)


def test_picking_a_scenario_moves_the_sliders_and_starts_again(page):
    page.find(v.Btn, children=["Step"]).widget.click()
    select(page, "Scenario").v_model = "integrated"
    assert "Day 0 of 500" in key_figures(page)
    assert slider(page, "SLA on first contact").label.endswith(": 2.0 h")
    assert select(page, "Marketing measured on").v_model == "revenue"


def test_side_by_side_adds_a_second_run_to_the_figures(page):
    select(page, "Side by side with").v_model = "integrated"
    page.find(v.Btn, children=["Step"]).widget.click()
    html = key_figures(page)
    assert ">segregated</th>" in html and ">integrated</th>" in html and "Day 5 of 500" in html


def test_a_bad_scenario_file_shows_one_line_and_keeps_the_run(page, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_FOLDER, str(tmp_path))  # as if the dashboard was started there
    bad = tmp_path / "bad.toml"
    bad.write_text("[levers]\nn_rep = 3\n")
    page.find(v.TextField, label="or a scenario file (.toml)").widget.v_model = str(bad)
    page.find(v.Btn, children=["Load"]).widget.click()
    (alert,) = page.find(v.Alert).widgets
    assert "unknown key" in alert.text and "n_rep" in alert.text
    assert alert.text.startswith("bad.toml: levers.n_rep:") and str(tmp_path) not in alert.text
    assert select(page, "Scenario").v_model == "segregated"
    assert str(bad) not in select(page, "Scenario").items
    page.find(v.TextField, label="or a scenario file (.toml)").widget.v_model = "/etc/passwd"
    page.find(v.Btn, children=["Load"]).widget.click()
    assert "expected a path ending in .toml" in page.find(v.Alert).widget.text


def test_a_scenario_file_loads_and_joins_the_picker(page, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_FOLDER, str(tmp_path))
    good = tmp_path / "client.toml"
    good.write_text("[levers]\nn_reps = 12\nshared_goals = 0.5\n")
    page.find(v.TextField, label="or a scenario file (.toml)").widget.v_model = str(good)
    page.find(v.Btn, children=["Load"]).widget.click()
    assert select(page, "Scenario").v_model == str(good) and str(good) in select(page, "Scenario").items
    assert slider(page, "Sales reps").label == "Sales reps: 12"
    assert ">client</th>" in key_figures(page)
    assert not page.find(v.Alert).widgets


# ---------------------------------------------------------------------- boundaries and the command
def test_the_model_and_the_command_line_do_not_import_the_dashboard():
    code = (
        "import sys, sim.model.model, sim.api, sim.cli.main, sim.cli.dashboard\n"
        "loaded = [m for m in sys.modules if m.startswith(('solara', 'sim.dashboard', 'ipyvuetify'))]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


@pytest.fixture
def main(monkeypatch):
    """sim.cli.main.main with `dashboard` registered (whether or not sim/cli.py lists it yet)."""
    if cli_dashboard.register_dashboard not in cli.REGISTRARS:
        monkeypatch.setattr(cli, "REGISTRARS", [*cli.REGISTRARS, cli_dashboard.register_dashboard])
    monkeypatch.setattr(cli_dashboard, "serve", lambda host, port: pytest.fail("must not serve"))
    return lambda *args: cli.main(["dashboard", *map(str, args)])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no_such_scenario"], "unknown scenario"),
        (["segregated", "--compare", "nope"], "unknown scenario"),
        (["--seed", "-1"], "--seed"),
        (["--port", "70000"], "--port: must be between 0 and 65535"),
        (["--host", "192.0.2.1", "--allow-remote"], "cannot listen"),  # TEST-NET-1: not this machine's
        (["--host", "0.0.0.0"], "--host 0.0.0.0: other machines could reach the dashboard"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(main, capsys, args, message):
    assert main(*args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_a_busy_port_is_refused(main, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main("--port", busy.getsockname()[1]) == 2
    assert "cannot listen" in capsys.readouterr().err


def test_missing_extra_says_how_to_install(main, capsys, monkeypatch):
    monkeypatch.setattr(cli_dashboard, "missing_packages", lambda: ["solara-assets"])
    assert main("--port", 0) == 1
    assert "pip install -e '.[dashboard]'" in capsys.readouterr().err


def test_good_input_serves_with_the_scenario_and_offline_settings(monkeypatch, capsys, tmp_path):
    calls = []
    if cli_dashboard.register_dashboard not in cli.REGISTRARS:
        monkeypatch.setattr(cli, "REGISTRARS", [*cli.REGISTRARS, cli_dashboard.register_dashboard])
    monkeypatch.setattr(cli_dashboard, "serve", lambda host, port: calls.append((host, port)))
    for name in [*cli_dashboard.SERVER_ENV, runs.ENV_SCENARIO, runs.ENV_COMPARE, runs.ENV_SEED, ENV_FOLDER]:
        monkeypatch.delenv(name, raising=False)
    scenario = tmp_path / "client.toml"
    scenario.write_text("[levers]\nn_reps = 12\n")
    assert (
        cli.main(["dashboard", str(scenario), "--compare", "integrated", "--seed", "4", "--port", "0"]) == 0
    )
    ((host, port),) = calls
    assert host == "127.0.0.1" and port > 0
    assert capsys.readouterr().out.startswith(f"Dashboard: http://127.0.0.1:{port}")
    assert os.environ[runs.ENV_SCENARIO] == str(scenario.resolve())
    assert os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    settings = runs.initial_settings()
    assert settings["n_reps"] == 12 and settings["compare_with"] == "integrated" and settings["seed"] == 4
    assert settings["shared_goals"] == 0.0  # the file's other levers keep their defaults


def test_two_structures_side_by_side_say_their_gap_is_the_long_runs():
    pair = figures.kpi_html(runs.DashboardModel("segregated", "integrated"))
    assert "steady state" in pair and "integrate_on_day_0" in pair
    for alone in (runs.DashboardModel("segregated"), runs.DashboardModel("defined", "defined")):
        assert "sim-compare-note" not in figures.kpi_html(alone)
