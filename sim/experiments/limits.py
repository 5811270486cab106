"""How big a piece of work is, estimated before it starts, and the limits it must stay within.

Nothing here runs the model: the estimates are pure functions of the parameters and the
horizon, so a command can refuse a job that would run for days, fill the disk or exhaust the
memory at once, with one line naming the option or key and the limit, before any folder is
written. The limits are documented in the README and docs/EXPERIMENTS.md; `--allow-large`
(sweep, sensitivity) lifts the ones a cluster user may really need to pass (runs and points),
never the ones that protect a single run's memory.

Inquiries a day follow `sim.model.demand.generate_demand`: the day's spend
(`marketing_budget_share x revenue_target_per_year / 250`) buys `spend / cost_per_inquiry`
inquiries, scaled by `1 - 0.5 + awareness` (awareness lies in [0, 1], so at most 1.5) and by the
campaign effect (`1 - exp(-hours / scale)`, at most 1). The bound below takes both factors at
their maximum, so it is an upper bound on the Poisson mean of every day of the run.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.model.params import Intervention, ParameterError, Params

if TYPE_CHECKING:
    from sim.experiments.spec import Experiment

WORKING_DAYS_PER_YEAR = 250  # as sim.model.demand (the model's calendar)
AWARENESS_FACTOR_MAX = 1.5  # 1 - NEUTRAL_AWARENESS + awareness, awareness at most 1
MAX_DAYS = 12_500  # 50 working years: far beyond any planning horizon
MAX_INQUIRIES_PER_DAY = 20_000  # the 25x benchmark company has about 1,200
MAX_LEADS_PER_RUN = 4_000_000  # about 2 GB of lead columns in one worker
BYTES_PER_LEAD = 500  # 165 bytes of columns, capacity doubling and the copy while growing
BYTES_PER_WORKER = 200 * 2**20  # a worker's libraries and model before any lead
MAX_RUNS = 100_000  # about a day of 500-day runs on two cores; --allow-large lifts it
MAX_POINTS = 100_000  # design points (rows of design.csv); --allow-large lifts it
MAX_RUNS_LARGE = 10_000_000  # even with --allow-large
MAX_POINTS_LARGE = 2_000_000  # a sampled design holds points x parameters floats in memory


@dataclass(frozen=True)
class WorkEstimate:
    """The size of a job before it starts.

    Attributes:
        runs: Model runs.
        days: Working days per run.
        inquiries_per_day: Upper bound of the expected inquiries a day, over every parameter
            set the job runs (and every intervention).
        leads_per_run: `inquiries_per_day x days`, the leads one run may hold.
        workers: Runs held in memory at once on this machine.
        memory_bytes: Estimated peak memory of those runs.
    """

    runs: int
    days: int
    inquiries_per_day: float
    leads_per_run: float
    workers: int
    memory_bytes: float


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, which Slurm and containers narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine_memory() -> int | None:
    """Physical memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def inquiries_per_day(params: Params) -> float:
    """Upper bound of the expected inquiries a day under `params` (see the module docstring)."""
    mk, lv = params.market, params.levers
    spend = lv.marketing_budget_share * mk.revenue_target_per_year / WORKING_DAYS_PER_YEAR
    return spend / mk.cost_per_inquiry * AWARENESS_FACTOR_MAX


def with_interventions(params: Params, interventions: Sequence[Intervention]) -> list[Params]:
    """The parameter sets a run passes through: the start values, then after each intervention."""
    out = [params]
    for item in sorted(interventions, key=lambda i: i.day):
        out.append(out[-1].with_values(dict(item.values)))
    return out


def estimate(params: Iterable[Params], days: int, runs: int, workers: int) -> WorkEstimate:
    """The size of `runs` runs of `days` days over the given parameter sets, `workers` at a time."""
    per_day = max((inquiries_per_day(p) for p in params), default=0.0)
    leads = per_day * days
    at_once = max(1, min(workers, runs))
    memory = at_once * (BYTES_PER_WORKER + leads * BYTES_PER_LEAD)
    return WorkEstimate(runs, days, per_day, leads, at_once, memory)


