"""Marketing's day: requests from sales first, then content upkeep, then campaigns.

Held together because these uses compete for the same marketer hours in this order: whatever
support (real and menial requests) and content refresh take is lost to campaigns, and campaign
hours are what buys tomorrow's inquiries. That trade-off is the point of the mechanism.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import kernels, recording
from sim.model.collateral import use_collateral
from sim.model.hours import spend
from sim.model.leads import Collateral
from sim.model.randomness import poisson_from_uniform

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel


def work_marketing(model: SalesMarketingModel) -> None:
    """Marketers answer requests (real and menial), refresh content, run campaigns."""
    receive_menial_requests(model)
    serve_requests(model)
    refresh_content(model)
    team = model.marketers
    model.campaign_hours = float((team.hours * team.skill).sum())
    recording.count(model, "campaign_hours", team.hours.sum())
    team.hours = np.zeros(team.size)


def receive_menial_requests(model: SalesMarketingModel) -> None:
    """Reps send formatting jobs; templates and self-service absorb a share of them."""
    lv = model.p.levers
    u = model.behaviour.random()  # drawn always: the stream stays aligned
    if not model.p.mechanisms.menial_requests:
        return
    specialists = model.reps.size - np.count_nonzero(model.reps.is_hybrid)
    rate = specialists * lv.menial_requests_per_rep_per_week / 5 * (1 - lv.self_service_templates)
    model.menial_backlog_hours += poisson_from_uniform(u, rate) * lv.menial_request_hours


def serve_requests(model: SalesMarketingModel) -> None:
    """Split support hours between menial and real requests in proportion to their backlog."""
    leads, team, lv = model.leads, model.marketers, model.p.levers
    requested = int(Collateral.REQUESTED)
    waiting = kernels.waiting_requests(model.opp_idx, leads.collateral, leads.request_day, requested)
    real_backlog = max(0.0, len(waiting) * lv.collateral_request_hours - model.request_carry_hours)
    backlog = real_backlog + model.menial_backlog_hours
    if backlog <= 0:  # nothing to serve (the hours used below could only be zero)
        return
    mk = model.p.market
    pay = 1 + mk.pay_support_gain * (2 * model.pay_weight - 1)  # revenue pay serves sales more
    # Each marketer's share of free hours for support: support share x collaboration x goodwill
    # (`trust.goodwill`) x pay, clipped to [0, 1]; hybrids serve nobody (compiled).
    capacity = kernels.support_capacity(
        (team.hours, team.trust, team.ego, team.is_hybrid),
        (
            lv.marketing_support_share * model.collaboration,
            pay,
            mk.trust_patience_gain,
            mk.ego_impatience_gain,
        ),
    )
    total = kernels.pairwise_sum(capacity)
    used = min(total, backlog)
    if used <= 0:
        return
    spend(model, team, capacity * (used / total))
    menial = used * model.menial_backlog_hours / backlog
    model.menial_backlog_hours = max(0.0, model.menial_backlog_hours - menial)
    model.request_carry_hours += max(0.0, used - menial)  # hours into the asset in hand
    served = min(len(waiting), int(model.request_carry_hours / lv.collateral_request_hours + 1e-9))
    model.request_carry_hours -= served * lv.collateral_request_hours
    if served == len(waiting):
        model.request_carry_hours = 0.0
    done = waiting[:served]
    use_collateral(model, done, Collateral.MARKETING, model.content_quality)
    model.rep_successes += np.bincount(leads.owner[done], minlength=model.reps.size)
    recording.count(model, "requests_served", served)
    recording.count(model, "menial_hours", menial)
    recording.count(model, "support_hours", used)


def refresh_content(model: SalesMarketingModel) -> None:
    """Content ages; refreshing it costs marketing hours."""
    if not model.p.mechanisms.content_aging:
        model.content_freshness = 1.0
        return
    team, mk = model.marketers, model.p.market
    hours = team.hours * model.p.levers.content_refresh_share
    spend(model, team, hours)
    model.grow("content_freshness", mk.content_refresh_per_hour * hours.sum(), mk.content_decay_per_day)
    recording.count(model, "refresh_hours", hours.sum())
