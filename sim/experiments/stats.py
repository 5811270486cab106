"""Statistics for replicated comparisons: means with CIs, paired differences, sample size advice.

Replication i of every scenario runs with the same seed (common random numbers), so two
scenarios are compared by the paired differences of their replications: the noise both share
cancels, and the interval of the difference is far narrower than independent runs would give.

Intervals respect what a quantity can be. A level (revenue, a count, hours: never negative) gets
its Student-t interval on the log scale of the mean, and a share (a rate or a 0-1 index) on the
logit scale, both by the delta method: when the mean is precise they agree with the plain t
interval, and when the noise is large they stretch upwards instead of crossing zero (or 100%).
A difference between two arms can be negative, so it keeps the plain t interval. `METHOD` says so
in words, for reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from sim.model import metrics

LEVEL = 0.95
MIN_REPLICATIONS = 10  # below this, t intervals lean heavily on normality: warn
MIN_POINT_REPLICATIONS = 3  # a sweep point with fewer has no interval (1) or a near-useless one (2: t = 12.7)
STABLE_RELATIVE_HALF_WIDTH = 0.5  # a difference's CI half-width above half its size is unstable
# KPIs that lie in [0, 1]: the rates (but CAC, money per deal, and the fit, a mean score) and the stocks.
SHARES: frozenset[str] = frozenset({*metrics.RATES, *metrics.MEAN_LEVELS} - {"cac", "realised_inquiry_fit"})
METHOD = (
    "95% Student-t intervals over the replications; for a level (revenue, counts, hours), which cannot "
    "be negative, on the log scale of the mean, and for a share on the logit scale (delta method), so "
    "no interval leaves the quantity's range; differences between arms, which can be negative, get the "
    "plain t interval of the paired differences. One replication gives no interval."
)


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


def level_ci(values: np.ndarray, kpi: str = "", level: float = LEVEL) -> Interval:
    """Interval of the mean of a level, inside the quantity's support (see the module docstring).

    Args:
        values: Replication values; NaN values are dropped.
        kpi: The quantity's name; a share (`SHARES`) is kept within [0, 1], anything else >= 0.
        level: Confidence level.

    Values that break the support (a negative one, or a share above 1) cannot belong to it, so
    they get the plain t interval of `mean_ci`.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean, sd = np.array([x.mean()]), np.array([x.std(ddof=1) if n > 1 else math.nan])
    low, high = level_bounds(mean, sd, np.array([n]), np.array([x.min()]), np.array([x.max()]), kpi, level)
    return Interval(float(mean[0]), float(low[0]), float(high[0]), n)


