"""Outputs as pure functions of the daily record and the lead table.

The model appends one value per field per day; these functions turn that record into the tidy
table of DESIGN.md section 3 at any period, and into a run summary. Rates are recomputed from
summed counts in each period, never averaged from daily rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.leads import LeadTable, Source, Stage

# Where a lead came from, as the prefix of a flow's parts: marketing's MQLs or reps' own prospects.
SOURCE_PARTS: dict[str, Source] = {"marketing": Source.MARKETING, "sourced": Source.SALES}
# Flows of both funnels: each is recorded as its total and one part per source, which add up.
# New revenue (deals won) is split by source; recurring revenue (renewals, mechanism 16) is nobody's
# new deal, so `revenue` = `revenue_new` + `revenue_recurring` is not a split flow.
SPLIT_FLOWS: tuple[str, ...] = ("sqls", "opportunities", "deals_won", "deals_lost", "revenue_new")


def part_name(part: str, flow: str) -> str:
    """The column of one source's part of a split flow: `marketing_sqls`, `sourced_deals_won`.

    New revenue's parts keep the names they had when all revenue was new: `marketing_revenue`.
    """
    return f"{part}_{'revenue' if flow == 'revenue_new' else flow}"


def _with_parts(flow: str) -> tuple[str, ...]:
    return (flow, *(part_name(part, flow) for part in SOURCE_PARTS)) if flow in SPLIT_FLOWS else (flow,)


FLOWS: tuple[str, ...] = tuple(
    name
    for flow in (
        "inquiries",
        "mqls",
        "rejected",
        "sals",
        "sqls",
        "opportunities",
        "deals_won",
        "deals_lost",
        "revenue",
        "revenue_new",
        "leaked",
        "never_contacted",
        "first_contacts",
        "attempts",
        "prospects",
        "diy_assets",
        "diy_hours",
        "diy_assets_used",
        "marketing_assets_used",
        "content_used",
        "library_searches",
        "library_hits",
        "requests_made",
        "requests_served",
        "menial_hours",
        "support_hours",
        "refresh_hours",
        "campaign_hours",
        "marketing_spend",
        "rep_hours",
        "marketing_hours",
        "selling_hours",
        "meeting_hours",
        "rotation_days",
        "overwork_hours",
        "feedback",
        "inquiry_fit_sum",
        "revenue_recurring",
        "renewals",
        "churned",
        "change_cost",
        "change_dip_hours",
    )
    for name in _with_parts(flow)
)
MEAN_LEVELS: tuple[str, ...] = (
    "awareness",
    "brand_consistency",
    "marketing_knowledge",
    "content_freshness",
    "trust_sales_in_marketing",
    "trust_marketing_in_sales",
)
END_LEVELS: tuple[str, ...] = ("pipeline_value", "open_opportunities", "queued_leads", "customers")
DAILY_FIELDS: tuple[str, ...] = FLOWS + MEAN_LEVELS + END_LEVELS

PERIOD_DAYS: dict[str, int] = {"day": 1, "week": 5, "month": 21, "quarter": 63}
# Outputs that count whole things (leads, deals, assets, customers, rep-days; `days` itself): written
# as integers in every CSV, so a reader sees 250, not 250.0. Hours and money are not counts.
COUNTS: tuple[str, ...] = tuple(
    name
    for flow in (
        "inquiries",
        "mqls",
        "rejected",
        "sals",
        "sqls",
        "opportunities",
        "deals_won",
        "deals_lost",
        "leaked",
        "never_contacted",
        "first_contacts",
        "attempts",
        "prospects",
        "diy_assets",
        "diy_assets_used",
        "marketing_assets_used",
        "content_used",
        "library_searches",
        "library_hits",
        "requests_made",
        "requests_served",
        "rotation_days",
        "renewals",
        "churned",
        "open_opportunities",
        "queued_leads",
        "customers",
        "days",
    )
    for name in _with_parts(flow)
)

# Output columns in a stable order: DESIGN.md section 3 first, then the model's extra detail.
KPI_COLUMNS: tuple[str, ...] = (
    "revenue",
    "deals_won",
    "win_rate",
    "inquiries",
    "mqls",
    "sals",
    "sqls",
    "opportunities",
    "median_response_hours",
    "never_contacted_share",
    "leakage_share",
    "diy_assets",
    "diy_hours",
    "off_brand_share",
    "content_used_share",
    "brand_consistency",
    "awareness",
    "trust_sales_in_marketing",
    "trust_marketing_in_sales",
    "selling_time_share",
    "marketing_spend",
    "cac",
    "marketing_sourced_revenue_share",
    "pipeline_value",
)
RATES: dict[str, tuple[str, tuple[str, ...]]] = {
    # name: (numerator, denominator terms summed)
    "win_rate": ("deals_won", ("deals_won", "deals_lost")),
    "never_contacted_share": ("never_contacted", ("mqls",)),
    "leakage_share": ("leaked", ("leaked", "first_contacts")),
    "off_brand_share": ("diy_assets_used", ("diy_assets_used", "marketing_assets_used")),
    "content_used_share": ("content_used", ("opportunities",)),
    "library_hit_share": ("library_hits", ("library_searches",)),
    "selling_time_share": ("selling_hours", ("rep_hours",)),
    "cac": ("marketing_spend", ("deals_won",)),
    "marketing_sourced_revenue_share": ("marketing_revenue", ("revenue_new",)),
    "realised_inquiry_fit": ("inquiry_fit_sum", ("inquiries",)),
    # the marketing funnel: inquiries -> MQLs -> reached (SALs) -> SQLs -> won
    "mql_rate": ("mqls", ("inquiries",)),
    "mql_to_sal": ("sals", ("mqls",)),
    "sal_to_sql": ("marketing_sqls", ("sals",)),
    "sql_to_won": ("marketing_deals_won", ("marketing_deals_won", "marketing_deals_lost")),
    # the rep-sourced funnel: prospects -> SQLs -> won
    "prospect_to_sql": ("sourced_sqls", ("prospects",)),
    "sourced_sql_to_won": ("sourced_deals_won", ("sourced_deals_won", "sourced_deals_lost")),
    # customers after the sale
    "churn_rate": ("churned", ("churned", "renewals")),
}
# Both funnels as (stage, rate into it from the stage above) in order, keyed by source part; the
# rate of the last stage is over closed deals (won / (won + lost)), not over the SQLs above it.
FUNNELS: dict[str, tuple[tuple[str, str], ...]] = {
    "marketing": (
        ("inquiries", ""),
        ("mqls", "mql_rate"),
        ("sals", "mql_to_sal"),
        ("marketing_sqls", "sal_to_sql"),
        ("marketing_deals_won", "sql_to_won"),
    ),
    "sourced": (
        ("prospects", ""),
        ("sourced_sqls", "prospect_to_sql"),
        ("sourced_deals_won", "sourced_sql_to_won"),
    ),
}
FUNNEL_RATES: tuple[str, ...] = tuple(rate for _, rate in FUNNELS["marketing"][1:])
SOURCED_FUNNEL_RATES: tuple[str, ...] = tuple(rate for _, rate in FUNNELS["sourced"][1:])
FUNNEL_COLUMNS: tuple[str, ...] = tuple(
    name for steps in FUNNELS.values() for step in steps for name in step if name
)


def _ratio(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray | float:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(num, den)
    return np.where(np.asarray(den) > 0, out, np.nan) if np.ndim(out) else (out if den > 0 else np.nan)


SHARE_TOLERANCE = 1e-9  # hours summed in different orders differ by a few ulps


def add_rates(table: pd.DataFrame | dict) -> None:
    """Add every rate of RATES to a table (or dict) of summed counts, in place.

    Shares that exceed 1 by no more than float round-off are set to 1; a larger excess is left
    visible, since it would be a bug.
    """
    for name, (num, den) in RATES.items():
        value = _ratio(table[num], sum(table[d] for d in den))
        if name != "cac":
            value = np.where((value > 1) & (value <= 1 + SHARE_TOLERANCE), 1.0, value)
        table[name] = value if np.ndim(value) else float(value)


def timeseries(
    daily: dict[str, list[float]], leads: LeadTable, hours_per_day: float, period: str = "day"
) -> pd.DataFrame:
    """One row per period: summed flows, mean or end levels, recomputed rates."""
    if period not in PERIOD_DAYS:
        raise ValueError(f"period must be one of {', '.join(PERIOD_DAYS)}, got {period!r}")
    days = len(daily["revenue"])
    length = PERIOD_DAYS[period]
    frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in daily.items()})
    grouped = frame.groupby(np.arange(days) // length, sort=True)
    sums = grouped[list(FLOWS)].sum()
    # Columns as plain arrays from here on: the same arithmetic as on a DataFrame, far less overhead.
    table = {name: sums[name].to_numpy() for name in FLOWS}
    table.update({k: v.to_numpy() for k, v in grouped[list(MEAN_LEVELS)].mean().items()})
    table.update({k: v.to_numpy() for k, v in grouped[list(END_LEVELS)].last().items()})
    add_rates(table)
    periods = sums.index.to_numpy()
    table["median_response_hours"] = _median_response(leads, hours_per_day, length, len(periods))
    table["period"] = periods
    table["day"] = np.minimum((periods + 1) * length, days)
    return pd.DataFrame({name: table[name] for name in ("period", "day", *KPI_COLUMNS, *_extra_columns())})


def _extra_columns() -> list[str]:
    listed = set(KPI_COLUMNS)
    extra = [c for c in (*FLOWS, *MEAN_LEVELS, *END_LEVELS, *RATES) if c not in listed]
    return [c for c in extra if c != "inquiry_fit_sum"]


def _contacted(leads: LeadTable) -> np.ndarray:
    """Marketing leads that have had a first attempt (the population of response times)."""
    return (leads.source == Source.MARKETING) & ~np.isnan(leads.first_attempt_hour)


def first_response_hours(leads: LeadTable) -> tuple[np.ndarray, np.ndarray]:
    """Working hours from creation to first attempt, and the attempt hour, of marketing leads."""
    contacted = _contacted(leads)
    first = leads.first_attempt_hour[contacted]
    return first - leads.created_hour[contacted], first


def _median_response(leads: LeadTable, hours_per_day: float, length: int, periods: int) -> np.ndarray:
    delay, when = first_response_hours(leads)
    period = (when // hours_per_day).astype(np.int64) // length
    keep = period < periods
    medians = pd.Series(delay[keep]).groupby(period[keep]).median()
    return medians.reindex(range(periods)).to_numpy()


def summary(daily: dict[str, list[float]], leads: LeadTable) -> dict[str, float]:
    """Totals of flows, horizon means of levels, end values of stocks, and rates."""
    out: dict[str, float] = {"days": float(len(daily["revenue"]))}
    for name in FLOWS:
        out[name] = float(np.sum(daily[name]))
    for name in MEAN_LEVELS:
        out[name] = float(np.mean(daily[name])) if daily[name] else np.nan
    for name in END_LEVELS:
        out[name] = float(daily[name][-1]) if daily[name] else np.nan
    add_rates(out)
    delay, _ = first_response_hours(leads)
    out["median_response_hours"] = float(np.median(delay)) if len(delay) else np.nan
    del out["inquiry_fit_sum"]
    return {k: float(v) for k, v in out.items()}


QUALIFIED_STAGES = (Stage.SQL, Stage.OPPORTUNITY, Stage.WON, Stage.LOST)
RESPONSE_EDGES = (0.0, 1.0, 2.0, 24.0, np.inf)  # working hours to first contact, bins [low, high)
RESPONSE_BINS: dict[str, int] = {"within_1h": 0, "1_to_2h": 1, "24h_plus": 3}  # Oldroyd's, by bin


def response_counts(leads: LeadTable, edges: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Contacted and qualified (SQL or beyond) marketing leads per bin of hours to first contact.

    Bin i holds delays in [edges[i], edges[i+1]). Counts, not rates, so runs can be pooled by
    adding them (and a worker can ship a few numbers instead of its leads).
    """
    contacted = _contacted(leads)
    delay = leads.first_attempt_hour[contacted] - leads.created_hour[contacted]
    qualified = np.isin(leads.stage[contacted], QUALIFIED_STAGES)
    which = np.searchsorted(np.asarray(edges), delay, side="right") - 1
    bins = len(edges) - 1
    n = np.bincount(which, minlength=bins)[:bins].astype(float)
    q = np.bincount(which, weights=qualified, minlength=bins)[:bins]
    return n, q


def response_decay(*tables: LeadTable) -> dict[str, float]:
    """Qualification rate of marketing leads by working hours to first contact (Oldroyd 2011).

    Pools the leads of several runs (Oldroyd's data pooled many companies with different
    response habits). Returns the rate in each bin of RESPONSE_BINS, the number of leads in
    each, and the two ratios the calibration targets: within 1 h vs 1-2 h, and within 1 h vs
    24 h or more (NaN where a bin is empty).
    """
    counts = sum(np.stack(response_counts(leads, RESPONSE_EDGES)) for leads in tables)
    out: dict[str, float] = {}
    for name, i in RESPONSE_BINS.items():
        n, q = counts[:, i]
        out[f"n_{name}"] = float(n)
        out[f"rate_{name}"] = float(q / n) if n else np.nan
    out["ratio_1h_vs_1_2h"] = float(_ratio(out["rate_within_1h"], out["rate_1_to_2h"]))
    out["ratio_1h_vs_24h_plus"] = float(_ratio(out["rate_within_1h"], out["rate_24h_plus"]))
    return out
