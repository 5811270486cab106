"""CRM exports (one row per lead, optionally a deals file joined by id) turned into observed moments.

A consultant rarely gets clean funnel figures; they get an export, as it comes. A mapping TOML
(`sim.calibration.mapping`, format in docs/CALIBRATION.md) says which column is which. Everything
is checked before anything is computed: a missing or duplicated column, an unparseable date, a
negative amount, an empty file, a first contact before creation, an unknown stage, status or
source value, a duplicated id, or a deal whose id matches no lead each raise one `CrmError` line
naming the file, the data row (1-based, the header is line 1, so row N is file line N + 1 when no
field spans lines) and the column.

Canonical stages, in funnel order: inquiry < mql < sal < sql < opportunity < won | lost. A
lead's stage is the furthest it reached; a status (or a deal) says whether it was won or lost. A
moment the export cannot give (no response times, no lost deals, no amounts) is left out of the
fit and named in `Observed.left_out` with the reason. Response times are working hours (business
hours of the mapping's working day), the model's lead clock.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.mapping import ISO, STAGES, CrmError, Mapping, load_mapping
from sim.calibration.observed import (
    WORKING_DAYS_PER_MONTH,
    Z95,
    Moment,
    Observed,
    median_moment,
    rate_moment,
    volume_moment,
)
from sim.model.params import suggest
from sim.model.scenario import _label

__all__ = ["CrmError", "load_crm", "load_mapping", "read_export"]
DATE_RANGE = "1677-09-22 to 2262-04-11"  # what pandas' nanosecond timestamps can hold
SQL = STAGES["sql"]


# ---------------------------------------------------------------------- the export
def read_export(path: str | Path, mapping: Mapping, deals: str | Path | None = None) -> pd.DataFrame:
    """Read and validate an export (and its deals file): one row per lead in canonical columns.

    Returns:
        Columns created, first_contact, closed (datetimes, NaT when empty or absent), stage
        (canonical rank), lost (bool), won (bool), amount (float, NaN when empty or absent),
        marketing (bool; every lead when there is no source column).

    Raises:
        CrmError: The first problem found, naming the file, data row and column.
    """
    where = _label(Path(path))
    raw = _read_csv(Path(path), where)
    cols = mapping.columns
    _check_columns(where, raw, cols, "columns")
    created = _dates(where, raw, cols["created"], mapping, required=True)
    first = _optional_dates(where, raw, cols.get("first_contact"), mapping, created, cols["created"])
    closed = _optional_dates(where, raw, cols.get("closed"), mapping, created, cols["created"])
    if "stage" in cols:
        stage = _mapped(where, raw, cols["stage"], mapping.stages, "the mapping's [stages] values")
    else:
        stage = pd.Series(mapping.default_stage, index=raw.index)
    status = (
        _mapped(where, raw, cols["status"], mapping.statuses, "the mapping's [statuses] values")
        if ("status" in cols)
        else pd.Series("open", index=raw.index)
    )
    won = _won(where, raw, cols["won"], mapping) if "won" in cols else (stage == "won") | (status == "won")
    rank = stage.map(STAGES).astype(int)
    leads = pd.DataFrame(
        {
            "created": created,
            "first_contact": first,
            "closed": closed,
            "stage": np.where(won, STAGES["won"], rank).astype(int),
            "lost": ((stage == "lost") | ((status == "lost") & (rank >= SQL))) & ~won,
            "won": won,
            "amount": _amounts(where, raw, cols["amount"]) if "amount" in cols else np.nan,
            "marketing": _marketing(where, raw, cols, mapping),
        }
    )
    if "id" in cols:
        leads.index = _ids(where, raw, cols["id"])
    if deals is not None:
        leads = _joined(leads, Path(deals), mapping, where)
    return leads.reset_index(drop=True)


def _marketing(where: str, raw: pd.DataFrame, cols: dict[str, str], mapping: Mapping) -> pd.Series:
    if "source" not in cols:
        return pd.Series(True, index=raw.index)  # no source column: every lead is marketing's
    source = _mapped(where, raw, cols["source"], mapping.sources, "the mapping's [sources] values")
    return source == "marketing"


def _check_columns(where: str, raw: pd.DataFrame, cols: dict[str, str], table: str) -> None:
    for key, column in cols.items():
        if column not in raw.columns:
            found = ", ".join(repr(c) for c in raw.columns)
            raise CrmError(
                f"{where}: column {column!r} ({key}) missing{suggest(column, raw.columns)}; "
                f"allowed: the mapping's {table}.{key}; the file has {found}"
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
    _no_duplicated_headers(path, where)
    if raw.empty:
        raise CrmError(f"{where}: no data rows (only a header); allowed: one row per lead")
    return raw


def _no_duplicated_headers(path: Path, where: str) -> None:
    """Refuse a header that names a column twice (pandas would silently rename one to `x.1`)."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        header = [name.strip() for name in next(csv.reader(file), [])]
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise CrmError(
                f"{where}: header: columns {seen[name]} and {position} are both named {name!r}; "
                "allowed: each column name once (rename or drop one in the export)"
            )
        seen[name] = position


