"""The Python API for notebooks and scripts: one call runs one scenario and returns tables.

The model, pandas and Mesa are imported inside `run`, not at module level, so that the command
line can validate its input (and print help) without paying for those imports.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.model.params import ParameterError
from sim.model.scenario import Scenario, _label, load_scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.model.model import SalesMarketingModel

PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter")  # sim.model.metrics.PERIOD_DAYS, kept light
MAX_SEED = 2**63  # seeds are stored as int64 in tables; the model draws its own below this too


@dataclass
class RunResult:
    """One finished run: its tables, what produced them, and the model for further digging.

    Attributes:
        timeseries: The tidy table of DESIGN.md section 3, one row per `period`.
        summary: Totals, horizon means and rates over the whole run.
        scenario: The scenario as resolved (overrides applied).
        seed: The root seed actually used (drawn and recorded when none was given).
        days: Working days simulated.
        period: Length of a `timeseries` row: day, week, month or quarter.
        model: The finished model (daily record, lead table, agents).
    """

    timeseries: pd.DataFrame
    summary: dict[str, float]
    scenario: Scenario
    seed: int
    days: int
    period: str
    model: SalesMarketingModel


def draw_seed() -> int:
    """A fresh root seed from the operating system's entropy, small enough to store as int64."""
    import numpy as np

    return int(np.random.SeedSequence().entropy % MAX_SEED)


def check_run_args(days: Any, seed: Any, period: str) -> None:
    """Raise ParameterError for a bad horizon, seed or period before any work is done."""
    if isinstance(days, bool) or not isinstance(days, numbers.Integral) or days < 1:
        raise ParameterError(f"days: must be a whole number >= 1, got {days!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise ParameterError(f"seed: must be a whole number, got {seed!r}")
    if seed is not None and not 0 <= seed < MAX_SEED:
        raise ParameterError(f"seed: must be between 0 and 2**63 - 1, got {seed!r}")
    if period not in PERIODS:
        raise ParameterError(f"period: must be one of {', '.join(PERIODS)}, got {period!r}")


class LateInterventionWarning(UserWarning):
    """A scenario's intervention is dated on or after the run's last day, so it never applies."""


def late_interventions(scenario: Scenario, days: int) -> list[str]:
    """One line for each intervention that a run of `days` working days never reaches.

    A scenario file knows nothing of the horizon, so `integrate_at_month_6` with `--days 100` is
    valid and runs; but its result is the unchanged structure, which a reader would take for the
    change's effect. The check lives where the scenario and the days first meet.
    """
    where = _label(scenario.path) if scenario.path else scenario.name
    lines = []
    for item in scenario.interventions:
        if item.day >= days:
            what = getattr(item, "description", "") or ", ".join(sorted(item.values))
            lines.append(
                f"{where}: the intervention on day {item.day} ({what}) never applies: the run "
                f"ends after day {days - 1} ({days} working days, days count from 0)"
            )
    return lines


def resolve_scenario(scenario: str | Path | Scenario, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a scenario by name or path (or take a Scenario object) and apply overrides."""
    if isinstance(scenario, Scenario):
        return scenario.with_values(overrides or {})
    return load_scenario(scenario, overrides)


def run(
    scenario: str | Path | Scenario = "defined",
    seed: int | None = None,
    days: int = 500,
    overrides: dict[str, Any] | None = None,
    period: str = "day",
) -> RunResult:
    """Run one scenario once and return its tables.

    Args:
        scenario: A shipped scenario's name, a path to a .toml file, or a Scenario object.
        seed: Root seed; None draws one (recorded in the result) so every run can be repeated.
        days: Working days to simulate (250 a year).
        overrides: Flat parameter overrides, e.g. `{"n_reps": 12, "shared_goals": 1.0}`.
        period: Row length of the returned timeseries: day, week, month or quarter.

    Raises:
        ParameterError: Bad days, seed or period; ScenarioError (a subclass) for the scenario.

    Warns:
        LateInterventionWarning: For each intervention dated after the run's last day.
    """
    check_run_args(days, seed, period)
    resolved = resolve_scenario(scenario, overrides)
    for line in late_interventions(resolved, days):
        warnings.warn(line, LateInterventionWarning, stacklevel=2)
    seed = draw_seed() if seed is None else int(seed)
    from sim.model.model import SalesMarketingModel

    model = SalesMarketingModel(resolved.params, seed=seed, interventions=resolved.interventions).run(days)
    return RunResult(
        timeseries=model.timeseries(period),
        summary=model.summary(),
        scenario=resolved,
        seed=seed,
        days=int(days),
        period=period,
        model=model,
    )
