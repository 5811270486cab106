"""Pattern 5: the meetings trade-off has an interior optimum.

Joint meetings raise field feedback and trust but cost both sides hours (DESIGN.md mechanism 10),
so revenue as a function of weekly meeting hours should rise, peak and fall: some meetings beat
none, and many are worse than some. The check runs the `defined` company on a grid of
`meeting_hours_per_week` with paired replications and passes when the best grid point is
interior AND its revenue is significantly above both 0 h and the grid's maximum (paired 95% CIs
of both differences above zero).

The best point is picked from the same runs that test it, which flatters it slightly (a
winner's curse); with a peak well clear of both ends this does not change the verdict.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.experiments import stats
from sim.validation.core import UP, Arm, Design, Pattern, Row, RunTable, Size, difference_row, verdict

NAME = "meetings"
SOURCE = (
    "Design assumption (DESIGN.md mechanism 10), after the practitioner essays and Kotler, "
    "Rackham and Krishnaswamy (HBR 2006), who recommend regular joint meetings but not more."
)
SHORT_SOURCE = "design assumption"
TRUST = (
    "An assumption, not a measurement: the essays say meetings help and cost time; that the two "
    "cross inside a realistic range, and where, follows from the model's effect sizes."
)
GRID_HOURS: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 20.0)
QUICK_GRID_HOURS: tuple[float, ...] = (0.0, 2.0, 8.0, 20.0)
FULL = Size(replications=10, days=500)
QUICK = Size(replications=3, days=250)


def arm(hours: float) -> Arm:
    """The defined company with this many meeting hours a week."""
    return Arm.of("defined", {"meeting_hours_per_week": hours})


def grid(quick: bool) -> tuple[float, ...]:
    """The meeting hours tried: fewer points at quick size."""
    return QUICK_GRID_HOURS if quick else GRID_HOURS


def design(quick: bool) -> Design:
    """One arm per grid point."""
    return Design(tuple(arm(h) for h in grid(quick)), QUICK if quick else FULL)


def curve(table: RunTable, quick: bool) -> list[stats.Interval]:
    """Mean revenue with its CI at each grid point."""
    size = QUICK if quick else FULL
    return [stats.mean_ci(table.values(arm(h), size, "revenue")) for h in grid(quick)]


def evaluate(table: RunTable, quick: bool, seed: int) -> list[Row]:
    """Where revenue peaks, and whether the peak beats no meetings and the most meetings."""
    means = [iv.mean for iv in curve(table, quick)]
    return optimum_rows(table, QUICK if quick else FULL, grid(quick), means)


def optimum_rows(table: RunTable, size: Size, hours: tuple[float, ...], means: list[float]) -> list[Row]:
    """The argmax row, then the paired comparisons of the peak with both ends of the grid."""
    best = int(np.nanargmax(means))
    peak = hours[best]
    interior = 0 < best < len(hours) - 1
    curve_note = ", ".join(f"{h:g} h {m / 1e6:.2f}M" for h, m in zip(hours, means, strict=True))
    rows = [
        Row(
            NAME,
            "best meeting hours per week (argmax of revenue)",
            SHORT_SOURCE,
            f"interior: above {hours[0]:g} h and below {hours[-1]:g} h",
            peak,
            float("nan"),
            float("nan"),
            verdict(interior),
            f"mean revenue: {curve_note}",
            size.replications,
        )
    ]
    for end in (hours[0], hours[-1]):
        a, b = table.paired(arm(end), arm(peak), size, "revenue")
        rows.append(
            difference_row(
                NAME,
                f"revenue: best ({peak:g} h) - {end:g} h",
                SHORT_SOURCE,
                "> 0 (95% CI above zero)",
                a,
                b,
                UP,
                note="paired over replications",
            )
        )
    return rows  # a peak at an end is compared with itself: a zero difference, so FAIL


def figures(table: RunTable, quick: bool, seed: int, folder: Path) -> list[str]:
    """Revenue against meeting hours, mean and 95% CI per grid point."""
    from sim.validation.plots import plot_meetings

    name = "meetings.png"
    plot_meetings(grid(quick), curve(table, quick), folder / name)
    return [name]


PATTERN = Pattern(
    name=NAME,
    title="Meetings trade-off: revenue peaks at an interior number of meeting hours",
    source=SOURCE,
    short_source=SHORT_SOURCE,
    target="argmax of revenue over meeting hours is interior and beats 0 h and the maximum (paired CIs)",
    trust=TRUST,
    design=design,
    evaluate=evaluate,
    figures=figures,
)
