"""Replicated comparisons and the `compare` command: pairing, determinism, failures, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import sim.model.model
from sim.cli import compare as cli_compare
from sim.cli import main as cli
from sim.experiments import compare as compare_module
from sim.experiments.compare import compare
from sim.experiments.runner import FAILURE_DIR, replication_seeds
from sim.experiments.stats import paired_difference

ROOT = Path(__file__).resolve().parents[2]

# Runs `compare` through sim.cli.main.main whether or not sim/cli.py registers it yet.
SHIM = (
    "import sys\n"
    "from sim.cli import main as cli\n"
    "from sim.cli.compare import register_compare\n"
    "if register_compare not in cli.REGISTRARS:\n"
    "    cli.REGISTRARS.append(register_compare)\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)


def run_compare_cli(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    """`python run.py compare ARGS` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", SHIM, "compare", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.fixture
def compare_main(monkeypatch):
    """sim.cli.main.main in this process, with `compare` registered."""
    if cli_compare.register_compare not in cli.REGISTRARS:
        monkeypatch.setattr(cli, "REGISTRARS", [*cli.REGISTRARS, cli_compare.register_compare])
    return lambda *args: cli.main(["compare", *map(str, args)])


# ---------------------------------------------------------------------- common random numbers
def test_common_random_numbers_narrow_the_interval_of_the_difference():
    """Paired seeds against independent seeds for the same two scenarios and replications.

    aligned vs integrated: structures that share most of their mechanics. (Against
    `segregated`, whose revenue comes mostly from reps' own prospects rather than marketing
    leads, pairing narrows the interval far less.)
    """
    a, b, n, days = "aligned", "integrated", 10, 120
    paired = compare([a, b], replications=n, seed=0, days=days, workers=1).runs
    other = compare([a, b], replications=n, seed=1, days=days, workers=1).runs
    wide = paired.pivot(index="replication", columns="scenario", values="revenue")
    independent_b = other.pivot(index="replication", columns="scenario", values="revenue")[b]
    crn = paired_difference(wide[a].to_numpy(), wide[b].to_numpy()).difference
    independent = paired_difference(wide[a].to_numpy(), independent_b.to_numpy()).difference
    assert crn.half_width < 0.7 * independent.half_width, (crn, independent)


# ---------------------------------------------------------------------- determinism
def test_one_and_two_workers_give_identical_tables(tmp_path):
    kwargs = dict(replications=3, seed=4, days=60)
    names = ["segregated", "integrate_at_month_6"]
    one = compare(names, workers=1, folder=tmp_path / "one", **kwargs)
    two = compare(names, workers=2, folder=tmp_path / "two", **kwargs)
    assert_frame_equal(one.runs, two.runs, check_exact=True)
    assert_frame_equal(one.timeseries, two.timeseries, check_exact=True)
    assert_frame_equal(one.comparison, two.comparison, check_exact=True)
    assert one.seeds == two.seeds == replication_seeds(4, 3)


# ---------------------------------------------------------------------- failures
BROKEN_REPS = 13  # a team size no shipped scenario uses: the patched model raises for it


@pytest.fixture
def broken_model(monkeypatch):
    """Make the model raise for scenarios with 13 reps, in this process (use one worker)."""

    class Broken(sim.model.model.SalesMarketingModel):
        def run(self, days):
            if self.p.levers.n_reps == BROKEN_REPS:
                raise RuntimeError("deliberately broken for the test")
            return super().run(days)

    monkeypatch.setattr(sim.model.model, "SalesMarketingModel", Broken)


def test_a_run_that_raises_is_recorded_and_the_batch_goes_on(tmp_path, broken_model):
    from sim.model.scenario import load_scenario

    broken = load_scenario("defined").with_values({"n_reps": BROKEN_REPS})
    broken = type(broken)("broken", "raises", broken.params)
    result = compare(
        ["segregated", broken, "defined"], replications=2, seed=1, days=20, workers=1, folder=tmp_path
    )
    assert len(result.failed) == 2
    for run_id in result.failed:
        text = (tmp_path / FAILURE_DIR / f"{run_id}.txt").read_text()
        assert "Traceback" in text and "deliberately broken for the test" in text
    assert sorted(result.runs["scenario"].unique()) == ["defined", "segregated"]
    assert len(result.runs) == 4
    revenue = result.comparison[result.comparison["kpi"] == "revenue"].set_index(["baseline", "scenario"])
    assert revenue.loc[("segregated", "defined"), "n"] == 2
    assert revenue.loc[("segregated", "broken"), "n"] == 0


def test_cli_exits_1_and_says_where_the_tracebacks_are(tmp_path, broken_model, compare_main, capsys):
    (tmp_path / "broken.toml").write_text(f'name = "broken"\n[levers]\nn_reps = {BROKEN_REPS}\n')
    out = tmp_path / "out"
    code = compare_main(
        "segregated", tmp_path / "broken.toml", "-n", 2, "--days", 20, "--workers", 1, "--out", out
    )
    captured = capsys.readouterr()
    assert code == 1
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: 2 of 4 runs failed; their tracebacks are in ")
    (folder,) = out.iterdir()
    assert f"{folder / FAILURE_DIR}/" in lines[0]
    assert len(list((folder / FAILURE_DIR).glob("*.txt"))) == 2
    assert (folder / "report.md").is_file() and (folder / "metadata.json").is_file()
    assert "2 runs failed" in (folder / "report.md").read_text()


