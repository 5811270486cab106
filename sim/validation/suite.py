"""Run every validation pattern at once and write the results folder.

All patterns' arms are turned into run specs first and deduplicated by run id (an arm two
patterns share, at the same size, runs once), then run through `sim.experiments.runner.run_batch` on one
executor, so the whole suite parallelises. Each worker reduces its run to the summary plus the
response-decay counts (`VALIDATION_TASK`); lead tables never leave the worker. Runs stream to
`runs/` in the results folder; the table, metadata and plots are written atomically at the end.

Replication i of every arm has the same seed, derived from the root seed (`--seed`, fixed by
default so that validation is reproducible), so every comparison within a pattern is paired.
"""

from __future__ import annotations

import functools
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.experiments.runner import (
    NO_SERIES,
    ResultStore,
    RunSpec,
    default_executor,
    execute_run,
    replication_seeds,
    run_collecting_failures,
)
from sim.model.params import ParameterError
from sim.model.scenario import Scenario, load_scenario
from sim.output import (
    atomic_write_csv,
    atomic_write_json,
    environment_metadata,
    utc_now,
)
from sim.validation import PATTERNS
from sim.validation.core import FAIL, Arm, Pattern, Row, RunTable, Size
from sim.validation.response_decay import decay_counts

DEFAULT_SEED = 20260101  # fixed, so `validate` gives the same table on every machine
TABLE_FILE, METADATA_FILE, PLOTS_DIR = "validation.csv", "metadata.json", "plots"
PERIOD = NO_SERIES  # patterns read run summaries only


@dataclass
class SuiteResult:
    """The validation table and where it was written."""

    rows: list[Row]
    folder: Path
    seed: int
    quick: bool
    runs: int
    failed: list[str] = field(default_factory=list)  # run ids whose traceback is in failures/
    seconds: float = 0.0
    plots: list[str] = field(default_factory=list)

    @property
    def all_passed(self) -> bool:
        """Every check passed (informational rows do not count) and no run failed."""
        return not self.failed and all(r.passed is not False for r in self.rows)


def decay_counts_of(model: Any) -> dict[str, float]:
    """The response-decay counts of a finished model (lead tables never leave the worker)."""
    return decay_counts(model.leads)


VALIDATION_TASK = functools.partial(execute_run, extra=decay_counts_of)
"""One run: its summary plus its response-decay counts, no time series; never raises."""


class Specs:
    """Turns arms into run specs: scenarios loaded once, seeds from one root."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._scenarios: dict[Arm, Scenario] = {}
        self._seeds: list[int] = []

    def seeds(self, n: int) -> list[int]:
        """The first n replication seeds (the list only grows, so prefixes agree)."""
        if len(self._seeds) < n:
            self._seeds = replication_seeds(self.seed, n)
        return self._seeds[:n]

    def scenario(self, arm: Arm) -> Scenario:
        """The arm's scenario with its overrides, validated like a scenario file."""
        if arm not in self._scenarios:
            base = load_scenario(arm.scenario)
            self._scenarios[arm] = base.with_values(dict(arm.overrides), source=f"arm {arm.key!r}")
        return self._scenarios[arm]

    def for_arm(self, arm: Arm, size: Size) -> list[RunSpec]:
        """The arm's runs at this size, in replication order."""
        s = self.scenario(arm)
        return [
            RunSpec(arm.scenario, s.params, seed, i, size.days, PERIOD, tuple(s.interventions))
            for i, seed in enumerate(self.seeds(size.replications))
        ]

    def run_ids(self, arm: Arm, size: Size) -> list[str]:
        """Run ids of `for_arm`, for looking runs up."""
        return [spec.run_id for spec in self.for_arm(arm, size)]


def suite_specs(patterns: Sequence[Pattern], quick: bool, specs: Specs) -> list[RunSpec]:
    """Every run the patterns need, each once, longest runs first (they set the finish time)."""
    unique: dict[str, RunSpec] = {}
    for pattern in patterns:
        design = pattern.design(quick)
        for arm in design.arms:
            for spec in specs.for_arm(arm, design.size):
                unique.setdefault(spec.run_id, spec)
    return sorted(unique.values(), key=lambda s: -s.days)


def select(names: Sequence[str] | None) -> list[Pattern]:
    """Patterns by name (all when None), in registry order."""
    if not names:
        return list(PATTERNS.values())
    unknown = [n for n in names if n not in PATTERNS]
    if unknown:
        raise ParameterError(f"pattern: unknown {', '.join(unknown)}; allowed: {', '.join(PATTERNS)}")
    return [p for name, p in PATTERNS.items() if name in names]


