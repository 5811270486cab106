"""A sweep killed with SIGKILL midway and resumed ends with the tables of an uninterrupted sweep."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
from helpers import RUN_CLI
from pandas.testing import assert_frame_equal

from sim.experiments.runner import SUMMARY_DIR, SerialExecutor
from sim.experiments.spec import load_experiment
from sim.experiments.sweep import RUNS_FILE, SERIES_FILE, SUMMARY_FILE, run_sweep

ROOT = Path(__file__).resolve().parents[2]
SHIM = RUN_CLI  # the command line, run in a subprocess
SPEC = """
name = "kill_me"
scenario = "aligned"
design = "grid"
replications = 3
days = 80
period = "month"
kpis = ["revenue", "sqls", "trust_sales_in_marketing"]
[parameters]
rep_response_latency_hours = [0.25, 1.0, 4.0, 8.0]
meeting_hours_per_week = [0.0, 2.0, 4.0, 8.0]
"""
CHUNKS_BEFORE_KILL = 3


def sweep_command(*args: object) -> list[str]:
    return [sys.executable, "-c", SHIM, "sweep", *map(str, args)]


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def wait_for_chunks(folder_parent: Path, process: subprocess.Popen, n: int, timeout: float = 60) -> Path:
    """The sweep's folder once it holds `n` finished chunks (the sweep still running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        folders = list(folder_parent.glob("sweep-kill_me-*"))
        if folders and len(list((folders[0] / SUMMARY_DIR).glob("chunk-*.parquet"))) >= n:
            return folders[0]
        assert process.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.02)
    raise AssertionError("no chunks appeared in time")


def test_sigkill_midway_then_resume_equals_an_uninterrupted_sweep(tmp_path):
    spec = tmp_path / "kill_me.toml"
    spec.write_text(textwrap.dedent(SPEC), encoding="utf-8")
    out = tmp_path / "out"
    process = subprocess.Popen(
        sweep_command(spec, "--out", out, "--workers", "2", "--chunk-runs", "2", "--quiet"),
        cwd=tmp_path,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill takes its pool workers too
    )
    try:
        folder = wait_for_chunks(out, process, CHUNKS_BEFORE_KILL)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not (folder / RUNS_FILE).exists()  # killed before the end

    resumed = subprocess.run(
        sweep_command(spec, "--resume", folder, "--workers", "2", "--json"),
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    experiment = load_experiment(spec)
    assert 2 * CHUNKS_BEFORE_KILL <= report["already_done"] < experiment.runs
    assert report["finished"] == experiment.runs and report["failed"] == []

    reference = run_sweep(experiment, tmp_path / "uninterrupted", SerialExecutor())
    for name in (RUNS_FILE, SERIES_FILE):
        assert_frame_equal(
            pd.read_parquet(folder / name), pd.read_parquet(reference.folder / name), check_exact=True
        )
    assert (folder / SUMMARY_FILE).read_bytes() == (reference.folder / SUMMARY_FILE).read_bytes()
    meta = json.loads((folder / "metadata.json").read_text())
    assert len(meta["sessions"]) == 2 and meta["status"] == "complete"


def test_resume_refuses_a_folder_of_another_experiment(tmp_path):
    spec = tmp_path / "kill_me.toml"
    spec.write_text(textwrap.dedent(SPEC).replace("days = 80", "days = 3"), encoding="utf-8")
    first = subprocess.run(
        sweep_command(spec, "--out", tmp_path, "--workers", "1", "--quiet"),
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    folder = Path(first.stdout.strip())
    before = sorted(p.name for p in folder.rglob("*"))
    again = subprocess.run(
        sweep_command(spec, "--resume", folder, "--days", "4"),
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 2
    assert (
        "--resume: " in again.stderr
        and "holds a different experiment (days differs: 3 there, 4 here)" in again.stderr
    )
    assert again.stderr.count("\n") == 1
    assert sorted(p.name for p in folder.rglob("*")) == before
