"""Compiled kernels: the day's integer, compare and branch loops over plain arrays.

A simulated day makes hundreds of small numpy calls, and at the model's sizes (tens of reps,
hundreds of queued leads) each costs more in interpreter overhead than in arithmetic. The loops
here do the same arithmetic, in the same order, element by element, so their results are
bit-identical to the numpy expressions they replace; the mechanisms keep their functions as the
readable description and call these. Transcendental functions (exp, log, the special
functions) stay in numpy and scipy, whose SIMD results a compiled loop need not reproduce.

Compiled code is cached on disk (`cache=True`), so only the first run on a machine compiles.
numba's cache notices an edit only in a compiled function's own file, so a kernel calls only
kernels of its own module; the lead queue's, which need none of these, are in `kernels_queue`.
Totals use `pairwise_sum`, numpy's own summation order, so that they equal `np.sum` bit for bit.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.model.agents import EGO_REFERENCE


@numba.njit(cache=True)
def attempt_calls(
    calls: np.ndarray,
    when: np.ndarray,
    leads: tuple,
    reach_inbound: float,
    reach_outbound: float,
    late_contact_floor: float,
    max_attempts: int,
    retry_interval_hours: float,
    stages: tuple,
    inbound_code: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Make each call: count the attempt, draw whether it reaches and qualifies, move the lead.

    `leads` holds the columns first_attempt_hour, attempts, source, window_end_hour, u_reach,
    u_qualify, fit, stage and available_hour, written in place; `stages` the codes SQL,
    DISQUALIFIED and UNRESPONSIVE. Returns, per call, whether it was the lead's first, whether
    it reached the lead, whether the lead qualified and whether it is marketing's (see
    `follow_up._attempt`, and `randomness.attempt_uniform` for the attempt's uniform).
    """
    first_hour, attempts, source, window_end, u_reach, u_qualify, fit, stage, available = leads
    sql, disqualified, unresponsive = stages
    n = len(calls)
    first = np.empty(n, np.bool_)
    reached = np.empty(n, np.bool_)
    qualified = np.empty(n, np.bool_)
    marketing = np.empty(n, np.bool_)
    for i in range(n):
        lead = calls[i]
        first[i] = np.isnan(first_hour[lead])
        if first[i]:
            first_hour[lead] = when[i]
        attempt = attempts[lead] + 1
        attempts[lead] = attempt
        marketing[i] = source[lead] == inbound_code
        reach = reach_inbound if marketing[i] else reach_outbound
        if not when[i] < window_end[lead]:
            reach = reach * late_contact_floor
        reached[i] = _attempt_uniform(u_reach[lead], attempt) < reach
        qualified[i] = reached[i] and u_qualify[lead] < fit[lead]
        if qualified[i]:
            stage[lead] = sql
        elif reached[i]:
            stage[lead] = disqualified
        elif attempt >= max_attempts:
            stage[lead] = unresponsive
        else:
            available[lead] = when[i] + retry_interval_hours
    return first, reached, qualified, marketing


@numba.njit(cache=True)
def _attempt_uniform(u: float, attempt: int) -> float:
    """`randomness.attempt_uniform` for one lead: its uniform and attempt mixed by splitmix64."""
    x = np.uint64(u * 2.0**53) ^ (np.uint64(attempt) * np.uint64(0x9E3779B97F4A7C15))
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return np.float64(x >> np.uint64(11)) / 2.0**53


