"""Plots of a replicated comparison, for the report (matplotlib's Agg canvas, no display).

Each function draws one PNG from the comparison's tables. Every mean is shown with its 95%
Student-t interval across replications, because a consultant's reader should see at a glance
whether two scenarios differ by more than the simulation's noise. matplotlib is imported inside
the functions, as in `sim.reporting.plots`, so importing `sim` stays fast; figures are built without
pyplot, so nothing changes a notebook's backend or leaves figures open.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.experiments.stats import level_bounds, level_ci, mean_ci
from sim.model.metrics import FUNNELS
from sim.reporting.formats import FUNNEL_NAMES, NO_INTERVAL, STAGE_LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.reporting.payback import Payback

COLORS: tuple[str, ...] = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3")
DPI = 110
BAR_KPIS: tuple[tuple[str, str, float], ...] = (
    # column, axis label, factor applied before plotting
    ("revenue", "revenue (millions)", 1e-6),
    ("deals_won", "deals won", 1.0),
    ("win_rate", "win rate (%)", 100.0),
    ("median_response_hours", "median first response (working hours)", 1.0),
    ("never_contacted_share", "MQLs never contacted (%, rejected included)", 100.0),
    ("diy_hours", "rep hours on DIY collateral", 1.0),
    ("brand_consistency", "brand consistency (0-1)", 1.0),
    ("selling_time_share", "selling time (% of rep hours)", 100.0),
    ("cac", "CAC (thousands per deal won)", 1e-3),
)


def color(i: int) -> str:
    """The colour of the i-th scenario, the same in every plot."""
    return COLORS[i % len(COLORS)]


def _figure(width: float, height: float, rows: int = 1, cols: int = 1) -> tuple[Figure, np.ndarray]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, cols, squeeze=False)


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, format="png")
    return Path(path)


def band(timeseries: pd.DataFrame, column: str, scenario: str) -> pd.DataFrame:
    """Mean of `column` per day over a scenario's replications, with its 95% interval (`level_ci`'s)."""
    rows = timeseries[timeseries["scenario"] == scenario]
    g = rows.groupby("day")[column]
    mean = g.mean()
    low, high = level_bounds(mean, g.std(ddof=1), g.count(), g.min(), g.max(), kpi=column)
    return pd.DataFrame({"mean": mean, "low": low, "high": high}, index=mean.index)


def _lines_with_bands(
    ax: Axes, timeseries: pd.DataFrame, names: Sequence[str], column: str, factor: float = 1.0
) -> None:
    for i, name in enumerate(names):
        b = band(timeseries, column, name) * factor
        ax.plot(b.index, b["mean"], color=color(i), linewidth=1.8, label=name)
        ax.fill_between(b.index, b["low"], b["high"], color=color(i), alpha=0.25, linewidth=0)


def _mark_events(ax: Axes, events: Sequence[tuple[int, str]], label: bool = True) -> None:
    """Dotted lines where interventions change levers, labelled at the top of the axes."""
    for day, text in events:
        ax.axvline(day, color="dimgrey", linestyle=":", linewidth=1.5)
        if label:
            ax.annotate(
                f"day {day}: {text}",
                xy=(day, 1),
                xycoords=("data", "axes fraction"),
                xytext=(4, -12),
                textcoords="offset points",
                fontsize=8,
                color="dimgrey",
            )


def plot_revenue_over_time(
    timeseries: pd.DataFrame, names: Sequence[str], path: Path, events: Sequence[tuple[int, str]] = ()
) -> Path:
    """Revenue per week per scenario: mean over replications with its 95% CI band."""
    fig, axes = _figure(11, 4.8)
    ax = axes[0, 0]
    _lines_with_bands(ax, timeseries, names, "revenue", 1e-3)
    _mark_events(ax, events)
    ax.set(
        title="Revenue per week (mean over replications, 95% CI band)",
        xlabel="working day",
        ylabel="revenue per week (thousands)",
    )
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(title="scenario", fontsize=9, loc="upper left", bbox_to_anchor=(0, 0.93))
    return _save(fig, path)


def plot_paired_differences(runs: pd.DataFrame, names: Sequence[str], path: Path) -> Path:
    """Per-replication revenue differences to the baseline: dots, mean and its 95% CI."""
    base, others = names[0], list(names[1:])
    wide = runs.pivot(index="replication", columns="scenario", values="revenue") / 1e6
    fig, axes = _figure(11, 1.5 + 1.2 * len(others))
    ax = axes[0, 0]
    jitter = np.random.default_rng(0).uniform(-0.18, 0.18, len(wide))  # fixed: the plot is repeatable
    for row, other in enumerate(others):
        if base not in wide or other not in wide:  # every run of one side failed
            continue
        d = (wide[other] - wide[base]).dropna().to_numpy()
        iv = mean_ci(d)
        y = len(others) - 1 - row
        ax.scatter(d, y + jitter[: len(d)], color=color(row + 1), alpha=0.6, s=22, label="one replication")
        ax.errorbar(
            iv.mean,
            y,
            xerr=[[iv.mean - iv.low], [iv.high - iv.mean]] if iv.n > 1 else None,
            fmt="D",
            color="black",
            capsize=6,
            markersize=7,
            label="mean and 95% CI",
        )
        interval = f"95% CI {iv.low:+,.2f} to {iv.high:+,.2f} M" if iv.n > 1 else NO_INTERVAL
        ax.annotate(
            f"mean {iv.mean:+,.2f} M ({interval}), {len(d)} replications",
            xy=(0.01, y + 0.3),
            xycoords=("axes fraction", "data"),
            fontsize=9,
        )
    ax.axvline(0, color="grey", linewidth=1)
    ax.set_yticks(range(len(others)), [f"{o}\nminus {base}" for o in reversed(others)])
    ax.set_ylim(-0.6, len(others) - 0.3)
    ax.set(
        title="Revenue difference over the horizon, replication by replication (paired)",
        xlabel="revenue difference (millions)",
    )
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))  # one entry per kind, not per pair
    ax.legend(unique.values(), unique.keys(), fontsize=8, loc="lower right")
    ax.grid(True, axis="x", alpha=0.3)
    return _save(fig, path)


def _mean_and_error(values: np.ndarray, kpi: str = "") -> tuple[float, float, float]:
    """Mean, and the distances down and up to its CI inside the KPI's support (0 where there is none)."""
    iv = level_ci(values, kpi)
    if math.isnan(iv.low):
        return iv.mean, 0.0, 0.0
    return iv.mean, iv.mean - iv.low, iv.high - iv.mean


