"""Global sensitivity indices of a finished sweep: Sobol' (S1, ST) or Morris (mu*, sigma), via SALib.

The model is stochastic, so each design point's output is the mean over its replications
(common random numbers: replication i has the same seed at every point, which keeps the noise
out of the differences between points). SALib gets back exactly the unit-cube sample it drew
(`sim.experiments.designs.unit_sample`), so Morris' elementary effects are per unit of a parameter's range:
mu* values of different parameters are comparable. Confidence intervals are SALib's bootstrap
intervals, seeded by the experiment's analysis seed. mu* is a mean of absolute effects and cannot be
negative, so its interval (`mu_star_ci_low`, `mu_star_ci_high`) takes SALib's bootstrap half-width
on the log scale (`sim.experiments.stats.log_scale_ends`) instead of mu* +- half-width.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.designs import DESIGN, salib_problem, unit_sample
from sim.experiments.spec import Experiment
from sim.experiments.stats import log_scale_ends
from sim.output import atomic_write

RESAMPLES = 1000  # bootstrap resamples for the confidence intervals
CONF_LEVEL = 0.95
INDICES_FILE = {"sobol": "sobol.csv", "morris": "morris.csv"}


@dataclass
class Sensitivity:
    """Indices of one experiment: one row per KPI and parameter.

    Attributes:
        method: "sobol" or "morris".
        indices: Sobol': kpi, parameter, S1, S1_conf, ST, ST_conf (conf = CI half-width).
            Morris: kpi, parameter, mu, mu_star, mu_star_conf, mu_star_ci_low, mu_star_ci_high, sigma.
        skipped: KPI -> why no indices (e.g. undefined at some points).
    """

    method: str
    indices: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)


class IncompleteSweepError(RuntimeError):
    """Some design points have no finished run, so indices cannot be computed."""


def point_means(summary: pd.DataFrame, experiment: Experiment, kpi: str) -> np.ndarray:
    """The replication mean of a KPI at every design point, in sample order."""
    design = summary[summary["part"] == DESIGN].sort_values("point")
    if len(design) != experiment.design_points or (design["runs"] == 0).any():
        missing = int((design["runs"] == 0).sum()) + experiment.design_points - len(design)
        raise IncompleteSweepError(f"{missing} design points have no finished run")
    return design[f"{kpi}_mean"].to_numpy(dtype=float)


def analyse(summary: pd.DataFrame, experiment: Experiment) -> Sensitivity:
    """Sobol' or Morris indices of every KPI of a sobol or morris experiment.

    Raises:
        IncompleteSweepError: A design point has no finished run.
        ValueError: The experiment's design is neither sobol nor morris.
    """
    if experiment.design not in INDICES_FILE:
        raise ValueError(f"design {experiment.design!r} has no sensitivity indices")
    x = unit_sample(experiment) if experiment.design == "morris" else None
    tables, skipped = [], {}
    for kpi in experiment.kpis:
        y = point_means(summary, experiment, kpi)
        bad = int((~np.isfinite(y)).sum())
        if bad:
            skipped[kpi] = f"undefined at {bad} of {len(y)} design points"
            continue
        tables.append(_sobol(experiment, kpi, y) if x is None else _morris(experiment, kpi, x, y))
    indices = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    return Sensitivity(experiment.design, indices, skipped)


def _sobol(experiment: Experiment, kpi: str, y: np.ndarray) -> pd.DataFrame:
    from SALib.analyze import sobol

    problem = salib_problem(experiment)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a constant KPI divides 0 by 0: NaN indices
        result = sobol.analyze(
            problem,
            y,
            calc_second_order=experiment.second_order,
            num_resamples=RESAMPLES,
            conf_level=CONF_LEVEL,
            seed=experiment.analysis_seed,
        )
    return _indices_table(kpi, problem["names"], result, ("S1", "S1_conf", "ST", "ST_conf"))


def _morris(experiment: Experiment, kpi: str, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    from SALib.analyze import morris

    problem = salib_problem(experiment)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = morris.analyze(
            problem,
            x,
            y,
            num_resamples=RESAMPLES,
            conf_level=CONF_LEVEL,
            num_levels=experiment.levels,
            seed=experiment.analysis_seed,
        )
    table = _indices_table(kpi, problem["names"], result, ("mu", "mu_star", "mu_star_conf", "sigma"))
    low, high = log_scale_ends(table["mu_star"].to_numpy(), table["mu_star_conf"].to_numpy())
    table.insert(table.columns.get_loc("sigma"), "mu_star_ci_low", low)
    table.insert(table.columns.get_loc("sigma"), "mu_star_ci_high", high)
    return table


def _indices_table(kpi: str, names: list[str], result: dict, columns: tuple[str, ...]) -> pd.DataFrame:
    """SALib's result as rows of (kpi, parameter, *columns): one table shape for both methods."""
    frame = pd.DataFrame({c: np.asarray(result[c], dtype=float) for c in columns})
    frame.insert(0, "parameter", names)
    frame.insert(0, "kpi", kpi)
    return frame


def ranked(sensitivity: Sensitivity, kpi: str) -> pd.DataFrame:
    """One KPI's rows, most influential parameter first (by ST, or by mu*)."""
    key = "ST" if sensitivity.method == "sobol" else "mu_star"
    rows = sensitivity.indices[sensitivity.indices["kpi"] == kpi]
    return rows.sort_values(key, ascending=False, kind="stable", na_position="last").reset_index(drop=True)


def write_indices(sensitivity: Sensitivity, folder: Path) -> Path:
    """sobol.csv or morris.csv in the sweep folder, each KPI's parameters ranked."""
    path = Path(folder) / INDICES_FILE[sensitivity.method]
    kpis = list(dict.fromkeys(sensitivity.indices["kpi"])) if not sensitivity.indices.empty else []
    table = (
        pd.concat([ranked(sensitivity, k) for k in kpis], ignore_index=True) if kpis else sensitivity.indices
    )
    atomic_write(path, lambda tmp: table.to_csv(tmp, index=False))
    return path


def is_finite(value: float) -> bool:
    """True for a real number (SALib gives NaN for a constant output)."""
    return value is not None and math.isfinite(value)
