"""Statistics for replicated comparisons: means with CIs, paired differences, sample size advice.

Replication i of every scenario runs with the same seed (common random numbers), so two
scenarios are compared by the paired differences of their replications: the noise both share
cancels, and the interval of the difference is far narrower than independent runs would give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95
MIN_REPLICATIONS = 10  # below this, t intervals lean heavily on normality: warn
STABLE_RELATIVE_HALF_WIDTH = 0.5  # a difference's CI half-width above half its size is unstable


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the interval's width."""
        return (self.high - self.low) / 2


def mean_ci(values: np.ndarray, level: float = LEVEL) -> Interval:
    """Student-t interval of the mean; NaN values are dropped, fewer than 2 give a NaN width."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    half = float(stats.t.ppf((1 + level) / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


def paired_ratio(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> Interval:
    """B over A from paired replications: the geometric-mean ratio and its CI (t on the log ratios).

    Ratios of revenue are skewed and multiply across stages, so their logs are averaged; pairs
    where either side is not positive are dropped.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = (a > 0) & (b > 0)
    if ok.sum() < 2:
        return Interval(math.nan, math.nan, math.nan, int(ok.sum()))
    log = mean_ci(np.log(b[ok] / a[ok]), level)
    return Interval(math.exp(log.mean), math.exp(log.low), math.exp(log.high), log.n)


@dataclass(frozen=True)
class PairedDifference:
    """B minus A over paired replications."""

    difference: Interval
    uplift: float  # mean difference relative to A's mean
    p_value: float  # paired t-test
    effect_size: float  # Cohen's d_z: mean difference over the SD of differences


def paired_difference(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> PairedDifference:
    """Compare B with A replication by replication (pairs with a NaN on either side are dropped)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    d = b - a
    interval = mean_ci(d, level)
    base = float(a.mean()) if len(a) else math.nan
    uplift = interval.mean / base if base else math.nan
    sd = float(d.std(ddof=1)) if len(d) > 1 else math.nan
    if len(d) < 2:
        p = math.nan
    elif sd == 0:
        p = 1.0 if interval.mean == 0 else 0.0
    else:
        p = float(stats.ttest_rel(b, a).pvalue)
    effect = (
        interval.mean / sd if sd else (0.0 if interval.mean == 0 else math.copysign(math.inf, interval.mean))
    )
    return PairedDifference(interval, uplift, p, effect)


def replications_needed(differences: np.ndarray, target_half_width: float, level: float = LEVEL) -> int:
    """Replications for a paired CI half-width at most `target_half_width`.

    Normal approximation first, then one refinement with the t quantile at that n.
    """
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) < 2 or target_half_width <= 0:
        return MIN_REPLICATIONS
    sd = d.std(ddof=1)
    n = max(2, math.ceil((stats.norm.ppf((1 + level) / 2) * sd / target_half_width) ** 2))
    n = math.ceil((stats.t.ppf((1 + level) / 2, n - 1) * sd / target_half_width) ** 2)
    return max(MIN_REPLICATIONS, n)


def compare(
    summary: pd.DataFrame, kpis: list[str], baseline: str, scenarios: list[str], level: float = LEVEL
) -> pd.DataFrame:
    """One row per KPI and scenario other than the baseline.

    Each row holds both means with CIs and the paired difference (scenario minus baseline) with
    CI, uplift, p-value and effect size.

    `summary` has one row per run with columns `scenario`, `replication` and the KPIs.
    """
    wide = {s: summary[summary["scenario"] == s].set_index("replication").sort_index() for s in scenarios}
    rows = []
    for other in scenarios:
        if other == baseline:
            continue
        common = wide[baseline].index.intersection(wide[other].index)
        for kpi in kpis:
            a = wide[baseline].loc[common, kpi].to_numpy(dtype=float)
            b = wide[other].loc[common, kpi].to_numpy(dtype=float)
            rows.append(_comparison_row(kpi, baseline, other, a, b, level))
    return pd.DataFrame(rows)


def _comparison_row(kpi: str, baseline: str, other: str, a: np.ndarray, b: np.ndarray, level: float) -> dict:
    ma, mb, diff = mean_ci(a, level), mean_ci(b, level), paired_difference(a, b, level)
    return {
        "kpi": kpi,
        "baseline": baseline,
        "scenario": other,
        "n": diff.difference.n,
        "baseline_mean": ma.mean,
        "baseline_ci_low": ma.low,
        "baseline_ci_high": ma.high,
        "scenario_mean": mb.mean,
        "scenario_ci_low": mb.low,
        "scenario_ci_high": mb.high,
        "difference": diff.difference.mean,
        "difference_ci_low": diff.difference.low,
        "difference_ci_high": diff.difference.high,
        "uplift": diff.uplift,
        "p_value": diff.p_value,
        "effect_size": diff.effect_size,
    }


def stability_warning(comparison: pd.DataFrame, summary: pd.DataFrame, kpi: str = "revenue") -> str | None:
    """A sentence when replications are too few for a stable interval, with the n that would do."""
    rows = comparison[comparison["kpi"] == kpi]
    worst = None
    for _, row in rows.iterrows():
        n = int(row["n"])
        half = (row["difference_ci_high"] - row["difference_ci_low"]) / 2
        unstable = n < MIN_REPLICATIONS or (
            abs(row["difference"]) > 0 and half > STABLE_RELATIVE_HALF_WIDTH * abs(row["difference"])
        )
        if not unstable:
            continue
        base = summary[summary["scenario"] == row["baseline"]].set_index("replication")[kpi]
        other = summary[summary["scenario"] == row["scenario"]].set_index("replication")[kpi]
        d = (other - base).dropna().to_numpy()
        target = STABLE_RELATIVE_HALF_WIDTH * abs(row["difference"]) if row["difference"] else half / 2
        need = replications_needed(d, target)
        if worst is None or need > worst[0]:
            worst = (need, row["scenario"], n)
    if worst is None:
        return None
    need, scenario, n = worst
    return (
        f"the {kpi} difference for {scenario} rests on {n} replications, too few for a stable "
        f"95% interval; about {need} replications would bring its half-width under half the difference"
    )
