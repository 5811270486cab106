"""Run many model runs on any `concurrent.futures.Executor`, streaming results to disk.

Design choices, after what `mesa.batch_run` lacks (DESIGN.md section 6):
- any Executor: a process pool by default, serial in-process for one worker, a Dask cluster's
  executor when given one; results never depend on which, because each run is a pure function
  of its `RunSpec` and the tables are sorted by run id before anyone reads them;
- bounded memory: at most a few runs per worker are in flight, and each finished run is written
  to disk at once (a small per-run file, written to a temporary name, fsynced, then renamed),
  later compacted into chunks of `chunk_runs` runs, so a killed batch loses only the runs in
  flight and a resumed one skips every run already on disk;
- a file found unreadable on resume (a chunk truncated by a crash) is reported, removed with its
  partner table, and its runs run again;
- a run that raises is recorded with its traceback and the batch goes on;
- an interrupted batch (Ctrl-C, SIGTERM) cancels what waits and ends its pool's workers at once,
  and pool workers end themselves when the driver dies (even by SIGKILL), so none is orphaned.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.limits import available_cores
from sim.model.params import Intervention, Params
from sim.output import atomic_write, atomic_write_text, fsync_path

CHUNK_RUNS = 50  # runs per chunk file: few files for big sweeps (each run is on disk at once anyway)
CHUNK_GLOB, RUN_GLOB = "chunk-*.parquet", "run-*.parquet"  # compacted chunks; one finished run each
SUMMARY_DIR, SERIES_DIR, FAILURE_DIR = "runs", "series", "failures"
NO_SERIES = "none"  # RunSpec.period of runs whose time series nobody reads
# What the process pool's fork server imports before forking workers: the driver's main module
# (so tasks defined in a script unpickle, as by default) and the model with its dependencies and
# its compiled kernels loaded (`sim.model.warm`), so no worker imports or loads them again.
WORKER_PRELOAD = ["__main__", "sim.model.warm"]


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
                "interventions": [i.key() for i in self.interventions],
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


def execute_runs(
    specs: list[RunSpec], task: Callable[[RunSpec], RunOutcome] = execute_run
) -> list[RunOutcome]:
    """The replications of one design point in one worker call, each exactly as `task` runs it alone.

    One task instead of R spares R - 1 round trips to the worker (pickling the parameters,
    waking the process; a Dask cluster's scheduling) and runs them on one warm process whose
    compiled code is loaded; every run is still a fresh model of its own spec, so the outcomes
    are those of R separate tasks, bit for bit.
    """
    return [task(spec) for spec in specs]


def bulk_size(replications: int, runs: int, workers: int) -> int:
    """Runs per task: a design point's replications, but never so many that workers stand idle.

    Each worker should still get about two tasks (so that it has the next in hand), hence at
    most runs / (2 * workers) runs per task, and at least one.
    """
    return max(1, min(replications, runs // max(1, 2 * workers)))


def design_point(spec: RunSpec) -> str:
    """What the replications of one design point share: the spec's id without seed and replication."""
    return replace(spec, seed=0, replication=0).run_id


def bulk_groups(specs: Iterator[RunSpec], bulk: int, open_points: int = 64) -> Iterator[list[RunSpec]]:
    """Specs grouped by design point, `bulk` at a time, in the order their groups fill.

    Specs may come point by point (sweeps) or replication by replication (compare): a group is
    handed on when full; when more than `open_points` points are half-filled (a resumed sweep
    whose points all lack a few replications), the oldest goes as it is, so memory stays flat.
    """
    if bulk <= 1:
        yield from ([spec] for spec in specs)
        return
    groups: dict[str, list[RunSpec]] = {}
    for spec in specs:
        point = design_point(spec)
        group = groups.setdefault(point, [])
        group.append(spec)
        if len(group) == bulk:
            yield groups.pop(point)
        elif len(groups) > open_points:
            yield groups.pop(next(iter(groups)))
    yield from groups.values()


class ResultStore:
    """A results folder that grows run by run.

    `runs/` holds summaries, `series/` time series, `failures/` tracebacks. Each finished run is
    written at once as `run-<id>.parquet` (series first, then the summary, whose presence marks
    the run as done); every `chunk_runs` runs are compacted into `chunk-<n>.parquet` files (again
    series first), and only then are their per-run files deleted. Every file is written under a
    temporary name, fsynced and renamed. Opening a folder repairs what a crash can leave: an
    unreadable file (with its partner in the other table), a series without its summary, and
    per-run files of runs already compacted; `repaired` lists what was removed.
    """

    def __init__(self, folder: Path, chunk_runs: int = CHUNK_RUNS) -> None:
        self.folder = Path(folder)
        self.chunk_runs = chunk_runs
        for sub in (SUMMARY_DIR, SERIES_DIR, FAILURE_DIR):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        self.repaired = self._repair()
        self._pending = sorted(p.name for p in (self.folder / SUMMARY_DIR).glob(RUN_GLOB))
        numbers = [
            int(p.stem.split("-")[1]) for d in (SUMMARY_DIR, SERIES_DIR) for p in self._files(d, CHUNK_GLOB)
        ]
        self._chunk = max(numbers, default=-1) + 1

    def _files(self, sub: str, pattern: str) -> list[Path]:
        return sorted((self.folder / sub).glob(pattern))

    def _repair(self) -> list[str]:
        """Remove what a crash left half-done; return the removed files' names (for a warning)."""
        removed: list[str] = []
        summaries, series = self.folder / SUMMARY_DIR, self.folder / SERIES_DIR
        names = {
            p.name for d in (summaries, series) for pattern in (CHUNK_GLOB, RUN_GLOB) for p in d.glob(pattern)
        }
        for name in sorted(names):
            pair = [summaries / name, series / name]
            broken = [p for p in pair if p.exists() and not _readable(p)]
            orphan = not pair[0].exists()  # a series whose summary was never written
            if broken or orphan:
                removed += [str(p.relative_to(self.folder)) for p in broken]
                for path in pair:
                    path.unlink(missing_ok=True)
        compacted = self._chunk_ids()
        for path in self._files(SUMMARY_DIR, RUN_GLOB):  # killed after compaction, before clean-up
            if path.stem.removeprefix("run-") in compacted:
                path.unlink()
                (series / path.name).unlink(missing_ok=True)
        return removed

    def _chunk_ids(self) -> set[str]:
        done: set[str] = set()
        for path in self._files(SUMMARY_DIR, CHUNK_GLOB):
            done.update(pd.read_parquet(path, columns=["run_id"])["run_id"])
        return done

    def finished_ids(self) -> set[str]:
        """Run ids already on disk (successes and failures), for resuming."""
        done = self._chunk_ids()
        done.update(p.stem.removeprefix("run-") for p in self._files(SUMMARY_DIR, RUN_GLOB))
        return done

    def failed_ids(self) -> set[str]:
        """Run ids whose last attempt failed."""
        return {p.stem for p in (self.folder / FAILURE_DIR).glob("*.txt")}

    def add(self, outcome: RunOutcome) -> None:
        """Write a finished run to disk at once; compact every `chunk_runs` runs into a chunk."""
        run_id = outcome.spec.run_id
        if outcome.error is not None:
            atomic_write_text(self.folder / FAILURE_DIR / f"{run_id}.txt", outcome.error)
            return
        stale = self.folder / FAILURE_DIR / f"{run_id}.txt"
        stale.unlink(missing_ok=True)  # a resumed run that now succeeded
        name = f"run-{run_id}.parquet"
        labels = outcome.spec.labels()
        if outcome.timeseries is not None and not outcome.timeseries.empty:
            series = _labelled(outcome.timeseries, labels)
            atomic_write(self.folder / SERIES_DIR / name, lambda tmp: series.to_parquet(tmp, **RUN_FILE))
        summary = pd.DataFrame([{**labels, **outcome.summary}])
        atomic_write(self.folder / SUMMARY_DIR / name, lambda tmp: summary.to_parquet(tmp, **RUN_FILE))
        self._pending.append(name)
        if len(self._pending) >= self.chunk_runs:
            self.flush()

    def flush(self) -> None:
        """Compact the per-run files written since the last chunk into one chunk of each table."""
        if not self._pending:
            return
        runs, series = self.folder / SUMMARY_DIR, self.folder / SERIES_DIR
        # Rows rebuilt from records, as a chunk built in memory would be: one dtype per column.
        rows = [row for name in self._pending for row in pd.read_parquet(runs / name).to_dict("records")]
        summaries = pd.DataFrame(rows)
        parts = [pd.read_parquet(series / n) for n in self._pending if (series / n).exists()]
        name = f"chunk-{self._chunk:06d}.parquet"
        if parts:  # runs that record no time series (sweeps with period "none") have none
            table = pd.concat(parts, ignore_index=True)
            atomic_write(series / name, lambda tmp: table.to_parquet(tmp, index=False))
        # The summary chunk goes last: its presence is what marks these runs as compacted.
        atomic_write(runs / name, lambda tmp: summaries.to_parquet(tmp, index=False))
        for done in self._pending:
            (series / done).unlink(missing_ok=True)
            (runs / done).unlink()
        fsync_path(runs)
        self._chunk += 1
        self._pending = []

    def summaries(self) -> pd.DataFrame:
        """All finished runs' summaries, one row per run, in a stable order."""
        return _read_sorted(self.folder / SUMMARY_DIR, ["scenario", "replication", "run_id"])

    def timeseries(self) -> pd.DataFrame:
        """All finished runs' time series, in a stable order."""
        return _read_sorted(self.folder / SERIES_DIR, ["scenario", "replication", "run_id", "period"])


def _readable(path: Path) -> bool:
    """Whether a parquet file is whole: a truncated one has no footer (ArrowInvalid on reading)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
    except (pa.ArrowException, OSError):
        return False
    return True


def stored_files(folder: Path) -> list[Path]:
    """A table's files on disk: compacted chunks, then runs not yet compacted."""
    return [*sorted(Path(folder).glob(CHUNK_GLOB)), *sorted(Path(folder).glob(RUN_GLOB))]


RUN_FILE: dict[str, Any] = {
    "index": False,
    "compression": None,
    "use_dictionary": False,
    "write_statistics": False,
}
"""How one run's files are written: plain, since they live only until the next chunk (40% less of the
driver's time per run, which it takes from the workers on a small machine); chunks keep the defaults."""


def _labelled(table: pd.DataFrame, labels: dict[str, Any]) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({k: [v] * len(table) for k, v in labels.items()}), table], axis=1)