def check_days(days: int, where: str = "--days") -> None:
    """Raise ParameterError when `days` is beyond MAX_DAYS (`where` names the option or key)."""
    if days > MAX_DAYS:
        raise ParameterError(
            f"{where}: got {days:,}; allowed: at most {MAX_DAYS:,} working days ({MAX_DAYS // 250} years)"
        )


def check_estimate(work: WorkEstimate, where: str, check_memory: bool = True) -> None:
    """Raise ParameterError when a run has too many leads or the runs at once too much memory.

    Args:
        work: The estimate.
        where: Where the parameters came from, for the message (e.g. "--set" or a spec's path).
        check_memory: Compare with this machine's memory (not for runs on a remote cluster).
    """
    keys = "marketing_budget_share x revenue_target_per_year / 250 / cost_per_inquiry x up to 1.5"
    if work.inquiries_per_day > MAX_INQUIRIES_PER_DAY:
        raise ParameterError(
            f"{where}: cost_per_inquiry, revenue_target_per_year, marketing_budget_share: about "
            f"{work.inquiries_per_day:,.0f} inquiries a day ({keys}); allowed: at most "
            f"{MAX_INQUIRIES_PER_DAY:,} a day (raise cost_per_inquiry or lower the budget)"
        )
    if work.leads_per_run > MAX_LEADS_PER_RUN:
        raise ParameterError(
            f"{where}: days x inquiries a day: about {work.leads_per_run:,.0f} leads in one run "
            f"({work.days:,} days x {work.inquiries_per_day:,.0f}); allowed: at most {MAX_LEADS_PER_RUN:,} "
            "(fewer days or fewer inquiries a day)"
        )
    memory = machine_memory()
    if check_memory and memory is not None and work.memory_bytes > memory:
        raise ParameterError(
            f"--workers: {work.workers} runs at once need about {_gib(work.memory_bytes)} of memory; "
            f"allowed: at most this machine's {_gib(memory)} (fewer workers, days or inquiries a day)"
        )


def check_size(runs: int, points: int, where: str, allow_large: bool = False) -> None:
    """Raise ParameterError when an experiment has more runs or design points than allowed.

    Args:
        runs: Points x replications.
        points: Design points (rows of design.csv), tornado included.
        where: The spec, for the message.
        allow_large: `--allow-large` was given: the higher limits apply.
    """
    max_points, max_runs = (MAX_POINTS_LARGE, MAX_RUNS_LARGE) if allow_large else (MAX_POINTS, MAX_RUNS)
    hint = "" if allow_large else " (--allow-large raises it to {:,})"
    if points > max_points:
        raise ParameterError(
            f"{where}: design points: {points:,}; allowed: at most {max_points:,}"
            + hint.format(MAX_POINTS_LARGE)
        )
    if runs > max_runs:
        raise ParameterError(
            f"{where}: runs (points x replications): {runs:,}; allowed: at most {max_runs:,}"
            + hint.format(MAX_RUNS_LARGE)
        )


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB" if math.isfinite(n) else "unbounded"


def experiment_estimate(experiment: Experiment, workers: int) -> WorkEstimate:
    """The size of an experiment: its runs, and the most inquiries a day any of its points can buy.

    Inquiries rise with the budget share and the revenue target and fall with the cost per
    inquiry, so the bound takes each of these at the extreme any axis (design or tornado) gives
    it: one parameter set per structure, however many points the design has.
    """
    extremes = {"marketing_budget_share": max, "revenue_target_per_year": max, "cost_per_inquiry": min}
    values: dict[str, float] = {}
    for axis in (*experiment.parameters, *experiment.tornado):
        pick = extremes.get(axis.name)
        if pick is not None and axis.kind != "choices":
            values[axis.name] = pick(values.get(axis.name, pick(axis.values)), pick(axis.values))
    sets = [
        params
        for structure in experiment.scenarios
        for params in with_interventions(structure.params.with_values(values), structure.interventions)
    ]
    return estimate(sets, experiment.days, experiment.runs, workers)
