"""Writing results to disk: atomic files and the metadata that makes a run repeatable.

Every file is written to a temporary name in its final folder, flushed to the disk (`fsync`),
renamed (`os.replace`), and the folder is flushed too, so a crash, a power cut or a reader never
sees half a file. Results folders are created atomically (`mkdir` of a fresh name, never
`exist_ok`), so two commands started in the same second never share one. The metadata helpers
are shared by every command that writes results (single runs, comparisons, sweeps): versions,
git commit, the scenario as resolved, seeds and the command line.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import errno
import fcntl
import hashlib
import io
import json
import math
import os
import platform
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.model.params import Intervention
from sim.model.scenario import PROJECT_ROOT, Scenario, ScenarioIntervention

if TYPE_CHECKING:
    import pandas as pd

    from sim.api import RunResult

RESULTS_DIR = PROJECT_ROOT / "results"
PACKAGES: tuple[str, ...] = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib")
RUN_FILES: tuple[str, ...] = ("timeseries.parquet", "summary.csv", "metadata.json", "run.png")
_UMASK = os.umask(0o022)  # read the process umask (only settable), then put it back at once
os.umask(_UMASK)


# ---------------------------------------------------------------------- atomic files
def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Let `write` fill a temporary file next to `path`, then move it into place in one step.

    Args:
        path: Final file name; its folder must exist.
        write: Writes the complete file to the temporary path it is given.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.chmod(0o666 & ~_UMASK)  # mkstemp makes files private; results are ordinary files
        fsync_path(tmp)  # the data is on disk before the name says it is complete
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_path(path.parent)  # and the rename itself survives a power cut
    return path


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's contents to the disk (a folder: the names in it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write a UTF-8 text file atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_json(path: Path, data: Any) -> Path:
    """Write strict JSON atomically: NaN and infinities become null so any reader accepts it."""
    text = json.dumps(jsonable(data), indent=2, allow_nan=False) + "\n"
    return atomic_write_text(path, text)


def atomic_write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write dict rows (same keys, in order) as CSV with a header, atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_text(path, buffer.getvalue())


def jsonable(value: Any) -> Any:
    """Turn values into plain JSON types: paths to strings, numpy scalars to Python, NaN to None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ---------------------------------------------------------------------- self-describing tables
LABEL_COLUMNS: tuple[str, ...] = ("run_id", "scenario", "replication", "seed", "world")  # lead every run row
MAX_SET_LABEL = 40  # characters of the readable part of a --set folder name; the digest tells the rest


def integer_counts(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of `table` whose count columns (`sim.model.metrics.COUNTS`) are integers, for CSV files.

    Runs store every summary value as a float (one schema for every chunk); a CSV reader should
    see 250, not 250.0. A column with a missing value becomes pandas' nullable integer (an empty
    cell); one that holds a fraction (a mean over runs) is left as it is.
    """
    import numpy as np

    from sim.model.metrics import COUNTS

    out = table.copy()
    for name in (c for c in out.columns if c in COUNTS):
        values = out[name].to_numpy(dtype=float, na_value=np.nan)
        finite = values[np.isfinite(values)]
        if np.isinf(values).any() or not np.array_equal(finite, np.round(finite)):
            continue
        out[name] = out[name].astype("Int64" if len(finite) < len(values) else np.int64)
    return out


def integer_count_values(row: dict[str, Any]) -> dict[str, Any]:
    """A run summary's values with whole-number counts as ints (see `integer_counts`)."""
    from sim.model.metrics import COUNTS

    return {
        k: int(v) if k in COUNTS and isinstance(v, float) and v.is_integer() else v for k, v in row.items()
    }


