"""Calibration recovers known parameters, and its outputs load and run.

Recovery: one run of a company with known parameter values plays the observed company (its
counts give the standard errors a CRM export of it would); `calibrate` with a small budget must
find each fitted parameter within TOLERANCE of the truth. The tolerances are about twice the
standard errors the fit reports for this company (10 reps, 3 marketers, one year of data), so
they test that the fit lands where the information allows, not luck; docs/CALIBRATION.md has
the recovery measured with the default budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import RUN_CLI

from sim.calibration.fit import FIT_FOR, calibrate, known_scenario, select_moments
from sim.calibration.observed import load_observed, observed_from_summary
from sim.model.model import SalesMarketingModel
from sim.model.scenario import load_scenario
from sim.reporting.calibration import calibrated_toml

ROOT = Path(__file__).resolve().parents[2]
DAYS = 250
KNOWN = {
    "n_reps": 10,
    "n_marketers": 3,
    "revenue_target_per_year": 5_000_000.0,
    "marketing_budget_share": 0.08,
    "deal_value_mean": 25_000.0,
}
TRUTH = {  # each further from the base scenario's value than its tolerance: the fit has to move
    "cost_per_inquiry": 150.0,
    "mql_score_threshold": 0.60,
    "reach_per_attempt": 0.50,
    "inquiry_fit_mean": 0.40,
    "base_win_rate": 0.16,
    "rep_response_latency_hours": 0.85,
}
TOLERANCE = {  # absolute, except cost and latency: relative
    # This company's three marketers happen to buy ~15% more inquiries than the seed average at
    # the same parameters (their skill draw), which the fit can only read as cheaper inquiries.
    "cost_per_inquiry": 0.20,
    "mql_score_threshold": 0.12,
    "reach_per_attempt": 0.15,
    "inquiry_fit_mean": 0.12,
    "base_win_rate": 0.08,
    "rep_response_latency_hours": 0.35,
}
RELATIVE = {"cost_per_inquiry", "rep_response_latency_hours"}


def cli(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", RUN_CLI, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.fixture(scope="module")
def fit():
    base = load_scenario("defined")
    company = base.with_values({**KNOWN, **TRUTH})
    summary = SalesMarketingModel(company.params, seed=424242).run(DAYS).summary()
    observed = observed_from_summary(summary, DAYS, "known_truth", KNOWN)
    return calibrate(observed, base, replications=3, days=DAYS, seed=7, max_evals=30, starts=0, workers=2)


def test_cli_defaults_are_the_fits_defaults():
    import sim.calibration.fit as fit_module
    import sim.cli.calibrate as command

    for name in (
        "DEFAULT_REPLICATIONS",
        "DEFAULT_DAYS",
        "DEFAULT_MAX_EVALS",
        "DEFAULT_STARTS",
        "DEFAULT_COMPANIES",
    ):
        assert getattr(command, name) == getattr(fit_module, name), name


def test_one_parameter_per_moment():
    observed = observed_from_summary({k: 1.0 for k in _summary_keys()}, DAYS)
    moments = select_moments(observed)
    assert "mqls_per_month" not in moments and "win_rate" not in moments  # superseded
    assert sorted(FIT_FOR[m] for m in moments) == sorted(TRUTH)


def _summary_keys() -> list[str]:
    return [
        "inquiries", "mqls", "mql_rate", "mql_to_sal", "sal_to_sql", "sql_to_won", "win_rate",
        "median_response_hours", "marketing_deals_won", "marketing_deals_lost", "sals", "deals_won",
        "deals_lost", "first_contacts",
    ]  # fmt: skip


LATENCY_HIDDEN = (
    "Model 2's SLA: reps aim to call within half the SLA, so in this SLA company the cap, not the "
    "reps' reaction time, sets the median response (1.0 h at any latency); the response-time moment "
    "no longer identifies rep_response_latency_hours (docs/CALIBRATION.md, known limits)"
)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=LATENCY_HIDDEN))
        if n == "rep_response_latency_hours"
        else n
        for n in TRUTH
    ],
)
def test_recovers_known_parameter(fit, name):
    estimate = next(e for e in fit.estimates if e.name == name)
    error = abs(estimate.value - TRUTH[name])
    allowed = TOLERANCE[name] * (TRUTH[name] if name in RELATIVE else 1.0)
    assert error <= allowed, f"{name}: fitted {estimate.value:.4g}, truth {TRUTH[name]}, SE {estimate.se:.3g}"
    assert abs(estimate.base - TRUTH[name]) > allowed, "staying at the start value would pass"
    assert estimate.se > 0 and estimate.ci_low < estimate.value < estimate.ci_high


@pytest.mark.xfail(strict=True, reason=LATENCY_HIDDEN + ": its Jacobian column is zero")
def test_fit_matches_the_moments_and_is_identified(fit):
    assert all(row.overlap for row in fit.fit), [(r.moment, r.residual) for r in fit.fit]
    assert fit.condition_number < 50  # the Jacobian is far from singular
    assert not any(e.weak for e in fit.estimates)


def test_calibrated_toml_loads_with_the_fitted_values(fit, tmp_path):
    path = tmp_path / "calibrated.toml"
    path.write_text(calibrated_toml(fit), encoding="utf-8")
    scenario = load_scenario(path)
    flat = scenario.params.flat()
    for estimate in fit.estimates:
        assert flat[estimate.name] == pytest.approx(estimate.value)
    assert flat["n_reps"] == 10 and flat["sla_first_contact_hours"] == 2.0  # known and base values
    assert "# fitted: 95% CI" in path.read_text()


def test_cli_writes_a_calibration_that_compare_runs(tmp_path):
    """End to end on the CRM example, tiny budget: files, JSON, and `compare` on the result."""
    crm = ROOT / "examples" / "crm"
    done = cli(
        "calibrate", crm / "salesforce_export.csv", "--mapping", crm / "salesforce_mapping.toml",
        "--set", "n_reps=10", "--set", "n_marketers=3", "-n", "2", "--days", "40", "--max-evals", "4",
        "--starts", "0", "--workers", "1", "--seed", "3", "--out", tmp_path, "--json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    folder = Path(report["folder"])
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["calibrated.toml", "fit.csv", "parameters.csv", "metadata.json", "fit.png"]
    )
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["seeds"] and metadata["environment"]["git"]["commit"]
    assert {p["parameter"] for p in report["parameters"]} == set(TRUTH)
    assert np.isfinite([p["se"] for p in report["parameters"]]).all()
    compared = cli(
        "compare", folder / "calibrated.toml", "integrated", "-n", "2", "--days", "20", "--workers", "1",
        "--seed", "1", "--out", tmp_path / "cmp", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert compared.returncode == 0, compared.stderr


def test_a_set_revenue_target_sets_the_budget_share(tmp_path):
    """The observed budget is a share of the revenue target in force after --set, not the base's."""
    path = tmp_path / "company.toml"
    path.write_text("[marketing]\nbudget_per_year = 400000\n[funnel]\nmql_to_sal = 0.5\n", encoding="utf-8")
    base = load_scenario("defined")
    scenario, known = known_scenario(load_observed(path), base, {"revenue_target_per_year": 8e6})
    assert scenario.params.market.revenue_target_per_year == 8e6
    assert scenario.params.levers.marketing_budget_share == pytest.approx(0.05)
    assert known["marketing_budget_share"] == pytest.approx(0.05)


