"""Replicated comparisons of scenarios with common random numbers.

Replication i of every scenario uses the same seed, so each difference between two scenarios is
measured replication by replication (paired). `compare` is the Python API; the command line,
the report and the headline job are built on it.

Two options make a comparison one a consultant can hand over:
- `base`: every scenario is applied as a structure (its levers) to one company, the base's market,
  team sizes and switches (`sim.model.scenario.on_base`), so the arms differ in levers only.
- `plausible_worlds`: replication i also draws one world of the uncertain assumptions
  (`sim.experiments.worlds`), the same in every arm, so the intervals cover what is not known
  about the world as well as seed noise. The command line does this by default; the Python API
  keeps one fixed world unless asked, since validation, calibration and tests compare mechanisms
  within the model's own world.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments import stats
from sim.experiments import worlds as plausible
from sim.experiments.runner import (
    ResultStore,
    RunSpec,
    default_executor,
    replication_seeds,
    run_collecting_failures,
)
from sim.model.metrics import FUNNEL_COLUMNS, KPI_COLUMNS
from sim.model.params import ParameterError
from sim.model.scenario import Scenario, as_arms, left_out_on_base, load_scenario

# Every output column of DESIGN.md section 3, then both funnels' stages and conversion rates, then
# revenue by kind and the customer base (mechanism 16).
DEFAULT_KPIS: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            *KPI_COLUMNS,
            *FUNNEL_COLUMNS,
            "library_hit_share",
            "revenue_new",
            "revenue_recurring",
            "customers",
            "churn_rate",
        )
    )
)
MAX_REPLICATIONS = 500


@dataclass
class Comparison:
    """The outcome of a comparison: every run, every pair's statistics, and where it is on disk."""

    scenarios: list[Scenario]
    runs: pd.DataFrame  # one row per run: labels and run summary
    timeseries: pd.DataFrame  # one row per run and period
    comparison: pd.DataFrame  # one row per KPI and pair (see stats.compare)
    root_seed: int
    seeds: list[int]
    days: int
    folder: Path
    failed: list[str] = field(default_factory=list)  # run ids whose traceback is in failures/
    warning: str | None = None
    base: Scenario | None = None  # the company every structure was applied to (None: as given)
    left_out: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)  # per arm, on_base
    overrides: dict[str, Any] = field(default_factory=dict)  # set for every arm (--set)
    worlds: pd.DataFrame | None = None  # one row per replication's world; None: one fixed world
    uncertainties: list[plausible.Uncertainty] = field(default_factory=list)  # what the worlds draw
    world_blocks: list[int] = field(default_factory=list)  # Latin hypercube blocks (sizes)

    @property
    def names(self) -> list[str]:
        """Scenario names in the order given (the first is the baseline)."""
        return [s.name for s in self.scenarios]


def compare(
    scenarios: Sequence[str | Path | Scenario],
    *,
    replications: int = 10,
    seed: int = 0,
    days: int = 500,
    workers: int | None = None,
    executor: Executor | None = None,
    folder: Path | None = None,
    period: str = "week",
    until_ci: float | None = None,
    max_replications: int = 200,
    kpis: Sequence[str] = DEFAULT_KPIS,
    progress: bool = False,
    base: str | Path | Scenario | None = None,
    overrides: dict[str, Any] | None = None,
    plausible_worlds: bool = False,
) -> Comparison:
    """Run every scenario `replications` times with paired seeds and compare them.

    Args:
        scenarios: Names, paths or Scenario objects; the first is the baseline of the report.
        replications: Runs per scenario (replication i has the same seed in every scenario).
        seed: Root seed from which every replication's seed is derived (and recorded).
        days: Working days per run.
        workers: Processes for the default pool (all cores when None; 1 runs in this process).
        executor: Any concurrent.futures Executor; overrides `workers`.
        folder: Where runs stream to; a temporary folder when None. Re-using a folder resumes.
        period: Period of the stored time series.
        until_ci: If set, add replications until every revenue difference's 95% CI half-width
            is below this many percent of the mean difference (up to `max_replications`).
        max_replications: Cap for `until_ci`.
        kpis: Summary columns to compare.
        progress: Show a progress bar on a terminal.
        base: A company (name, file or Scenario, e.g. a calibrated.toml) to which every scenario is
            applied as a structure: the arms keep its market, team sizes and switches.
        overrides: Parameter values set in every arm (`--set`), after `base`; never drawn.
        plausible_worlds: Draw one world of the uncertain assumptions per replication, the same
            in every arm (False: every arm runs in its scenario's own, fixed world).
    """
    resolved = arms(scenarios, base, overrides)
    _check_args(replications, seed, days, until_ci, max_replications)
    space = plausible.uncertainties(resolved, held=(overrides or {}).keys()) if plausible_worlds else None
    folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="compare-"))
    store = ResultStore(folder)
    own = executor is None
    executor = executor or default_executor(workers)
    try:
        setup = (resolved, replications, seed, days, period, store, executor, progress)
        n, failed, draws, blocks = _run_all(*setup, space, until_ci, max_replications)
    finally:
        if own:
            executor.shutdown()
    result = _assemble(resolved, store, seed, n, days, period, folder, list(kpis), failed, draws)
    return _with_setup(result, scenarios, base, overrides, space, blocks)


def _run_all(resolved, n, seed, days, period, store, executor, progress, space, until_ci, cap):
    """Run `n` replications, then (with `until_ci`) more in further world blocks, until the CI is narrow."""
    blocks = [n]
    draws = _draws(space, seed, blocks)
    failed = _run(resolved, n, seed, days, period, store, executor, progress, draws)
    while until_ci is not None and n < cap:
        needed = _replications_for_ci(store.summaries(), resolved, until_ci, n)
        if needed <= n:
            break
        blocks.append(min(cap, needed) - n)
        n += blocks[-1]
        draws = _draws(space, seed, blocks)
        failed = _run(resolved, n, seed, days, period, store, executor, progress, draws)
    return n, failed, draws, blocks


