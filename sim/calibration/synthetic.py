"""CRM exports of finished model runs: the inverse of `sim.calibration.crm.read_export`.

Used to make the example exports (`scripts/make_crm_examples.py`), the recovery tests and the
coverage benchmark: because the run's parameters are known, an export's calibration can be
checked against the truth. Lead-clock hour h is working day h // H from `start` (a business
day), at the mapping's day start plus h mod H.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.mapping import ISO, Mapping

MODEL_STAGES: dict[int, str] = {
    0: "inquiry",  # NURTURE
    1: "mql",  # QUEUED
    2: "mql",  # REJECTED
    3: "mql",  # LEAKED
    4: "mql",  # UNRESPONSIVE
    5: "sal",  # DISQUALIFIED: reached, did not qualify
    6: "sql",
    7: "opportunity",
    8: "won",
    9: "lost",
}
"""Canonical furthest stage of each sim.model.leads.Stage value (by number, to keep this module light)."""
DROPPED = (2, 3, 4, 5)  # rejected, leaked, unresponsive, disqualified: a status CRM marks them lost
START = "2025-01-06"


def _stamps(hours: np.ndarray, hours_per_day: float, mapping: Mapping, column: str, start: str) -> pd.Series:
    ok = np.isfinite(hours)
    day = np.floor(np.where(ok, hours, 0) / hours_per_day).astype(np.int64)
    date = np.busday_offset(np.datetime64(start, "D"), day, roll="forward", weekmask=mapping.weekmask)
    within = np.where(ok, hours, 0) - day * hours_per_day
    seconds = np.round((mapping.day_start_hour + within * mapping.hours_per_day / hours_per_day) * 3600)
    times = date.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    fmt = mapping.date_format(column)
    return pd.Series(times).dt.strftime("%Y-%m-%d %H:%M:%S" if fmt == ISO else fmt).where(ok, "")


def _stages(leads: Any, mapping: Mapping) -> np.ndarray:
    stage = np.array([MODEL_STAGES[int(s)] for s in leads.stage], dtype=object)
    stage = np.where((leads.source != 0) & (stage == "mql"), "inquiry", stage)  # prospects are no MQLs
    if "sal" not in mapping.stages.values():  # a CRM without the stage records the next one down
        stage = np.where(stage == "sal", "mql", stage)
    return stage


def _status_columns(leads: Any, stage: np.ndarray, mapping: Mapping) -> tuple[list[str], list[str]]:
    """A status CRM's (stage, status): closed deals keep their last stage, dropped leads are lost."""
    inverse_status = {v: k for k, v in reversed(mapping.statuses.items())}
    status = np.where(stage == "won", "won", np.where(stage == "lost", "lost", "open"))
    dropped = np.isin(leads.stage, DROPPED) & (leads.source == 0)
    status = np.where(dropped, "lost", status)
    stage = np.where(np.isin(stage, ("won", "lost")), "opportunity", stage)
    inverse_stage = {v: k for k, v in reversed(mapping.stages.items())}
    return [inverse_stage[s] for s in stage], [inverse_status[s] for s in status]


def export_from_leads(leads: Any, hours_per_day: float, mapping: Mapping, start: str = START) -> pd.DataFrame:
    """A one-table CRM export of a finished run's leads, in the mapping's column names and values."""
    leads = leads.select(leads.created_hour >= 0)  # a CRM holds the recorded days, not the burn-in
    cols = mapping.columns
    stage = _stages(leads, mapping)
    table: dict[str, Any] = {}
    if "id" in cols:
        table[cols["id"]] = [f"L{i + 1:06d}" for i in range(leads.n)]
    table[cols["created"]] = _stamps(leads.created_hour, hours_per_day, mapping, cols["created"], start)
    if "first_contact" in cols:
        column = cols["first_contact"]
        table[column] = _stamps(leads.first_attempt_hour, hours_per_day, mapping, column, start)
    if "status" in cols:
        table[cols["stage"]], table[cols["status"]] = _status_columns(leads, stage, mapping)
    elif "stage" in cols:
        inverse_stage = {v: k for k, v in reversed(mapping.stages.items())}
        table[cols["stage"]] = [inverse_stage[s] for s in stage]
    deal = np.isin(stage, ("sql", "opportunity", "won", "lost"))
    if "amount" in cols:
        table[cols["amount"]] = np.where(deal, np.round(leads.value, 2).astype(str), "")
    if "source" in cols:
        inverse_source = {v: k for k, v in reversed(mapping.sources.items())}
        table[cols["source"]] = [inverse_source["marketing" if s == 0 else "sales"] for s in leads.source]
    if "won" in cols:
        table[cols["won"]] = np.where(stage == "won", mapping.won_true[0], mapping.won_false[0])
    if "closed" in cols:
        table[cols["closed"]] = _stamps(
            _closed_hours(leads, hours_per_day), hours_per_day, mapping, cols["closed"], start
        )
    return pd.DataFrame(table).iloc[: leads.n]


def _closed_hours(leads: Any, hours_per_day: float) -> np.ndarray:
    return np.where(leads.closed_day >= 0, (leads.closed_day + 1) * hours_per_day - 1e-6, np.nan)


def export_two_tables(
    leads: Any, hours_per_day: float, mapping: Mapping, start: str = START
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A leads table of the marketing MQLs (id, created) and a deals table of their closed deals.

    The form many funnels come in: no first contacts, no stages, no amounts; the deals file holds
    won deals, and lost ones too when the mapping's [deals.columns] has a status.
    """
    leads = leads.select((leads.created_hour >= 0) & (leads.source == 0) & (leads.stage >= 1))
    ids = np.array([f"M{i + 1:06d}" for i in range(leads.n)], dtype=object)
    cols, deal_cols = mapping.columns, mapping.deal_columns
    table = {
        cols["id"]: ids,
        cols["created"]: _stamps(leads.created_hour, hours_per_day, mapping, cols["created"], start),
    }
    closed = leads.stage == 8
    if "status" in deal_cols:
        closed = closed | (leads.stage == 9)
    deals: dict[str, Any] = {deal_cols["id"]: ids[closed]}
    hours = _closed_hours(leads, hours_per_day)[closed]
    deals[deal_cols["closed"]] = _stamps(hours, hours_per_day, mapping, deal_cols["closed"], start).to_numpy()
    if "status" in deal_cols:
        inverse_status = {v: k for k, v in reversed(mapping.statuses.items())}
        deals[deal_cols["status"]] = [
            inverse_status["won" if s == 8 else "lost"] for s in leads.stage[closed]
        ]
    if "amount" in deal_cols:
        deals[deal_cols["amount"]] = np.round(leads.value[closed], 2).astype(str)
    return pd.DataFrame(table), pd.DataFrame(deals)
