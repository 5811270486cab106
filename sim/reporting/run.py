"""A single run's folder: its tables, metadata and overview plot (`run.py run`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.model.params import Params
from sim.model.scenario import differing_parameters
from sim.output import (
    atomic_write,
    atomic_write_csv,
    atomic_write_json,
    event_label,
    integer_count_values,
    parameter_column,
    run_metadata,
    write_table_csv,
)
from sim.reporting.plots import plot_run

if TYPE_CHECKING:
    from sim.api import RunResult


def write_run(
    result: RunResult,
    out_dir: Path,
    argv: list[str],
    *,
    overrides: Mapping[str, Any] | None = None,
    csv: bool = False,
) -> Path:
    """Write a run's timeseries, one-row summary, metadata and overview plot into `out_dir`.

    Args:
        result: A finished run from `sim.api.run`.
        out_dir: The run's folder; created if missing.
        argv: The command line that asked for the run (recorded in metadata.json).
        overrides: The `--set` values the run's scenario was given (columns of summary.csv,
            and recorded in metadata.json).
        csv: Also write the time series as timeseries.csv (for spreadsheets).

    Returns:
        The folder written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(out_dir / "timeseries.parquet", lambda tmp: result.timeseries.to_parquet(tmp, index=False))
    if csv:
        write_table_csv(out_dir / "timeseries.csv", result.timeseries)
    atomic_write_csv(out_dir / "summary.csv", [summary_row(result, overrides or {})])
    metadata = run_metadata(result, argv)
    metadata["scenario"]["set"] = dict(overrides or {})
    atomic_write_json(out_dir / "metadata.json", metadata)
    title = f"{result.scenario.name}, seed {result.seed}, {result.days} working days"
    weekly, monthly = result.model.timeseries("week"), result.model.timeseries("month")
    events = [(item.day, event_label(item)) for item in result.scenario.interventions]
    atomic_write(
        out_dir / "run.png", lambda tmp: plot_run(weekly, tmp, monthly=monthly, title=title, events=events)
    )
    return out_dir


def summary_row(result: RunResult, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """summary.csv's row: labels, the parameters that make this run what it is, then the KPIs.

    A single run has no other arm, so its parameter columns are those its scenario (or `--set`)
    sets away from the model's defaults, and every `--set` key even when it repeats a default:
    summary.csv files of several runs then stack into one table that says how they differ.
    """
    flat = result.scenario.params.flat()
    shown = set(differing_parameters([Params(), result.scenario.params])) | set(overrides)
    labels = {"scenario": result.scenario.name, "replication": 0, "seed": result.seed}
    parameters = {parameter_column(n, result.summary): v for n, v in flat.items() if n in shown}
    return {**labels, **parameters, **integer_count_values(result.summary)}
