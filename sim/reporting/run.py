"""A single run's folder: its tables, metadata and overview plot (`run.py run`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sim.output import atomic_write, atomic_write_csv, atomic_write_json, event_label, run_metadata
from sim.reporting.plots import plot_run

if TYPE_CHECKING:
    from sim.api import RunResult


def write_run(result: RunResult, out_dir: Path, argv: list[str]) -> Path:
    """Write a run's timeseries, one-row summary, metadata and overview plot into `out_dir`.

    Args:
        result: A finished run from `sim.api.run`.
        out_dir: The run's folder; created if missing.
        argv: The command line that asked for the run (recorded in metadata.json).

    Returns:
        The folder written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(out_dir / "timeseries.parquet", lambda tmp: result.timeseries.to_parquet(tmp, index=False))
    summary_row = {"scenario": result.scenario.name, "seed": result.seed, **result.summary}
    atomic_write_csv(out_dir / "summary.csv", [summary_row])
    atomic_write_json(out_dir / "metadata.json", run_metadata(result, argv))
    title = f"{result.scenario.name}, seed {result.seed}, {result.days} working days"
    weekly, monthly = result.model.timeseries("week"), result.model.timeseries("month")
    events = [(item.day, event_label(item)) for item in result.scenario.interventions]
    atomic_write(
        out_dir / "run.png", lambda tmp: plot_run(weekly, tmp, monthly=monthly, title=title, events=events)
    )
    return out_dir
