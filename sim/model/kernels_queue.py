"""Compiled kernels of the lead queue: routing, the day's call schedule, prospects, cohort counts.

As in `kernels` (whose rules these follow: the same arithmetic in the same order as the numpy
they replace, so results are bit-identical; transcendental functions stay in numpy and scipy),
split from it by what they touch. No kernel here calls one of `kernels` or back: numba's disk
cache notices an edit only in a compiled function's own file, so callers live beside callees.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.model.agents import EGO_REFERENCE


@numba.njit(cache=True)
def schedule_calls(
    queue: np.ndarray,
    available_hour: np.ndarray,
    source: np.ndarray,
    owner: np.ndarray,
    rep_hours: np.ndarray,
    attempt_hours: float,
    pace_hours: float,
    day_start: float,
    day_end: float,
    inbound_code: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Today's calls (lead rows) and their start hours: inbound leads first, then own prospects.

    Each rep calls inbound leads in order of availability, at the pace its free hours allow;
    own prospects, in queue order, take the capacity left (`follow_up.work_leads`).
    `pace_hours` is attempt_hours * hours_per_day.
    """
    reps = len(rep_hours)
    capacity, pace = _capacity_and_pace(rep_hours, attempt_hours, pace_hours)
    due = queue[available_hour[queue] < day_end]
    inbound = due[source[due] == inbound_code]
    # Sorted by (owner, availability, queue order): a stable sort by availability, then a
    # stable counting sort by owner (np.lexsort's order).
    inbound = inbound[np.argsort(available_hour[inbound], kind="mergesort")]
    inbound = _stable_by_owner(inbound, owner, reps)
    calls = np.empty(len(due), np.int64)
    when = np.empty(len(due))
    n = 0
    running = -np.inf
    rank = 0
    previous = -1
    for i in range(len(inbound)):
        lead = inbound[i]
        rep = owner[lead]
        rank = rank + 1 if rep == previous else 0
        previous = rep
        if rank >= capacity[rep]:
            continue
        # attempt_times: start_k = k*pace + max(day_start, max_{j<=k}(available_j - j*pace)),
        # the cumulative maximum banded per rep exactly as the numpy version computes it.
        available = available_hour[lead]
        offset = rank * pace[rep]
        slack = max(available - offset, day_start) - day_start
        band = 1e7 * rep
        running = max(running, min(slack, 5e6) + band)
        start = max(day_start + (running - band) + offset, available)
        if start < day_end:
            calls[n] = lead
            when[n] = start
            n += 1
    for i in range(n):
        capacity[owner[calls[i]]] -= 1
    prospects = _stable_by_owner(due[source[due] != inbound_code], owner, reps)
    n = _take_prospects(prospects, owner, capacity, available_hour, day_start, calls, when, n)
    return calls[:n], when[:n]


@numba.njit(cache=True)
def _capacity_and_pace(
    rep_hours: np.ndarray, attempt_hours: float, pace_hours: float
) -> tuple[np.ndarray, np.ndarray]:
    """Calls each rep has hours for today, and the hours between two of its calls."""
    capacity = np.empty(len(rep_hours), np.int64)
    pace = np.empty(len(rep_hours))
    for r in range(len(rep_hours)):
        capacity[r] = np.int64(np.floor(rep_hours[r] / attempt_hours + 1e-9))
        pace[r] = pace_hours / max(rep_hours[r], attempt_hours)
    return capacity, pace


@numba.njit(cache=True)
def _take_prospects(
    prospects: np.ndarray,
    owner: np.ndarray,
    capacity: np.ndarray,
    available_hour: np.ndarray,
    day_start: float,
    calls: np.ndarray,
    when: np.ndarray,
    n: int,
) -> int:
    """Append each rep's own prospects, in queue order, while its capacity lasts; the new count."""
    previous, rank = -1, 0
    for i in range(len(prospects)):
        lead = prospects[i]
        rep = owner[lead]
        rank = rank + 1 if rep == previous else 0
        previous = rep
        if rank < capacity[rep]:
            calls[n] = lead
            when[n] = max(available_hour[lead], day_start)
            n += 1
    return n


@numba.njit(cache=True)
def _stable_by_owner(rows: np.ndarray, owner: np.ndarray, reps: int) -> np.ndarray:
    """`rows` sorted by owner, keeping their order within each owner (a counting sort)."""
    start = np.zeros(reps + 1, np.int64)
    for i in range(len(rows)):
        start[owner[rows[i]] + 1] += 1
    for r in range(reps):
        start[r + 1] += start[r]
    out = np.empty(len(rows), np.int64)
    for i in range(len(rows)):
        rep = owner[rows[i]]
        out[start[rep]] = rows[i]
        start[rep] += 1
    return out


