"""How the report names KPIs and writes numbers, shared by every sentence, table and CLI summary.

One table of KPI labels and units (`KPIS`) and one set of formatters keep a number looking the same
wherever it appears: in the report's sentences and tables, in `payback_sentence` and in the summary
`run.py compare` prints. This module depends on nothing but the standard library so that any part of
the reporting layer (and the command line) can use it without pulling in tables or plots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

YEAR_DAYS = 250  # working days per year, as model.WORKING_DAYS_PER_YEAR (not imported: no Mesa here)
NO_INTERVAL = "no interval from one replication"  # said instead of "nan to nan"
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class Kpi:
    """How a KPI is named and written: `kind` picks the number format, `more`/`less` the words."""

    label: str
    kind: str  # money, count, share, hours or index
    more: str = "more"
    less: str = "less"
    note: str = ""


KPIS: dict[str, Kpi] = {
    "revenue": Kpi("Revenue", "money", note="currency units, over the horizon"),
    "deals_won": Kpi("Deals won", "count", "more", "fewer", "all sources"),
    "win_rate": Kpi("Win rate", "share", "higher", "lower", "of closed deals, all sources"),
    # the marketing-sourced funnel
    "inquiries": Kpi("Inquiries", "count", "more", "fewer"),
    "mqls": Kpi("MQLs", "count", "more", "fewer", "handed over to sales"),
    "sals": Kpi("Reached", "count", "more", "fewer", "MQLs a rep reached (the model's SALs)"),
    "marketing_sqls": Kpi("Marketing-sourced SQLs", "count", "more", "fewer", "MQLs qualified"),
    "marketing_deals_won": Kpi("Marketing-sourced deals won", "count", "more", "fewer"),
    "mql_rate": Kpi("MQL rate", "share", "higher", "lower", "of inquiries"),
    "mql_to_sal": Kpi("MQL to reached", "share", "higher", "lower", "of MQLs"),
    "sal_to_sql": Kpi("Reached to SQL", "share", "higher", "lower", "of MQLs reached"),
    "sql_to_won": Kpi(
        "Marketing SQL to won", "share", "higher", "lower", "of closed marketing-sourced deals"
    ),
    # the rep-sourced funnel
    "prospects": Kpi("Prospects", "count", "more", "fewer", "reps' own"),
    "sourced_sqls": Kpi("Rep-sourced SQLs", "count", "more", "fewer", "own prospects qualified"),
    "sourced_deals_won": Kpi("Rep-sourced deals won", "count", "more", "fewer"),
    "prospect_to_sql": Kpi("Prospect to SQL", "share", "higher", "lower", "of own prospects"),
    "sourced_sql_to_won": Kpi(
        "Rep-sourced SQL to won", "share", "higher", "lower", "of closed rep-sourced deals"
    ),
    # totals of both funnels
    "sqls": Kpi("SQLs", "count", "more", "fewer", "all sources"),
    "opportunities": Kpi("Opportunities", "count", "more", "fewer", "all sources"),
    "median_response_hours": Kpi(
        "Median response", "hours", "slower", "faster", "working hours to first contact"
    ),
    "never_contacted_share": Kpi(
        "MQLs never contacted", "share", "higher", "lower", "of MQLs, rejected ones included"
    ),
    "leakage_share": Kpi(
        "Leaked after acceptance",
        "share",
        "higher",
        "lower",
        "accepted MQLs left uncalled past the shelf life, of those contacted or expired",
    ),
    "diy_assets": Kpi("DIY assets", "count", "more", "fewer", "collateral reps built alone"),
    "diy_hours": Kpi("DIY hours", "count", "more", "fewer", "rep hours spent on it"),
    "off_brand_share": Kpi("Off-brand share", "share", "higher", "lower", "of collateral used"),
    "content_used_share": Kpi(
        "Marketing content used",
        "share",
        "higher",
        "lower",
        "of deals opened, selling with a marketing asset",
    ),
    "library_hit_share": Kpi("Library hits", "share", "higher", "lower", "of library searches"),
    "brand_consistency": Kpi("Brand consistency", "index", "higher", "lower", "0-1, mean over the run"),
    "awareness": Kpi("Awareness", "index", "higher", "lower", "0-1, mean over the run"),
    "trust_sales_in_marketing": Kpi("Trust sales in marketing", "index", "higher", "lower", "0-1, mean"),
    "trust_marketing_in_sales": Kpi("Trust marketing in sales", "index", "higher", "lower", "0-1, mean"),
    "selling_time_share": Kpi("Selling time", "share", "higher", "lower", "of rep hours"),
    "marketing_spend": Kpi("Marketing spend", "money", note="over the horizon"),
    "cac": Kpi("CAC", "money", "higher", "lower", "marketing spend per deal won"),
    "marketing_sourced_revenue_share": Kpi(
        "Marketing-sourced revenue", "share", "higher", "lower", "of revenue"
    ),
    "pipeline_value": Kpi("Pipeline value", "money", note="open deals at the end"),
    "revenue_new": Kpi("New revenue", "money", note="first contracts of deals won"),
    "revenue_recurring": Kpi("Recurring revenue", "money", note="contracts customers renewed"),
    "customers": Kpi("Customers", "count", "more", "fewer", "at the end"),
    "churn_rate": Kpi("Churn rate", "share", "higher", "lower", "customers due to renew who left"),
    "renewals": Kpi("Renewals", "count", "more", "fewer", "contracts renewed"),
    "churned": Kpi("Customers lost", "count", "more", "fewer", "did not renew"),
}
# Both funnels' names and stage labels (the stages, in order, are `sim.model.metrics.FUNNELS`).
FUNNEL_NAMES: dict[str, str] = {"marketing": "marketing-sourced", "sourced": "rep-sourced"}
STAGE_LABELS: dict[str, str] = {
    "inquiries": "inquiries",
    "mqls": "MQLs",
    "sals": "reached",  # MQLs a rep reached: the model's SALs, with no acceptance step in the count
    "marketing_sqls": "SQLs",
    "marketing_deals_won": "deals won",
    "prospects": "prospects",
    "sourced_sqls": "SQLs",
    "sourced_deals_won": "deals won",
}
HEADLINE_KPIS: tuple[str, ...] = (
    "revenue",
    "revenue_new",
    "revenue_recurring",
    "deals_won",
    "win_rate",
    "median_response_hours",
    "never_contacted_share",
    "diy_hours",
    "trust_sales_in_marketing",
    "trust_marketing_in_sales",
    "selling_time_share",
    "cac",
    "churn_rate",
)


def kpi_info(key: str) -> Kpi:
    """The KPI's label and format; an unknown column gets its own name and a plain number format."""
    return KPIS.get(key, Kpi(key, "index", "higher", "lower"))


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def money_scale(*values: float) -> tuple[float, str, int]:
    """Divisor, suffix and decimals that show the largest value with about three significant digits."""
    finite = [abs(v) for v in values if not _missing(v)]
    top = max(finite, default=0.0)
    if top >= 1e6:
        return 1e6, " M", 1 if top >= 1e7 else 2
    if top >= 1e3:
        return 1e3, " k", 0 if top >= 1e5 else 1
    return 1.0, "", 0


