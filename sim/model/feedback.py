"""Feedback loops: the slow stocks that carry one day's experiences into the following days.

Marketing's field knowledge, each side's trust in the other, brand consistency and awareness are
what make the teams' friction compound over months, so they are updated together at the end of
the day from what the mechanisms recorded, and then feed back into tomorrow's mechanisms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents import EGO_REFERENCE
from sim.model.arrays import clip_unit, stock_step

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel

NEUTRAL_AWARENESS = 0.5  # awareness at which inquiries and win chances are not adjusted
REFERENCE_BUDGET_SHARE = 0.08  # budget share at which awareness gains at its nominal rate
COLLATERAL_TOUCH_WEIGHT = 5.0  # an asset is seen by a whole buying group: it counts as 5 touches
BRAND_SMOOTHING = 0.05  # daily weight of today's touches in brand consistency (~20-day memory)


def share_feedback(model: SalesMarketingModel) -> None:
    """Reps pass on what customers say; marketing's knowledge grows with it and fades without."""
    mk, lv = model.p.market, model.p.levers
    if not model.p.mechanisms.field_feedback:
        return
    reps = model.reps
    present = reps.hours_share > 0
    trust = reps.trust[present].mean() if present.any() else 0.0
    flow = lv.feedback_share * trust * (1 + lv.meeting_feedback_gain * model.meeting_benefit)
    model.knowledge = stock_step(
        model.knowledge, mk.knowledge_gain_per_day * flow, mk.knowledge_decay_per_day
    )
    model.count("feedback", flow)


def update_trust(model: SalesMarketingModel) -> None:
    """Each side moves its trust towards what it experienced today; ego amplifies blame."""
    if model.p.mechanisms.trust:
        lv = model.p.levers
        damping = min(1.0, lv.shared_goals + lv.senior_support)
        n_mkt = max(1, model.marketers.size)
        for team, good, bad in (
            (model.reps, model.rep_successes, model.rep_failures),
            (model.marketers, model.marketing_successes / n_mkt, model.marketing_failures / n_mkt),
        ):
            blame = 1 + team.ego / EGO_REFERENCE * 0.5 * (1 - damping)
            change = lv.trust_learning_rate * (good * (1 - team.trust) - blame * bad * team.trust)
            change += lv.meeting_trust_gain_per_day * model.meeting_benefit * (1 - team.trust)
            team.trust = np.where(team.is_hybrid, 1.0, clip_unit(team.trust + change))
    reset_experiences(model)


def reset_experiences(model: SalesMarketingModel) -> None:
    """Start a day with nothing experienced: trust moves on each day's experiences alone."""
    model.rep_successes = np.zeros(model.reps.size)
    model.rep_failures = np.zeros(model.reps.size)
    model.marketing_successes = 0.0
    model.marketing_failures = 0.0


def update_brand(model: SalesMarketingModel) -> None:
    """Brand consistency follows the on-brand share of touches; awareness builds on it."""
    t, lv, mk = model.today, model.p.levers, model.p.market
    platform = lv.messaging_platform_adoption if model.p.mechanisms.scripts else 1.0
    on = t["inquiries"] + t["attempts"] * platform + COLLATERAL_TOUCH_WEIGHT * t["marketing_assets_used"]
    off = t["attempts"] * (1 - platform) + COLLATERAL_TOUCH_WEIGHT * t["diy_assets_used"]
    if on + off > 0:
        today = on / (on + off)
        model.brand_consistency += BRAND_SMOOTHING * (today - model.brand_consistency)
    if model.p.mechanisms.awareness:
        push = lv.marketing_budget_share / REFERENCE_BUDGET_SHARE * model.brand_consistency
        model.awareness = stock_step(
            model.awareness, mk.awareness_gain_per_day * push, mk.awareness_decay_per_day
        )
