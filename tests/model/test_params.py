"""Parameter metadata: every assumed value states how far it may plausibly be off."""

from __future__ import annotations

import dataclasses

import pytest

from sim.model.params import Levers, Market
from sim.model.params.base import param

# Facts of the client's firm, set from its data rather than assumed: no plausible range.
CLIENT_FACTS = {
    "working_hours_per_day",
    "revenue_target_per_year",
    "deal_value_mean",
    "burn_in_days",
    "n_reps",
    "n_marketers",
    "n_hybrid",
}


def _numeric(cls):
    return [f for f in dataclasses.fields(cls) if not isinstance(f.default, bool | str)]


@pytest.mark.parametrize("cls", [Market, Levers], ids=["market", "levers"])
def test_every_assumed_number_has_a_plausible_range_holding_its_default(cls):
    unsized = [f.name for f in _numeric(cls) if f.metadata["plausible"] is None]
    missing = [name for name in unsized if name not in CLIENT_FACTS]
    assert missing == []
    for f in _numeric(cls):
        plausible = f.metadata["plausible"]
        if plausible is not None:
            lo, hi = plausible
            assert f.metadata["low"] <= lo <= f.default <= hi <= f.metadata["high"], f.name
            assert lo < hi, f.name


def test_client_facts_have_no_plausible_range():
    fields = {f.name: f for cls in (Market, Levers) for f in dataclasses.fields(cls)}
    assert all(fields[name].metadata["plausible"] is None for name in CLIENT_FACTS)


def test_a_plausible_range_must_hold_the_default():
    with pytest.raises(ValueError, match="must hold the default"):
        param(0.5, 0, 1, plausible=(0.6, 0.9), source="test")
