"""Working hours: who is at work today, and the pool of hours every later mechanism draws on.

The mechanisms compete for the same hours, so the day starts by planning them (admin, joint
meetings, job rotation, work already owed) and every mechanism takes its share with `spend`,
which records what goes beyond the pool as overwork instead of letting hours go negative.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import kernels, recording, trust

if TYPE_CHECKING:
    from sim.model.agents import TeamArrays
    from sim.model.model import SalesMarketingModel


def plan_hours(model: SalesMarketingModel) -> None:
    """Give everyone today's hours, less joint meetings and job rotation."""
    for team, name in ((model.reps, "rep"), (model.marketers, "marketing")):
        _plan_side(model, team, name)


def spend(model: SalesMarketingModel, team: TeamArrays, hours: np.ndarray) -> None:
    """Take hours from people; anything beyond what they had is recorded as overwork."""
    team.hours, overworked, overwork = kernels.spend_hours(team.hours, hours)
    if overworked:
        recording.count(model, "overwork_hours", overwork)


def commit(model: SalesMarketingModel, team: TeamArrays, cost: np.ndarray) -> None:
    """Take on work of `cost` hours each: spend what people have left today, owe the rest.

    What is owed (`team.debt`) is paid first from the next days' hours (`plan_hours`), so work
    longer than a day's free hours takes several days instead of never starting.
    """
    now = np.minimum(cost, team.hours)
    spend(model, team, now)
    team.debt = team.debt + cost - now


def _plan_side(model: SalesMarketingModel, team: TeamArrays, name: str) -> None:
    lv, mech = model.p.levers, model.p.mechanisms
    draws = model.behaviour.random(team.size)  # drawn always: the stream stays aligned
    if mech.rotation and lv.rotation_share > 0:
        rotating = (draws < lv.rotation_share) & ~team.is_hybrid
        _learn_from_rotation(model, team, rotating, name)
        shift = _shift(model, team, name, rotating)
    else:  # nobody rotates: the same shift every day until the parameters change
        if name not in model.shifts:
            shift = _shift(model, team, name, np.zeros(team.size, dtype=bool))
            for array in shift[:2]:  # shared by every day: an in-place write would leak into the next
                array.flags.writeable = False
            model.shifts[name] = shift
        shift = model.shifts[name]
    team.present, team.hours, capacity, meeting, rotation_days = shift
    if team.debt.any():
        paid = np.minimum(team.debt, team.hours)  # finish work already started first
        team.hours = team.hours - paid
        team.debt = team.debt - paid
    recording.count(model, f"{name}_hours", capacity)
    recording.count(model, "meeting_hours", meeting)
    recording.count(model, "rotation_days", rotation_days)


def _shift(model: SalesMarketingModel, team: TeamArrays, name: str, rotating: np.ndarray) -> tuple:
    """Who is present, their hours for the day's work, and the day's totals (hours, rotations)."""
    lv, mech = model.p.levers, model.p.mechanisms
    capacity = model.hours_per_day * team.hours_share
    admin = capacity * (model.p.market.rep_admin_share if name == "rep" else 0.0)
    meeting = lv.meeting_hours_per_week / 5 if mech.meetings else 0.0
    # A hybrid attends once, on its rep row; people away on rotation attend nothing.
    absent = rotating | (team.is_hybrid & (name == "marketing"))
    meeting = np.where(absent, 0.0, np.minimum(meeting, capacity - admin))
    hours = np.where(rotating, 0.0, capacity - admin - meeting)
    return ~rotating, hours, capacity.sum(), meeting.sum(), np.count_nonzero(rotating)


def _learn_from_rotation(
    model: SalesMarketingModel, team: TeamArrays, rotating: np.ndarray, name: str
) -> None:
    """Time in the other function lowers ego and builds understanding (trust, knowledge)."""
    rate = model.p.levers.rotation_learning_per_day
    team.ego = np.where(rotating, team.ego * (1 - rate), team.ego)
    trust.rotation_events(model, team, rotating)
    if name == "marketing" and model.p.mechanisms.field_feedback and team.size:
        model.knowledge += rate * (1 - model.knowledge) * np.count_nonzero(rotating) / team.size
