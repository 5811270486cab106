"""What a comparison held fixed and what it varied, and its result across plausible worlds.

The report and the terminal say the same sentences (`run.py compare` prints them in plain text):
which company the structures were applied to (`--on`), what every arm shares, what `--set`
changed, whether each replication drew a world of the uncertain assumptions, and then, per arm,
the headline across those worlds: the middle 90% of the paired revenue uplifts, the share of
worlds in which the arm is better, and the assumptions the ranking hinges on (scenario discovery,
`sim.experiments.discovery`), with a plot.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments.discovery import MIN_WORLDS, Discovery, discover
from sim.experiments.worlds import paired_uplifts
from sim.model.params import parameter_fields
from sim.reporting.blocks import Block, Figure, Heading, Para, Table
from sim.reporting.formats import fmt_uplift

if TYPE_CHECKING:
    from sim.experiments.compare import Comparison

WORLD_RANGE = (0.05, 0.95)  # the quantiles of the paired uplifts called "the range across worlds"
TEAM_SIZES: tuple[str, ...] = ("n_reps", "n_marketers", "n_hybrid")


# ---------------------------------------------------------------------- held fixed and varied
def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _teams(params: Any) -> str:
    flat = params.flat()
    return ", ".join(f"{k} = {flat[k]}" for k in TEAM_SIZES)


def _groups_differ(c: Comparison, group: str, names: tuple[str, ...] = ()) -> list[str]:
    fields = parameter_fields()
    flats = [s.params.flat() for s in c.scenarios]
    keys = names or tuple(k for k, (g, _) in fields.items() if g == group)
    return [k for k in keys if any(f[k] != flats[0][k] for f in flats[1:])]


def held_lines(c: Comparison) -> list[str]:
    """Sentences (markdown) on what every arm shares: the base, what it kept, what --set set."""
    lines: list[str] = []
    first = c.scenarios[0]
    if c.base is not None:
        lines.append(
            f"**Held fixed**: every structure is applied to **{c.base.name}** (`--on`): every arm has its "
            f"market, its mechanism switches and the same team sizes ({_teams(first.params)})."
        )
        for s in c.scenarios:
            left = c.left_out.get(s.name)
            if left:
                shown = ", ".join(f"`{k}` = {_show(v)} (kept {_show(b)})" for k, (v, b) in left.items())
                lines.append(f"Not taken from **{s.name}**, since they are the company's: {shown}.")
    else:
        teams = _groups_differ(c, "levers", TEAM_SIZES)
        market = _groups_differ(c, "market")
        if teams or market:
            what = ", ".join(f"`{k}`" for k in (*teams, *market))
            lines.append(
                f"**Unlike companies**: the scenarios differ in {what}, not only in levers, so part of "
                "every difference below is the company, not the structure. To compare structures on one "
                "company, apply them to it: `compare A B --on BASE`."
            )
        else:
            lines.append(
                "**Held fixed**: every scenario runs with the same market and team sizes "
                f"({_teams(first.params)})."
            )
    if c.overrides:
        shown = ", ".join(f"`{k}` = {_show(v)}" for k, v in c.overrides.items())
        lines.append(f"**Set in every arm** (`--set`): {shown}.")
    return lines


def held_and_varied(c: Comparison) -> list[str]:
    """The report's account of what every arm shares, what differs between them, and the worlds."""
    varied = "**Varied**: the levers in the table below" + (
        " and the interventions after it." if any(s.interventions for s in c.scenarios) else "."
    )
    return [*held_lines(c), varied, worlds_line(c)]


def worlds_line(c: Comparison) -> str:
    """One sentence on the worlds: drawn per replication, or one fixed world."""
    n = len(c.seeds)
    if c.worlds is None:
        return (
            "**One fixed world** (`--fixed-world`): every uncertain assumption at its scenario value, so "
            "the intervals cover seed noise only."
        )
    return (
        f"**Plausible worlds**: each of the {n} replications draws one world, a value of each of "
        f"{len(c.uncertainties)} uncertain assumptions (the `[market]` values and the assumed levers "
        "no arm sets) from its plausible range by a Latin hypercube; every arm runs in the same world, "
        "so pairs stay paired and the intervals cover the worlds as well as seed noise. Each run's "
        "world is in `summary.csv` (`world` and the drawn values) and `metadata.json`."
    )


# ---------------------------------------------------------------------- across the worlds
def world_range(uplifts: pd.Series) -> tuple[float, float]:
    """The middle 90% of the paired uplifts (NaN with fewer than two)."""
    if len(uplifts) < 2:
        return math.nan, math.nan
    low, high = np.quantile(uplifts.to_numpy(dtype=float), WORLD_RANGE)
    return float(low), float(high)


def world_sentence(c: Comparison, row: pd.Series) -> str:
    """`Across 20 plausible worlds, B's revenue relative to A's ranged from +40% to +210% ...`."""
    uplifts = paired_uplifts(c.runs, row["baseline"], row["scenario"], row["kpi"])
    low, high = world_range(uplifts)
    share = row["prob_better"]
    where = f"{len(uplifts)} plausible worlds" if c.worlds is not None else f"{len(uplifts)} replications"
    return (
        f"Across {where}, **{row['scenario']}**'s revenue relative to **{row['baseline']}**'s ranged "
        f"from {fmt_uplift(low)} to {fmt_uplift(high)} (middle 90% of the paired replications); "
        f"**better in {100 * share:.0f}% of them**."
    )


def discoveries(c: Comparison, kpi: str = "revenue") -> list[Discovery]:
    """Scenario discovery for each arm against the baseline, when worlds were drawn."""
    if c.worlds is None or c.runs.empty:
        return []
    found = []
    for other in c.names[1:]:
        uplifts = paired_uplifts(c.runs, c.names[0], other, kpi)
        d = discover(c.worlds, uplifts, c.names[0], other, kpi)
        if d is not None:
            found.append(d)
    return found


