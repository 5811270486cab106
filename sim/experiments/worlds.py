"""Plausible worlds: the uncertain assumptions of a comparison, drawn once per replication.

A comparison's conclusion rests on seed noise and on assumptions nobody measured (how strongly
targeting raises fit, how long a rep waits for collateral). After the EMA Workbench, parameters
are kept apart as *uncertainties* (what a company cannot choose: every `[market]` value and the
levers in `ASSUMED_LEVERS`, which describe people and work) and *policies* (every other lever:
what the structures set). Each replication draws one world, a value for every uncertainty from its
`plausible` range (uniform, whole numbers for whole-number parameters), with a Latin hypercube over
the replications, so that few replications still cover every range evenly. Replication i runs in
the same world in every arm, so the comparison stays paired.

What is drawn (`uncertainties`): a parameter with a plausible range that is an uncertainty, and
that every arm leaves at the model's default. A value someone changed (a client fact in a
calibrated file, a structure's choice, `--set`) is taken as known and held; so are values an
intervention sets. Client facts with no plausible range (scale, team sizes) are never drawn.

Draws come from the root seed alone (`world_draws`): the same root seed gives the same worlds on
any executor and worker count. Replications added later (`--until-ci`) get worlds of a further
Latin hypercube block, so the first replications keep theirs.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.model.params import ASSUMED_LEVERS, Params, parameter_fields
from sim.model.scenario import Scenario

WORLD_STREAM = 0x574F524C44  # "WORLD": keeps world draws apart from every run's own seed
LOWER_IS_BETTER: frozenset[str] = frozenset(
    {
        "median_response_hours",
        "never_contacted_share",
        "leakage_share",
        "diy_assets",
        "diy_hours",
        "off_brand_share",
        "cac",
        "churn_rate",
        "churned",
        "marketing_spend",
    }
)
"""KPIs an arm beats the baseline on by being lower (`prob_better`); on every other KPI, higher."""


@dataclass(frozen=True)
class Uncertainty:
    """One drawn parameter: its name and plausible range."""

    name: str
    low: float
    high: float
    integer: bool

    def value(self, u: float) -> float | int:
        """The value at quantile `u` in [0, 1) of the range (whole numbers evenly likely)."""
        if self.integer:
            return int(min(self.high, math.floor(self.low + u * (self.high - self.low + 1))))
        return float(self.low + u * (self.high - self.low))


def is_uncertainty(name: str) -> bool:
    """Whether a parameter is an uncertainty with a plausible range (a market value or an assumed lever)."""
    group, f = parameter_fields()[name]
    uncertain = group == "market" or name in ASSUMED_LEVERS
    return uncertain and f.metadata.get("plausible") is not None


def uncertainties(scenarios: Sequence[Scenario], held: Collection[str] = ()) -> list[Uncertainty]:
    """The parameters a comparison of `scenarios` draws, in field order.

    Args:
        scenarios: The arms (as they will run).
        held: Names never drawn, whatever their value (e.g. the `--set` keys).
    """
    fields = parameter_fields()
    defaults = Params().flat()
    changed = {name for s in scenarios for name, value in s.params.flat().items() if value != defaults[name]}
    changed |= {name for s in scenarios for item in s.interventions for name in item.values}
    out = []
    for name, (_, f) in fields.items():
        if name in changed or name in held or not is_uncertainty(name):
            continue
        low, high = f.metadata["plausible"]
        out.append(Uncertainty(name, float(low), float(high), type(f.default) is int))
    return out


def world_draws(space: Sequence[Uncertainty], root_seed: int, blocks: Sequence[int]) -> pd.DataFrame:
    """One row per world (index `world`, 0-based), one column per uncertainty.

    Block k (of `blocks[k]` worlds) is a Latin hypercube of its own, seeded from the root seed and
    k only: every stratum of every range is hit once per block, and extending a comparison by a
    block leaves the earlier worlds as they were.
    """
    rows: list[dict[str, Any]] = []
    for k, size in enumerate(blocks):
        if size <= 0:
            continue
        rng = np.random.default_rng(np.random.SeedSequence([root_seed, WORLD_STREAM, k]))
        sample = qmc.LatinHypercube(d=max(1, len(space)), rng=rng).random(size)
        rows += [{u.name: u.value(float(q)) for u, q in zip(space, point, strict=False)} for point in sample]
    table = pd.DataFrame(rows, columns=[u.name for u in space])
    table.index.name = "world"
    return table


def world_values(worlds: pd.DataFrame, replication: int) -> dict[str, Any]:
    """The parameter values of one replication's world, as Python numbers (for `Params.with_values`)."""
    return {
        name: int(column.iloc[replication]) if column.dtype.kind in "iu" else float(column.iloc[replication])
        for name, column in worlds.items()
    }


