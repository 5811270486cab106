"""The daily record: today's flows as the mechanisms count them, and the day's close.

Every mechanism counts what it does into `model.today`; `record_day` adds the end-of-day levels
and appends the day to `model.daily`, the record that `metrics` turns into the output tables.
Flows of a cohort (a lead counted on the day it was created, as the funnel needs) are added to
that day's row, which is why counting goes through these functions rather than by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import kernels, kernels_queue, metrics, trust

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel


SOURCE_CODES = np.array([int(code) for code in metrics.SOURCE_PARTS.values()])  # each part's source
NO_PARTS = np.zeros(0, dtype=np.int64)  # cohort counts of a flow without parts: the total row only
NO_VALUES = np.zeros(0)  # counts, not sums of values


def start_day(model: SalesMarketingModel) -> None:
    """Open today's row of flows, all at zero."""
    model.today = dict.fromkeys(metrics.DAILY_FIELDS, 0.0)


def count(model: SalesMarketingModel, name: str, value: float) -> None:
    """Add to one of today's recorded flows."""
    model.today[name] += value


def count_cohort(model: SalesMarketingModel, name: str, days: np.ndarray) -> None:
    """Add one per element to flow `name` on the given (past or current) days."""
    if len(days) == 0:
        return
    _add_by_age(model, name, kernels_queue.ages_by_part(days, days, NO_PARTS, model.day)[0])


def _add_by_age(model: SalesMarketingModel, name: str, counts: np.ndarray) -> None:
    """Add counts[age] to flow `name` on the day `age` days ago (the burn-in's days are not recorded)."""
    counts, recorded = counts.tolist(), model.daily[name]
    if counts[0]:
        model.today[name] += counts[0]
    for age in range(1, min(len(counts), len(recorded) + 1)):
        if counts[age]:
            recorded[len(recorded) - age] += counts[age]


def count_by_source(
    model: SalesMarketingModel,
    flow: str,
    idx: np.ndarray,
    days: np.ndarray | None = None,
    values: np.ndarray | None = None,
) -> None:
    """Count leads `idx` in a split flow and in its part of each lead's source, in one place.

    Both funnels read these parts, so the total is counted with them here, never by hand: it is
    the sum of the parts by construction. `days` counts each lead on its cohort day (as
    `count_cohort`); `values` adds each lead's value (revenue) instead of one.
    """
    if len(idx) == 0:
        return
    source = model.leads.source[idx]
    names = [metrics.part_name(part, flow) for part in metrics.SOURCE_PARTS]
    if days is not None:
        counts = kernels_queue.ages_by_part(days, source, SOURCE_CODES, model.day)
        for name, row in zip([*names, flow], counts, strict=True):
            _add_by_age(model, name, row)
        return
    amounts = kernels.amounts_by_part(source, NO_VALUES if values is None else values, SOURCE_CODES)
    total = 0.0
    for name, amount in zip(names, amounts.tolist(), strict=True):
        amount = amount if values is not None else int(amount)
        count(model, name, amount)
        total += amount
    count(model, flow, total)


def record_day(model: SalesMarketingModel) -> None:
    """Append today's flows and the end-of-day levels to the daily record."""
    t = model.today
    t["awareness"] = model.awareness
    t["brand_consistency"] = model.brand_consistency
    t["marketing_knowledge"] = model.knowledge
    t["content_freshness"] = model.content_freshness
    t["trust_sales_in_marketing"] = trust.side_trust(model.reps)
    t["trust_marketing_in_sales"] = trust.side_trust(model.marketers)
    t["pipeline_value"] = kernels.gathered_sum(model.leads.value, model.opp_idx)
    t["open_opportunities"] = len(model.opp_idx)
    t["queued_leads"] = len(model.queue_idx)
    t["customers"] = len(model.customer_idx)
    for record, value in zip(model.daily.values(), t.values(), strict=True):
        record.append(float(value))
