"""Our runner against `mesa.batch_run` on the same runs, and our runner's parallel efficiency.

Run on demand (not part of the tests): `.venv/bin/python benchmarks/bench_batch_run.py`.

The same runs: the default scenario, the same seeds, the same number of days, through both
paths in one invocation, both on 2 processes, each timed from the call to the last result in
hand (pool start-up included, as a user waits for it). Each path keeps what its users get:

- ours, `sim.experiments.runner.run_batch` on `default_executor(2)`, the replications in bulk
  (`bulk_size`: about two tasks per worker): for every run the standard summary
  (every KPI over the horizon) and the weekly table (one row per week, every KPI column),
  streamed to parquet chunks on disk;
- `mesa.batch_run(number_processes=2)`: a Mesa user's model class whose `DataCollector` collects
  a dozen KPIs (cumulative revenue and deals, the week's inquiries and MQLs, levels of trust,
  awareness and pipeline) once a week, so `batch_run` returns one dict per run per week, held in
  memory, as `batch_run` always does.

Both paths produce each run's total revenue, and the benchmark checks that they are identical,
run by run: proof that they ran the same simulations.

Parallel efficiency: our throughput on 2 workers over 2 x our throughput on 1 worker
(in-process, no pool), on the same kind of runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import mesa
import numpy as np
from common import Figure, median

from sim.experiments.runner import (
    ResultStore,
    RunSpec,
    bulk_size,
    default_executor,
    replication_seeds,
    run_batch,
)
from sim.model.model import SalesMarketingModel
from sim.model.scenario import load_scenario

SCENARIO = "defined"
ROOT_SEED = 2026
RATIO_TARGET = 3.0
EFFICIENCY_TARGET = 0.85
WEEK = 5  # working days


def _cumulative(name: str):
    def report(model: SalesMarketingModel) -> float:
        return float(np.sum(model.daily[name]))  # as summary() totals it: bit-identical totals

    return report


def _latest(name: str):
    def report(model: SalesMarketingModel) -> float:
        return model.daily[name][-1]

    return report


REPORTERS = {
    "revenue": _cumulative("revenue"),
    "deals_won": _cumulative("deals_won"),
    "inquiries": _latest("inquiries"),
    "mqls": _latest("mqls"),
    "sqls": _latest("sqls"),
    "leaked": _latest("leaked"),
    "awareness": _latest("awareness"),
    "brand_consistency": _latest("brand_consistency"),
    "trust_sales_in_marketing": _latest("trust_sales_in_marketing"),
    "trust_marketing_in_sales": _latest("trust_marketing_in_sales"),
    "pipeline_value": _latest("pipeline_value"),
    "open_opportunities": _latest("open_opportunities"),
}


class MesaUserModel(SalesMarketingModel):
    """Our model as a Mesa user would hand it to `batch_run`: keyword parameters, a DataCollector.

    Args:
        scenario: A shipped scenario's name.
        seed: The root seed (batch_run passes its `rng` values here, as the model takes `seed`).
    """

    def __init__(self, scenario: str = SCENARIO, seed: int | None = None) -> None:
        resolved = load_scenario(scenario)
        super().__init__(resolved.params, seed=seed, interventions=resolved.interventions)
        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)

    def step(self) -> None:
        """One day, then the weekly collection."""
        super().step()
        if self.day % WEEK == 0:
            self.datacollector.collect(self)


def specs(seeds: list[int], days: int) -> list[RunSpec]:
    """Our run specs for the benchmark's runs."""
    params = load_scenario(SCENARIO).params
    return [RunSpec(SCENARIO, params, seed, i, days, "week") for i, seed in enumerate(seeds)]


