"""The command line as a user meets it: subprocesses, exit codes, stdout, stderr, files."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from sim.model import metrics
from sim.model.scenario import SCENARIO_DIR, load_scenario
from sim.output import PACKAGES


def assert_clean_error(done, *expected: str) -> str:
    """Exit code 2, one `error:` line on stderr containing `expected`, nothing else."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    for part in expected:
        assert part in lines[0]
    return lines[0]


# ---------------------------------------------------------------------- bad input
BAD_ARGS = [
    (["run", "segregatd"], ["unknown scenario 'segregatd'", "did you mean 'segregated'", "allowed: aligned"]),
    (["run", "nothere.toml"], ["nothere.toml: file not found"]),
    (["run", "defined", "--days", "0"], ["days: must be a whole number >= 1, got 0"]),
    (["run", "defined", "--seed", "-1"], ["seed: must be between 0"]),
    (["run", "defined", "--set", "n_reps"], ["--set: 'n_reps': expected KEY=VALUE"]),
    (["run", "defined", "--set", "=3"], ["expected KEY=VALUE"]),
    (["run", "defined", "--set", "n_rep=3"], ["--set: n_rep: unknown key", "did you mean 'n_reps'"]),
    (["run", "defined", "--set", "n_reps=-3"], ["--set: n_reps: out of range: -3"]),
    (["run", "defined", "--set", "colocation=yes"], ["--set: colocation: wrong type", "true or false"]),
    (["run", "defined", "--set", "shared_goals=[1]"], ["--set: shared_goals:", "a single value"]),
    (["run", "defined", "--set", "x=a b"], ["--set: x: cannot read value"]),
    (
        ["run", "defined", "--set", "lead_acceptance_by=sale"],
        ['unknown choice "sale"', "did you mean 'sales'"],
    ),
]


@pytest.mark.parametrize(("args", "expected"), BAD_ARGS)
def test_bad_input_is_one_error_line_and_writes_nothing(cli, tmp_path, args, expected):
    out = tmp_path / "out"
    done = cli(*args, "--out", out, cwd=tmp_path)
    assert_clean_error(done, *expected)
    assert not out.exists()
    assert done.stdout == ""


BAD_FILES = [
    ("[levers]\nn_rep = 3\n", ["levers.n_rep: unknown key", "did you mean 'n_reps'"]),
    ("[market]\nshared_goals = 1.0\n", ["market.shared_goals:", "belongs in [levers]"]),
    ("[levers]\nshared_goals = 3\n", ["levers.shared_goals: out of range: 3", "from 0 to 1"]),
    ("[levers\nn_reps = 3\n", ["line 1, column", "malformed TOML"]),
    ("bogus = 1\n", ["bogus: unknown top-level key"]),
    # 'File name too long' after the whole run, before the cap at load
    (f'name = "{"n" * 300}"\n', ["name: too long: 300 characters", "at most 64 characters"]),
    (f'description = "{"d" * 50_000}"\n', ["description: too long: 50,000 characters"]),
    ('extends = "../segregated"\n', ["extends: '../segregated' is not a file of this scenario's folder"]),
]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_bad_scenario_file_names_file_and_key(cli, tmp_path, text, expected):
    (tmp_path / "client.toml").write_text(text)
    out = tmp_path / "out"
    done = cli("run", "client.toml", "--out", out, cwd=tmp_path)
    line = assert_clean_error(done, *expected)
    assert line.startswith("error: client.toml: ")
    assert not out.exists()


def test_an_intervention_after_the_last_day_is_a_warning_naming_it(cli, tmp_path):
    """integrate_at_month_6 changes levers on day 126: a 100-day run never gets there."""
    out = tmp_path / "out"
    done = cli("run", "integrate_at_month_6", "--days", "100", "--seed", "1", "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("warning: ") and line.endswith(
        "scenarios/integrate_at_month_6.toml: the intervention on day 126 (integrate sales "
        "and marketing) never applies: the run ends after day 99 (100 working days, days count from 0)"
    )
    assert len(list(out.iterdir())) == 1
    done = cli("run", "integrate_at_month_6", "--days", "127", "--seed", "1", "--out", out, "--quiet")
    assert done.returncode == 0 and done.stderr == ""


def test_the_python_api_warns_of_late_interventions_too():
    import sim
    from sim.api import LateInterventionWarning

    with pytest.warns(LateInterventionWarning, match="day 126 .* never applies: the run ends after day 9"):
        sim.run("integrate_at_month_6", seed=1, days=10)


def test_argparse_errors_exit_2(cli, tmp_path):
    done = cli("run", "defined", "--days", "abc", cwd=tmp_path)
    assert done.returncode == 2
    assert "invalid int value" in done.stderr
    assert cli("nosuchcommand").returncode == 2


