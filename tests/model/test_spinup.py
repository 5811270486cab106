"""Spin-up: runs start at a steady state, so year 1 and year 2 agree within noise."""

from __future__ import annotations

import numpy as np
from helpers import run


def _years(scenario: str, burn_in: int, seeds=(1, 2, 3)) -> np.ndarray:
    out = []
    for seed in seeds:
        m = run({"burn_in_days": burn_in}, seed=seed, days=500, scenario=scenario)
        out.append(np.asarray(m.daily["revenue"]).reshape(2, 250).sum(axis=1))
    return np.asarray(out).sum(axis=0)


def test_year_one_and_two_agree_after_the_burn_in():
    for scenario in ("segregated", "integrated"):
        first, second = _years(scenario, 90)
        assert abs(second / first - 1) < 0.08, (scenario, first, second)


def test_without_burn_in_year_one_is_a_transient():
    """Starting empty, year 1 of integrated falls short of year 2 by more than noise."""
    first, second = _years("integrated", 0)
    assert second / first - 1 > 0.1


def test_day_zero_opens_with_a_pipeline_and_no_recorded_burn_in():
    m = run({}, seed=1, days=1, scenario="defined")
    assert len(m.daily["revenue"]) == 1
    assert m.burn_in_leads > 0 and m.daily["open_opportunities"][0] > 50
    m0 = run({"burn_in_days": 0}, seed=1, days=1, scenario="defined")
    assert m0.burn_in_leads == 0 and m0.daily["open_opportunities"][0] < 10
