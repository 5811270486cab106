"""Deals: qualified leads become opportunities, are worked through their sales cycle and close.

Kept apart from lead follow-up because a deal's outcome is where marketing's work shows (the
collateral's quality and the brand's awareness move the win chance), while follow-up is a race
against the lead's attention.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import customers, recording, spinup
from sim.model.arrays import clip_unit
from sim.model.collateral import build_own_collateral, search_library
from sim.model.feedback import NEUTRAL_AWARENESS
from sim.model.hours import spend
from sim.model.leads import Collateral, Stage

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel

REFERENCE_QUALITY = 0.7  # collateral quality at which the win chance is not adjusted


def open_opportunities(model: SalesMarketingModel) -> None:
    """Yesterday's SQLs become open opportunities that need collateral."""
    leads = model.leads
    idx = model.opp_idx[leads.stage[model.opp_idx] == Stage.SQL]
    leads.stage[idx] = Stage.OPPORTUNITY
    if model.p.mechanisms.collateral:
        leads.collateral[idx] = Collateral.NEEDED
    else:  # every deal sells with marketing's content, of reference quality
        leads.collateral[idx] = Collateral.MARKETING
        leads.quality[idx] = REFERENCE_QUALITY
        recording.count(model, "content_used", len(idx))
    leads.opened_day[idx] = model.day
    recording.count_by_source(model, "opportunities", idx)


def work_opportunities(model: SalesMarketingModel) -> None:
    """Reps spend deal hours, find or make collateral, and close deals that are ready."""
    leads, reps = model.leads, model.reps
    idx = model.opp_idx[leads.stage[model.opp_idx] == Stage.OPPORTUNITY]
    owner = leads.owner[idx]
    need = np.bincount(owner, minlength=reps.size) * model.p.market.opportunity_hours_per_day
    worked = np.minimum(need, reps.hours)
    spend(model, reps, worked)
    recording.count(model, "selling_hours", worked.sum())
    ratio = np.divide(worked, need, out=np.ones_like(need), where=need > 0)
    leads.progress_days[idx] += ratio[owner]
    if model.p.mechanisms.collateral:
        search_library(model, idx)
        build_own_collateral(model, idx)
    close_deals(model, idx)
    model.opp_idx = model.opp_idx[leads.stage[model.opp_idx] <= Stage.OPPORTUNITY]


def close_deals(model: SalesMarketingModel, idx: np.ndarray) -> None:
    """Deals whose cycle is done and that have collateral are won or lost."""
    leads, mk = model.leads, model.p.market
    ready = (leads.progress_days[idx] >= leads.cycle_days[idx]) & (
        leads.collateral[idx] >= Collateral.MARKETING
    )
    if not ready.any():
        return
    idx = idx[ready]
    owner = leads.owner[idx]
    awareness_effect = 1 + mk.awareness_win_effect * (model.awareness - NEUTRAL_AWARENESS)
    collateral_effect = 1 + mk.collateral_win_effect * (leads.quality[idx] - REFERENCE_QUALITY)
    p_win = clip_unit(mk.base_win_rate * model.reps.skill[owner] * collateral_effect * awareness_effect)
    won = leads.u_win[idx] < p_win
    leads.stage[idx] = np.where(won, Stage.WON, Stage.LOST)
    leads.closed_day[idx] = model.day
    recording.count_by_source(model, "deals_won", idx[won])
    recording.count_by_source(model, "deals_lost", idx[~won])
    recording.count_by_source(model, "revenue_new", idx[won], values=leads.value[idx[won]])
    recording.count(model, "revenue", leads.value[idx[won]].sum())
    customers.acquire(model, idx[won])
    spinup.feel_closes(model, p_win)
