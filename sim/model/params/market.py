"""Market uncertainties: the facts of the market and of work that a company cannot choose.

In the EMA Workbench's terms these are the uncertainties: inquiry cost and fit, buyers'
attention, reach, deal values and cycle, and the rates at which awareness, knowledge and
content build up and decay. They are kept apart from the levers so that experiments can vary
what management controls while holding the market fixed (or sample the market to test a
policy's robustness). A field's name is also its scenario key (`[market]`), sweep key and
output column; the field order is the order of outputs and digests, so it must not change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.params.base import _Validated, param


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
        0.2,
        0,
        1,
        unit="",
        mechanism="field_feedback",
        source="Share of the gap to a perfect fit that full market knowledge closes (targeting). "
        "Assumed and bounded: knowledge from the field sharpens whom campaigns reach, by tens "
        "of percent of lead fit, not by multiples (0.5 made it the largest single driver).",
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
    late_contact_floor: float = param(
        0.02,
        0,
        1,
        unit="ratio",
        mechanism="response_decay",
        source="Reach of a call after the lead's attention window, relative to inside it: a late "
        "call re-engages a few buyers. Assumed; sized with the selection effects of "
        "sim/validation/response_decay.py so that the pooled firm population reproduces Oldroyd "
        "et al. (2011), with the within-firm (causal) part stated in docs/VALIDATION.md.",
    )
    sla_aim_share: float = param(
        0.5,
        0.05,
        1,
        unit="share",
        mechanism="response_decay",
        source="Share of a first-contact SLA within which reps aim to make the call (they keep "
        "a margin), capping both their reaction time and any cherry-picking postponement; "
        "assumed (half the SLA).",
    )
    sla_neglect_reduction: float = param(
        0.5,
        0,
        1,
        unit="share",
        mechanism="cherry_picking",
        source="Share of outright neglect of marketing leads that a monitored SLA prevents (a "
        "rep can still let a lead miss it); assumed.",
    )
    trust_memory_days: float = param(
        60.0,
        1,
        2000,
        unit="days",
        mechanism="trust",
        source="Working days over which experiences of the other side fade to 1/e (beta "
        "reputation with forgetting, Josang and Ismail 2002); a quarter's memory, assumed.",
    )
    trust_prior_events: float = param(
        10.0,
        0.1,
        1000,
        unit="events",
        mechanism="trust",
        source="Weight of a person's starting trust, in pseudo-events: trust reverts to it "
        "when experience fades; assumed (about two weeks of a rep's leads).",
    )
    blame_ego_weight: float = param(
        0.5,
        0,
        5,
        unit="",
        mechanism="trust",
        source="Extra weight a person of average ego gives a bad experience (blame), before "
        "senior support damps it; assumed.",
    )
    meeting_trust_events_per_day: float = param(
        0.4,
        0,
        20,
        unit="events/day",
        mechanism="meetings",
        source="Good experiences of the other side a day of saturated joint meetings gives "
        "each person present (contact hypothesis); assumed.",
    )
    rotation_trust_events_per_day: float = param(
        1.0,
        0,
        20,
        unit="events/day",
        mechanism="rotation",
        source="Good experiences of the other side a day spent working in it gives; assumed.",
    )
    review_bar_trusting: float = param(
        0.2,
        0,
        1,
        unit="fit",
        mechanism="lead_scoring",
        source="Perceived fit below which even a fully trusting rep rejects a lead; leads this "
        "poor are rightly rejected and do not count against sales; assumed.",
    )
    review_bar_distrust_gain: float = param(
        0.4,
        0,
        1,
        unit="fit",
        mechanism="lead_scoring",
        source="How far full distrust raises a rep's review bar above the trusting one; assumed.",
    )
    collaboration_gain_shared_goals: float = param(
        0.5,
        0,
        5,
        unit="",
        mechanism="trust",
        source="Relative rise in collaboration (feedback shared, support given) at fully "
        "shared goals: aligned rewards raise collaboration but do not reduce conflict "
        "(Le Meunier-FitzHugh, Massey and Piercy 2011); size assumed.",
    )
    collaboration_gain_senior_support: float = param(
        0.5,
        0,
        5,
        unit="",
        mechanism="trust",
        source="Relative rise in collaboration at full senior support, which also damps blame "
        "(Le Meunier-FitzHugh, Massey and Piercy 2011); size assumed.",
    )
    burn_in_days: int = param(
        90,
        0,
        2000,
        unit="days",
        mechanism="",
        source="Working days simulated before day 0 and not recorded, with steady-state jumps of "
        "the slow stocks at its thirds (sim/model/spinup.py), so year 1 and year 2 agree; 0 "
        "starts from the initial values.",
    )
    score_knowledge_gain: float = param(
        0.5,
        0,
        1,
        unit="share",
        mechanism="field_feedback",
        source="Share of marketing's scoring error that full field knowledge removes (the rest is "
        "noise no feedback fixes); assumed.",
    )
    content_quality_floor: float = param(
        0.5,
        0,
        1,
        unit="quality",
        mechanism="field_feedback",
        source="Quality of marketing's collateral with no field knowledge; full knowledge makes it "
        "1. With it the win rate of integrated vs segregated deals is ~1.4, as the MarketingProfs "
        "2005 benchmark's best- vs least-aligned (38% more proposals closed): the win-rate "
        "channel is calibrated to that component figure (tests/model/test_alignment_evidence.py).",
    )
    library_fit_floor: float = param(
        0.3,
        0,
        1,
        unit="probability",
        mechanism="field_feedback",
        source="Chance a fresh library holds a fitting asset with no field knowledge; full "
        "knowledge makes it 1; assumed.",
    )
    renewal_cycle_days: int = param(
        250,
        20,
        1250,
        unit="days",
        mechanism="customers",
        source="Working days a contract runs before its renewal: annual contracts, the most common "
        "term in B2B SaaS (KeyBanc Capital Markets SaaS surveys: median contract about a year). A "
        "won deal's value is its first contract; each renewal pays it again.",
    )
    annual_churn: float = param(
        0.11,
        0.01,
        1,
        unit="probability/year",
        mechanism="customers",
        source="Annual churn of a new customer at the reference channel inputs (the `defined` firm's "
        "means). Customers differ, heavy churners leave first, so the `defined` firm's installed base "
        "then loses ~10% a year: the median annual unit churn of the KeyBanc Capital Markets "
        "(formerly Pacific Crest) 2016 private SaaS company survey (median contract ~25k, close to "
        "the model's 30k; gross dollar churn ~8%). Per renewal: 1 - (1 - annual_churn)^(cycle / 250).",
    )
    churn_expectation_gain: float = param(
        0.45,
        0,
        10,
        unit="1/index",
        mechanism="customers",
        source="Expectation fit: churn is multiplied by exp(-gain * (E - 0.6)), E the deal's collateral "
        "quality times its on-message share (a customer sold with poor or off-brand material was "
        "promised what the product does not deliver). With `churn_knowledge_gain` (equal: their "
        "inputs differ alike between the structures) sized so integrated loses ~36% fewer customers a "
        "year than segregated, the MarketingProfs 2005 benchmark (tests/model/test_customers.py).",
    )
    churn_fit_gain: float = param(
        2.0,
        0,
        10,
        unit="1/fit",
        mechanism="customers",
        source="Customer fit: churn is multiplied by exp(-gain * (fit - 0.55)) with the lead's true fit "
        "(targeting and scoring from field knowledge). Assumed: a poor-fit customer (0.3) churns ~2.7 "
        "times as often as a good-fit one (0.8), within practitioners' 'two to three times'.",
    )
    churn_knowledge_gain: float = param(
        0.45,
        0,
        10,
        unit="1/index",
        mechanism="customers",
        source="Feedback: at each renewal churn is multiplied by exp(-gain * (K - 0.5)), K marketing's "
        "field knowledge then (onboarding and customer content that serve customers' needs). Sized "
        "with `churn_expectation_gain` to the MarketingProfs 2005 benchmark (36% fewer customers lost).",
    )
