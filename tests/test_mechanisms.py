"""Ablation: each of the 15 mechanisms moves the outcome it should, in the right direction.

Each row of ABLATIONS runs two arms with common seeds (same seeds in both arms, so common random
numbers line up) and checks that the seed-averaged summary column moves from arm A to arm B in
the stated direction. Settings are chosen (from reading the model) so that the effect is well
above seed noise: every row held in each of six seeds separately when it was written, except the
rows marked xfail, which fail in each of six seeds. Those are model defects reported to the lead;
they are strict, so they fail the suite once the model is fixed, as a reminder to unmark them.

EQUIVALENCES check the other side of "switched off alone": a mechanism switched off gives a run
bit-identical to the same run with that mechanism's own levers set to neutral values, so a
switch removes exactly its mechanism and nothing else.
"""

from __future__ import annotations

import numpy as np
import pandas.testing as pdt
import pytest
from helpers import run, scenario_params, seed_mean

from sim.leads import Collateral, Stage
from sim.model import NEUTRAL_AWARENESS, REFERENCE_QUALITY, SalesMarketingModel
from sim.params import MECHANISMS

SEEDS = (1, 2, 3)
DAYS = 300
UP, DOWN = +1, -1

LOW_TRUST = {"trust_sales_in_marketing_initial": 0.1, "rep_ego_mean": 1.5}
BY_SALES = {"lead_acceptance_by": "sales"}
BY_MARKETING = {"lead_acceptance_by": "marketing"}
REVENUE_PAY_BY_SALES = {**BY_SALES, "marketing_pay_basis": "revenue"}
LONG_ATTENTION = {"attention_short_share": 0.5}
MEETINGS = {"meeting_hours_per_week": 2.0}
BATCHED = {"routing_interval_hours": 8.0}
ROTATION = {"rotation_share": 0.1}
HIGH_AWARENESS = {"awareness_initial": 0.9, "marketing_budget_share": 0.2}
LOW_AWARENESS = {"awareness_initial": 0.1, "marketing_budget_share": 0.02}
NO_ROTATION = {"rotation_share": 0.0}

FOLLOW_UP_INERT = (
    "Model defect (reported): a retry of an inbound lead comes 8 h later, when almost every inquiry's "
    "attention (~1 h for 97% of them) is gone, so it adds next to no SALs; follow-up of own prospects "
    "meanwhile triples sourced SQLs, whose deal hours and DIY slow the reps' first contacts. Net: more "
    "follow-up means fewer SALs."
)


def row(mechanism, scenario, a, b, column, direction, *, marks=(), note=""):
    """One ablation: from arm A to arm B (overrides on a scenario), column moves in direction."""
    arrow = "up" if direction == UP else "down"
    return pytest.param(
        mechanism,
        scenario,
        a,
        b,
        column,
        direction,
        id=f"{mechanism}-{note or 'B'}-{column}-{arrow}",
        marks=marks,
    )