def test_out_must_not_be_a_file(cli, tmp_path):
    target = tmp_path / "file"
    target.write_text("")
    assert_clean_error(cli("run", "defined", "--days", "2", "--out", target), "--out:", "is a file")


# ---------------------------------------------------------------------- help and listing
def test_help_is_fast_and_lists_commands(cli):
    start = time.perf_counter()
    done = cli("--help")
    elapsed = time.perf_counter() - start
    assert done.returncode == 0
    assert "run" in done.stdout and "scenarios" in done.stdout
    assert elapsed < 1.0, f"--help took {elapsed:.2f} s"


def test_no_command_runs_the_headline_comparison(monkeypatch):
    import sim.cli.compare
    from sim.cli.main import main

    calls = []
    monkeypatch.setattr(sim.cli.compare, "headline", lambda *a: calls.append(a) or 0)
    assert main([]) == 0
    assert calls == [()]


def test_help_lists_the_commands(cli):
    done = cli("--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: run.py")
    assert "compare" in done.stdout


def test_scenarios_lists_every_shipped_file(cli):
    done = cli("scenarios")
    assert done.returncode == 0
    names = [line.split()[0] for line in done.stdout.strip().splitlines()]
    assert names == sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
    assert "Segregated for six months" in done.stdout


# ---------------------------------------------------------------------- a real run
@pytest.fixture(scope="module")
def json_run(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    done = cli(
        "run", "segregated", "--seed", "9", "--days", "40", "--out", out, "--json", "--set", "n_reps=12"
    )
    return done, out


def test_json_prints_exactly_one_object(json_run):
    done, out = json_run
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert isinstance(report, dict)
    assert report["scenario"] == "segregated" and report["seed"] == 9 and report["days"] == 40
    assert set(metrics.FUNNEL_RATES) <= set(report)
    assert "revenue" in report
    assert str(out) in report["out_dir"]


def test_run_writes_four_files_with_the_right_content(json_run):
    done, out = json_run
    folder = out / json.loads(done.stdout)["out_dir"].rsplit("/", 1)[-1]
    assert folder.name.startswith("run-segregated-") and folder.name.endswith("-seed9")
    assert sorted(p.name for p in folder.iterdir()) == [
        "metadata.json",
        "run.png",
        "summary.csv",
        "timeseries.parquet",
    ]
    table = pd.read_parquet(folder / "timeseries.parquet")
    assert set(metrics.KPI_COLUMNS) <= set(table.columns)
    assert len(table) == 40
    summary = pd.read_csv(folder / "summary.csv")
    assert len(summary) == 1 and summary.loc[0, "seed"] == 9 and summary.loc[0, "scenario"] == "segregated"
    meta = json.loads((folder / "metadata.json").read_text())
    assert set(meta["environment"]["packages"]) == set(PACKAGES)
    assert "commit" in meta["environment"]["git"] and "dirty" in meta["environment"]["git"]
    assert meta["seed"] == 9 and meta["days"] == 40
    assert meta["scenario"]["params"]["n_reps"] == 12
    assert meta["scenario"]["params"] == {**load_scenario("segregated").params.flat(), "n_reps": 12}
    assert "--set n_reps=12" in meta["command"]
    assert (folder / "run.png").read_bytes().startswith(b"\x89PNG")


def test_text_report_shows_kpis_and_drawn_seed(cli, tmp_path):
    done = cli("run", "integrate_at_month_6", "--days", "30", "--out", tmp_path, "--period", "week")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    labels = (
        "Revenue",
        "Win rate",
        "MQL -> reached",
        "Reached -> SQL",
        "SQL -> won",
        "Median response",
        "CAC",
    )
    for label in (
        *labels,
        "Marketing-sourced funnel",
        "Rep-sourced funnel",
        "Prospect -> SQL",
        "Never contacted",
    ):
        assert label in text
    seed = int(text.split("repeat with --seed ")[1].split(")")[0])
    (folder,) = tmp_path.iterdir()
    assert f"Results: {folder}" in text
    assert json.loads((folder / "metadata.json").read_text())["seed"] == seed
    assert json.loads((folder / "metadata.json").read_text())["scenario"]["interventions"][0]["day"] == 126
    assert len(pd.read_parquet(folder / "timeseries.parquet")) == 6


def test_quiet_prints_only_the_folder(cli, tmp_path):
    done = cli("run", "defined", "--days", "3", "--seed", "1", "--out", tmp_path, "--quiet")
    assert done.returncode == 0, done.stderr
    (folder,) = tmp_path.iterdir()
    assert done.stdout.strip() == str(folder)
