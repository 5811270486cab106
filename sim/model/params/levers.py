"""Model parameters: market uncertainties, organisational levers and mechanism switches.

Every parameter is a frozen dataclass field whose metadata carries its unit, allowed range, the
mechanism it belongs to (DESIGN.md section 2 numbering) and the source or reasoning for its
default. Validation, the ODD parameter table, scenario loading and the dashboard's sliders all
read this one place, so a parameter is declared exactly once.

The split follows the EMA Workbench: `Market` holds what a company cannot choose (uncertainties),
`Levers` what management sets (policies), `Mechanisms` switches each mechanism on or off
(ablation). A parameter's field name is also its scenario key, sweep key and output column.
"""

from __future__ import annotations

import dataclasses
import difflib
import numbers
from dataclasses import dataclass, field
from typing import Any

MECHANISMS: dict[str, str] = {
    "awareness": "1. Demand generation and awareness (goodwill stock)",
    "lead_scoring": "2. Lead scoring and hand-off",
    "response_decay": "3. Routing and response time (lead attention decays)",
    "follow_up": "4. Follow-up diligence",
    "cherry_picking": "5. Cherry-picking and trust",
    "collateral": "6. Collateral and DIY",
    "menial_requests": "7. Menial requests",
    "content_aging": "8. Content refresh",
    "field_feedback": "9. Field feedback",
    "meetings": "10. Meetings and co-location",
    "marketing_pay": "11. Goals and compensation",
    "trust": "12. Trust, blame and ego",
    "rotation": "13. Job rotation",
    "hybrid_roles": "14. Hybrid roles",
    "scripts": "15. Scripts vs the messaging platform",
}

FIXED_DURING_RUN: frozenset[str] = frozenset({"n_reps", "n_marketers", "n_hybrid"})
"""Team sizes set the people at the start; an intervention cannot change them mid-run."""

PAY_BASIS_REVENUE_WEIGHT: dict[str, float] = {"mql_volume": 0.0, "pipeline": 0.5, "revenue": 1.0}
LEAD_JUDGES: tuple[str, ...] = ("marketing", "sales", "shared")


class ParameterError(ValueError):
    """A parameter value or key that is not allowed; the message is one line for the user."""


def param(
    default: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    unit: str = "",
    mechanism: str = "",
    source: str,
    choices: tuple[str, ...] | None = None,
    label: str = "",
) -> Any:
    """Declare a parameter field with the metadata every consumer reads."""
    meta = {
        "low": low,
        "high": high,
        "unit": unit,
        "mechanism": mechanism,
        "source": source,
        "choices": choices,
        "label": label,
    }
    return field(default=default, metadata=meta)


def _check_value(group: str, name: str, value: Any, f: dataclasses.Field) -> None:
    """Raise ParameterError unless value has the field's type and lies in its range."""
    expected = type(f.default)
    where = f"{group}.{name}"
    if expected is bool:
        if not isinstance(value, bool):
            raise ParameterError(f"{where} must be true or false, got {value!r}")
        return
    if expected is str:
        choices = f.metadata["choices"]
        if not isinstance(value, str) or value not in choices:
            allowed = ", ".join(choices)
            raise ParameterError(f"{where} must be one of {allowed}, got {value!r}")
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{where} must be a number, got {value!r}")
    if expected is int and not float(value).is_integer():
        raise ParameterError(f"{where} must be a whole number, got {value!r}")
    low, high = f.metadata["low"], f.metadata["high"]
    if not low <= value <= high:
        raise ParameterError(f"{where} must be between {low:g} and {high:g}, got {value!r}")


class _Validated:
    """Mixin: check every field at construction and coerce ints given for float fields."""

    def __post_init__(self) -> None:
        group = type(self).__name__.lower()
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            _check_value(group, f.name, value, f)
            if type(f.default) is float and isinstance(value, int):
                object.__setattr__(self, f.name, float(value))
            if type(f.default) is int:
                object.__setattr__(self, f.name, int(value))


