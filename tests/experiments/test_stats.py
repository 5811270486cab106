"""The statistics behind comparisons, checked on synthetic data whose truth is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from sim.experiments import stats

TRIALS = 400  # coverage of a 95% interval over 400 trials: sd 1.1 points, so 0.92-0.98 is ~2.7 sd


def paired_sample(rng: np.random.Generator, n: int, true_difference: float) -> tuple[np.ndarray, np.ndarray]:
    """Two arms that share most of their noise, as scenarios run with common random numbers do."""
    shared = rng.normal(0.0, 3.0, n)
    a = 10.0 + shared + rng.normal(0.0, 1.0, n)
    b = 10.0 + true_difference + shared + rng.normal(0.0, 1.0, n)
    return a, b


def test_paired_interval_covers_the_true_difference_95_percent_of_the_time():
    rng = np.random.default_rng(20261122)
    covered = 0
    for _ in range(TRIALS):
        a, b = paired_sample(rng, 20, true_difference=2.0)
        interval = stats.paired_difference(a, b).difference
        covered += interval.low <= 2.0 <= interval.high
    assert 0.92 <= covered / TRIALS <= 0.98


def test_mean_interval_covers_the_true_mean_95_percent_of_the_time_even_for_small_n():
    rng = np.random.default_rng(7)
    covered = sum((iv := stats.mean_ci(rng.normal(5.0, 2.0, 5))).low <= 5.0 <= iv.high for _ in range(TRIALS))
    assert 0.92 <= covered / TRIALS <= 0.98


def test_pairing_removes_shared_noise_from_the_interval():
    rng = np.random.default_rng(3)
    a, b = paired_sample(rng, 30, true_difference=1.0)
    paired = stats.paired_difference(a, b).difference.half_width
    unpaired = stats.paired_difference(a, rng.permutation(b)).difference.half_width
    assert paired < 0.5 * unpaired


def test_p_value_and_effect_size_are_the_paired_t_test_and_cohens_dz():
    rng = np.random.default_rng(11)
    a, b = paired_sample(rng, 15, true_difference=0.5)
    result = stats.paired_difference(a, b)
    d = b - a
    assert result.p_value == pytest.approx(sps.ttest_rel(b, a).pvalue)
    assert result.effect_size == pytest.approx(d.mean() / d.std(ddof=1))
    assert result.uplift == pytest.approx(d.mean() / a.mean())


def test_identical_arms_give_a_zero_difference_with_p_one():
    a = np.array([1.0, 2.0, 3.0])
    result = stats.paired_difference(a, a.copy())
    assert (result.difference.mean, result.difference.low, result.difference.high) == (0.0, 0.0, 0.0)
    assert result.p_value == 1.0 and result.effect_size == 0.0


def test_pairs_with_a_missing_side_are_dropped():
    a = np.array([1.0, 2.0, np.nan, 4.0])
    b = np.array([2.0, np.nan, 5.0, 6.0])
    assert stats.paired_difference(a, b).difference.n == 2


def test_fewer_than_two_values_have_no_interval():
    interval = stats.mean_ci(np.array([3.0]))
    assert interval.mean == 3.0 and math.isnan(interval.low) and interval.n == 1


def test_replications_needed_reach_the_target_half_width():
    rng = np.random.default_rng(5)
    d = rng.normal(1.0, 2.0, 12)
    target = 0.4
    n = stats.replications_needed(d, target)
    sd = d.std(ddof=1)
    assert sps.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= target
    assert sps.t.ppf(0.975, n - 2) * sd / math.sqrt(n - 1) > target  # and not more than needed


def summary_table(n: int, shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = paired_sample(rng, n, shift)
    rows = [{"scenario": "A", "replication": i, "revenue": v} for i, v in enumerate(a)]
    rows += [{"scenario": "B", "replication": i, "revenue": v} for i, v in enumerate(b)]
    return pd.DataFrame(rows)


def test_compare_rows_hold_both_means_and_the_paired_difference():
    table = summary_table(12, 2.0, 1)
    row = stats.compare(table, ["revenue"], "A", ["A", "B"]).iloc[0]
    a = table[table["scenario"] == "A"]["revenue"].to_numpy()
    b = table[table["scenario"] == "B"]["revenue"].to_numpy()
    assert (row["kpi"], row["baseline"], row["scenario"], row["n"]) == ("revenue", "A", "B", 12)
    assert row["baseline_mean"] == pytest.approx(a.mean())
    assert row["scenario_mean"] == pytest.approx(b.mean())
    assert row["difference"] == pytest.approx((b - a).mean())
    assert row["difference_ci_low"] < row["difference"] < row["difference_ci_high"]


def test_stability_warning_only_when_replications_are_too_few():
    few = summary_table(4, 2.0, 2)
    many = summary_table(30, 2.0, 2)
    warn_few = stats.stability_warning(stats.compare(few, ["revenue"], "A", ["A", "B"]), few)
    warn_many = stats.stability_warning(stats.compare(many, ["revenue"], "A", ["A", "B"]), many)
    assert warn_few is not None and "4 replications" in warn_few
    assert warn_many is None


def test_replications_needed_use_n_minus_one_degrees_of_freedom_and_no_floor():
    rng = np.random.default_rng(8)
    d = rng.normal(10.0, 3.0, 6)
    half = stats.mean_ci(d).half_width
    n = stats.replications_needed(d, 2 * half)  # the target is already met with room to spare
    assert n <= len(d)
    assert sps.t.ppf(0.975, n - 1) * d.std(ddof=1) / math.sqrt(n) <= 2 * half
    assert stats.replications_needed(d, half) == len(d)  # exactly met: the n measured is enough


def test_stability_warning_does_not_ask_for_more_when_the_interval_is_already_narrow():
    rng = np.random.default_rng(4)
    a = rng.normal(100.0, 10.0, 5)
    table = pd.DataFrame(
        [
            {"scenario": s, "replication": i, "revenue": v}
            for s, x in (("A", a), ("B", a + 10.0 + rng.normal(0, 1.0, 5)))
            for i, v in enumerate(x)
        ]
    )
    warning = stats.stability_warning(stats.compare(table, ["revenue"], "A", ["A", "B"]), table)
    assert warning is not None and "5 replications" in warning
    assert "precise enough" in warning and f"{stats.MIN_REPLICATIONS} or more" in warning
    assert "about" not in warning


@pytest.mark.parametrize("n", [2, 3, 5, 20])
def test_level_intervals_never_go_below_zero_even_with_heavy_noise(n):
    rng = np.random.default_rng(n)
    for _ in range(200):
        values = rng.lognormal(0.0, 2.5, n) * (rng.random(n) < 0.5)  # half zeros, the rest heavy-tailed
        plain, level = stats.mean_ci(values), stats.level_ci(values, "revenue")
        assert level.mean == plain.mean
        if values.any():
            assert 0 < level.low <= level.mean <= level.high
        else:
            assert level.low == level.high == 0.0
    assert stats.mean_ci(np.array([0.0, 0.0, 10.0])).low < 0  # the plain t interval would


def test_share_intervals_stay_within_zero_and_one():
    rng = np.random.default_rng(9)
    for _ in range(200):
        values = rng.beta(0.3, 0.3, 4)
        iv = stats.level_ci(values, "win_rate")
        assert 0 < iv.low <= iv.mean <= iv.high < 1
    assert stats.level_ci(np.array([1.0, 1.0, 1.0]), "win_rate").low == 1.0


def test_level_intervals_agree_with_t_intervals_when_the_mean_is_precise():
    values = np.random.default_rng(2).normal(25e6, 0.5e6, 20)
    level, plain = stats.level_ci(values, "revenue"), stats.mean_ci(values)
    assert level.low == pytest.approx(plain.low, rel=1e-4) and level.high == pytest.approx(
        plain.high, rel=1e-4
    )


@pytest.mark.parametrize("n", [5, 30])
def test_level_interval_covers_the_mean_of_skewed_data_at_least_as_often_as_the_t_interval(n):
    rng = np.random.default_rng(12)
    truth = 2.0  # mean of a gamma(2, 1): right-skewed, like revenue
    level = plain = 0
    for _ in range(TRIALS):
        values = rng.gamma(2.0, 1.0, n)
        level += (iv := stats.level_ci(values)).low <= truth <= iv.high
        plain += (iv := stats.mean_ci(values)).low <= truth <= iv.high
    assert level >= plain and 0.92 <= level / TRIALS <= 0.98


def test_negative_values_are_not_a_level_and_keep_the_t_interval():
    values = np.array([-1.0, 2.0, 3.0])
    assert stats.level_ci(values) == stats.mean_ci(values)


def test_one_value_has_a_mean_but_no_interval_of_any_kind():
    for iv in (stats.level_ci(np.array([4.0])), stats.paired_ratio(np.array([2.0]), np.array([3.0]))):
        assert math.isfinite(iv.mean) and math.isnan(iv.low) and math.isnan(iv.high) and iv.n == 1
    assert stats.paired_ratio(np.array([2.0]), np.array([3.0])).mean == 1.5
