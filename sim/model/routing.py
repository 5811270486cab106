"""Routing: the hand-over of a new MQL from marketing to one rep, and the rep's first judgement.

The hand-over is where delay and distrust first bite: batch routing and rep latency decide when a
lead can first be called, and a distrustful rep may reject it or quietly push it back. Those
outcomes feed marketing's experience of sales, so they are kept together here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

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
        model.count("leaked", len(idx))
        return
    # Leads go to reps at work today (to anyone if all are away on rotation).
    weight = reps.hours_share * reps.present if reps.present.any() else reps.hours_share
    share = np.cumsum(weight)
    owner = np.searchsorted(share, model.leads.u_owner[idx] * share[-1], side="right")
    leads.owner[idx] = owner
    leads.routed_day[idx] = model.day
    created = leads.created_hour[idx]
    if lv.routing_interval_hours > MIN_ROUTING_INTERVAL_HOURS:
        interval = lv.routing_interval_hours
        batch_time = np.ceil(created / interval) * interval
        created = np.where(reps.is_hybrid[owner], created, batch_time)
    latency = reps.latency_hours[owner]
    if lv.sla_first_contact_hours > 0:  # a monitored SLA caps how long a rep lets a lead sit
        latency = np.minimum(latency, lv.sla_first_contact_hours / 2)
    leads.available_hour[idx] = created + latency
    rejected = _review(model, idx, owner)
    leads.stage[idx[rejected]] = Stage.REJECTED
    n_rejected = np.count_nonzero(rejected)
    model.marketing_failures += n_rejected
    model.count("rejected", n_rejected)
    accepted = idx[~rejected]
    cherry_pick(model, accepted)
    model.queue_idx = np.concatenate([model.queue_idx, accepted])


def _review(model: SalesMarketingModel, idx: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Reps who judge lead quality reject what looks poor to them; distrust raises the bar."""
    if model.p.levers.lead_acceptance_by != "sales":
        return np.zeros(len(idx), dtype=bool)
    leads = model.leads
    perceived = leads.fit[idx] + model.p.market.rep_judgement_sd * ndtri(leads.u_accept[idx])
    bar = 0.2 + 0.4 * (1 - model.reps.trust[owner])
    return perceived < bar


def cherry_pick(model: SalesMarketingModel, idx: np.ndarray) -> None:
    """Distrustful reps with ego delay marketing's leads, or never touch them; an SLA curbs it."""
    if not model.p.mechanisms.cherry_picking:
        return
    leads, reps, lv = model.leads, model.reps, model.p.levers
    owner = leads.owner[idx]
    lean = (1 - reps.trust[owner]) * reps.ego[owner] / EGO_REFERENCE
    sla = lv.sla_first_contact_hours > 0
    neglect = leads.u_neglect[idx] < model.p.market.cherry_pick_neglect * lean * (0.5 if sla else 1.0)
    delay = 0.0 if sla else lv.cherry_pick_hours * lean * (1 - reps.trust[owner])
    leads.available_hour[idx] += delay
    leads.available_hour[idx[neglect]] = np.inf
