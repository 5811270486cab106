"""Collateral: how an open deal gets the asset it needs before it can close.

This is where the two teams meet on every deal, so it holds the model's central friction: a rep
looks in marketing's library, else asks marketing and waits, and a rep whose patience runs out
builds an off-brand asset alone at a cost in hours. Hybrids, who are both sides, skip the hand-off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from sim.model.arrays import clip_unit, rank_within
from sim.model.hours import spend
from sim.model.leads import Collateral
from sim.model.trust import goodwill

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel


def search_library(model: SalesMarketingModel, idx: np.ndarray) -> None:
    """New deals: look in marketing's library, else ask marketing (hybrids make their own)."""
    leads = model.leads
    new = idx[leads.collateral[idx] == Collateral.NEEDED]
    if len(new) == 0:
        return
    hybrid = model.reps.is_hybrid[leads.owner[new]]
    if hybrid.any():
        _build_as_hybrid(model, new[hybrid])
        new = new[~hybrid]
    found = leads.u_library[new] < model.library_fit
    use_collateral(model, new[found], Collateral.MARKETING, model.content_quality)
    asked = new[~found]
    leads.collateral[asked] = Collateral.REQUESTED
    leads.request_day[asked] = model.day
    model.count("library_searches", len(new))
    model.count("library_hits", np.count_nonzero(found))
    model.count("requests_made", len(asked))


def _build_as_hybrid(model: SalesMarketingModel, idx: np.ndarray) -> None:
    """A hybrid makes its own on-brand asset at once, if it has the hours (no hand-off)."""
    hours = model.p.levers.collateral_request_hours
    owner = model.leads.owner[idx]
    order = np.argsort(owner, kind="stable")
    idx, owner = idx[order], owner[order]
    can = rank_within(owner) < np.floor(model.reps.hours / hours + 1e-9).astype(np.int64)[owner]
    quality = model.content_quality * model.p.levers.hybrid_depth_factor
    use_collateral(model, idx[can], Collateral.MARKETING, quality)
    spend(model, model.reps, np.bincount(owner[can], minlength=model.reps.size) * hours)


def build_own_collateral(model: SalesMarketingModel, idx: np.ndarray) -> None:
    """A rep whose patience ran out builds the asset alone: hours lost, off-brand."""
    leads, reps, lv = model.leads, model.reps, model.p.levers
    waiting = idx[leads.collateral[idx] == Collateral.REQUESTED]
    owner = leads.owner[waiting]
    patience = lv.rep_patience_days * goodwill(reps, model.p.market)
    expired = model.day - leads.request_day[waiting] >= patience[owner]
    if not expired.any():
        return
    waiting, owner = waiting[expired], owner[expired]
    order = np.lexsort((leads.request_day[waiting], owner))
    waiting, owner = waiting[order], owner[order]
    build = (rank_within(owner) == 0) & (reps.debt[owner] < 1e-9)  # one asset at a time
    waiting, owner = waiting[build], owner[build]
    mk = model.p.market
    noise = mk.diy_quality_sd * ndtri(leads.u_diy[waiting])
    quality = clip_unit(model.content_quality * mk.diy_quality_ratio + noise)
    use_collateral(model, waiting, Collateral.DIY, quality)
    cost = np.bincount(owner, minlength=reps.size) * lv.diy_hours
    now = np.minimum(cost, reps.hours)  # the rest is owed from the next free hours
    spend(model, reps, now)
    reps.debt = reps.debt + cost - now
    built = cost > 0
    model.rep_failures += built
    model.count("diy_assets", len(waiting))
    model.count("diy_hours", len(waiting) * lv.diy_hours)


def use_collateral(model: SalesMarketingModel, idx: np.ndarray, kind: Collateral, quality) -> None:
    """Attach an asset to deals and count its use: on-brand and off-brand touches feed the brand."""
    model.leads.collateral[idx] = kind
    model.leads.quality[idx] = quality
    name = "diy_assets_used" if kind == Collateral.DIY else "marketing_assets_used"
    model.count(name, len(idx))
