"""The sales-marketing model: one step is one working day.

Reps and marketers are Mesa agents whose state lives in team arrays; leads and deals are rows of
a `LeadTable`. Each day's decisions are taken for all people at once with numpy, which keeps a
two-year run of a 26-person company well under a second.

Randomness: every random number comes from counter-based Philox streams keyed by the run's seed,
one stream per purpose and per day (arrivals, deal values, prospects, behaviour). Lead i of day d
gets the same uniforms in every scenario, so common random numbers line up across scenarios.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import mesa
import numpy as np
from scipy.special import betaincinv, gammaincinv, gammaln, ndtri

from sim.model import metrics
from sim.model.agents import EGO_REFERENCE, HybridStaff, Marketer, SalesRep, build_team
from sim.model.leads import Collateral, LeadTable, Source, Stage
from sim.model.params import PAY_BASIS_REVENUE_WEIGHT, Intervention, Params

WORKING_DAYS_PER_YEAR = 250
REFERENCE_BUDGET_SHARE = 0.08  # budget share at which awareness gains at its nominal rate
MIN_ROUTING_INTERVAL_HOURS = 1e-3  # shorter batch intervals (under 4 seconds) are real time
NEUTRAL_AWARENESS = 0.5  # awareness at which inquiries and win chances are not adjusted
REFERENCE_QUALITY = 0.7  # collateral quality at which the win chance is not adjusted
COLLATERAL_TOUCH_WEIGHT = 5.0  # an asset is seen by a whole buying group: it counts as 5 touches
BRAND_SMOOTHING = 0.05  # daily weight of today's touches in brand consistency (~20-day memory)

STREAM_ARRIVALS, STREAM_DEALS, STREAM_PROSPECTS, STREAM_BEHAVIOUR, STREAM_POPULATION = range(5)
ARRIVAL_UNIFORMS = 13  # per inquiry: fixed, so lead i of a day is the same lead in every scenario


class SalesMarketingModel(mesa.Model):
    """Sales and marketing teams handling leads, deals and each other, one working day a step.

    Args:
        params: All parameters (market uncertainties, levers, mechanism switches).
        seed: Root seed; None draws one from the operating system and records it in `seed`.
        interventions: Lever values that change from a given day.
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
        self._shifts: dict[str, tuple] = {}  # each side's day without rotation, for these params
        self.p = params or Params()
        self.interventions = sorted(interventions, key=lambda i: i.day)
        self._key = np.random.SeedSequence(seed).generate_state(2, dtype=np.uint64)
        self._generators: dict[int, np.random.Generator] = {}
        self.day = 0
        self.leads = LeadTable()
        self.queue_idx = np.empty(0, dtype=np.int64)  # leads in Stage.QUEUED
        self.opp_idx = np.empty(0, dtype=np.int64)  # leads in Stage.SQL or OPPORTUNITY
        population = self._stream(STREAM_POPULATION, 0)
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
        self._reset_experiences()

    def _create_agents(self) -> None:
        n_rep_specialists = int((~self.reps.is_hybrid).sum())
        n_mkt_specialists = int((~self.marketers.is_hybrid).sum())
        for i in range(n_rep_specialists):
            SalesRep(self, i)
        for j in range(n_mkt_specialists):
            Marketer(self, j)
        for k in range(self.reps.size - n_rep_specialists):
            HybridStaff(self, n_rep_specialists + k, n_mkt_specialists + k)

    def _stream(self, stream: int, day: int) -> np.random.Generator:
        """The generator of one purpose on one day (counter-based: cheap, independent).

        Each purpose keeps one generator whose Philox counter is reset to (stream, day): the
        same numbers as a new `Philox(counter=[0, 0, stream, day], key=...)`, for a fifth of
        the cost of building one. A purpose's generator of the previous day is thereby spent.
        """
        if stream not in self._generators:
            self._generators[stream] = np.random.Generator(np.random.Philox(key=self._key))
        generator = self._generators[stream]
        generator.bit_generator.state = {
            "bit_generator": "Philox",
            "state": {"counter": np.array([0, 0, stream, day], dtype=np.uint64), "key": self._key},
            "buffer": np.zeros(4, dtype=np.uint64),
            "buffer_pos": 4,  # empty: the next draw starts at the counter, as in a new Philox
            "has_uint32": 0,
            "uinteger": 0,
        }
        return generator

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """One working day."""
        self.today = dict.fromkeys(metrics.DAILY_FIELDS, 0.0)
        self.behaviour = self._stream(STREAM_BEHAVIOUR, self.day)
        self.apply_interventions()
        self.plan_hours()
        self.open_opportunities()
        self.work_opportunities()
        self.work_marketing()
        self.generate_demand()
        self.route_leads()
        self.work_leads()
        self.prospect()
        self.expire_leads()
        self.share_feedback()
        self.update_trust()
        self.update_brand()
        self.record_day()
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

    DERIVED = ("pay_weight", "meeting_benefit", "mql_threshold")  # cached functions of p alone

    @property
    def p(self) -> Params:
        """All parameters; assigning new ones forgets every value derived from the old ones."""
        return self._p

    @p.setter
    def p(self, params: Params) -> None:
        self._p = params
        for name in self.DERIVED:
            self.__dict__.pop(name, None)
        self._shifts.clear()

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

    @property
    def content_quality(self) -> float:
        """Quality of marketing's collateral: field knowledge makes it fit the deals."""
        return 0.5 + 0.5 * self.knowledge

    @property
    def library_fit(self) -> float:
        """Chance a rep finds a fitting asset in the library: fresh and well-informed content."""
        return self.content_freshness * (0.3 + 0.7 * self.knowledge)

    def _spend(self, team, hours: np.ndarray) -> None:
        """Take hours from people; anything beyond what they had is recorded as overwork."""
        left = team.hours - hours
        if len(left) and left.min() < -1e-9:
            self.count("overwork_hours", -left[left < -1e-9].sum())
        team.hours = np.maximum(left, 0.0)

    def _count_cohort(self, name: str, days: np.ndarray) -> None:
        """Add one per element to flow `name` on the given (past or current) days."""
        if len(days) == 0:
            return
        counts = np.bincount(self.day - days)  # by age: most are today's or a few days old
        for age in np.flatnonzero(counts).tolist():
            if age == 0:
                self.today[name] += int(counts[age])
            else:
                self.daily[name][self.day - age] += int(counts[age])

    def count(self, name: str, value: float) -> None:
        """Add to one of today's recorded flows."""
        self.today[name] += value

    # ------------------------------------------------------------------ interventions
    def apply_interventions(self) -> None:
        """Change lever values whose intervention day has come."""
        for intervention in self.interventions:
            if intervention.day == self.day:
                self.p = self.p.with_values(intervention.values)

    # ------------------------------------------------------------------ hours
    def plan_hours(self) -> None:
        """Give everyone today's hours, less joint meetings and job rotation."""
        for team, name in ((self.reps, "rep"), (self.marketers, "marketing")):
            self._plan_side(team, name)

    def _plan_side(self, team, name: str) -> None:
        lv, mech = self.p.levers, self.p.mechanisms
        draws = self.behaviour.random(team.size)  # drawn always: the stream stays aligned
        if mech.rotation and lv.rotation_share > 0:
            rotating = (draws < lv.rotation_share) & ~team.is_hybrid
            self._learn_from_rotation(team, rotating, name)
            shift = self._shift(team, name, rotating)
        else:  # nobody rotates: the same shift every day until the parameters change
            if name not in self._shifts:
                shift = self._shift(team, name, np.zeros(team.size, dtype=bool))
                for array in shift[:2]:  # shared by every day: an in-place write would leak into the next
                    array.flags.writeable = False
                self._shifts[name] = shift
            shift = self._shifts[name]
        team.present, team.hours, capacity, meeting, rotation_days = shift
        if team.debt.any():
            paid = np.minimum(team.debt, team.hours)  # finish work already started first
            team.hours = team.hours - paid
            team.debt = team.debt - paid
        self.count(f"{name}_hours", capacity)
        self.count("meeting_hours", meeting)
        self.count("rotation_days", rotation_days)

    def _shift(self, team, name: str, rotating: np.ndarray) -> tuple:
        """Who is present, their hours for the day's work, and the day's totals (hours, rotations)."""
        lv, mech = self.p.levers, self.p.mechanisms
        capacity = self.hours_per_day * team.hours_share
        admin = capacity * (self.p.market.rep_admin_share if name == "rep" else 0.0)
        meeting = lv.meeting_hours_per_week / 5 if mech.meetings else 0.0
        # A hybrid attends once, on its rep row; people away on rotation attend nothing.
        absent = rotating | (team.is_hybrid & (name == "marketing"))
        meeting = np.where(absent, 0.0, np.minimum(meeting, capacity - admin))
        hours = np.where(rotating, 0.0, capacity - admin - meeting)
        return ~rotating, hours, capacity.sum(), meeting.sum(), np.count_nonzero(rotating)

    def _learn_from_rotation(self, team, rotating: np.ndarray, name: str) -> None:
        """Time in the other function lowers ego and builds understanding (trust, knowledge)."""
        rate = self.p.levers.rotation_learning_per_day
        team.ego = np.where(rotating, team.ego * (1 - rate), team.ego)
        if self.p.mechanisms.trust:
            team.trust = np.where(rotating, team.trust + rate * (1 - team.trust), team.trust)
        if name == "marketing" and self.p.mechanisms.field_feedback and team.size:
            self.knowledge += rate * (1 - self.knowledge) * np.count_nonzero(rotating) / team.size

    # ------------------------------------------------------------------ deals
    def open_opportunities(self) -> None:
        """Yesterday's SQLs become open opportunities that need collateral."""
        leads = self.leads
        idx = self.opp_idx[leads.stage[self.opp_idx] == Stage.SQL]
        leads.stage[idx] = Stage.OPPORTUNITY
        if self.p.mechanisms.collateral:
            leads.collateral[idx] = Collateral.NEEDED
        else:
            leads.collateral[idx] = Collateral.MARKETING
            leads.quality[idx] = REFERENCE_QUALITY
        self.count("opportunities", len(idx))

    def work_opportunities(self) -> None:
        """Reps spend deal hours, find or make collateral, and close deals that are ready."""
        leads, reps = self.leads, self.reps
        idx = self.opp_idx[leads.stage[self.opp_idx] == Stage.OPPORTUNITY]
        owner = leads.owner[idx]
        need = np.bincount(owner, minlength=reps.size) * self.p.market.opportunity_hours_per_day
        worked = np.minimum(need, reps.hours)
        self._spend(reps, worked)
        self.count("selling_hours", worked.sum())
        ratio = np.divide(worked, need, out=np.ones_like(need), where=need > 0)
        leads.progress_days[idx] += ratio[owner]
        if self.p.mechanisms.collateral:
            self.search_library(idx)
            self.build_own_collateral(idx)
        self.close_deals(idx)
        self.opp_idx = self.opp_idx[leads.stage[self.opp_idx] <= Stage.OPPORTUNITY]

    def search_library(self, idx: np.ndarray) -> None:
        """New deals: look in marketing's library, else ask marketing (hybrids make their own)."""
        leads = self.leads
        new = idx[leads.collateral[idx] == Collateral.NEEDED]
        if len(new) == 0:
            return
        hybrid = self.reps.is_hybrid[leads.owner[new]]
        if hybrid.any():
            self._build_as_hybrid(new[hybrid])
            new = new[~hybrid]
        found = leads.u_library[new] < self.library_fit
        self._use_collateral(new[found], Collateral.MARKETING, self.content_quality)
        asked = new[~found]
        leads.collateral[asked] = Collateral.REQUESTED
        leads.request_day[asked] = self.day
        self.count("library_searches", len(new))
        self.count("library_hits", np.count_nonzero(found))
        self.count("requests_made", len(asked))

    def _build_as_hybrid(self, idx: np.ndarray) -> None:
        """A hybrid makes its own on-brand asset at once, if it has the hours (no hand-off)."""
        hours = self.p.levers.collateral_request_hours
        owner = self.leads.owner[idx]
        order = np.argsort(owner, kind="stable")
        idx, owner = idx[order], owner[order]
        can = rank_within(owner) < np.floor(self.reps.hours / hours + 1e-9).astype(np.int64)[owner]
        quality = self.content_quality * self.p.levers.hybrid_depth_factor
        self._use_collateral(idx[can], Collateral.MARKETING, quality)
        self._spend(self.reps, np.bincount(owner[can], minlength=self.reps.size) * hours)

    def build_own_collateral(self, idx: np.ndarray) -> None:
        """A rep whose patience ran out builds the asset alone: hours lost, off-brand."""
        leads, reps, lv = self.leads, self.reps, self.p.levers
        waiting = idx[leads.collateral[idx] == Collateral.REQUESTED]
        owner = leads.owner[waiting]
        patience = lv.rep_patience_days * (0.5 + reps.trust) / (0.5 + reps.ego / EGO_REFERENCE * 0.5)
        expired = self.day - leads.request_day[waiting] >= patience[owner]
        if not expired.any():
            return
        waiting, owner = waiting[expired], owner[expired]
        order = np.lexsort((leads.request_day[waiting], owner))
        waiting, owner = waiting[order], owner[order]
        build = (rank_within(owner) == 0) & (reps.debt[owner] < 1e-9)  # one asset at a time
        waiting, owner = waiting[build], owner[build]
        mk = self.p.market
        noise = mk.diy_quality_sd * ndtri(leads.u_diy[waiting])
        quality = clip_unit(self.content_quality * mk.diy_quality_ratio + noise)
        self._use_collateral(waiting, Collateral.DIY, quality)
        cost = np.bincount(owner, minlength=reps.size) * lv.diy_hours
        now = np.minimum(cost, reps.hours)  # the rest is owed from the next free hours
        self._spend(reps, now)
        reps.debt = reps.debt + cost - now
        built = cost > 0
        self.rep_failures += built
        self.count("diy_assets", len(waiting))
        self.count("diy_hours", len(waiting) * lv.diy_hours)

    def _use_collateral(self, idx: np.ndarray, kind: Collateral, quality) -> None:
        self.leads.collateral[idx] = kind
        self.leads.quality[idx] = quality
        name = "diy_assets_used" if kind == Collateral.DIY else "marketing_assets_used"
        self.count(name, len(idx))

    def close_deals(self, idx: np.ndarray) -> None:
        """Deals whose cycle is done and that have collateral are won or lost."""
        leads, mk = self.leads, self.p.market
        ready = (leads.progress_days[idx] >= leads.cycle_days[idx]) & (
            leads.collateral[idx] >= Collateral.MARKETING
        )
        if not ready.any():
            return
        idx = idx[ready]
        owner = leads.owner[idx]
        awareness_effect = 1 + mk.awareness_win_effect * (self.awareness - NEUTRAL_AWARENESS)
        collateral_effect = 1 + mk.collateral_win_effect * (leads.quality[idx] - REFERENCE_QUALITY)
        p_win = clip_unit(mk.base_win_rate * self.reps.skill[owner] * collateral_effect * awareness_effect)
        won = leads.u_win[idx] < p_win
        leads.stage[idx] = np.where(won, Stage.WON, Stage.LOST)
        leads.closed_day[idx] = self.day
        value = leads.value[idx[won]]
        marketing = leads.source[idx] == Source.MARKETING
        self.count("deals_won", np.count_nonzero(won))
        self.count("deals_lost", len(won) - np.count_nonzero(won))
        self.count("marketing_deals_won", np.count_nonzero(won & marketing))
        self.count("marketing_deals_lost", np.count_nonzero(~won & marketing))
        self.count("revenue", value.sum())
        self.count("marketing_revenue", leads.value[idx[won & marketing]].sum())

    # ------------------------------------------------------------------ marketing
    def work_marketing(self) -> None:
        """Marketers answer requests (real and menial), refresh content, run campaigns."""
        self.receive_menial_requests()
        self.serve_requests()
        self.refresh_content()
        team = self.marketers
        self.campaign_hours = float((team.hours * team.skill).sum())
        self.count("campaign_hours", team.hours.sum())
        team.hours = np.zeros(team.size)

    def receive_menial_requests(self) -> None:
        """Reps send formatting jobs; templates and self-service absorb a share of them."""
        lv = self.p.levers
        u = self.behaviour.random()  # drawn always: the stream stays aligned
        if not self.p.mechanisms.menial_requests:
            return
        specialists = self.reps.size - np.count_nonzero(self.reps.is_hybrid)
        rate = specialists * lv.menial_requests_per_rep_per_week / 5 * (1 - lv.self_service_templates)
        self.menial_backlog_hours += poisson_from_uniform(u, rate) * lv.menial_request_hours

    def serve_requests(self) -> None:
        """Split support hours between menial and real requests in proportion to their backlog."""
        leads, team, lv = self.leads, self.marketers, self.p.levers
        waiting = self.opp_idx[leads.collateral[self.opp_idx] == Collateral.REQUESTED]
        waiting = waiting[np.argsort(leads.request_day[waiting], kind="stable")]
        real_backlog = max(0.0, len(waiting) * lv.collateral_request_hours - self.request_carry_hours)
        backlog = real_backlog + self.menial_backlog_hours
        if backlog <= 0:  # nothing to serve (the hours used below could only be zero)
            return
        responsiveness = (0.5 + team.trust) / (0.5 + team.ego / EGO_REFERENCE * 0.5) * (0.5 + self.pay_weight)
        capacity = team.hours * clip_unit(lv.marketing_support_share * responsiveness)
        capacity = np.where(team.is_hybrid, 0.0, capacity)
        used = min(float(capacity.sum()), backlog)
        if used <= 0:
            return
        self._spend(team, capacity * (used / capacity.sum()))
        menial = used * self.menial_backlog_hours / backlog
        self.menial_backlog_hours = max(0.0, self.menial_backlog_hours - menial)
        self.request_carry_hours += max(0.0, used - menial)  # hours into the asset in hand
        served = min(len(waiting), int(self.request_carry_hours / lv.collateral_request_hours + 1e-9))
        self.request_carry_hours -= served * lv.collateral_request_hours
        if served == len(waiting):
            self.request_carry_hours = 0.0
        done = waiting[:served]
        self._use_collateral(done, Collateral.MARKETING, self.content_quality)
        self.rep_successes += np.bincount(leads.owner[done], minlength=self.reps.size)
        self.count("requests_served", served)
        self.count("menial_hours", menial)
        self.count("support_hours", used)

    def refresh_content(self) -> None:
        """Content ages; refreshing it costs marketing hours."""
        if not self.p.mechanisms.content_aging:
            self.content_freshness = 1.0
            return
        team, mk = self.marketers, self.p.market
        hours = team.hours * self.p.levers.content_refresh_share
        self._spend(team, hours)
        self.content_freshness = stock_step(
            self.content_freshness, mk.content_refresh_per_hour * hours.sum(), mk.content_decay_per_day
        )
        self.count("refresh_hours", hours.sum())

    # ------------------------------------------------------------------ demand
    def generate_demand(self) -> None:
        """Spend and campaign hours buy inquiries; marketing scores them and hands over MQLs."""
        mk, lv = self.p.market, self.p.levers
        spend = lv.marketing_budget_share * mk.revenue_target_per_year / WORKING_DAYS_PER_YEAR
        effect = 1 - np.exp(-self.campaign_hours / mk.campaign_hours_scale)
        expected = spend / mk.cost_per_inquiry * (1 - NEUTRAL_AWARENESS + self.awareness) * effect
        arrivals = self._stream(STREAM_ARRIVALS, self.day)
        n = poisson_from_uniform(arrivals.random(), expected)
        rows = arrivals.random((n, ARRIVAL_UNIFORMS))
        deal_rows = self._stream(STREAM_DEALS, self.day).random((n, 2))
        fit_mean = mk.inquiry_fit_mean + self._targeting() * (1 - mk.inquiry_fit_mean)
        fit = beta_from_uniform(rows[:, 1], fit_mean, mk.inquiry_fit_concentration)
        noise_sd = mk.score_noise_sd * (1 - self.knowledge)
        score = fit + noise_sd * ndtri(rows[:, 2])
        handed_over = score >= self.mql_threshold if self.p.mechanisms.lead_scoring else np.ones(n, bool)
        idx = self.leads.add(
            n,
            created_hour=self.day_start + rows[:, 0] * self.hours_per_day,
            fit=fit,
            score=score,
            window_end_hour=self.day_start + rows[:, 0] * self.hours_per_day + self._attention(rows),
            u_accept=rows[:, 5],
            u_neglect=rows[:, 6],
            u_reach=rows[:, 7],
            u_qualify=rows[:, 8],
            u_win=rows[:, 9],
            u_library=rows[:, 10],
            u_owner=rows[:, 11],
            u_diy=rows[:, 12],
            source=Source.MARKETING,
            stage=np.where(handed_over, Stage.QUEUED, Stage.NURTURE),
            **self._deal_terms(deal_rows),
        )
        self.new_mqls = idx[handed_over]
        self.count("inquiries", n)
        self.count("mqls", len(self.new_mqls))
        self.count("inquiry_fit_sum", fit.sum())
        self.count("marketing_spend", spend)

    def _targeting(self) -> float:
        """How much of the gap to perfect fit marketing's knowledge closes."""
        return self.p.market.targeting_fit_gain * self.knowledge

    @functools.cached_property
    def mql_threshold(self) -> float:
        """Volume pay lowers the bar, revenue pay raises it; a shared definition is not moved."""
        lv = self.p.levers
        shift = (
            0.0 if lv.lead_acceptance_by == "shared" else lv.pay_threshold_shift * (2 * self.pay_weight - 1)
        )
        return min(max(lv.mql_score_threshold + shift, 0.0), 1.0)

    def _attention(self, rows: np.ndarray) -> np.ndarray:
        """Working hours an inquiry stays attentive: mostly short (a 'golden hour'), some long."""
        mk = self.p.market
        if not self.p.mechanisms.response_decay:
            return np.full(len(rows), np.inf)
        tail = -np.log1p(-rows[:, 4])  # standard exponential from a uniform
        short = mk.attention_short_hours * tail ** (1 / mk.attention_short_shape)
        long = mk.attention_long_hours * tail
        return np.where(rows[:, 3] < mk.attention_short_share, short, long)

    def _deal_terms(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Deal value (lognormal) and sales cycle (gamma, shape 2) from the deal-value stream."""
        mk = self.p.market
        sigma = mk.deal_value_sigma
        value = mk.deal_value_mean * np.exp(sigma * ndtri(rows[:, 0]) - sigma**2 / 2)
        cycle = gammaincinv(2.0, rows[:, 1]) * mk.sales_cycle_days_mean / 2
        return {"value": value, "cycle_days": cycle}

    # ------------------------------------------------------------------ routing
    def route_leads(self) -> None:
        """Hand each new MQL to a rep (real time or in batches); the rep accepts or rejects it."""
        leads, reps, lv = self.leads, self.reps, self.p.levers
        idx = self.new_mqls
        if reps.size == 0:
            leads.stage[idx] = Stage.LEAKED
            self.count("leaked", len(idx))
            return
        # Leads go to reps at work today (to anyone if all are away on rotation).
        weight = reps.hours_share * reps.present if reps.present.any() else reps.hours_share
        share = np.cumsum(weight)
        owner = np.searchsorted(share, self.leads.u_owner[idx] * share[-1], side="right")
        leads.owner[idx] = owner
        leads.routed_day[idx] = self.day
        created = leads.created_hour[idx]
        if lv.routing_interval_hours > MIN_ROUTING_INTERVAL_HOURS:
            interval = lv.routing_interval_hours
            batch_time = np.ceil(created / interval) * interval
            created = np.where(reps.is_hybrid[owner], created, batch_time)
        latency = reps.latency_hours[owner]
        if lv.sla_first_contact_hours > 0:  # a monitored SLA caps how long a rep lets a lead sit
            latency = np.minimum(latency, lv.sla_first_contact_hours / 2)
        leads.available_hour[idx] = created + latency
        rejected = self._review(idx, owner)
        leads.stage[idx[rejected]] = Stage.REJECTED
        n_rejected = np.count_nonzero(rejected)
        self.marketing_failures += n_rejected
        self.count("rejected", n_rejected)
        accepted = idx[~rejected]
        self._cherry_pick(accepted)
        self.queue_idx = np.concatenate([self.queue_idx, accepted])

    def _review(self, idx: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """Reps who judge lead quality reject what looks poor to them; distrust raises the bar."""
        if self.p.levers.lead_acceptance_by != "sales":
            return np.zeros(len(idx), dtype=bool)
        leads = self.leads
        perceived = leads.fit[idx] + self.p.market.rep_judgement_sd * ndtri(leads.u_accept[idx])
        bar = 0.2 + 0.4 * (1 - self.reps.trust[owner])
        return perceived < bar

    def _cherry_pick(self, idx: np.ndarray) -> None:
        """Distrustful reps with ego delay marketing's leads, or never touch them; an SLA curbs it."""
        if not self.p.mechanisms.cherry_picking:
            return
        leads, reps, lv = self.leads, self.reps, self.p.levers
        owner = leads.owner[idx]
        lean = (1 - reps.trust[owner]) * reps.ego[owner] / EGO_REFERENCE
        sla = lv.sla_first_contact_hours > 0
        neglect = leads.u_neglect[idx] < self.p.market.cherry_pick_neglect * lean * (0.5 if sla else 1.0)
        delay = 0.0 if sla else lv.cherry_pick_hours * lean * (1 - reps.trust[owner])
        leads.available_hour[idx] += delay
        leads.available_hour[idx[neglect]] = np.inf

    # ------------------------------------------------------------------ follow-up
    def work_leads(self) -> None:
        """Reps answer handed-over leads as they come (SLA leads first), then call own prospects.

        Inbound leads are worked through in order of availability at the pace the rep's free
        hours allow; own prospects fill whatever capacity is left. A cherry-picking rep has
        already pushed marketing's leads back (see `_cherry_pick`).
        """
        leads = self.leads
        q = self.queue_idx
        q = q[leads.available_hour[q] < self.day_end]
        if len(q) == 0:
            return
        inbound = leads.source[q] == Source.MARKETING
        capacity = np.floor(self.reps.hours / self.p.levers.attempt_hours + 1e-9).astype(np.int64)
        calls, when = self._schedule_inbound(q[inbound], capacity)
        capacity -= np.bincount(leads.owner[calls], minlength=self.reps.size)
        prospects = self._schedule_prospects(q[~inbound], capacity)
        when = np.concatenate([when, np.maximum(leads.available_hour[prospects], self.day_start)])
        self._attempt(np.concatenate([calls, prospects]), when)

    def _schedule_inbound(self, q: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which handed-over leads each rep calls today, and when, at the pace free hours allow."""
        leads, reps, lv = self.leads, self.reps, self.p.levers
        owner = leads.owner[q]
        available = leads.available_hour[q]
        order = np.lexsort((available, owner))
        q, owner, available = q[order], owner[order], available[order]
        rank = rank_within(owner)
        chosen = rank < capacity[owner]
        q, owner, available, rank = q[chosen], owner[chosen], available[chosen], rank[chosen]
        pace = lv.attempt_hours * self.hours_per_day / np.maximum(reps.hours, lv.attempt_hours)
        start = attempt_times(owner, available, rank, pace[owner], self.day_start)
        today = start < self.day_end
        return q[today], start[today]

    def _schedule_prospects(self, q: np.ndarray, capacity: np.ndarray) -> np.ndarray:
        """Own prospects called with the capacity left (no attention window: timing is moot)."""
        owner = self.leads.owner[q]
        order = np.argsort(owner, kind="stable")
        q, owner = q[order], owner[order]
        return q[rank_within(owner) < capacity[owner]]

    def _attempt(self, idx: np.ndarray, when: np.ndarray) -> None:
        leads, lv, mk = self.leads, self.p.levers, self.p.market
        first = np.isnan(leads.first_attempt_hour[idx])
        leads.first_attempt_hour[idx[first]] = when[first]
        attempts = leads.attempts[idx] + 1
        leads.attempts[idx] = attempts
        owner = leads.owner[idx]
        self._spend(self.reps, np.bincount(owner, minlength=self.reps.size) * lv.attempt_hours)
        self.count("selling_hours", len(idx) * lv.attempt_hours)
        self.count("attempts", len(idx))
        marketing = leads.source[idx] == Source.MARKETING
        reach = np.where(marketing, mk.reach_per_attempt, mk.outbound_reach_per_attempt)
        u = attempt_uniform(leads.u_reach[idx], attempts)
        reached = (when < leads.window_end_hour[idx]) & (u < reach)
        qualified = reached & (leads.u_qualify[idx] < leads.fit[idx])
        max_attempts = lv.follow_up_attempts if self.p.mechanisms.follow_up else 1
        missed = ~reached
        gave_up = missed & (attempts >= max_attempts)
        retry = missed & ~gave_up
        leads.stage[idx[qualified]] = Stage.SQL
        leads.stage[idx[reached & ~qualified]] = Stage.DISQUALIFIED
        leads.stage[idx[gave_up]] = Stage.UNRESPONSIVE
        leads.available_hour[idx[retry]] = when[retry] + lv.retry_interval_hours
        self.opp_idx = np.concatenate([self.opp_idx, idx[qualified]])
        self.queue_idx = self.queue_idx[leads.stage[self.queue_idx] == Stage.QUEUED]
        self._record_attempts(idx, owner, when, first & marketing, reached & marketing, qualified, marketing)

    def _record_attempts(self, idx, owner, when, first_inbound, reached_inbound, qualified, marketing):
        leads, size = self.leads, self.reps.size
        qualified_inbound = qualified & marketing
        # SALs and SQLs count in the period their MQL was handed over (its cohort), so each
        # period's MQL->SAL and SAL->SQL are true shares of that period's MQLs.
        self._count_cohort("sals", leads.routed_day[idx[reached_inbound]])
        self._count_cohort("sqls", leads.routed_day[idx[qualified_inbound]])
        self.count("sourced_sqls", np.count_nonzero(qualified) - np.count_nonzero(qualified_inbound))
        n_first = np.count_nonzero(first_inbound)
        self.count("first_contacts", n_first)
        self.rep_successes += np.bincount(owner[qualified_inbound], minlength=size)
        self.rep_failures += np.bincount(owner[reached_inbound & ~qualified], minlength=size)
        if n_first:
            expectation = self.p.levers.sla_first_contact_hours or self.hours_per_day
            first = idx[first_inbound]
            n_prompt = np.count_nonzero(when[first_inbound] - leads.created_hour[first] <= expectation)
            self.marketing_successes += n_prompt
            self.marketing_failures += n_first - n_prompt

    def prospect(self) -> None:
        """Reps spend hours left over on finding their own prospects (capped by a day's queue)."""
        leads, reps, mk, lv = self.leads, self.reps, self.p.market, self.p.levers
        q = self.queue_idx
        own = np.bincount(leads.owner[q[leads.source[q] == Source.SALES]], minlength=reps.size)
        room = np.maximum(0, int(self.hours_per_day / lv.attempt_hours) - own)
        # Fixed layout: rep r's i-th prospect of the day always gets slot (i, r) of the day's
        # stream, whatever other reps found, so prospects line up across scenarios.
        rng = self._stream(STREAM_PROSPECTS, self.day)
        expected = np.maximum(reps.hours, 0.0) * mk.prospects_per_hour
        found = np.minimum(poisson_from_uniforms(rng.random(reps.size), expected), room)
        self.count("selling_hours", reps.hours.sum())
        reps.hours = np.zeros(reps.size)
        n = int(found.sum())
        if n == 0:
            return
        slots = rng.random((int(found.max()), reps.size, 8))
        taken = np.arange(slots.shape[0])[:, None] < found[None, :]
        rows = slots.transpose(1, 0, 2)[taken.T]  # rep-major: rep 0's prospects first
        owner = np.repeat(np.arange(reps.size), found)
        idx = self.leads.add(
            n,
            created_hour=self.day_end,
            available_hour=self.day_end,
            fit=beta_from_uniform(rows[:, 0], mk.prospect_fit_mean, mk.inquiry_fit_concentration),
            u_reach=rows[:, 1],
            u_qualify=rows[:, 2],
            u_win=rows[:, 3],
            u_library=rows[:, 4],
            u_diy=rows[:, 7],
            source=Source.SALES,
            stage=Stage.QUEUED,
            owner=owner,
            routed_day=self.day,
            **self._deal_terms(rows[:, 5:7]),
        )
        self.queue_idx = np.concatenate([self.queue_idx, idx])
        self.count("prospects", n)

    def expire_leads(self) -> None:
        """Leads nobody contacted within the shelf life leak (own prospects are just dropped)."""
        leads = self.leads
        q = self.queue_idx
        stale = (leads.attempts[q] == 0) & (
            self.day - leads.routed_day[q] >= self.p.levers.lead_shelf_life_days
        )
        expired = q[stale]
        leads.stage[expired] = Stage.LEAKED
        leaked = np.count_nonzero(leads.source[expired] == Source.MARKETING)
        self.count("leaked", leaked)
        self.marketing_failures += leaked  # marketing sees its leads left to rot
        self.queue_idx = q[~stale]

    # ------------------------------------------------------------------ learning
    def share_feedback(self) -> None:
        """Reps pass on what customers say; marketing's knowledge grows with it and fades without."""
        mk, lv = self.p.market, self.p.levers
        if not self.p.mechanisms.field_feedback:
            return
        reps = self.reps
        present = reps.hours_share > 0
        trust = reps.trust[present].mean() if present.any() else 0.0
        flow = lv.feedback_share * trust * (1 + lv.meeting_feedback_gain * self.meeting_benefit)
        self.knowledge = stock_step(
            self.knowledge, mk.knowledge_gain_per_day * flow, mk.knowledge_decay_per_day
        )
        self.count("feedback", flow)

    def update_trust(self) -> None:
        """Each side moves its trust towards what it experienced today; ego amplifies blame."""
        if self.p.mechanisms.trust:
            lv = self.p.levers
            damping = min(1.0, lv.shared_goals + lv.senior_support)
            n_mkt = max(1, self.marketers.size)
            for team, good, bad in (
                (self.reps, self.rep_successes, self.rep_failures),
                (self.marketers, self.marketing_successes / n_mkt, self.marketing_failures / n_mkt),
            ):
                blame = 1 + team.ego / EGO_REFERENCE * 0.5 * (1 - damping)
                change = lv.trust_learning_rate * (good * (1 - team.trust) - blame * bad * team.trust)
                change += lv.meeting_trust_gain_per_day * self.meeting_benefit * (1 - team.trust)
                team.trust = np.where(team.is_hybrid, 1.0, clip_unit(team.trust + change))
        self._reset_experiences()

    def _reset_experiences(self) -> None:
        self.rep_successes = np.zeros(self.reps.size)
        self.rep_failures = np.zeros(self.reps.size)
        self.marketing_successes = 0.0
        self.marketing_failures = 0.0

    def update_brand(self) -> None:
        """Brand consistency follows the on-brand share of touches; awareness builds on it."""
        t, lv, mk = self.today, self.p.levers, self.p.market
        platform = lv.messaging_platform_adoption if self.p.mechanisms.scripts else 1.0
        on = t["inquiries"] + t["attempts"] * platform + COLLATERAL_TOUCH_WEIGHT * t["marketing_assets_used"]
        off = t["attempts"] * (1 - platform) + COLLATERAL_TOUCH_WEIGHT * t["diy_assets_used"]
        if on + off > 0:
            today = on / (on + off)
            self.brand_consistency += BRAND_SMOOTHING * (today - self.brand_consistency)
        if self.p.mechanisms.awareness:
            push = lv.marketing_budget_share / REFERENCE_BUDGET_SHARE * self.brand_consistency
            self.awareness = stock_step(
                self.awareness, mk.awareness_gain_per_day * push, mk.awareness_decay_per_day
            )

    # ------------------------------------------------------------------ records
    def record_day(self) -> None:
        """Append today's flows and the end-of-day levels to the daily record."""
        leads = self.leads
        t = self.today
        t["awareness"] = self.awareness
        t["brand_consistency"] = self.brand_consistency
        t["marketing_knowledge"] = self.knowledge
        t["content_freshness"] = self.content_freshness
        specialists = ~self.reps.is_hybrid
        t["trust_sales_in_marketing"] = _mean(self.reps.trust[specialists])
        t["trust_marketing_in_sales"] = _mean(self.marketers.trust[~self.marketers.is_hybrid])
        opps = self.opp_idx
        t["pipeline_value"] = leads.value[opps].sum()
        t["open_opportunities"] = len(opps)
        t["queued_leads"] = len(self.queue_idx)
        for name, value in t.items():
            self.daily[name].append(float(value))

    # ------------------------------------------------------------------ outputs
    def timeseries(self, period: str = "day"):
        """The tidy table of DESIGN.md section 3, one row per period (day, week, month, quarter)."""
        return metrics.timeseries(self.daily, self.leads, self.hours_per_day, period)

    def summary(self) -> dict[str, float]:
        """Totals and rates over the whole horizon."""
        return metrics.summary(self.daily, self.leads)


def _mean(values: np.ndarray) -> float:
    # np.add.reduce / n is exactly what ndarray.mean computes, without its Python-level overhead.
    return float(np.add.reduce(values) / len(values)) if len(values) else float("nan")


def rank_within(group: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal, sorted group labels (0, 1, 2, ...)."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    position = np.arange(n)
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(group[1:], group[:-1], out=new_run[1:])
    return position - np.maximum.accumulate(np.where(new_run, position, 0))


def clip_unit(values: np.ndarray) -> np.ndarray:
    """Values clamped to [0, 1] (np.clip's result, at a third of its call overhead)."""
    return np.minimum(np.maximum(values, 0.0), 1.0)


def stock_step(level: float, pressure: float, decay: float) -> float:
    """One day of a stock in [0, 1] (awareness, knowledge, content freshness).

    It closes 1 - exp(-pressure) of its gap to 1 and loses `decay` of itself. Saturating, so no
    valid parameter can push it outside [0, 1]; for small pressures it is the familiar
    level + pressure * (1 - level) - decay * level.
    """
    return level + (1 - np.exp(-pressure)) * (1 - level) - decay * level


def attempt_uniform(u: np.ndarray, attempt: np.ndarray) -> np.ndarray:
    """The k-th attempt's uniform of a lead: its own uniform and k mixed by splitmix64.

    Deterministic per lead and attempt (common random numbers across scenarios), and attempts
    are independent of one another, unlike a fixed shift of one uniform.
    """
    x = (u * 2.0**53).astype(np.uint64) ^ (attempt.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / 2.0**53


def poisson_from_uniform(u: float, expected: float) -> int:
    """Poisson count by inversion, so one uniform decides it: a larger mean never gives fewer."""
    if expected <= 0:
        return 0
    cdf = _poisson_cdf(float(expected))
    return int(np.searchsorted(cdf, u * cdf[-1], side="left"))  # terms below u * total


@functools.lru_cache(maxsize=16)
def _poisson_cdf(expected: float) -> np.ndarray:
    """The truncated Poisson CDF of one mean (cached: a constant rate reuses it every day)."""
    k, log_factorial = _poisson_terms(_poisson_top(expected))
    cdf = np.cumsum(np.exp(k * np.log(expected) - expected - log_factorial))
    cdf.flags.writeable = False
    return cdf


def poisson_from_uniforms(u: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion, element by element (see `poisson_from_uniform`).

    Each count is the number of terms of the truncated CDF below u times its last term; all
    rows are truncated at the same length, set by the largest mean. Zero means give zero.
    """
    expected = np.asarray(expected, dtype=float)
    out = np.zeros(len(expected), dtype=np.int64)
    largest = expected.max() if len(expected) else 0.0
    if largest <= 0:
        return out
    k, log_factorial = _poisson_terms(_poisson_top(largest))
    rows = np.flatnonzero(expected > 0)
    mean = expected[rows, None]
    cdf = np.cumsum(np.exp(k * np.log(mean) - mean - log_factorial), axis=1)
    out[rows] = np.add.reduce(cdf < u[rows, None] * cdf[:, -1:], axis=1)
    return out


def _poisson_top(largest_mean: float) -> int:
    """Terms kept in the CDF: 12 standard deviations (plus 12) past the largest mean."""
    return int(largest_mean + 12 * np.sqrt(largest_mean) + 12)


@functools.lru_cache(maxsize=256)
def _poisson_terms(top: int) -> tuple[np.ndarray, np.ndarray]:
    """The counts 0..top-1 and their log(k!), the fixed part of every Poisson CDF truncated at `top` terms."""
    k = np.arange(top)
    return k, gammaln(k + 1)


def attempt_times(
    owner: np.ndarray, available: np.ndarray, rank: np.ndarray, pace: np.ndarray, day_start: float
) -> np.ndarray:
    """When each rep makes each attempt, working through a sorted queue at a given pace.

    The k-th attempt starts at max(its lead's availability, end of the previous attempt). The
    recursion unrolls to start_k = k*pace + max(day_start, max_{j<=k}(available_j - j*pace)), a
    cumulative maximum that runs per rep by offsetting each rep's values into its own band.
    """
    if len(owner) == 0:
        return np.zeros(0)
    slack = np.maximum(available - rank * pace, day_start) - day_start
    band = 1e7 * owner  # every rep's values sit in a band above the previous rep's
    running = np.maximum.accumulate(np.minimum(slack, 5e6) + band) - band
    # The banded cumulative maximum costs a few ulps at 1e7: never start before the lead exists.
    return np.maximum(day_start + running + rank * pace, available)


def beta_from_uniform(u: np.ndarray, mean: float, concentration: float) -> np.ndarray:
    """Beta(mean, concentration) by inversion, so a lead's fit uses exactly one uniform."""
    mean = min(max(mean, 1e-9), 1 - 1e-9)  # a mean of exactly 0 or 1 has no Beta distribution
    return betaincinv(mean * concentration, (1 - mean) * concentration, u)
