"""Organisational levers: the team, process and incentives that management sets.

In the EMA Workbench's terms these are the policies: team sizes, budget, routing and service
levels, who judges lead quality, follow-up, collateral and support, meetings and co-location,
pay, trust-building and rotation. Scenarios are bundles of lever values, and interventions change
levers mid-run (except the team sizes in FIXED_DURING_RUN). A field's name is also its scenario
key (`[levers]`), sweep key and output column; the field order is the order of outputs and
digests, so it must not change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.params.base import _Validated, param

FIXED_DURING_RUN: frozenset[str] = frozenset({"n_reps", "n_marketers", "n_hybrid"})
"""Team sizes set the people at the start; an intervention cannot change them mid-run."""

ASSUMED_LEVERS: frozenset[str] = frozenset(
    {
        "hybrid_depth_factor",
        "rep_response_latency_hours",
        "attempt_hours",
        "lead_shelf_life_days",
        "cherry_pick_hours",
        "rep_patience_days",
        "collateral_request_hours",
        "diy_hours",
        "menial_requests_per_rep_per_week",
        "menial_request_hours",
        "meeting_saturation_hours",
        "meeting_feedback_gain",
        "colocation_gain",
        "pay_threshold_shift",
        "trust_sales_in_marketing_initial",
        "trust_marketing_in_sales_initial",
        "rep_ego_mean",
        "marketer_ego_mean",
        "rotation_learning_per_day",
    }
)
"""Levers that are assumptions about people and work (how long a task takes, how people react), not
choices: uncertainties in the EMA Workbench's sense, drawn over plausible worlds like the market.
Every other lever is a policy, which structures set and comparisons never draw."""

PAY_BASIS_REVENUE_WEIGHT: dict[str, float] = {"mql_volume": 0.0, "pipeline": 0.5, "revenue": 1.0}
LEAD_JUDGES: tuple[str, ...] = ("marketing", "sales", "shared")


@dataclass(frozen=True)
class Levers(_Validated):
    """Organisational levers: team, process and incentives that management sets."""

    n_reps: int = param(
        20,
        0,
        5000,
        unit="people",
        mechanism="",
        label="Sales reps",
        source="DESIGN.md section 4 default size.",
    )
    n_marketers: int = param(
        6, 0, 1500, unit="people", mechanism="", label="Marketers", source="DESIGN.md section 4 default size."
    )
    n_hybrid: int = param(
        0,
        0,
        500,
        unit="people",
        mechanism="hybrid_roles",
        label="Hybrid staff",
        source="People doing both jobs (small companies).",
    )
    hybrid_marketing_share: float = param(
        0.4,
        0,
        1,
        unit="share",
        mechanism="hybrid_roles",
        plausible=(0.2, 0.8),
        source="Share of a hybrid person's hours spent on marketing; assumed.",
    )
    hybrid_depth_factor: float = param(
        0.8,
        0.1,
        1,
        unit="ratio",
        mechanism="hybrid_roles",
        plausible=(0.5, 1.0),
        source="Skill of a jack of all trades relative to a specialist; assumed.",
    )
    marketing_budget_share: float = param(
        0.08,
        0,
        0.5,
        unit="share",
        mechanism="awareness",
        label="Marketing budget share",
        plausible=(0.04, 0.16),
        source="B2B marketing budgets of 5-12% of revenue (Gartner CMO spend surveys).",
    )
    routing_interval_hours: float = param(
        0.0,
        0,
        200,
        unit="h",
        mechanism="response_decay",
        label="Routing interval (0 = real time)",
        plausible=(0, 16),
        source="0 routes each MQL to a rep the moment it is handed over; N routes in batches "
        "every N working hours.",
    )
    sla_first_contact_hours: float = param(
        0.0,
        0,
        200,
        unit="h",
        mechanism="response_decay",
        label="SLA on first contact (0 = none)",
        plausible=(0, 8),
        source="Service-level agreement on first contact of MQLs (Kotler et al. 2006, 'defined').",
    )
    lead_acceptance_by: str = param(
        "sales",
        unit="",
        mechanism="lead_scoring",
        choices=LEAD_JUDGES,
        label="Who judges lead quality",
        source="marketing: reps take every MQL; sales: reps reject by their own, trust-biased "
        "judgement; shared: one agreed definition on both sides.",
    )
    mql_score_threshold: float = param(
        0.45,
        0,
        1,
        unit="score",
        mechanism="lead_scoring",
        label="MQL score threshold",
        plausible=(0.3, 0.6),
        source="Score above which an inquiry is handed over; set so the default hands over "
        "roughly 40% of inquiries.",
    )
    follow_up_attempts: int = param(
        3,
        1,
        20,
        unit="attempts",
        mechanism="follow_up",
        label="Follow-up attempts",
        plausible=(1, 8),
        source="Most reps give up after 1-2 attempts; 3 is a middling policy (sales surveys).",
    )
    retry_interval_hours: float = param(
        8.0,
        0.25,
        200,
        unit="h",
        mechanism="follow_up",
        plausible=(2, 24),
        source="One working day between attempts.",
    )
    rep_response_latency_hours: float = param(
        0.5,
        0,
        40,
        unit="h",
        mechanism="response_decay",
        label="Rep reaction time",
        plausible=(0.1, 8),
        source="Mean working hours a rep takes to notice a routed lead; reps vary around it.",
    )
    attempt_hours: float = param(
        0.25,
        0.01,
        4,
        unit="h",
        mechanism="follow_up",
        plausible=(0.1, 0.5),
        source="A contact attempt with research and logging takes about 15 minutes.",
    )
    lead_shelf_life_days: int = param(
        20,
        1,
        500,
        unit="days",
        mechanism="response_decay",
        plausible=(5, 60),
        source="An MQL untouched for a month of working days counts as leaked.",
    )
    cherry_pick_hours: float = param(
        24.0,
        0,
        500,
        unit="h",
        mechanism="cherry_picking",
        plausible=(0, 48),
        source="How many working hours a fully distrustful rep with average ego pushes "
        "marketing leads behind own prospects; assumed.",
    )
    rep_patience_days: float = param(
        5.0,
        0,
        100,
        unit="days",
        label="Rep patience for collateral",
        mechanism="collateral",
        plausible=(1, 15),
        source="Working days a rep waits for requested collateral before doing it alone.",
    )
    collateral_request_hours: float = param(
        3.0,
        0.1,
        40,
        unit="h",
        mechanism="collateral",
        plausible=(1, 8),
        source="Marketing hours to tailor an asset for a deal; assumed.",
    )
    diy_hours: float = param(
        6.0,
        0.1,
        40,
        unit="h",
        mechanism="collateral",
        plausible=(2, 16),
        source="A rep needs about twice marketing's time to build an asset alone.",
    )
    menial_requests_per_rep_per_week: float = param(
        1.0,
        0,
        20,
        unit="1/week",
        mechanism="menial_requests",
        plausible=(0, 3),
        source="Formatting and 'make me a slide' requests per rep a week; assumed.",
    )
    menial_request_hours: float = param(
        1.0,
        0,
        20,
        unit="h",
        mechanism="menial_requests",
        plausible=(0.5, 2),
        source="Marketing hours per menial request.",
    )
    self_service_templates: float = param(
        0.0,
        0,
        1,
        unit="share",
        mechanism="menial_requests",
        label="Self-service templates",
        plausible=(0, 1),
        source="Share of menial requests that templates and self-service remove.",
    )
    content_refresh_share: float = param(
        0.15,
        0,
        1,
        unit="share",
        mechanism="content_aging",
        label="Content refresh effort",
        plausible=(0.05, 0.4),
        source="Share of marketers' free hours spent refreshing content; assumed.",
    )
    marketing_support_share: float = param(
        0.25,
        0,
        1,
        unit="share",
        mechanism="collateral",
        label="Marketing support share",
        plausible=(0.1, 0.5),
        source="Largest share of a marketer's hours given to sales requests, at full trust "
        "and responsiveness; assumed.",
    )
    feedback_share: float = param(
        0.3,
        0,
        1,
        unit="share",
        mechanism="field_feedback",
        label="Field feedback",
        plausible=(0.1, 0.6),
        source="Share of what reps hear that reaches marketing without meetings; assumed.",
    )
    meeting_hours_per_week: float = param(
        0.0,
        0,
        20,
        unit="h/week",
        mechanism="meetings",
        label="Joint meetings (h/week)",
        plausible=(0, 6),
        source="Hours each person spends in joint sales-marketing meetings a week.",
    )
    meeting_saturation_hours: float = param(
        2.0,
        0.1,
        20,
        unit="h/week",
        mechanism="meetings",
        plausible=(0.5, 4),
        source="Weekly meeting hours at which 63% of the benefit is reached: diminishing "
        "returns make the best cadence interior; assumed.",
    )
    meeting_feedback_gain: float = param(
        1.5,
        0,
        10,
        unit="",
        mechanism="meetings",
        plausible=(0.5, 3),
        source="Extra feedback flow at saturated meetings (relative); assumed.",
    )
    colocation: bool = param(
        False, unit="", mechanism="meetings", label="Co-location", source="Sales and marketing share space."
    )
    colocation_gain: float = param(
        0.5,
        0,
        10,
        unit="",
        mechanism="meetings",
        plausible=(0.2, 1),
        source="Co-location's feedback and trust effect relative to saturated meetings.",
    )
    marketing_pay_basis: str = param(
        "mql_volume",
        unit="",
        mechanism="marketing_pay",
        choices=tuple(PAY_BASIS_REVENUE_WEIGHT),
        label="Marketing measured on",
        source="What marketing is measured and paid on (DESIGN.md mechanism 11).",
    )
    pay_threshold_shift: float = param(
        0.15,
        0,
        1,
        unit="score",
        mechanism="marketing_pay",
        plausible=(0.05, 0.3),
        source="How far revenue pay raises (volume pay lowers) the MQL threshold; assumed.",
    )
    trust_sales_in_marketing_initial: float = param(
        0.5, 0, 1, unit="index", mechanism="trust", plausible=(0.2, 0.8), source="Neutral starting trust."
    )
    trust_marketing_in_sales_initial: float = param(
        0.5, 0, 1, unit="index", mechanism="trust", plausible=(0.2, 0.8), source="Neutral starting trust."
    )
    rep_ego_mean: float = param(
        0.5,
        0,
        3,
        unit="",
        mechanism="trust",
        label="Rep ego",
        plausible=(0.1, 1.5),
        source="Mean rep ego: amplifies blame, shortens patience, drives cherry-picking.",
    )
    marketer_ego_mean: float = param(
        0.5,
        0,
        3,
        unit="",
        mechanism="trust",
        label="Marketer ego",
        plausible=(0.1, 1.5),
        source="Mean marketer ego: 'my content closes the deal by itself'.",
    )
    shared_goals: float = param(
        0.0,
        0,
        1,
        unit="share",
        mechanism="trust",
        label="Shared goals",
        plausible=(0, 1),
        source="Degree to which both sides share revenue goals; damps blame.",
    )
    senior_support: float = param(
        0.0,
        0,
        1,
        unit="share",
        mechanism="trust",
        label="Senior support",
        plausible=(0, 1),
        source="Leadership backing for cooperation; damps blame.",
    )
    rotation_share: float = param(
        0.0,
        0,
        0.5,
        unit="share of days",
        mechanism="rotation",
        label="Job rotation",
        plausible=(0, 0.1),
        source="Share of working days staff spend in the other function.",
    )
    rotation_learning_per_day: float = param(
        0.01,
        0,
        1,
        unit="1/day",
        mechanism="rotation",
        plausible=(0.002, 0.03),
        source="Ego lost and understanding gained per rotation day; assumed.",
    )
    messaging_platform_adoption: float = param(
        0.5,
        0,
        1,
        unit="share",
        mechanism="scripts",
        label="Messaging platform use",
        plausible=(0.2, 1),
        source="Share of reps' calls made from marketing's messaging platform, not own scripts.",
    )