def _where_row(where: str, index: int, column: str) -> str:
    return f"{where}: row {index + 1} (line {index + 2}), column {column!r}"


def _refuse_first_bad(
    where: str, column: str, text: pd.Series, checks: Sequence[tuple[pd.Series, str]], allowed: str
) -> None:
    """One error line at the first row of the first failed check (`problem` formats the row's text).

    Raises:
        CrmError: Some row fails a check.
    """
    for mask, problem in checks:
        if mask.any():
            i = int(np.flatnonzero(mask.to_numpy())[0])
            raise CrmError(
                f"{_where_row(where, i, column)}: {problem.format(text.iloc[i])}; allowed: {allowed}"
            )


def _ids(where: str, raw: pd.DataFrame, column: str) -> pd.Index:
    ids = raw[column].str.strip()
    checks = ((ids == "", "empty id"), (ids.duplicated(), "duplicated id {!r}"))
    _refuse_first_bad(where, column, ids, checks, "one row per id, every id given once")
    return pd.Index(ids)


def _joined(leads: pd.DataFrame, path: Path, mapping: Mapping, leads_where: str) -> pd.DataFrame:
    """The leads with their deals: a deal marks its lead an SQL at least, won or lost, with its close."""
    where = _label(path)
    cols = mapping.deal_columns
    if not cols:
        raise CrmError(
            f"{where}: the mapping has no [deals.columns]; allowed: id and closed in [deals.columns]"
        )
    raw = _read_csv(path, where)
    _check_columns(where, raw, cols, "deals.columns")
    ids = _ids(where, raw, cols["id"])
    unknown = ~ids.isin(leads.index)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise CrmError(
            f"{_where_row(where, i, cols['id'])}: id {ids[i]!r} matches no lead in {leads_where}; "
            f"allowed: ids of the leads' column {mapping.columns['id']!r}"
        )
    closed = _dates(where, raw, cols["closed"], mapping, required=True)
    closed.index = ids
    created = leads.loc[ids, "created"].set_axis(raw.index)
    _not_before(
        where, created, closed.set_axis(raw.index), cols["closed"], mapping, mapping.columns["created"]
    )
    status = (
        _mapped(where, raw, cols["status"], mapping.statuses, "the mapping's [statuses] values")
        if "status" in cols
        else pd.Series("won", index=raw.index)  # no status: the file lists won deals
    ).set_axis(ids)
    out = leads.copy()
    out.loc[ids, "won"] = out.loc[ids, "won"].to_numpy() | (status == "won").to_numpy()
    out.loc[ids, "lost"] = (status == "lost").to_numpy() & ~out.loc[ids, "won"].to_numpy()
    out.loc[ids, "closed"] = closed.to_numpy()
    out.loc[ids, "stage"] = np.where(
        out.loc[ids, "won"], STAGES["won"], np.maximum(out.loc[ids, "stage"], SQL)
    )
    if "amount" in cols:
        out.loc[ids, "amount"] = _amounts(where, raw, cols["amount"]).to_numpy()
    return out


