"""Agent-based model of sales-marketing team dynamics (see docs/ODD.md and README.md).

Quick use::

    import sim
    result = sim.run("integrated", seed=1, days=250)
    result.timeseries  # pandas DataFrame, one row per day

The public names below are imported on first use (module `__getattr__`, PEP 562), so that
`import sim` and `python run.py --help` do not load Mesa, pandas or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.api import RunResult, run
    from sim.model.scenario import Scenario, ScenarioError, list_scenarios, load_scenario

_LAZY: dict[str, str] = {
    "run": "sim.api",
    "RunResult": "sim.api",
    "load_scenario": "sim.model.scenario",
    "list_scenarios": "sim.model.scenario",
    "Scenario": "sim.model.scenario",
    "ScenarioError": "sim.model.scenario",
}

__all__ = ["RunResult", "Scenario", "ScenarioError", "list_scenarios", "load_scenario", "run"]


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