def _with_setup(result, scenarios, base, overrides, space, blocks) -> Comparison:
    """Record what the arms share and what the worlds draw, for the report and metadata."""
    if base is not None:
        result.base = _as_scenario(base)
        result.left_out = {
            arm.name: left_out_on_base(_as_scenario(s), result.base)
            for arm, s in zip(result.scenarios, scenarios, strict=True)
        }
    result.overrides = dict(overrides or {})
    result.uncertainties = list(space or [])
    result.world_blocks = blocks if space is not None else []
    return result


def arms(
    scenarios: Sequence[str | Path | Scenario],
    base: str | Path | Scenario | None = None,
    overrides: dict[str, Any] | None = None,
) -> list[Scenario]:
    """The scenarios as they run: loaded, applied to `base` if given, with `overrides` in every arm.

    Raises ParameterError for fewer than two scenarios or a name given twice; ScenarioError (one
    line naming the file or `--set`, the key and what is allowed) for a bad value.
    """
    if len(scenarios) < 2:
        raise ParameterError("compare needs at least two scenarios")
    company = _as_scenario(base) if base is not None else None
    resolved = as_arms([_as_scenario(s) for s in scenarios], company, overrides)
    names = [s.name for s in resolved]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ParameterError(f"scenario names must differ, got {', '.join(duplicates)} twice")
    return resolved


def _as_scenario(scenario: str | Path | Scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _draws(space: list[plausible.Uncertainty] | None, seed: int, blocks: list[int]) -> pd.DataFrame | None:
    return None if space is None else plausible.world_draws(space, seed, blocks)


def _check_args(replications: int, seed: int, days: int, until_ci: float | None, cap: int) -> None:
    checks = [
        (isinstance(replications, int) and 2 <= replications <= MAX_REPLICATIONS, "replications", "2..500"),
        (isinstance(seed, int) and seed >= 0, "seed", "a whole number >= 0"),
        (isinstance(days, int) and days >= 1, "days", "a whole number >= 1"),
        (until_ci is None or 0 < until_ci <= 100, "until-ci", "a percentage in (0, 100]"),
        (isinstance(cap, int) and 2 <= cap <= MAX_REPLICATIONS, "max replications", "2..500"),
    ]
    for ok, name, allowed in checks:
        if not ok:
            raise ParameterError(f"{name}: out of range; allowed: {allowed}")


def specs_for(
    scenarios: list[Scenario],
    replications: int,
    root_seed: int,
    days: int,
    period: str,
    draws: pd.DataFrame | None = None,
) -> list[RunSpec]:
    """The runs of a comparison, replication-major so partial results stay balanced.

    With `draws` (one row per replication's world), replication i runs in world i in every
    scenario and its rows carry `world = i`.
    """
    seeds = replication_seeds(root_seed, replications)
    specs = []
    for i, seed in enumerate(seeds):
        world = plausible.world_values(draws, i) if draws is not None else {}
        point = {"world": i} if draws is not None else {}
        for s in scenarios:
            params = s.params.with_values(world) if world else s.params
            specs.append(RunSpec(s.name, params, seed, i, days, period, tuple(s.interventions), point))
    return specs


def _run(scenarios, n, seed, days, period, store, executor, progress, draws) -> list[str]:
    """Run the comparison's missing runs; every failed run id, of this call or an earlier one."""
    specs = specs_for(scenarios, n, seed, days, period, draws)
    failed = run_collecting_failures(specs, store, executor, progress=progress)
    return sorted(set(failed) | (store.failed_ids() & {s.run_id for s in specs}))


def _replications_for_ci(runs: pd.DataFrame, scenarios: list[Scenario], pct: float, n: int) -> int:
    """Replications that would bring every revenue difference within `pct` percent of its mean."""
    wide = runs.pivot_table(index="replication", columns="scenario", values="revenue")
    needed = n
    for a, b in combinations([s.name for s in scenarios], 2):
        d = (wide[b] - wide[a]).dropna().to_numpy()
        target = abs(d.mean()) * pct / 100
        if stats.mean_ci(d).half_width > target:
            needed = max(needed, stats.replications_needed(d, target), n + max(2, n // 2))
    return needed


def _assemble(scenarios, store, seed, n, days, period, folder, kpis, failed, draws) -> Comparison:
    """Read this comparison's runs back from disk (a resumed folder may hold others too)."""
    names = [s.name for s in scenarios]
    ids = {spec.run_id for spec in specs_for(scenarios, n, seed, days, period, draws)}
    runs, series = store.summaries(), store.timeseries()
    if not runs.empty:
        runs = runs[runs["run_id"].isin(ids)].reset_index(drop=True)
        series = series[series["run_id"].isin(ids)].reset_index(drop=True)
    if runs.empty:  # every run failed: nothing to compare, the failures say why
        comparison = pd.DataFrame()
    else:
        tables = [stats.compare(runs, kpis, base, names[i:]) for i, base in enumerate(names[:-1])]
        comparison = plausible.with_prob_better(pd.concat(tables, ignore_index=True), runs)
    warning = stats.stability_warning(comparison, runs) if not comparison.empty else None
    seeds = replication_seeds(seed, n)
    runs = plausible.with_world_values(runs, draws)
    result = Comparison(scenarios, runs, series, comparison, seed, seeds, days, folder, failed, warning)
    result.worlds = draws
    return result