def _optional_dates(
    where: str,
    raw: pd.DataFrame,
    column: str | None,
    mapping: Mapping,
    created: pd.Series,
    created_column: str,
) -> pd.Series:
    if column is None:
        return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    later = _dates(where, raw, column, mapping, required=False)
    _not_before(where, created, later, column, mapping, created_column)
    return later


def _dates(where: str, raw: pd.DataFrame, column: str, mapping: Mapping, *, required: bool) -> pd.Series:
    text = raw[column].str.strip()
    fmt = mapping.date_format(column)
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
        raise CrmError(
            f"{_where_row(where, i, column)}: {problem}; allowed: {allowed} "
            f"([datetime] format, or this column's own in [datetime.columns])"
        )
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


def _not_before(
    where: str, created: pd.Series, later: pd.Series, column: str, mapping: Mapping, created_column: str
) -> None:
    """Refuse a time before creation; a date-only column is compared with the creation day."""
    start = created.dt.normalize() if mapping.date_only(column) else created
    bad = (later < start).to_numpy()
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
    checks = (
        (amount.isna() & (text != ""), "cannot read {!r} as a number"),
        (amount < 0, "negative amount {!r}"),
    )
    _refuse_first_bad(where, column, text, checks, "a number >= 0 (plain digits, '.' for decimals), or empty")
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


def observed_moments(
    leads: pd.DataFrame, mapping: Mapping, has_deals: bool = False
) -> tuple[dict[str, Moment], float, dict[str, str]]:
    """The funnel moments of a validated export (counts as sample sizes), the months, what is left out.

    A moment the export cannot give is not invented: it is named in the third value with why.
    """
    months = window_months(leads, mapping)
    mkt = leads[leads["marketing"]]
    rank = mkt["stage"]
    counts = {name: int((rank >= STAGES[name]).sum()) for name in ("mql", "sal", "sql")}
    out: dict[str, Moment] = {}
    left: dict[str, str] = {}
    if (rank == STAGES["inquiry"]).any():
        out["inquiries_per_month"] = volume_moment("inquiries_per_month", len(mkt) / months, months)
        out["mql_rate"] = rate_moment("mql_rate", counts["mql"] / len(mkt), len(mkt))
    else:
        left["inquiries_per_month"] = left["mql_rate"] = "no marketing lead at stage inquiry (MQLs only)"
    if counts["mql"]:
        out["mqls_per_month"] = volume_moment("mqls_per_month", counts["mql"] / months, months)
        _stage_rates(out, left, counts, mapping)
        _won_rates(out, left, leads, mkt, counts["mql"], mapping, has_deals)
    _response(out, left, mkt[rank >= STAGES["mql"]], mapping)
    return out, months, left


def _stage_rates(
    out: dict[str, Moment], left: dict[str, str], counts: dict[str, int], mapping: Mapping
) -> None:
    if "stage" not in mapping.columns:
        left["mql_to_sal"] = left["sal_to_sql"] = "no stage column (default_stage)"
    elif "sal" not in mapping.stages.values():
        left["mql_to_sal"] = left["sal_to_sql"] = "no export value maps to stage sal in [stages]"
    else:
        out["mql_to_sal"] = rate_moment("mql_to_sal", counts["sal"] / counts["mql"], counts["mql"])
        if counts["sal"]:
            out["sal_to_sql"] = rate_moment("sal_to_sql", counts["sql"] / counts["sal"], counts["sal"])


def _won_rates(
    out: dict[str, Moment],
    left: dict[str, str],
    leads: pd.DataFrame,
    mkt: pd.DataFrame,
    mqls: int,
    mapping: Mapping,
    has_deals: bool,
) -> None:
    can_win = (
        has_deals
        or "won" in mapping.columns
        or "won" in {*mapping.stages.values(), *mapping.statuses.values()}
    )
    if can_win:
        won_mqls = int((mkt["won"] & (mkt["stage"] >= STAGES["mql"])).sum())
        out["mql_to_won"] = rate_moment("mql_to_won", won_mqls / mqls, mqls)
    else:
        left["mql_to_won"] = "the export cannot say a lead was won (no won column, stage, status or deals)"
    if not mapping.can_record_loss():
        reason = "the export cannot say a deal was lost (no stage or status value maps to lost)"
        left["sql_to_won"] = left["win_rate"] = reason
        return
    closed_mkt = int((mkt["won"] | mkt["lost"]).sum())
    if closed_mkt:
        out["sql_to_won"] = rate_moment("sql_to_won", int(mkt["won"].sum()) / closed_mkt, closed_mkt)
    closed = int((leads["won"] | leads["lost"]).sum())
    if closed:
        out["win_rate"] = rate_moment("win_rate", int(leads["won"].sum()) / closed, closed)


