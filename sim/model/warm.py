"""Importing this module readies the model in this process: Mesa, SciPy and the compiled kernels.

The process pool's fork server imports it (`sim.experiments.runner.WORKER_PRELOAD`), so every
worker is forked with the kernels already loaded from numba's disk cache (or compiled, on a
machine's first run) and its first run costs what its last does. A short burn-in of the default
firm calls every kernel the day uses; what it returns is thrown away.
"""

from __future__ import annotations

from sim.model.model import SalesMarketingModel
from sim.model.params import Params

WARM_DAYS = 3  # after the default burn-in: every mechanism of the day has run


def warm_up() -> None:
    """Run the default firm for a few days, loading every kernel it calls."""
    SalesMarketingModel(Params(), seed=0).run(WARM_DAYS)


warm_up()
