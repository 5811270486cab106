"""The sales-marketing model: one step is one working day.

Reps and marketers are Mesa agents whose state lives in team arrays; leads and deals are rows of
a `LeadTable`. Each day's decisions are taken for all people at once with numpy, which keeps a
two-year run of a 26-person company well under a second.

This module holds the state and the day's order; each mechanism lives in a module of its own
(hours, deals, customers, collateral, marketing, demand, routing, follow_up, feedback, trust, and
interventions with their cost) as functions of the model, so that a mechanism can be read, and
changed, in one place; `recording` keeps the daily record they count into.

Randomness: every random number comes from counter-based Philox streams keyed by the run's seed,
one stream per purpose and per day (arrivals, deal values, prospects, behaviour). Lead i of day d
gets the same uniforms in every scenario, so common random numbers line up across scenarios.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import mesa
import numpy as np

from sim.model import (
    customers,
    deals,
    demand,
    feedback,
    follow_up,
    hours,
    interventions,
    marketing,
    metrics,
    recording,
    routing,
    spinup,
    trust,
)
from sim.model.agents import HybridStaff, Marketer, SalesRep, build_team
from sim.model.arrays import stock_step
from sim.model.customers import CustomerTable
from sim.model.deals import REFERENCE_QUALITY
from sim.model.demand import WORKING_DAYS_PER_YEAR
from sim.model.feedback import NEUTRAL_AWARENESS
from sim.model.leads import LeadTable
from sim.model.params import PAY_BASIS_REVENUE_WEIGHT, Intervention, Params
from sim.model.randomness import STREAM_BEHAVIOUR, STREAM_POPULATION, Streams

__all__ = ["NEUTRAL_AWARENESS", "REFERENCE_QUALITY", "WORKING_DAYS_PER_YEAR", "SalesMarketingModel"]


class SalesMarketingModel(mesa.Model):
    """Sales and marketing teams handling leads, deals and each other, one working day a step.

    Args:
        params: All parameters (market uncertainties, levers, mechanism switches).
        seed: Root seed; None draws one from the operating system and records it in `seed`.
        interventions: Lever values that change from a given day, with what the change costs.
    """

    def __init__(
        self,
        params: Params | None = None,
        seed: int | None = None,
        interventions: Sequence[Intervention] = (),
    ) -> None:
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        super().__init__(rng=seed)
        self.seed = seed
        self.shifts: dict[str, tuple] = {}  # each side's day without rotation, for these params
        self.p = params or Params()
        self.interventions = sorted(interventions, key=lambda i: i.day)
        self.stream = Streams(seed).generator  # stream(purpose, day) -> that day's generator
        self.day = 0
        self.leads = LeadTable()
        self.queue_idx = np.empty(0, dtype=np.int64)  # leads in Stage.QUEUED
        self.opp_idx = np.empty(0, dtype=np.int64)  # leads in Stage.SQL or OPPORTUNITY
        self.customers = CustomerTable()
        self.customer_idx = np.empty(0, dtype=np.int64)  # customers not churned
        population = self.stream(STREAM_POPULATION, 0)
        self.reps = build_team(self.p, population, "reps")
        self.marketers = build_team(self.p, population, "marketers")
        self._create_agents()
        mk = self.p.market
        # Switched off, awareness sits at its neutral level: no effect on inquiries or wins.
        self.awareness = mk.awareness_initial if self.p.mechanisms.awareness else NEUTRAL_AWARENESS
        self.knowledge = mk.knowledge_initial
        self.content_freshness = 1.0
        self.brand_consistency = 1.0
        self.menial_backlog_hours = 0.0
        self.request_carry_hours = 0.0
        self.campaign_hours = 0.0
        self.daily: dict[str, list[float]] = {name: [] for name in metrics.DAILY_FIELDS}
        self.burn_in_leads = 0  # leads created before day 0 (the burn-in's)
        trust.start_day(self)
        spinup.reset_pressures(self)
        spinup.burn_in(self)

    def _create_agents(self) -> None:
        n_rep_specialists = int((~self.reps.is_hybrid).sum())
        n_mkt_specialists = int((~self.marketers.is_hybrid).sum())
        for i in range(n_rep_specialists):
            SalesRep(self, i)
        for j in range(n_mkt_specialists):
            Marketer(self, j)
        for k in range(self.reps.size - n_rep_specialists):
            HybridStaff(self, n_rep_specialists + k, n_mkt_specialists + k)

    def grow(self, stock: str, pressure: float, decay: float) -> None:
        """One day of a slow stock (awareness, knowledge, content freshness) under a pressure."""
        spinup.feel(self, stock, pressure, decay)
        setattr(self, stock, stock_step(getattr(self, stock), pressure, decay))

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """One recorded working day (Mesa's step); the burn-in runs the same day unrecorded."""
        self.simulate_day()

    def simulate_day(self) -> None:
        """One working day: the mechanisms in the order the day's hours are used."""
        recording.start_day(self)
        self.behaviour = self.stream(STREAM_BEHAVIOUR, self.day)
        interventions.apply_interventions(self)
        hours.plan_hours(self)
        interventions.lose_hours_to_change(self)
        deals.open_opportunities(self)
        deals.work_opportunities(self)
        customers.renew_contracts(self)
        marketing.work_marketing(self)
        demand.generate_demand(self)
        routing.route_leads(self)
        follow_up.work_leads(self)
        follow_up.prospect(self)
        follow_up.expire_leads(self)
        feedback.share_feedback(self)
        trust.update_trust(self)
        feedback.update_brand(self)
        recording.record_day(self)
        self.day += 1

    def run(self, days: int) -> SalesMarketingModel:
        """Step `days` working days; returns self for chaining."""
        if days > 0:
            self.run_for(days)  # Mesa's clock: one step per time unit
        return self

    # ------------------------------------------------------------------ helpers
    @property
    def hours_per_day(self) -> float:
        """Working hours in a day: the unit of the lead clock."""
        return self.p.market.working_hours_per_day

    @property
    def day_start(self) -> float:
        """Lead-clock hour at which today starts."""
        return self.day * self.hours_per_day

    @property
    def day_end(self) -> float:
        """Lead-clock hour at which today ends."""
        return (self.day + 1) * self.hours_per_day

    DERIVED = (
        "pay_weight",
        "meeting_benefit",
        "mql_threshold",
        "collaboration",
    )  # cached functions of p alone

    @property
    def p(self) -> Params:
        """All parameters; assigning new ones forgets every value derived from the old ones."""
        return self._p

    @p.setter
    def p(self, params: Params) -> None:
        self._p = params
        for name in self.DERIVED:
            self.__dict__.pop(name, None)
        self.shifts.clear()

    @functools.cached_property
    def pay_weight(self) -> float:
        """0 when marketing is paid on MQL volume, 1 on closed revenue (0.5 when switched off)."""
        if not self.p.mechanisms.marketing_pay:
            return 0.5
        return PAY_BASIS_REVENUE_WEIGHT[self.p.levers.marketing_pay_basis]

    @functools.cached_property
    def meeting_benefit(self) -> float:
        """Saturating benefit of meetings and co-location, in units of saturated meetings."""
        lv = self.p.levers
        if not self.p.mechanisms.meetings:
            return 0.0
        meetings = 1 - np.exp(-lv.meeting_hours_per_week / lv.meeting_saturation_hours)
        return float(meetings + lv.colocation_gain * lv.colocation)

    @functools.cached_property
    def collaboration(self) -> float:
        """How much more the sides share (feedback, support) under shared goals and senior support."""
        lv, mk = self.p.levers, self.p.market
        if not self.p.mechanisms.trust:
            return 1.0
        goals = mk.collaboration_gain_shared_goals * lv.shared_goals
        return 1.0 + goals + mk.collaboration_gain_senior_support * lv.senior_support

    @functools.cached_property
    def mql_threshold(self) -> float:
        """Score an inquiry needs to be handed over as an MQL (moved by marketing's pay)."""
        return demand.mql_threshold(self.p.levers, self.pay_weight)

    @property
    def content_quality(self) -> float:
        """Quality of marketing's collateral: field knowledge makes it fit the deals."""
        floor = self.p.market.content_quality_floor
        return floor + (1 - floor) * self.knowledge

    @property
    def library_fit(self) -> float:
        """Chance a rep finds a fitting asset in the library: fresh and well-informed content."""
        floor = self.p.market.library_fit_floor
        return self.content_freshness * (floor + (1 - floor) * self.knowledge)

    # ------------------------------------------------------------------ outputs
    def timeseries(self, period: str = "day"):
        """The tidy table of DESIGN.md section 3, one row per period (day, week, month, quarter)."""
        return metrics.timeseries(self.daily, self.leads, self.hours_per_day, period)

    def summary(self) -> dict[str, float]:
        """Totals and rates over the whole horizon."""
        return metrics.summary(self.daily, self.leads)