def _response(out: dict[str, Moment], left: dict[str, str], mqls: pd.DataFrame, mapping: Mapping) -> None:
    first, created = mapping.columns.get("first_contact"), mapping.columns["created"]
    name = "median_response_hours"
    if first is None:
        left[name] = "no first_contact column"
    elif mapping.date_only(first) or mapping.date_only(created):
        column = first if mapping.date_only(first) else created
        left[name] = (
            f"column {column!r} holds dates only, no time of day (format {mapping.date_format(column)!r})"
        )
    else:
        delays = response_hours(mqls, mapping)
        if len(delays):
            median, se = median_with_se(delays)
            out[name] = median_moment(name, median, len(delays), se)


def direct_values(leads: pd.DataFrame, mapping: Mapping) -> tuple[dict[str, float], dict[str, str]]:
    """Deal terms read straight off the export: mean won amount, mean working days to close."""
    values: dict[str, float] = {}
    left: dict[str, str] = {}
    amounts = leads.loc[leads["won"], "amount"].dropna()
    amounts = amounts[amounts > 0]
    if len(amounts):
        values["deal_value_mean"] = float(amounts.mean())
    else:
        left["deal_value_mean"] = "no amounts of won deals: the base scenario's deal size is kept"
    closed = leads[(leads["won"] | leads["lost"]) & leads["closed"].notna()]
    if len(closed):
        origin = np.datetime64(leads["created"].min(), "D")
        column = mapping.deal_columns.get("closed", mapping.columns.get("closed", ""))
        end_of_day = mapping.hours_per_day if mapping.date_only(column) else 0.0  # a date: closed that day
        hours = working_hours(closed["closed"], mapping, origin) + end_of_day
        hours = hours - working_hours(closed["created"], mapping, origin)
        values["sales_cycle_days_mean"] = float(np.clip(np.mean(hours) / mapping.hours_per_day, 1, 500))
    else:
        left["sales_cycle_days_mean"] = (
            "no close dates of won or lost deals: the base scenario's cycle is kept"
        )
    return values, left


def load_crm(path: str | Path, mapping_path: str | Path, deals: str | Path | None = None) -> Observed:
    """Read an export (and its deals file) with its mapping; return the observed moments and direct values."""
    mapping = load_mapping(mapping_path)
    where = _label(Path(path))
    if deals is not None and "id" not in mapping.columns:
        raise CrmError(
            f"{_label(Path(mapping_path))}: columns.id: missing (needed with --deals); "
            "allowed: the leads' column header of the id the deals file refers to"
        )
    leads = read_export(path, mapping, deals)
    moments, months, left = observed_moments(leads, mapping, deals is not None)
    if not leads["marketing"].any():
        raise CrmError(f"{where}: no marketing-sourced leads; allowed: an export with marketing leads")
    if "mqls_per_month" not in moments:
        raise CrmError(
            f"{where}: column {mapping.columns.get('stage', 'default_stage')!r}: no marketing-sourced lead "
            "reached the MQL stage, so there is no funnel to fit; allowed: an export with marketing leads "
            "at stage mql or beyond (the mapping's [stages])"
        )
    known, left_direct = direct_values(leads, mapping)
    source = where if deals is None else f"{where} + {_label(Path(deals))}"
    return Observed(
        name=Path(path).stem,
        source=source,
        moments=moments,
        known=known,
        months=months,
        figures={
            "export": where,
            "deals": None if deals is None else _label(Path(deals)),
            "mapping": _label(Path(mapping_path)),
            "rows": len(leads),
            "months": months,
            "moments": {k: {"value": m.value, "n": m.n} for k, m in moments.items()},
        },
        left_out={**left, **left_direct},
    )
