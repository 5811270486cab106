"""Bands: how much of a gap between two arms is noise, from replications over plausible worlds.

One seed draws one line, and a manager cannot tell a real gap from luck. On request the page runs
each arm 5 to 20 times to the horizon, replication i in the same plausible world and with the same
seed in every arm (`sim.experiments.worlds`: the assumptions nobody measured, drawn by a Latin
hypercube; `sim.experiments.runner.replication_seeds`: the seeds `compare` uses), and draws the
median and the 10th to 90th percentile (an 80% band) of every plotted series.

Each arm runs as it stands when the bands are asked for: its scenario's start values and
interventions plus the lever changes the user made so far (and those still pending), on the days
they were made. The work runs in a background thread (`sim.dashboard.controller`), in small pieces
that check a cancel event, so Step, Play and the sliders keep working while it runs.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.dashboard.runs import DashboardModel
from sim.experiments.runner import replication_seeds
from sim.experiments.worlds import uncertainties, world_draws, world_values
from sim.model.model import SalesMarketingModel
from sim.model.params import Intervention
from sim.model.scenario import Scenario

REPLICATIONS = (5, 20)  # fewest and most replications per arm the page offers
DEFAULT_REPLICATIONS = 10
QUANTILES = (0.1, 0.5, 0.9)  # the band's edges and its median: an 80% band
SERIES: tuple[str, ...] = (
    "revenue_to_date",
    "median_response_hours",
    "trust_sales_in_marketing",
    "trust_marketing_in_sales",
    "diy_assets",
    "brand_consistency",
)
"""The weekly series the plots draw, each with a band (`revenue_to_date` is revenue summed)."""
CHECK_EVERY_DAYS = 25  # how often a replication looks at the cancel event


@dataclass(frozen=True)
class Arm:
    """One arm as the bands run it: its label and its scenario with the user's changes so far."""

    label: str
    scenario: Scenario


@dataclass(frozen=True)
class Bands:
    """Quantiles of every series over the replications, per arm.

    Attributes:
        replications: Replications per arm.
        day: The working day of the page's run when the bands were asked for.
        arms: Arm label -> one row per working week: `day` and, per series S, `S@0.1`, `S@0.5`, `S@0.9`.
    """

    replications: int
    day: int
    arms: dict[str, pd.DataFrame]


def arms_of(model: DashboardModel) -> list[Arm]:
    """Every run of the page as it stands: start values, interventions, the user's changes so far."""
    out = []
    with model.step_lock:
        for run in model.runs:
            interventions = list(run.model.interventions)
            if run.pending:
                interventions.append(Intervention(model.day, dict(run.pending)))
            out.append(Arm(run.label, dataclasses.replace(run.scenario, interventions=tuple(interventions))))
    return out


def weekly_series(model: SalesMarketingModel) -> pd.DataFrame:
    """The plotted series of a finished replication, one row per working week."""
    weekly = model.timeseries("week")
    table = weekly[["day", *(s for s in SERIES if s != "revenue_to_date")]].copy()
    table["revenue_to_date"] = weekly["revenue"].cumsum()
    return table


def replicate(
    arm: Arm, seed: int, world: dict[str, float], horizon: int, cancel: threading.Event
) -> pd.DataFrame | None:
    """One replication of an arm to the horizon, or None if cancelled on the way."""
    params = arm.scenario.params.with_values(world)
    model = SalesMarketingModel(params, seed=seed, interventions=arm.scenario.interventions)
    for day in range(horizon):
        if day % CHECK_EVERY_DAYS == 0 and cancel.is_set():
            return None
        model.step()
    return weekly_series(model)


def quantiles(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Per week, the QUANTILES of every series over the replications."""
    stacked = np.stack([t[list(SERIES)].to_numpy(dtype=float) for t in tables])  # rep x week x series
    out = pd.DataFrame({"day": tables[0]["day"].to_numpy()})
    for q in QUANTILES:
        values = np.nanquantile(stacked, q, axis=0)
        for k, name in enumerate(SERIES):
            out[f"{name}@{q}"] = values[:, k]
    return out


def compute_bands(
    arms: Sequence[Arm],
    root_seed: int,
    horizon: int,
    replications: int,
    cancel: threading.Event,
    progress: Callable[[int, int], None] = lambda done, total: None,
    day: int = 0,
) -> Bands | None:
    """Run every arm `replications` times in paired plausible worlds; None if cancelled.

    Args:
        arms: The runs to replicate (`arms_of`).
        root_seed: The page's seed: worlds and replication seeds come from it alone.
        horizon: Working days of each replication.
        replications: Replications per arm, within REPLICATIONS.
        cancel: Set it to stop at the next check.
        progress: Called with (runs done, runs in all) after every replication.
        day: The page's day when the bands were asked for (recorded in the result).
    """
    low, high = REPLICATIONS
    replications = min(high, max(low, int(replications)))
    space = uncertainties([arm.scenario for arm in arms])
    worlds = world_draws(space, root_seed, [replications])
    seeds = replication_seeds(root_seed, replications)
    total, done = replications * len(arms), 0
    progress(0, total)
    tables: dict[str, list[pd.DataFrame]] = {arm.label: [] for arm in arms}
    for i in range(replications):  # world by world, so a stopped job has paired halves
        for arm in arms:
            table = replicate(arm, seeds[i], world_values(worlds, i), horizon, cancel)
            if table is None:
                return None
            tables[arm.label].append(table)
            done += 1
            progress(done, total)
    return Bands(replications, day, {label: quantiles(t) for label, t in tables.items()})