def run_suite(
    *,
    quick: bool = False,
    seed: int = DEFAULT_SEED,
    workers: int | None = None,
    executor: Executor | None = None,
    folder: Path | None = None,
    patterns: Sequence[str] | None = None,
    progress: bool = False,
    command: Sequence[str] = (),
) -> SuiteResult:
    """Run the validation patterns and write `validation.csv`, `metadata.json` and plots.

    Args:
        quick: Reduced replications and days (for the tests; a minute or less on two cores).
        seed: Root seed of every replication seed.
        workers: Processes for the default pool (all cores when None; 1 runs in this process).
        executor: Any concurrent.futures Executor; overrides `workers`.
        folder: The results folder (a temporary one when None).
        patterns: Names of the patterns to run (all when None).
        progress: Show a progress bar on a terminal.
        command: The command line, for metadata.json.
    """
    chosen = select(patterns)
    started, clock = utc_now(), time.perf_counter()
    folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="validate-"))
    specs = Specs(seed)
    todo = suite_specs(chosen, quick, specs)  # loads every scenario: bad arms fail before any run
    store = ResultStore(folder)
    failed = _run(todo, store, executor, workers, progress)
    table = RunTable(store.summaries(), specs.run_ids)
    rows = [row for pattern in chosen for row in _evaluate(pattern, table, quick, seed)]
    result = SuiteResult(rows, folder, seed, quick, len(todo), failed)
    atomic_write_csv(folder / TABLE_FILE, [r.record() for r in rows])
    result.plots = _figures(chosen, table, quick, seed, folder / PLOTS_DIR)
    result.seconds = time.perf_counter() - clock
    atomic_write_json(folder / METADATA_FILE, metadata(result, chosen, specs, started, list(command)))
    return result


def _run(
    todo: list[RunSpec], store: ResultStore, executor: Executor | None, workers: int | None, progress: bool
) -> list[str]:
    """Every run of the suite through the runner's shared loop; a pool made here is shut down here."""
    own = executor is None
    executor = executor or default_executor(workers)
    try:
        return run_collecting_failures(todo, store, executor, progress=progress, task=VALIDATION_TASK)
    finally:
        if own:
            executor.shutdown()


def _evaluate(pattern: Pattern, table: RunTable, quick: bool, seed: int) -> list[Row]:
    """The pattern's rows; a pattern whose runs are missing (failed) gets one FAIL row saying so."""
    try:
        return pattern.evaluate(table, quick, seed)
    except Exception as err:  # noqa: BLE001 - one broken pattern must not hide the others
        note = f"could not evaluate: {type(err).__name__}: {err}"
        nan = float("nan")
        row = Row(pattern.name, "evaluation", pattern.short_source, pattern.target, nan, nan, nan, FAIL, note)
        return [row]


def _figures(patterns: Sequence[Pattern], table: RunTable, quick: bool, seed: int, folder: Path) -> list[str]:
    names: list[str] = []
    for pattern in patterns:
        if pattern.figures is None:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        names += [f"{PLOTS_DIR}/{n}" for n in pattern.figures(table, quick, seed, folder)]
    return names


# ---------------------------------------------------------------------- metadata


def metadata(
    result: SuiteResult, patterns: Sequence[Pattern], specs: Specs, started: Any, command: list[str]
) -> dict[str, Any]:
    """How to repeat the validation and what produced it: seeds, sizes, sources, versions."""
    import shlex

    sizes = {p.name: p.design(result.quick).size for p in patterns}
    most = max(s.replications for s in sizes.values())
    files = sorted(p.name for p in result.folder.iterdir() if not p.name.startswith("."))
    return {
        "kind": "validate",
        "created_utc": started.isoformat(timespec="seconds"),
        "seconds": round(result.seconds, 3),
        "command": shlex.join(command),
        "quick": result.quick,
        "root_seed": result.seed,
        "replication_seeds": specs.seeds(most),
        "patterns": [_pattern_metadata(p, sizes[p.name]) for p in patterns],
        "counts": {
            "runs": result.runs,
            "failed": len(result.failed),
            "checks": sum(r.passed is not None for r in result.rows),
            "passed": sum(r.passed is True for r in result.rows),
        },
        "all_passed": result.all_passed,
        "failed_run_ids": result.failed,
        "files": sorted({*files, TABLE_FILE, METADATA_FILE}),
        "plots": result.plots,
        "environment": environment_metadata(),
    }


def _pattern_metadata(pattern: Pattern, size: Size) -> dict[str, Any]:
    return {
        "name": pattern.name,
        "title": pattern.title,
        "source": pattern.source,
        "target": pattern.target,
        "trust": pattern.trust,
        "replications": size.replications,
        "days": size.days,
    }