@numba.njit(cache=True)
def close_ready(
    deals: np.ndarray,
    leads: tuple,
    rep_skill: np.ndarray,
    base_win_rate: float,
    collateral_win_effect: float,
    reference_quality: float,
    awareness_effect: float,
    codes: tuple,
    day: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Close the deals whose cycle is done and that have collateral: won or lost on their uniform.

    `leads` holds the columns progress_days, cycle_days, collateral, quality, u_win, owner,
    stage and closed_day (the last two written in place); `codes` the collateral code
    MARKETING and the stages WON and LOST. Returns the closed deals, which were won, and each
    one's win chance (see `deals.close_deals`).
    """
    progress, cycle, collateral, quality, u_win, owner, stage, closed_day = leads
    has_collateral, won_code, lost_code = codes
    closed = np.empty(len(deals), np.int64)
    won = np.empty(len(deals), np.bool_)
    p_win = np.empty(len(deals))
    n = 0
    for i in range(len(deals)):
        lead = deals[i]
        if not (progress[lead] >= cycle[lead] and collateral[lead] >= has_collateral):
            continue
        collateral_effect = 1 + collateral_win_effect * (quality[lead] - reference_quality)
        p = base_win_rate * rep_skill[owner[lead]] * collateral_effect * awareness_effect
        p = min(max(p, 0.0), 1.0)
        closed[n] = lead
        p_win[n] = p
        won[n] = u_win[lead] < p
        stage[lead] = won_code if won[n] else lost_code
        closed_day[lead] = day
        n += 1
    return closed[:n], won[:n], p_win[:n]


@numba.njit(cache=True)
def open_deals(
    opportunities: np.ndarray, stage: np.ndarray, owner: np.ndarray, open_code: int, reps: int
) -> tuple[np.ndarray, np.ndarray]:
    """The open deals among `opportunities`, and how many each rep owns."""
    deals = np.empty(len(opportunities), np.int64)
    per_rep = np.zeros(reps, np.int64)
    n = 0
    for i in range(len(opportunities)):
        lead = opportunities[i]
        if stage[lead] == open_code:
            deals[n] = lead
            per_rep[owner[lead]] += 1
            n += 1
    return deals[:n], per_rep


@numba.njit(cache=True)
def progress_deals(deals: np.ndarray, owner: np.ndarray, progress: np.ndarray, share: np.ndarray) -> None:
    """Move each deal on by the share of its rep's needed deal hours the rep could give today."""
    for i in range(len(deals)):
        progress[deals[i]] += share[owner[deals[i]]]


@numba.njit(cache=True)
def call_evidence(
    calls: np.ndarray,
    owner: np.ndarray,
    when: np.ndarray,
    outcomes: tuple,
    created_hour: np.ndarray,
    marketer: np.ndarray,
    expectation: float,
    reps: int,
    marketers: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """What today's calls on marketing's leads teach each side about the other (trust evidence).

    `outcomes` holds the per-call flags first, reached, qualified and marketing (from
    `attempt_calls`); `owner` is each call's rep. A reached MQL that qualifies is a success for
    marketing in its rep's eyes, one that does not a failure; a first call within `expectation`
    hours of the lead's creation is a success for sales in its marketer's eyes, a later one a
    failure. Returns those four counts (per rep, per marketer) and the number of first calls.
    """
    first, reached, qualified, marketing = outcomes
    rep_good = np.zeros(reps, np.int64)
    rep_bad = np.zeros(reps, np.int64)
    marketer_good = np.zeros(marketers, np.int64)
    marketer_bad = np.zeros(marketers, np.int64)
    n_first = 0
    for i in range(len(calls)):
        if not marketing[i]:
            continue
        if reached[i]:
            if qualified[i]:
                rep_good[owner[i]] += 1
            else:
                rep_bad[owner[i]] += 1
        if first[i]:
            n_first += 1
            by = marketer[calls[i]]
            if by >= 0:
                if when[i] - created_hour[calls[i]] <= expectation:
                    marketer_good[by] += 1
                else:
                    marketer_bad[by] += 1
    return rep_good, rep_bad, marketer_good, marketer_bad, n_first


@numba.njit(cache=True)
def expire_queue(
    queue: np.ndarray,
    leads: tuple,
    day: int,
    shelf_life_days: int,
    codes: tuple,
    marketers: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Take leads nobody called within the shelf life out of the queue, as leaked.

    `leads` holds the columns attempts, routed_day, source, marketer and stage (written in
    place); `codes` the stage LEAKED and the source MARKETING. Returns the queue left, the
    leaked marketing leads, and how many of those each marketer generated
    (see `follow_up.expire_leads`).
    """
    attempts, routed_day, source, marketer, stage = leads
    leaked_code, inbound_code = codes
    kept = np.empty(len(queue), np.int64)
    leaked = np.empty(len(queue), np.int64)
    by_marketer = np.zeros(marketers, np.int64)
    n_kept = 0
    n_leaked = 0
    for i in range(len(queue)):
        lead = queue[i]
        if not (attempts[lead] == 0 and day - routed_day[lead] >= shelf_life_days):
            kept[n_kept] = lead
            n_kept += 1
            continue
        stage[lead] = leaked_code
        if source[lead] == inbound_code:
            leaked[n_leaked] = lead
            n_leaked += 1
            if marketer[lead] >= 0:
                by_marketer[marketer[lead]] += 1
    return kept[:n_kept], leaked[:n_leaked], by_marketer


@numba.njit(cache=True)
def pairwise_sum(values: np.ndarray) -> float:
    """`np.sum` of a 1-D float array, bit for bit: numpy's pairwise summation, from 0.0.

    numpy sums blocks of up to 128 with 8 running sums and splits longer runs in halves (a
    multiple of 8 first), adding the halves' sums; the halves are walked here with an explicit
    stack, since a recursive function cannot be loaded from numba's on-disk cache.
    """
    n = len(values)
    if n <= 128:
        return 0.0 + _block_sum(values, 0, n)
    depth = 0
    lo = np.zeros(64, np.int64)
    size = np.full(64, n, np.int64)
    state = np.zeros(64, np.int64)  # 0: not started, 1: left half summed, 2: both summed
    left = np.zeros(64)
    value = 0.0
    while depth >= 0:
        if size[depth] <= 128:
            value = _block_sum(values, lo[depth], size[depth])
            depth -= 1
            continue
        half = size[depth] // 2
        half -= half % 8
        if state[depth] == 0:
            state[depth] = 1
            lo[depth + 1], size[depth + 1], state[depth + 1] = lo[depth], half, 0
            depth += 1
        elif state[depth] == 1:
            left[depth] = value
            state[depth] = 2
            lo[depth + 1], size[depth + 1], state[depth + 1] = lo[depth] + half, size[depth] - half, 0
            depth += 1
        else:
            value = left[depth] + value
            depth -= 1
    return 0.0 + value


@numba.njit(cache=True)
def _block_sum(a: np.ndarray, lo: int, n: int) -> float:
    """The pairwise_sum of numpy over a[lo:lo + n] for n <= 128: 8 running sums from 8 elements on."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r = a[lo : lo + 8].copy()
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[lo + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@numba.njit(cache=True)
def gathered_sum(values: np.ndarray, rows: np.ndarray) -> float:
    """`values[rows].sum()`, bit for bit."""
    picked = np.empty(len(rows))
    for i in range(len(rows)):
        picked[i] = values[rows[i]]
    return pairwise_sum(picked)


@numba.njit(cache=True)
def specialist_mean(trust: np.ndarray, is_hybrid: np.ndarray) -> float:
    """`trust[~is_hybrid].mean()`, bit for bit; 1.0 for a side of hybrids only (`trust.side_trust`)."""
    picked = np.empty(len(trust))
    n = 0
    for i in range(len(trust)):
        if not is_hybrid[i]:
            picked[n] = trust[i]
            n += 1
    if n == 0:
        return 1.0
    return pairwise_sum(picked[:n]) / n


@numba.njit(cache=True)
def fold_evidence(
    team: tuple,
    good: np.ndarray,
    bad: np.ndarray,
    inflow: tuple,
    memory: float,
    blame: tuple,
    shared_per_day: float,
    prior_events: float,
) -> None:
    """One day's trust update of one side, in place (`trust._update`).

    `team` holds ego, present, is_hybrid, trust_baseline, good_events, bad_events and trust;
    `inflow` the spin-up's good and bad inflow sums; `blame` blame_ego_weight and
    1 - senior_support; `shared_per_day` the meetings' good events of a person present.
    """
    ego, present, is_hybrid, baseline, good_events, bad_events, trust = team
    good_inflow, bad_inflow = inflow
    ego_weight, unsupported = blame
    for i in range(len(ego)):
        blamed = 1 + ego[i] / EGO_REFERENCE * ego_weight * unsupported
        shared = shared_per_day * present[i]
        good_inflow[i] += good[i] + shared
        bad_inflow[i] += blamed * bad[i]
        good_events[i] = memory * good_events[i] + good[i] + shared
        bad_events[i] = memory * bad_events[i] + blamed * bad[i]
        evidence = good_events[i] + bad_events[i] + prior_events
        trust[i] = 1.0 if is_hybrid[i] else (good_events[i] + prior_events * baseline[i]) / evidence


@numba.njit(cache=True)
def spend_hours(hours: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, bool, float]:
    """`hours.spend`: hours left (new array, never below 0), whether anyone overworked, and by how much."""
    left = hours - cost
    over = np.empty(len(left))
    n = 0
    for i in range(len(left)):
        if left[i] < -1e-9:
            over[n] = left[i]
            n += 1
    return np.maximum(left, 0.0), n > 0, -pairwise_sum(over[:n])


@numba.njit(cache=True)
def work_deals(
    opportunities: np.ndarray,
    leads: tuple,
    rep_hours: np.ndarray,
    hours_per_deal: float,
    open_code: int,
) -> tuple[np.ndarray, np.ndarray, float, bool, float]:
    """Reps give their open deals the hours they can today; each deal moves on by its rep's share.

    `leads` holds the columns stage, owner and progress_days (the last written in place).
    Returns the open deals, the reps' hours left, the hours worked and the overwork (as
    `spend_hours`); see `deals.work_opportunities`.
    """
    stage, owner, progress = leads
    deals, per_rep = open_deals(opportunities, stage, owner, open_code, len(rep_hours))
    need = per_rep * hours_per_deal
    worked = np.minimum(need, rep_hours)
    left, overworked, overwork = spend_hours(rep_hours, worked)
    share = np.ones(len(need))
    for r in range(len(need)):
        if need[r] > 0:
            share[r] = worked[r] / need[r]
    progress_deals(deals, owner, progress, share)
    return deals, left, pairwise_sum(worked), overworked, overwork


@numba.njit(cache=True)
def rows_equal(rows: np.ndarray, column: np.ndarray, value: int) -> np.ndarray:
    """The rows whose entry in `column` equals `value`, in their order."""
    out = np.empty(len(rows), np.int64)
    n = 0
    for i in range(len(rows)):
        if column[rows[i]] == value:
            out[n] = rows[i]
            n += 1
    return out[:n]


@numba.njit(cache=True)
def waiting_requests(
    opportunities: np.ndarray, collateral: np.ndarray, request_day: np.ndarray, requested: int
) -> np.ndarray:
    """Deals waiting for marketing's asset, oldest request first (a stable sort by request day)."""
    waiting = rows_equal(opportunities, collateral, requested)
    return waiting[np.argsort(request_day[waiting], kind="mergesort")]


@numba.njit(cache=True)
def support_capacity(team: tuple, gains: tuple) -> np.ndarray:
    """Hours each marketer gives to requests today: free hours times its clipped support share.

    `team` holds hours, trust, ego and is_hybrid (hybrids serve nobody: they build their own);
    `gains` the support share times collaboration, the pay factor, trust_patience_gain and
    ego_impatience_gain (goodwill as in `trust.goodwill`).
    """
    hours, trust, ego, is_hybrid = team
    base, pay, patience_gain, impatience_gain = gains
    capacity = np.empty(len(hours))
    for i in range(len(hours)):
        trust_term = 1 + patience_gain * (trust[i] - 0.5)
        goodwill = trust_term / (1 + impatience_gain * (ego[i] / EGO_REFERENCE - 1))
        share = min(max(base * (goodwill * pay), 0.0), 1.0)
        capacity[i] = 0.0 if is_hybrid[i] else hours[i] * share
    return capacity


@numba.njit(cache=True)
def renew(
    due: np.ndarray, p_churn: np.ndarray, base: tuple, cycle_days: int, day: int
) -> tuple[int, int, float]:
    """Each due customer churns on its renewal's uniform or renews for another cycle, in place.

    `base` holds the columns u_renew, value, renewals, renewal_day and churned_day. Renewal k
    uses `randomness.attempt_uniform(u_renew, k)`. Returns the renewals, the churned and the
    recurring revenue (see `customers.renew_contracts`).
    """
    u_renew, value, renewals, renewal_day, churned_day = base
    paid = np.empty(len(due))
    n_stay = 0
    for i in range(len(due)):
        c = due[i]
        if _attempt_uniform(u_renew[c], renewals[c] + 1) < p_churn[i]:
            churned_day[c] = day
            continue
        renewals[c] += 1
        renewal_day[c] += cycle_days
        paid[n_stay] = value[c]
        n_stay += 1
    return n_stay, len(due) - n_stay, pairwise_sum(paid[:n_stay])


@numba.njit(cache=True)
def amounts_by_part(source: np.ndarray, values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per part (source in `codes`): how many elements, or the sum of their `values` if given.

    Sums are numpy's (`pairwise_sum` over each part's values in order), so totals are bit-identical.
    """
    out = np.zeros(len(codes))
    picked = np.empty(len(source))
    for p in range(len(codes)):
        n = 0
        for i in range(len(source)):
            if source[i] == codes[p]:
                if len(values):
                    picked[n] = values[i]
                n += 1
        out[p] = pairwise_sum(picked[:n]) if len(values) else n
    return out
