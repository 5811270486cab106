"""Plots of a run, rendered off-screen (matplotlib's Agg canvas) so they work on any server.

matplotlib is imported inside the functions: importing `sim` must stay fast and must not need a
display. Figures are built without pyplot, so saving a plot from a notebook neither switches the
notebook's backend nor leaves figures open.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.model.metrics import FUNNELS, PERIOD_DAYS
from sim.reporting.formats import FUNNEL_NAMES, STAGE_LABELS

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

FUNNEL_STAGES: tuple[str, ...] = tuple(stage for steps in FUNNELS.values() for stage, _ in steps)


def plot_run(
    timeseries: pd.DataFrame,
    path: Path,
    monthly: pd.DataFrame | None = None,
    title: str = "",
    events: Sequence[tuple[int, str]] = (),
) -> Path:
    """Save a 2x2 overview of one run: revenue, funnel, response time, trust and brand.

    Args:
        timeseries: A run's table at day or week resolution (`model.timeseries("week")`).
        path: Where to write the PNG.
        monthly: The same run per month for the funnel panel; if None it is summed from
            `timeseries` by the month of each row's last day (exact for daily rows).
        title: Figure title, e.g. scenario and seed.
        events: (0-based working day, label) pairs, e.g. interventions, drawn as dotted lines.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    monthly = monthly if monthly is not None else _to_months(timeseries)
    fig = Figure(figsize=(13, 8.5), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    _revenue(axes[0, 0], timeseries)
    _funnel(axes[0, 1], monthly)
    _response(axes[1, 0], timeseries)
    _trust(axes[1, 1], timeseries)
    _mark_events(axes, events)
    if title:
        fig.suptitle(title, fontsize=13, fontweight="bold")
    fig.savefig(path, dpi=110, format="png")
    return Path(path)


def _mark_events(axes, events: Sequence[tuple[int, str]]) -> None:
    """Dotted vertical lines where levers change; the label goes on the revenue panel."""
    month_days = PERIOD_DAYS["month"]
    for day, label in events:
        for ax in (axes[0, 0], axes[1, 0], axes[1, 1]):
            ax.axvline(day, color="grey", linestyle=":", linewidth=1.5)
        axes[0, 1].axvline(day / month_days + 0.5, color="grey", linestyle=":", linewidth=1.5)
        axes[0, 0].annotate(
            label,
            xy=(day, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=8,
            color="dimgrey",
        )


def _period_name(timeseries: pd.DataFrame) -> str:
    """'day' or 'week', read from the spacing of the `day` column."""
    step = int(timeseries["day"].iloc[0]) if len(timeseries) else 1
    return {1: "day", 5: "week"}.get(step, f"{step} days")


def _to_months(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Sum the funnel flows per month of 21 working days, by each row's last day."""
    month = (timeseries["day"] - 1) // PERIOD_DAYS["month"]
    table = timeseries.groupby(month)[list(FUNNEL_STAGES)].sum()
    table["day"] = timeseries.groupby(month)["day"].max()
    return table.reset_index(drop=True)


def _revenue(ax: Axes, ts: pd.DataFrame) -> None:
    """Revenue per period as bars, recurring under new, cumulative revenue as a line on a second axis."""
    period = _period_name(ts)
    width = ts["day"].diff().fillna(ts["day"].iloc[0]) * 0.9
    recurring = ts["revenue_recurring"] / 1e3
    ax.bar(ts["day"], recurring, width=width, color="#8da0cb", label=f"recurring per {period}")
    ax.bar(
        ts["day"],
        ts["revenue_new"] / 1e3,
        width=width,
        bottom=recurring,
        color="#4c72b0",
        label=f"new per {period}",
    )
    ax.set(title="Revenue", xlabel="working day", ylabel=f"revenue per {period} (thousands)")
    twin = ax.twinx()
    twin.plot(ts["day"], ts["revenue"].cumsum() / 1e6, color="#dd8452", linewidth=2, label="cumulative")
    twin.set_ylabel("cumulative revenue (millions)")
    twin.set_ylim(bottom=0)
    _legend(ax, twin)


def _funnel(ax: Axes, monthly: pd.DataFrame) -> None:
    """Both funnels' stages per month on a log scale: the stages differ by orders of magnitude.

    Marketing-sourced stages are solid lines, rep-sourced ones dashed, in the colour of the
    stage they match (SQLs and deals won), so the two sources' SQLs and deals read side by side.
    """
    month = range(1, len(monthly) + 1)
    colours = {"inquiries": "C0", "mqls": "C1", "sals": "C2", "prospects": "C4"}
    for funnel, steps in FUNNELS.items():
        for stage, _ in steps:
            label = f"{STAGE_LABELS[stage]} ({FUNNEL_NAMES[funnel]})"
            colour = colours.get(stage, "C3" if stage.endswith("sqls") else "C5")
            style = "-" if funnel == "marketing" else "--"
            ax.plot(month, monthly[stage], style, color=colour, marker="o", markersize=3, label=label)
    ax.set_yscale("symlog", linthresh=1)  # like log, but a month with none still shows, at 0
    top = max(1.0, float(monthly[list(FUNNEL_STAGES)].to_numpy().max()))
    ax.set_ylim(0, top * 100)  # headroom for the legend above the lines
    ax.set(title="Funnels per month (21 working days)", xlabel="month", ylabel="count per month (log scale)")
    ax.legend(fontsize=7, loc="upper center", ncol=3)
    ax.grid(True, which="major", alpha=0.3)


def _response(ax: Axes, ts: pd.DataFrame) -> None:
    """Median working hours from a marketing lead's creation to the first contact attempt."""
    period = _period_name(ts)
    ax.plot(ts["day"], ts["median_response_hours"], color="#55a868", label=f"median per {period}")
    ax.set(
        title="Speed of first response to marketing leads",
        xlabel="working day",
        ylabel="median response (working hours)",
    )
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="best")
    ax.grid(True, alpha=0.3)


def _trust(ax: Axes, ts: pd.DataFrame) -> None:
    """Trust in both directions and brand consistency, all indices from 0 to 1."""
    ax.plot(ts["day"], ts["trust_sales_in_marketing"], label="trust of sales in marketing")
    ax.plot(ts["day"], ts["trust_marketing_in_sales"], label="trust of marketing in sales")
    ax.plot(ts["day"], ts["brand_consistency"], linestyle="--", label="brand consistency")
    ax.set(title="Trust and brand consistency", xlabel="working day", ylabel="index (0 = none, 1 = full)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, loc="best")
    ax.grid(True, alpha=0.3)


def _legend(*axes: Axes) -> None:
    """One legend for twin axes."""
    handles, labels = [], []
    for ax in axes:
        h, lab = ax.get_legend_handles_labels()
        handles += h
        labels += lab
    axes[0].legend(handles, labels, fontsize=8, loc="upper left")
