"""Market uncertainties after the sale (mechanism 16): contracts, churn and its channels.

`Market` is `FunnelMarket` (market.py) with these fields appended, so they come last in every flat
dict, output and digest, as appended fields of one table would; they live in a module of their
own only to keep market.py to one file's length. Sources: docs/ODD.md section 7.16.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.params.base import param
from sim.model.params.market import FunnelMarket


@dataclass(frozen=True)
class Market(FunnelMarket):
    """Uncertainties: facts of the market and of work that management cannot set."""

    renewal_cycle_days: int = param(
        250,
        20,
        1250,
        unit="days",
        mechanism="customers",
        plausible=(250, 500),
        source="Working days a contract runs before its renewal: annual contracts, the most common "
        "term in B2B SaaS (KeyBanc Capital Markets 2016 SaaS survey: median contract length 1.3 years). "
        "A won deal's value is its first contract; each renewal pays it again.",
    )
    annual_churn: float = param(
        0.115,
        0.01,
        1,
        unit="probability/year",
        mechanism="customers",
        plausible=(0.07, 0.16),
        source="Annual churn of a new customer at the reference channel inputs (the `defined` firm's "
        "means). Customers differ, heavy churners leave first, so the `defined` firm's installed base "
        "then loses ~10% a year: the median annual unit churn of the KeyBanc Capital Markets "
        "(formerly Pacific Crest) 2016 private SaaS company survey (median contract ~25k, close to "
        "the model's 30k; gross dollar churn ~8%). Per renewal: 1 - (1 - annual_churn)^(cycle / 250).",
    )
    churn_expectation_gain: float = param(
        0.3,
        0,
        10,
        unit="1/index",
        mechanism="customers",
        plausible=(0.15, 0.6),
        source="Expectation fit: churn is multiplied by exp(-gain * (E - 0.65)), E the deal's collateral "
        "quality times its on-message share (a customer sold with poor or off-brand material was "
        "promised what the product does not deliver). With `churn_knowledge_gain` (equal: their "
        "inputs differ alike between the structures) sized so integrated loses ~36% fewer customers a "
        "year than segregated, the MarketingProfs 2005 benchmark (tests/model/test_customers.py).",
    )
    churn_fit_gain: float = param(
        2.0,
        0,
        10,
        unit="1/fit",
        mechanism="customers",
        plausible=(1.0, 3.0),
        source="Customer fit: churn is multiplied by exp(-gain * (fit - 0.55)) with the lead's true fit "
        "(targeting and scoring from field knowledge). Assumed: a poor-fit customer (0.3) churns ~2.7 "
        "times as often as a good-fit one (0.8), within practitioners' 'two to three times'.",
    )
    churn_knowledge_gain: float = param(
        0.3,
        0,
        10,
        unit="1/index",
        mechanism="customers",
        plausible=(0.15, 0.6),
        source="Feedback: at each renewal churn is multiplied by exp(-gain * (K - 0.5)), K marketing's "
        "field knowledge then (onboarding and customer content that serve customers' needs). Sized "
        "with `churn_expectation_gain` to the MarketingProfs 2005 benchmark (36% fewer customers lost).",
    )