def with_parameter_columns(table: pd.DataFrame, values: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """`table` with one column per parameter, the value of each row's scenario, after the run labels.

    Args:
        table: Rows of runs with a `scenario` column.
        values: Per scenario name, the parameters to show (scenario keys) and their values.
    """
    names = list(dict.fromkeys(name for per in values.values() for name in per))
    if table.empty or not names:
        return table
    out = table.copy()
    at = max((out.columns.get_loc(c) + 1 for c in LABEL_COLUMNS if c in out.columns), default=0)
    for offset, name in enumerate(names):
        column = out["scenario"].map(lambda s, name=name: values.get(s, {}).get(name))
        out.insert(at + offset, parameter_column(name, out.columns), column)
    return out


def parameter_column(name: str, taken: Any) -> str:
    """A parameter's column: its scenario key, or `<section>.<key>` where an output has that name.

    A few parameters share a name with a KPI (the lever `diy_hours` is hours per asset, the KPI
    the hours spent; `customers` and `awareness` are also switches in [mechanisms]); their
    column is named as the scenario file spells them, so neither hides the other.
    """
    from sim.model.params import parameter_fields

    return f"{parameter_fields()[name][0]}.{name}" if name in taken else name


def write_table_csv(path: Path, table: pd.DataFrame) -> Path:
    """Write a table as CSV atomically, counts as integers (what every command's CSVs go through)."""
    return atomic_write(path, lambda tmp: integer_counts(table).to_csv(tmp, index=False))


def parquet_to_csv(source: Path, dest: Path, batch_rows: int = 200_000) -> None:
    """Copy a Parquet table to CSV a batch at a time (bounded memory), counts as integers.

    Nothing is written when `source` is missing (no run finished).
    """
    import pyarrow.parquet as pq

    if not source.exists():
        return

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            for i, batch in enumerate(pq.ParquetFile(source).iter_batches(batch_size=batch_rows)):
                integer_counts(batch.to_pandas()).to_csv(handle, index=False, header=i == 0)

    atomic_write(dest, write)


def overrides_label(overrides: dict[str, Any]) -> str:
    """A results folder's name part for `--set` overrides: readable, then a digest of all of them.

    `{"n_reps": 12}` gives `set-n_reps-12-<6 hex>`: a `--set` run never shares a name with a
    plain run of the same scenario and seed, nor with one of other overrides (the digest covers
    every key and value, also those the readable part cuts off). Empty overrides give "".
    """
    if not overrides:
        return ""
    items = sorted(overrides.items())
    readable = "_".join(f"{key}-{_toml_text(value)}" for key, value in items)[:MAX_SET_LABEL].rstrip("_-")
    digest = hashlib.sha256(json.dumps(items, default=str).encode()).hexdigest()[:6]
    return f"set-{readable}-{digest}"


def _toml_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


# ---------------------------------------------------------------------- metadata
def git_state(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The commit the code came from and whether the working tree had uncommitted changes.

    Returns {"commit": "unknown", "dirty": None} outside a git checkout or without git.
    """
    try:
        commit = _git(root, "rev-parse", "HEAD")
        dirty = bool(_git(root, "status", "--porcelain"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}
    return {"commit": commit, "dirty": dirty}


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10, check=True
    )
    return done.stdout.strip()


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of the packages whose behaviour a result depends on."""
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def environment_metadata() -> dict[str, Any]:
    """Python, platform, package versions and git state: what produced a result."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "git": git_state(),
    }


def scenario_metadata(scenario: Scenario) -> dict[str, Any]:
    """The scenario as resolved: every parameter value, not just what the file changed."""
    return {
        "name": scenario.name,
        "description": scenario.description,
        "path": str(scenario.path) if scenario.path else None,
        "params": scenario.params.flat(),
        "interventions": [
            {
                "day": item.day,
                "description": _description(item),
                "values": dict(item.values),
                "change": dataclasses.asdict(item.change),
            }
            for item in scenario.interventions
        ],
    }


def _description(item: Intervention) -> str:
    return item.description if isinstance(item, ScenarioIntervention) else ""


def event_label(item: Intervention) -> str:
    """A plot's label for an intervention: its description, else its day and the levers it sets."""
    return _description(item) or f"day {item.day}: " + ", ".join(item.values)


def utc_now() -> datetime:
    """The current time in UTC (one place, so folder names and metadata agree)."""
    return datetime.now(UTC)


def run_metadata(result: RunResult, argv: list[str], started: datetime | None = None) -> dict[str, Any]:
    """Everything needed to repeat a single run and to know what produced it."""
    return {
        "kind": "run",
        "created_utc": (started or utc_now()).isoformat(timespec="seconds"),
        "command": shlex.join(argv),
        "seed": result.seed,
        "days": result.days,
        "period": result.period,
        "scenario": scenario_metadata(result.scenario),
        "environment": environment_metadata(),
    }


# ---------------------------------------------------------------------- results folders
MAX_SUFFIX = 10_000  # -2, -3, ... tried before giving up (only a broken folder makes this many)


def results_dir(
    kind: str, label: str, seed: int, base: Path = RESULTS_DIR, now: datetime | None = None
) -> Path:
    """Create and return `<base>/<kind>[-<label>]-<UTC yyyymmdd-HHMMSS>-seed<N>` (-2, -3... if taken).

    Every command names its folder this way, so folders sort by time within a kind and say which
    seed repeats them. Characters a file system may dislike in the label become `_`. The folder
    is created here, with a plain `mkdir` that fails when the name exists, and the next suffix is
    tried: checking that a name is free and creating it later let two commands started in the
    same second write into one folder. `base` is created if missing.

    Raises:
        OSError: `base` cannot be created or written (a file in the way, no permission).
    """
    stamp = (now or utc_now()).strftime("%Y%m%d-%H%M%S")
    label = re.sub(r"[^\w.-]+", "_", label)
    path = Path(base) / "-".join(part for part in (kind, label, stamp, f"seed{seed}") if part)
    path.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, MAX_SUFFIX):
        candidate = path if n == 1 else path.with_name(f"{path.name}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(errno.EEXIST, "too many results folders of this name", str(path))


def default_run_dir(scenario: str, seed: int, base: Path = RESULTS_DIR, now: datetime | None = None) -> Path:
    """Create `<base>/run-<scenario>-<UTC yyyymmdd-HHMMSS>-seed<N>` (-2, -3... if taken)."""
    return results_dir("run", scenario, seed, base, now)


def remove_if_empty(folder: Path) -> None:
    """Delete a results folder that holds no file (only empty sub-folders), e.g. after bad input.

    A command creates its folder before any work, so that a folder it cannot write stops it at
    once; when the work then stops before writing anything, no empty folder is left behind.
    """
    folder = Path(folder)
    if not folder.is_dir() or any(p.is_file() for p in folder.rglob("*")):
        return
    for sub in sorted(folder.rglob("*"), reverse=True):
        sub.rmdir()
    folder.rmdir()


LOCK_FILE = ".lock"


class FolderBusyError(OSError):
    """Another process holds a results folder's lock."""


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold `<folder>/.lock` (an exclusive `flock`) while a session writes into the folder.

    Two sessions in one folder (a sweep and its `--resume`, or two resumes) would write the same
    chunks; the second one is refused at once. The kernel drops the lock when the holder dies,
    however it dies, so a killed sweep never leaves a stale lock.

    Raises:
        FolderBusyError: Another live process holds the lock (its pid is in the message).
    """
    path = Path(folder) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_UMASK)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise FolderBusyError(
                errno.EBUSY, f"in use by another session (pid {holder})", str(folder)
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