def run_ours(seeds: list[int], days: int, workers: int) -> tuple[float, dict[int, float]]:
    """Wall seconds of our runner over the runs, and each run's revenue by seed."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        store = ResultStore(Path(tmp))
        executor = default_executor(workers)
        try:
            bulk = bulk_size(len(seeds), len(seeds), workers)  # one design point: replications in bulk
            failed = run_batch(specs(seeds, days), store, executor, in_flight=2 * workers, bulk=bulk)
        finally:
            executor.shutdown()
        seconds = time.perf_counter() - start
        assert failed == 0, "a benchmark run failed"
        table = store.summaries()
    return seconds, dict(zip(table["seed"].tolist(), table["revenue"].tolist(), strict=True))


def run_mesa(seeds: list[int], days: int, processes: int) -> tuple[float, dict[int, float]]:
    """Wall seconds of `mesa.batch_run` over the same runs, and each run's revenue by seed."""
    start = time.perf_counter()
    rows = mesa.batch_run(
        MesaUserModel,
        parameters={"scenario": SCENARIO},
        rng=seeds,
        number_processes=processes,
        max_steps=days,
        data_collection_period=1,  # every collection the model made: weekly rows
        display_progress=False,
    )
    seconds = time.perf_counter() - start
    last: dict[int, tuple[float, float]] = {}
    for row in rows:
        if row["seed"] not in last or row["Step"] > last[row["seed"]][0]:
            last[row["seed"]] = (row["Step"], row["revenue"])
    return seconds, {seed: revenue for seed, (_, revenue) in last.items()}


def compare(runs: int = 200, days: int = 500, processes: int = 2, rounds: int = 1) -> Figure:
    """(c) Throughput of our runner over mesa.batch_run's on the same runs (ratio, one invocation).

    With several rounds, the paths alternate (ours, Mesa, Mesa, ours, ...) and the medians are
    compared, which evens out a shared machine's drifting load.
    """
    seeds = replication_seeds(ROOT_SEED, runs)
    ours, theirs = [], []
    for r in range(rounds):
        order = ("ours", "mesa") if r % 2 == 0 else ("mesa", "ours")
        for path in order:
            if path == "ours":
                seconds, our_revenue = run_ours(seeds, days, processes)
                ours.append(seconds)
            else:
                seconds, mesa_revenue = run_mesa(seeds, days, processes)
                theirs.append(seconds)
    same = our_revenue == mesa_revenue and len(our_revenue) == runs
    ratio = median(theirs) / median(ours)
    return Figure(
        "batch_run_ratio",
        f"(c) our runner vs mesa.batch_run, {runs} runs x {days} days, {processes} procs",
        ratio,
        "x",
        f">= {RATIO_TARGET}x",
        bool(ratio >= RATIO_TARGET and same),
        {
            "ours_s": ours,
            "mesa_s": theirs,
            "ours_runs_per_s": runs / median(ours),
            "mesa_runs_per_s": runs / median(theirs),
            "identical_revenue_per_run": same,
            "runs": runs,
            "days": days,
            "processes": processes,
        },
    )


def efficiency(compared: Figure, serial_runs: int = 50) -> Figure:
    """Parallel efficiency of our runner: its throughput in `compare` / (workers x on 1 worker).

    The 1-worker throughput is measured in-process (no pool) on the first `serial_runs` of the
    same runs, so both throughputs are of the same kind of run.
    """
    d = compared.detail
    workers, days = d["processes"], d["days"]
    seeds = replication_seeds(ROOT_SEED, d["runs"])[:serial_runs]
    serial_s, _ = run_ours(seeds, days, 1)
    one, many = serial_runs / serial_s, d["ours_runs_per_s"]
    value = many / (workers * one)
    return Figure(
        "parallel_efficiency",
        f"(c) our runner's parallel efficiency on {workers} workers",
        100 * value,
        "%",
        f">= {EFFICIENCY_TARGET:.0%}",
        value >= EFFICIENCY_TARGET,
        {"runs_per_s_1_worker": one, f"runs_per_s_{workers}_workers": many, "serial_runs": serial_runs},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--days", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    ratio = compare(args.runs, args.days, args.processes, args.rounds)
    d = ratio.detail
    print(f"ours: {d['ours_runs_per_s']:.2f} runs/s, mesa.batch_run: {d['mesa_runs_per_s']:.2f} runs/s")
    print(f"identical revenue in every run: {d['identical_revenue_per_run']}")
    print(ratio.line())
    print(efficiency(ratio, max(1, args.runs // 4)).line())


if __name__ == "__main__":
    main()
