"""Customers after the sale: won deals become customers who renew their contract or churn.

A won deal's value is its first contract (new revenue, counted when won). The customer renews at
each anniversary, `renewal_cycle_days` later, paying the same value again (recurring revenue), or
churns. Alignment lowers churn through three channels already in the model, each one bounded gain:

- *expectation fit*: a deal sold with poor or off-brand material, or while the brand's touches are
  inconsistent, promised what the product does not deliver (the deal's collateral and `B` at sale);
- *customer fit*: a lead of low true fit buys, but needs what the product does poorly (its `fit`);
- *feedback*: marketing's field knowledge `K` at each renewal, which lets its onboarding and
  customer content serve what customers need.

Customers are rows of a `CustomerTable` (plain arrays, no agents); each keeps the churn risk fixed
at its sale and its own renewal uniform, drawn when its lead was created, so a customer renews or
churns alike in every scenario that won it. A 90-day burn-in cannot grow a base of several years,
so `seed_installed_base` adds the steady base of the burn-in's won rate at its end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import kernels, recording
from sim.model.demand import WORKING_DAYS_PER_YEAR, deal_value
from sim.model.leads import Collateral, ColumnTable
from sim.model.randomness import attempt_uniform, poisson_from_uniforms

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel

REFERENCE_EXPECTATION = 0.65  # expectation fit at which churn is `annual_churn` (the `defined` firm's)
REFERENCE_FIT = 0.55  # true fit of a won deal at which churn is `annual_churn` (the `defined` firm's)
REFERENCE_KNOWLEDGE = 0.5  # field knowledge at which churn is `annual_churn` (the `defined` firm's)
ASSET_SHARE_OF_PROMISE = 0.5  # half of what a buyer was promised is the deal's own asset
PROFILE_SHARE_OF_BURN_IN = 2  # profiles: wins of the burn-in's last half, when the stocks have settled
SEED_KEY = 1 << 20  # seeded customers' uniforms: their profile's own, mixed with keys from here
INSTALLED_BASE_YEARS = 200  # the seeded base holds customers won up to 30 years before day 0

CUSTOMER_COLUMNS: dict[str, tuple[type, float]] = {
    "lead": (np.int64, -1),  # the won lead's row; -1 for the seeded installed base
    "value": (np.float64, 0.0),  # contract value: paid at the sale and at every renewal
    "expectation": (np.float64, np.nan),  # expectation fit at the sale (channel input, 0-1)
    "risk": (np.float64, 0.0),  # annual churn before the feedback channel, fixed at the sale
    "u_renew": (np.float64, 0.5),  # the customer's own uniform; renewal k uses attempt_uniform(u, k)
    "won_day": (np.int32, 0),  # the seeded base: -burn_in_days - 1 (won before the burn-in)
    "renewal_day": (np.int32, 0),  # the next anniversary
    "renewals": (np.int16, 0),  # contracts renewed so far in the run
    "churned_day": (np.int32, -1),  # -1 while a customer
}


class CustomerTable(ColumnTable):
    """Every customer of the run, current or churned, one row each."""

    columns = CUSTOMER_COLUMNS


def acquire(model: SalesMarketingModel, won: np.ndarray) -> None:
    """Today's won deals become customers; their first contract is today's new revenue."""
    if len(won) == 0:
        return
    leads = model.leads
    expectation = expectation_fit(model, won)
    idx = model.customers.add(
        len(won),
        lead=won,
        value=leads.value[won],
        expectation=expectation,
        risk=sale_risk(model, expectation, leads.fit[won]),
        u_renew=leads.u_renew[won],
        won_day=model.day,
        renewal_day=model.day + model.p.market.renewal_cycle_days,
    )
    model.customer_idx = np.concatenate([model.customer_idx, idx])


def expectation_fit(model: SalesMarketingModel, won: np.ndarray) -> np.ndarray:
    """How well the sale set the customer's expectations: the asset's quality, on message.

    The message is on brand for half through the deal's own asset (marketing's, or a rep's
    off-brand one) and for half through the firm's other touches, whose on-brand share is `B`.
    """
    leads = model.leads
    on_message = ASSET_SHARE_OF_PROMISE * (leads.collateral[won] != Collateral.DIY)
    on_message = on_message + (1 - ASSET_SHARE_OF_PROMISE) * model.brand_consistency
    return leads.quality[won] * on_message


def sale_risk(model: SalesMarketingModel, expectation: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """Annual churn of new customers from what they were sold: expectation fit and customer fit."""
    mk = model.p.market
    if not model.p.mechanisms.customers:
        return np.full(len(fit), mk.annual_churn)
    exponent = mk.churn_expectation_gain * (expectation - REFERENCE_EXPECTATION)
    exponent = exponent + mk.churn_fit_gain * (fit - REFERENCE_FIT)
    return mk.annual_churn * np.exp(-exponent)


def annual_churn(model: SalesMarketingModel, risk: np.ndarray) -> np.ndarray:
    """Today's annual churn of customers with these sale risks: the feedback channel acts now."""
    if not model.p.mechanisms.customers:
        return np.minimum(risk, 1.0)
    gain = model.p.market.churn_knowledge_gain
    return np.minimum(risk * np.exp(-gain * (model.knowledge - REFERENCE_KNOWLEDGE)), 1.0)