@dataclass(frozen=True)
class Market(_Validated):
    """Uncertainties: facts of the market and of work that management cannot set."""

    working_hours_per_day: float = param(
        8.0,
        4,
        12,
        unit="h",
        mechanism="response_decay",
        source="Standard working day; lead timestamps and response delays are in working hours.",
    )
    revenue_target_per_year: float = param(
        10_000_000.0,
        1e5,
        1e10,
        unit="currency/year",
        mechanism="awareness",
        source="Scale only: the marketing budget is a share of it (DESIGN.md section 4).",
    )
    cost_per_inquiry: float = param(
        100.0,
        1,
        1e5,
        unit="currency",
        mechanism="awareness",
        source="B2B cost per inquiry of order 50-200 in paid channels (industry surveys); 100 "
        "gives ~25 inquiries a working day at the default budget.",
    )
    inquiry_fit_mean: float = param(
        0.25,
        0.01,
        0.99,
        unit="probability",
        mechanism="lead_scoring",
        source="Mean true fit (chance to qualify if engaged) of an untargeted inquiry; chosen so "
        "the defined scenario's SAL->SQL lands in 50-70% after the MQL filter.",
    )
    inquiry_fit_concentration: float = param(
        3.0,
        0.5,
        100,
        unit="",
        mechanism="lead_scoring",
        source="Beta concentration of inquiry fit; 3 gives a wide spread so scoring matters.",
    )
    targeting_fit_gain: float = param(
        0.5,
        0,
        1,
        unit="",
        mechanism="field_feedback",
        source="Share of the gap to a perfect fit that full market knowledge closes; assumed.",
    )
    score_noise_sd: float = param(
        0.35,
        0,
        1,
        unit="fit units",
        mechanism="lead_scoring",
        source="SD of marketing's fit score error at zero knowledge, shrinking linearly with "
        "knowledge; assumed so scoring at default knowledge is informative but noisy.",
    )
    attention_short_share: float = param(
        0.97,
        0,
        1,
        unit="share",
        mechanism="response_decay",
        source="Share of inquiries whose buying attention is short-lived; fitted so the "
        "model reproduces Oldroyd et al. (HBR 2011) decay ratios (7x, 60x).",
    )
    attention_short_hours: float = param(
        1.0,
        0.05,
        48,
        unit="h",
        mechanism="response_decay",
        source="Weibull scale of a short attention window; fitted to Oldroyd et al. 2011.",
    )
    attention_short_shape: float = param(
        3.0,
        0.3,
        10,
        unit="",
        mechanism="response_decay",
        source="Weibull shape >1: attention holds for a while then drops (the 'golden hour').",
    )
    attention_long_hours: float = param(
        34.0,
        1,
        2000,
        unit="h",
        mechanism="response_decay",
        source="Mean exponential attention of considered buyers; fitted to the 60x ratio.",
    )
    reach_per_attempt: float = param(
        0.7,
        0.01,
        1,
        unit="probability",
        mechanism="follow_up",
        source="Chance an attentive inbound lead answers one attempt; assumed.",
    )
    outbound_reach_per_attempt: float = param(
        0.15,
        0.01,
        1,
        unit="probability",
        mechanism="follow_up",
        source="Cold-call connect rates of 10-30% reported in sales surveys.",
    )
    prospect_fit_mean: float = param(
        0.35,
        0.01,
        0.99,
        unit="probability",
        mechanism="cherry_picking",
        source="Reps' own prospects fit somewhat better than raw inquiries (they know their "
        "territory), which is what tempts them to cherry-pick; assumed.",
    )
    prospects_per_hour: float = param(
        0.25,
        0,
        20,
        unit="1/h",
        mechanism="cherry_picking",
        source="Prospects a rep identifies per hour of prospecting; assumed.",
    )
    deal_value_mean: float = param(
        30_000.0,
        1,
        1e8,
        unit="currency",
        mechanism="",
        source="Mid-market B2B average contract value; scale only.",
    )
    deal_value_sigma: float = param(
        0.6,
        0,
        3,
        unit="log",
        mechanism="",
        source="Lognormal spread of deal values; deal sizes are right-skewed.",
    )
    sales_cycle_days_mean: float = param(
        40.0,
        1,
        500,
        unit="days",
        mechanism="",
        source="Mid-market B2B sales cycles of about two months (40 working days).",
    )
    base_win_rate: float = param(
        0.26,
        0.01,
        1,
        unit="probability",
        mechanism="",
        source="SQL->won of 20-30% (DESIGN.md section 4) at average skill and collateral.",
    )
    rep_admin_share: float = param(
        0.4,
        0,
        0.9,
        unit="share",
        mechanism="",
        source="Share of a rep's day on work outside the model (CRM entry, internal reporting, "
        "travel, training). Salesforce 'State of Sales' (2022): reps sell only ~28% of their "
        "week; the model represents selling, DIY, meetings and rotation itself.",
    )
    opportunity_hours_per_day: float = param(
        0.12,
        0,
        8,
        unit="h/day",
        mechanism="",
        source="Rep hours an open opportunity takes each working day: ~5 h over a 40-day "
        "cycle (discovery, demo, proposal), after admin time; assumed.",
    )
    awareness_initial: float = param(
        0.4,
        0,
        1,
        unit="index",
        mechanism="awareness",
        source="Brand awareness stock at start, as a share of the saturation level.",
    )
    awareness_gain_per_day: float = param(
        0.006,
        0,
        1,
        unit="1/day",
        mechanism="awareness",
        source="Goodwill build-up per day at the reference budget share (8%); Nerlove-Arrow "
        "stock model, rate assumed.",
    )
    awareness_decay_per_day: float = param(
        0.004,
        0,
        1,
        unit="1/day",
        mechanism="awareness",
        source="Goodwill decay: half-life ~170 working days, in the range of advertising "
        "carry-over estimates (Leone 1995).",
    )
    knowledge_initial: float = param(
        0.4,
        0,
        1,
        unit="index",
        mechanism="field_feedback",
        source="Marketing's field knowledge at start (0 none, 1 complete).",
    )
    knowledge_decay_per_day: float = param(
        0.004,
        0,
        1,
        unit="1/day",
        mechanism="field_feedback",
        source="Market knowledge goes stale without feedback; half-life ~170 working days.",
    )
    knowledge_gain_per_day: float = param(
        0.02,
        0,
        1,
        unit="1/day",
        mechanism="field_feedback",
        source="Knowledge gain per day at full feedback flow; assumed.",
    )
    content_decay_per_day: float = param(
        0.004,
        0,
        1,
        unit="1/day",
        mechanism="content_aging",
        source="Content freshness half-life ~170 working days (content audits ~yearly).",
    )
    content_refresh_per_hour: float = param(
        0.0015,
        0,
        1,
        unit="1/h",
        mechanism="content_aging",
        source="Freshness restored per marketing hour of refresh; assumed.",
    )
    diy_quality_ratio: float = param(
        0.85,
        0.1,
        2,
        unit="ratio",
        mechanism="collateral",
        source="Mean quality of rep-made collateral relative to marketing's; assumed.",
    )
    diy_quality_sd: float = param(
        0.25,
        0,
        1,
        unit="quality",
        mechanism="collateral",
        source="Rep-made material is more variable: can be better or worse (DESIGN.md 6).",
    )
    collateral_win_effect: float = param(
        0.8,
        0,
        5,
        unit="",
        mechanism="collateral",
        source="Relative change in win chance per unit collateral quality; assumed.",
    )
    awareness_win_effect: float = param(
        0.3,
        0,
        5,
        unit="",
        mechanism="awareness",
        source="Relative change in win chance per unit awareness above 0.5; assumed.",
    )
    campaign_hours_scale: float = param(
        20.0,
        0.1,
        1e5,
        unit="h/day",
        mechanism="awareness",
        source="Marketing campaign hours a day at which spend reaches 63% of its potential "
        "(1 - exp(-h/scale)); assumed for a 6-marketer team.",
    )
    cherry_pick_neglect: float = param(
        0.3,
        0,
        1,
        unit="probability",
        mechanism="cherry_picking",
        source="Chance a fully distrustful rep of average ego never touches a marketing lead.",
    )
    rep_judgement_sd: float = param(
        0.15,
        0,
        1,
        unit="fit units",
        mechanism="lead_scoring",
        source="Noise in a rep's own judgement of a lead's fit on review; assumed.",
    )
    skill_sd: float = param(
        0.15,
        0,
        1,
        unit="",
        mechanism="",
        source="Spread of reps' closing skill and marketers' lead-generation skill multipliers "
        "around 1; assumed.",
    )


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
        source="Share of a hybrid person's hours spent on marketing; assumed.",
    )
    hybrid_depth_factor: float = param(
        0.8,
        0.1,
        1,
        unit="ratio",
        mechanism="hybrid_roles",
        source="Skill of a jack of all trades relative to a specialist; assumed.",
    )
    marketing_budget_share: float = param(
        0.08,
        0,
        0.5,
        unit="share",
        mechanism="awareness",
        label="Marketing budget share",
        source="B2B marketing budgets of 5-12% of revenue (Gartner CMO spend surveys).",
    )
    routing_interval_hours: float = param(
        0.0,
        0,
        200,
        unit="h",
        mechanism="response_decay",
        label="Routing interval (0 = real time)",
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
        source="Most reps give up after 1-2 attempts; 3 is a middling policy (sales surveys).",
    )
    retry_interval_hours: float = param(
        8.0, 0.25, 200, unit="h", mechanism="follow_up", source="One working day between attempts."
    )
    rep_response_latency_hours: float = param(
        0.5,
        0,
        40,
        unit="h",
        mechanism="response_decay",
        label="Rep reaction time",
        source="Mean working hours a rep takes to notice a routed lead; reps vary around it.",
    )
    attempt_hours: float = param(
        0.25,
        0.01,
        4,
        unit="h",
        mechanism="follow_up",
        source="A contact attempt with research and logging takes about 15 minutes.",
    )
    lead_shelf_life_days: int = param(
        20,
        1,
        500,
        unit="days",
        mechanism="response_decay",
        source="An MQL untouched for a month of working days counts as leaked.",
    )
    cherry_pick_hours: float = param(
        24.0,
        0,
        500,
        unit="h",
        mechanism="cherry_picking",
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
        source="Working days a rep waits for requested collateral before doing it alone.",
    )
    collateral_request_hours: float = param(
        3.0,
        0.1,
        40,
        unit="h",
        mechanism="collateral",
        source="Marketing hours to tailor an asset for a deal; assumed.",
    )
    diy_hours: float = param(
        6.0,
        0.1,
        40,
        unit="h",
        mechanism="collateral",
        source="A rep needs about twice marketing's time to build an asset alone.",
    )
    menial_requests_per_rep_per_week: float = param(
        1.0,
        0,
        20,
        unit="1/week",
        mechanism="menial_requests",
        source="Formatting and 'make me a slide' requests per rep a week; assumed.",
    )
    menial_request_hours: float = param(
        1.0, 0, 20, unit="h", mechanism="menial_requests", source="Marketing hours per menial request."
    )
    self_service_templates: float = param(
        0.0,
        0,
        1,
        unit="share",
        mechanism="menial_requests",
        label="Self-service templates",
        source="Share of menial requests that templates and self-service remove.",
    )
    content_refresh_share: float = param(
        0.15,
        0,
        1,
        unit="share",
        mechanism="content_aging",
        label="Content refresh effort",
        source="Share of marketers' free hours spent refreshing content; assumed.",
    )
    marketing_support_share: float = param(
        0.25,
        0,
        1,
        unit="share",
        mechanism="collateral",
        label="Marketing support share",
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
        source="Share of what reps hear that reaches marketing without meetings; assumed.",
    )
    meeting_hours_per_week: float = param(
        0.0,
        0,
        20,
        unit="h/week",
        mechanism="meetings",
        label="Joint meetings (h/week)",
        source="Hours each person spends in joint sales-marketing meetings a week.",
    )
    meeting_saturation_hours: float = param(
        2.0,
        0.1,
        20,
        unit="h/week",
        mechanism="meetings",
        source="Weekly meeting hours at which 63% of the benefit is reached: diminishing "
        "returns make the best cadence interior; assumed.",
    )
    meeting_feedback_gain: float = param(
        1.5,
        0,
        10,
        unit="",
        mechanism="meetings",
        source="Extra feedback flow at saturated meetings (relative); assumed.",
    )
    meeting_trust_gain_per_day: float = param(
        0.01,
        0,
        1,
        unit="1/day",
        mechanism="meetings",
        source="Daily pull of trust towards 1 at saturated meetings; assumed.",
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
        source="How far revenue pay raises (volume pay lowers) the MQL threshold; assumed.",
    )
    trust_sales_in_marketing_initial: float = param(
        0.5, 0, 1, unit="index", mechanism="trust", source="Neutral starting trust."
    )
    trust_marketing_in_sales_initial: float = param(
        0.5, 0, 1, unit="index", mechanism="trust", source="Neutral starting trust."
    )
    trust_learning_rate: float = param(
        0.01,
        0,
        1,
        unit="1/event",
        mechanism="trust",
        source="Trust moves 1% of the way to each experience; assumed.",
    )
    rep_ego_mean: float = param(
        0.5,
        0,
        3,
        unit="",
        mechanism="trust",
        label="Rep ego",
        source="Mean rep ego: amplifies blame, shortens patience, drives cherry-picking.",
    )
    marketer_ego_mean: float = param(
        0.5,
        0,
        3,
        unit="",
        mechanism="trust",
        label="Marketer ego",
        source="Mean marketer ego: 'my content closes the deal by itself'.",
    )
    shared_goals: float = param(
        0.0,
        0,
        1,
        unit="share",
        mechanism="trust",
        label="Shared goals",
        source="Degree to which both sides share revenue goals; damps blame.",
    )
    senior_support: float = param(
        0.0,
        0,
        1,
        unit="share",
        mechanism="trust",
        label="Senior support",
        source="Leadership backing for cooperation; damps blame.",
    )
    rotation_share: float = param(
        0.0,
        0,
        0.5,
        unit="share of days",
        mechanism="rotation",
        label="Job rotation",
        source="Share of working days staff spend in the other function.",
    )
    rotation_learning_per_day: float = param(
        0.01,
        0,
        1,
        unit="1/day",
        mechanism="rotation",
        source="Ego lost and understanding gained per rotation day; assumed.",
    )
    messaging_platform_adoption: float = param(
        0.5,
        0,
        1,
        unit="share",
        mechanism="scripts",
        label="Messaging platform use",
        source="Share of reps' calls made from marketing's messaging platform, not own scripts.",
    )


