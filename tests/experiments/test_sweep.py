"""Sweeps end to end: identical tables on every executor, chunked streaming, summaries, plots, indices."""

from __future__ import annotations

import json
import math
import textwrap
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import sim.experiments.sweep
from sim.cli import main as cli
from sim.experiments import stats
from sim.experiments.designs import design_points
from sim.experiments.runner import (
    FAILURE_DIR,
    SUMMARY_DIR,
    ResultStore,
    RunOutcome,
    SerialExecutor,
    default_executor,
    run_batch,
)
from sim.experiments.sensitivity import analyse, ranked
from sim.experiments.spec import load_experiment
from sim.experiments.stats import level_ci
from sim.experiments.sweep import (
    RUNS_FILE,
    SERIES_FILE,
    SUMMARY_FILE,
    TORNADO_FILE,
    assemble,
    run_specs,
    run_sweep,
)

GRID = """
name = "small_grid"
scenario = "defined"
design = "grid"
replications = 2
days = 15
period = "week"
kpis = ["revenue", "leakage_share"]
[parameters]
rep_response_latency_hours = [0.25, 4.0]
lead_acceptance_by = ["sales", "shared"]
[tornado]
follow_up_attempts = [1, 6]
"""

SOBOL = """
scenario = "defined"
design = "sobol"
samples = 8
replications = 1
days = 10
period = "none"
kpis = ["revenue", "mqls"]
[parameters]
rep_response_latency_hours = [0.1, 8.0]
marketing_budget_share = [0.04, 0.16]
shared_goals = [0.0, 1.0]
"""


