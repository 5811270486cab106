"""The dashboard's live plots: matplotlib figures rendered to PNG bytes on the server.

The dashboard shows these as plain images, so the browser needs no plotting library and fetches
nothing from a CDN (Altair or Plotly would load vega or plotly.js in the page). Each function draws
one or two runs on the same axes: one colour per run, so a side-by-side comparison reads at a glance.

Figures are built without pyplot (matplotlib's Agg canvas), which leaves no global figure state.
They use fixed margins rather than a constrained layout: that halves the time of a frame of Play.
Text is readable at 1280x800: a figure is drawn about as wide as the page shows it, with the
dashboard's own font sizes (`RC`, applied while each figure is drawn, so no other figure changes).
When bands over replications are ready (`sim.dashboard.bands`), each series also shows its median
(dashed) and its 80% band (shaded) in the run's colour.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullLocator

from sim.model.metrics import FUNNELS
from sim.reporting.formats import FUNNEL_NAMES, STAGE_LABELS

RUN_COLOURS: tuple[str, ...] = ("#1f77b4", "#e6550d")  # first run blue, comparison orange
FIGSIZE: tuple[float, float] = (4.2, 3.0)  # inches at DPI: as wide as a column at 1280x800
DPI = 100
MIN_RESPONSE_HOURS = 0.05  # floor of the log axis (3 minutes): a median of 0 h still shows
MARGINS: dict[str, float] = {"left": 0.15, "right": 0.95, "top": 0.89, "bottom": 0.16}
RC: dict[str, float | str] = {
    "font.size": 11.0,  # points; at 100 dpi and drawn at its own size, 15 px
    "axes.titlesize": 12.0,
    "axes.labelsize": 11.0,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5,
    "legend.fontsize": 10.0,
    "figure.titlesize": 12.0,
}
"""The dashboard's font sizes (matplotlib rcParams), bigger than matplotlib's 10 pt default."""
BAND_ALPHA = 0.18
_RC_LOCK = threading.Lock()  # rc_context changes matplotlib's global rcParams while a figure is drawn


@dataclass(frozen=True)
class RunData:
    """One run as the plots see it: what to call it and its tables so far.

    Attributes:
        label: Legend entry (the scenario's name).
        weekly: `model.timeseries("week")`: one row per working week, stable column names.
        totals: `model.summary()`: totals of flows and rates since day 0.
        events: (working day, label) of lever changes, drawn as dotted lines.
        band: Quantiles over replications (`sim.dashboard.bands.Bands.arms`), or None.
    """

    label: str
    weekly: pd.DataFrame
    totals: dict[str, float]
    events: tuple[tuple[int, str], ...] = field(default=())
    band: pd.DataFrame | None = None


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
    with _RC_LOCK, rc_context(RC):
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
                    fontsize="small",
                    color=colour,
                    rotation=90,
                )


def _band(
    ax: Axes, run: RunData, colour: str, series: str, scale: float = 1.0, floor: float | None = None
) -> None:
    """The run's median (dashed) and 80% band (shaded) of a series, if bands are ready."""
    if run.band is None:
        return
    days = run.band["day"].to_numpy(dtype=float)
    low, mid, high = (run.band[f"{series}@{q}"].to_numpy(dtype=float) * scale for q in (0.1, 0.5, 0.9))
    if floor is not None:
        low, mid, high = (np.maximum(v, floor) for v in (low, mid, high))
    ax.fill_between(days, low, high, color=colour, alpha=BAND_ALPHA, linewidth=0)
    ax.plot(days, mid, color=colour, linewidth=1.2, linestyle="--", alpha=0.9)


def _band_legend(runs: Sequence[RunData]) -> list[Line2D]:
    """Legend entries for the bands, when any are drawn."""
    band = next((r.band for r in runs if r.band is not None), None)
    if band is None:
        return []
    return [Line2D([], [], color="grey", linestyle="--", label="median, 80% band")]


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
    ax.legend(handles=[*handles, *extra, *_band_legend(runs)], loc="best", frameon=False)


# ---------------------------------------------------------------------- the plots
def draw_revenue(fig: Figure, runs: Sequence[RunData], horizon: int) -> None:
    """Cumulative revenue: the bottom line a manager watches, and where two structures part."""
    ax = fig.subplots()
    ax.set_title("Revenue to date", loc="left")
    ax.set_ylabel("revenue (million)")
    _time_axis(ax, horizon)
    if _waiting(ax, runs):
        return
    for colour, run in zip(RUN_COLOURS, runs, strict=False):
        cumulative = np.concatenate([[0.0], run.weekly["revenue"].cumsum().to_numpy() / 1e6])
        ax.plot(np.concatenate([[0.0], _days(run)]), cumulative, color=colour, linewidth=2)
        _band(ax, run, colour, "revenue_to_date", scale=1e-6)
    ax.set_ylim(bottom=0)
    _events(ax, runs, labelled=True)
    _legend_for_runs(ax, runs)


def draw_funnel(fig: Figure, runs: Sequence[RunData], horizon: int) -> None:
    """Both funnels to date, stage by stage, each bar with its count and its conversion rate into it.

    Marketing-sourced (inquiries to deals won) above, rep-sourced (prospects to deals won) below,
    each on its own linear axis: a log axis made dozens of deals look like thousands of inquiries.
    Small counts keep their number beside the bar, so a bar too short to see still reads.
    """
    fig.subplots_adjust(left=0.29, right=0.97, bottom=0.08, top=0.86, hspace=0.5)
    sizes = [len(FUNNELS["marketing"]), len(FUNNELS["sourced"])]
    axes = fig.subplots(2, 1, gridspec_kw={"height_ratios": sizes})
    fig.suptitle("Funnels to date: counts (linear) and conversion", x=0.02, ha="left")
    if _waiting(axes[0], runs):
        for ax in axes:
            ax.set_axis_off()
        return
    for ax, funnel in zip(axes, ("marketing", "sourced"), strict=True):
        _funnel_panel(ax, funnel, runs)
    axes[1].legend(loc="lower right", frameon=False)


def _funnel_panel(ax: Axes, funnel: str, runs: Sequence[RunData]) -> None:
    """One funnel as horizontal bars, one bar per run and stage, labelled '1,234 (41%)'."""
    steps = FUNNELS[funnel]
    y = np.arange(len(steps), dtype=float)
    height = 0.8 / len(runs)
    top = max(1.0, max(run.totals[steps[0][0]] for run in runs))
    for i, (colour, run) in enumerate(zip(RUN_COLOURS, runs, strict=False)):
        counts = np.array([run.totals[stage] for stage, _ in steps], dtype=float)
        offset = y + (i - (len(runs) - 1) / 2) * height
        ax.barh(offset, counts, height=height * 0.95, color=colour, label=run.label)
        for pos, count, (_, rate) in zip(offset, counts, steps, strict=True):
            ax.annotate(
                _count_label(count, run.totals.get(rate, np.nan) if rate else np.nan),
                (count, pos),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize="small",
            )
    ax.set_yticks(y, [_stage_label(funnel, stage) for stage, _ in steps])
    ax.set_ylim(len(steps) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.45)  # room for the last label right of the longest bar
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title(f"{FUNNEL_NAMES[funnel]} funnel", loc="left", fontsize="medium", style="italic")
    ax.grid(alpha=0.3, axis="x")


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
    ax.set_title("Response: median hours to first contact", loc="left")
    _time_axis(ax, horizon)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} h"))
    ax.yaxis.set_minor_locator(NullLocator())  # minor ticks of a log axis cost a third of the frame
    if _waiting(ax, runs):
        return
    for colour, run in zip(RUN_COLOURS, runs, strict=False):
        hours = run.weekly["median_response_hours"].to_numpy(dtype=float)
        ax.plot(_days(run), np.maximum(hours, MIN_RESPONSE_HOURS), color=colour, linewidth=2, marker=".")
        _band(ax, run, colour, "median_response_hours", floor=MIN_RESPONSE_HOURS)
    _events(ax, runs)
    _legend_for_runs(ax, runs)


