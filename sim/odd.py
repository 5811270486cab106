"""Generated parts of docs/ODD.md: the parameter, scenario and output tables.

The tables are rendered from the code's own metadata (parameter fields in `sim.model.params`, the
scenario files, output columns in `sim.model.metrics`) so the documentation cannot drift from the
model. This is documentation tooling: the model never imports it.

Usage:
    python -m sim.odd           rewrite the generated sections of docs/ODD.md
    python -m sim.odd --check   exit 1 if they are out of date
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.model import metrics
from sim.model.params import GROUPS, MECHANISMS, ChangeCost, Params

ROOT = Path(__file__).resolve().parents[1]
ODD_PATH = ROOT / "docs" / "ODD.md"
SCENARIO_DIR = ROOT / "scenarios"
KOTLER_ORDER: tuple[str, ...] = ("segregated", "defined", "aligned", "integrated")

GROUP_TITLES: dict[str, str] = {
    "market": "Market uncertainties",
    "levers": "Organisational levers",
    "mechanisms": "Mechanism switches",
    "interventions": "Cost of an intervention",
}
# The tables of the parameter section: the three groups, then the keys of an [[interventions]] block.
TABLES: dict[str, tuple[type, str]] = {
    **{group: (cls, f"[{group}]") for group, cls in GROUPS.items()},
    "interventions": (ChangeCost, "[[interventions]]"),
}

OUTPUT_DEFINITIONS: dict[str, str] = {
    # index
    "period": "Period number from 0 (day, week = 5, month = 21 or quarter = 63 working days).",
    "day": "Working days elapsed at the end of the period (1-based; the last period may be short).",
    # DESIGN.md section 3
    "revenue": "Revenue (currency): `revenue_new` + `revenue_recurring`.",
    "deals_won": "Deals closed as won, both sources: `marketing_deals_won` + `sourced_deals_won`.",
    "win_rate": "Share of closed deals that were won (both sources).",
    "inquiries": "Inquiries bought by marketing spend and campaign hours.",
    "mqls": "Inquiries handed over to sales (score at or above the MQL threshold).",
    "sals": "MQLs a rep *reached* (labelled 'reached'; the model's SAL count has no acceptance "
    "step: rejected MQLs are in `never_contacted`), in the MQL's hand-over period.",
    "sqls": "Leads that qualified on reach, both sources: `marketing_sqls` + `sourced_sqls`, each in "
    "its lead's hand-over (or finding) period.",
    "opportunities": "SQLs opened as deals the working day after they qualified, both sources.",
    "median_response_hours": "Median working hours from inquiry to first attempt, over first "
    "attempts on marketing leads made in the period.",
    "never_contacted_share": "Share of MQLs never contacted, rejected ones included: "
    "MQLs rejected on review or left uncalled past the shelf life (or with no rep), in the MQL's "
    "hand-over period; MQLs still waiting at the end are not counted.",
    "leakage_share": "Leaked after acceptance: accepted MQLs left uncalled past the shelf life, over "
    "those contacted or expired (counted when they leave the queue; rejected MQLs are in neither).",
    "diy_assets": "Collateral assets reps built alone after their patience ran out.",
    "diy_hours": "Rep hours spent building collateral alone.",
    "off_brand_share": "Share of collateral put to use that reps built alone.",
    "content_used_share": "Marketing content used: share of deals opened in the period that got a "
    "marketing asset (library hit, served request, hybrid-built; every deal when `collateral` is "
    "off), by the deal's opening period. Deals still waiting, or built alone, count as unused.",
    "brand_consistency": "On-brand share of customer touches, smoothed (index 0-1).",
    "awareness": "Brand awareness stock as a share of saturation (index 0-1).",
    "trust_sales_in_marketing": "Mean trust of specialist reps in marketing (0-1); 1 when the side "
    "has no specialists (hybrids trust fully).",
    "trust_marketing_in_sales": "Mean trust of specialist marketers in sales (0-1); 1 when the side "
    "has no specialists (hybrids trust fully).",
    "selling_time_share": "Share of reps' paid hours spent on deals, contact attempts and prospecting.",
    "marketing_spend": "Marketing budget spent (currency); a fixed daily amount.",
    "cac": "Marketing spend per deal won (all deals; staff costs excluded).",
    "marketing_sourced_revenue_share": "Share of new revenue from marketing-sourced deals (renewals "
    "are nobody's new deal).",
    "pipeline_value": "Value of open SQLs and opportunities at the end of the period (currency).",
    # extra flows
    "rejected": "MQLs a rep refused on review (only when sales judges lead quality).",
    "marketing_sqls": "MQLs that qualified on reach, in the MQL's hand-over period.",
    "sourced_sqls": "Reps' own prospects that qualified on reach, in the period the prospect was found.",
    "marketing_opportunities": "Marketing-sourced deals opened.",
    "sourced_opportunities": "Rep-sourced deals opened.",
    "marketing_deals_won": "Marketing-sourced deals won.",
    "sourced_deals_won": "Rep-sourced deals won.",
    "deals_lost": "Deals closed as lost, both sources.",
    "marketing_deals_lost": "Marketing-sourced deals lost.",
    "sourced_deals_lost": "Rep-sourced deals lost.",
    "marketing_revenue": "Value of marketing-sourced deals won (currency).",
    "sourced_revenue": "Value of rep-sourced deals won (currency).",
    "leaked": "Accepted MQLs that reached the shelf life with no attempt (or had no rep).",
    "never_contacted": "MQLs never contacted: rejected on review, leaked, or handed to no rep, in "
    "the MQL's hand-over period.",
    "first_contacts": "First contact attempts on marketing leads.",
    "attempts": "Contact attempts on all leads (inbound and own prospects).",
    "prospects": "Own prospects reps found.",
    "diy_assets_used": "Rep-built assets put to use (deals supplied with off-brand collateral).",
    "marketing_assets_used": "Marketing assets put to use (library hits, served requests, hybrid-built).",
    "content_used": "Deals that got a marketing asset, in the deal's opening period (the numerator "
    "of `content_used_share`).",
    "library_searches": "New deals of specialist reps that looked in the content library.",
    "library_hits": "Library searches that found a fitting asset.",
    "requests_made": "Collateral requests sent to marketing (library misses).",
    "requests_served": "Collateral requests marketing delivered.",
    "menial_hours": "Marketing hours spent on menial (formatting) requests.",
    "support_hours": "Marketing hours spent on sales requests, menial and real.",
    "refresh_hours": "Marketing hours spent refreshing content.",
    "campaign_hours": "Marketing hours left for campaigns (not skill-weighted).",
    "rep_hours": "Reps' paid hours, including admin, meetings and rotation days.",
    "marketing_hours": "Marketers' paid hours, including meetings and rotation days.",
    "selling_hours": "Rep hours on deals, contact attempts and prospecting (idle time included).",
    "meeting_hours": "Person-hours in joint meetings, both sides.",
    "rotation_days": "Person-days spent in the other function, both sides.",
    "overwork_hours": "Hours spent beyond what people had left (should stay 0).",
    "feedback": "Field feedback flow reaching marketing (dimensionless, summed over days).",
    "revenue_new": "Value of deals won (currency), their first contracts: `marketing_revenue` + "
    "`sourced_revenue`.",
    "revenue_recurring": "Value of contracts customers renewed (currency).",
    "renewals": "Customers who renewed their contract at its anniversary.",
    "churned": "Customers who did not renew at their anniversary (lost).",
    "change_cost": "One-off costs of interventions paid in the period (currency; `change_cost`).",
    "change_dip_hours": "Working hours both sides lost to interventions' dips (`change_dip`).",
    # extra levels
    "marketing_knowledge": "Marketing's field knowledge (index 0-1).",
    "content_freshness": "Freshness of the content library (index 0-1).",
    "open_opportunities": "Open SQLs and opportunities at the end of the period.",
    "queued_leads": "Leads waiting in reps' queues at the end of the period (both sources).",
    "customers": "Customers at the end of the period: won deals and the installed base, less the churned.",
    # extra rates
    "library_hit_share": "Share of library searches that found a fitting marketing asset.",
    "realised_inquiry_fit": "Mean true fit of the period's inquiries (after targeting).",
    "mql_rate": "Marketing funnel: share of inquiries handed over as MQLs.",
    "mql_to_sal": "Marketing funnel: MQL to reached (the model's MQL to SAL).",
    "sal_to_sql": "Marketing funnel: reached to SQL (the model's SAL to SQL).",
    "sql_to_won": "Marketing funnel: marketing-sourced deals won over marketing-sourced deals closed.",
    "prospect_to_sql": "Rep-sourced funnel: share of own prospects that qualified.",
    "sourced_sql_to_won": "Rep-sourced funnel: rep-sourced deals won over rep-sourced deals closed.",
    "churn_rate": "Share of customers due to renew who churned (annual churn at yearly contracts).",
}


def _number(value: float) -> str:
    """Format a number compactly: integers with thousands separators, others with %g."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return _number(value)


