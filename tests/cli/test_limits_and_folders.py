"""Work is bounded and the results folder checked before anything runs; folders are never shared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from test_cli import assert_clean_error

from sim.experiments.spec import load_experiment

ROOT = Path(__file__).resolve().parents[2]
FAST_S = 15  # a refusal answers in seconds (start-up and loading the spec), never after a run
TINY = """
name = "tiny"
scenario = "defined"
design = "grid"
replications = 2
days = 3
period = "none"
kpis = ["revenue"]
[parameters]
meeting_hours_per_week = [0.0, 2.0, 4.0]
"""


def write_spec(tmp_path: Path, text: str, name: str = "tiny") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def timed(cli, *args, cwd):
    start = time.monotonic()
    done = cli(*args, cwd=cwd)
    return done, time.monotonic() - start


# ---------------------------------------------------------------------- limits (point 2)
def test_a_billion_days_is_refused_at_once(cli, tmp_path):
    done, seconds = timed(
        cli, "run", "defined", "--days", "1000000000", "--out", tmp_path / "o", cwd=tmp_path
    )
    assert_clean_error(done, "--days: got 1,000,000,000", "at most 12,500")
    assert seconds < FAST_S and not (tmp_path / "o").exists()


def test_a_flood_of_inquiries_is_refused_naming_the_keys(cli, tmp_path):
    trio = ["--set", "cost_per_inquiry=1", "--set", "revenue_target_per_year=1e10"]
    trio += ["--set", "marketing_budget_share=0.5"]
    done, seconds = timed(cli, "run", "defined", *trio, "--out", tmp_path / "o", cwd=tmp_path)
    assert_clean_error(done, "with --set", "cost_per_inquiry", "30,000,000 inquiries a day", "at most 20,000")
    assert seconds < FAST_S and not (tmp_path / "o").exists()


def test_a_billion_point_grid_is_refused_before_design_csv(cli, tmp_path):
    axes = {
        "meeting_hours_per_week": 20,
        "rep_response_latency_hours": 8,
        "shared_goals": 1,
    }  # 1024 values each
    lines = [
        f"{name} = [{', '.join(f'{top * i / 1024:.6f}' for i in range(1024))}]" for name, top in axes.items()
    ]
    spec = write_spec(
        tmp_path, TINY.replace("meeting_hours_per_week = [0.0, 2.0, 4.0]", "\n".join(lines)), "huge"
    )
    assert load_experiment(spec).points == 2**30
    done, seconds = timed(cli, "sweep", spec, "--out", tmp_path / "o", cwd=tmp_path)
    assert_clean_error(done, "huge.toml: design points: 1,073,741,824", "at most 100,000", "--allow-large")
    large, _ = timed(cli, "sweep", spec, "--allow-large", "--out", tmp_path / "o", cwd=tmp_path)
    assert_clean_error(large, "at most 2,000,000")
    assert seconds < FAST_S and not (tmp_path / "o").exists()


def test_a_sobol_base_sample_of_two_to_the_23_is_refused(cli, tmp_path):
    spec = write_spec(
        tmp_path,
        """
        scenario = "defined"
        design = "sobol"
        samples = 8388608
        replications = 1
        days = 5
        kpis = ["revenue"]
        [parameters]
        meeting_hours_per_week = [0.0, 8.0]
        shared_goals = [0.0, 1.0]
        """,
        "sobol_huge",
    )
    done = cli("sensitivity", spec, "--out", tmp_path / "o", cwd=tmp_path)
    assert_clean_error(done, "design points: 33,554,432", "at most 100,000")
    assert not (tmp_path / "o").exists()


def test_workers_beyond_the_cores_are_capped_with_a_note(cli, tmp_path):
    spec = write_spec(tmp_path, TINY)
    done = cli("sweep", spec, "--workers", "1000", "--out", tmp_path / "o", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    cores = len(os.sched_getaffinity(0))
    notes = [line for line in done.stderr.splitlines() if not line.startswith("warning: ")]  # 2 replications
    assert notes == [f"note: --workers 1000: using {cores}, the cores available"]
    meta = json.loads((Path(json.loads(done.stdout)["folder"]) / "metadata.json").read_text())
    label = "this process" if cores == 1 else f"process pool of {cores} workers"
    assert meta["sessions"][0]["executor"] == label


# ---------------------------------------------------------------------- --out checked first (point 8)
@pytest.mark.parametrize(
    "args",
    [
        ["calibrate", str(ROOT / "examples" / "observed_company.toml"), "--seed", "1"],
        ["run", "defined", "--days", "400"],
        ["compare", "defined", "integrated", "-n", "20", "--days", "400"],
    ],
    ids=["calibrate", "run", "compare"],
)
def test_an_unwritable_out_stops_the_command_before_any_simulation(cli, tmp_path, args):
    (tmp_path / "FILE").write_text("")
    done, seconds = timed(cli, *args, "--out", tmp_path / "FILE" / "x", cwd=tmp_path)
    assert_clean_error(done, "--out: ", "FILE/x: cannot create a results folder there", "Not a directory")
    assert seconds < FAST_S, f"refused only after {seconds:.1f} s: it simulated first"


# ---------------------------------------------------------------------- folders never shared (point 1)
def test_two_sweeps_started_together_get_folders_of_their_own(tmp_path):
    spec = write_spec(tmp_path, TINY)
    out = tmp_path / "same"
    command = [sys.executable, str(ROOT / "run.py"), "sweep", str(spec), "--workers", "1", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    both = [subprocess.Popen([*command, "--quiet"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)]
    both.append(
        subprocess.Popen([*command, "--quiet"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    )
    folders = []
    for process in both:
        stdout, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        folders.append(Path(stdout.strip()))
    assert folders[0] != folders[1] and sorted(out.iterdir()) == sorted(folders)
    runs = load_experiment(spec).runs
    for folder in folders:
        table = pd.read_parquet(folder / "runs.parquet")
        assert len(table) == runs and table["run_id"].is_unique


def test_folders_asked_for_in_the_same_second_are_all_distinct(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    from sim.output import results_dir

    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with ThreadPoolExecutor(8) as pool:
        folders = list(pool.map(lambda _: results_dir("sweep", "x", 1, tmp_path, now), range(16)))
    assert len(set(folders)) == 16 and all(f.is_dir() for f in folders)
    assert sorted(f.name for f in folders)[0] == "sweep-x-20260102-030405-seed1"
