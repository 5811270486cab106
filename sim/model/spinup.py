"""Spin-up: run a burn-in before day 0 so that results start from the firm's steady state.

A model started from round initial values (trust 0.5, knowledge 0.4, an empty pipeline) drifts for
months, so the first year measures the transient and the yearly figures disagree. The burn-in runs
`burn_in_days` working days (numbered -burn_in_days to -1) under the scenario's starting levers,
then forgets their records: day 0 opens with a full pipeline, queued leads and settled stocks.

Slow stocks would need years to settle by simulation alone (awareness and knowledge have
half-lives of ~170 days, trust a memory of 60), so at each sixth of the burn-in up to two thirds
each jumps to the steady state of the pressure it felt since the last jump: a stock that closes
1 - exp(-P) of its gap to 1 each day and loses d of itself settles at a / (a + d) with
a = 1 - exp(-P); discounted trust evidence with daily memory m settles at inflow / (1 - m). The
last third then runs freely, so what day 0 sees is the model's own dynamics, not the formula's.
The jumps are a fixed-point iteration of the loops between the stocks (knowledge feeds lead fit,
fit feeds trust, trust feeds feedback): where that loop gain is near 1 (segregated), a few
hundredths of trust are still settling in year 1 (tests/model/test_trust.py bounds it).

A customer base takes years to grow, so at the end the burn-in seeds the installed base a firm with
the burn-in's won rate holds (`customers.seed_installed_base`). The won rate is the opportunities
opened over the last two thirds (the pipeline's input, steady within days, unlike closes, which lag
by the sales cycle) times the mean win chance of the burn-in's closes (an expectation, so the seed
does not carry the noise of which deals happened to be won).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import customers
from sim.model.demand import WORKING_DAYS_PER_YEAR

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel

STOCKS: tuple[str, ...] = ("awareness", "knowledge", "content_freshness")
TEAMS: tuple[str, ...] = ("reps", "marketers")


def reset_pressures(model: SalesMarketingModel) -> None:
    """Start accumulating the pressure each stock and each person's trust evidence feels."""
    model.pressures = {stock: [0.0, 0.0, 0] for stock in STOCKS}  # pressure sum, decay, days
    for side in TEAMS:
        size = getattr(model, side).size
        model.pressures[side] = [np.zeros(size), np.zeros(size), 0]  # good, bad inflow, days


def burn_in(model: SalesMarketingModel) -> None:
    """Simulate the burn-in days, with steady-state jumps up to two thirds, then forget its records."""
    days = model.p.market.burn_in_days
    if days <= 0:
        return
    jumps = {-days + k * days // 6 for k in range(1, 5)}  # a fixed-point iteration of the loops
    model.day = -days
    reset_pressures(model)
    model.burn_in_closes = [0, 0.0]  # deals closed, their summed win chances
    while model.day < 0:
        model.simulate_day()
        if model.day in jumps:
            settle(model)
    customers.seed_installed_base(model, won_per_year(model))
    model.daily = {name: [] for name in model.daily}
    model.burn_in_leads = model.leads.n


def won_per_year(model: SalesMarketingModel) -> float:
    """Deals the burn-in's firm wins a year: its opportunity rate times its mean win chance."""
    opened = model.daily["opportunities"][model.p.market.burn_in_days // 3 :]
    closed, chances = model.burn_in_closes
    if not opened or not closed:
        return 0.0
    return float(np.mean(opened)) * chances / closed * WORKING_DAYS_PER_YEAR


def feel_closes(model: SalesMarketingModel, p_win: np.ndarray) -> None:
    """Record the win chances of a burn-in day's closed deals (read by `won_per_year`)."""
    if model.day >= -model.p.market.burn_in_days // 3 and model.day < 0:
        model.burn_in_closes[0] += len(p_win)
        model.burn_in_closes[1] += float(p_win.sum())


def settle(model: SalesMarketingModel) -> None:
    """Jump each slow stock, and each person's trust evidence, to its steady state."""
    for stock in STOCKS:
        pressure, decay, n = model.pressures[stock]
        if n:
            gain = 1 - np.exp(-pressure / n)
            setattr(model, stock, float(gain / (gain + decay)) if gain + decay > 0 else getattr(model, stock))
    if model.p.mechanisms.trust:
        from sim.model.trust import reputation

        memory = np.exp(-1 / model.p.market.trust_memory_days)
        for side in TEAMS:
            good, bad, n = model.pressures[side]
            team = getattr(model, side)
            if n and team.size:
                team.good_events = good / n / (1 - memory)
                team.bad_events = bad / n / (1 - memory)
                team.trust = np.where(
                    team.is_hybrid, 1.0, reputation(team, model.p.market.trust_prior_events)
                )
    reset_pressures(model)


def feel(model: SalesMarketingModel, stock: str, pressure: float, decay: float) -> None:
    """Record one day's pressure on a slow stock (read at the next jump)."""
    record = model.pressures[stock]
    record[0] += pressure
    record[1] = decay
    record[2] += 1
