"""Year by year: each scenario's revenue per simulated year and its ratio to the baseline.

Runs start from their steady state (the burn-in), so year 1 and year 2 should agree within noise;
a ratio that climbs from year to year would mean the headline depends on the horizon. The years
are read from the stored time series (a week is 5 of the year's 250 working days, so weeks fall
whole into years; a month or quarter is counted in the year it ends in).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiments import stats
from sim.experiments.compare import Comparison
from sim.reporting.formats import NO_INTERVAL, YEAR_DAYS, fmt_money, has_interval, money_scale


def yearly(timeseries: pd.DataFrame, column: str = "revenue") -> pd.DataFrame:
    """`column` summed per scenario, replication and simulated year (1, 2, ...)."""
    if timeseries.empty or column not in timeseries:
        return pd.DataFrame(columns=["scenario", "replication", "year", column])
    year = (timeseries["day"].to_numpy() - 1) // YEAR_DAYS + 1
    frame = timeseries.assign(year=year)
    return frame.groupby(["scenario", "replication", "year"], sort=True)[column].sum().reset_index()


def year_rows(c: Comparison, column: str = "revenue") -> list[dict]:
    """Per year and scenario: the mean over replications, and the paired ratio to the baseline.

    The baseline's own row has no ratio (None).
    """
    table = yearly(c.timeseries, column)
    if table.empty:
        return []
    wide = table.pivot_table(index=["year", "replication"], columns="scenario", values=column)
    base = c.names[0]
    rows = []
    for year, block in wide.groupby(level="year"):
        for name in c.names:
            if name not in block:
                continue
            ratio = (
                None if name == base else stats.paired_ratio(block[base].to_numpy(), block[name].to_numpy())
            )
            mean = float(np.nanmean(block[name].to_numpy()))
            rows.append({"year": int(year), "scenario": name, "mean": mean, "ratio": ratio})
    return rows


def year_table(c: Comparison, column: str = "revenue") -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Header and rows of the year-by-year table: one row a year, `mean (xratio [CI])` a scenario."""
    rows = year_rows(c, column)
    if not rows:
        return (), []
    scale = money_scale(*(r["mean"] for r in rows))
    cells: dict[int, list[str]] = {}
    for r in rows:
        text = fmt_money(r["mean"], scale)
        iv = r["ratio"]
        if iv is not None and has_interval(iv.low, iv.high):
            text += f" (x{iv.mean:.2f} [{iv.low:.2f}, {iv.high:.2f}])"
        elif iv is not None:
            text += f" (x{iv.mean:.2f}, {NO_INTERVAL})"
        cells.setdefault(r["year"], []).append(text)
    present = [n for n in c.names if any(r["scenario"] == n for r in rows)]
    return ("year", *present), [(str(year), *texts) for year, texts in sorted(cells.items())]
