"""SIGTERM is Ctrl-C, a killed driver leaves no orphan, and a kill loses at most the runs in flight."""

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
import pytest
from helpers import RUN_CLI
from pandas.testing import assert_frame_equal

import sim.output
from sim.experiments.runner import (
    RUN_GLOB,
    SERIES_DIR,
    SUMMARY_DIR,
    ResultStore,
    SerialExecutor,
    execute_run,
    run_batch,
)
from sim.experiments.spec import load_experiment
from sim.experiments.sweep import RUNS_FILE, SERIES_FILE, run_specs, run_sweep
from sim.model.params import ParameterError

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
name = "stop_me"
scenario = "aligned"
design = "grid"
replications = 2
days = 120
period = "month"
kpis = ["revenue", "sqls"]
[parameters]
meeting_hours_per_week = [0.0, 2.0, 4.0, 8.0]
rep_response_latency_hours = [0.5, 4.0]
"""
DEADLINE_S = 90


def write_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "stop_me.toml"
    spec.write_text(textwrap.dedent(SPEC), encoding="utf-8")
    return spec


def start_sweep(tmp_path: Path, *args: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "sweep", *map(str, args)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished_on_disk(folder: Path) -> int:
    """Runs whose summary is on disk (per-run files; a chunk counts as the runs it holds)."""
    chunks = sorted((folder / SUMMARY_DIR).glob("chunk-*.parquet"))
    return len(list((folder / SUMMARY_DIR).glob(RUN_GLOB))) + sum(len(pd.read_parquet(c)) for c in chunks)


def wait_for_runs(out: Path, process: subprocess.Popen, n: int) -> tuple[Path, int]:
    """The sweep's folder once `n` runs are on disk, polled until a deadline (the sweep still running)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        folders = list(out.glob("sweep-stop_me-*"))
        if folders and (done := finished_on_disk(folders[0])) >= n:
            return folders[0], done
        assert process.poll() is None, "the sweep ended before it could be stopped"
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} finished runs reached the disk within {DEADLINE_S} s")


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, their children, ...), read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """Running and not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def assert_all_gone(pids: set[int]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    assert [p for p in pids if alive(p)] == [], "orphaned processes survived the driver"


def resume_and_check(tmp_path: Path, spec: Path, folder: Path, at_least: int) -> None:
    """--resume finishes the sweep, skipping what was on disk, with the tables of an uninterrupted one."""
    resumed = start_sweep(tmp_path, spec, "--resume", folder, "--workers", "2", "--json")
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    report = json.loads(stdout)
    experiment = load_experiment(spec)
    assert at_least <= report["already_done"] < experiment.runs
    assert report["finished"] == experiment.runs and report["failed"] == []
    reference = run_sweep(experiment, tmp_path / "reference", SerialExecutor())
    for name in (RUNS_FILE, SERIES_FILE):
        assert_frame_equal(pd.read_parquet(folder / name), pd.read_parquet(reference.folder / name))
    assert json.loads((folder / "metadata.json").read_text())["status"] == "complete"


def test_sigterm_stops_cleanly_and_resume_completes(tmp_path):
    spec = write_spec(tmp_path)
    process = start_sweep(tmp_path, spec, "--out", tmp_path / "out", "--workers", "2", "--quiet")
    folder, _ = wait_for_runs(tmp_path / "out", process, 1)
    children = descendants(process.pid)
    assert children, "a pool of two workers has child processes"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=DEADLINE_S)

    assert process.returncode == 143
    errors = [line for line in stderr.splitlines() if not line.startswith("warning: ")]  # 2 replications
    assert errors == [f"error: terminated (SIGTERM); finished runs are kept; finish with --resume {folder}"]
    assert json.loads((folder / "metadata.json").read_text())["status"] == "interrupted"
    assert list(folder.rglob("*.tmp")) == []
    assert_all_gone(children)
    kept = finished_on_disk(folder)
    assert kept >= 1
    resume_and_check(tmp_path, spec, folder, kept)


def test_a_sigkilled_driver_keeps_every_finished_run_and_leaves_no_orphan(tmp_path):
    spec = write_spec(tmp_path)  # 16 runs: fewer than one chunk of the default 50
    process = start_sweep(tmp_path, spec, "--out", tmp_path / "out", "--workers", "2", "--quiet")
    folder, seen = wait_for_runs(tmp_path / "out", process, 3)
    children = descendants(process.pid)
    os.kill(process.pid, signal.SIGKILL)  # the driver alone: its workers must notice by themselves
    process.communicate(timeout=DEADLINE_S)
    assert process.returncode == -signal.SIGKILL
    assert_all_gone(children)
    assert finished_on_disk(folder) >= seen
    resume_and_check(tmp_path, spec, folder, seen)


def test_a_truncated_chunk_is_reported_and_recomputed_on_resume(tmp_path):
    spec = write_spec(tmp_path)
    experiment = load_experiment(spec).with_overrides(days=20)
    folder = tmp_path / "cut"
    run_sweep(experiment, folder, SerialExecutor(), chunk_runs=4)
    chunk = folder / SUMMARY_DIR / "chunk-000001.parquet"
    chunk.write_bytes(chunk.read_bytes()[: chunk.stat().st_size // 2])  # what a crash can leave
    resumed = run_sweep(experiment, folder, SerialExecutor(), chunk_runs=4, resume=True)
    assert resumed.repaired == [f"{SUMMARY_DIR}/chunk-000001.parquet"]
    assert resumed.skipped == experiment.runs - 4
    reference = run_sweep(experiment, tmp_path / "reference", SerialExecutor())
    for name in (RUNS_FILE, SERIES_FILE):
        assert_frame_equal(pd.read_parquet(folder / name), pd.read_parquet(reference.folder / name))
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["sessions"][-1]["repaired"] == [f"{SUMMARY_DIR}/chunk-000001.parquet"]


def test_each_finished_run_is_on_disk_before_the_next_starts(tmp_path):
    store = ResultStore(tmp_path, chunk_runs=50)
    specs = list(run_specs(load_experiment(write_spec(tmp_path)).with_overrides(days=5)))[:3]
    seen: list[int] = []

    def task(spec):
        seen.append(len(list((tmp_path / SUMMARY_DIR).glob(RUN_GLOB))))
        return execute_run(spec)

    run_batch(specs, store, SerialExecutor(), in_flight=1, task=task)
    assert seen == [0, 1, 2]  # the run before each was already written
    assert len(list((tmp_path / SUMMARY_DIR).glob("chunk-*.parquet"))) == 1  # compacted at the end
    assert list((tmp_path / SUMMARY_DIR).glob(RUN_GLOB)) == [] == list((tmp_path / SERIES_DIR).glob(RUN_GLOB))


def test_atomic_writes_are_fsynced_file_and_folder(tmp_path, monkeypatch):
    synced: list[str] = []
    real = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(sim.output.os, "fsync", fsync)
    sim.output.atomic_write_text(tmp_path / "a.txt", "x")
    assert len(synced) == 2 and synced[0].endswith(".tmp") and synced[1] == str(tmp_path)


def test_a_keyboard_interrupt_in_a_serial_run_stops_the_batch(tmp_path):
    store = ResultStore(tmp_path)
    specs = list(run_specs(load_experiment(write_spec(tmp_path)).with_overrides(days=5)))[:3]

    def task(spec):
        if spec.run_id == specs[1].run_id:
            raise KeyboardInterrupt
        return execute_run(spec)

    with pytest.raises(KeyboardInterrupt):
        run_batch(specs, store, SerialExecutor(), in_flight=1, task=task)
    assert store.finished_ids() == {specs[0].run_id} and store.failed_ids() == set()


def test_two_sessions_never_write_one_folder(tmp_path):
    experiment = load_experiment(write_spec(tmp_path)).with_overrides(days=5)
    folder = tmp_path / "busy"
    run_sweep(experiment, folder, SerialExecutor())
    with sim.output.folder_lock(folder), pytest.raises(ParameterError, match=r"--resume: .*another session"):
        run_sweep(experiment, folder, SerialExecutor(), resume=True)
    run_sweep(experiment, folder, SerialExecutor(), resume=True)  # free again once the holder is done