@numba.njit(cache=True)
def prospect_rows(
    slots: np.ndarray, renew_draws: np.ndarray, found: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The uniforms, renewal uniforms and owners of the prospects found, rep by rep.

    Rep r's i-th prospect takes slot (i, r) of the day's draws (`slots` is slot x rep x uniform,
    `renew_draws` slot x rep), so a prospect's numbers do not depend on what other reps found.
    """
    n = 0
    for r in range(len(found)):
        n += found[r]
    rows = np.empty((n, slots.shape[2]))
    renew = np.empty(n)
    owner = np.empty(n, np.int64)
    k = 0
    for r in range(len(found)):
        for i in range(found[r]):
            rows[k] = slots[i, r]
            renew[k] = renew_draws[i, r]
            owner[k] = r
            k += 1
    return rows, renew, owner


@numba.njit(cache=True)
def pick_by_share(weight: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index i with probability weight[i] / sum, by inversion of u: `np.searchsorted` on the cumsum.

    The last index when u lands past the last positive weight (a row of zero weights owns nothing).
    """
    share = np.cumsum(weight)
    out = np.empty(len(u), np.int64)
    for i in range(len(u)):
        out[i] = min(np.searchsorted(share, u[i] * share[-1], side="right"), len(weight) - 1)
    return out


@numba.njit(cache=True)
def route(
    mqls: np.ndarray,
    leads: tuple,
    reps: tuple,
    noise: np.ndarray,
    levers: tuple,
    market: tuple,
    codes: tuple,
) -> tuple[np.ndarray, int, np.ndarray]:
    """Hand each new MQL to a rep, review it, and set when it can first be called (`routing`).

    `leads` holds the columns u_owner, created_hour, fit, u_neglect, marketer, owner, routed_day,
    available_hour and stage (the last four written); `reps` the weights of routing, is_hybrid,
    latency_hours, trust and ego; `noise` each MQL's judgement noise (empty when reps do not
    review); `levers` day, batch interval (0 for real time), cherry_pick_hours, the SLA's hours
    and whether cherry-picking is on; `market` rep_judgement_sd, review_bar_trusting,
    review_bar_distrust_gain, cherry_pick_neglect, sla_neglect_reduction and sla_aim_share;
    `codes` the stage REJECTED and the number of marketers. Returns the accepted MQLs, the
    number rejected and each marketer's unjustified rejections.
    """
    u_owner, created, fit, u_neglect, marketer, owner, routed_day, available, stage = leads
    weight, is_hybrid, latency, trust, ego = reps
    day, interval, cherry_hours, sla_hours, cherry = levers
    judgement_sd, bar_trusting, bar_gain, neglect_rate, neglect_reduction, aim_share = market
    rejected_code, marketers = codes
    who = pick_by_share(weight, u_owner[mqls])
    accepted = np.empty(len(mqls), np.int64)
    unjustified = np.zeros(marketers, np.int64)
    n_accepted = 0
    for i in range(len(mqls)):
        lead, rep = mqls[i], who[i]
        owner[lead] = rep
        routed_day[lead] = day
        handed = created[lead]
        if interval > 0 and not is_hybrid[rep]:
            handed = np.ceil(handed / interval) * interval
        available[lead] = handed + latency[rep]
        if len(noise) and fit[lead] + judgement_sd * noise[i] < bar_trusting + bar_gain * (1 - trust[rep]):
            stage[lead] = rejected_code
            if fit[lead] >= bar_trusting and marketer[lead] >= 0:
                unjustified[marketer[lead]] += 1
            continue
        accepted[n_accepted] = lead
        n_accepted += 1
        _cherry_pick(lead, rep, handed, (created, u_neglect, available), (trust, ego), levers[2:], market[3:])
    return accepted[:n_accepted], len(mqls) - n_accepted, unjustified


@numba.njit(cache=True)
def _cherry_pick(lead: int, rep: int, handed: float, leads: tuple, reps: tuple, levers: tuple, market: tuple):
    """A distrustful rep with ego pushes an accepted MQL back or neglects it (`routing.route_leads`)."""
    created, u_neglect, available = leads
    trust, ego = reps
    cherry_hours, sla_hours, cherry = levers
    neglect_rate, neglect_reduction, aim_share = market
    sla = sla_hours > 0
    neglect = False
    if cherry:
        lean = (1 - trust[rep]) * ego[rep] / EGO_REFERENCE
        available[lead] += cherry_hours * lean * (1 - trust[rep])
        neglect = u_neglect[lead] < neglect_rate * lean * (1 - neglect_reduction * sla)
    if sla:
        aim = created[lead] + aim_share * sla_hours
        available[lead] = min(available[lead], max(aim, handed))
    if neglect:
        available[lead] = np.inf


@numba.njit(cache=True)
def ages_by_part(days: np.ndarray, source: np.ndarray, codes: np.ndarray, day: int) -> np.ndarray:
    """Elements by part (the index of their source in `codes`) and age (day - days), then all.

    Row p counts part p's elements of each age, the last row all of them (`recording`'s
    cohort counts); an element of no part counts in the last row only.
    """
    oldest = 0
    for i in range(len(days)):
        oldest = max(oldest, day - days[i])
    counts = np.zeros((len(codes) + 1, oldest + 1), np.int64)
    for i in range(len(days)):
        age = day - days[i]
        counts[len(codes), age] += 1
        for p in range(len(codes)):
            if source[i] == codes[p]:
                counts[p, age] += 1
    return counts


@numba.njit(cache=True)
def poisson_log_terms(log_mean: np.ndarray, mean: np.ndarray, k: np.ndarray, log_factorial: np.ndarray):
    """The log P(k) of each row's Poisson mean, k = 0..len(k)-1: k log(mean) - mean - log(k!)."""
    out = np.empty((len(mean), len(k)))
    for r in range(len(mean)):
        for j in range(len(k)):
            out[r, j] = k[j] * log_mean[r] - mean[r] - log_factorial[j]
    return out


@numba.njit(cache=True)
def count_below_cdf(terms: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Per row: how many terms of its running sum (the CDF) lie below u times the row's total."""
    out = np.zeros(len(u), np.int64)
    for r in range(len(u)):
        cdf = np.cumsum(terms[r])
        bar = u[r] * cdf[-1]
        for j in range(len(cdf)):
            out[r] += cdf[j] < bar
    return out
