"""The report's content: every section of a comparison report, in reading order, as blocks.

`report_blocks` turns a `sim.experiments.compare.Comparison` into the list of blocks both renderers
draw. What the report says (which sections, which tables, the captions, the method and the caveats)
lives here and nowhere else; how it looks is `sim.reporting.render`'s business. Numbers in sentences
are formatted from the same `comparison` rows that go to `comparison.csv`.
"""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.experiments.runner import FAILURE_DIR
from sim.experiments.stats import METHOD
from sim.model.metrics import FUNNELS
from sim.model.params import parameter_fields
from sim.model.scenario import Scenario, lever_differences
from sim.reporting.blocks import Block, Bullets, Figure, Heading, Para, Table
from sim.reporting.formats import (
    FUNNEL_NAMES,
    HEADLINE_KPIS,
    STAGE_LABELS,
    fmt_effect,
    fmt_money,
    fmt_p,
    fmt_uplift,
    fmt_value,
    fmt_with_ci,
    horizon_words,
    kpi_info,
)
from sim.reporting.payback import payback_sentence, paybacks
from sim.reporting.sentences import kpi_sentence, revenue_sentence
from sim.reporting.worlds import held_and_varied, world_blocks, world_sentence
from sim.reporting.years import year_table

if TYPE_CHECKING:
    from sim.experiments.compare import Comparison


def report_blocks(comparison: Comparison) -> list[Block]:
    """The whole report as blocks, in reading order."""
    blocks: list[Block] = [Heading(1, report_title(comparison)), Para(_intro(comparison))]
    if comparison.warning:
        blocks.append(Para(f"**Stability warning**: {comparison.warning}.", "warning"))
    if comparison.failed:
        blocks.append(Para(_failure_text(comparison), "warning"))
    blocks += _what_was_compared(comparison)
    if comparison.comparison.empty:
        blocks.append(Para("No run finished, so there are no results to report.", "warning"))
        return blocks + _caveats(comparison)
    blocks += _headline(comparison)
    blocks += world_blocks(comparison)
    blocks += _year_blocks(comparison)
    blocks += _payback_blocks(comparison)
    blocks += _funnel_tables(comparison)
    blocks += _kpi_tables(comparison)
    blocks += _figures(comparison)
    blocks += _method(comparison)
    return blocks + _caveats(comparison)


def report_title(c: Comparison) -> str:
    """The report's title, `Comparison: A vs B`: its first heading and the HTML page's title."""
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
    blocks += [Para(line) for line in held_and_varied(c)]
    blocks.append(Heading(3, "Levers that differ at the start"))
    blocks += lever_table(c.scenarios)
    for s in c.scenarios:
        blocks += _intervention_tables(s)
    return blocks


def lever_table(scenarios: list[Scenario]) -> list[Block]:
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
            Para(
                f"**{s.name}** changes {len(item.values)} values from working day {item.day} ({label})"
                f"{_change_words(item.change)}:"
            )
        )
        rows = tuple((f"`{n}`", _show(before.flat()[n]), _show(after.flat()[n])) for n in item.values)
        header = ("parameter", f"before day {item.day}", f"from day {item.day}")
        if rows:
            blocks.append(Table(header, rows, (1, 2)))
        before = after
    return blocks


def _change_words(change: Any) -> str:
    """`, at a one-off cost of 150 k and a dip of 15% of hours fading over 60 days`, or nothing."""
    parts = []
    if change.change_cost:
        parts.append(f"a one-off cost of {fmt_money(change.change_cost)}")
    if change.change_dip:
        parts.append(f"a dip of {change.change_dip:.0%} of hours fading over {change.change_dip_days} days")
    return f", at {' and '.join(parts)}" if parts else ""


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
            blocks.append(Para(world_sentence(c, rows["revenue"])))
        items = tuple(kpi_sentence(rows[k]) for k in HEADLINE_KPIS[1:] if k in rows)
        if items:
            blocks.append(Para(f"**{other}** compared with **{c.names[0]}**, means over the replications:"))
            blocks.append(Bullets(items))
    return blocks


YEAR_TEXT = (
    "Revenue of each simulated year, mean over the replications, and in brackets its ratio to "
    "the baseline's with a 95% interval (paired replications, geometric mean). Every run starts "
    "from its scenario's steady state, so the years should agree within noise: the headline does "
    "not depend on the horizon."
)


def _year_blocks(c: Comparison) -> list[Block]:
    header, rows = year_table(c)
    if not rows:
        return []
    table = Table(header, tuple(rows), tuple(range(1, len(header))))
    return [Heading(2, "Year by year"), Para(YEAR_TEXT), table]


