"""Feedback loops: the slow stocks that carry one day's experiences into the following days.

Marketing's field knowledge, brand consistency and awareness (with each side's trust, in `trust`)
are what make the teams' friction compound over months, so they are updated together at the end of
the day from what the mechanisms recorded, and then feed back into tomorrow's mechanisms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model import recording

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel

NEUTRAL_AWARENESS = 0.5  # awareness at which inquiries and win chances are not adjusted
REFERENCE_BUDGET_SHARE = 0.08  # budget share at which awareness gains at its nominal rate


def share_feedback(model: SalesMarketingModel) -> None:
    """Reps pass on what customers say; marketing's knowledge grows with it and fades without."""
    mk, lv = model.p.market, model.p.levers
    if not model.p.mechanisms.field_feedback:
        return
    reps = model.reps
    present = reps.hours_share > 0
    trust = reps.trust[present].mean() if present.any() else 0.0
    share = min(1.0, lv.feedback_share * model.collaboration)
    flow = share * trust * (1 + lv.meeting_feedback_gain * model.meeting_benefit)
    model.grow("knowledge", mk.knowledge_gain_per_day * flow, mk.knowledge_decay_per_day)
    recording.count(model, "feedback", flow)


def update_brand(model: SalesMarketingModel) -> None:
    """Brand consistency follows the on-brand share of touches; awareness builds on it."""
    t, lv, mk = model.today, model.p.levers, model.p.market
    platform = lv.messaging_platform_adoption if model.p.mechanisms.scripts else 1.0
    weight = mk.collateral_touch_weight  # an asset is seen by the buying group, not one person
    on = t["inquiries"] + t["attempts"] * platform + weight * t["marketing_assets_used"]
    off = t["attempts"] * (1 - platform) + weight * t["diy_assets_used"]
    if on + off > 0:
        today = on / (on + off)
        model.brand_consistency += (today - model.brand_consistency) / mk.brand_memory_days
    if model.p.mechanisms.awareness:
        push = lv.marketing_budget_share / REFERENCE_BUDGET_SHARE * model.brand_consistency
        model.grow("awareness", mk.awareness_gain_per_day * push, mk.awareness_decay_per_day)
