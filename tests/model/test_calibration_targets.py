"""Calibration the defaults must meet (DESIGN.md section 4), measured on model output.

Lead response decay (Oldroyd, McElheran and Elkington, HBR 2011): contacting a lead within an hour
made qualification ~7x as likely as an hour later (1-2 h) and ~60x as likely as after 24 h or
more; reproduce both within a factor of 1.5. Oldroyd pooled firms with different response habits,
so the measurement pools the firm population of sim/validation/response_decay.py (the audit's
response mix, each class with its own firm-level quality), weighted as the validation pattern does.

Funnel of the typical (`defined`) company, a 1-2 h responder of the audit's mix: MQL->SAL (reached)
40-60%, SAL->SQL 50-70%, SQL->won 20-30%.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import cached_summary, run

from sim.model.params import Params
from sim.validation import response_decay as pattern

TOLERANCE = 1.5
DECAY_SEEDS = (1, 2, 3)
DECAY_DAYS = 250
FUNNEL_SEEDS = (1, 2, 3, 4)
FUNNEL_DAYS = 500
FUNNEL = {"mql_to_sal": (0.40, 0.60), "sal_to_sql": (0.50, 0.70), "sql_to_won": (0.20, 0.30)}


@pytest.fixture(scope="module")
def decay() -> dict[str, float]:
    strata = [
        np.stack(
            [
                np.stack(
                    _counts(run(pattern.firm_overrides(firm), seed, DECAY_DAYS, "defined").leads), axis=1
                )
                for seed in DECAY_SEEDS
            ]
        )
        for firm in pattern.FIRM_CLASSES.values()
    ]
    pooled = pattern.pool(strata)
    rates = pattern.rates(pooled)
    out = {f"n_{b}": sum(s[:, i, 0].sum() for s in strata) for i, b in enumerate(pattern.BINS)}
    out.update({name: pattern.ratio(rates, name) for name in pattern.RATIOS})
    return out


def _counts(leads) -> tuple[np.ndarray, np.ndarray]:
    from sim.model.metrics import response_counts

    return response_counts(leads, pattern.EDGES)


def test_response_decay_bins_hold_enough_leads(decay):
    """Each response-time bin has enough contacted leads for its rate to mean something."""
    for name in ("within_1h", "1_to_2h", "24h_plus"):
        assert decay[f"n_{name}"] >= 1000, name


@pytest.mark.parametrize(("ratio", "target"), [("ratio_1h_vs_1_2h", 7.0), ("ratio_1h_vs_24h_plus", 60.0)])
def test_response_decay_reproduces_oldroyd(decay, ratio, target):
    """Qualification within 1 h vs later reproduces Oldroyd's ratio within a factor of 1.5."""
    assert target / TOLERANCE <= decay[ratio] <= target * TOLERANCE, f"{ratio} = {decay[ratio]:.2f}"


@pytest.mark.parametrize(("rate", "bounds"), FUNNEL.items(), ids=list(FUNNEL))
def test_defined_funnel_is_plausible(rate, bounds):
    """The defined company's funnel stage rate, averaged over seeds, lies in the benchmark range."""
    value = np.mean([cached_summary({}, seed, FUNNEL_DAYS, "defined")[rate] for seed in FUNNEL_SEEDS])
    low, high = bounds
    assert low <= value <= high, f"{rate} = {value:.3f}"


def test_default_team_size_and_budget_share():
    """Defaults: about 20 reps and 6 marketers; marketing spend is a set share of the revenue target."""
    p = Params()
    assert (p.levers.n_reps, p.levers.n_marketers) == (20, 6)
    spend = cached_summary({}, 1, 250)["marketing_spend"]
    assert spend == pytest.approx(p.levers.marketing_budget_share * p.market.revenue_target_per_year)
