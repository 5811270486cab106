"""Make the calibration examples from one model run with known parameters.

Writes `examples/observed_company.toml` (the figures the company would quote) and the two CRM
exports `examples/crm/hubspot_export.csv` and `examples/crm/salesforce_export.csv` (the same
leads in two CRMs' columns and formats). Because the truth is known (TRUTH below, on the
`defined` scenario), `run.py calibrate` on any of them can be checked against it; the measured
recovery is in docs/CALIBRATION.md.

Usage: python scripts/make_crm_examples.py   (deterministic: same files every time)
"""

from __future__ import annotations

from pathlib import Path

from sim.calibration.mapping import load_mapping
from sim.calibration.synthetic import export_from_leads
from sim.model.model import SalesMarketingModel
from sim.model.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BASE = "defined"
SEED = 20250106
DAYS = 250  # one year of working days: the window the figures cover (12 months)
BUDGET_PER_YEAR = 400_000.0
REVENUE_TARGET = 5_000_000.0
KNOWN = {  # what the company knows about itself
    "n_reps": 10,
    "n_marketers": 3,
    "marketing_budget_share": BUDGET_PER_YEAR / REVENUE_TARGET,
    "revenue_target_per_year": REVENUE_TARGET,
    "deal_value_mean": 28_000.0,
    "sales_cycle_days_mean": 45.0,
}
TRUTH = {  # what calibration must find
    "cost_per_inquiry": 120.0,
    "mql_score_threshold": 0.40,
    "reach_per_attempt": 0.55,
    "inquiry_fit_mean": 0.30,
    "base_win_rate": 0.22,
    "rep_response_latency_hours": 0.8,
}


def truth_run() -> SalesMarketingModel:
    """The company: the base scenario with the known and the true values, one year."""
    scenario = load_scenario(BASE).with_values({**KNOWN, **TRUTH})
    return SalesMarketingModel(scenario.params, seed=SEED).run(DAYS)


def observed_toml(summary: dict[str, float]) -> str:
    """The figures a manager would quote, rounded as they would be."""
    months = 12
    return f"""# A company's observed figures (made by scripts/make_crm_examples.py from one model run with
# known parameters: see TRUTH there and the recovery table in docs/CALIBRATION.md).
# Format: docs/CALIBRATION.md, "Observed figures".
name = "northwind"
description = "Northwind Components: 10 reps, 3 marketers, one year of figures"
months_observed = {months}               # the window the figures cover (sets default sample sizes)

[team]
n_reps = {KNOWN["n_reps"]}
n_marketers = {KNOWN["n_marketers"]}

[marketing]
budget_per_year = {BUDGET_PER_YEAR:.0f}
revenue_target_per_year = {REVENUE_TARGET:.0f}

[funnel]
inquiries_per_month = {summary["inquiries"] / months:.0f}
mqls_per_month = {summary["mqls"] / months:.0f}
mql_to_sal = {summary["mql_to_sal"]:.3f}              # MQLs a rep reached
sal_to_sql = {summary["sal_to_sql"]:.3f}
sql_to_won = {summary["sql_to_won"]:.3f}              # of closed marketing-sourced deals
median_response_hours = {summary["median_response_hours"]:.2f}   # working hours to first contact

[deals]
average_deal_size = {KNOWN["deal_value_mean"]:.0f}
sales_cycle_days = {KNOWN["sales_cycle_days_mean"]:.0f}            # working days

# [sample_sizes]                      # optional: the counts behind the rates (default: from volumes)
# mql_to_sal = 1200                   # MQLs the MQL->SAL rate was computed on

# [known]                             # optional: any scenario parameter known for this company
# sla_first_contact_hours = 2.0
"""


def main() -> None:
    """Run the company once and write the three example files."""
    model = truth_run()
    (EXAMPLES / "observed_company.toml").write_text(observed_toml(model.summary()), encoding="utf-8")
    for crm in ("hubspot", "salesforce"):
        mapping = load_mapping(EXAMPLES / "crm" / f"{crm}_mapping.toml")
        export = export_from_leads(model.leads, model.hours_per_day, mapping)
        export.to_csv(EXAMPLES / "crm" / f"{crm}_export.csv", index=False)
        print(f"{crm}: {len(export)} leads")


if __name__ == "__main__":
    main()