class LinearCompanies:
    """A stand-in Simulator whose moments are exactly linear in x, plus each company's own offset."""

    slopes = np.array([[4.0, -1.0], [0.5, 3.0], [2.0, 2.0]])

    def __init__(self):
        self.cache = {}

    def companies_at(self, points, seeds):
        offsets = np.array([[s % 7, -(s % 5), s % 3] for s in seeds], dtype=float)
        return [offsets + self.slopes @ x for x in points]

    def evaluate(self, points, force=False):
        return self.companies_at(points, [1, 2, 3, 4])


def test_interval_jacobian_is_the_exact_slope_over_companies_one_sided_at_a_bound():
    from sim.calibration.fit import _company_jacobian

    sim, seeds = LinearCompanies(), list(range(100, 140))
    for x in (np.array([0.5, 0.5]), np.array([0.02, 1.0])):  # interior, then one end and the other
        jac = _company_jacobian(sim, lambda rows: rows.mean(axis=0) / 2.0, x, seeds)
        assert np.allclose(jac, LinearCompanies.slopes / 2.0)


def test_polish_steps_to_the_least_squares_point_and_never_worsens_the_fit():
    from sim.calibration.fit import _polish

    sim = LinearCompanies()
    target = sim.evaluate([np.array([0.3, 0.6])])[0].mean(axis=0)  # the moments at x = (0.3, 0.6)

    def residuals(rows):
        return rows.mean(axis=0) - target

    assert np.allclose(_polish(sim, residuals, np.array([0.8, 0.1]), LinearCompanies.slopes), [0.3, 0.6])
    wrong_slopes = -LinearCompanies.slopes  # a step the wrong way is not taken
    assert np.array_equal(_polish(sim, residuals, np.array([0.8, 0.1]), wrong_slopes), [0.8, 0.1])
