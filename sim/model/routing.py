"""Routing: the hand-over of a new MQL from marketing to one rep, and the rep's first judgement.

The hand-over is where delay and distrust first bite: batch routing and rep latency decide when a
lead can first be called, and a distrustful rep may reject it or quietly push it back. Those
outcomes feed marketing's experience of sales, so they are kept together here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from sim.model import kernels_queue, recording
from sim.model.leads import Stage

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel

MIN_ROUTING_INTERVAL_HOURS = 1e-3  # shorter batch intervals (under 4 seconds) are real time


def route_leads(model: SalesMarketingModel) -> None:
    """Hand each new MQL to a rep (real time or in batches); the rep accepts or rejects it.

    Leads go to reps at work today (to anyone if all are away on rotation), in proportion to
    their rep hours; reps whose rep hours are all 0 (hybrids fully in marketing) still own what
    they get. Under batch routing a lead reaches a specialist at the next batch time, a hybrid at
    once; it can first be called after its rep's latency. The owner then reviews it (`_review`)
    and, if it is kept, may push it back (cherry-picking, below). Compiled: `kernels_queue.route`.

    Cherry-picking: a distrustful rep with ego makes a kept lead wait cherry_pick_hours * lean *
    (1 - trust) hours more, lean = (1 - trust) * ego / EGO_REFERENCE, and neglects it with chance
    cherry_pick_neglect * lean. A first-contact SLA does not switch this off: reps aim to call
    within a share of the SLA (`sla_aim_share`, or when the lead reached them if that is later),
    so a long SLA still lets a lead wait long, and a monitored SLA makes outright neglect rarer
    (`sla_neglect_reduction`), not impossible. Whether the aim is met then depends on the rep's
    queue against the hours free (follow_up.work_leads).
    """
    leads, reps = model.leads, model.reps
    idx = model.new_mqls
    if reps.size == 0:
        leads.stage[idx] = Stage.LEAKED
        recording.count(model, "leaked", len(idx))
        recording.count(model, "never_contacted", len(idx))
        return
    weight = reps.hours_share * reps.present if reps.present.any() else reps.hours_share
    accepted, n_rejected, unjustified = kernels_queue.route(
        idx,
        (
            leads.u_owner,
            leads.created_hour,
            leads.fit,
            leads.u_neglect,
            leads.marketer,
            leads.owner,
            leads.routed_day,
            leads.available_hour,
            leads.stage,
        ),
        (weight, reps.is_hybrid, reps.latency_hours, reps.trust, reps.ego),
        _review_noise(model, idx),
        *_rules(model),
        (int(Stage.REJECTED), model.marketers.size),
    )
    model.marketing_failures += unjustified  # a lead poor by any standard is rightly rejected
    recording.count(model, "rejected", n_rejected)
    recording.count(model, "never_contacted", n_rejected)  # a rejected MQL is never called
    model.queue_idx = np.concatenate([model.queue_idx, accepted])


def _rules(model: SalesMarketingModel) -> tuple[tuple, tuple]:
    """Routing levers of the day and the review and cherry-picking rules, for `kernels_queue.route`."""
    lv, mk = model.p.levers, model.p.market
    interval = lv.routing_interval_hours if lv.routing_interval_hours > MIN_ROUTING_INTERVAL_HOURS else 0.0
    levers = (
        model.day,
        interval,
        lv.cherry_pick_hours,
        lv.sla_first_contact_hours,
        model.p.mechanisms.cherry_picking,
    )
    market = (
        mk.rep_judgement_sd,
        mk.review_bar_trusting,
        mk.review_bar_distrust_gain,
        mk.cherry_pick_neglect,
        mk.sla_neglect_reduction,
        mk.sla_aim_share,
    )
    return levers, market


def _review_noise(model: SalesMarketingModel, idx: np.ndarray) -> np.ndarray:
    """Each MQL's judgement noise when reps judge lead quality (none when they do not review).

    A reviewing rep perceives fit + rep_judgement_sd * noise and rejects what falls below its
    bar, review_bar_trusting + review_bar_distrust_gain * (1 - trust): distrust raises the bar.
    Rejections of leads at or above the trusting bar count against sales in marketing's eyes.
    """
    if model.p.levers.lead_acceptance_by != "sales":
        return np.empty(0)
    return ndtri(model.leads.u_accept[idx])
