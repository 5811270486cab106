"""Trust as beta reputation with forgetting: steady states, personal events, neutral rejections."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import run

from sim.model import kernels_queue, trust
from sim.model.agents import TeamArrays


def _team(good: float, bad: float, baseline: float = 0.5) -> TeamArrays:
    one = np.ones(1)
    return TeamArrays(
        skill=one, ego=one * 0.5, trust=one * baseline, trust_baseline=one * baseline,
        good_events=one * good, bad_events=one * bad, latency_hours=one, hours_share=one,
        is_hybrid=np.zeros(1, bool), hours=one, debt=one * 0, present=np.ones(1, bool),
    )  # fmt: skip


def test_reputation_is_the_prior_without_evidence_and_the_event_share_with_much():
    assert trust.reputation(_team(0, 0, 0.3), 10)[0] == pytest.approx(0.3)
    assert trust.reputation(_team(9000, 1000), 10)[0] == pytest.approx(0.9, abs=1e-3)


def test_segregated_trust_levels_off_over_four_years():
    """Yearly mean trust of both sides stays within 0.05 over four years and settles: years 3-4 agree."""
    m = run({}, seed=2, days=1000, scenario="segregated")
    for name in ("trust_sales_in_marketing", "trust_marketing_in_sales"):
        years = np.asarray(m.daily[name]).reshape(4, 250).mean(axis=1)
        assert np.ptp(years) < 0.05, (name, years)
        assert abs(years[3] - years[2]) < 0.015, (name, years)
        assert 0.02 < years[-1] < 0.98, (name, years)


def test_trust_reverts_to_its_baseline_when_nothing_happens():
    """With no events (no leads, no meetings), evidence fades and trust returns to the prior."""
    m = run({"trust_memory_days": 5.0, "marketing_budget_share": 0.0}, seed=1, days=80, scenario="defined")
    specialists = ~m.reps.is_hybrid
    assert np.abs(m.reps.trust[specialists] - m.reps.trust_baseline[specialists]).max() < 0.1


def _rejections_counted(monkeypatch, values: dict) -> tuple[int, float]:
    """Rejected leads that counted against sales, and all rejections, in a short segregated run."""
    counted = []
    original = kernels_queue.route

    def route(*args):
        accepted, n_rejected, unjustified = original(*args)  # unjustified: per marketer
        counted.append(int(unjustified.sum()))
        return accepted, n_rejected, unjustified

    monkeypatch.setattr(kernels_queue, "route", route)
    m = run(
        {**values, "review_bar_distrust_gain": 0.0, "burn_in_days": 0}, seed=3, days=40, scenario="segregated"
    )
    return sum(counted), m.summary()["rejected"]


def test_justified_rejections_are_neutral(monkeypatch):
    """A rejection of a lead whose true fit is below the trusting bar teaches marketing nothing."""
    exact, rejected = _rejections_counted(monkeypatch, {"rep_judgement_sd": 0.0})
    assert rejected > 0 and exact == 0
    noisy, rejected = _rejections_counted(monkeypatch, {"rep_judgement_sd": 0.3})
    assert 0 < noisy < rejected


def test_senior_support_damps_blame_and_shared_goals_raise_collaboration():
    """Senior support raises trust (less blame); shared goals raise the feedback that flows."""
    base = run({}, seed=5, days=250, scenario="segregated").summary()
    support = run({"senior_support": 1.0}, seed=5, days=250, scenario="segregated").summary()
    goals = run({"shared_goals": 1.0}, seed=5, days=250, scenario="segregated").summary()
    assert support["trust_sales_in_marketing"] > base["trust_sales_in_marketing"]
    assert goals["feedback"] > base["feedback"]


def test_each_marketer_lives_their_own_leads():
    """Marketers' trust differs person to person: events land on the lead's own marketer."""
    m = run({}, seed=1, days=150, scenario="segregated")
    leads = m.leads
    marketing = leads.source[: leads.n] == 0
    assert (leads.marketer[: leads.n][marketing] >= 0).all()
    specialists = m.marketers.trust[~m.marketers.is_hybrid]
    assert np.ptp(specialists) > 0


def test_a_side_of_hybrids_only_reports_full_trust_not_nan():
    m = run({"n_reps": 0, "n_marketers": 0, "n_hybrid": 4}, seed=1, days=30, scenario="defined")
    assert m.summary()["trust_sales_in_marketing"] == 1.0
    assert m.summary()["trust_marketing_in_sales"] == 1.0
