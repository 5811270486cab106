"""Replications in bulk: one task per design point gives the tables of one task per run."""

from __future__ import annotations

from helpers import scenario_params

from sim.experiments.runner import (
    ResultStore,
    RunOutcome,
    RunSpec,
    SerialExecutor,
    bulk_groups,
    bulk_size,
    default_executor,
    execute_run,
    run_batch,
)

SEEDS = (3, 4, 5)


def specs(days: int = 25, replication_major: bool = False) -> list[RunSpec]:
    """Two design points (structures) x three replications."""
    points = [(name, scenario_params(name)) for name in ("defined", "integrated")]
    pairs = [(p, r) for r in range(len(SEEDS)) for p in points] if replication_major else None
    pairs = pairs or [(p, r) for p in points for r in range(len(SEEDS))]
    return [RunSpec(name, params, SEEDS[r], r, days) for (name, params), r in pairs]


def test_a_bulk_of_replications_gives_the_tables_of_separate_runs_on_any_executor(tmp_path):
    runs = specs()
    reference = ResultStore(tmp_path / "separate")
    assert run_batch(runs, reference, SerialExecutor()) == 0
    for name, executor in (("serial", SerialExecutor()), ("pool", default_executor(2))):
        store = ResultStore(tmp_path / name)
        try:
            assert run_batch(runs, store, executor, bulk=3) == 0
        finally:
            executor.shutdown()
        assert store.summaries().equals(reference.summaries()), name
        assert store.timeseries().equals(reference.timeseries()), name


def test_groups_hold_one_design_point_in_either_order_and_flush_when_too_many_are_open():
    for replication_major in (False, True):
        groups = list(bulk_groups(iter(specs(replication_major=replication_major)), 3))
        assert sorted(len(g) for g in groups) == [3, 3]
        assert all(len({(s.scenario, s.days) for s in g}) == 1 for g in groups)
        assert sorted(s.replication for g in groups for s in g) == [0, 0, 1, 1, 2, 2]
    flushed = list(bulk_groups(iter(specs(replication_major=True)), 3, open_points=1))
    assert sum(map(len, flushed)) == 6 and max(map(len, flushed)) < 3  # never more than 1 point open
    assert [len(g) for g in bulk_groups(iter(specs()), 1)] == [1] * 6


def test_bulk_size_keeps_two_tasks_per_worker():
    assert bulk_size(replications=20, runs=40, workers=2) == 10
    assert bulk_size(replications=3, runs=600, workers=2) == 3
    assert bulk_size(replications=5, runs=5, workers=8) == 1


def failing(spec: RunSpec) -> RunOutcome:
    """A task whose second replication fails as a model would (recorded, not raised)."""
    if spec.replication == 1:
        return RunOutcome(spec, error="boom")
    return execute_run(spec)


def test_a_failed_run_in_a_bulk_is_recorded_and_the_others_stored_and_resumed(tmp_path):
    runs = specs(days=5)
    failed = {s.run_id for s in runs if s.replication == 1}
    store = ResultStore(tmp_path / "bulk")
    assert run_batch(runs, store, SerialExecutor(), bulk=3, task=failing) == 2
    assert store.failed_ids() == failed and len(store.summaries()) == 4
    submitted: list[str] = []

    class Recording(SerialExecutor):
        def submit(self, fn, /, *args, **kwargs):
            submitted.extend(s.run_id for s in args[0])
            return super().submit(fn, *args, **kwargs)

    resumed = ResultStore(tmp_path / "bulk")
    assert run_batch(runs, resumed, Recording(), bulk=3) == 0
    assert sorted(submitted) == sorted(failed)  # only the failed runs ran again
    assert resumed.failed_ids() == set() and len(resumed.summaries()) == 6


# Evaluated in a worker by the builtin eval: how many of the model's kernels hold compiled code.
LOADED = (
    "sum(bool(f.signatures) for m in ('sim.model.kernels', 'sim.model.kernels_queue')"
    " for f in vars(__import__('sys').modules[m]).values() if hasattr(f, 'signatures'))"
)


def test_pool_workers_start_with_the_compiled_kernels_loaded():
    """The fork server ran the model once, so no worker loads numba's cache on its first run."""
    pool = default_executor(2)
    try:
        assert all(f.result() >= 20 for f in [pool.submit(eval, LOADED) for _ in range(2)])
    finally:
        pool.shutdown()
