"""Work is estimated from the parameters alone, and the estimate bounds what the model does."""

from __future__ import annotations

import os
import textwrap

import pytest

from sim.experiments import limits
from sim.experiments.spec import load_experiment
from sim.model.model import SalesMarketingModel
from sim.model.params import Intervention, ParameterError, Params


def test_inquiries_per_day_follows_the_demand_formula():
    params = Params().with_values(
        {"cost_per_inquiry": 1.0, "revenue_target_per_year": 1e10, "marketing_budget_share": 0.5}
    )
    assert limits.inquiries_per_day(params) == pytest.approx(0.5 * 1e10 / 250 / 1.0 * 1.5)


@pytest.mark.parametrize("values", [{}, {"marketing_budget_share": 0.2, "cost_per_inquiry": 40.0}])
def test_the_bound_is_never_exceeded_by_a_run(values):
    params = Params().with_values(values)
    model = SalesMarketingModel(params, seed=3).run(60)
    daily = model.timeseries("day")["inquiries"]
    assert daily.mean() <= limits.inquiries_per_day(params)


def test_interventions_count_in_the_bound():
    params = Params()
    later = Intervention(10, {"cost_per_inquiry": 1.0})
    sets = limits.with_interventions(params, [later])
    assert limits.estimate(sets, 100, 1, 1).inquiries_per_day == limits.inquiries_per_day(sets[-1])
    assert limits.inquiries_per_day(sets[-1]) > 10 * limits.inquiries_per_day(params)


def test_a_flood_of_inquiries_is_refused_naming_the_keys():
    params = Params().with_values(
        {"cost_per_inquiry": 1.0, "revenue_target_per_year": 1e10, "marketing_budget_share": 0.5}
    )
    with pytest.raises(ParameterError, match=r"cost_per_inquiry.*at most 20,000 a day"):
        limits.check_estimate(limits.estimate([params], 10, 1, 1), "--set")


def test_leads_per_run_and_memory_are_bounded():
    params = Params().with_values({"cost_per_inquiry": 5.0})  # at most 960 inquiries a day
    with pytest.raises(ParameterError, match=r"leads in one run.*at most 4,000,000"):
        limits.check_estimate(limits.estimate([params], 5_000, 1, 1), "x")
    big = limits.estimate([params], 2_000, runs=10_000, workers=10_000)
    assert big.workers == 10_000 and big.memory_bytes > 10_000 * limits.BYTES_PER_WORKER
    with pytest.raises(ParameterError, match=r"--workers: .* of memory"):
        limits.check_estimate(big, "x")
    limits.check_estimate(big, "x", check_memory=False)  # a remote cluster's memory is its own


def test_days_beyond_fifty_years_are_refused():
    limits.check_days(limits.MAX_DAYS)
    with pytest.raises(ParameterError, match=r"--days: got 1,000,000,000; allowed: at most 12,500"):
        limits.check_days(1_000_000_000)


def test_experiment_size_limits_and_the_override():
    limits.check_size(limits.MAX_RUNS, limits.MAX_POINTS, "spec")
    with pytest.raises(ParameterError, match=r"design points: 1,073,741,824.*--allow-large raises it"):
        limits.check_size(1_073_741_824, 1_073_741_824, "spec")
    limits.check_size(200_000, 200_000, "spec", allow_large=True)
    with pytest.raises(ParameterError, match=r"runs .*: 20,000,000; allowed: at most 10,000,000$"):
        limits.check_size(20_000_000, 1_000, "spec", allow_large=True)


def test_an_experiment_is_bounded_by_its_most_expensive_axis_value(tmp_path):
    spec = tmp_path / "cheap.toml"
    spec.write_text(
        textwrap.dedent(
            """
            scenario = "defined"
            design = "grid"
            replications = 1
            days = 10
            kpis = ["revenue"]
            [parameters]
            cost_per_inquiry = [1.0, 100.0]
            marketing_budget_share = [0.05, 0.5]
            """
        ),
        encoding="utf-8",
    )
    experiment = load_experiment(spec)
    work = limits.experiment_estimate(experiment, workers=2)
    worst = experiment.scenario.params.with_values({"cost_per_inquiry": 1.0, "marketing_budget_share": 0.5})
    assert work.inquiries_per_day == pytest.approx(limits.inquiries_per_day(worst))
    assert work.runs == 4 and work.workers == 2


def test_cores_are_what_this_process_may_use():
    assert 1 <= limits.available_cores() <= (os.cpu_count() or 1)
