"""Comparison reports a consultant can hand over: plain-words results, markdown and HTML, and files.

`write_comparison` turns a `sim.experiments.compare.Comparison` into a results folder (tables, metadata,
plots, `report.md`, `report.html`); `report_markdown` and `report_html` render the report alone.
The report is built once as a list of blocks (headings, paragraphs, tables, figures) and rendered
twice, so the markdown and the HTML can never say different things. Numbers in sentences are
formatted from the same `comparison` rows that go to `comparison.csv`.

Interventions are judged by their payback: for a pair in which a scenario changes levers during
the run, the report shows the cumulative revenue difference over time and the break-even day.
Break-even of one replication is the first day after which the cumulative difference stays
positive to the end of the horizon (none if it ends at or below zero); it is measured to the
period of the stored time series (a week of 5 working days). Over the replications that break
even the report gives the mean with a 95 % Student-t interval (the same statistic as every other
number in the report), their range, and how many replications do not break even.

Example, the shipped intervention (a segregated company integrates after six months)::

    python run.py compare segregated integrate_at_month_6 -n 20

From Python::

    from sim.experiments.compare import compare
    from sim.reporting.report import write_comparison
    result = compare(["segregated", "integrate_at_month_6"], replications=20, seed=1)
    write_comparison(result, result.folder, ["my_script.py"])
"""

from __future__ import annotations

import base64
import html
import math
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments import stats
from sim.experiments.runner import FAILURE_DIR
from sim.model.params import parameter_fields
from sim.model.scenario import Scenario, lever_differences
from sim.output import (
    atomic_write,
    atomic_write_json,
    atomic_write_text,
    environment_metadata,
    scenario_metadata,
    utc_now,
)

if TYPE_CHECKING:
    from sim.experiments.compare import Comparison

YEAR_DAYS = 250  # working days per year, as model.WORKING_DAYS_PER_YEAR (not imported: no Mesa here)
PLOT_DIR = "plots"
REPORT_FILES: tuple[str, ...] = (
    "summary.csv",
    "timeseries.parquet",
    "comparison.csv",
    "metadata.json",
    "report.md",
    "report.html",
)
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


# ---------------------------------------------------------------------- KPIs and number formats
@dataclass(frozen=True)
class Kpi:
    """How a KPI is named and written: `kind` picks the number format, `more`/`less` the words."""

    label: str
    kind: str  # money, count, share, hours or index
    more: str = "more"
    less: str = "less"
    note: str = ""


KPIS: dict[str, Kpi] = {
    "revenue": Kpi("Revenue", "money", note="currency units, over the horizon"),
    "deals_won": Kpi("Deals won", "count", "more", "fewer", "all sources"),
    "win_rate": Kpi("Win rate", "share", "higher", "lower", "of closed deals"),
    "inquiries": Kpi("Inquiries", "count", "more", "fewer"),
    "mqls": Kpi("MQLs", "count", "more", "fewer", "handed over to sales"),
    "sals": Kpi("SALs", "count", "more", "fewer", "MQLs reached by a rep"),
    "sqls": Kpi("SQLs", "count", "more", "fewer", "MQLs qualified"),
    "opportunities": Kpi("Opportunities", "count", "more", "fewer", "all sources"),
    "mql_to_sal": Kpi("MQL to SAL", "share", "higher", "lower"),
    "sal_to_sql": Kpi("SAL to SQL", "share", "higher", "lower"),
    "sql_to_won": Kpi("SQL to won", "share", "higher", "lower"),
    "median_response_hours": Kpi(
        "Median response", "hours", "slower", "faster", "working hours to first contact"
    ),
    "leakage_share": Kpi("Leakage", "share", "higher", "lower", "MQLs never contacted"),
    "diy_assets": Kpi("DIY assets", "count", "more", "fewer", "collateral reps built alone"),
    "diy_hours": Kpi("DIY hours", "count", "more", "fewer", "rep hours spent on it"),
    "off_brand_share": Kpi("Off-brand share", "share", "higher", "lower", "of collateral used"),
    "content_used_share": Kpi("Content found", "share", "higher", "lower", "library searches that fit"),
    "brand_consistency": Kpi("Brand consistency", "index", "higher", "lower", "0-1, mean over the run"),
    "awareness": Kpi("Awareness", "index", "higher", "lower", "0-1, mean over the run"),
    "trust_sales_in_marketing": Kpi("Trust sales in marketing", "index", "higher", "lower", "0-1, mean"),
    "trust_marketing_in_sales": Kpi("Trust marketing in sales", "index", "higher", "lower", "0-1, mean"),
    "selling_time_share": Kpi("Selling time", "share", "higher", "lower", "of rep hours"),
    "marketing_spend": Kpi("Marketing spend", "money", note="over the horizon"),
    "cac": Kpi("CAC", "money", "higher", "lower", "marketing spend per deal won"),
    "marketing_sourced_revenue_share": Kpi("Marketing-sourced revenue", "share", "higher", "lower"),
    "pipeline_value": Kpi("Pipeline value", "money", note="open deals at the end"),
}
HEADLINE_KPIS: tuple[str, ...] = (
    "revenue",
    "deals_won",
    "win_rate",
    "median_response_hours",
    "leakage_share",
    "diy_hours",
    "trust_sales_in_marketing",
    "trust_marketing_in_sales",
    "selling_time_share",
    "cac",
)


