"""Interventions during a run: new parameter values from their day on, and what the change costs.

An intervention replaces parameter values on its working day. Its `ChangeCost` is paid once that
day (recorded as the flow `change_cost`) and takes a share of everyone's working hours for the
days after, fading linearly (`change_dip`, `change_dip_days`): the lost hours are work not done,
so they cost revenue through the same mechanisms as any other shortage of hours, and break-even
counts them without a separate estimate. A free intervention draws nothing and changes nothing
beyond its values, so results without costs are exactly those of before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model import recording

if TYPE_CHECKING:
    from sim.model.model import SalesMarketingModel


def apply_interventions(model: SalesMarketingModel) -> None:
    """Change the values whose intervention day has come, and pay for the change."""
    for intervention in model.interventions:
        if intervention.day == model.day:
            model.p = model.p.with_values(intervention.values)
            recording.count(model, "change_cost", intervention.change.change_cost)


def dip_today(model: SalesMarketingModel) -> float:
    """Share of working hours that today's changes in progress take (at most all of them)."""
    return min(1.0, sum(i.change.dip_on(model.day - i.day) for i in model.interventions))


def lose_hours_to_change(model: SalesMarketingModel) -> None:
    """Take today's dip from both teams' planned hours (after `hours.plan_hours`)."""
    dip = dip_today(model)
    if dip == 0:
        return
    for team in (model.reps, model.marketers):
        lost = team.hours * dip
        team.hours = team.hours - lost  # a new array: a cached shift's hours stay read-only
        recording.count(model, "change_dip_hours", float(lost.sum()))
