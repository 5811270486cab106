"""Comparison reports a consultant can hand over: the results folder of a comparison, and its report.

`write_comparison` turns a `sim.experiments.compare.Comparison` into a results folder (tables, metadata,
plots, `report.md`, `report.html`); `report_markdown` and `report_html` render the report alone.

The report's parts live in modules of their own, so that each can be read and changed alone and
every import among them points one way: number formats (`sim.reporting.formats`), plain-words
sentences (`sim.reporting.sentences`), payback of interventions (`sim.reporting.payback`), the blocks
(`sim.reporting.blocks`), the sections built of them (`sim.reporting.sections`) and the markdown and
HTML renderers (`sim.reporting.render`). This module ties them to a comparison and to files;
import each part's names from its own module.

Example, the shipped intervention (a segregated company integrates after six months)::

    python run.py compare segregated integrate_at_month_6 -n 20

From Python::

    from sim.experiments.compare import compare
    from sim.reporting.report import write_comparison
    result = compare(["segregated", "integrate_at_month_6"], replications=20, seed=1)
    write_comparison(result, result.folder, ["my_script.py"])
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.model.scenario import ScenarioIntervention, differing_parameters
from sim.output import (
    atomic_write,
    atomic_write_json,
    atomic_write_text,
    environment_metadata,
    scenario_metadata,
    utc_now,
    with_parameter_columns,
    write_table_csv,
)
from sim.reporting.blocks import PLOT_DIR
from sim.reporting.payback import (
    intervention_events,
    payback_record,
    paybacks,
)
from sim.reporting.render import render_html, render_markdown
from sim.reporting.sections import report_blocks, report_title
from sim.reporting.worlds import world_figures, worlds_record

if TYPE_CHECKING:
    import pandas as pd

    from sim.experiments.compare import Comparison
    from sim.model.scenario import Scenario


REPORT_FILES: tuple[str, ...] = (
    "summary.csv",
    "timeseries.parquet",
    "comparison.csv",
    "metadata.json",
    "report.md",
    "report.html",
)


def report_markdown(comparison: Comparison) -> str:
    """The report as markdown; figures are linked as `plots/<name>.png` (written by write_comparison)."""
    return render_markdown(report_blocks(comparison))


def report_html(comparison: Comparison, folder: Path) -> str:
    """The report as one self-contained HTML page: CSS inline, plots from `folder/plots` as base64."""
    return render_html(report_blocks(comparison), report_title(comparison), Path(folder) / PLOT_DIR)


# ---------------------------------------------------------------------- files
def comparison_metadata(comparison: Comparison, argv: Sequence[str]) -> dict[str, Any]:
    """Everything needed to repeat a comparison and to know what produced it."""
    c = comparison
    return {
        "kind": "compare",
        "created_utc": utc_now().isoformat(timespec="seconds"),
        "command": shlex.join(argv),
        "scenarios": [scenario_metadata(s) for s in c.scenarios],
        "on": scenario_metadata(c.base) if c.base is not None else None,
        "set": dict(c.overrides),
        "baseline": c.names[0],
        "root_seed": c.root_seed,
        "replications": len(c.seeds),
        "seeds": list(c.seeds),
        "worlds": worlds_record(c),
        "days": c.days,
        "period": "week",
        "runs": len(c.runs),
        "failed": list(c.failed),
        "warning": c.warning,
        "break_even": [payback_record(p) for p in paybacks(c)],
        "files": list(REPORT_FILES),
        "environment": environment_metadata(),
    }


FIGURE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("revenue_over_time", "revenue_differences", "kpi_bars", "payback"),
    ("funnel", "trust_diy", "discovery"),
)
"""The report's figures in two groups of about equal drawing time (about a second each on one core)."""


def write_figures(comparison: Comparison, plot_dir: Path, workers: int = 1) -> list[Path]:
    """Draw every plot of the report into `plot_dir` (atomically); returns the files written.

    With two workers or more the two FIGURE_GROUPS are drawn at once in two pool processes: the
    figures are the longest step left after the runs (about 2 s of matplotlib on one core), and
    the runs' pool has just gone idle. Each figure's file is the same either way.
    """
    if comparison.runs.empty:
        return []
    plot_dir.mkdir(parents=True, exist_ok=True)
    if workers <= 1:
        drawn = [draw_figures(comparison, group, plot_dir) for group in FIGURE_GROUPS]
    else:
        from sim.experiments.runner import default_executor

        with default_executor(len(FIGURE_GROUPS)) as pool:
            futures = [pool.submit(draw_figures, comparison, group, plot_dir) for group in FIGURE_GROUPS]
            drawn = [future.result() for future in futures]
    return [path for group in drawn for path in group]


