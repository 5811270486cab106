"""Pattern 1: lead-response decay (Oldroyd, McElheran and Elkington 2011).

Contacting an online lead within an hour made qualification nearly 7 times as likely as
contacting it an hour later (1-2 h) and over 60 times as likely as after 24 hours or more. The
model reproduces both ratios within a factor of 1.5 (DESIGN.md section 4).

Oldroyd et al. pooled many companies with different response habits, so the measurement pools a
population of `defined` companies whose reps react at mean latencies from 0.2 to 40 working hours,
with no SLA (the defined SLA would cap reaction times and empty the 24 h+ bin), as
tests/model/test_calibration_targets.py does. Each run is reduced to per-bin counts in its worker
(`decay_counts`, the lead table never leaves the worker); the ratios come from the pooled counts.

The 95% interval of each ratio is a stratified bootstrap over companies: within each latency the
runs are resampled with replacement, counts pooled and the ratio recomputed, 2,000 times, with a
generator seeded from the suite's root seed. It reflects run-to-run variation (including the
few qualified leads of the 24 h+ bin), not uncertainty in Oldroyd's own figures.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sim.model.leads import LeadTable
from sim.model.metrics import response_counts
from sim.validation.core import Arm, Design, Pattern, Row, RunTable, Size, verdict

NAME = "response_decay"
SOURCE = (
    'Oldroyd, J. B., McElheran, K. and Elkington, D. (2011). "The Short Life of Online Sales Leads". '
    "Harvard Business Review 89(3); 1.25 million leads of 29 companies."
)
SHORT_SOURCE = "Oldroyd et al. 2011 (HBR)"
TRUST = (
    "Large observational sample (1.25 million leads of 29 companies, plus an audit of 2,241 "
    "companies' response times), but one country and industry mix, web leads of the late 2000s, "
    "and correlation, not causation: slow responders may differ in other ways. Reported as two "
    "round ratios ('nearly 7', 'more than 60'), without intervals."
)
TOLERANCE = 1.5
RATIOS: dict[str, tuple[str, float, str]] = {
    # name: (label, Oldroyd's ratio, numerator bin / denominator bin)
    "ratio_1h_vs_1_2h": ("qualification within 1 h / at 1-2 h", 7.0, "within_1h/1_to_2h"),
    "ratio_1h_vs_24h_plus": ("qualification within 1 h / at 24 h+", 60.0, "within_1h/24h_plus"),
}
EDGES: tuple[float, ...] = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 24.0, math.inf)
BINS: tuple[str, ...] = ("within_1h", "1_to_2h", "2_to_4h", "4_to_8h", "8_to_16h", "16_to_24h", "24h_plus")
LATENCIES_HOURS: tuple[float, ...] = (0.2, 1.0, 4.0, 16.0, 40.0)
FULL = Size(replications=16, days=250)
QUICK = Size(replications=4, days=250)
BOOTSTRAPS = 2000
PREFIX = "decay"


def decay_counts(leads: LeadTable) -> dict[str, float]:
    """Contacted and qualified marketing leads per response-time bin, for pooling across runs.

    Same definitions as `sim.model.metrics.response_decay` (first-contacted marketing leads; qualified
    means SQL or beyond), reduced to counts so a run ships back a few numbers, not its leads.
    """
    n, q = response_counts(leads, EDGES)
    out: dict[str, float] = {}
    for i, name in enumerate(BINS):
        out[f"{PREFIX}_n_{name}"] = float(n[i])
        out[f"{PREFIX}_q_{name}"] = float(q[i])
    return out


def arms() -> tuple[Arm, ...]:
    """One arm per company type: defined levers, no SLA, reps at one mean reaction time."""
    return tuple(
        Arm.of("defined", {"sla_first_contact_hours": 0.0, "rep_response_latency_hours": h})
        for h in LATENCIES_HOURS
    )


def design(quick: bool) -> Design:
    """Five latencies x replications, pooled."""
    return Design(arms(), QUICK if quick else FULL)


def pooled_counts(table: RunTable, quick: bool) -> list[np.ndarray]:
    """Per latency, an array (runs x bins x [contacted, qualified]) of counts."""
    size = QUICK if quick else FULL
    columns = [(f"{PREFIX}_n_{b}", f"{PREFIX}_q_{b}") for b in BINS]
    out = []
    for arm in arms():
        runs = table.arm(arm, size)
        out.append(np.stack([runs[list(pair)].to_numpy(dtype=float) for pair in columns], axis=1))
    return out


def rates(counts: np.ndarray) -> np.ndarray:
    """Qualification rate per bin from counts (bins x [contacted, qualified]); NaN where empty."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts[:, 0] > 0, counts[:, 1] / counts[:, 0], np.nan)