def kpi_info(key: str) -> Kpi:
    """The KPI's label and format; an unknown column gets its own name and a plain number format."""
    return KPIS.get(key, Kpi(key, "index", "higher", "lower"))


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def money_scale(*values: float) -> tuple[float, str, int]:
    """Divisor, suffix and decimals that show the largest value with about three significant digits."""
    finite = [abs(v) for v in values if not _missing(v)]
    top = max(finite, default=0.0)
    if top >= 1e6:
        return 1e6, " M", 1 if top >= 1e7 else 2
    if top >= 1e3:
        return 1e3, " k", 0 if top >= 1e5 else 1
    return 1.0, "", 0


def fmt_money(value: float, scale: tuple[float, str, int] | None = None, sign: bool = False) -> str:
    """Money in M or k (`12.3 M`), with a sign for differences; 'n/a' when missing."""
    if _missing(value):
        return "n/a"
    divisor, suffix, decimals = scale or money_scale(value)
    return f"{value / divisor:{'+' if sign else ''},.{decimals}f}{suffix}"


def fmt_value(kind: str, value: float, sign: bool = False) -> str:
    """A KPI value (or, with `sign`, a difference) in its own unit: shares as %, differences as pp."""
    if _missing(value):
        return "n/a"
    plus = "+" if sign else ""
    if kind == "money":
        return fmt_money(value, sign=sign)
    if kind == "count":
        return f"{value:{plus},.{0 if abs(value) >= 100 else 1}f}"
    if kind == "share":
        return f"{100 * value:{plus}.1f} {'pp' if sign else '%'}"
    if kind == "hours":
        return f"{value:{plus}.1f} h"
    return f"{value:{plus}.3f}"


def fmt_interval(kind: str, low: float, high: float) -> str:
    """`low to high` in one unit (for money: one scale for both ends)."""
    if kind == "money":
        scale = money_scale(low, high)
        return f"{fmt_money(low, scale).removesuffix(scale[1])} to {fmt_money(high, scale)}"
    return f"{fmt_value(kind, low)} to {fmt_value(kind, high)}"


def fmt_with_ci(kind: str, value: float, low: float, high: float, sign: bool = False) -> str:
    """`value (low to high)` in one unit and, for money, one scale: `9.66 M (9.30 to 10.02 M)`."""
    if kind != "money":
        interval = f"{fmt_value(kind, low, sign)} to {fmt_value(kind, high, sign)}"
        return f"{fmt_value(kind, value, sign)} ({interval})"
    scale = money_scale(value, low, high)
    suffix = scale[1]
    ends = f"{fmt_money(low, scale, sign).removesuffix(suffix)} to {fmt_money(high, scale, sign)}"
    return f"{fmt_money(value, scale, sign)} ({ends})"