def _range(f: dataclasses.Field) -> str:
    meta = f.metadata
    if isinstance(f.default, bool):
        return "true, false"
    if meta["choices"]:
        return ", ".join(f'"{c}"' for c in meta["choices"])
    return f"{_number(meta['low'])} to {_number(meta['high'])}"


def _plausible(f: dataclasses.Field) -> str:
    """The plausible range, or why there is none (a choice, a switch, or a fact of the client)."""
    plausible = f.metadata.get("plausible")
    if plausible is not None:
        return f"{_number(plausible[0])} to {_number(plausible[1])}"
    return "-" if isinstance(f.default, bool | str) else "client fact"


def _submodel(key: str) -> str:
    """The ODD Submodels subsection of a mechanism key ("7.0" for the core pipeline)."""
    return f"7.{MECHANISMS[key].split('.', 1)[0]}" if key else "7.0"


def _mechanism(key: str) -> str:
    return f"`{key}` ({_submodel(key)})" if key else f"core ({_submodel(key)})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def parameter_table() -> str:
    """Render one Markdown table per parameter group from the fields' metadata.

    Returns:
        Markdown with a level-3 heading and a table for market uncertainties, organisational
        levers and mechanism switches.

    Raises:
        ValueError: If a parameter has no source or reasoning for its default.
    """
    out = [
        "Generated by `python -m sim.odd` from the field metadata in `sim/model/params/` "
        "(`market.py`, `customers.py`, `levers.py`, `mechanisms.py`, `change.py`). "
        "The mechanism column names the key in `sim.model.params.MECHANISMS` and the Submodels "
        'subsection; "core" parameters belong to the deal pipeline (7.0). The plausible range is '
        "what an analyst would still defend for an assumed value, or a lever's realistic operating "
        "range; comparisons over plausible worlds draw from it. A client fact (scale, team sizes, "
        "the burn-in) has none: it is set from the client's data.",
    ]
    header = "| parameter | default | unit | allowed | plausible | mechanism | source or reasoning |"
    for group, (cls, key) in TABLES.items():
        out += ["", f"### {GROUP_TITLES[group]} (`{key}`)", "", header, "|---|---|---|---|---|---|---|"]
        for f in dataclasses.fields(cls):
            source = f.metadata["source"].strip()
            if not source:
                raise ValueError(f"parameter {f.name!r} has no source or reasoning")
            if group == "mechanisms":
                source += f" What off does: {_submodel(f.name)}."
            unit = f.metadata["unit"] or "-"
            row = (
                f"`{f.name}`",
                _value(f.default),
                unit,
                _range(f),
                _plausible(f),
                _mechanism(f.metadata["mechanism"]),
                source,
            )
            out.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(out) + "\n"


