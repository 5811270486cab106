"""Payback of interventions: when a scenario that changes levers during the run has earned back.

For a pair in which a scenario changes levers during the run, the report shows the cumulative
difference of revenue less the one-off cost of the change (`change_cost`, paid on the intervention's
day) over time and the break-even day. The change's dip in working hours needs no term of its own:
its lost work is already missing from the revenue. Break-even of one replication is the first day
after which the cumulative difference stays positive to the end of the horizon (none if it ends at or
below zero); it is measured to the period of the stored time series (a week of 5 working days). Over
the replications that break even the report gives the mean with a 95 % Student-t interval (the same
statistic as every other number in the report), their range, and how many replications do not break
even.

A module of its own because three readers need it: the report's sections, its plots
(`sim.reporting.compare_plots` draws a `Payback`) and the command line's summary and metadata; none
of them has to import the others for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments import stats
from sim.model.scenario import Scenario
from sim.reporting.formats import NO_INTERVAL, fmt_interval, fmt_money, has_interval, money_scale

if TYPE_CHECKING:
    from sim.experiments.compare import Comparison

COST_COLUMN = "change_cost"  # the flow of interventions' one-off costs (sim.model.interventions)
DIP_COLUMN = "change_dip_hours"  # the hours their dips took


@dataclass
class Payback:
    """The cumulative revenue difference of one pair over time and its break-even statistics.

    Attributes:
        baseline: Scenario subtracted.
        scenario: Scenario whose gain is measured.
        curves: Cumulative difference (scenario minus baseline); index `day`, one column per
            replication.
        break_even: Break-even day per replication (NaN where it does not break even).
        events: (working day, label) of the interventions of both scenarios.
        change_cost: Mean one-off cost of the scenario's changes less the baseline's (currency).
        change_dip_hours: Mean working hours its changes' dips took, less the baseline's.
    """

    baseline: str
    scenario: str
    curves: pd.DataFrame
    break_even: pd.Series
    events: list[tuple[int, str]] = field(default_factory=list)
    change_cost: float = 0.0
    change_dip_hours: float = 0.0

    @property
    def n(self) -> int:
        """Paired replications."""
        return self.curves.shape[1]

    @property
    def n_break_even(self) -> int:
        """Replications that break even within the horizon."""
        return int(self.break_even.notna().sum())

    def interval(self) -> stats.Interval:
        """Mean break-even day with its 95% interval (a day: never below 0), over those that break even."""
        return stats.level_ci(self.break_even.dropna().to_numpy())

    def band(self) -> pd.DataFrame:
        """Mean cumulative difference per day with its 95% t interval (`mean`, `low`, `high`)."""
        values = self.curves.to_numpy(dtype=float)
        rows = [stats.mean_ci(v) for v in values]
        return pd.DataFrame(
            {"mean": [r.mean for r in rows], "low": [r.low for r in rows], "high": [r.high for r in rows]},
            index=self.curves.index,
        )

    def final(self) -> stats.Interval:
        """The cumulative difference at the end of the horizon."""
        return stats.mean_ci(self.curves.iloc[-1].to_numpy(dtype=float))


def cumulative_difference(
    timeseries: pd.DataFrame,
    baseline: str,
    scenario: str,
    column: str = "revenue",
    cost: str | None = COST_COLUMN,
) -> pd.DataFrame:
    """Cumulative `column` less `cost` of `scenario` minus `baseline`, replication by replication (paired).

    Returns a table indexed by `day` (the last working day of each period) with one column per
    replication that both scenarios finished. `cost=None` (or a table without it) leaves it out.
    """
    net = timeseries[column] - timeseries[cost] if cost in timeseries else timeseries[column]
    series = timeseries.assign(_net=net)
    wide = {
        name: series[series["scenario"] == name].pivot(index="day", columns="replication", values="_net")
        for name in (baseline, scenario)
    }
    common = wide[baseline].columns.intersection(wide[scenario].columns)
    diff = wide[scenario][common] - wide[baseline][common]
    return diff.sort_index().cumsum()


def break_even_days(curves: pd.DataFrame) -> pd.Series:
    """Per replication: the first day after which the cumulative difference stays above zero.

    NaN where the difference ends at or below zero (no break-even within the horizon).
    """
    positive = (curves > 0).to_numpy()
    stays = np.flip(np.minimum.accumulate(np.flip(positive, axis=0), axis=0), axis=0)
    days = curves.index.to_numpy(dtype=float)
    first = np.where(stays.any(axis=0), days[np.argmax(stays, axis=0)], np.nan)
    return pd.Series(first, index=curves.columns, name="break_even_day")


def intervention_events(scenarios: Sequence[Scenario]) -> list[tuple[int, str]]:
    """(day, label) of every intervention of the given scenarios, for plots and text."""
    events = []
    for s in scenarios:
        for item in s.interventions:
            label = getattr(item, "description", "") or "levers change"
            events.append((item.day, f"{s.name}: {label}"))
    return sorted(set(events))


def paybacks(comparison: Comparison) -> list[Payback]:
    """A payback analysis for every compared pair in which a scenario has interventions.

    The scenario that changes levers is the one whose gain is measured, even when it was given
    first: the question is whether the change pays back.
    """
    out = []
    by_name = {s.name: s for s in comparison.scenarios}
    if comparison.timeseries.empty:
        return out
    for a, b in combinations(comparison.names, 2):
        if by_name[a].interventions and not by_name[b].interventions:
            a, b = b, a
        pair = [by_name[a], by_name[b]]
        if not any(s.interventions for s in pair):
            continue
        curves = cumulative_difference(comparison.timeseries, a, b)
        if curves.shape[1] == 0:
            continue
        costs = [_mean_difference(comparison.runs, a, b, name) for name in (COST_COLUMN, DIP_COLUMN)]
        out.append(Payback(a, b, curves, break_even_days(curves), intervention_events(pair), *costs))
    return out


def _mean_difference(runs: pd.DataFrame, baseline: str, scenario: str, column: str) -> float:
    """Mean of a run total in `scenario` less that in `baseline` (0 where the column is absent)."""
    if column not in runs:
        return 0.0
    means = runs.groupby("scenario")[column].mean()
    return float(means.get(scenario, 0.0) - means.get(baseline, 0.0))


def _cost_sentence(p: Payback) -> str:
    """What the curve counts besides revenue: the change's one-off cost and its dip, if any."""
    if p.change_cost == 0 and p.change_dip_hours == 0:
        return "The change costs nothing beyond its levers (no `change_cost` or `change_dip` given)."
    return (
        f"The curve counts the change's one-off cost of {fmt_money(p.change_cost)} (paid on its day) "
        f"and the revenue lost while its dip took {p.change_dip_hours:,.0f} working hours."
    )


