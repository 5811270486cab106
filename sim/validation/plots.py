"""Plots of the validation suite, rendered off-screen (matplotlib's Agg canvas, no pyplot).

matplotlib is imported inside the functions, as in `sim.reporting.plots`, so importing the package stays
fast and needs no display.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.experiments.stats import Interval


def _figure(size: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_decay(
    edges: Sequence[float],
    bins: Sequence[str],
    rates: np.ndarray,
    boot: np.ndarray,
    targets: Sequence[tuple[str, float]],
    tolerance: float,
    path: Path,
) -> Path:
    """Qualification rate per response-time bin relative to within 1 h, with Oldroyd's points.

    Args:
        edges: Bin edges in working hours (the last is infinite).
        bins: Bin names, the first being `within_1h`.
        rates: Pooled qualification rate per bin.
        boot: Bootstrap resamples of the rates (resamples x bins), for the 95% band.
        targets: (bin name, Oldroyd's ratio) pairs, drawn as 1/ratio with the tolerance band.
        tolerance: Accepted factor either side of each target.
        path: Where to write the PNG.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = rates / rates[0]
        draws = boot / boot[:, :1]
    low, high = np.nanpercentile(draws, [2.5, 97.5], axis=0)
    x = np.arange(len(bins))
    fig = _figure((8, 4.8))
    ax = fig.subplots()
    ax.fill_between(x, low, high, color="tab:blue", alpha=0.2, label="model, 95% bootstrap band")
    ax.plot(x, relative, "o-", color="tab:blue", label="model (pooled companies)")
    for name, ratio in targets:
        i = list(bins).index(name)
        ax.errorbar(
            [i],
            [1 / ratio],
            yerr=[[1 / ratio - 1 / (ratio * tolerance)], [tolerance / ratio - 1 / ratio]],
            fmt="s",
            color="tab:red",
            capsize=6,
            label=f"Oldroyd et al. 2011: 1/{ratio:g} (x{tolerance:g} band)" if i == 1 else None,
        )
    ax.set_yscale("log")
    ax.set_xticks(x, [_bin_label(edges[i], edges[i + 1]) for i in range(len(bins))])
    ax.set_xlabel("working hours from hand-over to first contact")
    ax.set_ylabel("qualification rate relative to within 1 h")
    ax.set_title("Lead-response decay: model vs Oldroyd et al. (2011)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110, format="png")
    return Path(path)


def _bin_label(low: float, high: float) -> str:
    return f"{low:g}+ h" if np.isinf(high) else f"{low:g}-{high:g} h"


def plot_meetings(hours: Sequence[float], curve: Sequence[Interval], path: Path) -> Path:
    """Mean revenue with 95% CI against weekly meeting hours; the best point marked."""
    means = np.array([iv.mean for iv in curve]) / 1e6
    low = np.array([iv.low for iv in curve]) / 1e6
    high = np.array([iv.high for iv in curve]) / 1e6
    fig = _figure((8, 4.8))
    ax = fig.subplots()
    ax.fill_between(
        hours,
        low,
        high,
        color="tab:green",
        alpha=0.2,
        label="95% CI of each mean (the checks use paired differences)",
    )
    ax.plot(hours, means, "o-", color="tab:green", label="mean revenue")
    best = int(np.nanargmax(means))
    ax.plot([hours[best]], [means[best]], "*", color="black", markersize=14, label=f"best: {hours[best]:g} h")
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xticks(list(hours), [f"{h:g}" for h in hours])
    ax.set_xlabel("meeting hours per week (defined company)")
    ax.set_ylabel("revenue over the run (millions)")
    ax.set_title("Meetings trade-off: some meetings beat none, many are worse than some")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110, format="png")
    return Path(path)
