"""Simulated moments of parameter points: R replications with common random numbers, and companies.

`Simulator.evaluate` runs the same R seeds at every parameter point (common random numbers), so
differences between points are the parameters' and not fresh noise. `Simulator.companies` runs
one point under many other seeds: each seed draws another team (skills, reaction times: see
`sim.model.agents.build_team`) and another course of the market, so their spread is the variation
between companies that the calibration's intervals must carry (`sim.calibration.uncertainty`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.calibration.observed import RATES, WORKING_DAYS_PER_MONTH
from sim.model.params import Intervention, Params
from sim.model.scenario import Scenario

MomentTask = tuple[Params, tuple[Intervention, ...], int, int, float]
"""(parameters, interventions, seed, days, observed window in working days)."""


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


class _Stop(Exception):  # noqa: N818 - control flow, not an error
    """Raised inside the objective to end the optimiser (budget spent, or moments matched)."""


def simulate_moments(task: MomentTask) -> dict[str, float]:
    """One run's moments (module level, so a process pool can pickle it)."""
    from sim.model.model import SalesMarketingModel

    params, interventions, seed, days, window_days = task
    model = SalesMarketingModel(params, seed=seed, interventions=interventions).run(days)
    return run_moments(model.summary(), model.leads, model.hours_per_day, days, window_days)


def run_moments(
    summary: dict[str, float], leads: Any, hours_per_day: float, days: int, window_days: float
) -> dict[str, float]:
    """The moments of one finished run, as a CRM export of its last `window_days` would give them.

    MQL->won counts the marketing MQLs created in the last `window_days` (the observed window; the
    whole run if longer) that were won by the run's end: the same censoring as an export taken at
    the end of its window, so a deal's own cycle counts alike in both.
    """
    months = days / WORKING_DAYS_PER_MONTH
    out = {name: summary[name] for name in RATES if name in summary}
    out["median_response_hours"] = summary["median_response_hours"]
    out["inquiries_per_month"] = summary["inquiries"] / months
    out["mqls_per_month"] = summary["mqls"] / months
    first_hour = max(days - window_days, 0.0) * hours_per_day
    mqls = (leads.created_hour >= first_hour) & (leads.source == 0) & (leads.stage >= 1)
    count = int(np.sum(mqls))
    out["mql_to_won"] = float(np.sum(mqls & (leads.stage == 8)) / count) if count else math.nan
    return out


class Simulator:
    """Runs R replications at parameter points, in parallel batches, and remembers every result.

    Args:
        scenario: The base scenario with the known values applied.
        dims: The fitted parameters.
        moments: Moment names to return, in order.
        seeds: The replication seeds (the same at every point: common random numbers).
        days: Working days per run.
        window_days: The observed window in working days (for MQL->won's censoring).
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
        window_days: float,
        executor: Executor,
        max_evals: int,
        on_run: Callable[[], None] | None = None,
    ) -> None:
        self.scenario, self.dims, self.moments = scenario, list(dims), list(moments)
        self.seeds, self.days, self.window_days, self.executor = list(seeds), days, window_days, executor
        self.max_evals, self.on_run = max_evals, on_run
        self.cache: dict[tuple[float, ...], np.ndarray] = {}

    def params_at(self, x: np.ndarray) -> Params:
        """The base parameters with the fitted ones set from scaled position x."""
        values = {d.name: d.value(xi) for d, xi in zip(self.dims, x, strict=True)}
        return self.scenario.params.with_values(values)

    def values_at(self, x: np.ndarray) -> dict[str, float]:
        """The fitted parameters' values at scaled position x."""
        return {d.name: d.value(xi) for d, xi in zip(self.dims, x, strict=True)}

    def task(self, x: np.ndarray, seed: int) -> MomentTask:
        """What one run at scaled position x with `seed` needs."""
        return (self.params_at(x), self.scenario.interventions, seed, self.days, self.window_days)

    def companies(self, x: np.ndarray, seeds: Sequence[int]) -> np.ndarray:
        """K x M moments at x, one run per seed: K companies alike in parameters, not in people."""
        return self.companies_at([x], seeds)[0]

    def companies_at(self, points: Sequence[np.ndarray], seeds: Sequence[int]) -> list[np.ndarray]:
        """K x M moments at each point, the same K seeds at every point, all runs in one batch."""
        futures = [
            [self.executor.submit(simulate_moments, self.task(x, seed)) for seed in seeds] for x in points
        ]
        out = []
        for batch in futures:
            rows = []
            for future in batch:
                result = future.result()
                rows.append([result[m] for m in self.moments])
                if self.on_run:
                    self.on_run()
            out.append(np.array(rows, dtype=float))
        return out

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
            (k, r): self.executor.submit(simulate_moments, self.task(np.array(k), seed))
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
