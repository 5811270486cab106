"""Make the calibration examples from model runs with known parameters.

Two companies, each one run on the `defined` scenario with known and true values:

- Northwind (10 reps, 3 marketers, no first-contact SLA): `examples/observed_company.toml` (the
  figures it would quote) and the same leads in two CRMs' forms, `examples/crm/hubspot_export.csv`
  and `examples/crm/salesforce_export.csv`.
- Contoso (8 reps, 3 marketers, no SLA): a Pipedrive-style export (Stage and a separate Status,
  US 12-hour dates, date-only activity dates), `examples/crm/pipedrive_export.csv`, and the same
  funnel as two tables, `examples/crm/two_table_leads.csv` (the MQLs) and
  `examples/crm/two_table_deals.csv` (their closed deals, joined by id).

Because the truth is known (the tables below), `run.py calibrate` on any of them can be checked
against it; the measured recovery is in docs/CALIBRATION.md. Deterministic: same files every time.

Usage: python scripts/make_crm_examples.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.calibration.mapping import load_mapping
from sim.calibration.synthetic import export_from_leads, export_two_tables
from sim.model.model import SalesMarketingModel
from sim.model.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CRM = EXAMPLES / "crm"
BASE = "defined"
DAYS = 250  # one year of working days: the window the figures cover (12 months)
NORTHWIND_SEED = 20250106
NORTHWIND_KNOWN = {  # what the company knows about itself
    "n_reps": 10,
    "n_marketers": 3,
    "marketing_budget_share": 400_000.0 / 5_000_000.0,
    "revenue_target_per_year": 5_000_000.0,
    "deal_value_mean": 28_000.0,
    "sales_cycle_days_mean": 45.0,
    "sla_first_contact_hours": 0.0,
}
NORTHWIND_TRUTH = {  # what calibration must find
    "cost_per_inquiry": 120.0,
    "mql_score_threshold": 0.40,
    "reach_per_attempt": 0.55,
    "inquiry_fit_mean": 0.30,
    "base_win_rate": 0.22,
    "rep_response_latency_hours": 0.8,
}
CONTOSO_SEED = 20250310
CONTOSO_KNOWN = {
    "n_reps": 8,
    "n_marketers": 3,
    "marketing_budget_share": 300_000.0 / 4_000_000.0,
    "revenue_target_per_year": 4_000_000.0,
    "deal_value_mean": 22_000.0,
    "sales_cycle_days_mean": 40.0,
    "sla_first_contact_hours": 0.0,
}
CONTOSO_TRUTH = {
    "cost_per_inquiry": 90.0,
    "mql_score_threshold": 0.50,
    "reach_per_attempt": 0.65,
    "inquiry_fit_mean": 0.28,
    "base_win_rate": 0.24,
    "rep_response_latency_hours": 1.5,
}


def truth_run(known: dict[str, Any], truth: dict[str, Any], seed: int) -> SalesMarketingModel:
    """The company: the base scenario with the known and the true values, one year."""
    scenario = load_scenario(BASE).with_values({**known, **truth})
    return SalesMarketingModel(scenario.params, seed=seed).run(DAYS)


def observed_toml(summary: dict[str, float]) -> str:
    """The figures a manager would quote, rounded as they would be."""
    months = 12
    known = NORTHWIND_KNOWN
    budget = known["marketing_budget_share"] * known["revenue_target_per_year"]
    return f"""# A company's observed figures (made by scripts/make_crm_examples.py from one model run with
# known parameters: see NORTHWIND_TRUTH there and the recovery table in docs/CALIBRATION.md).
# Format: docs/CALIBRATION.md, "Observed figures".
name = "northwind"
description = "Northwind Components: 10 reps, 3 marketers, one year of figures"
months_observed = {months}               # the window the figures cover (sets default sample sizes)

[team]
n_reps = {known["n_reps"]}
n_marketers = {known["n_marketers"]}

[marketing]
budget_per_year = {budget:.0f}
revenue_target_per_year = {known["revenue_target_per_year"]:.0f}

[funnel]
inquiries_per_month = {summary["inquiries"] / months:.0f}
mqls_per_month = {summary["mqls"] / months:.0f}
mql_to_sal = {summary["mql_to_sal"]:.3f}              # MQLs a rep reached
sal_to_sql = {summary["sal_to_sql"]:.3f}
sql_to_won = {summary["sql_to_won"]:.3f}              # of closed marketing-sourced deals
median_response_hours = {summary["median_response_hours"]:.2f}   # working hours to first contact
# mql_to_won = 0.04                   # optional: MQLs of the window won within it (end to end)

[deals]
average_deal_size = {known["deal_value_mean"]:.0f}
sales_cycle_days = {known["sales_cycle_days_mean"]:.0f}            # working days

# [sample_sizes]                      # optional: the counts behind the rates (default: from volumes)
# mql_to_sal = 1200                   # MQLs the MQL->SAL rate was computed on

[known]                               # any scenario parameter known for this company
sla_first_contact_hours = 0.0         # no first-contact SLA (with one, response times hide the reps' latency)
"""


def main() -> None:
    """Run the two companies once each and write every example file."""
    northwind = truth_run(NORTHWIND_KNOWN, NORTHWIND_TRUTH, NORTHWIND_SEED)
    (EXAMPLES / "observed_company.toml").write_text(observed_toml(northwind.summary()), encoding="utf-8")
    for crm in ("hubspot", "salesforce"):
        mapping = load_mapping(CRM / f"{crm}_mapping.toml")
        export = export_from_leads(northwind.leads, northwind.hours_per_day, mapping)
        export.to_csv(CRM / f"{crm}_export.csv", index=False)
        print(f"{crm}: {len(export)} leads")
    contoso = truth_run(CONTOSO_KNOWN, CONTOSO_TRUTH, CONTOSO_SEED)
    pipedrive = export_from_leads(
        contoso.leads, contoso.hours_per_day, load_mapping(CRM / "pipedrive_mapping.toml")
    )
    pipedrive.to_csv(CRM / "pipedrive_export.csv", index=False)
    print(f"pipedrive: {len(pipedrive)} leads")
    leads, deals = export_two_tables(
        contoso.leads, contoso.hours_per_day, load_mapping(CRM / "two_table_mapping.toml")
    )
    leads.to_csv(CRM / "two_table_leads.csv", index=False)
    deals.to_csv(CRM / "two_table_deals.csv", index=False)
    print(f"two tables: {len(leads)} leads, {len(deals)} deals")


if __name__ == "__main__":
    main()
