"""How sure a fit is: sandwich intervals with the variation between companies, and what is not identified.

A company's figures vary around what its parameters imply for two reasons: its counts are finite
(binomial, Poisson), and it is one draw of people and one course of its market (a team of 8 reps
can respond in 5 or 10 hours at the same mean latency). The intervals carry both, as the
covariance Sigma of the moments over K simulated companies at the fit, each under its own seed
(another team). With G the Jacobian of the residuals (moments in units of their scale s) and
Omega = Sigma / s s' (diagonal at least the observed counts' variance), the method of simulated
moments gives

    Var(x) = (1 + 1/R) (G'G)^-1 G' Omega G (G'G)^-1

in the optimiser's [0, 1] scale (R replications of common random numbers make the simulated
mean; its own error adds Omega / R). The 95% CI is x +- 1.96 SE in that scale, mapped back, so
log-scaled parameters get asymmetric, positive intervals (the delta method for the SE).

A parameter is *not identified* when the data cannot tell its values apart: it sits at a bound,
no moment moves over its whole search range by more than one company-to-company SD (a flat
objective), or its moment is an observed rate of 0 or 1 (which no interior value matches). Each
is named with what would identify it (IDENTIFIED_BY). A flat parameter's interval is its whole
search range: the pseudo-inverse would otherwise give the direction the data cannot see no variance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.observed import RATES, Z95, Observed
from sim.calibration.simulate import Dimension

WEAK_SE = 0.25  # a fitted SE above a quarter of the search range marks a weakly identified parameter
FLAT = 1.0  # a Jacobian column below one SD over the whole range: the moments do not see the parameter
BOUND = 1e-3  # within 0.1% of a search range's end counts as at the bound
IDENTIFIED_BY: dict[str, str] = {
    "cost_per_inquiry": "the lead volume (inquiries or MQLs per month) with the marketing budget known",
    "mql_score_threshold": "inquiries as well as MQLs (leads at stage inquiry in the export)",
    "reach_per_attempt": "the share of MQLs a rep reached (a stage mapped to sal), or MQL->won with SQL->won",
    "inquiry_fit_mean": "SAL->SQL (stages mapped to sal and sql)",
    "base_win_rate": "closed deals both won and lost (a status or stage value mapped to lost)",
    "rep_response_latency_hours": "first-contact times with a time of day, in a company without a "
    "first-contact SLA (sla_first_contact_hours = 0)",
}


@dataclass(frozen=True)
class Estimate:
    """A fitted parameter with its uncertainty (95% CI from the scaled-space normal interval).

    Attributes:
        unidentified: Empty when identified; else why not and what would identify it.
    """

    name: str
    base: float
    value: float
    se: float
    ci_low: float
    ci_high: float
    low: float
    high: float
    at_bound: bool
    weak: bool
    unidentified: str = ""


def company_covariance(rows: np.ndarray) -> np.ndarray:
    """The M x M covariance of moments over K companies (pairwise where a run could not measure one)."""
    cov = pd.DataFrame(rows).cov(min_periods=2).to_numpy()
    return np.nan_to_num(cov, nan=0.0)


def residual_scale(rows: np.ndarray, se: np.ndarray) -> np.ndarray:
    """Each moment's scale: the SD of one company, at least the observed counts' SE."""
    sd = np.sqrt(np.clip(np.diag(company_covariance(rows)), 0.0, None))
    return np.maximum(sd, se)


def extreme_rates(observed: Observed, moments: Sequence[str]) -> list[str]:
    """The fitted moments that are observed rates of exactly 0 or 1."""
    return [m for m in moments if m in RATES and observed.moments[m].value in (0.0, 1.0)]


def estimates(
    dims: Sequence[Dimension],
    base_values: dict[str, float],
    x_hat: np.ndarray,
    jac: np.ndarray,
    omega: np.ndarray,
    replications: int,
    extreme: dict[str, list[str]],
) -> tuple[list[Estimate], float]:
    """Sandwich SEs in scaled space, mapped to parameter units, with the identification verdicts.

    Args:
        dims: The fitted parameters' search ranges.
        base_values: Every parameter's value in the scenario fitted (the estimates' `base`).
        x_hat: The fit, in the [0, 1] scale.
        jac: The residuals' Jacobian at the fit (residual units per unit of the scale).
        omega: The moments' covariance in residual units (Sigma / s s').
        replications: R, the common-random-number replications behind the simulated mean.
        extreme: Per parameter, its moments observed at a rate of 0 or 1.
    """
    g = np.asarray(jac)
    bread = np.linalg.pinv(g.T @ g)
    cov = (1 + 1 / replications) * bread @ g.T @ omega @ g @ bread
    se_x = np.sqrt(np.clip(np.diag(cov), 0, None))
    singular = np.linalg.svd(g, compute_uv=False)
    condition = float(singular[0] / singular[-1]) if singular[-1] > 0 else math.inf
    out = []
    for j, d in enumerate(dims):
        x = float(x_hat[j])
        at_bound = bool(x <= BOUND or x >= 1 - BOUND)
        flat = not np.any(np.abs(g[:, j]) > FLAT)
        half = math.inf if flat else Z95 * se_x[j]  # the data cannot see it: its whole search range
        out.append(
            Estimate(
                name=d.name,
                base=base_values[d.name],
                value=d.value(x),
                se=math.inf if flat else float(se_x[j] * d.slope(x)),
                ci_low=d.value(x - half),
                ci_high=d.value(x + half),
                low=d.low,
                high=d.high,
                at_bound=at_bound,
                weak=bool(not se_x[j] <= WEAK_SE or flat),
                unidentified=verdict(d, at_bound, flat, extreme.get(d.name, [])),
            )
        )
    return out, condition


def verdict(d: Dimension, at_bound: bool, flat: bool, extreme: list[str]) -> str:
    """Why a parameter is not identified, and what would identify it; empty when it is."""
    reasons = []
    if extreme:
        reasons.append("observed " + ", ".join(extreme) + " is a rate of exactly 0 or 1")
    if flat:
        reasons.append("no moment moves by one company-to-company SD over its whole search range")
    if at_bound:
        reasons.append(f"it ran to the edge of its search range ({d.low:g} to {d.high:g})")
    if not reasons:
        return ""
    return f"{'; '.join(reasons)}; would be identified by {IDENTIFIED_BY.get(d.name, 'a moment it moves')}"
