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

Uncertainty: the SMM sandwich `(1 + tau/R) (G' W G)^-1 G' W Omega W G (G' W G)^-1` with G the
Jacobian of the simulated moments, W the inverse observed variances, Omega the variance of one
company's moments (the larger of the counts' variance and the single-run variance at the fit)
and tau the ratio of the observed to the simulated window (the (1 + 1/R) simulation correction
assumes them equal).
"""

from __future__ import annotations

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
    RATES,
    WORKING_DAYS_PER_MONTH,
    Z95,
    Moment,
    Observed,
    resolve_known,
    unreachable_volume,
)
from sim.experiments.runner import default_executor, replication_seeds
from sim.model.params import Intervention, ParameterError, Params, parameter_fields
from sim.model.scenario import Scenario

FIT_FOR: dict[str, str] = {
    "inquiries_per_month": "cost_per_inquiry",
    "mqls_per_month": "cost_per_inquiry",
    "mql_rate": "mql_score_threshold",
    "mql_to_sal": "reach_per_attempt",
    "sal_to_sql": "inquiry_fit_mean",
    "sql_to_won": "base_win_rate",
    "win_rate": "base_win_rate",
    "median_response_hours": "rep_response_latency_hours",
}
"""The parameter each moment identifies (its main effect), in fitting order."""
SUPERSEDED: dict[str, str] = {"mqls_per_month": "inquiries_per_month", "win_rate": "sql_to_won"}
"""A moment left out when the other is observed (it adds no information about its parameter)."""
LOG_SCALE: dict[str, float] = {"rep_response_latency_hours": 0.02}
"""Parameters searched on a log scale, with the lower bound used instead of 0 (1.2 minutes)."""
VOLUME_SEARCH_FACTOR = 4.0  # cost_per_inquiry is searched within x/÷ 4 of the volume-matching guess
DIFF_STEP = 0.05  # finite-difference step on the [0, 1] scale: 5% of a parameter's search range
STEP_TOL = 1e-3  # a step below 0.1% of every search range changes nothing that CRN can resolve
MATCH_SE = 0.1  # stop when every moment is within a tenth of its SE (further steps chase noise)
PENALTY = 1e4  # residual of a moment the simulation could not measure (e.g. no MQLs at all)
WEAK_SE = 0.25  # a fitted SE above a quarter of the search range marks a weakly identified parameter

DEFAULT_REPLICATIONS = 4
DEFAULT_DAYS = 250
DEFAULT_MAX_EVALS = 40
DEFAULT_STARTS = 4


@dataclass(frozen=True)
class Dimension:
    """One fitted parameter and how it maps to the optimiser's [0, 1] scale."""

    name: str
    low: float
    high: float
    log: bool = False

    def value(self, x: float) -> float:
        """The parameter value at scaled position x."""
        x = min(max(float(x), 0.0), 1.0)
        if self.log:  # exp(log(high)) may overshoot high in the last bit: clip to the range
            value = math.exp(math.log(self.low) + x * (math.log(self.high) - math.log(self.low)))
            return float(min(max(value, self.low), self.high))
        return self.low + x * (self.high - self.low)

    def unit(self, value: float) -> float:
        """The scaled position of a parameter value (clipped to the search range)."""
        value = min(max(value, self.low), self.high)
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def slope(self, x: float) -> float:
        """The derivative of the value with respect to x at x (for the delta method)."""
        if self.log:
            return self.value(x) * (math.log(self.high) - math.log(self.low))
        return self.high - self.low


@dataclass(frozen=True)
class Estimate:
    """A fitted parameter with its uncertainty (95% CI from the scaled-space normal interval)."""

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


@dataclass(frozen=True)
class FitRow:
    """One moment: observed with its CI, simulated at the fit with its CI over replications."""

    moment: str
    parameter: str
    observed: Moment
    simulated: float
    sim_ci_low: float
    sim_ci_high: float

    @property
    def residual(self) -> float:
        """Simulated minus observed, in observed standard errors."""
        return (self.simulated - self.observed.value) / self.observed.se

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


class _Stop(Exception):  # noqa: N818 - control flow, not an error
    """Raised inside the objective to end the optimiser (budget spent, or moments matched)."""


# ---------------------------------------------------------------------- simulation
def simulate_moments(task: tuple[Params, tuple[Intervention, ...], int, int]) -> dict[str, float]:
    """One run's moments (module level, so a process pool can pickle it)."""
    from sim.model.model import SalesMarketingModel

    params, interventions, seed, days = task
    summary = SalesMarketingModel(params, seed=seed, interventions=interventions).run(days).summary()
    months = days / WORKING_DAYS_PER_MONTH
    out = {name: summary[name] for name in (*RATES, "median_response_hours")}
    out["inquiries_per_month"] = summary["inquiries"] / months
    out["mqls_per_month"] = summary["mqls"] / months
    return out


