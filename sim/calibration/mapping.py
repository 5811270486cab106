"""The mapping TOML that says how to read one CRM's export (format in docs/CALIBRATION.md).

Column names, date formats, stage, status and source values differ between CRMs, so a small
mapping names which column is which and what each value means. Only `columns.created` is
required: a column the export lacks leaves its moment out of the fit (`sim.calibration.crm`),
it is never invented. Every problem raises one `CrmError` line naming the file and the key.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.errors import input_error, reraised_as
from sim.model.params import ParameterError, suggest
from sim.model.scenario import _label, _read_toml

STAGES: dict[str, int] = {"inquiry": 0, "mql": 1, "sal": 2, "sql": 3, "opportunity": 4, "won": 5, "lost": 5}
SOURCES: tuple[str, ...] = ("marketing", "sales")
STATUSES: tuple[str, ...] = ("open", "won", "lost")
LEAD_COLUMNS: tuple[str, ...] = ("created", "id", "first_contact", "stage", "status", "amount", "source")
LEAD_COLUMNS = (*LEAD_COLUMNS, "won", "closed")
DEAL_COLUMNS: tuple[str, ...] = ("id", "closed", "amount", "status")
MAPPING_KEYS: tuple[str, ...] = ("name", "description", "default_stage", "columns", "datetime", "stages")
MAPPING_KEYS = (*MAPPING_KEYS, "sources", "statuses", "deals", "won_values", "working_hours")
WON_TRUE: tuple[str, ...] = ("true", "yes", "1", "won", "y")
WON_FALSE: tuple[str, ...] = ("false", "no", "0", "", "n", "lost")
ISO = "ISO8601"
TIME_DIRECTIVES = re.compile(r"%[HIMSpXcTRrfz]")  # a format without any of these holds dates only


class CrmError(ParameterError):
    """A CRM export or mapping that cannot be used; one line naming file, row, column, allowed."""


_error = functools.partial(input_error, cls=CrmError)


@dataclass(frozen=True)
class Mapping:
    """How to read one CRM's export (see the module docstring and docs/CALIBRATION.md)."""

    name: str
    columns: dict[str, str]  # canonical name -> the export's column header
    datetime_format: str  # strftime pattern, or "ISO8601": the default of every date column
    stages: dict[str, str]  # export value -> canonical stage (matched ignoring case and spaces around)
    sources: dict[str, str]  # export value -> marketing | sales
    won_true: tuple[str, ...] = WON_TRUE
    won_false: tuple[str, ...] = WON_FALSE
    business_hours: bool = True  # False: plain elapsed hours
    day_start_hour: float = 9.0
    day_end_hour: float = 17.0
    weekmask: str = "Mon Tue Wed Thu Fri"
    default_stage: str | None = None  # every lead's stage when there is no stage column
    statuses: dict[str, str] = field(default_factory=dict)  # export value -> open | won | lost
    deal_columns: dict[str, str] = field(default_factory=dict)  # the deals file: id, closed, amount, status
    column_formats: dict[str, str] = field(default_factory=dict)  # export header -> its own date format

    @property
    def hours_per_day(self) -> float:
        """Length of the mapping's working day in hours."""
        return self.day_end_hour - self.day_start_hour

    def date_format(self, column: str) -> str:
        """The date format of one export column: its own, else the default."""
        return self.column_formats.get(column, self.datetime_format)

    def date_only(self, column: str) -> bool:
        """Whether a column's format holds dates without a time of day (e.g. "%m/%d/%Y")."""
        fmt = self.date_format(column)
        return fmt != ISO and not TIME_DIRECTIVES.search(fmt)

    def can_record_loss(self) -> bool:
        """Whether the export can say a deal was lost (a lost stage or status value)."""
        by_stage = "stage" in self.columns and "lost" in self.stages.values()
        by_status = (
            "status" in self.columns or "status" in self.deal_columns
        ) and "lost" in self.statuses.values()
        return by_stage or by_status


# ---------------------------------------------------------------------- the mapping file
def load_mapping(path: str | Path) -> Mapping:
    """Load and validate a mapping TOML; raises CrmError (one line) on any problem."""
    path = Path(path)
    where = _label(path)
    if not path.is_file():
        raise _error(where, None, "file not found", "an existing mapping .toml (see examples/crm/)")
    with reraised_as(CrmError):
        doc = _read_toml(path)
    for key in doc:
        if key not in MAPPING_KEYS:
            raise _error(where, key, f"unknown key{suggest(key, MAPPING_KEYS)}", ", ".join(MAPPING_KEYS))
    columns = _str_table(where, "columns", doc.get("columns", {}), LEAD_COLUMNS)
    if "created" not in columns:
        raise _error(where, "columns.created", "missing", "the export's column header of the creation time")
    default_stage = _default_stage(where, doc, columns)
    deal_columns = _deal_columns(where, doc.get("deals", {}))
    status_used = "status" in columns or "status" in deal_columns
    fmt, formats = _datetime(where, doc.get("datetime", {}))
    return Mapping(
        name=str(doc.get("name", path.stem)),
        columns=columns,
        datetime_format=fmt,
        stages=_value_map(where, "stages", doc.get("stages"), tuple(STAGES), "stage" in columns),
        sources=_value_map(where, "sources", doc.get("sources"), SOURCES, "source" in columns),
        won_true=_won_values(where, doc.get("won_values", {}))[0],
        won_false=_won_values(where, doc.get("won_values", {}))[1],
        **_working_hours(where, doc.get("working_hours", {})),
        default_stage=default_stage,
        statuses=_value_map(where, "statuses", doc.get("statuses"), STATUSES, status_used),
        deal_columns=deal_columns,
        column_formats=formats,
    )


