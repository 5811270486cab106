"""CRM exports (one row per lead) turned into the observed moments a calibration fits.

A consultant rarely gets clean funnel figures; they get an export. Column names, date formats
and stage names differ between CRMs, so a small mapping TOML says which column is which and
what each stage and source value means (`examples/crm/*_mapping.toml`, format in
docs/CALIBRATION.md). Everything is checked before anything is computed: a missing column, an
unparseable date, a negative amount, an empty file, a first contact before creation, an unknown
stage or source value each raise one `CrmError` line naming the file, the data row (1-based,
the header is line 1, so row N is file line N + 1 when no field spans lines) and the column.

Canonical stages, in funnel order: inquiry < mql < sal < sql < opportunity < won | lost. A
lead's stage is the furthest it reached. Response times are working hours (business hours of
the mapping's working day), the model's lead clock.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.errors import input_error, reraised_as
from sim.calibration.observed import (
    WORKING_DAYS_PER_MONTH,
    Z95,
    Moment,
    Observed,
    median_moment,
    rate_moment,
    volume_moment,
)
from sim.model.params import ParameterError, suggest
from sim.model.scenario import _label, _read_toml

STAGES: dict[str, int] = {"inquiry": 0, "mql": 1, "sal": 2, "sql": 3, "opportunity": 4, "won": 5, "lost": 5}
SOURCES: tuple[str, ...] = ("marketing", "sales")
REQUIRED_COLUMNS: tuple[str, ...] = ("created", "first_contact", "stage", "amount", "source")
OPTIONAL_COLUMNS: tuple[str, ...] = ("won", "closed")
MAPPING_KEYS: tuple[str, ...] = ("name", "description", "columns", "datetime", "stages", "sources")
MAPPING_KEYS = (*MAPPING_KEYS, "won_values", "working_hours")
WON_TRUE: tuple[str, ...] = ("true", "yes", "1", "won", "y")
WON_FALSE: tuple[str, ...] = ("false", "no", "0", "", "n", "lost")
ISO = "ISO8601"
DATE_RANGE = "1677-09-22 to 2262-04-11"  # what pandas' nanosecond timestamps can hold


class CrmError(ParameterError):
    """A CRM export or mapping that cannot be used; one line naming file, row, column, allowed."""


_error = functools.partial(input_error, cls=CrmError)


@dataclass(frozen=True)
class Mapping:
    """How to read one CRM's export (see the module docstring and docs/CALIBRATION.md)."""

    name: str
    columns: dict[str, str]  # canonical name -> the export's column header
    datetime_format: str  # strftime pattern, or "ISO8601"
    stages: dict[str, str]  # export value -> canonical stage (matched ignoring case and spaces around)
    sources: dict[str, str]  # export value -> marketing | sales
    won_true: tuple[str, ...] = WON_TRUE
    won_false: tuple[str, ...] = WON_FALSE
    business_hours: bool = True  # False: plain elapsed hours
    day_start_hour: float = 9.0
    day_end_hour: float = 17.0
    weekmask: str = "Mon Tue Wed Thu Fri"

    @property
    def hours_per_day(self) -> float:
        """Length of the mapping's working day in hours."""
        return self.day_end_hour - self.day_start_hour


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
    columns = _str_table(where, "columns", doc.get("columns", {}), (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
    for key in REQUIRED_COLUMNS:
        if key not in columns:
            raise _error(where, f"columns.{key}", "missing", "the export's column header for " + key)
    stages = _value_map(where, "stages", doc.get("stages", {}), tuple(STAGES))
    sources = _value_map(where, "sources", doc.get("sources", {}), SOURCES)
    fmt = _str_table(where, "datetime", doc.get("datetime", {}), ("format",)).get("format", ISO)
    won = _won_values(where, doc.get("won_values", {}))
    hours = _working_hours(where, doc.get("working_hours", {}))
    return Mapping(str(doc.get("name", path.stem)), columns, fmt, stages, sources, *won, **hours)


def _str_table(where: str, name: str, table: Any, keys: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(table, dict):
        raise _error(where, name, f"must be a table [{name}]", f"a [{name}] section")
    for key, value in table.items():
        if key not in keys:
            raise _error(where, f"{name}.{key}", f"unknown key{suggest(key, keys)}", ", ".join(keys))
        if not isinstance(value, str):
            raise _error(where, f"{name}.{key}", f"must be a string, got {value!r}", 'a quoted string "..."')
    return dict(table)


def _value_map(where: str, name: str, table: Any, allowed: tuple[str, ...]) -> dict[str, str]:
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


# ---------------------------------------------------------------------- the export
def read_export(path: str | Path, mapping: Mapping) -> pd.DataFrame:
    """Read and validate an export: one row per lead in canonical columns.

    Returns:
        Columns created, first_contact, closed (datetimes, NaT when empty), stage (canonical
        rank), lost (bool), won (bool), amount (float, NaN when empty), marketing (bool).

    Raises:
        CrmError: The first problem found, naming the file, data row and column.
    """
    path = Path(path)
    where = _label(path)
    raw = _read_csv(path, where)
    cols = mapping.columns
    for key in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        if key in cols and cols[key] not in raw.columns:
            found = ", ".join(repr(c) for c in raw.columns)
            raise CrmError(
                f"{where}: column {cols[key]!r} ({key}) missing{suggest(cols[key], raw.columns)}; "
                f"allowed: the mapping's columns.{key}; the file has {found}"
            )
    created = _dates(where, raw, cols["created"], mapping, required=True)
    first = _dates(where, raw, cols["first_contact"], mapping, required=False)
    _not_before(where, created, first, cols["first_contact"], cols["created"])
    closed = _dates(where, raw, cols["closed"], mapping, required=False) if "closed" in cols else None
    if closed is not None:
        _not_before(where, created, closed, cols["closed"], cols["created"])
    stage = _mapped(where, raw, cols["stage"], mapping.stages, "the mapping's [stages] values")
    source = _mapped(where, raw, cols["source"], mapping.sources, "the mapping's [sources] values")
    won = _won(where, raw, cols["won"], mapping) if "won" in cols else stage == "won"
    return pd.DataFrame(
        {
            "created": created,
            "first_contact": first,
            "closed": closed if closed is not None else pd.NaT,
            "stage": np.where(won, STAGES["won"], stage.map(STAGES)).astype(int),
            "lost": (stage == "lost") & ~won,
            "won": won,
            "amount": _amounts(where, raw, cols["amount"]),
            "marketing": source == "marketing",
        }
    )


def _read_csv(path: Path, where: str) -> pd.DataFrame:
    if not path.is_file():
        raise CrmError(f"{where}: file not found; allowed: an existing CSV export")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise CrmError(f"{where}: empty file; allowed: a header line and one row per lead") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        problem = " ".join(str(err).split())
        raise CrmError(
            f"{where}: cannot read as CSV: {problem}; allowed: a UTF-8 CSV with a header"
        ) from None
    if raw.empty:
        raise CrmError(f"{where}: no data rows (only a header); allowed: one row per lead")
    return raw


def _where_row(where: str, index: int, column: str) -> str:
    return f"{where}: row {index + 1} (line {index + 2}), column {column!r}"


def _dates(where: str, raw: pd.DataFrame, column: str, mapping: Mapping, *, required: bool) -> pd.Series:
    text = raw[column].str.strip()
    fmt = mapping.datetime_format
    parsed = _parse_dates(where, text, column, fmt, required)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)  # keep the local wall-clock time the CRM shows
    empty = text == ""
    bad = parsed.isna() & (~empty | required)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        shown = "ISO 8601 (e.g. 2024-03-01 09:30)" if fmt == ISO else f"format {fmt!r}"
        problem = "empty" if empty.iloc[i] else f"cannot read {text.iloc[i]!r} as a date"
        allowed = f"a date and time in {shown}" + ("" if required else ", or empty")
        raise CrmError(f"{_where_row(where, i, column)}: {problem}; allowed: {allowed}")
    return parsed.astype("datetime64[ns]")


def _parse_dates(where: str, text: pd.Series, column: str, fmt: str, required: bool) -> pd.Series:
    """Parse a date column; a date outside DATE_RANGE (a placeholder such as 9999-12-31) is named.

    The moments are computed on nanosecond timestamps, 64 bits from 1970, which hold only
    1677-09-22 to 2262-04-11. CRMs write 9999-12-31 or 0001-01-01 for "never"; that is no date,
    and guessing what it means is worse than asking for an empty cell.
    """
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        outside = parsed.notna() & ((parsed < pd.Timestamp.min) | (parsed > pd.Timestamp.max))
    except pd.errors.OutOfBoundsDatetime:  # a pandas that parses to nanoseconds right away
        outside = pd.Series([_out_of_bounds(value, fmt) for value in text], index=text.index)
        parsed = None
    if outside.any():
        i = int(np.flatnonzero(outside.to_numpy())[0])
        raise CrmError(
            f"{_where_row(where, i, column)}: {text.iloc[i]!r} is outside the dates that can be used "
            f"(a placeholder for 'never'?); allowed: a date from {DATE_RANGE}"
            + ("" if required else ", or empty for none")
        )
    return parsed


def _out_of_bounds(value: str, fmt: str) -> bool:
    try:
        pd.to_datetime(pd.Series([value]), format=fmt, errors="coerce")
    except pd.errors.OutOfBoundsDatetime:
        return True
    return False


def _not_before(where: str, created: pd.Series, later: pd.Series, column: str, created_column: str) -> None:
    bad = (later < created).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CrmError(
            f"{_where_row(where, i, column)}: {later.iloc[i]} is before the lead was created "
            f"({created_column} {created.iloc[i]}); allowed: a time at or after creation, or empty"
        )


def _mapped(where: str, raw: pd.DataFrame, column: str, values: dict[str, str], what: str) -> pd.Series:
    key = raw[column].str.strip().str.casefold()
    mapped = key.map({k.casefold(): v for k, v in values.items()})
    if mapped.isna().any():
        i = int(np.flatnonzero(mapped.isna().to_numpy())[0])
        allowed = ", ".join(repr(v) for v in values)
        raise CrmError(
            f"{_where_row(where, i, column)}: unknown value {raw[column].iloc[i]!r}"
            f"{suggest(key.iloc[i], values)}; allowed: {what}: {allowed}"
        )
    return mapped


def _won(where: str, raw: pd.DataFrame, column: str, mapping: Mapping) -> pd.Series:
    key = raw[column].str.strip().str.casefold()
    yes, no = key.isin(mapping.won_true), key.isin(mapping.won_false)
    bad = ~(yes | no)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        allowed = ", ".join(repr(v) for v in (*mapping.won_true, *mapping.won_false))
        raise CrmError(
            f"{_where_row(where, i, column)}: cannot read {raw[column].iloc[i]!r} as won or not; "
            f"allowed: {allowed}"
        )
    return yes


def _amounts(where: str, raw: pd.DataFrame, column: str) -> pd.Series:
    text = raw[column].str.strip()
    amount = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = amount.isna() & (text != "")
    negative = amount < 0
    for mask, problem in ((bad, "cannot read {!r} as a number"), (negative, "negative amount {!r}")):
        if mask.any():
            i = int(np.flatnonzero(mask.to_numpy())[0])
            raise CrmError(
                f"{_where_row(where, i, column)}: {problem.format(text.iloc[i])}; "
                "allowed: a number >= 0 (plain digits, '.' for decimals), or empty"
            )
    return amount.astype(float)


# ---------------------------------------------------------------------- moments
def working_hours(times: pd.Series, mapping: Mapping, origin: np.datetime64) -> np.ndarray:
    """Business hours from `origin` (a date) to each time: nights, weekends and off-days excluded.

    A time before the day starts counts as the day's start, after it ends as its end, on a day
    off as the next working day's start.
    """
    stamps = times.to_numpy(dtype="datetime64[ns]")
    days = stamps.astype("datetime64[D]")
    hour = (stamps - days.astype("datetime64[ns]")) / np.timedelta64(1, "h")
    before = np.busday_count(origin, days, weekmask=mapping.weekmask)
    on = np.is_busday(days, weekmask=mapping.weekmask)
    inside = np.clip(hour - mapping.day_start_hour, 0.0, mapping.hours_per_day)
    return before * mapping.hours_per_day + np.where(on, inside, 0.0)


def response_hours(leads: pd.DataFrame, mapping: Mapping) -> np.ndarray:
    """Working hours from creation to first contact of the contacted leads (elapsed hours if asked)."""
    contacted = leads.dropna(subset=["first_contact"])
    if contacted.empty:  # nothing to measure (and no first creation day to count from)
        return np.zeros(0)
    if not mapping.business_hours:
        return ((contacted["first_contact"] - contacted["created"]) / pd.Timedelta(hours=1)).to_numpy()
    origin = np.datetime64(leads["created"].min(), "D")
    start = working_hours(contacted["created"], mapping, origin)
    return working_hours(contacted["first_contact"], mapping, origin) - start


def window_months(leads: pd.DataFrame, mapping: Mapping) -> float:
    """Months of 250/12 working days from the first to the last creation day (inclusive).

    Marketing leads set the window when there are any: inquiries arrive every working day, while
    a rep's prospect may be logged the next morning.
    """
    marketing = leads[leads["marketing"]] if leads["marketing"].any() else leads
    first = np.datetime64(marketing["created"].min(), "D")
    last = np.datetime64(marketing["created"].max(), "D")
    days = np.busday_count(first, last + np.timedelta64(1, "D"), weekmask=mapping.weekmask)
    return max(int(days), 1) / WORKING_DAYS_PER_MONTH


def median_with_se(values: np.ndarray) -> tuple[float, float]:
    """Median and a distribution-free SE from the order statistics of its 95% interval."""
    x = np.sort(values)
    n = len(x)
    half = Z95 * math.sqrt(n) / 2
    low, high = max(int(math.floor(n / 2 - half)), 0), min(int(math.ceil(n / 2 + half)), n - 1)
    return float(np.median(x)), float(x[high] - x[low]) / (2 * Z95)


def observed_moments(leads: pd.DataFrame, mapping: Mapping) -> tuple[dict[str, Moment], float]:
    """The funnel moments of a validated export, with counts as sample sizes, and the months."""
    months = window_months(leads, mapping)
    mkt = leads[leads["marketing"]]
    rank = mkt["stage"]
    counts = {name: int((rank >= STAGES[name]).sum()) for name in ("mql", "sal", "sql")}
    out: dict[str, Moment] = {}
    if (rank == STAGES["inquiry"]).any():
        out["inquiries_per_month"] = volume_moment("inquiries_per_month", len(mkt) / months, months)
        out["mql_rate"] = rate_moment("mql_rate", counts["mql"] / len(mkt), len(mkt))
    if counts["mql"]:
        out["mqls_per_month"] = volume_moment("mqls_per_month", counts["mql"] / months, months)
        out["mql_to_sal"] = rate_moment("mql_to_sal", counts["sal"] / counts["mql"], counts["mql"])
    if counts["sal"]:
        out["sal_to_sql"] = rate_moment("sal_to_sql", counts["sql"] / counts["sal"], counts["sal"])
    closed_mkt = int((mkt["won"] | mkt["lost"]).sum())
    if closed_mkt:
        out["sql_to_won"] = rate_moment("sql_to_won", int(mkt["won"].sum()) / closed_mkt, closed_mkt)
    closed = int((leads["won"] | leads["lost"]).sum())
    if closed:
        out["win_rate"] = rate_moment("win_rate", int(leads["won"].sum()) / closed, closed)
    delays = response_hours(mkt[rank >= STAGES["mql"]], mapping)
    if len(delays):
        median, se = median_with_se(delays)
        out["median_response_hours"] = median_moment("median_response_hours", median, len(delays), se)
    return out, months


def direct_values(leads: pd.DataFrame, mapping: Mapping) -> dict[str, float]:
    """Deal terms read straight off the export: mean won amount, mean working days to close."""
    values: dict[str, float] = {}
    amounts = leads.loc[leads["won"], "amount"].dropna()
    amounts = amounts[amounts > 0]
    if len(amounts):
        values["deal_value_mean"] = float(amounts.mean())
    closed = leads[(leads["won"] | leads["lost"]) & leads["closed"].notna()]
    if len(closed):
        origin = np.datetime64(leads["created"].min(), "D")
        hours = working_hours(closed["closed"], mapping, origin) - working_hours(
            closed["created"], mapping, origin
        )
        values["sales_cycle_days_mean"] = float(np.clip(np.mean(hours) / mapping.hours_per_day, 1, 500))
    return values


def load_crm(path: str | Path, mapping_path: str | Path) -> Observed:
    """Read an export with its mapping and return the observed moments and direct values."""
    mapping = load_mapping(mapping_path)
    leads = read_export(path, mapping)
    moments, months = observed_moments(leads, mapping)
    where = _label(Path(path))
    if not leads["marketing"].any():
        raise CrmError(f"{where}: no marketing-sourced leads; allowed: an export with marketing leads")
    if "mqls_per_month" not in moments:
        raise CrmError(
            f"{where}: column {mapping.columns['stage']!r}: no marketing-sourced lead reached the MQL "
            "stage, so there is no funnel to fit; allowed: an export with marketing leads at stage "
            "mql or beyond (the mapping's [stages])"
        )
    return Observed(
        name=Path(path).stem,
        source=where,
        moments=moments,
        known=direct_values(leads, mapping),
        months=months,
        figures={
            "export": where,
            "mapping": _label(Path(mapping_path)),
            "rows": len(leads),
            "months": months,
            "moments": {k: {"value": m.value, "n": m.n} for k, m in moments.items()},
        },
    )


# ---------------------------------------------------------------------- synthetic exports
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


def export_from_leads(
    leads: Any, hours_per_day: float, mapping: Mapping, start: str = "2025-01-06"
) -> pd.DataFrame:
    """A CRM export of a finished run's leads, in the mapping's column names and values.

    The inverse of `read_export`: lead-clock hour h is working day h // H from `start` (a
    business day), at the mapping's day start plus h mod H. Used to make the example exports and
    the recovery tests, so that an export's moments can be checked against the run's own.
    """
    leads = leads.select(leads.created_hour >= 0)  # a CRM holds the recorded days, not the burn-in
    n = leads.n
    origin = np.datetime64(start, "D")

    def stamp(hours: np.ndarray) -> pd.Series:
        ok = np.isfinite(hours)
        day = np.floor(np.where(ok, hours, 0) / hours_per_day).astype(np.int64)
        date = np.busday_offset(origin, day, roll="forward", weekmask=mapping.weekmask)
        within = np.where(ok, hours, 0) - day * hours_per_day
        seconds = np.round((mapping.day_start_hour + within * mapping.hours_per_day / hours_per_day) * 3600)
        times = date.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
        text = pd.Series(times).dt.strftime(_strftime(mapping)).where(ok, "")
        return text

    stage = np.array([MODEL_STAGES[int(s)] for s in leads.stage], dtype=object)
    stage = np.where((leads.source != 0) & (stage == "mql"), "inquiry", stage)  # prospects are no MQLs
    if "sal" not in mapping.stages.values():  # a CRM without the stage records the next one down
        stage = np.where(stage == "sal", "mql", stage)
    inverse_stage = {v: k for k, v in reversed(mapping.stages.items())}
    inverse_source = {v: k for k, v in reversed(mapping.sources.items())}
    deal = np.isin(stage, ("sql", "opportunity", "won", "lost"))
    closed_hours = np.where(leads.closed_day >= 0, (leads.closed_day + 1) * hours_per_day - 1e-6, np.nan)
    cols = mapping.columns
    table = {
        cols["created"]: stamp(leads.created_hour),
        cols["first_contact"]: stamp(leads.first_attempt_hour),
        cols["stage"]: [inverse_stage[s] for s in stage],
        cols["amount"]: np.where(deal, np.round(leads.value, 2).astype(str), ""),
        cols["source"]: [inverse_source["marketing" if s == 0 else "sales"] for s in leads.source],
    }
    if "won" in cols:
        table[cols["won"]] = np.where(stage == "won", mapping.won_true[0], mapping.won_false[0])
    if "closed" in cols:
        table[cols["closed"]] = stamp(closed_hours)
    return pd.DataFrame(table).iloc[:n]


def _strftime(mapping: Mapping) -> str:
    return "%Y-%m-%d %H:%M:%S" if mapping.datetime_format == ISO else mapping.datetime_format