class Simulator:
    """Runs R replications at parameter points, in parallel batches, and remembers every result.

    Args:
        scenario: The base scenario with the known values applied.
        dims: The fitted parameters.
        moments: Moment names to return, in order.
        seeds: The replication seeds (the same at every point: common random numbers).
        days: Working days per run.
        executor: Where runs execute.
        max_evals: Points that may be evaluated before `_Stop` is raised.
        on_run: Called after each finished run (a progress bar).
    """

    def __init__(
        self,
        scenario: Scenario,
        dims: Sequence[Dimension],
        moments: Sequence[str],
        seeds: Sequence[int],
        days: int,
        executor: Executor,
        max_evals: int,
        on_run: Callable[[], None] | None = None,
    ) -> None:
        self.scenario, self.dims, self.moments = scenario, list(dims), list(moments)
        self.seeds, self.days, self.executor = list(seeds), days, executor
        self.max_evals, self.on_run = max_evals, on_run
        self.cache: dict[tuple[float, ...], np.ndarray] = {}

    def params_at(self, x: np.ndarray) -> Params:
        """The base parameters with the fitted ones set from scaled position x."""
        values = {d.name: d.value(xi) for d, xi in zip(self.dims, x, strict=True)}
        return self.scenario.params.with_values(values)

    def values_at(self, x: np.ndarray) -> dict[str, float]:
        """The fitted parameters' values at scaled position x."""
        return {d.name: d.value(xi) for d, xi in zip(self.dims, x, strict=True)}

    def evaluate(self, points: Sequence[np.ndarray], *, force: bool = False) -> list[np.ndarray]:
        """R x M moment arrays at each point; new points run in one batch.

        Raises:
            _Stop: The batch would exceed max_evals (unless `force`).
        """
        keys = [_key(x) for x in points]
        new = list(dict.fromkeys(k for k in keys if k not in self.cache))
        if new and not force and len(self.cache) + len(new) > self.max_evals:
            raise _Stop("evaluation budget spent")
        futures = {
            (k, r): self.executor.submit(
                simulate_moments, (self.params_at(np.array(k)), self.scenario.interventions, seed, self.days)
            )
            for k in new
            for r, seed in enumerate(self.seeds)
        }
        results: dict[tuple, dict[str, float]] = {}
        for item, future in futures.items():
            results[item] = future.result()
            if self.on_run:
                self.on_run()
        for k in new:
            rows = [[results[(k, r)][m] for m in self.moments] for r in range(len(self.seeds))]
            self.cache[k] = np.array(rows, dtype=float)
        return [self.cache[k] for k in keys]


def _key(x: np.ndarray) -> tuple[float, ...]:
    return tuple(round(float(v), 12) for v in x)


# ---------------------------------------------------------------------- set-up
def select_moments(observed: Observed) -> list[str]:
    """The observed moments that enter the fit, in FIT_FOR order (superseded ones left out)."""
    present = observed.moments
    return [m for m in FIT_FOR if m in present and SUPERSEDED.get(m) not in present]


