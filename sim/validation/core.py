"""The building blocks every validation pattern shares: arms, designs, result rows, the run table.

A pattern never runs the model itself. It says which *arms* (a scenario plus flat overrides) it
needs, at which size (replications and working days, full or quick), and turns the finished runs
into result rows. The suite (`sim.validation.suite`) gathers every pattern's arms, runs each
distinct (arm, replication, days) once through `sim.experiments.runner`, and hands each pattern the table.
Replication i of every arm runs with the same seed (common random numbers), so any two arms of
a pattern can be compared replication by replication.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments import stats

PASS, FAIL, INFO = "pass", "FAIL", "info"
UP, DOWN = +1, -1


@dataclass(frozen=True)
class Arm:
    """One set of inputs: a shipped scenario and flat parameter overrides on top of it."""

    scenario: str
    overrides: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, scenario: str, overrides: Mapping[str, Any] | None = None) -> Arm:
        """An arm from a plain overrides dict (order does not matter: the key is sorted)."""
        return cls(scenario, tuple(sorted((overrides or {}).items())))

    @property
    def key(self) -> str:
        """A stable, readable identity, e.g. `defined meeting_hours_per_week=2.0`."""
        return " ".join([self.scenario, *(f"{k}={v}" for k, v in self.overrides)])


@dataclass(frozen=True)
class Size:
    """How many paired replications of how many working days a pattern runs."""

    replications: int
    days: int


@dataclass(frozen=True)
class Design:
    """What a pattern needs run: its arms, each at the same size."""

    arms: tuple[Arm, ...]
    size: Size


@dataclass(frozen=True)
class Row:
    """One line of the validation table.

    Attributes:
        pattern: The pattern's name (`response_decay`, `funnel`, ...).
        check: What this row checks, in a few words.
        source: Short citation of where the target comes from.
        target: The expected value or direction, in words.
        value: The model's value (a mean, a ratio, a difference).
        ci_low: Lower end of its 95% interval (NaN when there is none).
        ci_high: Upper end of its 95% interval.
        status: `pass`, `FAIL`, or `info` (shown for context, not a check).
        note: How the value was measured, or why it failed.
        n: Replications (or runs) behind the value.
    """

    pattern: str
    check: str
    source: str
    target: str
    value: float
    ci_low: float
    ci_high: float
    status: str
    note: str = ""
    n: int = 0

    @property
    def passed(self) -> bool | None:
        """True or False for a check, None for an informational row."""
        return None if self.status == INFO else self.status == PASS

    def record(self) -> dict[str, Any]:
        """The row as a flat dict (for CSV and JSON), with `passed` spelled out."""
        return {**asdict(self), "passed": self.passed}


def verdict(ok: bool) -> str:
    """`pass` or `FAIL`."""
    return PASS if ok else FAIL


class RunTable:
    """Finished runs' summaries, looked up by arm and size, ordered by replication.

    Args:
        runs: One row per finished run: `run_id`, `replication` and the run summary.
        run_ids: `run_ids(arm, size)` gives the ids of the arm's runs at that size, in
            replication order (the suite knows how arms become runs; patterns need not).
    """

    def __init__(self, runs: pd.DataFrame, run_ids: Callable[[Arm, Size], list[str]]) -> None:
        self.runs = runs.set_index("run_id", drop=False) if len(runs) else runs
        self.run_ids = run_ids

    def arm(self, arm: Arm, size: Size) -> pd.DataFrame:
        """The arm's finished runs at `size`, in replication order (failed runs are missing)."""
        ids = [i for i in self.run_ids(arm, size) if i in self.runs.index]
        return self.runs.loc[ids].reset_index(drop=True)

    def values(self, arm: Arm, size: Size, column: str) -> np.ndarray:
        """One summary column of an arm, one value per replication (replication order)."""
        return self.arm(arm, size)[column].to_numpy(dtype=float)

    def paired(self, a: Arm, b: Arm, size: Size, column: str) -> tuple[np.ndarray, np.ndarray]:
        """A column of two arms on their common replications, aligned for a paired difference."""
        ta = self.arm(a, size).set_index("replication")[column]
        tb = self.arm(b, size).set_index("replication")[column]
        common = ta.index.intersection(tb.index)
        return ta.loc[common].to_numpy(dtype=float), tb.loc[common].to_numpy(dtype=float)


def difference_row(
    pattern: str,
    check: str,
    source: str,
    target: str,
    a: np.ndarray,
    b: np.ndarray,
    direction: int,
    note: str = "",
) -> Row:
    """B minus A over paired replications; passes when its 95% CI excludes zero in `direction`."""
    diff = stats.paired_difference(a, b)
    iv = diff.difference
    ok = (iv.low > 0) if direction == UP else (iv.high < 0)
    ok = bool(ok) and not math.isnan(iv.low)
    return Row(pattern, check, source, target, iv.mean, iv.low, iv.high, verdict(ok), note, iv.n)


@dataclass(frozen=True)
class Pattern:
    """A pattern-oriented validation check: where the target comes from and how it is measured.

    Attributes:
        name: Short identifier, also the module's name.
        title: One line for the table and the docs.
        source: Full citation.
        short_source: A few words for the table.
        target: The target in words.
        trust: How far the source can be trusted, in one or two sentences.
        design: `design(quick)` gives the arms and size the pattern needs.
        evaluate: `evaluate(table, quick, seed)` turns finished runs into rows; `seed` is the
            suite's root seed, for any resampling the evaluation does.
        figures: `figures(table, quick, seed, folder)` writes plots and returns their file names.
    """

    name: str
    title: str
    source: str
    short_source: str
    target: str
    trust: str
    design: Callable[[bool], Design]
    evaluate: Callable[[RunTable, bool, int], list[Row]]
    figures: Callable[[RunTable, bool, int, Path], list[str]] | None = None