def _payback_blocks(c: Comparison) -> list[Block]:
    found = paybacks(c)
    if not found:
        return []
    blocks: list[Block] = [
        Heading(2, "When does the change pay back?"),
        Para(
            "Break-even of one replication is the first day after which the cumulative difference of "
            "revenue less the change's one-off cost (`change_cost`, paid on the intervention's day) "
            "stays positive to the end of the horizon; a replication whose difference ends at or below "
            "zero does not break even. A change's dip in working hours (`change_dip`) needs no term of "
            "its own: the work it took is missing from the revenue. Below: the mean break-even day "
            "with its 95% interval over the replications that break even, their range, and how many "
            "do not."
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


FUNNEL_TEXT = (
    "Marketing's leads and reps' own prospects are counted apart: SQLs, deals won and revenue "
    "elsewhere in this report are totals of both sources, and each table below is one source's "
    "part. *Reached* counts MQLs a rep reached (the model's SALs: no acceptance step is counted in "
    "it); MQLs a rep rejected or never called are in *MQLs never contacted*. Means over the "
    "replications; in brackets the conversion into the stage (for deals won: of the source's "
    "closed deals)."
)


def _funnel_tables(c: Comparison) -> list[Block]:
    """Both funnels, stage by stage, one column per scenario."""
    means = c.runs.groupby("scenario", sort=False).mean(numeric_only=True)
    blocks: list[Block] = [Heading(2, "Both funnels"), Para(FUNNEL_TEXT)]
    for funnel, steps in FUNNELS.items():
        rows = tuple(
            (STAGE_LABELS[stage], *(_stage_cell(means, name, stage, rate) for name in c.names))
            for stage, rate in steps
        )
        blocks.append(Heading(3, f"{FUNNEL_NAMES[funnel].capitalize()} funnel"))
        blocks.append(Table(("stage", *c.names), rows, tuple(range(1, len(c.names) + 1))))
    return blocks


def _stage_cell(means: pd.DataFrame, scenario: str, stage: str, rate: str) -> str:
    """`1,234 (41.0 %)`: a stage's mean count and the mean conversion into it."""
    if scenario not in means.index or stage not in means:
        return "n/a"
    count = fmt_value("count", means.at[scenario, stage])
    return f"{count} ({fmt_value('share', means.at[scenario, rate])})" if rate in means else count


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
    (
        "funnel",
        "Both funnels per scenario over the horizon, marketing-sourced (inquiries to deals won) and "
        "rep-sourced (prospects to deals won): mean totals with 95% CI (log scale).",
    ),
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
        f"Intervals: {METHOD} "
        + (
            "Each replication has its own plausible world, so they cover the uncertainty of the worlds "
            "as well as seed noise; `prob_better` in `comparison.csv` is the share of paired replications "
            "in which the arm beats the baseline (lower is better for response time, never-contacted and "
            "leaked shares, DIY work, off-brand share, CAC, churn and spend)."
            if c.worlds is not None
            else "One fixed world: they cover seed noise only."
        ),
        f"Horizon: {horizon_words(c.days)}; time series are stored per week (5 working days).",
    ]
    if len(c.names) > 2:
        items.append("Every pair of scenarios is in `comparison.csv`; the tables above show all of them.")
    return [Heading(2, "Method"), Bullets(tuple(items))]


CAVEATS: tuple[str, ...] = (
    "**A model, not a forecast.** The scenarios run in the same simulated market; revenue levels are "
    "not predictions for any company. The direction and rough size of differences between "
    "structures are what the model is built to show.",
    "**Defaults are partly assumptions.** Many effect sizes (how much trust, meetings or shared goals "
    "move behaviour) are reasoned assumptions rather than measured values; `docs/ODD.md` gives every "
    "parameter's source or reasoning (appendix A) and the calibration (section 9).",
    "**What it leaves out**: the one-off cost of changing the organisation (reorganisation, office "
    "moves, systems) unless an intervention states it (`change_cost`, `change_dip`), and running "
    "costs other than people's hours; hiring, leaving and changing team "
    "sizes during a run; competitors and market shocks; quotas and the shape of pay; nurturing leads "
    "below the scoring threshold; the work people on rotation do in the other function; upsell, "
    "expansion and customer-success work with existing customers (`docs/ODD.md`, section 10).",
    "**Revenue is new plus recurring.** Won deals become customers who renew each year or churn, "
    "so most revenue comes from the installed base (seeded at each scenario's own steady state), "
    "and a structure that wins more and loses fewer customers compounds both.",
)


NOISE_ONLY = (
    "**The intervals measure simulation noise only**: how much the result moves between replications "
    "of the same model in one fixed world (`--fixed-world`). They do not include uncertainty about the "
    "model's assumptions; without `--fixed-world` each replication draws a plausible world."
)
WORLDS_TOO = (
    "**The intervals cover the plausible worlds drawn** (the uncertain assumptions within their "
    "plausible ranges, the same world for every arm) and seed noise, not assumptions outside those "
    "ranges, the model's structure, or parameters held at their scenario values."
)


def _caveats(c: Comparison) -> list[Block]:
    second = WORLDS_TOO if c.worlds is not None else NOISE_ONLY
    return [Heading(2, "Caveats"), Bullets((CAVEATS[0], second, *CAVEATS[1:]))]