def _read_sorted(folder: Path, order: list[str]) -> pd.DataFrame:
    paths = stored_files(folder)
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
        except Exception as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        # Ctrl-C and SIGTERM (KeyboardInterrupt) propagate: they stop the batch, not this run alone.
        return future


def default_executor(workers: int | None) -> Executor:
    """A process pool of `workers` (all cores when None), or in-process for one worker."""
    workers = workers or available_cores()
    if workers == 1:
        return SerialExecutor()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # forkserver: workers start clean (no copied threads or locks from the driver). The server
    # imports the model and loads its kernels once, and every worker is forked from it warm,
    # instead of each worker importing Mesa, SciPy and pandas and loading numba's cache again on
    # its first run (seconds each on a busy machine).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_PRELOAD)
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=watch_driver, initargs=(os.getpid(),)
    )


def start_workers_early(workers: int | None) -> None:
    """Start the pool's fork server now, so that it readies the model while the caller goes on.

    The server imports the model and loads its kernels (`WORKER_PRELOAD`) in a process of its
    own: started before a command imports its reporting (pandas, SciPy's statistics,
    matplotlib), the two overlap on two cores instead of following each other. A later
    `default_executor` forks its workers from this server. Nothing happens for one worker.
    """
    if (workers or available_cores()) == 1:
        return
    import multiprocessing
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(WORKER_PRELOAD)
    forkserver.ensure_running()


