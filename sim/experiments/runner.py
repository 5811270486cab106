"""Run many model runs on any `concurrent.futures.Executor`, streaming results to disk.

Design choices, after what `mesa.batch_run` lacks (DESIGN.md section 6):
- any Executor: a process pool by default, serial in-process for one worker, a Dask cluster's
  executor when given one; results never depend on which, because each run is a pure function
  of its `RunSpec` and the tables are sorted by run id before anyone reads them;
- bounded memory: at most a few runs per worker are in flight, and finished runs are flushed to
  disk in chunks (written to a temporary name, then renamed), so a killed batch loses only the
  runs in flight and a resumed one skips every run already in a chunk;
- a run that raises is recorded with its traceback and the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.model.params import Intervention, Params
from sim.output import atomic_write, atomic_write_text

CHUNK_RUNS = 50  # runs per chunk file: few files for big sweeps, little lost when killed
SUMMARY_DIR, SERIES_DIR, FAILURE_DIR = "runs", "series", "failures"
NO_SERIES = "none"  # RunSpec.period of runs whose time series nobody reads
# What the process pool's fork server imports before forking workers: the driver's main module
# (so tasks defined in a script unpickle, as by default) and the model with its dependencies.
WORKER_PRELOAD = ["__main__", "sim.model.model"]


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs; its id is a digest of all of it, so it is stable across sessions."""

    scenario: str
    params: Params
    seed: int
    replication: int
    days: int
    period: str = "week"
    interventions: tuple[Intervention, ...] = ()
    point: dict[str, Any] = field(default_factory=dict)  # the design point, for sweeps

    @property
    def run_id(self) -> str:
        """A short deterministic id: same inputs, same id, in every process and session."""
        blob = json.dumps(
            {
                "scenario": self.scenario,
                "params": self.params.flat(),
                "seed": self.seed,
                "replication": self.replication,
                "days": self.days,
                "period": self.period,
                "interventions": [(i.day, sorted(i.values.items())) for i in self.interventions],
                "point": sorted(self.point.items()),
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def labels(self) -> dict[str, Any]:
        """Identifying columns that lead every output row of this run."""
        return {
            "run_id": self.run_id,
            "scenario": self.scenario,
            "replication": self.replication,
            "seed": self.seed,
            **self.point,
        }


@dataclass
class RunOutcome:
    """What comes back from a worker: tables for a success, a traceback for a failure."""

    spec: RunSpec
    summary: dict[str, Any] | None = None
    timeseries: pd.DataFrame | None = None
    error: str | None = None


def replication_seeds(root_seed: int, replications: int) -> list[int]:
    """Per-replication seeds from one root SeedSequence.

    Replication i gets the same seed in every scenario, which is what makes differences between
    scenarios paired (common random numbers). Asking for more replications later extends the
    list: the first seeds stay the same.
    """
    children = np.random.SeedSequence(root_seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def execute_run(spec: RunSpec, extra: Callable[[Any], dict[str, float]] | None = None) -> RunOutcome:
    """Run one simulation (in whatever process the executor chose); never raises.

    Args:
        spec: The run.
        extra: Further summary columns computed from the finished model in the worker (e.g.
            counts over its leads, which are too big to ship back); a module-level function,
            so it pickles (`functools.partial(execute_run, extra=f)` is a task for `run_batch`).
    """
    from sim.model.model import SalesMarketingModel

    try:
        model = SalesMarketingModel(spec.params, seed=spec.seed, interventions=spec.interventions)
        model.run(spec.days)
        summary = model.summary() if extra is None else {**model.summary(), **extra(model)}
        series = pd.DataFrame() if spec.period == NO_SERIES else model.timeseries(spec.period)
        return RunOutcome(spec, summary, series)
    except Exception:  # noqa: BLE001 - a failing run is recorded, not fatal to the batch
        return RunOutcome(spec, error=traceback.format_exc())


class ResultStore:
    """A results folder that grows chunk by chunk.

    `runs/` holds summaries, `series/` time series, `failures/` tracebacks; every file is
    written under a temporary name and renamed.
    """

    def __init__(self, folder: Path, chunk_runs: int = CHUNK_RUNS) -> None:
        self.folder = Path(folder)
        self.chunk_runs = chunk_runs
        for sub in (SUMMARY_DIR, SERIES_DIR, FAILURE_DIR):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        self._pending: list[RunOutcome] = []
        self._chunk = len(list((self.folder / SUMMARY_DIR).glob("chunk-*.parquet")))

    def finished_ids(self) -> set[str]:
        """Run ids already on disk (successes and failures), for resuming."""
        done: set[str] = set()
        for path in sorted((self.folder / SUMMARY_DIR).glob("chunk-*.parquet")):
            done.update(pd.read_parquet(path, columns=["run_id"])["run_id"])
        return done

    def failed_ids(self) -> set[str]:
        """Run ids whose last attempt failed."""
        return {p.stem for p in (self.folder / FAILURE_DIR).glob("*.txt")}

    def add(self, outcome: RunOutcome) -> None:
        """Keep a finished run; failures go to disk at once, successes in chunks."""
        if outcome.error is not None:
            atomic_write_text(self.folder / FAILURE_DIR / f"{outcome.spec.run_id}.txt", outcome.error)
            return
        stale = self.folder / FAILURE_DIR / f"{outcome.spec.run_id}.txt"
        stale.unlink(missing_ok=True)  # a resumed run that now succeeded
        self._pending.append(outcome)
        if len(self._pending) >= self.chunk_runs:
            self.flush()

    def flush(self) -> None:
        """Write the pending runs as one chunk of each table."""
        if not self._pending:
            return
        summaries = pd.DataFrame([{**o.spec.labels(), **o.summary} for o in self._pending])
        series = pd.concat(
            [_labelled(o.timeseries, o.spec.labels()) for o in self._pending], ignore_index=True
        )
        name = f"chunk-{self._chunk:06d}.parquet"
        if not series.empty:  # runs that record no time series (sweeps with period "none")
            atomic_write(self.folder / SERIES_DIR / name, lambda tmp: series.to_parquet(tmp, index=False))
        # The summary chunk goes last: its presence is what marks these runs as done.
        atomic_write(self.folder / SUMMARY_DIR / name, lambda tmp: summaries.to_parquet(tmp, index=False))
        self._chunk += 1
        self._pending = []

    def summaries(self) -> pd.DataFrame:
        """All finished runs' summaries, one row per run, in a stable order."""
        return _read_sorted(self.folder / SUMMARY_DIR, ["scenario", "replication", "run_id"])

    def timeseries(self) -> pd.DataFrame:
        """All finished runs' time series, in a stable order."""
        return _read_sorted(self.folder / SERIES_DIR, ["scenario", "replication", "run_id", "period"])


def _labelled(table: pd.DataFrame, labels: dict[str, Any]) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({k: [v] * len(table) for k, v in labels.items()}), table], axis=1)


def _read_sorted(folder: Path, order: list[str]) -> pd.DataFrame:
    paths = sorted(folder.glob("chunk-*.parquet"))
    if not paths:
        return pd.DataFrame()
    table = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
    keys = [k for k in order if k in table.columns]
    return table.sort_values(keys, kind="stable").reset_index(drop=True)


class SerialExecutor(Executor):
    """Runs each task in this process when submitted: one worker, no pickling, easy debugging."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:  # noqa: D102
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


def default_executor(workers: int | None) -> Executor:
    """A process pool of `workers` (all cores when None), or in-process for one worker."""
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        return SerialExecutor()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # forkserver: workers start clean (no copied threads or locks from the driver). The server
    # imports the model once and every worker is forked from it warm, instead of each worker
    # importing Mesa, SciPy and pandas again on its first run (seconds each on a busy machine).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_PRELOAD)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def run_batch(
    specs: Iterable[RunSpec],
    store: ResultStore,
    executor: Executor,
    *,
    in_flight: int = 8,
    on_done: Callable[[RunOutcome], None] | None = None,
    retries: int = 0,
    task: Callable[[RunSpec], RunOutcome] = execute_run,
) -> int:
    """Run every spec not already in the store; return how many failed.

    Specs are submitted lazily, at most `in_flight` at a time, so the driver's memory does not
    grow with the number of runs. `retries` re-submits a run whose worker died (the executor
    raised, as opposed to the model raising, which is recorded as a failure). `task` replaces
    `execute_run` (it must be picklable, e.g. a module-level function or a `functools.partial`
    of one), for callers that keep only some columns of each run. Finished runs are flushed
    even when the batch stops early (Ctrl-C, a broken pool), so a resume loses only runs in flight.
    """
    done = store.finished_ids()
    todo: Iterator[RunSpec] = (s for s in specs if s.run_id not in done)
    failed = 0
    running: dict[Future, tuple[RunSpec, int]] = {}

    def submit(spec: RunSpec, attempt: int) -> None:
        running[executor.submit(task, spec)] = (spec, attempt)

    try:
        for spec in _take(todo, in_flight):
            submit(spec, 0)
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                spec, attempt = running.pop(future)
                outcome = _outcome(future, spec)
                if outcome.error is not None and _worker_died(future) and attempt < retries:
                    submit(spec, attempt + 1)
                    continue
                failed += outcome.error is not None
                store.add(outcome)
                if on_done is not None:
                    on_done(outcome)
                for nxt in _take(todo, 1):
                    submit(nxt, 0)
    finally:
        store.flush()
    return failed


def _take(iterator: Iterator[RunSpec], n: int) -> list[RunSpec]:
    out = []
    for spec in iterator:
        out.append(spec)
        if len(out) == n:
            break
    return out


def _outcome(future: Future, spec: RunSpec) -> RunOutcome:
    exc = future.exception()
    if exc is None:
        return future.result()
    text = "".join(traceback.format_exception(exc))
    return RunOutcome(spec, error=f"the worker running this task failed:\n{text}")


def _worker_died(future: Future) -> bool:
    return future.exception() is not None


def progress_bar(total: int | None, show: bool, desc: str = "runs") -> Any:
    """A tqdm bar counting finished runs, drawn only when asked for and stderr is a terminal.

    Every batch (compare, sweep, validation, calibration) shows the same bar, and none writes
    progress into a log file or a pipe, where it would only be noise. tqdm is imported here, so
    that importing this module stays cheap for callers that never show one.

    Args:
        total: Runs expected (None: unknown, the bar just counts).
        show: Whether the caller wants a bar at all (not with --json or --quiet).
        desc: The label in front of the bar.
    """
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="run", disable=not (show and sys.stderr.isatty()))


def run_collecting_failures(
    specs: list[RunSpec],
    store: ResultStore,
    executor: Executor,
    *,
    progress: bool = False,
    task: Callable[[RunSpec], RunOutcome] = execute_run,
) -> list[str]:
    """Run the specs not yet in the store with a progress bar; return the ids of runs that failed.

    A failing run is recorded (its traceback in `failures/`) and the others go on, so one bad
    parameter combination cannot cost a whole comparison or validation. About two runs per
    worker are kept in flight, enough to keep every worker busy between results.

    Args:
        specs: The runs; those already in `store` (a resumed folder) are skipped.
        store: Where finished runs stream to.
        executor: Any Executor; its `_max_workers` (1 when it has none) sets the runs in flight.
        progress: Show a progress bar on a terminal.
        task: Replaces `execute_run`, as in `run_batch`.

    Returns:
        The sorted run ids that failed in this call (earlier failures are in `store.failed_ids()`).
    """
    ids = {s.run_id for s in specs}
    bar = progress_bar(len(specs) - len(store.finished_ids() & ids), progress)
    failed: list[str] = []

    def done(outcome: RunOutcome) -> None:
        if outcome.error is not None:
            failed.append(outcome.spec.run_id)
        bar.update(1)

    try:
        in_flight = 2 * getattr(executor, "_max_workers", 1)
        run_batch(specs, store, executor, in_flight=in_flight, on_done=done, task=task)
    finally:
        bar.close()
    return sorted(failed)
