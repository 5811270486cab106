"""The dashboard's live plots: matplotlib figures rendered to PNG bytes on the server.

The dashboard shows these as plain images, so the browser needs no plotting library and fetches
nothing from a CDN (Altair or Plotly would load vega or plotly.js in the page). Each function draws
one or two runs on the same axes: one colour per run, so a side-by-side comparison reads at a glance.

Figures are built without pyplot (matplotlib's Agg canvas), which keeps them thread-safe enough for
a server that renders while another session steps its model, and leaves no global figure state.
They use fixed margins rather than a constrained layout: that halves the time of a frame of Play.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullLocator

from sim.model.metrics import FUNNELS
from sim.reporting.formats import FUNNEL_NAMES, STAGE_LABELS

RUN_COLOURS: tuple[str, ...] = ("#1f77b4", "#e6550d")  # first run blue, comparison orange
FIGSIZE: tuple[float, float] = (6.4, 3.5)  # inches; two plots side by side fill a laptop screen
DPI = 100
MIN_RESPONSE_HOURS = 0.05  # floor of the log axis (3 minutes): a median of 0 h still shows
MARGINS: dict[str, float] = {"left": 0.1, "right": 0.97, "top": 0.9, "bottom": 0.14}


@dataclass(frozen=True)
class RunData:
    """One run as the plots see it: what to call it and its tables so far.

    Attributes:
        label: Legend entry (the scenario's name).
        weekly: `model.timeseries("week")`: one row per working week, stable column names.
        totals: `model.summary()`: totals of flows and rates since day 0.
        events: (working day, label) of lever changes, drawn as dotted lines.
    """

    label: str
    weekly: pd.DataFrame
    totals: dict[str, float]
    events: tuple[tuple[int, str], ...] = field(default=())


Draw = Callable[[Figure, Sequence[RunData], int], None]


def render_png(
    draw: Draw, runs: Sequence[RunData], horizon: int, figsize: tuple[float, float] = FIGSIZE
) -> bytes:
    """Draw a figure off-screen and return it as PNG bytes.

    Args:
        draw: Function that fills the figure for the runs.
        runs: One or two runs (the second is the side-by-side comparison).
        horizon: Working days the x axis spans, so curves grow from left to right without rescaling.
        figsize: Figure size in inches.
    """
    fig = Figure(figsize=figsize, dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(**MARGINS)
    draw(fig, runs, horizon)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


# ---------------------------------------------------------------------- helpers
def _days(run: RunData) -> np.ndarray:
    return run.weekly["day"].to_numpy(dtype=float)


def _time_axis(ax: Axes, horizon: int, with_label: bool = True) -> None:
    """A working-day axis fixed at [0, horizon] with a light grid."""
    ax.set_xlim(0, horizon)
    ax.grid(alpha=0.3)
    if with_label:
        ax.set_xlabel("working day")


def _events(ax: Axes, runs: Sequence[RunData], labelled: bool = False) -> None:
    """Dotted lines where levers changed (scenario interventions and the user's moves)."""
    for colour, run in zip(RUN_COLOURS, runs, strict=False):
        for day, label in run.events:
            ax.axvline(day, color=colour, linestyle=":", linewidth=1.2, alpha=0.8)
            if labelled:
                ax.annotate(
                    label,
                    (day, 1),
                    xycoords=("data", "axes fraction"),
                    xytext=(3, -3),
                    textcoords="offset points",
                    va="top",
                    fontsize=7,
                    color=colour,
                    rotation=90,
                )


def _waiting(ax: Axes, runs: Sequence[RunData]) -> bool:
    """Write a hint on empty axes before the first day; True when there is nothing to plot."""
    if runs and len(runs[0].weekly):
        return False
    ax.text(0.5, 0.5, "press Step or Play", ha="center", va="center", transform=ax.transAxes, color="grey")
    return True


def _legend_for_runs(ax: Axes, runs: Sequence[RunData], extra: Sequence[Line2D] = ()) -> None:
    handles = [
        Line2D([], [], color=c, linewidth=2, label=r.label) for c, r in zip(RUN_COLOURS, runs, strict=False)
    ]
    ax.legend(handles=[*handles, *extra], fontsize=8, loc="best", frameon=False)


# ---------------------------------------------------------------------- the plots
def draw_revenue(fig: Figure, runs: Sequence[RunData], horizon: int) -> None:
    """Cumulative revenue: the bottom line a manager watches, and where two structures part."""
    ax = fig.subplots()
    ax.set_title("Revenue to date", fontsize=11, loc="left")
    ax.set_ylabel("revenue (million)")
    _time_axis(ax, horizon)
    if _waiting(ax, runs):
        return
    for colour, run in zip(RUN_COLOURS, runs, strict=False):
        cumulative = np.concatenate([[0.0], run.weekly["revenue"].cumsum().to_numpy() / 1e6])
        ax.plot(np.concatenate([[0.0], _days(run)]), cumulative, color=colour, linewidth=2)
    ax.set_ylim(bottom=0)
    _events(ax, runs, labelled=True)
    _legend_for_runs(ax, runs)


def draw_funnel(fig: Figure, runs: Sequence[RunData], horizon: int) -> None:
    """Both funnels to date, stage by stage, each stage with its conversion rate into it.

    Marketing-sourced (inquiries to deals won) above, rep-sourced (prospects to deals won) below,
    so neither source's deals are read as the other's. Counts span four orders of magnitude
    (thousands of inquiries, dozens of deals), so the bars use a log scale and carry their numbers.
    """
    fig.subplots_adjust(left=0.2, right=0.97, bottom=0.1)
    ax = fig.subplots()
    ax.set_title("Funnels to date (conversion into each stage)", fontsize=11, loc="left")
    if _waiting(ax, runs):
        ax.set_axis_off()
        return
    steps = [(funnel, stage, rate) for funnel, rows in FUNNELS.items() for stage, rate in rows]
    # one header row above each funnel, for its name
    y = np.array([k + 1 + (funnel != "marketing") for k, (funnel, _, _) in enumerate(steps)], dtype=float)
    height = 0.8 / len(runs)
    for i, (colour, run) in enumerate(zip(RUN_COLOURS, runs, strict=False)):
        counts = np.array([run.totals[stage] for _, stage, _ in steps], dtype=float)
        offset = y + (i - (len(runs) - 1) / 2) * height
        ax.barh(offset, np.maximum(counts, 0.8), height=height * 0.95, color=colour, label=run.label)
        for pos, count, (_, _, rate) in zip(offset, counts, steps, strict=True):
            ax.annotate(
                _count_label(count, run.totals.get(rate, np.nan) if rate else np.nan),
                (max(count, 0.8), pos),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_yticks(y, [_stage_label(funnel, stage) for funnel, stage, _ in steps], fontsize=8)
    for funnel, header in (("marketing", 0), ("sourced", len(FUNNELS["marketing"]) + 1)):
        ax.annotate(
            f"{FUNNEL_NAMES[funnel]} funnel",
            (0, header),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color="dimgrey",
            style="italic",
        )
    ax.set_ylim(y.max() + 0.6, -0.6)  # top down, the first header row included
    ax.set_xlim(0.8, max(10.0, max(r.totals["inquiries"] for r in runs) * 8))
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="lower right", frameon=False)


def _stage_label(funnel: str, stage: str) -> str:
    """'reached' for the marketing funnel's SALs; the rep-sourced stages are marked '(own)'."""
    return (
        STAGE_LABELS[stage]
        if funnel == "marketing" or stage == "prospects"
        else f"{STAGE_LABELS[stage]} (own)"
    )


def _count_label(count: float, rate: float) -> str:
    """'1,234 (41%)': a stage's count and the funnel's conversion rate into it (none for the first)."""
    text = f"{count:,.0f}"
    return text if np.isnan(rate) else f"{text} ({100 * rate:.0f}%)"


def draw_response(fig: Figure, runs: Sequence[RunData], horizon: int) -> None:
    """Median working hours to first contact of marketing's leads, week by week.

    The chance to qualify a lead falls steeply within hours (Oldroyd et al. 2011), so minutes and
    days must both be readable: a log axis.
    """
    ax = fig.subplots()
    ax.set_title("Response time: median hours to first contact", fontsize=11, loc="left")
    _time_axis(ax, horizon)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} h"))
    ax.yaxis.set_minor_locator(NullLocator())  # minor ticks of a log axis cost a third of the frame
    if _waiting(ax, runs):
        return
    for colour, run in zip(RUN_COLOURS, runs, strict=False):
        hours = run.weekly["median_response_hours"].to_numpy(dtype=float)
        ax.plot(_days(run), np.maximum(hours, MIN_RESPONSE_HOURS), color=colour, linewidth=2, marker=".")
    _events(ax, runs)
    _legend_for_runs(ax, runs)


def draw_diy_brand(fig: Figure, runs: Sequence[RunData], horizon: int) -> None:
    """Do-it-yourself collateral per week (top) and the brand consistency it erodes (bottom)."""
    fig.subplots_adjust(hspace=0.15)
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.set_title("Collateral reps built themselves, and brand consistency", fontsize=11, loc="left")
    top.set_ylabel("DIY assets / week", fontsize=8)
    bottom.set_ylabel("brand consistency", fontsize=8)
    _time_axis(top, horizon, with_label=False)
    _time_axis(bottom, horizon)
    bottom.set_ylim(0, 1.02)
    if _waiting(top, runs):
        return
    for colour, run in zip(RUN_COLOURS, runs, strict=False):
        whole = run.weekly["day"] % 5 == 0  # a week still under way would look like a drop
        days = run.weekly["day"][whole].to_numpy(dtype=float)
        top.plot(days, run.weekly["diy_assets"][whole], color=colour, linewidth=1.5, drawstyle="steps-pre")
        bottom.plot(_days(run), run.weekly["brand_consistency"], color=colour, linewidth=2)
    top.set_ylim(bottom=0)
    for ax in (top, bottom):
        _events(ax, runs)
    _legend_for_runs(top, runs)


def draw_trust(fig: Figure, runs: Sequence[RunData], horizon: int) -> None:
    """Trust in both directions: the vicious circle (or its virtuous reverse) made visible."""
    ax = fig.subplots()
    ax.set_title("Trust between the teams", fontsize=11, loc="left")
    ax.set_ylabel("trust (0-1)")
    ax.set_ylim(0, 1)
    _time_axis(ax, horizon)
    if _waiting(ax, runs):
        return
    for colour, run in zip(RUN_COLOURS, runs, strict=False):
        ax.plot(_days(run), run.weekly["trust_sales_in_marketing"], color=colour, linewidth=2)
        ax.plot(_days(run), run.weekly["trust_marketing_in_sales"], color=colour, linewidth=2, linestyle="--")
    _events(ax, runs)
    styles = [
        Line2D([], [], color="grey", linewidth=2, label="sales in marketing"),
        Line2D([], [], color="grey", linewidth=2, linestyle="--", label="marketing in sales"),
    ]
    _legend_for_runs(ax, runs, styles)


PLOTS: dict[str, tuple[Draw, tuple[float, float]]] = {
    "revenue": (draw_revenue, FIGSIZE),
    "funnel": (draw_funnel, FIGSIZE),
    "response": (draw_response, FIGSIZE),
    "trust": (draw_trust, FIGSIZE),
    "diy_brand": (draw_diy_brand, FIGSIZE),
}
"""The dashboard's plots by name, in display order, with their figure sizes."""