DRIVER_POLL_S = 0.5  # where pidfd is missing: how often a worker looks for its driver


def watch_driver(driver: int) -> None:
    """A pool worker's initializer: end this worker as soon as the driver process is gone.

    Workers are children of the fork server, not of the driver, and block on a queue that they
    hold open themselves, so a driver killed by SIGKILL (or the OOM killer) would leave them
    running forever. A daemon thread waits on a pidfd of the driver (Linux 5.3+; it becomes
    readable when the driver exits, zombie or not) or, elsewhere, polls for it.
    """
    threading.Thread(target=_wait_for_exit, args=(driver,), daemon=True, name="watch-driver").start()


def _wait_for_exit(driver: int) -> None:
    try:
        fd = os.pidfd_open(driver)
    except (AttributeError, OSError):  # no pidfd here: poll
        while _alive(driver) and os.getppid() != 1:
            time.sleep(DRIVER_POLL_S)
    else:
        select.select([fd], [], [])
    os._exit(1)  # noqa: SLF001 - nothing of this worker's is worth finishing without its driver


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def abandon(executor: Executor, running: Iterable[Future] = ()) -> None:
    """Stop an executor's work at once (an interrupted batch): cancel what waits, end the workers.

    A process pool's `shutdown()` would wait for every run in flight and then run the queued
    ones; here its workers are terminated instead (their runs are lost, and run again on resume).
    Other executors (a Dask cluster's) get their futures cancelled.
    """
    for future in running:
        future.cancel()
    processes = list((getattr(executor, "_processes", None) or {}).values())  # ProcessPoolExecutor's
    if not processes:
        return
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def run_batch(
    specs: Iterable[RunSpec],
    store: ResultStore,
    executor: Executor,
    *,
    in_flight: int = 8,
    on_done: Callable[[RunOutcome], None] | None = None,
    retries: int = 0,
    task: Callable[[RunSpec], RunOutcome] = execute_run,
    bulk: int = 1,
) -> int:
    """Run every spec not already in the store; return how many failed.

    Specs are submitted lazily, at most `in_flight` at a time, so the driver's memory does not
    grow with the number of runs. `retries` re-submits a run whose worker died (the executor
    raised, as opposed to the model raising, which is recorded as a failure). `task` replaces
    `execute_run` (it must be picklable, e.g. a module-level function or a `functools.partial`
    of one), for callers that keep only some columns of each run. Every finished run is on disk
    as soon as it is stored; when the batch stops early (Ctrl-C, SIGTERM, a broken pool) the runs
    in flight are abandoned (`abandon`) and the rest compacted, so a resume loses only those.
    `bulk` > 1 runs up to that many replications of one design point in one task
    (`execute_runs`, grouped by `bulk_groups`): the same outcomes, stored as their task ends;
    `in_flight` then counts tasks.
    """
    done = store.finished_ids()
    todo = bulk_groups((s for s in specs if s.run_id not in done), bulk)
    failed = 0
    running: dict[Future, tuple[list[RunSpec], int]] = {}

    def submit(group: list[RunSpec], attempt: int) -> None:
        future = executor.submit(task, group[0]) if bulk <= 1 else executor.submit(execute_runs, group, task)
        running[future] = (group, attempt)

    try:
        for group in _take(todo, in_flight):
            submit(group, 0)
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                group, attempt = running.pop(future)
                if _worker_died(future) and attempt < retries:
                    submit(group, attempt + 1)
                    continue
                for outcome in _outcomes(future, group):
                    failed += outcome.error is not None
                    store.add(outcome)
                    if on_done is not None:
                        on_done(outcome)
                for nxt in _take(todo, 1):
                    submit(nxt, 0)
    except BaseException:
        abandon(executor, running)
        raise
    finally:
        store.flush()
    return failed


def _take(iterator: Iterator[list[RunSpec]], n: int) -> list[list[RunSpec]]:
    out = []
    for group in iterator:
        out.append(group)
        if len(out) == n:
            break
    return out


def _outcomes(future: Future, group: list[RunSpec]) -> list[RunOutcome]:
    """A task's outcomes: its runs' (one or a bulk of them), or each run failed with the worker."""
    exc = future.exception()
    if exc is None:
        result = future.result()
        return result if isinstance(result, list) else [result]
    text = "".join(traceback.format_exception(exc))
    return [RunOutcome(spec, error=f"the worker running this task failed:\n{text}") for spec in group]


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
    parameter combination cannot cost a whole comparison or validation. About two tasks per
    worker are kept in flight, enough to keep every worker busy between results; a task runs
    several replications of one design point (`bulk_size`, `execute_runs`).

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
        workers = getattr(executor, "_max_workers", 1)
        bulk = bulk_size(len({s.replication for s in specs}), len(specs), workers)
        run_batch(specs, store, executor, in_flight=2 * workers, on_done=done, task=task, bulk=bulk)
    finally:
        bar.close()
    return sorted(failed)