def fitted_parameters(moments: Sequence[str], fixed: set[str]) -> list[str]:
    """One parameter per moment (FIT_FOR), minus those the user fixed; each listed once."""
    return list(dict.fromkeys(FIT_FOR[m] for m in moments if FIT_FOR[m] not in fixed))


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
        seed: Root seed of the replication seeds.
        max_evals: Parameter points the optimiser may evaluate (each is R runs).
        starts: Scrambled Sobol' start points (rounded up to a power of 2; 0 for none).
        workers: Process pool size when no executor is given (1 runs in this process).
        executor: Where to run (the caller keeps ownership).
        on_run: Called after each finished run.

    Raises:
        ParameterError: Known values out of range, or nothing left to fit.
    """
    scenario, known = known_scenario(observed, base, overrides or {})
    moments = select_moments(observed)
    names = _parameters_left_to_fit(observed, moments, known)
    seeds = replication_seeds(seed, replications)
    with _executor_in_use(executor, workers) as pool:
        return _fit(
            observed,
            base,
            scenario,
            known,
            moments,
            names,
            seeds,
            days,
            max_evals,
            starts,
            pool,
            on_run,
            seed,
        )


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


def _fit(
    observed: Observed,
    base: Scenario,
    scenario: Scenario,
    known: dict[str, Any],
    moments: list[str],
    names: list[str],
    seeds: list[int],
    days: int,
    max_evals: int,
    starts: int,
    executor: Executor,
    on_run: Callable[[], None] | None,
    seed: int,
) -> Calibration:
    """Start points, the chord Gauss-Newton search, then SEs and the fit table at the best point."""
    probe = Simulator(scenario, [], moments, seeds, days, executor, max_evals, on_run)
    centre = volume_guess(probe, observed, moments) if "cost_per_inquiry" in names else None
    dims = [dimension(n, centre) for n in names]
    sim = Simulator(scenario, dims, moments, seeds, days, executor, max_evals, on_run)
    obs = np.array([observed.moments[m].value for m in moments])
    se = np.array([observed.moments[m].se for m in moments])

    def residuals(rows: np.ndarray) -> np.ndarray:
        mean = _nanmean(rows)
        r = (mean - obs) / se
        return np.where(np.isfinite(r), r, PENALTY)

    x0 = np.array([d.unit(v) for d, v in zip(dims, _start_values(dims, scenario, centre), strict=True)])
    start_points = [x0, *_sobol(len(dims), starts, seed)]
    evaluated = sim.evaluate(start_points, force=True)
    costs = [float(np.sum(residuals(rows) ** 2)) for rows in evaluated]
    x_start = start_points[int(np.argmin(costs))]
    status = _optimise(sim, residuals, x_start)
    x_hat = np.array(min(sim.cache, key=lambda k: float(np.sum(residuals(sim.cache[k]) ** 2))))
    jac = _jacobian(sim, residuals, x_hat, force=True)
    (rows,) = sim.evaluate([x_hat], force=True)
    spread = _variance_ratio(rows, se)
    estimates, condition = _estimates(dims, scenario, x_hat, jac, spread, observed.months, days, len(seeds))
    fit = _fit_rows(moments, observed, rows, set(names))
    fitted = sim.values_at(x_hat)
    return Calibration(
        observed=observed,
        base=base,
        scenario=scenario.with_values(fitted, source="fit"),
        known=known,
        estimates=estimates,
        fit=fit,
        root_seed=seed,
        seeds=list(seeds),
        days=days,
        evaluations=len(sim.cache) + len(probe.cache),
        runs=(len(sim.cache) + len(probe.cache)) * len(seeds),
        status=status,
        jacobian=jac.tolist(),
        condition_number=condition,
    )


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
"""Maps an R x M array of simulated moments to the M residuals in observed SEs."""


def _jacobian(sim: Simulator, residuals: Residuals, x: np.ndarray, *, force: bool = False) -> np.ndarray:
    """Forward differences of the residuals, all p points in one batch (backward at the top)."""
    steps = np.where(x + DIFF_STEP <= 1.0, DIFF_STEP, -DIFF_STEP)
    points = [x.copy()]
    for j, h in enumerate(steps):
        moved = x.copy()
        moved[j] += h
        points.append(moved)
    rows = sim.evaluate(points, force=force)
    r0 = residuals(rows[0])
    return np.column_stack([(residuals(rows[j + 1]) - r0) / h for j, h in enumerate(steps)])


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
                return f"moments matched within {MATCH_SE:g} SE"
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


def _variance_ratio(rows: np.ndarray, se: np.ndarray) -> np.ndarray:
    """Omega in residual units: the larger of 1 and the single-run variance at the fit over se^2.

    1 is the counts' own (binomial, Poisson) variance; the runs add what counts miss: the
    company's own draw of people and its awareness path. One replication gives no spread: then 1.
    """
    if rows.shape[0] < 2:
        return np.ones(rows.shape[1])
    ratio = np.nanvar(rows, axis=0, ddof=1) / se**2
    return np.maximum(np.nan_to_num(ratio, nan=1.0), 1.0)


def _estimates(
    dims: Sequence[Dimension],
    scenario: Scenario,
    x_hat: np.ndarray,
    jac: np.ndarray,
    spread: np.ndarray,
    months: float,
    days: int,
    replications: int,
) -> tuple[list[Estimate], float]:
    """Sandwich SEs in scaled space, mapped to parameter units (delta method; CI by transform)."""
    tau = months * WORKING_DAYS_PER_MONTH / days
    g = np.asarray(jac)  # residual Jacobian dm/dx / se: W = I in these units
    bread = np.linalg.pinv(g.T @ g)
    cov = (1 + tau / replications) * bread @ (g.T @ (spread[:, None] * g)) @ bread
    se_x = np.sqrt(np.clip(np.diag(cov), 0, None))
    singular = np.linalg.svd(g, compute_uv=False)
    condition = float(singular[0] / singular[-1]) if singular[-1] > 0 else math.inf
    flat = scenario.params.flat()
    out = []
    for j, d in enumerate(dims):
        x = float(x_hat[j])
        weak = not se_x[j] <= WEAK_SE or not np.any(np.abs(g[:, j]) > 1e-9)
        out.append(
            Estimate(
                name=d.name,
                base=flat[d.name],
                value=d.value(x),
                se=float(se_x[j] * d.slope(x)),
                ci_low=d.value(x - Z95 * se_x[j]),
                ci_high=d.value(x + Z95 * se_x[j]),
                low=d.low,
                high=d.high,
                at_bound=bool(x <= 1e-3 or x >= 1 - 1e-3),
                weak=bool(weak),
            )
        )
    return out, condition


def _fit_rows(moments: Sequence[str], observed: Observed, rows: np.ndarray, fitted: set[str]) -> list[FitRow]:
    from sim.experiments.stats import mean_ci

    out = []
    for k, name in enumerate(moments):
        iv = mean_ci(rows[:, k])
        parameter = FIT_FOR[name] if FIT_FOR[name] in fitted else f"{FIT_FOR[name]} (known)"
        out.append(FitRow(name, parameter, observed.moments[name], iv.mean, iv.low, iv.high))
    return out
