"""The Python API (sim.run), lazy imports, and the reusable output helpers."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import UTC, datetime

import pandas as pd
import pandas.testing as pdt
import pytest

import sim
from sim import api
from sim.model import metrics
from sim.model.params import ParameterError
from sim.output import (
    PACKAGES,
    atomic_write,
    atomic_write_json,
    default_run_dir,
    environment_metadata,
    git_state,
    jsonable,
)
from sim.reporting.run import write_run


@pytest.fixture(scope="module")
def short_run():
    return sim.run("defined", seed=5, days=60)


def test_run_returns_tables_and_provenance(short_run):
    result = short_run
    assert list(result.timeseries.columns[:2]) == ["period", "day"]
    assert set(metrics.KPI_COLUMNS) <= set(result.timeseries.columns)
    assert len(result.timeseries) == 60
    assert result.summary["days"] == 60
    assert result.seed == 5 and result.days == 60 and result.period == "day"
    assert result.scenario.name == "defined"
    assert result.model.day == 60


def test_same_seed_same_run(short_run):
    again = sim.run("defined", seed=5, days=60)
    pdt.assert_frame_equal(short_run.timeseries, again.timeseries, check_exact=True)


def test_seed_is_drawn_and_recorded_when_not_given():
    result = sim.run("defined", days=5)
    assert isinstance(result.seed, int) and 0 <= result.seed < 2**63
    repeat = sim.run("defined", seed=result.seed, days=5)
    pdt.assert_frame_equal(result.timeseries, repeat.timeseries, check_exact=True)


def test_period_and_overrides():
    result = sim.run("integrated", seed=2, days=50, period="week", overrides={"n_reps": 8})
    assert len(result.timeseries) == 10
    assert result.scenario.params.levers.n_reps == 8
    assert result.model.reps.size == 8


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"days": 0}, "days: must be a whole number >= 1"),
        ({"days": 2.5}, "days: must be a whole number"),
        ({"seed": -1}, "seed: must be between 0"),
        ({"seed": 1.5}, "seed: must be a whole number"),
        ({"period": "year"}, "period: must be one of day, week, month, quarter"),
        ({"overrides": {"n_reps": -1}}, "overrides: n_reps: out of range"),
        ({"scenario": "nope"}, "unknown scenario 'nope'"),
    ],
)
def test_bad_arguments_raise_parameter_error(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        sim.run(**{"days": 5, **kwargs})


def test_periods_match_the_metrics():
    assert tuple(metrics.PERIOD_DAYS) == api.PERIODS


def test_import_sim_is_light():
    code = (
        "import sys, sim, sim.cli.main, sim.model.scenario, sim.api; "
        "heavy = [m for m in ('mesa', 'pandas', 'matplotlib', 'numpy', 'numba') if m in sys.modules]; "
        "print(heavy); assert not heavy; assert callable(sim.load_scenario)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_public_names_resolve_lazily():
    assert sim.run is api.run
    assert sim.list_scenarios()
    assert set(sim.__all__) <= set(dir(sim))
    with pytest.raises(AttributeError):
        _ = sim.no_such_name


# ---------------------------------------------------------------------- output helpers
def test_write_run_writes_four_files(short_run, tmp_path):
    out = write_run(short_run, tmp_path / "run", ["run.py", "run", "defined"])
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["timeseries.parquet", "summary.csv", "metadata.json", "run.png"]
    )
    pdt.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), short_run.timeseries)
    assert len(pd.read_csv(out / "summary.csv")) == 1


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path):
    def broken(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "x.txt", broken)
    assert list(tmp_path.iterdir()) == []


def test_json_is_strict(tmp_path):
    path = atomic_write_json(tmp_path / "m.json", {"a": math.nan, "b": (1, 2.5), "c": tmp_path})
    assert json.loads(path.read_text()) == {"a": None, "b": [1, 2.5], "c": str(tmp_path)}
    assert jsonable({"x": math.inf}) == {"x": None}


def test_environment_metadata_names_versions_and_commit():
    env = environment_metadata()
    assert set(env["packages"]) == set(PACKAGES)
    assert all(v != "not installed" for v in env["packages"].values())
    assert env["python"].startswith("3.")
    assert env["git"]["commit"] == "unknown" or len(env["git"]["commit"]) == 40


def test_git_state_outside_a_checkout(tmp_path):
    assert git_state(tmp_path) == {"commit": "unknown", "dirty": None}


def test_default_run_dir_is_unique(tmp_path):
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = default_run_dir("defined", 7, tmp_path, now)
    assert first.name == "run-defined-20250102-030405-seed7"
    assert first.is_dir()  # created at once, so no other command can take the name
    assert default_run_dir("defined", 7, tmp_path, now).name == "run-defined-20250102-030405-seed7-2"
