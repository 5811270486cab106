"""Deals: qualified leads become opportunities, are worked through their sales cycle and close.

Kept apart from lead follow-up because a deal's outcome is where marketing's work shows (the
collateral's quality and the brand's awareness move the win chance), while follow-up is a race
against the lead's attention.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import customers, kernels, recording, spinup
from sim.model.collateral import build_own_collateral, search_library
from sim.model.feedback import NEUTRAL_AWARENESS
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
    # Each rep gives its deals the hours they need, as far as its hours go; a deal moves on by its
    # rep's share of the hours needed (compiled: `kernels.work_deals`).
    idx, reps.hours, worked, overworked, overwork = kernels.work_deals(
        model.opp_idx,
        (leads.stage, leads.owner, leads.progress_days),
        reps.hours,
        model.p.market.opportunity_hours_per_day,
        int(Stage.OPPORTUNITY),
    )
    if overworked:
        recording.count(model, "overwork_hours", overwork)
    recording.count(model, "selling_hours", worked)
    if model.p.mechanisms.collateral:
        search_library(model, idx)
        build_own_collateral(model, idx)
    close_deals(model, idx)
    model.opp_idx = model.opp_idx[leads.stage[model.opp_idx] <= Stage.OPPORTUNITY]


def close_deals(model: SalesMarketingModel, idx: np.ndarray) -> None:
    """Deals whose cycle is done and that have collateral are won or lost.

    The win chance is the base rate times the rep's skill, moved by the collateral's quality
    (against `REFERENCE_QUALITY`) and by the brand's awareness, clipped to [0, 1]; the deal's
    own uniform decides it (compiled: `kernels.close_ready`).
    """
    leads, mk = model.leads, model.p.market
    awareness_effect = 1 + mk.awareness_win_effect * (model.awareness - NEUTRAL_AWARENESS)
    idx, won, p_win = kernels.close_ready(
        idx,
        (
            leads.progress_days,
            leads.cycle_days,
            leads.collateral,
            leads.quality,
            leads.u_win,
            leads.owner,
            leads.stage,
            leads.closed_day,
        ),
        model.reps.skill,
        mk.base_win_rate,
        mk.collateral_win_effect,
        REFERENCE_QUALITY,
        awareness_effect,
        (int(Collateral.MARKETING), int(Stage.WON), int(Stage.LOST)),
        model.day,
    )
    if len(idx) == 0:
        return
    recording.count_by_source(model, "deals_won", idx[won])
    recording.count_by_source(model, "deals_lost", idx[~won])
    recording.count_by_source(model, "revenue_new", idx[won], values=leads.value[idx[won]])
    recording.count(model, "revenue", leads.value[idx[won]].sum())
    customers.acquire(model, idx[won])
    spinup.feel_closes(model, p_win)
