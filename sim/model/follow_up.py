"""Follow-up: reps call their queued leads, turn some into SQLs, prospect, and let others go stale.

A handed-over lead is a race against its attention window, so how fast and in what order a rep
works the queue decides most of what marketing's leads become. Own prospects compete for the same
calls, which is why inbound work, prospecting and expiry sit together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import kernels, kernels_queue, recording
from sim.model.demand import deal_terms
from sim.model.hours import spend
from sim.model.leads import Source, Stage
from sim.model.randomness import (
    STREAM_PROSPECT_RENEWALS,
    STREAM_PROSPECTS,
    beta_from_uniform,
    poisson_from_uniforms,
)

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel


def work_leads(model: SalesMarketingModel) -> None:
    """Reps answer handed-over leads as they come (SLA leads first), then call own prospects.

    Inbound leads are worked through, each rep's in order of availability, at the pace the
    rep's free hours allow: the k-th call starts when its lead is available or the previous
    call ends, whichever is later. Own prospects fill whatever capacity is left (no attention
    window: their timing is moot). A cherry-picking rep has already pushed marketing's leads
    back (see `routing.route_leads`). The loop is compiled (`kernels_queue.schedule_calls`).
    """
    leads, lv = model.leads, model.p.levers
    if len(model.queue_idx) == 0:
        return
    calls, when = kernels_queue.schedule_calls(
        model.queue_idx,
        leads.available_hour,
        leads.source,
        leads.owner,
        model.reps.hours,
        lv.attempt_hours,
        lv.attempt_hours * model.hours_per_day,
        model.day_start,
        model.day_end,
        int(Source.MARKETING),
    )
    if len(calls):
        _attempt(model, calls, when)


def _attempt(model: SalesMarketingModel, idx: np.ndarray, when: np.ndarray) -> None:
    """Call leads `idx` at hours `when`: a reached lead qualifies or not, a missed one is retried.

    A call reaches a lead with the per-attempt reach of its source; past its attention window
    a lead has moved on, but a late call still reaches a few (re-engaged buyers): the causal,
    within-firm cost of delay. A lead missed `follow_up_attempts` times is given up on.
    """
    leads, lv, mk = model.leads, model.p.levers, model.p.market
    owner = leads.owner[idx]
    spend(model, model.reps, np.bincount(owner, minlength=model.reps.size) * lv.attempt_hours)
    recording.count(model, "selling_hours", len(idx) * lv.attempt_hours)
    recording.count(model, "attempts", len(idx))
    first, reached, qualified, marketing = kernels.attempt_calls(
        idx,
        when,
        (
            leads.first_attempt_hour,
            leads.attempts,
            leads.source,
            leads.window_end_hour,
            leads.u_reach,
            leads.u_qualify,
            leads.fit,
            leads.stage,
            leads.available_hour,
        ),
        mk.reach_per_attempt,
        mk.outbound_reach_per_attempt,
        mk.late_contact_floor,
        lv.follow_up_attempts if model.p.mechanisms.follow_up else 1,
        lv.retry_interval_hours,
        (int(Stage.SQL), int(Stage.DISQUALIFIED), int(Stage.UNRESPONSIVE)),
        int(Source.MARKETING),
    )
    model.opp_idx = np.concatenate([model.opp_idx, idx[qualified]])
    model.queue_idx = model.queue_idx[leads.stage[model.queue_idx] == Stage.QUEUED]
    _record_attempts(model, idx, owner, when, first, reached, qualified, marketing)


def _record_attempts(model, idx, owner, when, first, reached, qualified, marketing):
    leads = model.leads
    # Reached MQLs (SALs) and SQLs count in the period their lead was handed over or found (its
    # cohort), so each period's MQL->SAL, SAL->SQL and prospect->SQL are true shares of its leads.
    recording.count_cohort(model, "sals", leads.routed_day[idx[reached & marketing]])
    recording.count_by_source(model, "sqls", idx[qualified], days=leads.routed_day[idx[qualified]])
    rep_good, rep_bad, marketer_good, marketer_bad, n_first = kernels.call_evidence(
        idx,
        owner,
        when,
        (first, reached, qualified, marketing),
        leads.created_hour,
        leads.marketer,
        model.p.levers.sla_first_contact_hours or model.hours_per_day,
        model.reps.size,
        model.marketers.size,
    )
    recording.count(model, "first_contacts", n_first)
    model.rep_successes += rep_good
    model.rep_failures += rep_bad
    model.marketing_successes += marketer_good
    model.marketing_failures += marketer_bad


def prospect(model: SalesMarketingModel) -> None:
    """Reps spend hours left over on finding their own prospects (capped by a day's queue)."""
    leads, reps, mk, lv = model.leads, model.reps, model.p.market, model.p.levers
    q = model.queue_idx
    own = np.bincount(leads.owner[q[leads.source[q] == Source.SALES]], minlength=reps.size)
    room = np.maximum(0, int(model.hours_per_day / lv.attempt_hours) - own)
    # Fixed layout: rep r's i-th prospect of the day always gets slot (i, r) of the day's
    # stream, whatever other reps found, so prospects line up across scenarios.
    rng = model.stream(STREAM_PROSPECTS, model.day)
    expected = np.maximum(reps.hours, 0.0) * mk.prospects_per_hour
    found = np.minimum(poisson_from_uniforms(rng.random(reps.size), expected), room)
    recording.count(model, "selling_hours", reps.hours.sum())
    reps.hours = np.zeros(reps.size)
    n = int(found.sum())
    if n == 0:
        return
    slots = rng.random((int(found.max()), reps.size, 8))
    renew = model.stream(STREAM_PROSPECT_RENEWALS, model.day).random(slots.shape[:2])
    rows, renew, owner = kernels_queue.prospect_rows(slots, renew, found)  # rep-major: rep 0's first
    idx = model.leads.add(
        n,
        created_hour=model.day_end,
        available_hour=model.day_end,
        fit=beta_from_uniform(rows[:, 0], mk.prospect_fit_mean, mk.inquiry_fit_concentration),
        u_reach=rows[:, 1],
        u_qualify=rows[:, 2],
        u_win=rows[:, 3],
        u_library=rows[:, 4],
        u_diy=rows[:, 7],
        u_renew=renew,
        source=Source.SALES,
        stage=Stage.QUEUED,
        owner=owner,
        routed_day=model.day,
        **deal_terms(mk, rows[:, 5:7]),
    )
    model.queue_idx = np.concatenate([model.queue_idx, idx])
    recording.count(model, "prospects", n)


def expire_leads(model: SalesMarketingModel) -> None:
    """Leads nobody contacted within the shelf life leak (own prospects are just dropped).

    Compiled (`kernels.expire_queue`): a queued lead never called whose cohort is at least
    `lead_shelf_life_days` old leaves the queue as leaked.
    """
    leads = model.leads
    model.queue_idx, leaked, by_marketer = kernels.expire_queue(
        model.queue_idx,
        (leads.attempts, leads.routed_day, leads.source, leads.marketer, leads.stage),
        model.day,
        model.p.levers.lead_shelf_life_days,
        (int(Stage.LEAKED), int(Source.MARKETING)),
        model.marketers.size,
    )
    recording.count(model, "leaked", len(leaked))
    recording.count_cohort(model, "never_contacted", leads.routed_day[leaked])
    model.marketing_failures += by_marketer  # marketing sees its leads left to rot
