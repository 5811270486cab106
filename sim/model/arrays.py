"""Small array helpers shared by the mechanisms.

Every mechanism works on whole teams and lead sets at once; these are the few operations they
share, kept cheaper than their numpy equivalents because they run many times a day.
"""

from __future__ import annotations

import numpy as np


def rank_within(group: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal, sorted group labels (0, 1, 2, ...)."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    position = np.arange(n)
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(group[1:], group[:-1], out=new_run[1:])
    return position - np.maximum.accumulate(np.where(new_run, position, 0))


def clip_unit(values: np.ndarray) -> np.ndarray:
    """Values clamped to [0, 1] (np.clip's result, at a third of its call overhead)."""
    return np.minimum(np.maximum(values, 0.0), 1.0)


def stock_step(level: float, pressure: float, decay: float) -> float:
    """One day of a stock in [0, 1] (awareness, knowledge, content freshness).

    It closes 1 - exp(-pressure) of its gap to 1 and loses `decay` of itself. Saturating, so no
    valid parameter can push it outside [0, 1]; for small pressures it is the familiar
    level + pressure * (1 - level) - decay * level.
    """
    return level + (1 - np.exp(-pressure)) * (1 - level) - decay * level