def fmt_uplift(uplift: float) -> str:
    """Relative change in percent: `+45%`, `-3.2%`."""
    if _missing(uplift):
        return "n/a"
    pct = 100 * uplift
    return f"{pct:+.0f}%" if abs(pct) >= 10 else f"{pct:+.1f}%"


def fmt_p(p: float) -> str:
    """A p-value, `< 0.001` when tiny."""
    if _missing(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def fmt_effect(d: float) -> str:
    """Cohen's d_z with two decimals; infinite when every replication differs by the same amount."""
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return "n/a"
    return "inf" if math.isinf(d) else f"{d:.2f}"


def horizon_words(days: int) -> str:
    """`two years (500 working days)` or `200 working days (0.8 years)`."""
    years, rest = divmod(days, YEAR_DAYS)
    if rest == 0 and 0 < years < len(NUMBER_WORDS):
        unit = "year" if years == 1 else "years"
        return f"{NUMBER_WORDS[years]} {unit} ({days:,} working days)"
    if days < YEAR_DAYS / 10:
        return f"{days:,} working days"
    return f"{days:,} working days ({days / YEAR_DAYS:.1f} years)"


# ---------------------------------------------------------------------- plain-words sentences
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
    text = (
        f"**{row['scenario']}** earned {fmt_money(size, scale)} {words} revenue over "
        f"{horizon_words(days)} than **{row['baseline']}** (95% CI "
        f"{fmt_money(low, scale).removesuffix(scale[1])} to {fmt_money(high, scale)}, "
        f"{fmt_uplift(row['uplift'])}), across {int(row['n'])} paired replications."
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
    if row["difference"] == 0:
        return f"**{info.label}**: {b} in both."
    return (
        f"**{info.label}**: {b} vs {a}, {size_text} {words} "
        f"(95% CI {interval}, {fmt_uplift(row['uplift'])}{unclear})."
    )


# ---------------------------------------------------------------------- payback of interventions
@dataclass
class Payback:
    """The cumulative revenue difference of one pair over time and its break-even statistics.

    Attributes:
        baseline: Scenario subtracted.
        scenario: Scenario whose gain is measured.
        curves: Cumulative difference (scenario minus baseline); index `day`, one column per
            replication.
        break_even: Break-even day per replication (NaN where it does not break even).
        events: (working day, label) of the interventions of both scenarios.
    """

    baseline: str
    scenario: str
    curves: pd.DataFrame
    break_even: pd.Series
    events: list[tuple[int, str]] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Paired replications."""
        return self.curves.shape[1]

    @property
    def n_break_even(self) -> int:
        """Replications that break even within the horizon."""
        return int(self.break_even.notna().sum())

    def interval(self) -> stats.Interval:
        """Mean break-even day with its 95% t interval, over replications that break even."""
        return stats.mean_ci(self.break_even.dropna().to_numpy())

    def band(self) -> pd.DataFrame:
        """Mean cumulative difference per day with its 95% t interval (`mean`, `low`, `high`)."""
        values = self.curves.to_numpy(dtype=float)
        rows = [stats.mean_ci(v) for v in values]
        return pd.DataFrame(
            {"mean": [r.mean for r in rows], "low": [r.low for r in rows], "high": [r.high for r in rows]},
            index=self.curves.index,
        )

    def final(self) -> stats.Interval:
        """The cumulative difference at the end of the horizon."""
        return stats.mean_ci(self.curves.iloc[-1].to_numpy(dtype=float))


def cumulative_difference(
    timeseries: pd.DataFrame, baseline: str, scenario: str, column: str = "revenue"
) -> pd.DataFrame:
    """Cumulative `column` of `scenario` minus `baseline`, replication by replication (paired).

    Returns a table indexed by `day` (the last working day of each period) with one column per
    replication that both scenarios finished.
    """
    wide = {
        name: timeseries[timeseries["scenario"] == name].pivot(
            index="day", columns="replication", values=column
        )
        for name in (baseline, scenario)
    }
    common = wide[baseline].columns.intersection(wide[scenario].columns)
    diff = wide[scenario][common] - wide[baseline][common]
    return diff.sort_index().cumsum()


def break_even_days(curves: pd.DataFrame) -> pd.Series:
    """Per replication: the first day after which the cumulative difference stays above zero.

    NaN where the difference ends at or below zero (no break-even within the horizon).
    """
    positive = (curves > 0).to_numpy()
    stays = np.flip(np.minimum.accumulate(np.flip(positive, axis=0), axis=0), axis=0)
    days = curves.index.to_numpy(dtype=float)
    first = np.where(stays.any(axis=0), days[np.argmax(stays, axis=0)], np.nan)
    return pd.Series(first, index=curves.columns, name="break_even_day")


def intervention_events(scenarios: Sequence[Scenario]) -> list[tuple[int, str]]:
    """(day, label) of every intervention of the given scenarios, for plots and text."""
    events = []
    for s in scenarios:
        for item in s.interventions:
            label = getattr(item, "description", "") or "levers change"
            events.append((item.day, f"{s.name}: {label}"))
    return sorted(set(events))


def paybacks(comparison: Comparison) -> list[Payback]:
    """A payback analysis for every compared pair in which a scenario has interventions.

    The scenario that changes levers is the one whose gain is measured, even when it was given
    first: the question is whether the change pays back.
    """
    out = []
    by_name = {s.name: s for s in comparison.scenarios}
    if comparison.timeseries.empty:
        return out
    for a, b in combinations(comparison.names, 2):
        if by_name[a].interventions and not by_name[b].interventions:
            a, b = b, a
        pair = [by_name[a], by_name[b]]
        if not any(s.interventions for s in pair):
            continue
        curves = cumulative_difference(comparison.timeseries, a, b)
        if curves.shape[1] == 0:
            continue
        out.append(Payback(a, b, curves, break_even_days(curves), intervention_events(pair)))
    return out


def payback_sentence(p: Payback, days: int) -> str:
    """Break-even in words, or that there is none within the horizon."""
    who = f"**{p.scenario}** compared with **{p.baseline}**"
    final = p.final()
    scale = money_scale(final.mean, final.low, final.high)
    end = (
        f"The cumulative revenue difference at the end is {fmt_money(final.mean, scale, sign=True)} "
        f"(95% CI {fmt_money(final.low, scale, sign=True).removesuffix(scale[1])} to "
        f"{fmt_money(final.high, scale, sign=True)})."
    )
    if p.n_break_even == 0:
        return (
            f"{who}: none of the {p.n} paired replications breaks even within the horizon of "
            f"{days:,} working days. {end}"
        )
    iv = p.interval()
    spread = p.break_even.dropna()
    ci = f"95% CI {iv.low:,.0f} to {iv.high:,.0f}" if iv.n > 1 else "one replication, no interval"
    text = (
        f"{who}: break-even on working day {iv.mean:,.0f} on average ({ci}; range "
        f"{spread.min():,.0f} to {spread.max():,.0f}), in {p.n_break_even} of {p.n} paired replications"
    )
    missing = p.n - p.n_break_even
    text += "." if missing == 0 else f"; {missing} do not break even within {days:,} working days."
    length = int(p.curves.index[0])  # the first period ends on its length
    period = {1: "day", 5: "week", 21: "month", 63: "quarter"}.get(length, "period")
    return f"{text} Days are measured to the {period} ({length} working days). {end}"


# ---------------------------------------------------------------------- report blocks
@dataclass(frozen=True)
class Heading:
    """A section title."""

    level: int
    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph; `kind` is '' or 'warning' (shown boxed)."""

    text: str
    kind: str = ""


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of text cells; columns in `right` are right-aligned (numbers)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: tuple[int, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A plot stored as `plots/<name>.png` in the results folder."""

    name: str
    caption: str


Block = Heading | Para | Bullets | Table | Figure


def report_blocks(comparison: Comparison) -> list[Block]:
    """The whole report as blocks, in reading order."""
    blocks: list[Block] = [Heading(1, _title(comparison)), Para(_intro(comparison))]
    if comparison.warning:
        blocks.append(Para(f"**Stability warning**: {comparison.warning}.", "warning"))
    if comparison.failed:
        blocks.append(Para(_failure_text(comparison), "warning"))
    blocks += _what_was_compared(comparison)
    if comparison.comparison.empty:
        blocks.append(Para("No run finished, so there are no results to report.", "warning"))
        return blocks + _caveats()
    blocks += _headline(comparison)
    blocks += _payback_blocks(comparison)
    blocks += _kpi_tables(comparison)
    blocks += _figures(comparison)
    blocks += _method(comparison)
    return blocks + _caveats()


def _title(c: Comparison) -> str:
    return "Comparison: " + " vs ".join(c.names)


def _intro(c: Comparison) -> str:
    n = len(c.seeds)
    return (
        f"{len(c.names)} scenarios, each run {n} times over {horizon_words(c.days)} with common random "
        f"numbers: replication *i* of every scenario uses the same seed, so every difference below is "
        f"measured replication by replication (paired). **{c.names[0]}** is the baseline. All "
        f"intervals are 95% confidence intervals across replications. Root seed {c.root_seed}."
    )


def _failure_text(c: Comparison) -> str:
    runs = "run" if len(c.failed) == 1 else "runs"
    return (
        f"**{len(c.failed)} {runs} failed** and are left out (their tracebacks are in `{FAILURE_DIR}/`): "
        f"{', '.join(c.failed)}. Pairs use only replications that finished in both scenarios."
    )


def _what_was_compared(c: Comparison) -> list[Block]:
    rows = tuple(
        (f"**{s.name}**" + (" (baseline)" if i == 0 else ""), s.description)
        for i, s in enumerate(c.scenarios)
    )
    blocks: list[Block] = [Heading(2, "What was compared"), Table(("scenario", "description"), rows)]
    blocks.append(Heading(3, "Levers that differ at the start"))
    blocks += _lever_table(c.scenarios)
    for s in c.scenarios:
        blocks += _intervention_tables(s)
    return blocks


def _lever_table(scenarios: list[Scenario]) -> list[Block]:
    """One row per parameter whose start value differs between any two scenarios."""
    names: list[str] = []
    for a, b in combinations(scenarios, 2):
        names += [n for n in lever_differences(a, b) if n not in names]
    if not names:
        return [Para("None: all scenarios start with the same parameter values.")]
    fields = parameter_fields()
    order = list(fields)
    names.sort(key=order.index)
    rows = tuple(
        (f"`{n}`", _unit(fields[n][1]), *(_show(s.params.flat()[n]) for s in scenarios)) for n in names
    )
    header = ("parameter", "unit", *(s.name for s in scenarios))
    return [Table(header, rows, right=tuple(range(2, 2 + len(scenarios))))]


def _unit(f: Any) -> str:
    return f.metadata.get("unit") or ""


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _intervention_tables(s: Scenario) -> list[Block]:
    """Each intervention as a before/after table of the values it changes."""
    blocks: list[Block] = []
    before = s.params
    for item in s.interventions:
        after = before.with_values(dict(item.values))
        label = getattr(item, "description", "") or "levers change"
        blocks.append(
            Para(f"**{s.name}** changes {len(item.values)} values from working day {item.day} ({label}):")
        )
        rows = tuple((f"`{n}`", _show(before.flat()[n]), _show(after.flat()[n])) for n in item.values)
        blocks.append(Table(("parameter", f"before day {item.day}", f"from day {item.day}"), rows, (1, 2)))
        before = after
    return blocks


def _pairs_vs_baseline(c: Comparison) -> pd.DataFrame:
    table = c.comparison
    return table[table["baseline"] == c.names[0]]


def _headline(c: Comparison) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Headline")]
    table = _pairs_vs_baseline(c)
    for other in c.names[1:]:
        rows = {r["kpi"]: r for _, r in table[table["scenario"] == other].iterrows()}
        if not rows or rows.get("revenue", {"n": 0})["n"] == 0:
            blocks.append(Para(f"**{other}**: no replication finished in both it and the baseline."))
            continue
        if "revenue" in rows:
            blocks.append(Para(revenue_sentence(rows["revenue"], c.days)))
        items = tuple(kpi_sentence(rows[k]) for k in HEADLINE_KPIS[1:] if k in rows)
        if items:
            blocks.append(Para(f"**{other}** compared with **{c.names[0]}**, means over the replications:"))
            blocks.append(Bullets(items))
    return blocks


def _payback_blocks(c: Comparison) -> list[Block]:
    found = paybacks(c)
    if not found:
        return []
    blocks: list[Block] = [
        Heading(2, "When does the change pay back?"),
        Para(
            "Break-even of one replication is the first day after which the cumulative revenue "
            "difference stays positive to the end of the horizon; a replication whose difference ends "
            "at or below zero does not break even. Below: the mean break-even day with its 95% "
            "interval over the replications that break even, their range, and how many do not. "
            "Revenue only: one-off costs of the change itself are not in the model."
        ),
    ]
    for i, p in enumerate(found):
        blocks.append(Para(payback_sentence(p, c.days)))
        blocks.append(
            Figure(
                f"payback_{i + 1}",
                f"Cumulative revenue of {p.scenario} minus {p.baseline}, mean and 95% CI band over "
                f"{p.n} paired replications; dotted: interventions; shaded: break-even day, 95% CI.",
            )
        )
    return blocks


def _kpi_tables(c: Comparison) -> list[Block]:
    blocks: list[Block] = [Heading(2, "All KPIs")]
    blocks.append(
        Para(
            "Means over the replications with 95% confidence intervals; the difference is the scenario "
            "minus the baseline, paired by replication; uplift is the difference relative to the "
            "baseline's mean; p from a paired t-test; effect size is Cohen's d_z (mean difference over "
            "the standard deviation of the differences). Shares are in %, their differences in "
            "percentage points (pp)."
        )
    )
    for (base, other), rows in c.comparison.groupby(["baseline", "scenario"], sort=False):
        blocks.append(Heading(3, f"{other} vs {base}"))
        blocks.append(Table(*_kpi_rows(base, other, rows)))
    return blocks


def _kpi_rows(base: str, other: str, rows: pd.DataFrame) -> tuple[tuple[str, ...], tuple, tuple[int, ...]]:
    header = ("KPI", f"{base} (95% CI)", f"{other} (95% CI)", "difference (95% CI)", "uplift", "p", "d_z")
    body = []
    for _, r in rows.iterrows():
        k = kpi_info(r["kpi"]).kind
        body.append(
            (
                kpi_info(r["kpi"]).label,
                fmt_with_ci(k, r["baseline_mean"], r["baseline_ci_low"], r["baseline_ci_high"]),
                fmt_with_ci(k, r["scenario_mean"], r["scenario_ci_low"], r["scenario_ci_high"]),
                fmt_with_ci(k, r["difference"], r["difference_ci_low"], r["difference_ci_high"], sign=True),
                fmt_uplift(r["uplift"]),
                fmt_p(r["p_value"]),
                fmt_effect(r["effect_size"]),
            )
        )
    return header, tuple(body), (1, 2, 3, 4, 5, 6)


FIGURES: tuple[tuple[str, str], ...] = (
    ("revenue_over_time", "Revenue per week, mean over replications with 95% CI band, per scenario."),
    (
        "revenue_differences",
        "Paired revenue differences: one dot per replication (scenario minus baseline over the horizon); "
        "bar: mean and 95% CI.",
    ),
    ("funnel", "The funnel per scenario over the horizon: mean totals with 95% CI (log scale)."),
    ("kpi_bars", "Key KPIs per scenario: means with 95% CI."),
    (
        "trust_diy",
        "Trust in both directions and do-it-yourself collateral hours over time, with 95% CI bands.",
    ),
)


def _figures(c: Comparison) -> list[Block]:
    return [Heading(2, "Plots"), *(Figure(name, caption) for name, caption in FIGURES)]


def _method(c: Comparison) -> list[Block]:
    n = len(c.seeds)
    items = [
        f"{n} replications per scenario; replication *i* uses the same seed in every scenario (common "
        "random numbers), so the market, the leads and their deal values line up and only the levers "
        "differ. Every seed is in `metadata.json`.",
        "Intervals: Student t on the replications (for differences: on the paired differences).",
        f"Horizon: {horizon_words(c.days)}; time series are stored per week (5 working days).",
    ]
    if len(c.names) > 2:
        items.append("Every pair of scenarios is in `comparison.csv`; the tables above show all of them.")
    return [Heading(2, "Method"), Bullets(tuple(items))]


CAVEATS: tuple[str, ...] = (
    "**A model, not a forecast.** The scenarios run in the same simulated market; revenue levels are "
    "not predictions for any company. The direction and rough size of differences between "
    "structures are what the model is built to show.",
    "**The intervals measure simulation noise only**: how much the result moves between replications "
    "of the same model. They do not include uncertainty about the model's assumptions.",
    "**Defaults are partly assumptions.** Many effect sizes (how much trust, meetings or shared goals "
    "move behaviour) are reasoned assumptions rather than measured values; `docs/ODD.md` gives every "
    "parameter's source or reasoning (appendix A) and the calibration (section 9).",
    "**What it leaves out**: the one-off cost of changing the organisation (reorganisation, office "
    "moves, systems) and running costs other than people's hours; hiring, leaving and changing team "
    "sizes during a run; competitors and market shocks; quotas and the shape of pay; nurturing leads "
    "below the scoring threshold; the work people on rotation do in the other function "
    "(`docs/ODD.md`, section 10).",
)


def _caveats() -> list[Block]:
    return [Heading(2, "Caveats"), Bullets(CAVEATS)]


# ---------------------------------------------------------------------- markdown
def report_markdown(comparison: Comparison) -> str:
    """The report as markdown; figures are linked as `plots/<name>.png` (written by write_comparison)."""
    return render_markdown(report_blocks(comparison))


def render_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as GitHub-flavoured markdown."""
    return "\n\n".join(_md(b) for b in blocks) + "\n"


def _md(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + block.text
    if isinstance(block, Para):
        return f"> {block.text}" if block.kind == "warning" else block.text
    if isinstance(block, Bullets):
        return "\n".join(f"- {item}" for item in block.items)
    if isinstance(block, Table):
        return _md_table(block)
    return f"![{block.caption}]({PLOT_DIR}/{block.name}.png)\n\n*{block.caption}*"


def _md_table(t: Table) -> str:
    def cells(row: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"

    rule = ["---:" if i in t.right else "---" for i in range(len(t.header))]
    return "\n".join([cells(t.header), "|" + "|".join(rule) + "|", *(cells(r) for r in t.rows)])


# ---------------------------------------------------------------------- HTML
CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
  max-width: 62rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #4c72b0; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .88rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; vertical-align: top; }
th { background: #eef2f8; text-align: left; }
tr:nth-child(even) td { background: #fafafa; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
code { font-family: Menlo, Consolas, monospace; font-size: .9em; background: #f3f3f3; padding: 0 .2em; }
.warning { background: #fff4e0; border-left: 4px solid #e39b1b; padding: .5rem .8rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #555; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  table, figure, .warning { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def report_html(comparison: Comparison, folder: Path) -> str:
    """The report as one self-contained HTML page: CSS inline, plots from `folder/plots` as base64."""
    return render_html(report_blocks(comparison), _title(comparison), Path(folder) / PLOT_DIR)


def render_html(blocks: Sequence[Block], title: str, plot_dir: Path) -> str:
    """Render blocks as a standalone HTML document (no external requests)."""
    body = "\n".join(_html(b, plot_dir) for b in blocks)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def inline_html(text: str) -> str:
    """Escape text and turn the markdown we write (**bold**, *italic*, `code`) into tags."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"<em>\1</em>", out)


def _html(block: Block, plot_dir: Path) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{inline_html(block.text)}</h{block.level}>"
    if isinstance(block, Para):
        cls = f' class="{block.kind}"' if block.kind else ""
        return f"<p{cls}>{inline_html(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>\n" + "\n".join(f"<li>{inline_html(i)}</li>" for i in block.items) + "\n</ul>"
    if isinstance(block, Table):
        return _html_table(block)
    return _html_figure(block, plot_dir)


def _html_table(t: Table) -> str:
    head = "".join(f"<th>{inline_html(h)}</th>" for h in t.header)

    def row(cells: Sequence[str]) -> str:
        return (
            "<tr>"
            + "".join(
                f'<td class="num">{inline_html(c)}</td>' if i in t.right else f"<td>{inline_html(c)}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )

    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(map(row, t.rows))
        + "\n</tbody>\n</table>"
    )


def _html_figure(f: Figure, plot_dir: Path) -> str:
    path = plot_dir / f"{f.name}.png"
    if not path.is_file():
        return f"<p><em>(plot {html.escape(f.name)} not available)</em></p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    alt = html.escape(f.caption)
    return (
        f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">'
        f"<figcaption>{inline_html(f.caption)}</figcaption></figure>"
    )


# ---------------------------------------------------------------------- files
def comparison_metadata(comparison: Comparison, argv: Sequence[str]) -> dict[str, Any]:
    """Everything needed to repeat a comparison and to know what produced it."""
    c = comparison
    return {
        "kind": "compare",
        "created_utc": utc_now().isoformat(timespec="seconds"),
        "command": shlex.join(argv),
        "scenarios": [scenario_metadata(s) for s in c.scenarios],
        "baseline": c.names[0],
        "root_seed": c.root_seed,
        "replications": len(c.seeds),
        "seeds": list(c.seeds),
        "days": c.days,
        "period": "week",
        "runs": len(c.runs),
        "failed": list(c.failed),
        "warning": c.warning,
        "break_even": [payback_record(p) for p in paybacks(c)],
        "files": list(REPORT_FILES),
        "environment": environment_metadata(),
    }


def payback_record(p: Payback) -> dict[str, Any]:
    """A payback's numbers for JSON: mean break-even day with CI, counts, per-replication days."""
    iv = p.interval()
    return {
        "baseline": p.baseline,
        "scenario": p.scenario,
        "replications": p.n,
        "break_even": p.n_break_even,
        "mean_day": iv.mean,
        "ci_low": iv.low,
        "ci_high": iv.high,
        "days": [None if math.isnan(v) else v for v in p.break_even.tolist()],
    }


def write_figures(comparison: Comparison, plot_dir: Path) -> list[Path]:
    """Draw every plot of the report into `plot_dir` (atomically); returns the files written."""
    from sim.reporting import compare_plots as cp

    c = comparison
    if c.runs.empty:
        return []
    plot_dir.mkdir(parents=True, exist_ok=True)
    events = intervention_events(c.scenarios)
    jobs: list[tuple[str, Callable[[Path], Any]]] = [
        ("revenue_over_time", lambda p: cp.plot_revenue_over_time(c.timeseries, c.names, p, events)),
        ("revenue_differences", lambda p: cp.plot_paired_differences(c.runs, c.names, p)),
        ("funnel", lambda p: cp.plot_funnel(c.runs, c.names, p)),
        ("kpi_bars", lambda p: cp.plot_kpi_bars(c.runs, c.names, p)),
        ("trust_diy", lambda p: cp.plot_trust_diy(c.timeseries, c.names, p, events)),
    ]
    for i, pb in enumerate(paybacks(c)):
        jobs.append((f"payback_{i + 1}", lambda path, pb=pb: cp.plot_payback(pb, path)))
    return [atomic_write(plot_dir / f"{name}.png", draw) for name, draw in jobs]


def write_comparison(comparison: Comparison, folder: Path, argv: Sequence[str]) -> Path:
    """Write the tables, metadata, plots and both reports of a comparison into `folder`.

    Args:
        comparison: The result of `sim.experiments.compare.compare`.
        folder: Results folder (usually `comparison.folder`, where the runs streamed to).
        argv: The command line that asked for it (recorded in metadata.json).

    Returns:
        The folder written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    c = comparison
    atomic_write(folder / "summary.csv", lambda tmp: c.runs.to_csv(tmp, index=False))
    atomic_write(folder / "timeseries.parquet", lambda tmp: c.timeseries.to_parquet(tmp, index=False))
    atomic_write(folder / "comparison.csv", lambda tmp: c.comparison.to_csv(tmp, index=False))
    atomic_write_json(folder / "metadata.json", comparison_metadata(c, argv))
    write_figures(c, folder / PLOT_DIR)
    atomic_write_text(folder / "report.md", report_markdown(c))
    atomic_write_text(folder / "report.html", report_html(c, folder))
    return folder