def level_bounds(
    mean: np.ndarray,
    sd: np.ndarray,
    n: np.ndarray,
    minimum: np.ndarray,
    maximum: np.ndarray,
    kpi: str = "",
    level: float = LEVEL,
) -> tuple[np.ndarray, np.ndarray]:
    """`level_ci`'s ends for many groups at once (a sweep's points), from their moments.

    The delta method: for g = log (or logit), g(mean) has standard error se / g'(mean)^-1, and the
    interval is the t interval of g(mean) mapped back. A mean on the boundary (all values 0, or
    all 1 for a share) has no spread, and its interval is the point. Fewer than 2 values: NaN.
    """
    mean, sd, n, minimum, maximum = (np.asarray(v, dtype=float) for v in (mean, sd, n, minimum, maximum))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        half = stats.t.ppf((1 + level) / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        share = (kpi in SHARES) & (maximum <= 1)
        scale = np.where(share, mean * (1 - mean), mean)  # 1 / g'(mean); 0 on the boundary
        z = np.divide(half, scale, out=np.zeros_like(half), where=scale > 0)
        g = special.logit(np.where(scale > 0, mean, 0.5))
        log_low, log_high = log_scale_ends(mean, half)
        low = np.where(share, np.where(scale > 0, special.expit(g - z), mean), log_low)
        high = np.where(share, np.where(scale > 0, special.expit(g + z), mean), log_high)
    low = np.where(minimum < 0, mean - half, low)  # a negative value: not a level after all
    high = np.where(minimum < 0, mean + half, high)
    return np.where(n > 1, low, np.nan), np.where(n > 1, high, np.nan)


def log_scale_ends(mean: np.ndarray, half: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A symmetric interval `mean +- half` of a non-negative mean, moved to the log scale.

    The delta method: log(mean) has standard error (half / quantile) / mean, so the ends are
    mean * exp(-+ half / mean). Used where only a half-width is at hand (SALib's bootstrap one
    for Morris' mu*); a mean of 0 has the point interval 0.
    """
    mean, half = np.asarray(mean, dtype=float), np.asarray(half, dtype=float)
    z = np.divide(half, mean, out=np.zeros_like(half * mean), where=mean > 0)
    return mean * np.exp(-z), mean * np.exp(z)


def paired_ratio(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> Interval:
    """B over A from paired replications: the geometric-mean ratio and its CI (t on the log ratios).

    Ratios of revenue are skewed and multiply across stages, so their logs are averaged; pairs
    where either side is not positive are dropped.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = (a > 0) & (b > 0)
    if ok.sum() == 1:  # the ratio is known, its interval is not
        return Interval(float(b[ok][0] / a[ok][0]), math.nan, math.nan, 1)
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
    """The fewest replications whose paired t interval has a half-width of at most `target_half_width`.

    The half-width t(n - 1) * sd / sqrt(n) falls with n, and the normal quantile is below every t
    quantile, so the normal approximation is a lower bound: step up from it, with n - 1 degrees
    of freedom at each n, until the target is met. When the measured differences already meet it,
    the answer is at most their number. Too few differences to measure a spread: MIN_REPLICATIONS.
    """
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) < 2 or target_half_width <= 0:
        return MIN_REPLICATIONS
    sd = float(d.std(ddof=1))
    quantile = (1 + level) / 2
    n = max(2, math.ceil((stats.norm.ppf(quantile) * sd / target_half_width) ** 2))
    while stats.t.ppf(quantile, n - 1) * sd / math.sqrt(n) > target_half_width:
        n += 1
    return n


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
    ma, mb, diff = level_ci(a, kpi, level), level_ci(b, kpi, level), paired_difference(a, b, level)
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
    """A sentence when replications are too few for a stable interval, with the n that would do.

    Two reasons, said apart: the interval is wide (half-width over half the difference), or it is
    narrow but rests on fewer than MIN_REPLICATIONS replications, where a t interval leans on
    normal noise. Only the first needs the sample-size formula; the second needs MIN_REPLICATIONS.
    """
    worst = None
    for _, row in comparison[comparison["kpi"] == kpi].iterrows():
        n, difference = int(row["n"]), abs(row["difference"])
        half = (row["difference_ci_high"] - row["difference_ci_low"]) / 2
        wide = difference > 0 and half > STABLE_RELATIVE_HALF_WIDTH * difference
        if not wide and n >= MIN_REPLICATIONS:
            continue
        need = MIN_REPLICATIONS
        if wide:
            base = summary[summary["scenario"] == row["baseline"]].set_index("replication")[kpi]
            other = summary[summary["scenario"] == row["scenario"]].set_index("replication")[kpi]
            d = (other - base).dropna().to_numpy()
            need = max(need, replications_needed(d, STABLE_RELATIVE_HALF_WIDTH * difference))
        share = half / difference if difference > 0 else math.nan
        if worst is None or need > worst[0]:
            worst = (need, row["scenario"], n, share, wide)
    if worst is None:
        return None
    need, scenario, n, share, wide = worst
    width = f" (its half-width is {share:.0%} of the difference)" if math.isfinite(share) else ""
    if wide:
        return (
            f"the {kpi} difference for {scenario} rests on {n} replications, too few for a stable "
            f"95% interval{width}; about {need} replications would bring its half-width under half "
            "the difference"
        )
    return (
        f"the {kpi} difference for {scenario} rests on {n} replications{width}: precise enough, but "
        f"below {MIN_REPLICATIONS} replications a t interval leans heavily on normally distributed "
        f"noise; {MIN_REPLICATIONS} or more would make it trustworthy"
    )