ABLATIONS = [
    # 3. routing: batch hand-off every working day delays first contact and loses leads.
    row("response_decay", "defined", {}, BATCHED, "median_response_hours", UP, note="batch_routing"),
    row("response_decay", "defined", {}, BATCHED, "sqls", DOWN, note="batch_routing"),
    row("response_decay", "defined", {}, {"response_decay": False}, "sals", UP, note="off"),
    row("response_decay", "defined", BATCHED, {**BATCHED, "response_decay": False}, "sals", UP,
        note="off_under_batching"),
    # 6. collateral: impatient reps build their own material, off-brand.
    row("collateral", "defined", {"rep_patience_days": 10.0}, {"rep_patience_days": 1.0}, "diy_hours", UP,
        note="impatient"),
    row("collateral", "defined", {"rep_patience_days": 10.0}, {"rep_patience_days": 1.0},
        "brand_consistency", DOWN, note="impatient"),
    row("collateral", "defined", {}, {"collateral": False}, "diy_hours", DOWN, note="off"),
    row("collateral", "defined", {}, {"collateral": False}, "requests_made", DOWN, note="off"),
    # 5. cherry-picking at low trust and high ego: marketing's leads go stale and leak.
    row("cherry_picking", "segregated", {**LOW_TRUST, "cherry_picking": False}, LOW_TRUST,
        "leakage_share", UP, note="on_at_low_trust"),
    row("cherry_picking", "defined", {**LOW_TRUST, "cherry_picking": False}, LOW_TRUST,
        "leakage_share", UP, note="on_at_low_trust_with_sla"),
    # 10. meetings: more feedback and trust, less selling time.
    row("meetings", "defined", {}, MEETINGS, "feedback", UP, note="2h_weekly"),
    row("meetings", "defined", {}, MEETINGS, "trust_sales_in_marketing", UP, note="2h_weekly"),
    row("meetings", "defined", {}, MEETINGS, "trust_marketing_in_sales", UP, note="2h_weekly"),
    row("meetings", "defined", {}, MEETINGS, "selling_time_share", DOWN, note="2h_weekly"),
    row("meetings", "defined", MEETINGS, {**MEETINGS, "meetings": False}, "feedback", DOWN, note="off"),
    row("meetings", "defined", MEETINGS, {**MEETINGS, "meetings": False}, "trust_sales_in_marketing", DOWN,
        note="off"),
    row("meetings", "defined", MEETINGS, {**MEETINGS, "meetings": False}, "selling_time_share", UP,
        note="off"),
    # 9. field feedback: marketing learns the market, targets better.
    row("field_feedback", "aligned", {"field_feedback": False}, {}, "marketing_knowledge", UP, note="on"),
    row("field_feedback", "aligned", {"field_feedback": False}, {}, "realised_inquiry_fit", UP, note="on"),
    # 11. pay on revenue (reps judge leads, so the pay shift moves the threshold): fewer, better MQLs.
    row("marketing_pay", "defined", BY_SALES, REVENUE_PAY_BY_SALES, "mqls", DOWN, note="revenue_pay"),
    row("marketing_pay", "defined", BY_SALES, REVENUE_PAY_BY_SALES, "mql_to_sal", UP, note="revenue_pay"),
    row("marketing_pay", "defined", BY_SALES, REVENUE_PAY_BY_SALES, "sal_to_sql", UP, note="revenue_pay"),
    row("marketing_pay", "defined", BY_MARKETING, {**BY_MARKETING, "marketing_pay_basis": "revenue"},
        "mqls", DOWN, note="revenue_pay_marketing_judges"),
    row("marketing_pay", "defined", BY_MARKETING, {**BY_MARKETING, "marketing_pay_basis": "revenue"},
        "sal_to_sql", UP, note="revenue_pay_marketing_judges"),
    row("marketing_pay", "defined", REVENUE_PAY_BY_SALES, {**REVENUE_PAY_BY_SALES, "marketing_pay": False},
        "mqls", UP, note="off"),
    # 1. awareness: switched off it sits at its neutral level (0.5). A strong brand brings more
    # inquiries than neutral, so switching it off costs inquiries; a weak one fewer, so it gains.
    row("awareness", "defined", HIGH_AWARENESS, {**HIGH_AWARENESS, "awareness": False}, "inquiries", DOWN,
        note="off_strong_brand"),
    row("awareness", "defined", LOW_AWARENESS, {**LOW_AWARENESS, "awareness": False}, "inquiries", UP,
        note="off_weak_brand"),
    # 2. lead scoring off: every inquiry is handed over; reps drown in poor leads.
    row("lead_scoring", "defined", {}, {"lead_scoring": False}, "mql_to_sal", DOWN, note="off"),
    row("lead_scoring", "defined", {}, {"lead_scoring": False}, "sal_to_sql", DOWN, note="off"),
    row("lead_scoring", "defined", BY_SALES, {**BY_SALES, "lead_scoring": False}, "mql_to_sal", DOWN,
        note="off_reps_judge"),
    # 4. follow-up: one attempt only.
    row("follow_up", "defined", {}, {"follow_up": False}, "sals", DOWN, note="off",
        marks=pytest.mark.xfail(reason=FOLLOW_UP_INERT, strict=True)),
    row("follow_up", "defined", {"follow_up_attempts": 1}, {"follow_up_attempts": 6}, "sals", UP,
        note="six_attempts", marks=pytest.mark.xfail(reason=FOLLOW_UP_INERT, strict=True)),
    row("follow_up", "defined", LONG_ATTENTION, {**LONG_ATTENTION, "follow_up": False}, "sals", DOWN,
        note="off_long_attention"),
    row("follow_up", "defined", {}, {"follow_up": False}, "sourced_sqls", DOWN, note="off"),
    # 7. menial requests off: support hours go to real requests.
    row("menial_requests", "defined", {}, {"menial_requests": False}, "requests_served", UP, note="off"),
    row("menial_requests", "defined", {"collateral": False}, {"collateral": False, "menial_requests": False},
        "campaign_hours", UP, note="off_no_real_requests"),
    # 8. content aging off: the library stays fresh and fits more deals.
    row("content_aging", "defined", {}, {"content_aging": False}, "content_used_share", UP, note="off"),
    row("content_aging", "defined", {}, {"content_aging": False}, "content_freshness", UP, note="off"),
    # 12. trust off: trust cannot grow (defined) or erode (segregated), with its consequences.
    row("trust", "defined", {}, {"trust": False}, "trust_marketing_in_sales", DOWN, note="off"),
    row("trust", "defined", {}, {"trust": False}, "requests_served", DOWN, note="off"),
    row("trust", "segregated", {}, {"trust": False}, "trust_sales_in_marketing", UP, note="off_no_erosion"),
    row("trust", "segregated", {}, {"trust": False}, "leakage_share", DOWN, note="off_no_erosion"),
    # 13. rotation: productivity lost now, understanding gained.
    row("rotation", "defined", {}, ROTATION, "selling_time_share", DOWN, note="10pct"),
    row("rotation", "defined", {}, ROTATION, "trust_sales_in_marketing", UP, note="10pct"),
    row("rotation", "defined", {}, ROTATION, "trust_marketing_in_sales", UP, note="10pct"),
    row("rotation", "defined", {}, ROTATION, "marketing_knowledge", UP, note="10pct"),
    row("rotation", "defined", ROTATION, {**ROTATION, "rotation": False}, "selling_time_share", UP,
        note="off"),
    # 14. hybrid roles off: the hybrids become plain reps: hand-off delay and requests return.
    row("hybrid_roles", "hybrid_small", BATCHED, {**BATCHED, "hybrid_roles": False}, "median_response_hours",
        UP, note="off_batch_routing"),
    row("hybrid_roles", "hybrid_small", {}, {"hybrid_roles": False}, "requests_made", UP, note="off"),
    row("hybrid_roles", "hybrid_small", {}, {"hybrid_roles": False}, "marketing_hours", DOWN, note="off"),
    # 15. scripts off: every call on the messaging platform.
    row("scripts", "defined", {}, {"scripts": False}, "brand_consistency", UP, note="off"),
    row("scripts", "defined", {}, {"scripts": False}, "awareness", UP, note="off"),
]  # fmt: skip