# ---------------------------------------------------------------------- command line
BAD_ARGS = [
    (["segregatd", "integrated"], ["unknown scenario 'segregatd'", "did you mean 'segregated'"]),
    (["segregated", "integrated", "-n", "1"], ["-n/--replications: got 1", "allowed: 2 to 500"]),
    (["segregated", "integrated", "--seed", "-1"], ["--seed: got -1"]),
    (["segregated"], ["scenarios: got 1", "two or more"]),
    (["segregated", "segregated"], ["segregated given twice"]),
    (["segregated", "integrated", "--days", "0"], ["--days: got 0"]),
    (["segregated", "integrated", "--until-ci", "0"], ["--until-ci: got 0"]),
    (["segregated", "integrated", "--workers", "0"], ["--workers: got 0"]),
]


@pytest.mark.parametrize(("args", "expected"), BAD_ARGS)
def test_bad_input_is_one_error_line_exit_2_and_no_folder(tmp_path, args, expected):
    out = tmp_path / "out"
    done = run_compare_cli(*args, "--out", out, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for part in expected:
        assert part in lines[0]
    assert done.stdout == ""
    assert not out.exists()


def test_json_prints_one_object_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    done = run_compare_cli(
        "segregated",
        "integrated",
        "-n",
        2,
        "--days",
        20,
        "--seed",
        5,
        "--workers",
        1,
        "--json",
        "--out",
        out,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert done.stdout.count("\n") == 1
    assert [s["name"] for s in data["scenarios"]] == ["segregated", "integrated"]
    assert data["root_seed"] == 5 and data["seeds"] == replication_seeds(5, 2)
    assert Path(data["folder"]).parent == out
    revenue = data["kpis"]["revenue"]
    assert set(revenue["means"]) == {"segregated", "integrated"}
    (pair,) = revenue["pairs"]
    table = pd.read_csv(Path(data["folder"]) / "comparison.csv")
    row = table[table["kpi"] == "revenue"].iloc[0]
    assert pair["difference"] == pytest.approx(row["difference"])
    assert data["failures"]["count"] == 0 and data["warning"]  # 2 replications are too few


def test_text_output_has_the_table_the_sentence_and_the_folder(tmp_path, compare_main, capsys):
    out = tmp_path / "out"
    code = compare_main("defined", "integrated", "-n", 2, "--days", 20, "--workers", 1, "--out", out)
    text = capsys.readouterr().out
    assert code == 0
    assert "integrated - defined (95% CI)" in text and "Revenue" in text
    assert "more revenue over 20 working days" in text or "less revenue over 20 working days" in text
    assert "drawn at random; repeat with --seed" in text
    assert "Warning:" in text
    (folder,) = out.iterdir()
    assert str(folder / "report.html") in text


def test_headline_runs_the_comparison_with_its_defaults(tmp_path, capsys):
    out = tmp_path / "out"
    code = cli_compare.headline(["-n", "2", "--days", "10", "--workers", "1", "--out", str(out)])
    assert code == 0
    (folder,) = out.iterdir()
    meta = json.loads((folder / "metadata.json").read_text())
    assert [s["name"] for s in meta["scenarios"]] == list(cli_compare.HEADLINE_SCENARIOS)
    assert meta["root_seed"] == cli_compare.HEADLINE_SEED
    assert "compare segregated integrate_on_day_0" in meta["command"]
    assert "headline comparison" in capsys.readouterr().out


def test_headline_defaults_are_those_of_the_issue():
    assert cli_compare.HEADLINE_SCENARIOS == ("segregated", "integrate_on_day_0")  # like for like
    assert cli_compare.HEADLINE_REPLICATIONS >= 10  # no stability warning on the headline
    assert cli_compare.HEADLINE_DAYS == 500


def test_replication_limit_is_that_of_compare():
    assert cli_compare.MAX_REPLICATIONS == compare_module.MAX_REPLICATIONS


def test_all_runs_failing_is_reported_not_raised(tmp_path, broken_model, compare_main, capsys):
    (tmp_path / "a.toml").write_text(f'name = "a"\n[levers]\nn_reps = {BROKEN_REPS}\n')
    (tmp_path / "b.toml").write_text(f'name = "b"\n[levers]\nn_reps = {BROKEN_REPS}\nshared_goals = 1.0\n')
    out = tmp_path / "out"
    code = compare_main(
        tmp_path / "a.toml", tmp_path / "b.toml", "-n", 2, "--days", 5, "--workers", 1, "--out", out
    )
    assert code == 1
    assert "4 of 4 runs failed" in capsys.readouterr().err
    (folder,) = out.iterdir()
    assert "No run finished" in (folder / "report.md").read_text()