def draw_diy_brand(fig: Figure, runs: Sequence[RunData], horizon: int) -> None:
    """Do-it-yourself collateral per week (top) and the brand consistency it erodes (bottom)."""
    fig.subplots_adjust(hspace=0.15)
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.set_title("DIY collateral and brand consistency", loc="left")
    top.set_ylabel("DIY / week")
    bottom.set_ylabel("brand")
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
        _band(top, run, colour, "diy_assets")
        _band(bottom, run, colour, "brand_consistency")
    top.set_ylim(bottom=0)
    for ax in (top, bottom):
        _events(ax, runs)
    _legend_for_runs(top, runs)


def draw_trust(fig: Figure, runs: Sequence[RunData], horizon: int) -> None:
    """Trust in both directions: the vicious circle (or its virtuous reverse) made visible."""
    ax = fig.subplots()
    ax.set_title("Trust between the teams", loc="left")
    ax.set_ylabel("trust (0-1)")
    ax.set_ylim(0, 1)
    _time_axis(ax, horizon)
    if _waiting(ax, runs):
        return
    for colour, run in zip(RUN_COLOURS, runs, strict=False):
        ax.plot(_days(run), run.weekly["trust_sales_in_marketing"], color=colour, linewidth=2)
        ax.plot(_days(run), run.weekly["trust_marketing_in_sales"], color=colour, linewidth=2, linestyle="--")
        _band(ax, run, colour, "trust_sales_in_marketing")
        _band(ax, run, colour, "trust_marketing_in_sales")
    _events(ax, runs)
    styles = [
        Line2D([], [], color="grey", linewidth=2, label="sales in marketing"),
        Line2D([], [], color="grey", linewidth=2, linestyle="--", label="marketing in sales"),
    ]
    _legend_for_runs(ax, runs, styles)


PLOTS: dict[str, tuple[Draw, tuple[float, float]]] = {
    "revenue": (draw_revenue, FIGSIZE),
    "funnel": (draw_funnel, (FIGSIZE[0], 3.4)),
    "response": (draw_response, FIGSIZE),
    "trust": (draw_trust, FIGSIZE),
    "diy_brand": (draw_diy_brand, FIGSIZE),
}
"""The dashboard's plots by name, in display order, with their figure sizes."""
