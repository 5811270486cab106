"""Trust: each person's reputation of the other function, built from the events they live through.

Beta reputation with forgetting (Jøsang and Ismail 2002): every person keeps discounted counts of
good and bad experiences of the other side, and their trust is the posterior mean under a prior of
`trust_prior_events` pseudo-events at their starting trust. Evidence fades with a memory of
`trust_memory_days`, so trust reverts towards its baseline when nothing happens, and in steady
conditions it settles where good and bad events balance; it cannot drift to 0 merely because
events pile up. Events are personal: a rep learns from the leads and requests they handled, a
marketer from what became of the leads they generated. Normal outcomes are not failures: a rep
rejecting a lead that is poor by any standard teaches marketing nothing about sales.

Senior support damps blame: Le Meunier-FitzHugh, Massey and Piercy (2011) find it strongly reduces
conflict, while aligned rewards raise collaboration without reducing conflict, so shared goals act
on collaboration (see `SalesMarketingModel.collaboration`), not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import kernels
from sim.model.agents import EGO_REFERENCE, TeamArrays
from sim.model.params import Market

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel


def start_day(model: SalesMarketingModel) -> None:
    """Nothing experienced yet today: each person's event tallies start at zero."""
    model.rep_successes = np.zeros(model.reps.size)
    model.rep_failures = np.zeros(model.reps.size)
    model.marketing_successes = np.zeros(model.marketers.size)
    model.marketing_failures = np.zeros(model.marketers.size)


def update_trust(model: SalesMarketingModel) -> None:
    """Fold today's events into each person's evidence and recompute their trust."""
    if model.p.mechanisms.trust:
        _update(model, "reps", model.rep_successes, model.rep_failures)
        _update(model, "marketers", model.marketing_successes, model.marketing_failures)
    start_day(model)


def _update(model: SalesMarketingModel, side: str, good: np.ndarray, bad: np.ndarray) -> None:
    """Blame-weighted evidence with forgetting, and the trust it gives (compiled: `kernels.fold_evidence`).

    good_events = memory * good_events + good + shared, bad_events = memory * bad_events + blame *
    bad, with blame = 1 + ego / EGO_REFERENCE * blame_ego_weight * (1 - senior_support) and
    shared the meetings' good events of a person present; trust is then their `reputation`.
    """
    mk, lv = model.p.market, model.p.levers
    team = getattr(model, side)
    inflow = model.pressures[side]  # read by the spin-up's steady-state jumps
    kernels.fold_evidence(
        (
            team.ego,
            team.present,
            team.is_hybrid,
            team.trust_baseline,
            team.good_events,
            team.bad_events,
            team.trust,
        ),
        good,
        bad,
        (inflow[0], inflow[1]),
        np.exp(-1 / mk.trust_memory_days),
        (mk.blame_ego_weight, 1 - lv.senior_support),
        mk.meeting_trust_events_per_day * model.meeting_benefit,
        mk.trust_prior_events,
    )
    inflow[2] += 1


def reputation(team: TeamArrays, prior_events: float) -> np.ndarray:
    """Posterior mean trust: evidence plus `prior_events` pseudo-events at the baseline."""
    evidence = team.good_events + team.bad_events + prior_events
    return (team.good_events + prior_events * team.trust_baseline) / evidence


def rotation_events(model: SalesMarketingModel, team: TeamArrays, rotating: np.ndarray) -> None:
    """A day in the other function is lived as good experience of it (understanding its work)."""
    if model.p.mechanisms.trust:
        team.good_events = team.good_events + model.p.market.rotation_trust_events_per_day * rotating


def side_trust(team: TeamArrays) -> float:
    """A side's mean trust in the other; a side of hybrids only trusts fully (no other side)."""
    return kernels.specialist_mean(team.trust, team.is_hybrid)


def goodwill(team: TeamArrays, mk: Market) -> np.ndarray:
    """Each person's willingness to wait on, or serve, the other side: 1 at trust 0.5, average ego.

    Trusting people wait longer for the other side's work and give it more of their time; egoists
    less (Mayer, Davis and Schoorman 1995: trust is the willingness to be vulnerable to another).
    """
    trust_term = 1 + mk.trust_patience_gain * (team.trust - 0.5)
    ego_term = 1 + mk.ego_impatience_gain * (team.ego / EGO_REFERENCE - 1)
    return trust_term / ego_term
