"""The report's findings in plain words: the headline revenue sentence and one sentence per KPI.

Kept apart from the report's layout so the command line can print the same sentences the report
shows (`run.py compare` does), and so wording rules (direction words, "cannot tell apart" when an
interval includes zero) live in one place. Numbers come from the `comparison` rows that also go to
`comparison.csv`, formatted by `sim.reporting.formats`.
"""

from __future__ import annotations

import pandas as pd

from sim.reporting.formats import (
    NO_INTERVAL,
    fmt_interval,
    fmt_money,
    fmt_uplift,
    fmt_value,
    has_interval,
    horizon_words,
    kpi_info,
    money_scale,
)


def _includes_zero(row: pd.Series) -> bool:
    return bool(row["difference_ci_low"] <= 0 <= row["difference_ci_high"])


def _directed(row: pd.Series) -> tuple[bool, float, float, float]:
    """(is the difference >= 0, its size, and the CI of the size in the direction of the words)."""
    d, low, high = row["difference"], row["difference_ci_low"], row["difference_ci_high"]
    if d >= 0:
        return True, d, low, high
    return False, -d, -high, -low


def revenue_sentence(row: pd.Series, days: int) -> str:
    """The headline: `B earned 12.3 M more revenue over two years than A (95% CI ..., +45%), ...`."""
    up, size, low, high = _directed(row)
    scale = money_scale(size, low, high)
    words = "more" if up else "less"
    interval = (
        f"95% CI {fmt_money(low, scale).removesuffix(scale[1])} to {fmt_money(high, scale)}"
        if has_interval(low, high)
        else NO_INTERVAL
    )
    n = int(row["n"])
    text = (
        f"**{row['scenario']}** earned {fmt_money(size, scale)} {words} revenue over "
        f"{horizon_words(days)} than **{row['baseline']}** ({interval}, "
        f"{fmt_uplift(row['uplift'])}), across {n} paired replication{'s' if n != 1 else ''}."
    )
    if _includes_zero(row):
        text += " The interval includes zero: these replications cannot tell the two apart on revenue."
    return text


def kpi_sentence(row: pd.Series) -> str:
    """One KPI in words: `Deals won: 1,079 vs 283, 796 more (95% CI 772 to 819, +281%).`."""
    info = kpi_info(row["kpi"])
    up, size, low, high = _directed(row)
    words = info.more if up else info.less
    b, a = fmt_value(info.kind, row["scenario_mean"]), fmt_value(info.kind, row["baseline_mean"])
    unclear = "; not distinguishable from zero" if _includes_zero(row) else ""
    if info.kind == "share":
        size_text, interval = f"{100 * size:.1f} percentage points", f"{100 * low:.1f} to {100 * high:.1f} pp"
    else:
        size_text, interval = fmt_value(info.kind, size), fmt_interval(info.kind, low, high)
    interval = f"95% CI {interval}" if has_interval(low, high) else NO_INTERVAL
    if row["difference"] == 0:
        return f"**{info.label}**: {b} in both."
    return (
        f"**{info.label}**: {b} vs {a}, {size_text} {words} "
        f"({interval}, {fmt_uplift(row['uplift'])}{unclear})."
    )
