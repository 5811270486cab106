"""Customers after the sale (mechanism 16): bookkeeping, churn channels, calibration, steady state.

The calibration test is the component evidence of the churn channels, measured on model output as
the win-rate channel's is (tests/model/test_alignment_evidence.py): MarketingProfs' benchmark
(2005, ~1,400 firms, correlational) has the best-aligned firms losing 36% fewer customers, so the
integrated firm's installed base must churn at about 0.64 times the segregated firm's.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import cached_summary, run, scenario_params

from sim.model import customers
from sim.model.leads import Collateral, Stage
from sim.model.model import SalesMarketingModel

SEEDS = (1, 2, 3)
YEAR = 250


def _mean(column: str, scenario: str, overrides=None, days: int = 500) -> float:
    return float(np.mean([cached_summary(overrides, seed, days, scenario)[column] for seed in SEEDS]))


# ---------------------------------------------------------------- bookkeeping


def test_customers_are_conserved_customer_by_customer():
    """Customers at the end are those at the start plus the won, minus the churned, by ID."""
    m = SalesMarketingModel(scenario_params("defined"), seed=2)
    start = set(m.customer_idx.tolist())
    assert len(start) > 1000  # the seeded installed base
    m.run(300)
    base = m.customers
    won = set(np.flatnonzero(base.won_day >= 0).tolist())
    churned = set(np.flatnonzero(base.churned_day >= 0).tolist())
    assert churned <= start | won and not (won & start)
    assert set(m.customer_idx.tolist()) == (start | won) - churned
    assert len(won) == sum(m.daily["deals_won"]) and len(churned) == sum(m.daily["churned"])
    level = np.asarray(m.daily["customers"])
    flow = np.asarray(m.daily["deals_won"]) - np.asarray(m.daily["churned"])
    np.testing.assert_array_equal(np.diff(level), flow[1:])
    assert level[0] == len(start) + flow[0]
    # every won deal is exactly one customer, and only won deals are
    np.testing.assert_array_equal(
        np.sort(base.lead[base.lead >= 0]), np.flatnonzero(m.leads.stage == Stage.WON)
    )


def test_revenue_is_new_plus_recurring_and_recurring_is_renewed_contracts():
    m = run({}, seed=3, days=300, scenario="integrated")
    d = {k: np.asarray(v) for k, v in m.daily.items()}
    np.testing.assert_allclose(d["revenue"], d["revenue_new"] + d["revenue_recurring"], rtol=1e-12)
    base = m.customers
    assert base.renewals.sum() == d["renewals"].sum() > 0
    assert np.isclose((base.renewals * base.value).sum(), d["revenue_recurring"].sum(), rtol=1e-9)
    won = (m.leads.stage == Stage.WON) & (m.leads.closed_day >= 0)
    assert np.isclose(d["revenue_new"].sum(), m.leads.value[won].sum(), rtol=1e-9)
    s = m.summary()
    assert s["churn_rate"] == pytest.approx(s["churned"] / (s["churned"] + s["renewals"]))
    assert s["marketing_sourced_revenue_share"] == pytest.approx(s["marketing_revenue"] / s["revenue_new"])


def test_customers_never_feed_back_into_the_funnel():
    """Switched off, every lead and every flow before the sale is bit-identical: churn acts after it."""
    on = run({}, seed=4, days=200, scenario="aligned")
    off = run({"customers": False}, seed=4, days=200, scenario="aligned")
    for name, column in on.leads.cols.items():
        np.testing.assert_array_equal(column[: on.leads.n], off.leads.cols[name][: off.leads.n], err_msg=name)
    for name in ("revenue_new", "deals_won", "inquiries", "sqls", "diy_hours", "marketing_knowledge"):
        np.testing.assert_array_equal(on.daily[name], off.daily[name], err_msg=name)
    assert on.summary()["revenue_recurring"] != off.summary()["revenue_recurring"]


# ---------------------------------------------------------------- churn channels


@pytest.fixture(scope="module")
def model() -> SalesMarketingModel:
    return SalesMarketingModel(scenario_params("defined", {"burn_in_days": 0}), seed=1)


def test_churn_falls_with_expectation_fit_and_customer_fit(model):
    grid = np.linspace(0, 1, 11)
    by_expectation = customers.sale_risk(model, grid, np.full(11, 0.5))
    by_fit = customers.sale_risk(model, np.full(11, 0.5), grid)
    assert np.all(np.diff(by_expectation) < 0) and np.all(np.diff(by_fit) < 0)
    reference = customers.sale_risk(model, np.array([customers.REFERENCE_EXPECTATION]), np.array([0.55]))
    assert reference[0] == pytest.approx(model.p.market.annual_churn)


def test_churn_falls_with_marketing_knowledge_at_renewal(model):
    churn = []
    for knowledge in np.linspace(0, 1, 11):
        model.knowledge = knowledge
        churn.append(customers.annual_churn(model, np.array([0.1]))[0])
    assert np.all(np.diff(churn) < 0)


def test_expectation_fit_rises_with_quality_brand_and_an_on_brand_asset(model):
    leads = model.leads
    idx = leads.add(3, quality=np.array([0.6, 0.9, 0.9]), collateral=Collateral.MARKETING)
    leads.collateral[idx[2]] = Collateral.DIY
    model.brand_consistency = 0.5
    low_brand = customers.expectation_fit(model, idx)
    model.brand_consistency = 0.9
    high_brand = customers.expectation_fit(model, idx)
    assert low_brand[0] < low_brand[1] and low_brand[2] < low_brand[1]  # quality; off-brand asset
    assert np.all(high_brand > low_brand)


def test_switched_off_every_customer_churns_at_the_base_rate():
    """Off: churn is `annual_churn` whatever the sale and the knowledge, so structures churn alike."""
    m = run({"customers": False}, seed=1, days=300, scenario="segregated")
    assert np.all(m.customers.risk == m.p.market.annual_churn)
    m.knowledge = 1.0
    assert customers.annual_churn(m, m.customers.risk)[0] == m.p.market.annual_churn
    off = {sc: _mean("churn_rate", sc, {"customers": False}) for sc in ("segregated", "integrated")}
    for rate in off.values():  # realized: binomial noise around 0.115 (a few thousand renewals)
        assert 0.1 <= rate <= 0.135, off
    assert _mean("churn_rate", "integrated") < off["integrated"] - 0.02


def test_per_renewal_churn_keeps_annual_churn_whatever_the_cycle():
    annual = np.array([0.1, 0.3])
    half = customers.per_renewal(annual, 125)
    np.testing.assert_allclose(1 - (1 - half) ** 2, annual)
    np.testing.assert_array_equal(customers.per_renewal(annual, 250), annual)


# ---------------------------------------------------------------- calibration (component evidence)


def test_integrated_loses_36_percent_fewer_customers_than_segregated():
    """MarketingProfs 2005: the best-aligned lose 36% fewer customers; the channels are sized to it."""
    ratio = _mean("churn_rate", "integrated") / _mean("churn_rate", "segregated")
    assert 0.55 <= ratio <= 0.75, ratio


def test_a_typical_firm_loses_about_a_tenth_of_its_customers_a_year():
    """KeyBanc 2016 SaaS survey: median annual unit churn 10%; the `defined` firm is the typical one."""
    assert 0.08 <= _mean("churn_rate", "defined") <= 0.12


# ---------------------------------------------------------------- steady state


def _yearly(scenario: str, column: str, years: int, overrides=None) -> np.ndarray:
    total = np.zeros(years)
    for seed in SEEDS:
        m = run(overrides, seed=seed, days=years * YEAR, scenario=scenario)
        total += np.asarray(m.daily[column]).reshape(years, YEAR).sum(axis=1)
    return total


@pytest.mark.parametrize("scenario", ["segregated", "integrated"])
def test_recurring_revenue_is_steady_from_year_one(scenario):
    """The seeded installed base is the steady state: yearly recurring revenue stays flat."""
    recurring = _yearly(scenario, "revenue_recurring", 3)
    assert np.all(np.abs(recurring / recurring[0] - 1) < 0.1), recurring / recurring[0]


def test_heavy_churners_are_rare_in_the_seeded_base():
    m = SalesMarketingModel(scenario_params("segregated"), seed=1)
    base = m.customers
    seeded, profiles = base.lead < 0, base.won_day >= -m.p.market.burn_in_days // 2
    assert seeded.sum() > 10 * profiles.sum()
    assert base.risk[seeded].mean() < 0.9 * base.risk[profiles].mean()


def test_without_burn_in_there_is_no_installed_base():
    recurring = _yearly("defined", "revenue_recurring", 2, {"burn_in_days": 0})
    assert recurring[0] == 0 and recurring[1] > 0
