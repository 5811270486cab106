"""Sales reps, marketers and hybrid staff: Mesa agents whose state lives in team arrays.

Each agent is a Mesa agent with an identity, but its traits and daily state are columns of the
model's `TeamArrays` so that the model can take each day's decisions for all reps (or all
marketers) in a few vectorised operations. An agent object reads its own row.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.model.params import Params

EGO_REFERENCE = 0.5  # ego at which blame, neglect and impatience take their nominal values


@dataclass
class TeamArrays:
    """One row per person on one side (reps or marketers); hybrids have a row on both sides."""

    skill: np.ndarray  # closing skill (reps) or lead-generation skill (marketers), mean 1
    ego: np.ndarray
    trust: np.ndarray  # in the other function
    trust_baseline: np.ndarray  # trust with no evidence either way (the prior's mean)
    good_events: np.ndarray  # discounted count of good experiences of the other side
    bad_events: np.ndarray  # discounted, blame-weighted count of bad ones
    latency_hours: np.ndarray  # reps only: reaction time to a routed lead
    hours_share: np.ndarray  # share of the working day spent on this side
    is_hybrid: np.ndarray  # bool
    hours: np.ndarray  # hours left today (state)
    debt: np.ndarray  # hours still owed to work already started (reps' own collateral)
    present: np.ndarray  # at work today in this function (not away on rotation)

    @property
    def size(self) -> int:
        """Number of people on this side."""
        return len(self.skill)


def build_team(p: Params, rng: np.random.Generator, side: str) -> TeamArrays:
    """Draw the people of one side; the same seed gives the same people in every scenario."""
    lv, mk = p.levers, p.market
    hybrids = lv.n_hybrid if p.mechanisms.hybrid_roles else 0
    if side == "reps":
        n = lv.n_reps + (0 if p.mechanisms.hybrid_roles else lv.n_hybrid)
        share, trust0, ego_mean = (
            1 - lv.hybrid_marketing_share,
            lv.trust_sales_in_marketing_initial,
            lv.rep_ego_mean,
        )
    else:
        n = lv.n_marketers
        share, trust0, ego_mean = (
            lv.hybrid_marketing_share,
            lv.trust_marketing_in_sales_initial,
            lv.marketer_ego_mean,
        )
    total = n + hybrids
    # Fixed-size draws per person, so adding a lever does not reshuffle the population.
    u = rng.random((total, 3))
    skill = np.clip(1 + mk.skill_sd * _normal(u[:, 0]), 0.1, None)
    ego = ego_mean * 2 * u[:, 1]  # uniform on [0, 2 * mean]
    sd = mk.rep_latency_log_sd
    latency = lv.rep_response_latency_hours * np.exp(sd * _normal(u[:, 2]) - sd**2 / 2)  # mean kept
    is_hybrid = np.arange(total) >= n
    skill = np.where(is_hybrid, skill * lv.hybrid_depth_factor, skill)
    return TeamArrays(
        skill=skill,
        ego=np.where(is_hybrid, 0.0, ego),
        trust=np.where(is_hybrid, 1.0, trust0),
        trust_baseline=np.where(is_hybrid, 1.0, trust0),
        good_events=np.zeros(total),
        bad_events=np.zeros(total),
        latency_hours=np.where(is_hybrid, 0.0, latency),
        hours_share=np.where(is_hybrid, share, 1.0),
        is_hybrid=is_hybrid,
        hours=np.zeros(total),
        debt=np.zeros(total),
        present=np.ones(total, dtype=bool),
    )


def _normal(u: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    return ndtri(np.clip(u, 1e-12, 1 - 1e-12))


class _TeamMember(mesa.Agent):
    """A person whose state is row `index` of one of the model's team arrays."""

    side = ""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _row(self) -> TeamArrays:
        return getattr(self.model, self.side)

    @property
    def trust(self) -> float:
        return float(self._row.trust[self.index])

    @property
    def ego(self) -> float:
        return float(self._row.ego[self.index])

    @property
    def skill(self) -> float:
        return float(self._row.skill[self.index])


class SalesRep(_TeamMember):
    """Follows up leads, self-sources prospects, works and closes deals."""

    side = "reps"

    def queue(self) -> np.ndarray:
        """Indices of the leads waiting in this rep's queue."""
        leads = self.model.leads
        q = self.model.queue_idx
        return q[leads.owner[q] == self.index]

    def open_deals(self) -> np.ndarray:
        """Indices of this rep's open opportunities."""
        o = self.model.opp_idx
        return o[self.model.leads.owner[o] == self.index]


class Marketer(_TeamMember):
    """Generates demand, scores and hands over leads, builds collateral, answers requests."""

    side = "marketers"


class HybridStaff(mesa.Agent):
    """One person doing both jobs: a row on the rep side and one on the marketer side."""

    def __init__(self, model: mesa.Model, rep_index: int, marketer_index: int) -> None:
        super().__init__(model)
        self.rep_index = rep_index
        self.marketer_index = marketer_index