@dataclass(frozen=True)
class Mechanisms(_Validated):
    """Switches: each mechanism can be turned off alone (ablation)."""

    awareness: bool = param(True, mechanism="awareness", source="Ablation switch.")
    lead_scoring: bool = param(True, mechanism="lead_scoring", source="Ablation switch.")
    response_decay: bool = param(True, mechanism="response_decay", source="Ablation switch.")
    follow_up: bool = param(True, mechanism="follow_up", source="Ablation switch.")
    cherry_picking: bool = param(True, mechanism="cherry_picking", source="Ablation switch.")
    collateral: bool = param(True, mechanism="collateral", source="Ablation switch.")
    menial_requests: bool = param(True, mechanism="menial_requests", source="Ablation switch.")
    content_aging: bool = param(True, mechanism="content_aging", source="Ablation switch.")
    field_feedback: bool = param(True, mechanism="field_feedback", source="Ablation switch.")
    meetings: bool = param(True, mechanism="meetings", source="Ablation switch.")
    marketing_pay: bool = param(True, mechanism="marketing_pay", source="Ablation switch.")
    trust: bool = param(True, mechanism="trust", source="Ablation switch.")
    rotation: bool = param(True, mechanism="rotation", source="Ablation switch.")
    hybrid_roles: bool = param(True, mechanism="hybrid_roles", source="Ablation switch.")
    scripts: bool = param(True, mechanism="scripts", source="Ablation switch.")


