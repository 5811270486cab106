"""The model layer: parameters, people, leads, the day's mechanisms, metrics and scenario files.

It imports nothing from the rest of `sim`. `SalesMarketingModel` is imported on first use (PEP
562), so that reading parameters or scenarios does not load Mesa.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"SalesMarketingModel": "sim.model.model", "WORKING_DAYS_PER_YEAR": "sim.model.model"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module 'sim.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