def draw_figures(comparison: Comparison, kinds: Sequence[str], plot_dir: Path) -> list[Path]:
    """Draw the figures of `kinds` (module level, so a pool process can draw a group)."""
    from sim.reporting import compare_plots as cp

    c = comparison
    events = intervention_events(c.scenarios)
    single: dict[str, Callable[[Path], Any]] = {
        "revenue_over_time": lambda p: cp.plot_revenue_over_time(c.timeseries, c.names, p, events),
        "revenue_differences": lambda p: cp.plot_paired_differences(c.runs, c.names, p),
        "funnel": lambda p: cp.plot_funnel(c.runs, c.names, p),
        "kpi_bars": lambda p: cp.plot_kpi_bars(c.runs, c.names, p),
        "trust_diy": lambda p: cp.plot_trust_diy(c.timeseries, c.names, p, events),
    }
    written = []
    for kind in kinds:
        if kind == "payback":
            for i, pb in enumerate(paybacks(c)):
                written.append(
                    atomic_write(plot_dir / f"payback_{i + 1}.png", lambda p, pb=pb: cp.plot_payback(pb, p))
                )
        elif kind == "discovery":
            written += world_figures(c, plot_dir)
        else:
            written.append(atomic_write(plot_dir / f"{kind}.png", single[kind]))
    return written


def summary_table(comparison: Comparison) -> pd.DataFrame:
    """summary.csv: every run's labels, what tells the arms apart, then the KPIs.

    What tells them apart: the parameters whose start values differ between the arms (named as
    scenario keys), and an `interventions` column when an arm has any.
    """
    scenarios = comparison.scenarios
    names = differing_parameters([s.params for s in scenarios])
    values = {s.name: {n: s.params.flat()[n] for n in names} for s in scenarios}
    if any(s.interventions for s in scenarios):
        for s in scenarios:
            values[s.name]["interventions"] = interventions_text(s)
    return with_parameter_columns(comparison.runs, values)


def interventions_text(scenario: Scenario) -> str:
    """A scenario's interventions in one cell: `day 126: <description or the values it sets>; ...`."""
    parts = []
    for item in scenario.interventions:
        said = item.description if isinstance(item, ScenarioIntervention) else ""
        parts.append(f"day {item.day}: " + (said or ", ".join(f"{k}={v}" for k, v in item.values.items())))
    return "; ".join(parts)


def write_comparison(
    comparison: Comparison, folder: Path, argv: Sequence[str], *, csv: bool = False, workers: int = 1
) -> Path:
    """Write the tables, metadata, plots and both reports of a comparison into `folder`.

    Args:
        comparison: The result of `sim.experiments.compare.compare`.
        folder: Results folder (usually `comparison.folder`, where the runs streamed to).
        argv: The command line that asked for it (recorded in metadata.json).
        csv: Also write the time series as timeseries.csv (for spreadsheets).
        workers: Processes for the figures (`write_figures`); 1 draws them in this one.

    Returns:
        The folder written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    c = comparison
    write_table_csv(folder / "summary.csv", summary_table(c))
    atomic_write(folder / "timeseries.parquet", lambda tmp: c.timeseries.to_parquet(tmp, index=False))
    if csv:
        write_table_csv(folder / "timeseries.csv", c.timeseries)
    atomic_write(folder / "comparison.csv", lambda tmp: c.comparison.to_csv(tmp, index=False))
    metadata = comparison_metadata(c, argv)
    metadata["files"] += ["timeseries.csv"] if csv else []
    atomic_write_json(folder / "metadata.json", metadata)
    write_figures(c, folder / PLOT_DIR, workers)
    atomic_write_text(folder / "report.md", report_markdown(c))
    atomic_write_text(folder / "report.html", report_html(c, folder))
    return folder