def _default_stage(where: str, doc: dict[str, Any], columns: dict[str, str]) -> str | None:
    value = doc.get("default_stage")
    if value is None:
        if "stage" not in columns:
            raise _error(
                where,
                "columns.stage",
                "missing (and no default_stage)",
                'a stage column, or default_stage = "mql"',
            )
        return None
    allowed = tuple(s for s in STAGES if s not in ("won", "lost"))
    if value not in allowed:
        raise _error(
            where,
            "default_stage",
            f"unknown stage {value!r}{suggest(str(value), allowed)}",
            ", ".join(allowed),
        )
    return str(value)


def _deal_columns(where: str, table: Any) -> dict[str, str]:
    if not isinstance(table, dict):
        raise _error(where, "deals", "must be a table [deals]", "a [deals.columns] section")
    for key in table:
        if key != "columns":
            raise _error(where, f"deals.{key}", "unknown key", "columns")
    columns = _str_table(where, "deals.columns", table.get("columns", {}), DEAL_COLUMNS)
    for key in ("id", "closed"):
        if columns and key not in columns:
            raise _error(
                where, f"deals.columns.{key}", "missing", f"the deals file's column header for {key}"
            )
    return columns


def _datetime(where: str, table: Any) -> tuple[str, dict[str, str]]:
    if not isinstance(table, dict):
        raise _error(where, "datetime", "must be a table [datetime]", "a [datetime] section")
    formats = table.get("columns", {})
    plain = {k: v for k, v in table.items() if k != "columns"}
    fmt = _str_table(where, "datetime", plain, ("format",)).get("format", ISO)
    if not isinstance(formats, dict):
        raise _error(where, "datetime.columns", "must be a table", '[datetime.columns] "Column" = "%d-%m-%Y"')
    for column, value in formats.items():
        if not isinstance(value, str):
            raise _error(
                where, f"datetime.columns.{column}", f"must be a string, got {value!r}", '"%d-%m-%Y %H:%M"'
            )
    return fmt, dict(formats)


def _str_table(where: str, name: str, table: Any, keys: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(table, dict):
        raise _error(where, name, f"must be a table [{name}]", f"a [{name}] section")
    for key, value in table.items():
        if key not in keys:
            raise _error(where, f"{name}.{key}", f"unknown key{suggest(key, keys)}", ", ".join(keys))
        if not isinstance(value, str):
            raise _error(where, f"{name}.{key}", f"must be a string, got {value!r}", 'a quoted string "..."')
    return dict(table)


def _value_map(where: str, name: str, table: Any, allowed: tuple[str, ...], needed: bool) -> dict[str, str]:
    if table is None and not needed:
        return {}
    if not isinstance(table, dict) or not table:
        raise _error(
            where, name, f"missing or empty [{name}]", f'"export value" = one of {", ".join(allowed)}'
        )
    out = {}
    for key, value in table.items():
        if value not in allowed:
            raise _error(
                where,
                f"{name}.{key}",
                f"unknown value {value!r}{suggest(str(value), allowed)}",
                ", ".join(allowed),
            )
        out[key.strip()] = value
    return out


def _won_values(where: str, table: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(table, dict):
        raise _error(where, "won_values", "must be a table [won_values]", "true = [...], false = [...]")
    out = []
    for key, default in (("true", WON_TRUE), ("false", WON_FALSE)):
        values = table.get(key, list(default))
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _error(where, f"won_values.{key}", "must be a list of strings", '["yes", "true"]')
        out.append(tuple(v.strip().casefold() for v in values))
    for key in table:
        if key not in ("true", "false"):
            raise _error(where, f"won_values.{key}", "unknown key", "true, false")
    return out[0], out[1]


def _working_hours(where: str, table: Any) -> dict[str, Any]:
    keys = ("mode", "day_start", "day_end", "weekmask")
    table = _str_table(where, "working_hours", table, keys)
    mode = table.get("mode", "business")
    if mode not in ("business", "elapsed"):
        raise _error(where, "working_hours.mode", f"unknown mode {mode!r}", '"business" or "elapsed"')
    start = _clock(where, "working_hours.day_start", table.get("day_start", "09:00"))
    end = _clock(where, "working_hours.day_end", table.get("day_end", "17:00"))
    if end <= start:
        raise _error(where, "working_hours.day_end", "not after day_start", "a later time than day_start")
    weekmask = table.get("weekmask", "Mon Tue Wed Thu Fri")
    try:
        np.busdaycalendar(weekmask=weekmask)
    except ValueError:
        raise _error(
            where, "working_hours.weekmask", f"cannot read {weekmask!r}", '"Mon Tue Wed Thu Fri"'
        ) from None
    return {
        "business_hours": mode == "business",
        "day_start_hour": start,
        "day_end_hour": end,
        "weekmask": weekmask,
    }


def _clock(where: str, key: str, text: str) -> float:
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise _error(where, key, f"cannot read {text!r} as a time of day", '"HH:MM", e.g. "09:00"')
    return int(hours) + int(minutes) / 60