def payback_sentence(p: Payback, days: int) -> str:
    """Break-even in words, or that there is none within the horizon."""
    who = f"**{p.scenario}** compared with **{p.baseline}**"
    final = p.final()
    scale = money_scale(final.mean, final.low, final.high)
    interval = fmt_interval("money", final.low, final.high, sign=True)
    interval = f"95% CI {interval}" if has_interval(final.low, final.high) else interval
    net = "difference of revenue less one-off costs" if p.change_cost else "revenue difference"
    end = f"The cumulative {net} at the end is {fmt_money(final.mean, scale, sign=True)}"
    end += f" ({interval}). {_cost_sentence(p)}"
    if p.n_break_even == 0:
        return (
            f"{who}: none of the {p.n} paired replications breaks even within the horizon of "
            f"{days:,} working days. {end}"
        )
    iv = p.interval()
    spread = p.break_even.dropna()
    ci = f"95% CI {iv.low:,.0f} to {iv.high:,.0f}" if has_interval(iv.low, iv.high) else NO_INTERVAL
    text = (
        f"{who}: break-even on working day {iv.mean:,.0f} on average ({ci}; range "
        f"{spread.min():,.0f} to {spread.max():,.0f}), in {p.n_break_even} of {p.n} paired replications"
    )
    missing = p.n - p.n_break_even
    text += "." if missing == 0 else f"; {missing} do not break even within {days:,} working days."
    length = int(p.curves.index[0])  # the first period ends on its length
    period = {1: "day", 5: "week", 21: "month", 63: "quarter"}.get(length, "period")
    return f"{text} Days are measured to the {period} ({length} working days). {end}"


def payback_record(p: Payback) -> dict[str, Any]:
    """A payback's numbers for JSON: mean break-even day with CI, counts, per-replication days."""
    iv = p.interval()
    return {
        "baseline": p.baseline,
        "scenario": p.scenario,
        "replications": p.n,
        "break_even": p.n_break_even,
        "mean_day": iv.mean,
        "ci_low": iv.low,
        "ci_high": iv.high,
        "change_cost": p.change_cost,
        "change_dip_hours": p.change_dip_hours,
        "days": [None if math.isnan(v) else v for v in p.break_even.tolist()],
    }
