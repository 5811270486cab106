"""Collateral: how an open deal gets the asset it needs before it can close.

This is where the two teams meet on every deal, so it holds the model's central friction: a rep
looks in marketing's library, else asks marketing and waits, and a rep whose patience runs out
builds an off-brand asset alone at a cost in hours. Hybrids, who are both sides, skip the hand-off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from sim.model import recording
from sim.model.arrays import clip_unit, rank_within
from sim.model.hours import commit
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
    recording.count(model, "library_searches", len(new))
    recording.count(model, "library_hits", np.count_nonzero(found))
    recording.count(model, "requests_made", len(asked))


def _build_as_hybrid(model: SalesMarketingModel, idx: np.ndarray) -> None:
    """A hybrid makes its own on-brand asset (no hand-off), over as many days as its hours need."""
    lv = model.p.levers
    idx = idx[np.argsort(model.leads.owner[idx], kind="stable")]
    built = _start_builds(model, idx, lv.collateral_request_hours)
    use_collateral(model, built, Collateral.MARKETING, model.content_quality * lv.hybrid_depth_factor)


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
    waiting = waiting[np.lexsort((leads.request_day[waiting], owner))]  # each rep's oldest first
    waiting = _start_builds(model, waiting, lv.diy_hours)
    mk = model.p.market
    noise = mk.diy_quality_sd * ndtri(leads.u_diy[waiting])
    quality = clip_unit(model.content_quality * mk.diy_quality_ratio + noise)
    use_collateral(model, waiting, Collateral.DIY, quality)
    model.rep_failures += np.bincount(leads.owner[waiting], minlength=reps.size)
    recording.count(model, "diy_assets", len(waiting))
    recording.count(model, "diy_hours", len(waiting) * lv.diy_hours)


def _start_builds(model: SalesMarketingModel, idx: np.ndarray, hours: float) -> np.ndarray:
    """The deals whose asset a rep starts building today: one at a time, `hours` each.

    `idx` is sorted by owner, each owner's first in line first. A rep starts the first one only
    when nothing is still owed for the previous build; its hours are committed at once (spent
    today as far as they go, the rest owed and paid first on the next days), and the asset is in
    hand from today.
    """
    reps = model.reps
    owner = model.leads.owner[idx]
    start = (rank_within(owner) == 0) & (reps.debt[owner] < 1e-9)
    commit(model, reps, np.bincount(owner[start], minlength=reps.size) * hours)
    return idx[start]


def use_collateral(model: SalesMarketingModel, idx: np.ndarray, kind: Collateral, quality) -> None:
    """Attach an asset to deals and count its use: on-brand and off-brand touches feed the brand."""
    leads = model.leads
    leads.collateral[idx] = kind
    leads.quality[idx] = quality
    if kind == Collateral.DIY:
        recording.count(model, "diy_assets_used", len(idx))
        return
    recording.count(model, "marketing_assets_used", len(idx))
    recording.count_cohort(model, "content_used", leads.opened_day[idx])  # in the deal's opening period
