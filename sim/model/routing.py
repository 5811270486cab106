"""Routing: the hand-over of a new MQL from marketing to one rep, and the rep's first judgement.

The hand-over is where delay and distrust first bite: batch routing and rep latency decide when a
lead can first be called, and a distrustful rep may reject it or quietly push it back. Those
outcomes feed marketing's experience of sales, so they are kept together here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from sim.model import recording, trust
from sim.model.agents import EGO_REFERENCE
from sim.model.leads import Stage

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel

MIN_ROUTING_INTERVAL_HOURS = 1e-3  # shorter batch intervals (under 4 seconds) are real time


def route_leads(model: SalesMarketingModel) -> None:
    """Hand each new MQL to a rep (real time or in batches); the rep accepts or rejects it."""
    leads, reps, lv = model.leads, model.reps, model.p.levers
    idx = model.new_mqls
    if reps.size == 0:
        leads.stage[idx] = Stage.LEAKED
        recording.count(model, "leaked", len(idx))
        recording.count(model, "never_contacted", len(idx))
        return
    # Leads go to reps at work today (to anyone if all are away on rotation).
    weight = reps.hours_share * reps.present if reps.present.any() else reps.hours_share
    share = np.cumsum(weight)
    # (min: reps whose rep hours are all 0, hybrids fully in marketing, still own what they get)
    owner = np.minimum(
        np.searchsorted(share, model.leads.u_owner[idx] * share[-1], side="right"), reps.size - 1
    )
    leads.owner[idx] = owner
    leads.routed_day[idx] = model.day
    handed = leads.created_hour[idx]
    if lv.routing_interval_hours > MIN_ROUTING_INTERVAL_HOURS:
        interval = lv.routing_interval_hours
        batch_time = np.ceil(handed / interval) * interval
        handed = np.where(reps.is_hybrid[owner], handed, batch_time)
    leads.available_hour[idx] = handed + reps.latency_hours[owner]
    rejected = _review(model, idx, owner)
    leads.stage[idx[rejected]] = Stage.REJECTED
    n_rejected = np.count_nonzero(rejected)
    # A lead poor by any standard is rightly rejected: only the rest count against sales.
    unjustified = idx[rejected][leads.fit[idx[rejected]] >= model.p.market.review_bar_trusting]
    model.marketing_failures += trust.tally(model, unjustified)
    recording.count(model, "rejected", n_rejected)
    recording.count(model, "never_contacted", n_rejected)  # a rejected MQL is never called
    accepted = idx[~rejected]
    cherry_pick(model, accepted, handed[~rejected])
    model.queue_idx = np.concatenate([model.queue_idx, accepted])


def _review(model: SalesMarketingModel, idx: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Reps who judge lead quality reject what looks poor to them; distrust raises the bar."""
    if model.p.levers.lead_acceptance_by != "sales":
        return np.zeros(len(idx), dtype=bool)
    leads = model.leads
    perceived = leads.fit[idx] + model.p.market.rep_judgement_sd * ndtri(leads.u_accept[idx])
    mk = model.p.market
    bar = mk.review_bar_trusting + mk.review_bar_distrust_gain * (1 - model.reps.trust[owner])
    return perceived < bar


def cherry_pick(model: SalesMarketingModel, idx: np.ndarray, handed: np.ndarray) -> None:
    """Distrustful reps with ego push marketing's leads back, or never touch them.

    A first-contact SLA does not switch this off: reps aim to call within a share of the SLA
    (`sla_aim_share`), so a long SLA still lets a lead wait long, and a monitored SLA makes
    outright neglect rarer (`sla_neglect_reduction`), not impossible. Whether the aim is met
    then depends on the rep's queue against the hours free (follow_up.work_leads). `handed` is
    when each lead reached its rep (its batch time under batch routing).
    """
    leads, reps, lv, mk = model.leads, model.reps, model.p.levers, model.p.market
    owner = leads.owner[idx]
    sla = lv.sla_first_contact_hours > 0
    if model.p.mechanisms.cherry_picking:
        lean = (1 - reps.trust[owner]) * reps.ego[owner] / EGO_REFERENCE
        leads.available_hour[idx] += lv.cherry_pick_hours * lean * (1 - reps.trust[owner])
        neglect_share = mk.cherry_pick_neglect * lean * (1 - mk.sla_neglect_reduction * sla)
        neglect = leads.u_neglect[idx] < neglect_share
    else:
        neglect = np.zeros(len(idx), dtype=bool)
    if sla:
        aim = leads.created_hour[idx] + mk.sla_aim_share * lv.sla_first_contact_hours
        leads.available_hour[idx] = np.minimum(leads.available_hour[idx], np.maximum(aim, handed))
    leads.available_hour[idx[neglect]] = np.inf