@dataclass(frozen=True)
class Intervention:
    """Lever values that take effect from a given working day (0-based) of a run."""

    day: int
    values: dict[str, Any]


GROUPS: dict[str, type] = {"market": Market, "levers": Levers, "mechanisms": Mechanisms}


@dataclass(frozen=True)
class Params:
    """All inputs of one model run."""

    market: Market = field(default_factory=Market)
    levers: Levers = field(default_factory=Levers)
    mechanisms: Mechanisms = field(default_factory=Mechanisms)

    def with_values(self, values: dict[str, Any]) -> Params:
        """Return a copy with flat `name: value` overrides (names are unique across groups)."""
        changes: dict[str, dict[str, Any]] = {g: {} for g in GROUPS}
        for name, value in values.items():
            changes[group_of(name)][name] = value
        return Params(
            **{
                g: dataclasses.replace(getattr(self, g), **c) if c else getattr(self, g)
                for g, c in changes.items()
            }
        )

    def flat(self) -> dict[str, Any]:
        """All parameters as one flat `name: value` dict."""
        return {k: v for g in GROUPS for k, v in dataclasses.asdict(getattr(self, g)).items()}


def parameter_fields() -> dict[str, tuple[str, dataclasses.Field]]:
    """Map every parameter name to its group name and dataclass field."""
    return {f.name: (g, f) for g, cls in GROUPS.items() for f in dataclasses.fields(cls)}


def group_of(name: str) -> str:
    """Return the group of a parameter name, or raise with the closest valid names."""
    fields = parameter_fields()
    if name not in fields:
        raise ParameterError(f"unknown parameter {name!r}{suggest(name, fields)}")
    return fields[name][0]


def suggest(name: str, valid: Any) -> str:
    """A ' (did you mean ...?)' hint naming the closest valid keys, or ''."""
    close = difflib.get_close_matches(name, list(valid), n=3, cutoff=0.5)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