def fmt_money(value: float, scale: tuple[float, str, int] | None = None, sign: bool = False) -> str:
    """Money in M or k (`12.3 M`), with a sign for differences; 'n/a' when missing."""
    if _missing(value):
        return "n/a"
    divisor, suffix, decimals = scale or money_scale(value)
    return f"{value / divisor:{'+' if sign else ''},.{decimals}f}{suffix}"


def fmt_value(kind: str, value: float, sign: bool = False) -> str:
    """A KPI value (or, with `sign`, a difference) in its own unit: shares as %, differences as pp."""
    if _missing(value):
        return "n/a"
    plus = "+" if sign else ""
    if kind == "money":
        return fmt_money(value, sign=sign)
    if kind == "count":
        return f"{value:{plus},.{0 if abs(value) >= 100 else 1}f}"
    if kind == "share":
        return f"{100 * value:{plus}.1f} {'pp' if sign else '%'}"
    if kind == "hours":
        return f"{value:{plus}.1f} h"
    return f"{value:{plus}.3f}"


def has_interval(low: float, high: float) -> bool:
    """False where a statistic has no interval (NaN ends: fewer than two replications)."""
    return not (_missing(low) or _missing(high))


def fmt_interval(kind: str, low: float, high: float, sign: bool = False) -> str:
    """`low to high` in one unit (for money: one scale for both ends), or NO_INTERVAL."""
    if not has_interval(low, high):
        return NO_INTERVAL
    if kind == "money":
        scale = money_scale(low, high)
        return f"{fmt_money(low, scale, sign).removesuffix(scale[1])} to {fmt_money(high, scale, sign)}"
    return f"{fmt_value(kind, low, sign)} to {fmt_value(kind, high, sign)}"


def fmt_with_ci(kind: str, value: float, low: float, high: float, sign: bool = False) -> str:
    """`value (low to high)` in one unit and, for money, one scale: `9.66 M (9.30 to 10.02 M)`."""
    if not has_interval(low, high):
        return f"{fmt_value(kind, value, sign)} ({NO_INTERVAL})"
    if kind != "money":
        interval = f"{fmt_value(kind, low, sign)} to {fmt_value(kind, high, sign)}"
        return f"{fmt_value(kind, value, sign)} ({interval})"
    scale = money_scale(value, low, high)
    suffix = scale[1]
    ends = f"{fmt_money(low, scale, sign).removesuffix(suffix)} to {fmt_money(high, scale, sign)}"
    return f"{fmt_money(value, scale, sign)} ({ends})"


def fmt_uplift(uplift: float) -> str:
    """Relative change in percent: `+45%`, `-3.2%`."""
    if _missing(uplift):
        return "n/a"
    pct = 100 * uplift
    return f"{pct:+.0f}%" if abs(pct) >= 10 else f"{pct:+.1f}%"


def fmt_p(p: float) -> str:
    """A p-value, `< 0.001` when tiny."""
    if _missing(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def fmt_effect(d: float) -> str:
    """Cohen's d_z with two decimals; infinite when every replication differs by the same amount."""
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return "n/a"
    return "inf" if math.isinf(d) else f"{d:.2f}"


def horizon_words(days: int) -> str:
    """`two years (500 working days)` or `200 working days (0.8 years)`."""
    years, rest = divmod(days, YEAR_DAYS)
    if rest == 0 and 0 < years < len(NUMBER_WORDS):
        unit = "year" if years == 1 else "years"
        return f"{NUMBER_WORDS[years]} {unit} ({days:,} working days)"
    if days < YEAR_DAYS / 10:
        return f"{days:,} working days"
    return f"{days:,} working days ({days / YEAR_DAYS:.1f} years)"