def per_renewal(annual: np.ndarray, cycle_days: int) -> np.ndarray:
    """Chance to churn at one renewal, for contracts of `cycle_days` (annual churn at 250)."""
    if cycle_days == WORKING_DAYS_PER_YEAR:
        return annual
    return 1 - (1 - annual) ** (cycle_days / WORKING_DAYS_PER_YEAR)


def renew_contracts(model: SalesMarketingModel) -> None:
    """Customers whose anniversary is today renew (recurring revenue) or churn."""
    base, active = model.customers, model.customer_idx
    due = kernels.rows_equal(active, base.renewal_day, model.day)
    if len(due) == 0:
        return
    cycle = model.p.market.renewal_cycle_days
    p_churn = per_renewal(annual_churn(model, base.risk[due]), cycle)
    # Renewal k churns when the customer's k-th uniform is below p_churn (compiled).
    stay, gone, recurring = kernels.renew(
        due,
        p_churn,
        (base.u_renew, base.value, base.renewals, base.renewal_day, base.churned_day),
        cycle,
        model.day,
    )
    if gone:
        model.customer_idx = active[base.churned_day[active] < 0]
    recording.count(model, "renewals", stay)
    recording.count(model, "churned", gone)
    recording.count(model, "revenue_recurring", recurring)
    recording.count(model, "revenue", recurring)


def seed_installed_base(model: SalesMarketingModel, won_per_year: float) -> None:
    """Add the customers a firm winning `won_per_year` deals a year holds before the burn-in began.

    The burn-in's own won customers are the profiles: each stands for `won_per_year / n` deals a
    year with its sale risk. A customer won d days before the burn-in and still there at day 0
    has survived every anniversary since, so with per-renewal churn p, customers with their next
    anniversary on day t of the coming cycle number (rate / cycle) * sum over k >= k_min of
    (1 - p)^(k - 1), k_min the first contract that could have started before the burn-in. Heavy
    churners are thereby rare in the base, as they are in a real one. Counts are Poisson by
    inversion and values are drawn like deal values, all from uniforms mixed from the profile's own
    renewal uniform (splitmix64, as attempts are): a burn-in deal won in two scenarios seeds the
    same customers in both, so common random numbers reach the installed base.
    """
    base, mk = model.customers, model.p.market
    profiles = np.flatnonzero(base.won_day >= -(mk.burn_in_days // PROFILE_SHARE_OF_BURN_IN))
    if won_per_year <= 0 or len(profiles) == 0:
        return
    cycle, burn_in = mk.renewal_cycle_days, mk.burn_in_days
    keep = 1 - per_renewal(annual_churn(model, base.risk[profiles]), cycle)
    split = cycle - burn_in % cycle  # anniversaries before `split` began a cycle earlier
    starts, lengths = np.array([0, split]), np.array([split, cycle - split])
    first = np.array([burn_in // cycle + 1, burn_in // cycle + 2])
    last = max(1, round(INSTALLED_BASE_YEARS * WORKING_DAYS_PER_YEAR / cycle))
    surviving = _survivors(keep[:, None], first[None, :], last)
    mean = won_per_year / WORKING_DAYS_PER_YEAR / len(profiles) * lengths[None, :] * surviving
    own = np.repeat(base.u_renew[profiles], 2)  # each (profile, band) cell draws from its profile
    band = np.tile(np.arange(2), len(profiles))
    counts = poisson_from_uniforms(attempt_uniform(own, SEED_KEY + band), mean.ravel())
    cell = np.repeat(np.arange(mean.size), counts)
    copy = np.arange(len(cell)) - np.repeat(np.cumsum(counts) - counts, counts)
    key = SEED_KEY + 8 * (2 * copy + band[cell] + 1)
    u = own[cell]
    band, profile = band[cell], profiles[cell // 2]
    day = starts[band] + np.floor(attempt_uniform(u, key + 2) * lengths[band]).astype(np.int64)
    idx = base.add(
        len(cell),
        value=deal_value(mk, attempt_uniform(u, key + 1)),
        expectation=base.expectation[profile],
        risk=base.risk[profile],
        u_renew=attempt_uniform(u, key + 3),
        won_day=-burn_in - 1,
        renewal_day=day,
    )
    model.customer_idx = np.concatenate([model.customer_idx, idx])


def _survivors(keep: np.ndarray, first: np.ndarray, last: int) -> np.ndarray:
    """sum_{k=first}^{last} keep^(k-1): expected customers of one cohort slot still here."""
    with np.errstate(divide="ignore", invalid="ignore"):
        geometric = (keep ** (first - 1) - keep**last) / (1 - keep)
    flat = np.maximum(last - first + 1, 0).astype(float)
    return np.where(first > last, 0.0, np.where(keep < 1, geometric, flat))
