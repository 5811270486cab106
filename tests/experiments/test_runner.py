"""The runner's process pool: warm workers, and results that do not depend on the executor."""

from __future__ import annotations

from helpers import scenario_params

from sim.experiments.runner import ResultStore, RunSpec, SerialExecutor, default_executor, run_batch

# Evaluated in a worker by the builtin eval, so that unpickling the task imports nothing itself.
PROBE = "all(m in __import__('sys').modules for m in ('sim.model.model', 'mesa', 'scipy.special'))"


def test_pool_workers_start_with_the_model_imported():
    """Workers fork from a server that imported the model: no per-worker import on the first run."""
    pool = default_executor(2)
    try:
        assert all(f.result() for f in [pool.submit(eval, PROBE) for _ in range(4)])
    finally:
        pool.shutdown()


def test_pool_and_serial_runs_give_identical_tables(tmp_path):
    """The same specs through a 2-process pool and in-process give the same summaries."""
    specs = [RunSpec("defined", scenario_params("defined"), seed, i, 30) for i, seed in enumerate((3, 4, 5))]
    tables = []
    for name, executor in (("pool", default_executor(2)), ("serial", SerialExecutor())):
        store = ResultStore(tmp_path / name)
        try:
            assert run_batch(specs, store, executor) == 0
        finally:
            executor.shutdown()
        tables.append(store.summaries())
    assert tables[0].equals(tables[1])
