"""Hybrids work: they build collateral over several days, close deals alone, and trust stays defined.

A hybrid's rep side has H (1 - s)(1 - admin) = 8 x 0.6 x 0.6 = 2.88 h a day at the defaults, less
than the 3 h a tailored asset takes. Before, a hybrid had to find the 3 h in one day, so none of
its deals ever got collateral or closed; the hours of a build now carry over days (as a DIY build's).
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.leads import Collateral, Stage
from sim.model.model import SalesMarketingModel
from sim.model.params import Params

HYBRIDS_ONLY = {"n_reps": 0, "n_hybrid": 5}
TRUST = ("trust_sales_in_marketing", "trust_marketing_in_sales")


def _hybrid_deals(model: SalesMarketingModel) -> np.ndarray:
    leads = model.leads
    owned = leads.owner >= 0
    return owned & model.reps.is_hybrid[np.maximum(leads.owner, 0)]


def test_a_hybrids_day_is_shorter_than_a_build():
    """The premise: without carrying hours over days a hybrid could never build an asset."""
    p = Params()
    day = (
        p.market.working_hours_per_day
        * (1 - p.levers.hybrid_marketing_share)
        * (1 - p.market.rep_admin_share)
    )
    assert day < p.levers.collateral_request_hours


def test_a_company_of_hybrids_only_earns_revenue():
    result = sim.run("defined", seed=1, days=250, overrides=HYBRIDS_ONLY)
    s = result.summary
    assert s["revenue"] > 0 and s["deals_won"] > 0
    assert s["marketing_assets_used"] > 0 and s["diy_assets"] == 0
    assert s["overwork_hours"] == 0


def test_hybrid_owned_deals_close_in_hybrid_small():
    m = sim.run("hybrid_small", seed=1, days=250).model
    leads, hybrid = m.leads, _hybrid_deals(m)
    recorded = leads.closed_day >= 0
    assert np.count_nonzero(hybrid & recorded & (leads.stage == Stage.WON)) > 0
    assert np.count_nonzero(hybrid & recorded & (leads.stage == Stage.LOST)) > 0
    # their deals sell with on-brand content the hybrid made: never DIY, never a request
    closed = hybrid & np.isin(leads.stage, (Stage.WON, Stage.LOST))
    assert np.all(leads.collateral[closed] == Collateral.MARKETING)


def test_a_build_longer_than_a_day_carries_its_hours_as_debt():
    """Hours a hybrid cannot give today are owed and paid first the next day; one build at a time."""
    m = SalesMarketingModel(Params().with_values({**HYBRIDS_ONLY, "burn_in_days": 0}), seed=2)
    owed_days = 0
    for _ in range(120):
        m.step()
        debt = m.reps.debt
        assert np.all(debt >= 0) and np.all(debt < m.p.levers.collateral_request_hours + 1e-9)
        owed_days += np.count_nonzero(debt > 1e-9)
    assert owed_days > 0
    assert sum(m.daily["marketing_assets_used"]) > 0


def test_hybrid_builds_take_the_hours_they_cost():
    """Each asset costs collateral_request_hours of the hybrid's selling time: longer builds, fewer deals."""
    quick = sim.run("defined", seed=1, days=250, overrides={**HYBRIDS_ONLY, "collateral_request_hours": 1.0})
    slow = sim.run("defined", seed=1, days=250, overrides={**HYBRIDS_ONLY, "collateral_request_hours": 12.0})
    assert slow.summary["marketing_assets_used"] > 0
    assert slow.summary["marketing_assets_used"] < quick.summary["marketing_assets_used"]
    assert slow.summary["revenue"] < quick.summary["revenue"]


@pytest.mark.parametrize(
    "team",
    [HYBRIDS_ONLY, {"n_marketers": 0}, {"n_marketers": 0, "n_hybrid": 2}, {"n_reps": 0, "n_hybrid": 0}],
    ids=["no_specialist_reps", "no_marketers", "hybrid_marketers_only", "nobody_in_sales"],
)
def test_trust_is_defined_when_a_side_has_no_specialists(team):
    """Summary and timeseries: a side without specialists reports full trust, never NaN."""
    result = sim.run("defined", seed=4, days=60, overrides=team)
    week = result.model.timeseries("week")
    for level in TRUST:
        assert 0 <= result.summary[level] <= 1, level
        assert not week[level].isna().any() and not result.timeseries[level].isna().any(), level
    empty = "trust_sales_in_marketing" if team.get("n_reps") == 0 else "trust_marketing_in_sales"
    assert result.summary[empty] == 1.0