def output_columns() -> tuple[str, ...]:
    """Columns of `SalesMarketingModel.timeseries()`, in order."""
    return ("period", "day", *metrics.KPI_COLUMNS, *metrics._extra_columns())


def _aggregation(column: str) -> str:
    if column in ("period", "day"):
        return "index"
    if column in metrics.RATES:
        return "ratio of sums"
    if column == "median_response_hours":
        return "median"
    if column in metrics.FLOWS:
        return "sum"
    if column in metrics.MEAN_LEVELS:
        return "mean"
    if column in metrics.END_LEVELS:
        return "end value"
    raise ValueError(f"output column {column!r} has no known aggregation")


def output_table() -> str:
    """Render the output columns with a one-line definition each.

    Returns:
        A Markdown table: column, how it is aggregated within a period, definition (rates
        with their numerator and denominator from `sim.model.metrics.RATES`).

    Raises:
        ValueError: If an output column has no entry in OUTPUT_DEFINITIONS, or an entry names
            no output column.
    """
    columns = output_columns()
    missing = [c for c in columns if c not in OUTPUT_DEFINITIONS]
    stale = [c for c in OUTPUT_DEFINITIONS if c not in columns]
    if missing or stale:
        raise ValueError(
            f"sim/odd.py OUTPUT_DEFINITIONS is out of step with sim.model.metrics: "
            f"undefined columns {missing}, definitions of no column {stale}"
        )
    out = [
        "Generated by `python -m sim.odd` from `sim/model/metrics.py` and `OUTPUT_DEFINITIONS` in "
        "`sim/odd.py`: the columns of `SalesMarketingModel.timeseries(period)`, in order. Flows "
        "are summed over the period, levels averaged over its days or taken at its end, and "
        "rates recomputed from the period's sums (NaN when the denominator is 0).",
        "",
        "| column | in a period | definition |",
        "|---|---|---|",
    ]
    for column in columns:
        text = OUTPUT_DEFINITIONS[column]
        if column in metrics.RATES:
            num, den = metrics.RATES[column]
            denominator = " + ".join(f"`{d}`" for d in den)
            denominator = f"({denominator})" if len(den) > 1 else denominator
            text = f"{text} `{num}` / {denominator}."
        out.append(f"| `{column}` | {_aggregation(column)} | {_cell(text)} |")
    return "\n".join(out) + "\n"


