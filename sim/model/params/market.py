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
class FunnelMarket(_Validated):
    """Uncertainties up to the sale; `Market` (params/customers.py) adds those after it."""

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
        plausible=(50, 200),
        source="B2B cost per inquiry of order 50-200 in paid channels (industry surveys); 100 "
        "gives ~25 inquiries a working day at the default budget.",
    )
    inquiry_fit_mean: float = param(
        0.25,
        0.01,
        0.99,
        unit="probability",
        mechanism="lead_scoring",
        plausible=(0.15, 0.35),
        source="Mean true fit (chance to qualify if engaged) of an untargeted inquiry; chosen so "
        "the defined scenario's SAL->SQL lands in 50-70% after the MQL filter.",
    )
    inquiry_fit_concentration: float = param(
        3.0,
        0.5,
        100,
        unit="",
        mechanism="lead_scoring",
        plausible=(2, 6),
        source="Beta concentration of inquiry fit; 3 gives a wide spread so scoring matters.",
    )
    targeting_fit_gain: float = param(
        0.2,
        0,
        1,
        unit="",
        mechanism="field_feedback",
        plausible=(0.1, 0.3),
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
        plausible=(0.2, 0.5),
        source="SD of marketing's fit score error at zero knowledge, shrinking linearly with "
        "knowledge; assumed so scoring at default knowledge is informative but noisy.",
    )
    attention_short_share: float = param(
        0.97,
        0,
        1,
        unit="share",
        mechanism="response_decay",
        plausible=(0.9, 0.99),
        source="Share of inquiries whose buying attention is short-lived; fitted so the "
        "model reproduces Oldroyd et al. (HBR 2011) decay ratios (7x, 60x).",
    )
    attention_short_hours: float = param(
        1.0,
        0.05,
        48,
        unit="h",
        mechanism="response_decay",
        plausible=(0.5, 2),
        source="Weibull scale of a short attention window; fitted to Oldroyd et al. 2011.",
    )
    attention_short_shape: float = param(
        3.0,
        0.3,
        10,
        unit="",
        mechanism="response_decay",
        plausible=(1.5, 5),
        source="Weibull shape >1: attention holds for a while then drops (the 'golden hour').",
    )
    attention_long_hours: float = param(
        34.0,
        1,
        2000,
        unit="h",
        mechanism="response_decay",
        plausible=(16, 80),
        source="Mean exponential attention of considered buyers; fitted to the 60x ratio.",
    )
    reach_per_attempt: float = param(
        0.75,
        0.01,
        1,
        unit="probability",
        mechanism="follow_up",
        plausible=(0.5, 0.85),
        source="Chance an attentive inbound lead answers one attempt; calibrated (component level) so "
        "the typical, 1-2 h responding `defined` company reaches 40-60% of its MQLs (benchmark band).",
    )
    outbound_reach_per_attempt: float = param(
        0.15,
        0.01,
        1,
        unit="probability",
        mechanism="follow_up",
        plausible=(0.1, 0.3),
        source="Cold-call connect rates of 10-30% reported in sales surveys.",
    )
    prospect_fit_mean: float = param(
        0.35,
        0.01,
        0.99,
        unit="probability",
        mechanism="cherry_picking",
        plausible=(0.25, 0.45),
        source="Reps' own prospects fit somewhat better than raw inquiries (they know their "
        "territory), which is what tempts them to cherry-pick; assumed.",
    )
    prospects_per_hour: float = param(
        0.25,
        0,
        20,
        unit="1/h",
        mechanism="cherry_picking",
        plausible=(0.15, 0.4),
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
        plausible=(0.4, 1.0),
        source="Lognormal spread of deal values; deal sizes are right-skewed.",
    )
    sales_cycle_days_mean: float = param(
        40.0,
        1,
        500,
        unit="days",
        mechanism="",
        plausible=(25, 80),
        source="Mid-market B2B sales cycles of about two months (40 working days).",
    )
    base_win_rate: float = param(
        0.26,
        0.01,
        1,
        unit="probability",
        mechanism="",
        plausible=(0.2, 0.3),
        source="SQL->won of 20-30% (DESIGN.md section 4) at average skill and collateral.",
    )
    rep_admin_share: float = param(
        0.4,
        0,
        0.9,
        unit="share",
        mechanism="",
        plausible=(0.3, 0.5),
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
        plausible=(0.08, 0.2),
        source="Rep hours an open opportunity takes each working day: ~5 h over a 40-day "
        "cycle (discovery, demo, proposal), after admin time; assumed.",
    )
    awareness_initial: float = param(
        0.4,
        0,
        1,
        unit="index",
        mechanism="awareness",
        plausible=(0.2, 0.6),
        source="Brand awareness stock at start, as a share of the saturation level.",
    )
    awareness_gain_per_day: float = param(
        0.006,
        0,
        1,
        unit="1/day",
        mechanism="awareness",
        plausible=(0.003, 0.012),
        source="Goodwill build-up per day at the reference budget share (8%); Nerlove-Arrow "
        "stock model, rate assumed.",
    )
    awareness_decay_per_day: float = param(
        0.004,
        0,
        1,
        unit="1/day",
        mechanism="awareness",
        plausible=(0.002, 0.008),
        source="Goodwill decay: half-life ~170 working days, in the range of advertising "
        "carry-over estimates (Leone 1995).",
    )
    knowledge_initial: float = param(
        0.4,
        0,
        1,
        unit="index",
        mechanism="field_feedback",
        plausible=(0.2, 0.6),
        source="Marketing's field knowledge at start (0 none, 1 complete).",
    )
    knowledge_decay_per_day: float = param(
        0.004,
        0,
        1,
        unit="1/day",
        mechanism="field_feedback",
        plausible=(0.002, 0.008),
        source="Market knowledge goes stale without feedback; half-life ~170 working days.",
    )
    knowledge_gain_per_day: float = param(
        0.02,
        0,
        1,
        unit="1/day",
        mechanism="field_feedback",
        plausible=(0.01, 0.04),
        source="Knowledge gain per day at full feedback flow; assumed.",
    )
    content_decay_per_day: float = param(
        0.004,
        0,
        1,
        unit="1/day",
        mechanism="content_aging",
        plausible=(0.002, 0.008),
        source="Content freshness half-life ~170 working days (content audits ~yearly).",
    )
    content_refresh_per_hour: float = param(
        0.0015,
        0,
        1,
        unit="1/h",
        mechanism="content_aging",
        plausible=(0.00075, 0.003),
        source="Freshness restored per marketing hour of refresh; assumed.",
    )
    diy_quality_ratio: float = param(
        0.85,
        0.1,
        2,
        unit="ratio",
        mechanism="collateral",
        plausible=(0.7, 1.0),
        source="Mean quality of rep-made collateral relative to marketing's; assumed.",
    )
    diy_quality_sd: float = param(
        0.25,
        0,
        1,
        unit="quality",
        mechanism="collateral",
        plausible=(0.15, 0.35),
        source="Rep-made material is more variable: can be better or worse (DESIGN.md 6).",
    )
    collateral_win_effect: float = param(
        0.8,
        0,
        5,
        unit="",
        mechanism="collateral",
        plausible=(0.4, 1.2),
        source="Relative change in win chance per unit collateral quality; assumed.",
    )
    awareness_win_effect: float = param(
        0.3,
        0,
        5,
        unit="",
        mechanism="awareness",
        plausible=(0.15, 0.6),
        source="Relative change in win chance per unit awareness above 0.5; assumed.",
    )
    campaign_hours_scale: float = param(
        20.0,
        0.1,
        1e5,
        unit="h/day",
        mechanism="awareness",
        plausible=(10, 40),
        source="Marketing campaign hours a day at which spend reaches 63% of its potential "
        "(1 - exp(-h/scale)); assumed for a 6-marketer team.",
    )
    cherry_pick_neglect: float = param(
        0.3,
        0,
        1,
        unit="probability",
        mechanism="cherry_picking",
        plausible=(0.15, 0.45),
        source="Chance a fully distrustful rep of average ego never touches a marketing lead.",
    )
    rep_judgement_sd: float = param(
        0.15,
        0,
        1,
        unit="fit units",
        mechanism="lead_scoring",
        plausible=(0.1, 0.25),
        source="Noise in a rep's own judgement of a lead's fit on review; assumed.",
    )
    skill_sd: float = param(
        0.15,
        0,
        1,
        unit="",
        mechanism="",
        plausible=(0.1, 0.25),
        source="Spread of reps' closing skill and marketers' lead-generation skill multipliers "
        "around 1; assumed.",
    )
    late_contact_floor: float = param(
        0.1,
        0,
        1,
        unit="ratio",
        mechanism="response_decay",
        plausible=(0.05, 0.2),
        source="Reach of a call after the lead's attention window, relative to inside it. A B2B "
        "buyer who has moved on is still in market for months (Gartner: purchases take months and "
        "6-10 people), so a late call or nurture touch re-engages some: assumed 1 in 10. It sets "
        "the causal, within-firm part of the decay (a day-late call qualifies ~4x less often, a "
        "third of Oldroyd et al.'s 60x in logs); firm-level selection in "
        "sim/validation/response_decay.py carries the rest (docs/VALIDATION.md).",
    )
    sla_aim_share: float = param(
        0.5,
        0.05,
        1,
        unit="share",
        mechanism="response_decay",
        plausible=(0.3, 0.8),
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
        plausible=(0.25, 0.75),
        source="Share of outright neglect of marketing leads that a monitored SLA prevents (a "
        "rep can still let a lead miss it); assumed.",
    )
    trust_memory_days: float = param(
        60.0,
        1,
        2000,
        unit="days",
        mechanism="trust",
        plausible=(30, 120),
        source="Working days over which experiences of the other side fade to 1/e (beta "
        "reputation with forgetting, Josang and Ismail 2002); a quarter's memory, assumed.",
    )
    trust_prior_events: float = param(
        10.0,
        0.1,
        1000,
        unit="events",
        mechanism="trust",
        plausible=(5, 20),
        source="Weight of a person's starting trust, in pseudo-events: trust reverts to it "
        "when experience fades; assumed (about two weeks of a rep's leads).",
    )
    blame_ego_weight: float = param(
        0.5,
        0,
        5,
        unit="",
        mechanism="trust",
        plausible=(0.25, 1.0),
        source="Extra weight a person of average ego gives a bad experience (blame), before "
        "senior support damps it; assumed.",
    )
    meeting_trust_events_per_day: float = param(
        0.4,
        0,
        20,
        unit="events/day",
        mechanism="meetings",
        plausible=(0.2, 0.8),
        source="Good experiences of the other side a day of saturated joint meetings gives "
        "each person present (contact hypothesis); assumed.",
    )
    rotation_trust_events_per_day: float = param(
        1.0,
        0,
        20,
        unit="events/day",
        mechanism="rotation",
        plausible=(0.5, 2),
        source="Good experiences of the other side a day spent working in it gives; assumed.",
    )
    review_bar_trusting: float = param(
        0.2,
        0,
        1,
        unit="fit",
        mechanism="lead_scoring",
        plausible=(0.1, 0.3),
        source="Perceived fit below which even a fully trusting rep rejects a lead; leads this "
        "poor are rightly rejected and do not count against sales; assumed.",
    )
    review_bar_distrust_gain: float = param(
        0.4,
        0,
        1,
        unit="fit",
        mechanism="lead_scoring",
        plausible=(0.2, 0.6),
        source="How far full distrust raises a rep's review bar above the trusting one; assumed.",
    )
    trust_patience_gain: float = param(
        1.0,
        0,
        5,
        unit="1/trust",
        mechanism="trust",
        plausible=(0.5, 1.5),
        source="Relative change in a person's patience with (rep) or responsiveness to (marketer) the "
        "other side per unit of trust above 0.5: trust is the willingness to accept vulnerability "
        "to the other's actions (Mayer, Davis and Schoorman 1995), so waiting on them or serving "
        "them follows it; size assumed, bounded so full distrust halves patience.",
    )
    ego_impatience_gain: float = param(
        0.5,
        0,
        5,
        unit="1/ego",
        mechanism="trust",
        plausible=(0.25, 1.0),
        source="Relative fall in patience and responsiveness per unit of ego above the reference "
        "(0.5): a person who thinks their own work closes deals waits and serves less; assumed, "
        "half the trust effect so ego modulates rather than dominates.",
    )
    pay_support_gain: float = param(
        0.25,
        0,
        1,
        unit="share",
        mechanism="marketing_pay",
        plausible=(0.1, 0.5),
        source="Relative rise in marketers' support for sales requests when paid on closed revenue "
        "rather than pipeline (and fall when paid on MQL volume): aligned rewards raise "
        "collaboration (Le Meunier-FitzHugh, Massey and Piercy 2011), sized below the shared-goals "
        "gain (0.5) because pay is one part of goals; revenue against volume pay gives 1.25/0.75.",
    )
    rep_latency_log_sd: float = param(
        0.5,
        0,
        2,
        unit="log",
        mechanism="response_decay",
        plausible=(0.3, 0.8),
        source="Log-normal spread of reps' reaction times around the lever's mean (mean kept): "
        "some reps watch their queue, others check it twice a day; assumed.",
    )
    collateral_touch_weight: float = param(
        5.0,
        0,
        50,
        unit="touches",
        mechanism="scripts",
        plausible=(2.0, 10.0),
        source="Customer touches one collateral asset counts for in brand consistency: it is read "
        "by the buying group, of 6-10 people in B2B purchases (Gartner 2019), not all closely.",
    )
    brand_memory_days: float = param(
        20.0,
        1,
        500,
        unit="days",
        mechanism="scripts",
        plausible=(10.0, 60.0),
        source="Working days over which brand consistency follows the day's on-brand share "
        "(exponential smoothing weight 1/memory): buyers' impression of a brand is a few weeks' "
        "touches; assumed.",
    )
    collaboration_gain_shared_goals: float = param(
        0.5,
        0,
        5,
        unit="",
        mechanism="trust",
        plausible=(0.25, 1.0),
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
        plausible=(0.25, 1.0),
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
        plausible=(0.3, 0.7),
        source="Share of marketing's scoring error that full field knowledge removes (the rest is "
        "noise no feedback fixes); assumed.",
    )
    content_quality_floor: float = param(
        0.5,
        0,
        1,
        unit="quality",
        mechanism="field_feedback",
        plausible=(0.4, 0.6),
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
        plausible=(0.2, 0.5),
        source="Chance a fresh library holds a fitting asset with no field knowledge; full "
        "knowledge makes it 1; assumed.",
    )
