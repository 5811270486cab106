"""Fit a scenario's unobserved behavioural parameters to a company's figures (SMM with CRN).

Simulated method of moments: choose parameters `theta` so that the mean of the simulated
moments over R replications is as close as possible to the observed moments, in units of
the observed moments' standard errors:

    J(theta) = sum_k ((mean_r m_k(theta, seed_r) - m_k_obs) / se_k)^2

The R seeds are the same at every `theta` (common random numbers, from
`sim.experiments.runner.replication_seeds`), so J is a deterministic function; it is a step function at
fine scale (leads cross thresholds one at a time) but smooth at the scale of a few percent of a
parameter's range, which is the step used for derivatives. The optimiser is Gauss-Newton with a
frozen Jacobian (the chord method) and bounded steps from `scipy.optimize.lsq_linear`, on
parameters scaled to [0, 1], started from the best of a scrambled Sobol' design and the base
scenario; a Jacobian is p points computed in one parallel batch and serves several steps.
Each fitted parameter has one moment with a clear main effect (FIT_FOR; why in
docs/CALIBRATION.md), so the system is exactly identified when every moment is observed, and
the Jacobian at the fit says how well.

The residuals are in units of one company's SD of each moment (at least its observed SE),
measured over K simulated companies at the best start point, so a figure that varies a lot
between companies (a small team's median response) does not dominate the fit. Uncertainty:
`sim.calibration.uncertainty` (the sandwich with the covariance over K companies at the fit).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize
from scipy.stats import qmc

from sim.calibration.observed import (
    WORKING_DAYS_PER_MONTH,
    Moment,
    Observed,
    resolve_known,
    unreachable_volume,
)
from sim.calibration.simulate import Dimension, Simulator, _Stop
from sim.calibration.uncertainty import Estimate, company_covariance, estimates, extreme_rates, residual_scale
from sim.experiments.runner import default_executor, replication_seeds
from sim.model.params import ParameterError, parameter_fields
from sim.model.scenario import Scenario

__all__ = ["Calibration", "Dimension", "Estimate", "FitRow", "calibrate"]
FIT_FOR: dict[str, str] = {
    "inquiries_per_month": "cost_per_inquiry",
    "mqls_per_month": "cost_per_inquiry",
    "mql_rate": "mql_score_threshold",
    "mql_to_sal": "reach_per_attempt",
    "sal_to_sql": "inquiry_fit_mean",
    "sql_to_won": "base_win_rate",
    "win_rate": "base_win_rate",
    "median_response_hours": "rep_response_latency_hours",
    "mql_to_won": "base_win_rate",  # or reach_per_attempt: see moment_parameters
}
"""The parameter each moment identifies (its main effect), in fitting order."""
SUPERSEDED: dict[str, str] = {"mqls_per_month": "inquiries_per_month", "win_rate": "sql_to_won"}
"""A moment left out when the other is observed (it adds no information about its parameter)."""
LOG_SCALE: dict[str, float] = {"rep_response_latency_hours": 0.02}
"""Parameters searched on a log scale, with the lower bound used instead of 0 (1.2 minutes)."""
VOLUME_SEARCH_FACTOR = 4.0  # cost_per_inquiry is searched within x/÷ 4 of the volume-matching guess
DIFF_STEP = 0.05  # finite-difference step on the [0, 1] scale: 5% of a parameter's search range
INTERVAL_STEP = 0.10  # the intervals' slopes: central differences over +-10% of each search range
INTERVAL_COMPANIES = 16  # ... each point run as this many of the K companies (why: _company_jacobian)
STEP_TOL = 1e-3  # a step below 0.1% of every search range changes nothing that CRN can resolve
MATCH_SE = 0.1  # stop when every moment is within a tenth of its SE (further steps chase noise)
PENALTY = 1e4  # residual of a moment the simulation could not measure (e.g. no MQLs at all)

DEFAULT_REPLICATIONS = 4
DEFAULT_DAYS = 250
DEFAULT_MAX_EVALS = 40
DEFAULT_STARTS = 4
DEFAULT_COMPANIES = 40  # simulated companies for the moments' covariance: its SDs within +-11% (docs)


@dataclass(frozen=True)
class FitRow:
    """One moment: observed with its CI, simulated at the fit with its CI over replications."""

    moment: str
    parameter: str
    observed: Moment
    simulated: float
    sim_ci_low: float
    sim_ci_high: float
    scale: float = math.nan  # one company's SD of the moment (at least its observed SE)

    @property
    def residual(self) -> float:
        """Simulated minus observed, in observed standard errors."""
        return (self.simulated - self.observed.value) / self.observed.se

    @property
    def residual_sd(self) -> float:
        """Simulated minus observed, in SDs of one company (what the fit weighs it by)."""
        return (self.simulated - self.observed.value) / self.scale

    @property
    def overlap(self) -> bool:
        """Whether the two 95% intervals overlap (the fit table's pass/fail)."""
        low, high = self.observed.ci
        return bool(self.sim_ci_low <= high and self.sim_ci_high >= low)


@dataclass
class Calibration:
    """The outcome of a fit: estimates, fit table, the calibrated scenario and how it was got."""

    observed: Observed
    base: Scenario
    scenario: Scenario  # base + known values + fitted values
    known: dict[str, Any]
    estimates: list[Estimate]
    fit: list[FitRow]
    root_seed: int
    seeds: list[int]
    days: int
    evaluations: int
    runs: int
    status: str
    jacobian: list[list[float]] = field(default_factory=list)  # residuals per unit scaled parameter
    condition_number: float = math.nan
    companies: int = 0  # K simulated companies behind the covariance of the moments
    extreme: list[str] = field(default_factory=list)  # fitted moments observed at a rate of 0 or 1


# ---------------------------------------------------------------------- set-up
def select_moments(observed: Observed) -> list[str]:
    """The observed moments that enter the fit, in FIT_FOR order (superseded ones left out)."""
    present = observed.moments
    return [m for m in FIT_FOR if m in present and SUPERSEDED.get(m) not in present]


def moment_parameters(moments: Sequence[str]) -> dict[str, str]:
    """The parameter each present moment identifies (FIT_FOR), MQL->won by what else is present.

    MQL->won is the product of the funnel's rates. Without SQL->won it speaks to the win rate;
    with SQL->won but without MQL->SAL (two tables: leads and closed deals) it speaks to how many
    MQLs become deals, whose main lever is reach; with both it over-identifies (a check).
    """
    out = {m: FIT_FOR[m] for m in moments}
    if "mql_to_won" in out and "sql_to_won" in out and "mql_to_sal" not in out:
        out["mql_to_won"] = "reach_per_attempt"
    return out


def fitted_parameters(moments: Sequence[str], fixed: set[str]) -> list[str]:
    """One parameter per moment (moment_parameters), minus those the user fixed; each listed once."""
    return list(dict.fromkeys(p for p in moment_parameters(moments).values() if p not in fixed))


def dimension(name: str, centre: float | None = None) -> Dimension:
    """A parameter's search range: its declared range, log-scaled where LOG_SCALE says so.

    cost_per_inquiry is searched within VOLUME_SEARCH_FACTOR of `centre` (the value that matches
    the observed volume in a first run): its declared range spans five decades, and runs at the
    cheap end would simulate millions of leads.
    """
    _, f = parameter_fields()[name]
    low, high = float(f.metadata["low"]), float(f.metadata["high"])
    if name == "cost_per_inquiry" and centre is not None:
        return Dimension(
            name, max(low, centre / VOLUME_SEARCH_FACTOR), min(high, centre * VOLUME_SEARCH_FACTOR), True
        )
    if name == "cost_per_inquiry":
        return Dimension(name, low, high, True)
    if name in LOG_SCALE:
        return Dimension(name, max(low, LOG_SCALE[name]), high, True)
    return Dimension(name, low, high)


def volume_guess(simulator: Simulator, observed: Observed, moments: Sequence[str]) -> float | None:
    """The cost per inquiry that matches the observed volume, from one evaluation at the base.

    Inquiries are proportional to spend over cost, so cost x simulated / observed volume is
    close; the fit refines it.
    """
    volume = next((m for m in moments if m in ("inquiries_per_month", "mqls_per_month")), None)
    if volume is None:
        return None
    (rows,) = simulator.evaluate([np.zeros(0)], force=True)
    simulated = float(np.nanmean(rows[:, simulator.moments.index(volume)]))
    base = simulator.scenario.params.market.cost_per_inquiry
    if not simulated > 0:
        return base
    needed = base * simulated / observed.moments[volume].value
    low, high = (float(parameter_fields()["cost_per_inquiry"][1].metadata[k]) for k in ("low", "high"))
    if not low <= needed <= high:
        raise unreachable_volume(observed, volume, (low, high, needed))
    return needed


# ---------------------------------------------------------------------- the fit
def known_scenario(
    observed: Observed, base: Scenario, overrides: dict[str, Any]
) -> tuple[Scenario, dict[str, Any]]:
    """The base with every known value set (`--set` wins over the file), and those values.

    The budget becomes a share of the revenue target in force after `--set`, so a target given
    on the command line scales the share, not the base scenario's target.

    Raises:
        ParameterError: A known value or `--set` value out of range (named by where it came from).
    """
    with_set = base.with_values(overrides, source="--set")
    known = {**resolve_known(observed, with_set.params.flat()), **overrides}
    return base.with_values(known, source=observed.source), known


def calibrate(
    observed: Observed,
    base: Scenario,
    *,
    overrides: dict[str, Any] | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    days: int = DEFAULT_DAYS,
    seed: int = 0,
    max_evals: int = DEFAULT_MAX_EVALS,
    starts: int = DEFAULT_STARTS,
    companies: int = DEFAULT_COMPANIES,
    workers: int | None = None,
    executor: Executor | None = None,
    on_run: Callable[[], None] | None = None,
) -> Calibration:
    """Fit the behavioural parameters of `base` to `observed` by SMM with common random numbers.

    Args:
        observed: The company's moments and directly known values.
        base: The scenario whose other parameters the company is assumed to share.
        overrides: Further known parameter values (`--set`); they are not fitted.
        replications: R, replications per parameter point.
        days: Working days per simulated run.
        seed: Root seed of the replication and company seeds.
        max_evals: Parameter points the optimiser may evaluate (each is R runs).
        starts: Scrambled Sobol' start points (rounded up to a power of 2; 0 for none).
        companies: K, simulated companies (each its own seed and team) for the moments' covariance,
            run twice: at the best start (the residuals' scale) and at the fit (the intervals).
        workers: Process pool size when no executor is given (1 runs in this process).
        executor: Where to run (the caller keeps ownership).
        on_run: Called after each finished run.

    Raises:
        ParameterError: Known values out of range, or nothing left to fit.
    """
    scenario, known = known_scenario(observed, base, overrides or {})
    moments = select_moments(observed)
    names = _parameters_left_to_fit(observed, moments, known)
    every_seed = replication_seeds(seed, replications + max(companies, 2))
    setup = _Setup(observed, base, scenario, known, moments, names, days, max_evals, starts, seed, on_run)
    with _executor_in_use(executor, workers) as pool:
        return _fit(setup, every_seed[:replications], every_seed[replications:], pool)


@dataclass(frozen=True)
class _Setup:
    """What a fit is of and how: everything `_fit` needs besides the seeds and the executor."""

    observed: Observed
    base: Scenario
    scenario: Scenario
    known: dict[str, Any]
    moments: list[str]
    names: list[str]
    days: int
    max_evals: int
    starts: int
    seed: int
    on_run: Callable[[], None] | None


def _parameters_left_to_fit(observed: Observed, moments: Sequence[str], known: dict[str, Any]) -> list[str]:
    """The parameters the moments identify minus the known ones.

    Raises:
        ParameterError: Every such parameter is known, so nothing is left to fit.
    """
    names = fitted_parameters(moments, set(known))
    if not names:
        raise ParameterError(
            f"{observed.source}: every parameter the figures identify is fixed; allowed: leave at least one "
            "of " + ", ".join(dict.fromkeys(FIT_FOR.values())) + " to be fitted"
        )
    return names


@contextmanager
def _executor_in_use(executor: Executor | None, workers: int | None) -> Iterator[Executor]:
    """The caller's executor, or a default one of `workers` that is shut down on leaving."""
    own = executor is None
    executor = executor or default_executor(workers)
    try:
        yield executor
    finally:
        if own:
            executor.shutdown()


def _fit(setup: _Setup, seeds: list[int], company_seeds: list[int], executor: Executor) -> Calibration:
    """Start points, the residuals' scale, the chord Gauss-Newton search, then the intervals."""
    observed, moments = setup.observed, setup.moments
    window = observed.months * WORKING_DAYS_PER_MONTH
    args = (setup.moments, seeds, setup.days, window, executor, setup.max_evals, setup.on_run)
    probe = Simulator(setup.scenario, [], *args)
    centre = volume_guess(probe, observed, moments) if "cost_per_inquiry" in setup.names else None
    dims = [dimension(n, centre) for n in setup.names]
    sim = Simulator(setup.scenario, dims, *args)
    obs = np.array([observed.moments[m].value for m in moments])
    se = np.array([observed.moments[m].se for m in moments])
    x_start = _best_start(sim, dims, setup, centre, functools.partial(_residuals, obs=obs, scale=se))
    scale = residual_scale(sim.companies(x_start, company_seeds), se)
    residuals = functools.partial(_residuals, obs=obs, scale=scale)
    status = _optimise(sim, residuals, x_start)
    x_hat = np.array(min(sim.cache, key=lambda k: float(np.sum(residuals(sim.cache[k]) ** 2))))
    jac = _company_jacobian(sim, residuals, x_hat, company_seeds)
    x_hat = _polish(sim, residuals, x_hat, jac)
    (rows,) = sim.evaluate([x_hat], force=True)
    omega = _omega(sim.companies(x_hat, company_seeds), se, scale)
    extreme = extreme_rates(observed, moments)
    by_parameter = {n: [m for m in extreme if moment_parameters(moments)[m] == n] for n in setup.names}
    flat = setup.scenario.params.flat()
    found, condition = estimates(dims, flat, x_hat, jac, omega, len(seeds), by_parameter)
    evaluations = len(sim.cache) + len(probe.cache)
    return Calibration(
        observed=observed,
        base=setup.base,
        scenario=setup.scenario.with_values(sim.values_at(x_hat), source="fit"),
        known=setup.known,
        estimates=found,
        fit=_fit_rows(moments, observed, rows, set(setup.names), np.sqrt(np.diag(omega)) * scale),
        root_seed=setup.seed,
        seeds=list(seeds),
        days=setup.days,
        evaluations=evaluations,
        runs=evaluations * len(seeds)
        + 2 * len(company_seeds)
        + 2 * len(dims) * min(INTERVAL_COMPANIES, len(company_seeds)),
        status=status,
        jacobian=jac.tolist(),
        condition_number=condition,
        companies=len(company_seeds),
        extreme=extreme,
    )


def _residuals(rows: np.ndarray, obs: np.ndarray, scale: np.ndarray) -> np.ndarray:
    r = (_nanmean(rows) - obs) / scale
    return np.where(np.isfinite(r), r, PENALTY)


def _best_start(
    sim: Simulator, dims: Sequence[Dimension], setup: _Setup, centre: float | None, residuals: Residuals
) -> np.ndarray:
    """The best of the base point and a scrambled Sobol' design, by the observed-SE objective."""
    x0 = np.array([d.unit(v) for d, v in zip(dims, _start_values(dims, setup.scenario, centre), strict=True)])
    points = [x0, *_sobol(len(dims), setup.starts, setup.seed)]
    costs = [float(np.sum(residuals(rows) ** 2)) for rows in sim.evaluate(points, force=True)]
    return points[int(np.argmin(costs))]


def _omega(rows: np.ndarray, se: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The moments' covariance over companies in residual units (diagonal at least the counts' variance)."""
    cov = company_covariance(rows)
    variance = np.maximum(np.diag(cov), se**2)
    sd = np.sqrt(np.diag(cov).clip(min=1e-300))
    corr = np.where(np.outer(sd, sd) > 0, cov / np.outer(sd, sd), 0.0)
    np.fill_diagonal(corr, 1.0)
    full = corr * np.sqrt(np.outer(variance, variance))
    return full / np.outer(scale, scale)


def _start_values(dims: Sequence[Dimension], scenario: Scenario, centre: float | None) -> list[float]:
    flat = scenario.params.flat()
    return [centre if d.name == "cost_per_inquiry" and centre else flat[d.name] for d in dims]


def _sobol(dims: int, starts: int, seed: int) -> list[np.ndarray]:
    if starts <= 0:
        return []
    sampler = qmc.Sobol(d=dims, scramble=True, rng=seed)
    return list(sampler.random_base2(m=max(0, math.ceil(math.log2(starts)))))


def _nanmean(rows: np.ndarray) -> np.ndarray:
    counts = np.sum(~np.isnan(rows), axis=0)
    sums = np.nansum(rows, axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


Residuals = Callable[[np.ndarray], np.ndarray]
"""Maps an R x M array of simulated moments to the M residuals in units of their scale."""


def _jacobian(sim: Simulator, residuals: Residuals, x: np.ndarray) -> np.ndarray:
    """Forward differences of the residuals, all p points in one batch (backward at the top)."""
    steps = np.where(x + DIFF_STEP <= 1.0, DIFF_STEP, -DIFF_STEP)
    points = [x.copy()]
    for j, h in enumerate(steps):
        moved = x.copy()
        moved[j] += h
        points.append(moved)
    rows = sim.evaluate(points)
    r0 = residuals(rows[0])
    return np.column_stack([(residuals(rows[j + 1]) - r0) / h for j, h in enumerate(steps)])


def _company_jacobian(
    sim: Simulator, residuals: Residuals, x: np.ndarray, seeds: Sequence[int]
) -> np.ndarray:
    """Central differences of the residuals over companies at +-INTERVAL_STEP: the intervals' slopes.

    The optimiser's forward differences (R = 4 seeds, a 5% step) find the minimum well enough but
    are too noisy for the intervals: noise in G adds to G'G, so the sandwich's bread shrinks, and
    the intervals of the parameters entangled through the MQL rate and SAL->SQL came out about a
    third too narrow (docs/CALIBRATION.md section 8). Here each point runs INTERVAL_COMPANIES of the
    K company seeds (the same at every point, so the differences are the parameters'), and the
    span is four times the optimiser's; one-sided where the range ends.
    """
    points, spans = [], []
    for j in range(len(x)):
        low, high = x.copy(), x.copy()
        low[j], high[j] = max(x[j] - INTERVAL_STEP, 0.0), min(x[j] + INTERVAL_STEP, 1.0)
        points += [low, high]
        spans.append(high[j] - low[j])
    rows = sim.companies_at(points, list(seeds)[:INTERVAL_COMPANIES])
    return np.column_stack(
        [(residuals(rows[2 * j + 1]) - residuals(rows[2 * j])) / span for j, span in enumerate(spans)]
    )


def _polish(sim: Simulator, residuals: Residuals, x: np.ndarray, jac: np.ndarray) -> np.ndarray:
    """One bounded Gauss-Newton step with the companies' Jacobian, kept if it lowers the objective.

    A fit that spent its budget stops short of the minimum, and that error is not in the interval;
    one step with the better slopes takes most of it back for R runs.
    """
    r = residuals(sim.evaluate([x], force=True)[0])
    trial = np.clip(x + optimize.lsq_linear(jac, -r, bounds=(-x, 1 - x)).x, 0.0, 1.0)
    if np.max(np.abs(trial - x)) < STEP_TOL:
        return x
    r_trial = residuals(sim.evaluate([trial], force=True)[0])
    return trial if r_trial @ r_trial < r @ r else x


def _optimise(sim: Simulator, residuals: Residuals, x: np.ndarray) -> str:
    """Gauss-Newton with a frozen Jacobian (the chord method), bounded steps by lsq_linear.

    The moments are close to linear in the scaled parameters and the Jacobian changes little,
    so one Jacobian (p points, one parallel batch) serves several steps of one point each.
    It is recomputed when a step fails to lower the objective; a step that fails with a fresh
    Jacobian is halved once, then the fit stops at the best point found.
    """
    try:
        r = residuals(sim.evaluate([x])[0])
        jac, fresh = _jacobian(sim, residuals, x), True
        while True:
            if np.all(np.abs(r) <= MATCH_SE):
                return f"moments matched within {MATCH_SE:g} company SD"
            step = optimize.lsq_linear(jac, -r, bounds=(-x, 1 - x)).x
            for _ in range(2 if fresh else 1):
                if np.max(np.abs(step)) < STEP_TOL:
                    return "converged (steps below 0.1% of the search range)"
                trial = x + step
                r_trial = residuals(sim.evaluate([trial])[0])
                if r_trial @ r_trial < r @ r:
                    x, r = trial, r_trial
                    break
                step = step / 2
            else:
                if fresh:
                    return "no step lowers the objective further"
                jac, fresh = _jacobian(sim, residuals, x), True
                continue
            fresh = False
    except _Stop as stop:
        return str(stop)


def _fit_rows(
    moments: Sequence[str], observed: Observed, rows: np.ndarray, fitted: set[str], scale: np.ndarray
) -> list[FitRow]:
    from sim.experiments.stats import mean_ci

    out = []
    parameters = moment_parameters(moments)
    for k, name in enumerate(moments):
        iv = mean_ci(rows[:, k])
        parameter = parameters[name] if parameters[name] in fitted else f"{parameters[name]} (known)"
        out.append(FitRow(name, parameter, observed.moments[name], iv.mean, iv.low, iv.high, float(scale[k])))
    return out