def _flat(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for g in GROUPS for k, v in doc.get(g, {}).items()}


def _scenario_values(name: str, docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    doc = docs[name]
    values = _scenario_values(doc["extends"], docs) if "extends" in doc else {}
    return values | _flat(doc)


def scenario_table(directory: Path = SCENARIO_DIR) -> str:
    """Render the shipped scenarios as lever bundles: every value any scenario sets, side by side.

    Args:
        directory: Folder of scenario TOML files.

    Returns:
        Markdown: a table (parameters by scenario, effective values, defaults first), the
        scenarios' descriptions, and the interventions of scenarios that have them.
    """
    docs = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as f:
            docs[path.stem] = tomllib.load(f)
    static = [n for n in KOTLER_ORDER if n in docs]
    static += [n for n in docs if n not in static and not docs[n].get("interventions")]
    values = {n: _scenario_values(n, docs) for n in docs}
    names = list(dict.fromkeys(k for n in docs for k in values[n]))
    names += [k for n in docs for i in docs[n].get("interventions", []) for k in _flat(i) if k not in names]
    defaults = Params().flat()
    out = [
        "Generated by `python -m sim.odd` from `scenarios/*.toml`: effective values (a scenario's "
        "own settings over its parent's over the defaults); parameters no scenario sets keep "
        "their defaults.",
        "",
        "| parameter | default | " + " | ".join(f"`{n}`" for n in static) + " |",
        "|---|---|" + "---|" * len(static),
    ]
    for key in dict.fromkeys(names):
        cells = [_value(values[n].get(key, defaults[key])) for n in static]
        out.append(f"| `{key}` | {_value(defaults[key])} | " + " | ".join(cells) + " |")
    out.append("")
    for name, doc in docs.items():
        parent = f" (extends `{doc['extends']}`)" if "extends" in doc else ""
        out.append(f"- `{name}`{parent}: {_cell(doc.get('description', ''))}")
        for item in doc.get("interventions", []):
            changes = ", ".join(f"`{k}` = {_value(v)}" for k, v in _flat(item).items())
            out.append(f"  - from working day {item['day']}: {changes}.")
    return "\n".join(out) + "\n"


SECTIONS: dict[str, Callable[[], str]] = {
    "parameters": parameter_table,
    "scenarios": scenario_table,
    "outputs": output_table,
}


def update_document(text: str) -> str:
    """Replace every generated section of the document text with freshly rendered tables.

    Args:
        text: The current Markdown of docs/ODD.md.

    Returns:
        The text with the content between each `<!-- name:start -->` and `<!-- name:end -->`
        pair replaced.

    Raises:
        ValueError: If a pair of markers is missing or out of order.
    """
    for name, render in SECTIONS.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        i, j = text.find(start), text.find(end)
        if i < 0 or j < i:
            raise ValueError(f"docs/ODD.md lacks the markers {start} ... {end}")
        text = text[: i + len(start)] + "\n" + render() + text[j:]
    return text


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated sections of docs/ODD.md, or with --check report if they are stale.

    Args:
        argv: Command-line arguments (default: sys.argv[1:]).

    Returns:
        The exit status: 0, or 1 when --check finds the document out of date.
    """
    parser = argparse.ArgumentParser(prog="python -m sim.odd", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/ODD.md is out of date")
    parser.add_argument("--path", type=Path, default=ODD_PATH, help="the ODD document")
    args = parser.parse_args(argv)
    current = args.path.read_text(encoding="utf-8")
    fresh = update_document(current)
    if args.check:
        if fresh != current:
            print(f"{args.path} is out of date: run python -m sim.odd", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        args.path.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