def write(folder: Path, text: str, name: str = "spec.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def main(monkeypatch):
    """sim.cli.main.main in this process, with sweep and sensitivity registered."""
    return lambda *args: cli.main([*map(str, args)])


@pytest.fixture(scope="module")
def serial_grid(tmp_path_factory):
    """The small grid with its tornado, run in this process with chunks of 3 runs."""
    folder = tmp_path_factory.mktemp("grid")
    experiment = load_experiment(write(folder, GRID))
    result = run_sweep(experiment, folder / "serial", SerialExecutor(), in_flight=2, chunk_runs=3)
    return experiment, result


# ---------------------------------------------------------------------- determinism and streaming
def test_a_process_pool_gives_bit_identical_tables(serial_grid, tmp_path):
    experiment, serial = serial_grid
    pool = default_executor(2)
    try:
        pooled = run_sweep(experiment, tmp_path / "pool", pool, in_flight=4, chunk_runs=5)
    finally:
        pool.shutdown()
    for name in (RUNS_FILE, SERIES_FILE):
        assert_frame_equal(
            pd.read_parquet(serial.folder / name), pd.read_parquet(pooled.folder / name), check_exact=True
        )
    for name in (SUMMARY_FILE, TORNADO_FILE):
        assert (serial.folder / name).read_bytes() == (pooled.folder / name).read_bytes()


def test_runs_stream_in_chunks_and_the_table_is_sorted_with_common_seeds(serial_grid):
    experiment, result = serial_grid
    assert experiment.runs == (4 + 3) * 2
    assert len(list((result.folder / SUMMARY_DIR).glob("chunk-*.parquet"))) == math.ceil(experiment.runs / 3)
    runs = pd.read_parquet(result.folder / RUNS_FILE)
    assert len(runs) == experiment.runs and runs["run_id"].is_unique
    assert list(runs[["point", "replication"]].itertuples(index=False)) == [
        (p, r) for p in range(experiment.points) for r in range(2)
    ]
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()  # CRN: one seed per replication
    assert set(runs.columns) >= {"run_id", "part", "tornado_parameter", *experiment.varied, *experiment.kpis}
    series = pd.read_parquet(result.folder / SERIES_FILE)
    assert len(series) == experiment.runs * 3  # 15 days = 3 weeks per run
    assert list(series.columns[-2:]) == list(experiment.kpis)


def test_summary_is_the_mean_and_level_interval_of_each_point(serial_grid):
    experiment, result = serial_grid
    runs = pd.read_parquet(result.folder / RUNS_FILE)
    summary = pd.read_csv(result.folder / SUMMARY_FILE)
    assert len(summary) == experiment.points and (summary["runs"] == 2).all()
    for point in (0, 5):
        interval = level_ci(runs.loc[runs["point"] == point, "revenue"].to_numpy(), "revenue")
        row = summary.loc[summary["point"] == point].iloc[0]
        assert row["revenue_mean"] == pytest.approx(interval.mean, rel=1e-12)
        assert row["revenue_ci_low"] == pytest.approx(interval.low, rel=1e-9)
        assert row["revenue_ci_high"] == pytest.approx(interval.high, rel=1e-9)
    labels = pd.DataFrame([p.labels() for p in design_points(experiment)])
    assert summary["lead_acceptance_by"].tolist() == labels["lead_acceptance_by"].tolist()


def test_assembling_a_few_points_at_a_time_gives_the_same_tables(serial_grid, tmp_path):
    experiment, result = serial_grid
    before = {n: pd.read_parquet(result.folder / n) for n in (RUNS_FILE, SERIES_FILE)}
    summary = (result.folder / SUMMARY_FILE).read_bytes()
    assemble(experiment, result.folder, budget=3)  # 1 point (2 runs, 6 series rows) per step
    for name, table in before.items():
        assert_frame_equal(table, pd.read_parquet(result.folder / name), check_exact=True)
    assert (result.folder / SUMMARY_FILE).read_bytes() == summary


def test_tornado_pairs_each_side_with_the_base_runs(serial_grid):
    experiment, result = serial_grid
    tornado = pd.read_csv(result.folder / TORNADO_FILE)
    assert tornado["kpi"].tolist() == ["revenue", "leakage_share"]
    runs = pd.read_parquet(result.folder / RUNS_FILE)
    base = runs[runs["part"] == "tornado_base"].set_index("replication")["revenue"]
    high = runs[runs["part"] == "tornado_high"].set_index("replication")["revenue"]
    row = tornado.iloc[0]
    assert row["high_value"] == 6 and row["high_difference"] == pytest.approx((high - base).mean())
    assert row["base_mean"] == pytest.approx(base.mean())


# ---------------------------------------------------------------------- failures and resume
def test_failed_runs_are_recorded_and_rerun_on_resume(tmp_path, monkeypatch):
    experiment = load_experiment(write(tmp_path, GRID))
    real_task = sim.experiments.sweep.sweep_task

    def flaky(spec, kpis):
        if spec.point["point"] == 1:
            return RunOutcome(spec, error="Traceback: boom")
        return real_task(spec, kpis)

    monkeypatch.setattr(sim.experiments.sweep, "sweep_task", flaky)
    first = run_sweep(experiment, tmp_path / "out", SerialExecutor(), chunk_runs=4)
    assert len(first.failed) == 2
    assert len(list((tmp_path / "out" / FAILURE_DIR).glob("*.txt"))) == 2
    assert first.summary.loc[first.summary["point"] == 1, "runs"].item() == 0
    assert np.isnan(first.summary.loc[first.summary["point"] == 1, "revenue_mean"].item())
    monkeypatch.setattr(sim.experiments.sweep, "sweep_task", real_task)
    second = run_sweep(experiment, tmp_path / "out", SerialExecutor(), resume=True)
    assert second.failed == [] and second.skipped == experiment.runs - 2
    assert (second.summary["runs"] == 2).all()
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert [s["runs_already_done"] for s in meta["sessions"]] == [0, experiment.runs - 2]


# ---------------------------------------------------------------------- command line, metadata, plots
def test_sweep_command_writes_tables_plots_and_metadata(main, tmp_path, capsys):
    spec = write(tmp_path, GRID.replace('lead_acceptance_by = ["sales", "shared"]\n', ""))
    assert main("sweep", spec, "--out", tmp_path, "--workers", "1", "--json", "--days", "10") == 0
    report = json.loads(capsys.readouterr().out)
    folder = Path(report["folder"])
    assert folder.parent == tmp_path and folder.name.startswith("sweep-small_grid-")
    assert report["runs"] == report["finished"] == (2 + 3) * 2 and report["failed"] == []
    for name in ("sweep.png", "tornado.png", "summary.csv", "runs.parquet", "design.csv", "tornado.csv"):
        assert (folder / name).stat().st_size > 0, name
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["status"] == "complete" and meta["counts"]["finished"] == 10
    assert meta["seeds"]["root_seed"] == 0 and meta["seeds"]["design_seed"] > 0
    assert len(meta["seeds"]["replication_seeds"]) == 2
    assert meta["experiment"]["spec"]["parameters"] == {"rep_response_latency_hours": [0.25, 4.0]}
    assert meta["experiment"]["settings"]["days"] == 10  # the override, as run
    assert {"numpy", "mesa", "SALib", "dask"} <= set(meta["environment"]["packages"])
    assert meta["environment"]["git"]["commit"]
    assert meta["scenario"]["name"] == "defined"


def test_two_parameter_grid_gives_heatmaps(main, tmp_path, capsys):
    spec = write(tmp_path, GRID.replace("[tornado]\nfollow_up_attempts = [1, 6]\n", ""))
    assert main("sweep", spec, "--out", tmp_path, "--workers", "1", "--days", "5") == 0
    out = capsys.readouterr().out
    assert "Design points by revenue (all 4" in out and "sweep.png" in out and "tornado" not in out


def test_lhs_sweep_plots_scatter_panels(main, tmp_path, capsys):
    text = SOBOL.replace('"sobol"', '"lhs"').replace("samples = 8", "samples = 6")
    assert main("sweep", write(tmp_path, text), "--out", tmp_path, "--workers", "1", "--quiet") == 0
    folder = Path(capsys.readouterr().out.strip())
    assert (folder / "sweep.png").exists() and not (folder / SERIES_FILE).exists()  # period = "none"
    assert len(pd.read_csv(folder / SUMMARY_FILE)) == 6


@pytest.mark.parametrize(
    ("design", "columns"), [("sobol", ["S1", "S1_conf", "ST", "ST_conf"]), ("morris", ["mu_star", "sigma"])]
)
def test_sensitivity_command_writes_indices_and_plots(main, tmp_path, capsys, design, columns):
    text = (
        SOBOL
        if design == "sobol"
        else SOBOL.replace('"sobol"', '"morris"').replace("samples = 8", "samples = 4")
    )
    assert main("sensitivity", write(tmp_path, text), "--out", tmp_path, "--workers", "1", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    folder = Path(report["folder"])
    table = pd.read_csv(folder / f"{design}.csv")
    assert len(table) == 2 * 3 and set(columns) <= set(table.columns)
    assert {(folder / f"{design}_{kpi}.png").exists() for kpi in ("revenue", "mqls")} == {True}
    assert report["sensitivity"]["method"] == design
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["sensitivity"]["bootstrap_seed"] > 0


# ---------------------------------------------------------------------- the analysis itself
def synthetic_summary(experiment, weights: dict[str, float]) -> pd.DataFrame:
    """A summary whose KPI is a known linear function of the design's values (no model runs)."""
    rows = []
    for point in design_points(experiment):
        y = sum(w * point.values[name] for name, w in weights.items())
        rows.append({**point.labels(), "runs": 1, "revenue_mean": y, "mqls_mean": 1.0 + 0 * y})
    return pd.DataFrame(rows)


def test_sobol_indices_rank_a_known_function(tmp_path):
    text = SOBOL.replace("samples = 8", "samples = 256").replace(
        'kpis = ["revenue", "mqls"]', 'kpis = ["revenue"]'
    )
    experiment = load_experiment(write(tmp_path, text))
    weights = {"rep_response_latency_hours": 1.0, "marketing_budget_share": 20.0, "shared_goals": 0.0}
    # Variance shares: latency (8 - 0.1)^2 = 62.4, budget (20 * 0.12)^2 = 5.8, goals 0.
    result = ranked(analyse(synthetic_summary(experiment, weights), experiment), "revenue")
    assert result["parameter"].tolist() == [
        "rep_response_latency_hours",
        "marketing_budget_share",
        "shared_goals",
    ]
    assert result["ST"].iloc[0] == pytest.approx(62.4 / 68.2, abs=0.05)
    assert abs(result["ST"].iloc[2]) < 0.01


def test_morris_screens_out_a_parameter_without_effect(tmp_path):
    text = SOBOL.replace('"sobol"', '"morris"').replace("samples = 8", "samples = 10")
    experiment = load_experiment(write(tmp_path, text))
    weights = {"rep_response_latency_hours": 1.0, "marketing_budget_share": 20.0, "shared_goals": 0.0}
    sensitivity = analyse(synthetic_summary(experiment, weights), experiment)
    result = ranked(sensitivity, "revenue").set_index("parameter")
    # mu* is per unit of a parameter's range: 7.9 for latency, 2.4 for the budget share, 0 for goals.
    assert result.loc["rep_response_latency_hours", "mu_star"] == pytest.approx(7.9, rel=1e-9)
    assert result.loc["marketing_budget_share", "mu_star"] == pytest.approx(2.4, rel=1e-9)
    assert result.loc["shared_goals", "mu_star"] == 0
    assert sensitivity.skipped == {}


class DyingWorkerExecutor(SerialExecutor):
    """Each task's first submission fails as if its worker died (the executor raises, not the model).

    A task is one spec, or a list of them (the replications of a design point run in bulk).
    """

    def __init__(self) -> None:
        self.seen: set[tuple[str, ...]] = set()

    def submit(self, fn, /, *args, **kwargs):
        specs = args[0] if isinstance(args[0], list) else [args[0]]
        key = tuple(spec.run_id for spec in specs)
        if key not in self.seen:
            self.seen.add(key)
            future = Future()
            future.set_exception(OSError("worker died"))
            return future
        return super().submit(fn, *args, **kwargs)


def test_runs_whose_worker_died_are_resubmitted(serial_grid, tmp_path):
    experiment, serial = serial_grid
    retried = run_sweep(experiment, tmp_path / "retried", DyingWorkerExecutor(), retries=1)
    assert retried.failed == []
    assert_frame_equal(
        pd.read_parquet(serial.folder / RUNS_FILE),
        pd.read_parquet(retried.folder / RUNS_FILE),
        check_exact=True,
    )
    without = run_sweep(experiment, tmp_path / "not_retried", DyingWorkerExecutor(), retries=0)
    assert len(without.failed) == experiment.runs


def test_specs_are_drawn_lazily_a_few_ahead_of_the_finished_runs(tmp_path):
    experiment = load_experiment(write(tmp_path, GRID))
    drawn, seen = [], []

    def counting():
        for spec in run_specs(experiment):
            drawn.append(spec)
            yield spec

    store = ResultStore(tmp_path / "lazy")
    run_batch(counting(), store, SerialExecutor(), in_flight=3, on_done=lambda _o: seen.append(len(drawn)))
    assert seen[0] <= 3 and all(n <= i + 4 for i, n in enumerate(seen))
    assert len(drawn) == experiment.runs


# ---------------------------------------------------------------------- intervals inside the support
def test_point_intervals_of_non_negative_kpis_stay_above_zero_with_heavy_noise():
    from sim.experiments.sweep import point_summary

    rng = np.random.default_rng(3)
    runs = pd.DataFrame(
        {
            "point": np.repeat(np.arange(40), 3),
            "revenue": rng.lognormal(0.0, 2.5, 120) * (rng.random(120) < 0.6),  # zeros and heavy tails
            "win_rate": rng.beta(0.3, 0.3, 120),
        }
    )

    class Point:
        def __init__(self, i: int) -> None:
            self.i = i

        def labels(self) -> dict[str, int]:
            return {"point": self.i}

    table = point_summary([Point(i) for i in range(40)], runs, ["revenue", "win_rate"])
    plain = [stats.mean_ci(v) for _, v in runs.groupby("point")["revenue"]]
    assert any(iv.low < 0 for iv in plain)  # the t interval would cross zero
    assert (table["revenue_ci_low"] >= 0).all() and (table["revenue_ci_low"] <= table["revenue_mean"]).all()
    assert (table["win_rate_ci_low"] > 0).all() and (table["win_rate_ci_high"] < 1).all()


def test_morris_mu_star_intervals_never_reach_below_zero(tmp_path):
    from sim.reporting.sweep_plots import _mu_star_error

    text = SOBOL.replace('"sobol"', '"morris"').replace("samples = 8", "samples = 4")
    experiment = load_experiment(write(tmp_path, text))
    summary = synthetic_summary(experiment, {"shared_goals": 1.0})
    noise = np.random.default_rng(5).standard_cauchy(len(summary))  # heavy tails: a few huge effects
    summary["revenue_mean"] = summary["revenue_mean"] + noise  # effects of both signs: a wide bootstrap
    table = ranked(analyse(summary, experiment), "revenue")
    assert (table["mu_star"] - table["mu_star_conf"] < 0).any()  # mu* +- conf would cross zero
    assert (table["mu_star_ci_low"] > 0).all()
    assert (table["mu_star_ci_low"] <= table["mu_star"]).all() and (
        table["mu_star"] <= table["mu_star_ci_high"]
    ).all()
    down, _ = _mu_star_error(table)
    assert (table["mu_star"] - down >= 0).all()  # the bars end at the interval, above zero


@pytest.mark.parametrize(("replications", "warned"), [(1, True), (2, True), (3, False)])
def test_sweeps_with_fewer_than_three_replications_warn_on_one_line(
    main, tmp_path, capsys, replications, warned
):
    text = SOBOL.replace('"sobol"', '"lhs"').replace("samples = 8", "samples = 2")
    args = ("sweep", write(tmp_path, text), "--out", tmp_path, "--workers", "1", "--days", "3")
    assert main(*args, "--replications", replications) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(lines) == (1 if warned else 0)
    if warned:
        assert f"{replications} replication" in lines[0] and "--replications 3" in lines[0]
    if replications == 1:
        assert "no interval from one replication" in captured.out and "nan" not in captured.out
