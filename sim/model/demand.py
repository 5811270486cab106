"""Demand: marketing's spend and campaign hours buy inquiries, which are scored into MQLs.

Every inquiry is born here with all the uniforms its later life needs (a fixed number per lead,
from the day's arrival stream), so lead i of a day is the same lead in every scenario whatever
happens to it downstream. Its attention window and deal terms are fixed at birth for the same reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import gammaincinv, ndtri

from sim.model import kernels_queue, recording
from sim.model.feedback import NEUTRAL_AWARENESS
from sim.model.leads import Source, Stage
from sim.model.randomness import (
    STREAM_ARRIVALS,
    STREAM_DEALS,
    STREAM_RENEWALS,
    beta_from_uniform,
    poisson_from_uniform,
)

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel
    from sim.model.params import Levers, Market, Params

WORKING_DAYS_PER_YEAR = 250
ARRIVAL_UNIFORMS = 14  # per inquiry: fixed, so lead i of a day is the same lead in every scenario


def generate_demand(model: SalesMarketingModel) -> None:
    """Spend and campaign hours buy inquiries; marketing scores them and hands over MQLs."""
    mk, lv = model.p.market, model.p.levers
    spend = lv.marketing_budget_share * mk.revenue_target_per_year / WORKING_DAYS_PER_YEAR
    effect = 1 - np.exp(-model.campaign_hours / mk.campaign_hours_scale)
    expected = spend / mk.cost_per_inquiry * (1 - NEUTRAL_AWARENESS + model.awareness) * effect
    arrivals = model.stream(STREAM_ARRIVALS, model.day)
    n = poisson_from_uniform(arrivals.random(), expected)
    rows = arrivals.random((n, ARRIVAL_UNIFORMS))
    deal_rows = model.stream(STREAM_DEALS, model.day).random((n, 2))
    u_renew = model.stream(STREAM_RENEWALS, model.day).random(n)
    fit_mean = mk.inquiry_fit_mean + _targeting(model) * (1 - mk.inquiry_fit_mean)
    fit = beta_from_uniform(rows[:, 1], fit_mean, mk.inquiry_fit_concentration)
    noise_sd = mk.score_noise_sd * (1 - mk.score_knowledge_gain * model.knowledge)
    score = fit + noise_sd * ndtri(rows[:, 2])
    handed_over = score >= model.mql_threshold if model.p.mechanisms.lead_scoring else np.ones(n, bool)
    idx = model.leads.add(
        n,
        created_hour=model.day_start + rows[:, 0] * model.hours_per_day,
        fit=fit,
        score=score,
        window_end_hour=model.day_start + rows[:, 0] * model.hours_per_day + _attention(model.p, rows),
        u_accept=rows[:, 5],
        u_neglect=rows[:, 6],
        u_reach=rows[:, 7],
        u_qualify=rows[:, 8],
        u_win=rows[:, 9],
        u_library=rows[:, 10],
        u_owner=rows[:, 11],
        u_diy=rows[:, 12],
        u_renew=u_renew,
        marketer=_generated_by(model, rows[:, 13]),
        source=Source.MARKETING,
        stage=np.where(handed_over, Stage.QUEUED, Stage.NURTURE),
        **deal_terms(mk, deal_rows),
    )
    model.new_mqls = idx[handed_over]
    recording.count(model, "inquiries", n)
    recording.count(model, "mqls", len(model.new_mqls))
    recording.count(model, "inquiry_fit_sum", fit.sum())
    recording.count(model, "marketing_spend", spend)


def _generated_by(model: SalesMarketingModel, u: np.ndarray) -> np.ndarray:
    """The marketer behind each inquiry, in proportion to the hours they give marketing."""
    team = model.marketers
    if team.size == 0:
        return np.full(len(u), -1)
    return kernels_queue.pick_by_share(team.hours_share, u)


def _targeting(model: SalesMarketingModel) -> float:
    """How much of the gap to perfect fit marketing's knowledge closes."""
    return model.p.market.targeting_fit_gain * model.knowledge


def mql_threshold(lv: Levers, pay_weight: float) -> float:
    """Volume pay lowers the bar, revenue pay raises it; a shared definition is not moved."""
    shift = 0.0 if lv.lead_acceptance_by == "shared" else lv.pay_threshold_shift * (2 * pay_weight - 1)
    return min(max(lv.mql_score_threshold + shift, 0.0), 1.0)


def _attention(p: Params, rows: np.ndarray) -> np.ndarray:
    """Working hours an inquiry stays attentive: mostly short (a 'golden hour'), some long."""
    mk = p.market
    if not p.mechanisms.response_decay:
        return np.full(len(rows), np.inf)
    tail = -np.log1p(-rows[:, 4])  # standard exponential from a uniform
    short = mk.attention_short_hours * tail ** (1 / mk.attention_short_shape)
    long = mk.attention_long_hours * tail
    return np.where(rows[:, 3] < mk.attention_short_share, short, long)


def deal_terms(mk: Market, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Deal value (lognormal) and sales cycle (gamma, shape 2) from the deal-value stream."""
    cycle = gammaincinv(2.0, rows[:, 1]) * mk.sales_cycle_days_mean / 2
    return {"value": deal_value(mk, rows[:, 0]), "cycle_days": cycle}


def deal_value(mk: Market, u: np.ndarray) -> np.ndarray:
    """Lognormal deal values with mean `deal_value_mean`, by inversion of one uniform each."""
    sigma = mk.deal_value_sigma
    return mk.deal_value_mean * np.exp(sigma * ndtri(u) - sigma**2 / 2)