# ---------------------------------------------------------------------- paired outcomes
def prob_better(a: np.ndarray, b: np.ndarray, kpi: str) -> float:
    """Share of paired replications in which B beats A on `kpi` (ties count half); NaN pairs dropped.

    Beating is being higher, or lower for the KPIs in LOWER_IS_BETTER. Across plausible worlds this
    is the share of the worlds (with their seeds) in which the arm is better.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    if not keep.any():
        return math.nan
    d = b[keep] - a[keep]
    if kpi in LOWER_IS_BETTER:
        d = -d
    return float(((d > 0).sum() + 0.5 * (d == 0).sum()) / len(d))


def with_prob_better(comparison: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """`comparison` (rows of `stats.compare`) with a `prob_better` column, from the paired runs."""
    if comparison.empty:
        return comparison
    wide = {s: g.set_index("replication").sort_index() for s, g in runs.groupby("scenario")}
    values = []
    for _, row in comparison.iterrows():
        if row["baseline"] not in wide or row["scenario"] not in wide:  # every run of one side failed
            values.append(math.nan)
            continue
        base, other = wide[row["baseline"]], wide[row["scenario"]]
        common = base.index.intersection(other.index)
        a = base.loc[common, row["kpi"]].to_numpy(dtype=float)
        b = other.loc[common, row["kpi"]].to_numpy(dtype=float)
        values.append(prob_better(a, b, row["kpi"]))
    out = comparison.copy()
    out.insert(out.columns.get_loc("uplift") + 1, "prob_better", values)
    return out


def paired_uplifts(runs: pd.DataFrame, baseline: str, scenario: str, kpi: str = "revenue") -> pd.Series:
    """Per replication (index), B's KPI over A's minus 1: how much better the arm did in that world."""
    wide = runs.pivot_table(index="replication", columns="scenario", values=kpi)
    if baseline not in wide or scenario not in wide:  # every run of one side failed
        return pd.Series(dtype=float)
    return (wide[scenario] / wide[baseline] - 1).dropna()


def world_columns(worlds: pd.DataFrame, taken: Collection[str]) -> dict[str, str]:
    """Column names of the drawn values in a run table.

    The scenario key, or `<section>.<key>` where the table already has a column of that name (the
    lever `diy_hours` and the KPI of the same name), as summary.csv names parameter columns.
    """
    fields = parameter_fields()
    return {n: (f"{fields[n][0]}.{n}" if n in taken else n) for n in worlds.columns}


def with_world_values(runs: pd.DataFrame, worlds: pd.DataFrame | None) -> pd.DataFrame:
    """Runs with each run's drawn values as columns right after its `world` label."""
    if worlds is None or runs.empty or "world" not in runs.columns or worlds.columns.empty:
        return runs
    names = world_columns(worlds, set(runs.columns))
    drawn = worlds.rename(columns=names).reindex(runs["world"].to_numpy()).reset_index(drop=True)
    at = runs.columns.get_loc("world") + 1
    return pd.concat([runs.iloc[:, :at], drawn, runs.iloc[:, at:]], axis=1)
