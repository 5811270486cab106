"""Interventions that cost something (sim.model.interventions): a one-off payment and a fading dip.

Measured on model runs: a free intervention gives exactly the results of before, a dip lowers hours
and revenue in its window only, the one-off cost is recorded once, and break-even comes later
when the change costs something.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.experiments.runner import RunSpec
from sim.model.model import SalesMarketingModel
from sim.model.params import ChangeCost, ParameterError
from sim.model.scenario import ScenarioError, load_scenario
from sim.reporting.payback import break_even_days, cumulative_difference

DAYS = 150
DIP_DAYS = 40
COSTLY = ChangeCost(change_cost=300_000.0, change_dip=0.3, change_dip_days=DIP_DAYS)


@pytest.fixture(scope="module")
def scenarios():
    return load_scenario("segregated"), load_scenario("integrate_on_day_0")


def costed(scenario, change: ChangeCost) -> tuple:
    return tuple(dataclasses.replace(i, change=change) for i in scenario.interventions)


def run(scenario, seed: int, interventions=None) -> SalesMarketingModel:
    chosen = scenario.interventions if interventions is None else interventions
    return SalesMarketingModel(scenario.params, seed=seed, interventions=chosen).run(DAYS)


def test_a_free_change_gives_exactly_the_results_without_costs(scenarios):
    _, integrate = scenarios
    plain = run(integrate, 5)
    zero = run(
        integrate, 5, costed(integrate, ChangeCost(change_cost=0.0, change_dip=0.0, change_dip_days=7))
    )
    for name, values in plain.daily.items():
        assert np.array_equal(values, zero.daily[name]), name
    assert not any(plain.daily["change_cost"]) and not any(plain.daily["change_dip_hours"])


def test_the_dip_takes_hours_and_revenue_in_its_window_and_fades(scenarios):
    _, integrate = scenarios
    free, dip = run(integrate, 6), run(integrate, 6, costed(integrate, COSTLY))
    lost = np.asarray(dip.daily["change_dip_hours"])
    assert lost[0] > lost[DIP_DAYS // 2] > lost[DIP_DAYS - 1] > 0  # linear fade
    assert not lost[DIP_DAYS:].any()
    window = slice(0, DIP_DAYS)
    selling_free, selling_dip = (np.sum(m.daily["selling_hours"][window]) for m in (free, dip))
    assert selling_dip < 0.95 * selling_free
    revenue_free, revenue_dip = (np.sum(m.daily["revenue"][: 2 * DIP_DAYS]) for m in (free, dip))
    assert revenue_dip < revenue_free


def test_the_one_off_cost_is_paid_once_on_the_intervention_day(scenarios):
    _, integrate = scenarios
    model = run(integrate, 7, costed(integrate, COSTLY))
    paid = np.asarray(model.daily["change_cost"])
    assert paid[integrate.interventions[0].day] == COSTLY.change_cost
    assert paid.sum() == COSTLY.change_cost
    assert model.summary()["change_cost"] == COSTLY.change_cost


def test_break_even_comes_later_when_the_change_costs_something(scenarios):
    segregated, integrate = scenarios
    tables = []
    for replication, seed in enumerate((1, 2)):
        arms = {"segregated": run(segregated, seed), "free": run(integrate, seed)}
        arms["costly"] = run(integrate, seed, costed(integrate, COSTLY))
        for name, model in arms.items():
            tables.append(model.timeseries("week").assign(scenario=name, replication=replication))
    series = pd.concat(tables, ignore_index=True)
    free = break_even_days(cumulative_difference(series, "segregated", "free"))
    costly_curves = cumulative_difference(series, "segregated", "costly")
    costly = break_even_days(costly_curves)
    assert (costly.fillna(np.inf) > free).all()
    revenue_only = cumulative_difference(series, "segregated", "costly", cost=None)
    assert np.allclose(revenue_only - costly_curves, COSTLY.change_cost)  # the cost is counted once


def test_scenario_files_carry_the_cost_and_check_it(tmp_path):
    path = tmp_path / "costly.toml"
    path.write_text(
        "[[interventions]]\nday = 3\nchange_cost = 1000\nchange_dip = 0.1\nchange_dip_days = 20\n"
        "[interventions.levers]\nshared_goals = 1.0\n",
        encoding="utf-8",
    )
    item = load_scenario(path).interventions[0]
    assert item.change == ChangeCost(change_cost=1000.0, change_dip=0.1, change_dip_days=20)
    path.write_text("[[interventions]]\nday = 3\nchange_dip = 1.5\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"interventions\[0\]\.change_dip: out of range: 1\.5"):
        load_scenario(path)
    path.write_text("[[interventions]]\nday = 3\nchange_cost = 5000\n", encoding="utf-8")
    assert load_scenario(path).interventions[0].values == {}  # a cost alone is a change
    with pytest.raises(ParameterError):
        ChangeCost(change_dip_days=0)


def test_a_cost_changes_the_run_id_and_no_cost_keeps_the_old_one(scenarios):
    _, integrate = scenarios
    item = integrate.interventions[0]
    spec = RunSpec("x", integrate.params, 1, 0, 10, interventions=(item,))
    free = dataclasses.replace(spec, interventions=(dataclasses.replace(item, change=ChangeCost()),))
    paid = dataclasses.replace(spec, interventions=(dataclasses.replace(item, change=COSTLY),))
    assert item.key() == (item.day, sorted(item.values.items()))  # the key of before costs existed
    assert free.run_id == spec.run_id != paid.run_id