def discovery_sentence(d: Discovery) -> str:
    """What the ranking hinges on, in words, with the numbers the box rests on."""
    what = (
        f"does not beat **{d.baseline}**"
        if d.case == "not better"
        else f"gains least over **{d.baseline}** (below its median uplift)"
    )
    if d.n_cases == 0:
        return (
            f"**{d.scenario}** beats **{d.baseline}** on {d.kpi} in all {d.n_worlds} worlds: the ranking "
            "hinges on none of the drawn assumptions."
        )
    if not d.rules:
        return (
            f"Scenario discovery (CART) finds no assumption that separates the {d.n_cases} worlds where "
            f"**{d.scenario}** {what} from the others: no single assumption decides the ranking."
        )
    box = " and ".join(f"`{r.text()}`" for r in d.rules)
    return (
        f"Scenario discovery (CART, scikit-learn) on the {d.n_worlds} worlds: **{d.scenario}** {what} mostly "
        f"where {box}: {d.cases_in_box} of the {d.in_box} worlds there (density {100 * d.density:.0f}%), "
        f"{100 * d.coverage:.0f}% of all {d.n_cases} such worlds (coverage). A pointer to check with `--set` "
        "at both ends of the range, not proof: it rests on few worlds."
    )


def world_blocks(c: Comparison) -> list[Block]:
    """The report's section on the worlds: the sentences, the discovery plot, what was drawn."""
    if c.worlds is None or c.comparison.empty:
        return []
    blocks: list[Block] = [
        Heading(2, "Across plausible worlds"),
        Para(
            "Each replication ran in a world of its own (see *What was compared*); the headline's range "
            "and share of worlds in which an arm is better come from them. Which of the drawn "
            "assumptions decide the ranking:"
        ),
    ]
    found = discoveries(c)
    if not found:
        blocks.append(Para(f"Too few worlds ({len(c.seeds)}) for scenario discovery: it needs {MIN_WORLDS}."))
    for i, d in enumerate(found):
        blocks.append(Para(discovery_sentence(d)))
        if d.rules:
            blocks.append(
                Figure(
                    f"discovery_{i + 1}",
                    f"Scenario discovery, {d.scenario} vs {d.baseline}: left, each world's revenue uplift "
                    "against the assumption of the first split (dashed: its threshold; orange: the worlds "
                    "explained); right, the tree's importance of each assumption.",
                )
            )
    rows = tuple((f"`{u.name}`", _show(u.low), _show(u.high)) for u in c.uncertainties)
    blocks.append(
        Para(
            f"The {len(c.uncertainties)} drawn assumptions and their plausible ranges (uniform; sources in "
            "`docs/ODD.md`, appendix A). Policies (the levers structures set), client facts (scale, team "
            "sizes) and every value an arm, the base or `--set` changes from its default are held."
        )
    )
    blocks.append(Table(("assumption", "low", "high"), rows, (1, 2)))
    return blocks


def world_figures(c: Comparison, plot_dir: Path) -> list[Path]:
    """Draw each discovery plot into `plot_dir` as `discovery_<i>.png`."""
    from sim.output import atomic_write

    written = []
    for i, d in enumerate(discoveries(c)):
        if not d.rules:
            continue
        uplifts = paired_uplifts(c.runs, d.baseline, d.scenario, d.kpi)
        written.append(
            atomic_write(
                plot_dir / f"discovery_{i + 1}.png",
                lambda p, d=d, u=uplifts: plot_discovery(d, c.worlds, u, p),
            )
        )
    return written


def plot_discovery(d: Discovery, draws: pd.DataFrame, uplifts: pd.Series, path: Path) -> Path:
    """Uplift per world against the first split's assumption, and the assumptions' importances."""
    from sim.experiments.discovery import cases
    from sim.reporting.compare_plots import _figure, _save, color

    fig, axes = _figure(10, 3.8, 1, 2)
    left, right = axes[0]
    rule = d.rules[0]
    common = draws.index.intersection(uplifts.index)
    x = draws.loc[common, rule.name].to_numpy(dtype=float)
    y = 100 * uplifts.loc[common].to_numpy(dtype=float)
    _, case = cases(uplifts.loc[common])
    left.scatter(x[~case], y[~case], color=color(0), label="other worlds", s=22)
    left.scatter(x[case], y[case], color=color(1), label=f"{d.case}", s=22)
    left.axvline(rule.threshold, color="0.3", linestyle="--", linewidth=1)
    left.axhline(0, color="0.6", linewidth=0.8)
    left.set_xlabel(rule.name)
    left.set_ylabel(f"{d.kpi} uplift of {d.scenario} (%)")
    left.legend(fontsize=8)
    names = [n for n, _ in d.importances][::-1]
    right.barh(names, [v for _, v in d.importances][::-1], color=color(2))
    right.set_xlabel("importance in the tree (impurity decrease)")
    right.tick_params(axis="y", labelsize=8)
    return _save(fig, path)


def worlds_record(c: Comparison) -> dict[str, Any]:
    """metadata.json's account of the worlds: how they were drawn, the ranges and every draw."""
    if c.worlds is None:
        return {"drawn": False}
    return {
        "drawn": True,
        "method": "Latin hypercube per block of replications (scipy.stats.qmc.LatinHypercube), "
        "uniform on each plausible range, seeded from the root seed; world i is replication i's",
        "blocks": list(c.world_blocks),
        "uncertainties": [
            {"name": u.name, "low": u.low, "high": u.high, "integer": u.integer} for u in c.uncertainties
        ],
        "draws": c.worlds.reset_index().to_dict(orient="records"),
    }
