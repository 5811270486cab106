"""Running an experiment: every design point's replications on any executor, then tables per point.

Runs stream to disk through `sim.experiments.runner` as they finish (each run at once, fsynced,
compacted into chunks later), so a sweep killed at any moment loses only the runs in flight, and running it
again on the same folder (`resume=True`) skips every run already on disk: a run's id is a digest
of its parameters, seed and replication, the same in every session.

The driver's memory does not grow with the number of runs: run specs come from a generator,
at most `in_flight` runs are submitted at a time, and the final tables are assembled a range of
design points at a time (`ROW_BUDGET` rows), each range read from every chunk that holds it,
sorted and appended. Tables are sorted by design point, replication (and period), so they are
bit-identical whichever executor and however many workers ran them.

Files of a sweep folder: `metadata.json`, `design.csv` (one row per point), `runs.parquet` and
`runs.csv` (one row per run: scenario, replication, seed, every varied parameter and every KPI, as
BehaviorSpace's table output), `timeseries.parquet` (one row per run and period; also
`timeseries.csv` when asked), `summary.csv` (mean and 95% CI of each KPI per point), `tornado.csv`
(with a [tornado] table), and the runner's chunk folders `runs/`, `series/`, `failures/`.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import itertools
import json
import math
import shlex
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments.designs import (
    DESIGN,
    TORNADO_BASE,
    TORNADO_HIGH,
    TORNADO_LOW,
    DesignPoint,
    design_points,
)
from sim.experiments.runner import (
    CHUNK_RUNS,
    FAILURE_DIR,
    SERIES_DIR,
    SUMMARY_DIR,
    ResultStore,
    RunOutcome,
    RunSpec,
    bulk_size,
    progress_bar,
    replication_seeds,
    run_batch,
    stored_files,
)
from sim.experiments.spec import Experiment
from sim.experiments.stats import level_bounds, paired_difference
from sim.model.params import ParameterError
from sim.output import (
    FolderBusyError,
    atomic_write,
    atomic_write_json,
    environment_metadata,
    folder_lock,
    jsonable,
    overrides_label,
    package_versions,
    parquet_to_csv,
    results_dir,
    scenario_metadata,
    utc_now,
)

if TYPE_CHECKING:
    import pyarrow as pa

METADATA_FILE, DESIGN_FILE, RUNS_FILE = "metadata.json", "design.csv", "runs.parquet"
SERIES_FILE, SUMMARY_FILE, TORNADO_FILE = "timeseries.parquet", "summary.csv", "tornado.csv"
RUNS_CSV, SERIES_CSV = "runs.csv", "timeseries.csv"
ROW_BUDGET = 200_000  # rows held in memory while sorting a final table: a few tens of MB at most
RUN_ORDER: tuple[str, ...] = ("point", "replication")
EXTRA_PACKAGES: tuple[str, ...] = ("SALib", "dask", "distributed", "tqdm")


@dataclass
class SweepResult:
    """A finished (or partly failed) sweep, read back from its folder.

    Attributes:
        experiment: The experiment as run (overrides applied).
        folder: Where everything is.
        summary: One row per point: labels, finished runs, and mean/CI per KPI.
        tornado: One row per KPI and tornado parameter (None without a [tornado] table).
        failed: Run ids whose traceback is in failures/.
        skipped: Runs found finished on disk when this call started (a resume).
        seconds: Wall time of this call.
        repaired: Files found unreadable when the folder was opened (a chunk truncated by a
            crash), removed; their runs ran again.
    """

    experiment: Experiment
    folder: Path
    summary: pd.DataFrame
    tornado: pd.DataFrame | None
    failed: list[str] = field(default_factory=list)
    skipped: int = 0
    seconds: float = 0.0
    repaired: list[str] = field(default_factory=list)  # unreadable files found and recomputed


# ---------------------------------------------------------------------- runs
def run_specs(experiment: Experiment) -> Iterator[RunSpec]:
    """Every run of the experiment, lazily, point by point; replication i has the same seed everywhere.

    A point on a structure starts from that structure's parameters and interventions.
    """
    seeds = replication_seeds(experiment.seed, experiment.replications)
    structures = {s.name: s for s in experiment.scenarios}
    for point in design_points(experiment):
        base = structures[point.scenario or experiment.scenario.name]
        params = base.params.with_values(point.values)
        for replication, seed in enumerate(seeds):
            yield RunSpec(
                scenario=base.name,
                params=params,
                seed=seed,
                replication=replication,
                days=experiment.days,
                period=experiment.period,
                interventions=tuple(base.interventions),
                point=point.run_labels(),
            )


def sweep_task(spec: RunSpec, kpis: tuple[str, ...]) -> RunOutcome:
    """Run one simulation and keep only the experiment's KPIs (less to ship back and store).

    Summary values are stored as floats whatever their source type, so every chunk of a sweep
    has the same schema. Never raises: a failing run comes back with its traceback.
    """
    from sim.model.model import SalesMarketingModel

    try:
        model = SalesMarketingModel(spec.params, seed=spec.seed, interventions=spec.interventions)
        model.run(spec.days)
        summary = model.summary()
        kept = {kpi: float(summary[kpi]) for kpi in kpis}
        if spec.period == "none":
            return RunOutcome(spec, kept, pd.DataFrame())
        series = model.timeseries(spec.period)[["period", "day", *kpis]].reset_index(drop=True)
        return RunOutcome(spec, kept, series)
    except Exception:  # noqa: BLE001 - a failing run is recorded, not fatal to the sweep
        return RunOutcome(spec, error=traceback.format_exc())


def run_sweep(
    experiment: Experiment,
    folder: Path,
    executor: Executor,
    *,
    in_flight: int = 8,
    retries: int = 0,
    chunk_runs: int = CHUNK_RUNS,
    resume: bool = False,
    progress: bool = False,
    command: Sequence[str] = (),
    executor_label: str = "",
    csv: bool = False,
) -> SweepResult:
    """Run every run of `experiment` not yet in `folder`, then write the final tables.

    Args:
        experiment: A loaded experiment (`sim.experiments.spec.load_experiment`).
        folder: The sweep's folder; created if missing. With `resume`, it must hold this
            experiment (see `check_resume`); runs already on disk are skipped.
        executor: Any concurrent.futures Executor (a process pool, a Dask cluster's, serial).
        in_flight: Runs submitted at a time (about twice the workers keeps them busy).
        retries: Re-submissions of a run whose worker died (Dask reschedules most itself).
        chunk_runs: Finished runs per chunk file.
        resume: Continue an earlier sweep in `folder`.
        progress: Show a progress bar on a terminal.
        command: The command line, for metadata.json.
        executor_label: How the runs were executed, for metadata.json.
        csv: Also write the time series as timeseries.csv (runs.csv is always written).
    """
    started, clock = utc_now(), time.perf_counter()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)  # a new folder given by a Python caller
    with _locked(folder, resume):
        if resume:
            _remove_partial_files(folder)
        store = ResultStore(folder, chunk_runs)
        skipped = len(store.finished_ids())
        session = {"started_utc": started.isoformat(timespec="seconds"), "command": shlex.join(command)}
        session |= {"executor": executor_label, "runs_already_done": skipped, "repaired": store.repaired}
        meta = _metadata(experiment, folder, session, resume)
        atomic_write_json(folder / METADATA_FILE, meta)
        try:
            summary, tornado = _session(
                experiment, folder, store, executor, skipped, progress, in_flight, retries, csv
            )
        except BaseException:  # Ctrl-C, SIGTERM, a broken cluster: say so, and keep what is on disk
            _remove_partial_files(folder)  # a signal between a temporary file's creation and its write
            meta["status"] = "interrupted"
            meta["sessions"][-1]["finished_utc"] = utc_now().isoformat(timespec="seconds")
            atomic_write_json(folder / METADATA_FILE, meta)
            raise
        failed = sorted(store.failed_ids())
        seconds = time.perf_counter() - clock
        _finish_metadata(meta, folder, summary, failed, seconds)
    result = SweepResult(experiment, folder, summary, tornado, failed, skipped, seconds)
    result.repaired = store.repaired
    return result


def _session(
    experiment: Experiment,
    folder: Path,
    store: ResultStore,
    executor: Executor,
    skipped: int,
    progress: bool,
    in_flight: int,
    retries: int,
    csv: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The design file, every missing run, then the tables: what an interruption can cut short."""
    if not (folder / DESIGN_FILE).exists():
        write_design(experiment, folder / DESIGN_FILE)
    bar = progress_bar(experiment.runs - skipped, progress)
    task = functools.partial(sweep_task, kpis=experiment.kpis)
    try:
        specs = run_specs(experiment)
        done = lambda _outcome: bar.update(1)  # noqa: E731 - a one-line callback
        bulk = bulk_size(experiment.replications, experiment.runs, max(1, in_flight // 2))
        run_batch(
            specs, store, executor, in_flight=in_flight, retries=retries, task=task, on_done=done, bulk=bulk
        )
    finally:
        bar.close()
    summary = assemble(experiment, folder, csv=csv)
    tornado = write_tornado(experiment, folder) if experiment.tornado else None
    return summary, tornado


@contextlib.contextmanager
def _locked(folder: Path, resume: bool) -> Iterator[None]:
    """The folder's lock for this session; a folder another sweep is writing is refused at once."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(folder_lock(folder))
        except FolderBusyError as err:
            option = "--resume" if resume else "--out"
            raise ParameterError(
                f"{option}: {folder}: {err.strerror}; allowed: a sweep folder no other session is "
                "writing (wait for it to end)"
            ) from None
        yield


def _remove_partial_files(folder: Path) -> None:
    """Delete temporary files a killed sweep left half-written (never read: names start with '.')."""
    for sub in (SUMMARY_DIR, SERIES_DIR, FAILURE_DIR, "."):
        for path in (folder / sub).glob(".*.tmp"):
            path.unlink(missing_ok=True)


# ---------------------------------------------------------------------- folders and metadata
def default_sweep_dir(kind: str, experiment: Experiment, base: Path) -> Path:
    """Create `<base>/<kind>-<name>[-set-...]-<UTC yyyymmdd-HHMMSS>-seed<N>` (-2, -3... if taken).

    A sweep with `--set` values is named after them too (`sim.output.overrides_label`).
    """
    label = "-".join(part for part in (experiment.name, overrides_label(experiment.overrides)) if part)
    return results_dir(kind, label, experiment.seed, base)


def check_resume(folder: Path, experiment: Experiment) -> None:
    """Raise ParameterError unless `folder` holds an earlier sweep of exactly this experiment.

    The check compares the settings that decide which runs exist (spec, overrides, base
    scenario values, seeds) and names the first that differs.
    """
    allowed = "the folder of an earlier sweep of the same spec, with the same --replications and --days"
    path = Path(folder) / METADATA_FILE
    if not Path(folder).is_dir():
        raise ParameterError(f"--resume: {folder}: no such folder; allowed: {allowed}")
    try:
        theirs = json.loads(path.read_text(encoding="utf-8"))["experiment"]["settings"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ParameterError(
            f"--resume: {folder}: no readable sweep metadata.json; allowed: {allowed}"
        ) from None
    ours = json.loads(json.dumps(jsonable(experiment.settings())))
    for key in ours:
        if theirs.get(key) != ours[key]:
            raise ParameterError(
                f"--resume: {folder}: holds a different experiment ({key} differs: "
                f"{_short(theirs.get(key))} there, {_short(ours[key])} here); allowed: {allowed}"
            )


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _metadata(experiment: Experiment, folder: Path, session: dict[str, Any], resume: bool) -> dict[str, Any]:
    """metadata.json at the start of a session; a resumed sweep keeps its history."""
    previous: dict[str, Any] = {}
    if resume and (folder / METADATA_FILE).is_file():
        previous = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    environment = environment_metadata()
    environment["packages"] |= package_versions(EXTRA_PACKAGES)
    return {
        "kind": "sweep",
        "status": "running",
        "created_utc": previous.get("created_utc", session["started_utc"]),
        "sessions": [*previous.get("sessions", []), session],
        "experiment": {
            "name": experiment.name,
            "description": experiment.description,
            "path": str(experiment.path),
            "fingerprint": experiment.fingerprint(),
            "settings": experiment.settings(),
            "spec": experiment.spec,
        },
        "seeds": {
            "root_seed": experiment.seed,
            "design_seed": experiment.design_seed,
            "analysis_seed": experiment.analysis_seed,
            "replication_seeds": replication_seeds(experiment.seed, experiment.replications),
        },
        "counts": {
            "design_points": experiment.design_points,
            "tornado_points": experiment.tornado_points,
            "points": experiment.points,
            "replications": experiment.replications,
            "runs": experiment.runs,
        },
        "scenario": scenario_metadata(experiment.scenario),
        **(
            {"structures": [scenario_metadata(s) for s in experiment.structures]}
            if experiment.structures
            else {}
        ),
        "environment": environment,
    }


def _finish_metadata(
    meta: dict[str, Any], folder: Path, summary: pd.DataFrame, failed: list[str], seconds: float
) -> None:
    meta["status"] = "complete" if not failed else "complete with failures"
    meta["sessions"][-1]["seconds"] = round(seconds, 3)
    meta["sessions"][-1]["finished_utc"] = utc_now().isoformat(timespec="seconds")
    meta["counts"] |= {"finished": int(summary["runs"].sum()), "failed": len(failed)}
    meta["files"] = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    atomic_write_json(folder / METADATA_FILE, meta)


def add_metadata(folder: Path, **items: Any) -> None:
    """Merge items into a sweep's metadata.json (e.g. the sensitivity analysis that followed)."""
    path = Path(folder) / METADATA_FILE
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta |= items
    meta["files"] = sorted(p.name for p in Path(folder).iterdir() if not p.name.startswith("."))
    atomic_write_json(path, meta)


# ---------------------------------------------------------------------- design and assembly
def write_design(experiment: Experiment, path: Path) -> None:
    """design.csv: one row per point (labels and every varied parameter), streamed from the generator."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = None
            for point in design_points(experiment):
                row = point.labels()
                writer = writer or _csv_writer(handle, list(row))
                writer.writerow(row)

    atomic_write(path, write)


def _csv_writer(handle: io.TextIOBase, fields: list[str]) -> csv.DictWriter:
    writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    return writer


def assemble(
    experiment: Experiment, folder: Path, budget: int = ROW_BUDGET, csv: bool = False
) -> pd.DataFrame:
    """Write runs.parquet, runs.csv, timeseries.parquet and summary.csv, a range of points at a time.

    With `csv`, timeseries.csv too. Returns the per-point summary (one row per point: small next
    to the runs).
    """
    runs_chunks = _chunk_points(folder / SUMMARY_DIR)
    series_chunks = _chunk_points(folder / SERIES_DIR)
    points = design_points(experiment)
    summaries: list[pd.DataFrame] = []

    def summarise(start: int, stop: int, table: pa.Table | None) -> None:
        labels = list(itertools.islice(points, stop - start))
        columns = ["point", *(k for k in experiment.kpis if table is not None and k in table.column_names)]
        runs = table.select(columns).to_pandas() if table is not None else pd.DataFrame(columns=["point"])
        summaries.append(point_summary(labels, runs, experiment.kpis))

    per_point = experiment.replications
    _write_sorted(folder / RUNS_FILE, runs_chunks, experiment.points, per_point, budget, RUN_ORDER, summarise)
    rows_per_run = _rows(series_chunks) / max(1, _rows(runs_chunks))
    series_order = (*RUN_ORDER, "period")
    _write_sorted(
        folder / SERIES_FILE, series_chunks, experiment.points, per_point * rows_per_run, budget, series_order
    )
    summary = pd.concat(summaries, ignore_index=True) if summaries else pd.DataFrame()
    atomic_write(folder / SUMMARY_FILE, lambda tmp: summary.to_csv(tmp, index=False))
    parquet_to_csv(folder / RUNS_FILE, folder / RUNS_CSV, budget)
    if csv:
        parquet_to_csv(folder / SERIES_FILE, folder / SERIES_CSV, budget)
    return summary


@dataclass(frozen=True)
class _Chunk:
    path: Path
    first: int  # lowest point in the file
    last: int  # highest point in the file
    rows: int


def _chunk_points(folder: Path) -> list[_Chunk]:
    """The range of points in each chunk file (reading only the `point` column)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    chunks = []
    for path in stored_files(folder):
        column = pq.read_table(path, columns=["point"]).column("point")
        if len(column):
            chunks.append(_Chunk(path, pc.min(column).as_py(), pc.max(column).as_py(), len(column)))
    return chunks


def _rows(chunks: list[_Chunk]) -> int:
    return sum(c.rows for c in chunks)


def _write_sorted(
    dest: Path,
    chunks: list[_Chunk],
    points: int,
    rows_per_point: float,
    budget: int,
    order: Sequence[str],
    on_range: Callable[[int, int, pa.Table | None], None] | None = None,
) -> None:
    """Write `dest` sorted by `order` from the chunks, one range of points (<= budget rows) at a time."""
    import pyarrow.parquet as pq

    step = max(1, int(budget // max(1.0, rows_per_point)))
    ranges = [(start, min(points, start + step)) for start in range(0, points, step)]

    def write(tmp: Path) -> None:
        writer = None
        for start, stop in ranges:
            table = _read_range(chunks, start, stop, order)
            if on_range is not None:
                on_range(start, stop, table)
            if table is None:
                continue
            writer = writer or pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()

    if chunks:
        atomic_write(dest, write)
    else:  # nothing finished: still summarise every point (with no runs)
        for start, stop in ranges:
            if on_range is not None:
                on_range(start, stop, None)


def _read_range(chunks: list[_Chunk], start: int, stop: int, order: Sequence[str]) -> pa.Table | None:
    """Rows of points start..stop-1 from every chunk that may hold them, sorted."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    filters = [("point", ">=", start), ("point", "<", stop)]
    tables = [
        pq.read_table(c.path, filters=filters).replace_schema_metadata(None)
        for c in chunks
        if c.first < stop and c.last >= start
    ]
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return None
    return pa.concat_tables(tables).sort_by([(key, "ascending") for key in order])


def point_summary(labels: list[DesignPoint], runs: pd.DataFrame, kpis: Sequence[str]) -> pd.DataFrame:
    """One row per point: its labels, finished runs, and each KPI's mean with its 95% CI.

    The interval is `sim.experiments.stats.level_ci`'s, vectorised over points: inside the KPI's
    support, so no point's revenue interval reaches below zero (NaN runs are left out; fewer than
    two values give a NaN interval).
    """
    frame = pd.DataFrame([p.labels() for p in labels])
    index = frame["point"]
    groups = runs.groupby("point")
    frame["runs"] = groups.size().reindex(index).fillna(0).astype(np.int64).to_numpy()
    for kpi in kpis:
        missing = np.full(len(index), np.nan)
        moments = [
            groups[kpi].agg(m).reindex(index).to_numpy(dtype=float) if kpi in runs else missing
            for m in ("mean", "std", "count", "min", "max")
        ]
        low, high = level_bounds(*moments, kpi=kpi)
        frame[f"{kpi}_mean"] = moments[0]
        frame[f"{kpi}_ci_low"] = low
        frame[f"{kpi}_ci_high"] = high
    return frame


def load_runs(folder: Path, part: str | None = None) -> pd.DataFrame:
    """runs.parquet of a sweep folder (optionally one part: design or a tornado part)."""
    path = Path(folder) / RUNS_FILE
    if not path.exists():
        return pd.DataFrame()
    filters = [("part", "==", part)] if part else None
    return pd.read_parquet(path, filters=filters)


# ---------------------------------------------------------------------- tornado
def write_tornado(experiment: Experiment, folder: Path) -> pd.DataFrame:
    """tornado.csv: per KPI and tornado parameter, each side's mean and paired difference to the base.

    Differences are paired by replication (common random numbers), so each side's interval
    reflects the parameter's effect, not the noise shared with the base runs.
    """
    runs = load_runs(folder)
    runs = runs[runs["part"] != DESIGN] if not runs.empty else runs
    rows = [
        _tornado_row(runs, kpi, axis.name, axis.values)
        for kpi in experiment.kpis
        for axis in experiment.tornado
    ]
    table = pd.DataFrame(rows)
    order = table["kpi"].map({kpi: i for i, kpi in enumerate(experiment.kpis)})  # the spec's KPI order
    table = table.assign(_order=order).sort_values(
        ["_order", "swing"], ascending=[True, False], kind="stable"
    )
    table = table.drop(columns="_order").reset_index(drop=True)
    atomic_write(folder / TORNADO_FILE, lambda tmp: table.to_csv(tmp, index=False))
    return table


def _tornado_row(runs: pd.DataFrame, kpi: str, name: str, values: tuple[Any, ...]) -> dict[str, Any]:
    base = _by_replication(runs, TORNADO_BASE, "", kpi)
    row: dict[str, Any] = {
        "kpi": kpi,
        "parameter": name,
        "base_mean": float(np.nanmean(base)) if len(base) else math.nan,
    }
    for side, part, value in (("low", TORNADO_LOW, values[0]), ("high", TORNADO_HIGH, values[1])):
        other = _by_replication(runs, part, name, kpi)
        common = base.index.intersection(other.index)
        diff = paired_difference(base.loc[common].to_numpy(), other.loc[common].to_numpy()).difference
        row |= {
            f"{side}_value": value,
            f"{side}_mean": float(np.nanmean(other)) if len(other) else math.nan,
            f"{side}_difference": diff.mean,
            f"{side}_ci_low": diff.low,
            f"{side}_ci_high": diff.high,
        }
    row["swing"] = abs(row["high_difference"] - row["low_difference"])
    return row


def _by_replication(runs: pd.DataFrame, part: str, parameter: str, kpi: str) -> pd.Series:
    if runs.empty:
        return pd.Series(dtype=float)
    rows = runs[(runs["part"] == part) & (runs["tornado_parameter"] == parameter)]
    return rows.set_index("replication")[kpi].sort_index().astype(float)