def _grouped_bars(
    ax: Axes, runs: pd.DataFrame, names: Sequence[str], columns: Sequence[str], factor: float
) -> None:
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        rows = runs[runs["scenario"] == name]
        stats = [_mean_and_error(rows[c].to_numpy(dtype=float) * factor) for c in columns]
        x = np.arange(len(columns)) + (i - (len(names) - 1) / 2) * width
        ax.bar(
            x,
            [s[0] for s in stats],
            width * 0.95,
            yerr=np.array([[s[1] for s in stats], [s[2] for s in stats]]),
            color=color(i),
            capsize=3,
            label=name,
        )


def plot_funnel(runs: pd.DataFrame, names: Sequence[str], path: Path) -> Path:
    """Both funnels per scenario: mean totals over the horizon with 95% CIs, log scale.

    Marketing-sourced (inquiries to deals won) and rep-sourced (prospects to deals won) side by
    side, on one scale, so the two sources' SQLs and deals compare at a glance.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    widths = [len(steps) for steps in FUNNELS.values()]
    fig = Figure(figsize=(12, 5), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(widths), sharey=True, width_ratios=widths)
    for ax, (funnel, steps) in zip(axes, FUNNELS.items(), strict=True):
        columns = [stage for stage, _ in steps]
        _grouped_bars(ax, runs, names, columns, 1.0)
        ax.set_yscale("log")
        ax.set_xticks(range(len(columns)), [STAGE_LABELS[c] for c in columns])
        ax.set_title(f"{FUNNEL_NAMES[funnel].capitalize()} funnel")
        ax.grid(True, axis="y", which="major", alpha=0.3)
    axes[0].set_ylabel("count over the horizon (log scale)")
    axes[0].legend(title="scenario", fontsize=9)
    fig.suptitle("Funnels over the horizon (mean totals, 95% CI)", fontsize=12, fontweight="bold")
    return _save(fig, path)


def plot_kpi_bars(runs: pd.DataFrame, names: Sequence[str], path: Path) -> Path:
    """A grid of key KPIs, one bar per scenario with its 95% CI."""
    cols = 3
    rows = math.ceil(len(BAR_KPIS) / cols)
    fig, axes = _figure(11, 3 * rows, rows, cols)
    for ax, (column, label, factor) in zip(axes.flat, BAR_KPIS, strict=False):
        for i, name in enumerate(names):
            values = runs.loc[runs["scenario"] == name, column].to_numpy(dtype=float) * factor
            mean, down, up = _mean_and_error(values, column)
            ax.bar(i, mean, 0.7, yerr=[[down], [up]], color=color(i), capsize=4)
        ax.set_title(label, fontsize=10)
        ax.set_xticks(range(len(names)), names, rotation=20 if len(names) > 2 else 0, fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(BAR_KPIS) :]:
        ax.set_visible(False)
    fig.suptitle("Key KPIs per scenario over the horizon (mean, 95% CI)", fontsize=12, fontweight="bold")
    return _save(fig, path)


def plot_trust_diy(
    timeseries: pd.DataFrame, names: Sequence[str], path: Path, events: Sequence[tuple[int, str]] = ()
) -> Path:
    """Trust both ways and rep hours on DIY collateral per week, per scenario, with 95% CI bands."""
    fig, axes = _figure(13, 4.2, 1, 3)
    panels = (
        ("trust_sales_in_marketing", "Trust of sales in marketing", "trust (0 = none, 1 = full)"),
        ("trust_marketing_in_sales", "Trust of marketing in sales", "trust (0 = none, 1 = full)"),
        ("diy_hours", "Rep hours on do-it-yourself collateral", "hours per week"),
    )
    for ax, (column, title, ylabel) in zip(axes[0], panels, strict=True):
        _lines_with_bands(ax, timeseries, names, column)
        _mark_events(ax, events, label=False)
        ax.set(title=title, xlabel="working day", ylabel=ylabel)
        ax.set_ylim(0, 1 if column.startswith("trust") else None)
        if not column.startswith("trust"):
            ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
    axes[0, 0].legend(title="scenario", fontsize=8, loc="best")
    return _save(fig, path)


def plot_payback(payback: Payback, path: Path) -> Path:
    """Cumulative revenue difference with its CI band, the interventions and the break-even day.

    When replications break even, a second panel zooms in on the days around it: over a long
    horizon the curve near break-even is too flat to read on the full scale.
    """
    zoom = _zoom_window(payback)
    fig, axes = _figure(13 if zoom else 11, 4.8, 1, 2 if zoom else 1)
    band_m = payback.band() / 1e6
    _payback_panel(axes[0, 0], payback, band_m, label_events=True)
    axes[0, 0].set_title("Whole horizon")
    axes[0, 0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, 0.93))
    if zoom:
        ax = axes[0, 1]
        _payback_panel(ax, payback, band_m, label_events=False)
        window = band_m.loc[zoom[0] : zoom[1]]
        low, high = float(window["low"].min()), float(window["high"].max())
        pad = 0.1 * max(high - low, 1e-3)
        ax.set_xlim(*zoom)
        ax.set_ylim(low - pad, high + pad)
        ax.set_title("Zoom on the break-even")
    fig.suptitle(
        f"{payback.scenario} minus {payback.baseline}: cumulative revenue difference"
        f"{' less one-off costs' if payback.change_cost else ''} "
        f"({payback.n_break_even} of {payback.n} replications break even)",
        fontsize=12,
        fontweight="bold",
    )
    return _save(fig, path)


def _zoom_window(payback: Payback) -> tuple[float, float] | None:
    """Days from a little before the first intervention to a little after the last break-even."""
    days = payback.break_even.dropna()
    if days.empty:
        return None
    start = min([d for d, _ in payback.events] + [float(days.min())]) - 15
    end = float(days.max()) + 30
    return max(0.0, start), min(float(payback.curves.index.max()), end)


def _payback_panel(ax: Axes, payback: Payback, band_m: pd.DataFrame, label_events: bool) -> None:
    ax.plot(band_m.index, band_m["mean"], color=color(1), linewidth=2, label="mean cumulative difference")
    ax.fill_between(
        band_m.index, band_m["low"], band_m["high"], color=color(1), alpha=0.3, linewidth=0, label="95% CI"
    )
    ax.axhline(0, color="grey", linewidth=1)
    _mark_events(ax, payback.events, label=label_events)
    iv = payback.interval()
    if payback.n_break_even:
        ax.axvline(iv.mean, color="black", linewidth=1.2, label=f"mean break-even: day {iv.mean:,.0f}")
        if iv.n > 1 and iv.high > iv.low:
            ax.axvspan(iv.low, iv.high, color="black", alpha=0.12, label="break-even 95% CI")
    ax.set(xlabel="working day", ylabel="cumulative revenue difference (millions)")
    ax.grid(True, alpha=0.3)
