"""Year-by-year figures: weeks fall whole into years, ratios are paired per replication."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.reporting.years import yearly


def _weeks(scenario: str, replication: int, per_week: float, years: int = 2) -> pd.DataFrame:
    days = [5 * (w + 1) for w in range(50 * years)]
    return pd.DataFrame({"scenario": scenario, "replication": replication, "day": days, "revenue": per_week})


def test_yearly_sums_each_year_of_weeks():
    table = yearly(pd.concat([_weeks("a", 0, 1.0), _weeks("b", 0, 3.0)]))
    assert len(table) == 4
    assert table.set_index(["scenario", "year"])["revenue"].to_dict() == {
        ("a", 1): 50.0,
        ("a", 2): 50.0,
        ("b", 1): 150.0,
        ("b", 2): 150.0,
    }


def test_the_last_week_of_a_year_belongs_to_it():
    frame = pd.DataFrame({"scenario": "a", "replication": 0, "day": [250, 255], "revenue": [1.0, 2.0]})
    assert yearly(frame)["year"].tolist() == [1, 2]


def test_paired_ratio_is_the_geometric_mean_of_the_pairs():
    from sim.experiments.stats import paired_ratio

    iv = paired_ratio([1.0, 2.0, 4.0], [2.0, 4.0, 8.0])
    assert iv.mean == pytest.approx(2.0) and iv.low == pytest.approx(2.0) and iv.n == 3
    assert paired_ratio([1.0], [2.0]).n == 1