@pytest.mark.parametrize(("mechanism", "scenario", "a", "b", "column", "direction"), ABLATIONS)
def test_ablation_direction(mechanism, scenario, a, b, column, direction):
    """Going from arm A to arm B moves the seed-averaged column in the mechanism's direction."""
    mean_a = seed_mean(column, a, SEEDS, DAYS, scenario)
    mean_b = seed_mean(column, b, SEEDS, DAYS, scenario)
    assert np.isfinite(mean_a) and np.isfinite(mean_b), (mean_a, mean_b)
    assert direction * (mean_b - mean_a) > 0, f"{mechanism}: {column} A={mean_a:.4g} B={mean_b:.4g}"


def test_every_mechanism_has_a_switch_off_ablation():
    """Each of the 15 mechanisms is switched off alone in at least one directional ablation."""
    switched = set()
    for p in ABLATIONS:
        _, _, a, b, _, _ = p.values
        switched |= {k for k in MECHANISMS if (a.get(k, True) is False) != (b.get(k, True) is False)}
    assert switched == set(MECHANISMS)


EQUIVALENCES = [
    # mechanism, scenario, base overrides (both arms), neutral levers that make the mechanism moot
    ("awareness", "aligned", {}, {"awareness_initial": NEUTRAL_AWARENESS, "awareness_gain_per_day": 0.0,
                                  "awareness_decay_per_day": 0.0}),
    ("lead_scoring", "aligned", {}, {"mql_score_threshold": 0.0, "score_noise_sd": 0.0}),
    ("follow_up", "aligned", {}, {"follow_up_attempts": 1}),
    ("cherry_picking", "segregated", {}, {"cherry_pick_neglect": 0.0, "cherry_pick_hours": 0.0}),
    ("menial_requests", "aligned", {}, {"menial_requests_per_rep_per_week": 0.0}),
    ("content_aging", "aligned", {}, {"content_decay_per_day": 0.0, "content_refresh_share": 0.0}),
    ("field_feedback", "aligned", NO_ROTATION, {"feedback_share": 0.0, "knowledge_decay_per_day": 0.0}),
    ("meetings", "aligned", {"colocation": True}, {"meeting_hours_per_week": 0.0, "colocation": False}),
    ("marketing_pay", "segregated", {"marketing_pay_basis": "revenue"}, {"marketing_pay_basis": "pipeline"}),
    ("trust", "aligned", NO_ROTATION, {"trust_learning_rate": 0.0, "meeting_trust_gain_per_day": 0.0}),
    ("rotation", "aligned", {"rotation_share": 0.1}, {"rotation_share": 0.0}),
    ("hybrid_roles", "hybrid_small", {}, {"n_reps": 5, "n_hybrid": 0}),
    ("scripts", "aligned", {}, {"messaging_platform_adoption": 1.0}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mechanism", "scenario", "base", "neutral"), EQUIVALENCES, ids=[e[0] for e in EQUIVALENCES]
)
def test_switch_off_equals_neutral_levers(mechanism, scenario, base, neutral):
    """A switched-off mechanism is exactly its neutral lever setting, and on differs from off."""
    off = run({**base, mechanism: False}, seed=4, days=150, scenario=scenario).timeseries("week")
    same = run({**base, **neutral}, seed=4, days=150, scenario=scenario).timeseries("week")
    on = run(base, seed=4, days=150, scenario=scenario).timeseries("week")
    pdt.assert_frame_equal(off, same, check_exact=True)
    assert not off.equals(on), f"switching {mechanism} off changed nothing in {scenario}"


# ---------------------------------------------------------------- exact effects of a switch


@pytest.mark.parametrize("initial", [0.1, 0.9])
def test_awareness_off_holds_awareness_at_its_neutral_level(initial):
    """Awareness off: the goodwill stock sits at its neutral level whatever the start and the spend."""
    m = run({"awareness": False, "awareness_initial": initial, "marketing_budget_share": 0.3}, days=120)
    assert np.all(np.asarray(m.daily["awareness"]) == NEUTRAL_AWARENESS)


def test_lead_scoring_off_hands_over_every_inquiry():
    """Lead scoring off: mqls == inquiries every day and nothing stays in nurture."""
    m = run({"lead_scoring": False}, days=120, scenario="defined")
    np.testing.assert_array_equal(m.daily["mqls"], m.daily["inquiries"])
    assert not np.any(m.leads.stage == Stage.NURTURE)
    assert m.summary()["inquiries"] > 0


def test_collateral_off_removes_diy_and_requests():
    """Collateral off: no library searches, requests or DIY; deals carry reference marketing material."""
    m = run({"collateral": False}, days=200, scenario="defined")
    s = m.summary()
    for column in ("diy_assets", "diy_hours", "diy_assets_used", "requests_made", "library_searches"):
        assert s[column] == 0, column
    deals = m.leads.stage >= Stage.OPPORTUNITY
    assert deals.sum() > 0
    assert np.all(m.leads.collateral[deals] == Collateral.MARKETING)
    assert np.all(m.leads.quality[deals] == REFERENCE_QUALITY)


def test_menial_requests_off_spends_no_marketing_hours_on_them():
    """Menial requests off: no hours on formatting jobs."""
    assert run({"menial_requests": False}, days=150, scenario="segregated").summary()["menial_hours"] == 0
    assert run({}, days=150, scenario="segregated").summary()["menial_hours"] > 0


def test_content_aging_off_keeps_content_fresh_at_no_cost():
    """Content aging off: freshness stays 1 every day and no hours go to refreshing."""
    m = run({"content_aging": False}, days=150, scenario="defined")
    assert np.all(np.asarray(m.daily["content_freshness"]) == 1.0)
    assert m.summary()["refresh_hours"] == 0


def test_trust_off_keeps_trust_at_initial_values():
    """Trust off: neither experiences, meetings nor rotation move either side's trust."""
    initial = {"trust_sales_in_marketing_initial": 0.3, "trust_marketing_in_sales_initial": 0.7}
    m = run({**initial, "trust": False, "rotation_share": 0.1}, days=150, scenario="integrated")
    specialists = ~m.reps.is_hybrid
    assert np.all(m.reps.trust[specialists] == 0.3)
    assert np.all(m.marketers.trust[~m.marketers.is_hybrid] == 0.7)
    np.testing.assert_allclose(m.daily["trust_sales_in_marketing"], 0.3, rtol=1e-12)
    np.testing.assert_allclose(m.daily["trust_marketing_in_sales"], 0.7, rtol=1e-12)
    moving = run({**initial, "rotation_share": 0.1}, days=150, scenario="integrated").summary()
    assert moving["trust_sales_in_marketing"] != 0.3


def test_field_feedback_raises_inquiry_fit_over_time():
    """Field feedback: later inquiries fit better than early ones, and better than without feedback."""

    def fit(overrides, seed, months):
        ts = run(overrides, seed, 500, "aligned").timeseries("month").iloc[months]
        return float((ts.realised_inquiry_fit * ts.inquiries).sum() / ts.inquiries.sum())

    early, late = slice(0, 3), slice(-4, -1)  # the last month is partial
    late_on = np.mean([fit({}, s, late) for s in SEEDS])
    early_on = np.mean([fit({}, s, early) for s in SEEDS])
    late_off = np.mean([fit({"field_feedback": False}, s, late) for s in SEEDS])
    assert late_on > early_on + 0.02, (early_on, late_on)
    assert late_on > late_off + 0.02, (late_off, late_on)


def test_rotation_lowers_ego_on_both_sides():
    """Rotation: time in the other function lowers ego; with rotation off ego is unchanged."""
    params = scenario_params("defined", ROTATION)
    start = SalesMarketingModel(params, seed=1)
    rep_ego, marketer_ego = start.reps.ego.copy(), start.marketers.ego.copy()
    rotated = SalesMarketingModel(params, seed=1).run(DAYS)
    assert rotated.reps.ego.mean() < 0.9 * rep_ego.mean()
    assert rotated.marketers.ego.mean() < 0.9 * marketer_ego.mean()
    assert np.all(rotated.reps.ego <= rep_ego)
    off = run({**ROTATION, "rotation": False}, days=DAYS, scenario="defined")
    np.testing.assert_array_equal(off.reps.ego, rep_ego)
    assert off.summary()["rotation_days"] == 0


def test_shared_lead_definition_cancels_the_pay_shift_of_the_threshold():
    """Pay basis moves the MQL threshold when one side judges leads, not under a shared definition."""

    def threshold(judge, basis):
        params = scenario_params("defined", {"lead_acceptance_by": judge, "marketing_pay_basis": basis})
        return SalesMarketingModel(params, seed=1).mql_threshold

    assert threshold("shared", "revenue") == threshold("shared", "mql_volume")
    for judge in ("sales", "marketing"):
        assert threshold(judge, "revenue") > threshold(judge, "pipeline") > threshold(judge, "mql_volume")


def test_meetings_best_cadence_is_interior():
    """Meetings trade feedback and trust for hours: 2 h a week beats none and beats 20 h on revenue."""
    revenue = {
        h: seed_mean("revenue", {"meeting_hours_per_week": h}, SEEDS, DAYS, "defined") for h in (0, 2, 20)
    }
    assert revenue[2] > revenue[0], revenue
    assert revenue[2] > revenue[20], revenue