def ratio(rate: np.ndarray, name: str) -> float:
    """One of RATIOS from per-bin rates (NaN when the denominator's rate is zero or missing)."""
    top, bottom = RATIOS[name][2].split("/")
    num, den = rate[BINS.index(top)], rate[BINS.index(bottom)]
    return float(num / den) if den > 0 else math.nan


def bootstrap_rates(strata: list[np.ndarray], seed: int, n: int = BOOTSTRAPS) -> np.ndarray:
    """Per-bin rates of `n` stratified resamples of the runs (n x bins)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    out = np.empty((n, len(BINS)))
    for i in range(n):
        total = sum(s[rng.integers(0, len(s), len(s))].sum(axis=0) for s in strata)
        out[i] = rates(total)
    return out


def evaluate(table: RunTable, quick: bool, seed: int) -> list[Row]:
    """Both Oldroyd ratios from the pooled counts, with bootstrap CIs; pass within a factor 1.5."""
    strata = pooled_counts(table, quick)
    return ratio_rows(strata, seed)


def ratio_rows(strata: list[np.ndarray], seed: int) -> list[Row]:
    """Rows for both ratios from per-latency count arrays (runs x bins x 2)."""
    total = sum(s.sum(axis=0) for s in strata)
    point = rates(total)
    boot = bootstrap_rates(strata, seed)
    runs = sum(len(s) for s in strata)
    rows = []
    for name, (label, target, _) in RATIOS.items():
        value = ratio(point, name)
        draws = np.array([ratio(r, name) for r in boot])
        low, high = _percentiles(draws)
        ok = target / TOLERANCE <= value <= target * TOLERANCE
        rows.append(
            Row(
                NAME,
                label,
                SHORT_SOURCE,
                f"{target:g} (within x{TOLERANCE:g}: {target / TOLERANCE:.3g}-{target * TOLERANCE:.3g})",
                value,
                low,
                high,
                verdict(ok),
                _note(total, runs),
                runs,
            )
        )
    return rows


def _percentiles(draws: np.ndarray) -> tuple[float, float]:
    """The 2.5 and 97.5 percentiles; an undefined draw (empty bin) counts as infinitely large."""
    if len(draws) == 0:
        return math.nan, math.nan
    draws = np.where(np.isnan(draws), np.inf, draws)
    low = np.percentile(draws, 2.5, method="lower")
    high = np.percentile(draws, 97.5, method="higher")
    return float(low), float(high)


def _note(total: np.ndarray, runs: int) -> str:
    parts = [f"{BINS[i]} {int(total[i, 1])}/{int(total[i, 0])}" for i in (0, 1, len(BINS) - 1)]
    return (
        f"pooled over {runs} runs (5 latencies); qualified/contacted: {', '.join(parts)}; "
        "CI: stratified bootstrap over runs"
    )


def figures(table: RunTable, quick: bool, seed: int, folder: Path) -> list[str]:
    """The decay curve (rate relative to within 1 h, per bin) against Oldroyd's two points."""
    from sim.validation.plots import plot_decay

    strata = pooled_counts(table, quick)
    total = sum(s.sum(axis=0) for s in strata)
    point = rates(total)
    boot = bootstrap_rates(strata, seed)
    targets = [(RATIOS[k][2].split("/")[1], RATIOS[k][1]) for k in RATIOS]
    name = "response_decay.png"
    plot_decay(EDGES, BINS, point, boot, targets, TOLERANCE, folder / name)
    return [name]


PATTERN = Pattern(
    name=NAME,
    title="Lead-response decay: qualification falls steeply with time to first contact",
    source=SOURCE,
    short_source=SHORT_SOURCE,
    target="within-1 h vs 1-2 h qualification about 7x, vs 24 h+ over 60x, each within a factor 1.5",
    trust=TRUST,
    design=design,
    evaluate=evaluate,
    figures=figures,
)
