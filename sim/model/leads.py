"""Leads and deals as columnar arrays (struct of arrays) owned by the model.

A run creates thousands to millions of leads; one Mesa agent each would make a run slow. A lead
is one row index into these arrays; a deal is a lead that reached the opportunity stage.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stage(IntEnum):
    """Where a lead is; every lead is in exactly one stage."""

    NURTURE = 0  # scored below the MQL threshold: kept by marketing, not handed over
    QUEUED = 1  # in a rep's queue (an MQL or an own prospect), not yet reached
    REJECTED = 2  # the rep refused the MQL on review
    LEAKED = 3  # handed over but never contacted within the shelf life
    UNRESPONSIVE = 4  # contacted, never reached within the allowed attempts
    DISQUALIFIED = 5  # reached (a SAL) but did not qualify
    SQL = 6  # qualified, the opportunity opens on the next working day
    OPPORTUNITY = 7  # open deal
    WON = 8
    LOST = 9


class Source(IntEnum):
    """Who found the lead."""

    MARKETING = 0
    SALES = 1


class Collateral(IntEnum):
    """State of the collateral an opportunity needs."""

    NONE = 0  # not an opportunity yet
    NEEDED = 1  # the rep has not looked in the library yet
    REQUESTED = 2  # asked marketing, waiting
    MARKETING = 3  # on-brand marketing content in hand
    DIY = 4  # the rep built it alone (off-brand)


COLUMNS: dict[str, tuple[type, float]] = {
    "created_hour": (np.float64, np.nan),
    "available_hour": (np.float64, np.nan),  # earliest working hour of the next attempt
    "window_end_hour": (np.float64, np.inf),  # the lead's attention ends here
    "first_attempt_hour": (np.float64, np.nan),
    "fit": (np.float64, 0.0),  # true chance to qualify once reached
    "score": (np.float64, 0.0),  # marketing's noisy estimate of fit
    "u_accept": (np.float64, 0.5),  # the lead's own uniforms: common random numbers
    "u_neglect": (np.float64, 0.5),
    "u_reach": (np.float64, 0.5),
    "u_qualify": (np.float64, 0.5),
    "u_win": (np.float64, 0.5),
    "u_library": (np.float64, 0.5),
    "u_owner": (np.float64, 0.5),
    "u_diy": (np.float64, 0.5),
    "u_renew": (np.float64, 0.5),  # the customer's renewals, if the deal is won (sim/model/customers.py)
    "value": (np.float64, 0.0),
    "cycle_days": (np.float64, 0.0),
    "progress_days": (np.float64, 0.0),
    "quality": (np.float64, np.nan),
    "source": (np.int8, 0),
    "stage": (np.int8, 0),
    "collateral": (np.int8, 0),
    "owner": (np.int32, -1),
    "marketer": (np.int32, -1),  # who generated a marketing lead (their reputation is at stake)
    "attempts": (np.int16, 0),
    "routed_day": (np.int32, -1),
    "opened_day": (np.int32, -1),  # the day the deal opened (its cohort in content_used)
    "request_day": (np.int32, -1),
    "closed_day": (np.int32, -1),
}


class ColumnTable:
    """Growable struct-of-arrays over `columns`; `n` rows are in use, capacity doubles when full."""

    columns: dict[str, tuple[type, float]] = {}

    def __init__(self, capacity: int = 4096) -> None:
        self.n = 0
        self._capacity = capacity
        self.cols: dict[str, np.ndarray] = {
            name: np.full(capacity, fill, dtype=dtype) for name, (dtype, fill) in self.columns.items()
        }
        self._expose()

    def _expose(self) -> None:
        """Make each column an attribute viewing the rows in use (plain attributes are fast)."""
        n = self.n
        self.__dict__.update({name: column[:n] for name, column in self.cols.items()})

    def select(self, keep: np.ndarray) -> ColumnTable:
        """A new, full table of the rows where `keep` is true (e.g. leads born on recorded days)."""
        out = type(self)(max(1, int(np.count_nonzero(keep))))
        out.cols = {name: column[: self.n][keep].copy() for name, column in self.cols.items()}
        out.n = out._capacity = len(out.cols[next(iter(self.columns))])
        out._expose()
        return out

    def add(self, count: int, **values: np.ndarray | float) -> np.ndarray:
        """Append `count` rows with the given column values; return their indices."""
        if self.n + count > self._capacity:
            self._grow(self.n + count)
        rows = slice(self.n, self.n + count)
        for name, value in values.items():
            self.cols[name][rows] = value
        idx = np.arange(self.n, self.n + count)
        self.n += count
        self._expose()
        return idx

    def _grow(self, needed: int) -> None:
        self._capacity = max(self._capacity, 1)
        while self._capacity < needed:
            self._capacity *= 2
        for name, (dtype, fill) in self.columns.items():
            grown = np.empty(self._capacity, dtype=dtype)  # written once: the rows kept, then the fill
            grown[: self.n] = self.cols[name][: self.n]
            grown[self.n :] = fill
            self.cols[name] = grown


class LeadTable(ColumnTable):
    """The run's leads and deals, one row each (columns: `COLUMNS`)."""

    columns = COLUMNS
