"""The model's cached, parameter-derived values follow its parameters."""

from __future__ import annotations

from helpers import scenario_params

from sim.model.model import SalesMarketingModel


def test_new_parameters_replace_every_derived_value():
    """Assigning `model.p` (as an intervention does) forgets values cached from the old parameters."""
    model = SalesMarketingModel(scenario_params("defined", {"marketing_pay_basis": "mql_volume"}), seed=1)
    model.run(3)
    before = (model.pay_weight, model.mql_threshold, model.meeting_benefit)
    model.p = model.p.with_values(
        {"marketing_pay_basis": "revenue", "lead_acceptance_by": "marketing", "meeting_hours_per_week": 4.0}
    )
    fresh = SalesMarketingModel(model.p, seed=1)
    after = (model.pay_weight, model.mql_threshold, model.meeting_benefit)
    assert after == (fresh.pay_weight, fresh.mql_threshold, fresh.meeting_benefit)
    assert all(a != b for a, b in zip(before, after, strict=True)), (before, after)
