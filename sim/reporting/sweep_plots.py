"""Plots of a sweep and its sensitivity indices (matplotlib's Agg canvas, no display needed).

What a researcher looks at first: one varied parameter as a line with its 95% CI band, two as a
heatmap of each KPI, more (or a sampled design) as scatter panels; a tornado chart of the
one-at-a-time changes around the base scenario; Sobol' indices as bars with their bootstrap CIs;
Morris mu* as bars and as a mu*-sigma scatter (high mu*: influential; high sigma relative to mu*:
non-linear or interacting). As in `sim.reporting.plots`, matplotlib is imported inside the functions and
figures are built without pyplot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments.designs import DESIGN

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.experiments.sensitivity import Sensitivity
    from sim.experiments.spec import Experiment

DPI = 110
BLUE, ORANGE, GREEN, RED, GREY = "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#7f7f7f"
ERROR_STYLE: dict[str, Any] = {"capsize": 3, "error_kw": {"ecolor": "#333333", "elinewidth": 1}}
MAX_PANELS = 6  # KPIs drawn in one sweep figure (all are in summary.csv)
MAX_SCATTER = 12  # parameters drawn as scatter panels
MAX_LABELS = 8  # parameters named in a Morris scatter (the most influential)


def label(name: str) -> str:
    """A column name as axis text."""
    return name.replace("_", " ")


def _figure(width: float, height: float, rows: int = 1, cols: int = 1) -> tuple[Figure, np.ndarray]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, cols, squeeze=False)


def _panels(n: int, cols: int = 3) -> tuple[int, int]:
    cols = min(cols, n)
    return math.ceil(n / cols), cols


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, format="png")
    return Path(path)


def _hide_unused(axes: np.ndarray, used: int) -> None:
    for ax in axes.flat[used:]:
        ax.set_visible(False)


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)


# ---------------------------------------------------------------------- sweep
def plot_sweep(summary: pd.DataFrame, experiment: Experiment, path: Path) -> Path | None:
    """The main sweep figure: a line (one grid factor), heatmaps (two) or scatter panels.

    A structure factor counts as a factor: structures x one lever is a heatmap.

    Returns None when there is nothing sensible to draw (only a tornado, or too many parameters).
    """
    design = summary[summary["part"] == DESIGN]
    names = list(experiment.factors)  # a structure factor (`scenario`) first, then the varied parameters
    if design.empty or not names:
        return None
    kpis = list(experiment.kpis[:MAX_PANELS])
    title = f"{experiment.name}: mean over {experiment.replications} replications per point"
    if experiment.design == "grid" and len(names) == 1:
        return plot_line(design, names[0], kpis, path, title + ", 95% CI")
    if experiment.design == "grid" and len(names) == 2:
        return plot_heatmaps(design, names[0], names[1], kpis, path, title)
    if len(names) <= MAX_SCATTER:
        return plot_scatter(design, names, experiment.kpis[0], path, title)
    return None


def plot_line(design: pd.DataFrame, parameter: str, kpis: Sequence[str], path: Path, title: str = "") -> Path:
    """Each KPI against one parameter: mean line with its 95% CI band (error bars for categories)."""
    rows, cols = _panels(len(kpis))
    fig, axes = _figure(4.6 * cols, 3.6 * rows, rows, cols)
    table = design.sort_values(parameter, kind="stable") if _is_numeric(design[parameter]) else design
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        _line_panel(ax, table, parameter, kpi)
    _hide_unused(axes, len(kpis))
    if title:
        fig.suptitle(title, fontsize=12, fontweight="bold")
    return _save(fig, path)


def _line_panel(ax: Axes, table: pd.DataFrame, parameter: str, kpi: str) -> None:
    mean, low, high = (table[f"{kpi}_{s}"].to_numpy(dtype=float) for s in ("mean", "ci_low", "ci_high"))
    if _is_numeric(table[parameter]):
        x = table[parameter].to_numpy(dtype=float)
        ax.plot(x, mean, color=BLUE, marker="o", linewidth=1.8)
        ax.fill_between(x, low, high, color=BLUE, alpha=0.25, linewidth=0)
    else:
        x = np.arange(len(table))
        ax.errorbar(x, mean, yerr=[mean - low, high - mean], fmt="o", color=BLUE, capsize=4)
        ax.set_xticks(x, [str(v) for v in table[parameter]])
    ax.set(xlabel=label(parameter), ylabel=label(kpi), title=label(kpi))
    _compact(ax.yaxis)
    ax.grid(True, alpha=0.3)


def plot_heatmaps(
    design: pd.DataFrame, rows_param: str, cols_param: str, kpis: Sequence[str], path: Path, title: str = ""
) -> Path:
    """One heatmap per KPI over a two-parameter grid, each cell annotated with its mean."""
    n_rows, n_cols = _panels(len(kpis), cols=2)
    fig, axes = _figure(6.4 * n_cols, 4.8 * n_rows, n_rows, n_cols)
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        _heatmap_panel(fig, ax, design, rows_param, cols_param, kpi)
    _hide_unused(axes, len(kpis))
    if title:
        fig.suptitle(title, fontsize=12, fontweight="bold")
    return _save(fig, path)


def _heatmap_panel(
    fig: Figure, ax: Axes, design: pd.DataFrame, rows_param: str, cols_param: str, kpi: str
) -> None:
    row_values = list(dict.fromkeys(design[rows_param]))
    col_values = list(dict.fromkeys(design[cols_param]))
    grid = design.pivot_table(index=rows_param, columns=cols_param, values=f"{kpi}_mean", sort=False)
    matrix = grid.reindex(index=row_values, columns=col_values).to_numpy(dtype=float)
    image = ax.imshow(matrix, origin="lower", aspect="auto", cmap="viridis")
    colorbar = fig.colorbar(image, ax=ax, label=label(kpi))
    _compact(colorbar.ax.yaxis)
    ax.set_xticks(range(len(col_values)), [_fmt(v) for v in col_values])
    ax.set_yticks(range(len(row_values)), [_fmt(v) for v in row_values])
    ax.set(xlabel=label(cols_param), ylabel=label(rows_param), title=label(kpi))
    _annotate_cells(ax, matrix)


def _annotate_cells(ax: Axes, matrix: np.ndarray) -> None:
    if matrix.size > 150 or not np.isfinite(matrix).any():
        return
    low, high = np.nanmin(matrix), np.nanmax(matrix)
    middle = (low + high) / 2
    for (i, j), value in np.ndenumerate(matrix):
        if np.isfinite(value):
            colour = "black" if value > middle else "white"  # viridis is light at the top
            ax.text(j, i, _short_number(value), ha="center", va="center", fontsize=8, color=colour)


def _short_number(value: float) -> str:
    """Three significant digits, with k and M for thousands and millions (12.3M, 2.98k, 0.0245)."""
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.3g}M"
    if magnitude >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def _compact(axis: Any) -> None:
    """Tick labels as 12.3M or 450k instead of a '1e7' offset, on an x or y axis (or a colorbar's)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: "0" if value == 0 else _short_number(value)))


def plot_scatter(design: pd.DataFrame, names: Sequence[str], kpi: str, path: Path, title: str = "") -> Path:
    """One KPI's point means against each varied parameter (sampled designs, larger grids)."""
    rows, cols = _panels(len(names), cols=4)
    fig, axes = _figure(3.8 * cols, 3.2 * rows, rows, cols)
    for ax, name in zip(axes.flat, names, strict=False):
        values = design[name]
        x = values.to_numpy(dtype=float) if _is_numeric(values) else _category_positions(ax, values)
        ax.scatter(x, design[f"{kpi}_mean"], s=12, alpha=0.5, color=BLUE, linewidths=0)
        ax.set(xlabel=label(name), ylabel=label(kpi))
        _compact(ax.yaxis)
        ax.grid(True, alpha=0.3)
    _hide_unused(axes, len(names))
    if title:
        fig.suptitle(f"{title}; {label(kpi)} at each design point", fontsize=12, fontweight="bold")
    return _save(fig, path)


def _category_positions(ax: Axes, values: pd.Series) -> np.ndarray:
    categories = list(dict.fromkeys(values))
    ax.set_xticks(range(len(categories)), [str(c) for c in categories])
    return values.map({c: i for i, c in enumerate(categories)}).to_numpy(dtype=float)


# ---------------------------------------------------------------------- tornado
def plot_tornado(tornado: pd.DataFrame, kpis: Sequence[str], path: Path, title: str = "") -> Path:
    """Change of each KPI from the base scenario when one parameter moves to its low or high value."""
    kpis = [k for k in kpis if k in set(tornado["kpi"])][:4]
    rows, cols = _panels(len(kpis), cols=2)
    height = max(3.2, 0.55 * tornado["parameter"].nunique() + 1.6)
    fig, axes = _figure(7.2 * cols, height * rows, rows, cols)
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        _tornado_panel(ax, tornado[tornado["kpi"] == kpi])
    _hide_unused(axes, len(kpis))
    if title:
        fig.suptitle(title, fontsize=12, fontweight="bold")
    return _save(fig, path)


def _tornado_panel(ax: Axes, rows: pd.DataFrame) -> None:
    rows = rows.iloc[::-1]  # largest swing at the top
    y = np.arange(len(rows))
    for side, colour, offset in (("low", BLUE, 0.2), ("high", ORANGE, -0.2)):
        diff = rows[f"{side}_difference"].to_numpy(dtype=float)
        err = [diff - rows[f"{side}_ci_low"].to_numpy(dtype=float), rows[f"{side}_ci_high"] - diff]
        ax.barh(y + offset, diff, height=0.38, color=colour, label=f"{side} value", xerr=err, **ERROR_STYLE)
    ticks = [
        f"{label(p)}\n{_fmt(lo)} / {_fmt(hi)}"
        for p, lo, hi in rows[["parameter", "low_value", "high_value"]].to_numpy()
    ]
    ax.set_yticks(y, ticks, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    kpi, base = rows["kpi"].iloc[0], rows["base_mean"].iloc[0]
    ax.set(
        title=f"{label(kpi)} (base {_short_number(base)})", xlabel=f"change in {label(kpi)} vs base (95% CI)"
    )
    ax.grid(True, axis="x", alpha=0.3)
    _compact(ax.xaxis)
    ax.legend(fontsize=8, loc="best")


# ---------------------------------------------------------------------- sensitivity
def plot_sobol(sensitivity: Sensitivity, kpi: str, path: Path, title: str = "") -> Path:
    """First-order (S1) and total (ST) Sobol' indices of one KPI, bars with bootstrap 95% CIs."""
    from sim.experiments.sensitivity import ranked

    table = ranked(sensitivity, kpi).iloc[::-1]
    y = np.arange(len(table))
    fig, axes = _figure(8, max(3.5, 0.45 * len(table) + 1.5))
    ax = axes[0, 0]
    for column, colour, offset in (("S1", BLUE, 0.2), ("ST", ORANGE, -0.2)):
        ax.barh(
            y + offset,
            table[column],
            height=0.38,
            color=colour,
            label=column,
            xerr=table[f"{column}_conf"],
            **ERROR_STYLE,
        )
    ax.set_yticks(y, [label(p) for p in table["parameter"]], fontsize=9)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(
        xlabel="Sobol' index (share of output variance), 95% CI",
        title=title or f"Sobol' indices of {label(kpi)}",
    )
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=9, loc="lower right")
    return _save(fig, path)


def plot_morris(sensitivity: Sensitivity, kpi: str, path: Path, title: str = "") -> Path:
    """Morris screening of one KPI: mu* bars with 95% CIs, and the mu*-sigma plane."""
    from sim.experiments.sensitivity import ranked

    table = ranked(sensitivity, kpi)
    fig, axes = _figure(14, max(4.5, 0.28 * len(table) + 1.5), 1, 2)
    _morris_bars(axes[0, 0], table.iloc[::-1], kpi)
    _morris_scatter(axes[0, 1], table, kpi)
    fig.suptitle(title or f"Morris screening of {label(kpi)}", fontsize=12, fontweight="bold")
    return _save(fig, path)


def _mu_star_error(table: pd.DataFrame) -> np.ndarray:
    """Distances from mu* down and up to its interval, which never reaches below 0 (log scale)."""
    mu = table["mu_star"].to_numpy(dtype=float)
    return np.vstack([mu - table["mu_star_ci_low"], table["mu_star_ci_high"] - mu])


def _morris_bars(ax: Axes, table: pd.DataFrame, kpi: str) -> None:
    y = np.arange(len(table))
    ax.barh(y, table["mu_star"], color=BLUE, xerr=_mu_star_error(table), height=0.7, **ERROR_STYLE)
    ax.set_yticks(y, [label(p) for p in table["parameter"]], fontsize=8)
    ax.set(xlabel=f"mu* of {label(kpi)} (per full range of the parameter), 95% CI on the log scale")
    _compact(ax.xaxis)
    ax.grid(True, axis="x", alpha=0.3)


def _morris_scatter(ax: Axes, table: pd.DataFrame, kpi: str) -> None:
    ax.errorbar(
        table["mu_star"],
        table["sigma"],
        xerr=_mu_star_error(table),
        fmt="o",
        color=BLUE,
        ms=4,
        alpha=0.8,
        capsize=2,
    )
    top = max(float(np.nanmax(table["mu_star"])), float(np.nanmax(table["sigma"])), 0.0)
    ax.plot([0, top], [0, top], color=GREY, linestyle=":", linewidth=1, label="sigma = mu*")
    for _, row in table.head(MAX_LABELS).iterrows():
        ax.annotate(
            label(row["parameter"]),
            (row["mu_star"], row["sigma"]),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set(xlabel=f"mu* (mean |elementary effect|) of {label(kpi)}", ylabel="sigma (spread of effects)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    _compact(ax.xaxis)
    _compact(ax.yaxis)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
