"""Sweeps on Dask: a LocalCluster, and a real scheduler with worker processes, one killed midway.

Dask is an optional extra that CI installs (scripts/setup.sh), so a missing dask fails these
tests at import instead of skipping them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import distributed
import pandas as pd
import pytest
from helpers import RUN_CLI
from pandas.testing import assert_frame_equal

import sim.experiments.executors
from sim.cli import main as cli
from sim.experiments.runner import SUMMARY_DIR, default_executor
from sim.experiments.spec import load_experiment
from sim.experiments.sweep import RUNS_FILE, SERIES_FILE, SUMMARY_FILE, run_sweep
from sim.model.params import ParameterError

ROOT = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).parent / "dask"
SHIM = RUN_CLI  # the command line, run in a subprocess
SPEC = """
name = "on_dask"
scenario = "defined"
design = "grid"
replications = 3
days = 100
period = "quarter"
kpis = ["revenue", "leakage_share"]
[parameters]
rep_response_latency_hours = [0.25, 1.0, 2.0, 4.0, 8.0]
marketing_budget_share = [0.04, 0.08, 0.12, 0.16]
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dask") / "on_dask.toml"
    path.write_text(textwrap.dedent(SPEC), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(spec, tmp_path_factory) -> Path:
    """The same sweep on the local process pool (2 workers)."""
    pool = default_executor(2)
    try:
        result = run_sweep(
            load_experiment(spec), tmp_path_factory.mktemp("pool") / "sweep", pool, in_flight=4
        )
    finally:
        pool.shutdown()
    assert result.failed == []
    return result.folder


def assert_same_tables(folder: Path, reference: Path) -> None:
    for name in (RUNS_FILE, SERIES_FILE):
        assert_frame_equal(
            pd.read_parquet(folder / name), pd.read_parquet(reference / name), check_exact=True
        )
    assert (folder / SUMMARY_FILE).read_bytes() == (reference / SUMMARY_FILE).read_bytes()


# ---------------------------------------------------------------------- LocalCluster
def test_local_dask_cluster_gives_the_local_pool_tables(spec, reference, tmp_path, monkeypatch, capsys):
    assert cli.main(["sweep", str(spec), "--dask-local", "2", "--out", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["finished"] == report["runs"] == 60
    assert_same_tables(Path(report["folder"]), reference)
    meta = json.loads((Path(report["folder"]) / "metadata.json").read_text())
    assert meta["sessions"][0]["executor"] == "local dask cluster of 2 worker processes"


# ---------------------------------------------------------------------- scheduler and workers
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    handle = log.open("w")
    return subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def cluster(tmp_path) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """`dask scheduler` and two single-threaded `dask worker` processes (no nanny) on loopback."""
    address = f"tcp://127.0.0.1:{free_port()}"
    scheduler = start(
        [
            str(DASK),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            address.rsplit(":", 1)[1],
            "--no-dashboard",
        ],
        tmp_path / "scheduler.log",
    )
    worker_args = ["--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"]
    workers = [
        start([str(DASK), "worker", address, *worker_args], tmp_path / f"worker{i}.log") for i in range(2)
    ]
    try:
        with distributed.Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for process in (*workers, scheduler):
            stop(process)


def test_sweep_survives_a_killed_worker(spec, reference, cluster, tmp_path):
    address, workers = cluster
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["sweep", str(spec), "--scheduler", address, "--out", str(out), "--chunk-runs", "2", "--json"]
    sweep = subprocess.Popen(
        [sys.executable, "-c", SHIM, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        folder = wait_for_chunks(out, sweep, 2)
        os.kill(workers[0].pid, signal.SIGKILL)  # the worker process itself: no nanny to restart it
        workers[0].wait(timeout=10)
        running = sweep.poll() is None
        stdout, stderr = sweep.communicate(timeout=240)
    finally:
        stop(sweep)
    assert running, "the sweep had finished before the worker was killed"
    assert sweep.returncode == 0, stderr
    report = json.loads(stdout)
    assert report["finished"] == report["runs"] == 60 and report["failed"] == []
    assert_same_tables(folder, reference)


def wait_for_chunks(parent: Path, process: subprocess.Popen, n: int, timeout: float = 120) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        folders = list(parent.glob("sweep-*"))
        if folders and len(list((folders[0] / SUMMARY_DIR).glob("chunk-*.parquet"))) >= n:
            return folders[0]
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError("no chunks appeared in time")


# ---------------------------------------------------------------------- errors before any work
def test_an_unreachable_scheduler_is_one_line_exit_2_and_writes_nothing(spec, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sim.experiments.executors, "CONNECT_TIMEOUT_S", 1)
    address = f"tcp://127.0.0.1:{free_port()}"
    code = cli.main(["sweep", str(spec), "--scheduler", address, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: --scheduler: cannot reach {address}"), err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()


def test_missing_dask_is_a_clear_one_line_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now raises ImportError
    with (
        pytest.raises(
            ParameterError, match=r"--dask-local: dask is not installed; allowed: install the dask extra"
        ),
        sim.experiments.executors.open_executor(dask_local=2),
    ):
        pass
