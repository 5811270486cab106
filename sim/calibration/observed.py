"""A company's observed figures: the targets a calibration fits the model to.

Two input forms end in the same `Observed` object: a TOML file of figures a client can quote
(read here) and a CRM export with one row per lead (`sim.calibration.crm`). Loading is as strict as scenario
loading (`sim.model.scenario`), for the same reason: a silently ignored typo would make a calibration
fit the wrong target. Every problem raises an `ObservedError` whose one-line message names the
file, the key, the problem and what is allowed.

File format (every table and key optional unless said; `docs/CALIBRATION.md` has the details)::

    name = "northwind"               # optional, defaults to the file name
    description = "..."
    months_observed = 12             # the window the figures cover (default 12)

    [team]                           # n_reps, n_marketers, n_hybrid
    [marketing]                      # budget_per_year, revenue_target_per_year
    [funnel]                         # inquiries_per_month, mqls_per_month, mql_to_sal, sal_to_sql,
                                     # sql_to_won, win_rate, mql_to_won, median_response_hours
    [deals]                          # average_deal_size, sales_cycle_days
    [sample_sizes]                   # counts behind [funnel] figures (default: from the volumes)
    [known]                          # any scenario parameter known for this company
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.calibration.errors import input_error, reraised_as
from sim.model.params import ParameterError, parameter_fields, suggest
from sim.model.scenario import _checked, _label, _read_toml

WORKING_DAYS_PER_MONTH = 250 / 12  # the model's year is 250 working days (sim.model.model)
DEFAULT_MONTHS_OBSERVED = 12.0
MEDIAN_SE_FACTOR = 1 / math.log(2)  # SE(median) = m / (ln 2 sqrt n) for exponential delays
Z95 = 1.959963984540054

VOLUMES: tuple[str, ...] = ("inquiries_per_month", "mqls_per_month")
RATES: tuple[str, ...] = ("mql_rate", "mql_to_sal", "sal_to_sql", "sql_to_won", "win_rate", "mql_to_won")
MOMENT_NAMES: tuple[str, ...] = (*VOLUMES, *RATES, "median_response_hours")

TEAM_KEYS: tuple[str, ...] = ("n_reps", "n_marketers", "n_hybrid")
MARKETING_KEYS: tuple[str, ...] = ("budget_per_year", "revenue_target_per_year")
FUNNEL_KEYS: tuple[str, ...] = (*VOLUMES, "mql_to_sal", "sal_to_sql", "sql_to_won", "win_rate", "mql_to_won")
FUNNEL_KEYS = (*FUNNEL_KEYS, "median_response_hours")
DEAL_KEYS: tuple[str, ...] = ("average_deal_size", "sales_cycle_days")
TABLES: dict[str, tuple[str, ...]] = {
    "team": TEAM_KEYS,
    "marketing": MARKETING_KEYS,
    "funnel": FUNNEL_KEYS,
    "deals": DEAL_KEYS,
    "sample_sizes": FUNNEL_KEYS,
}
TOP_LEVEL_KEYS: tuple[str, ...] = ("name", "description", "months_observed", *TABLES, "known")
DIRECT: dict[str, str] = {"average_deal_size": "deal_value_mean", "sales_cycle_days": "sales_cycle_days_mean"}


class ObservedError(ParameterError):
    """Observed figures that cannot be used; the message is one line: where, key, problem, allowed."""


_error = functools.partial(input_error, cls=ObservedError)


@dataclass(frozen=True)
class Moment:
    """One observed figure the fit targets, with its sampling uncertainty.

    Attributes:
        name: A name of MOMENT_NAMES; the model's output column where there is one.
        value: The observed value (per month for volumes, a share for rates, working hours).
        se: Its standard error, from `n` (binomial for rates, Poisson for volumes).
        n: The count it rests on: leads or deals in the denominator, or the total volume.
    """

    name: str
    value: float
    se: float
    n: float

    @property
    def ci(self) -> tuple[float, float]:
        """Normal 95% interval, clipped to [0, 1] for rates and to >= 0 otherwise."""
        low, high = self.value - Z95 * self.se, self.value + Z95 * self.se
        top = 1.0 if self.name in RATES else math.inf
        return max(low, 0.0), min(high, top)


@dataclass(frozen=True)
class Observed:
    """What is known of a company: moments to fit and parameter values known directly.

    Attributes:
        name: The company (file name or `name` key).
        source: The file(s) it was read from, for messages and metadata.
        moments: The figures to fit, by moment name.
        known: Parameter values taken as given (team sizes, budget, deal terms, [known]).
        months: Length of the observation window in months of 250/12 working days.
        figures: Everything as given, for metadata.json.
        left_out: Moments (or direct values) the input cannot give, with why: said, never invented.
    """

    name: str
    source: str
    moments: dict[str, Moment]
    known: dict[str, Any] = field(default_factory=dict)
    months: float = DEFAULT_MONTHS_OBSERVED
    figures: dict[str, Any] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------- standard errors
def rate_moment(name: str, value: float, n: float) -> Moment:
    """A share with its binomial SE; a 0 or 1 share gets the SE of half a success (not 0)."""
    count = max(n, 2.0)
    p = min(max(value, 0.5 / count), 1 - 0.5 / count)
    return Moment(name, value, math.sqrt(p * (1 - p) / count), n)


def volume_moment(name: str, per_month: float, months: float) -> Moment:
    """A count per month with its Poisson SE over the window (at least one event)."""
    total = max(per_month * months, 1.0)
    return Moment(name, per_month, math.sqrt(total) / months, total)


def median_moment(name: str, value: float, n: float, se: float | None = None) -> Moment:
    """A median delay; without a measured SE, that of exponential delays, m / (ln 2 sqrt n)."""
    if se is None:
        se = MEDIAN_SE_FACTOR * value / math.sqrt(max(n, 1.0))
    return Moment(name, value, max(se, 1e-3), n)


def default_counts(funnel: dict[str, float], months: float) -> dict[str, float]:
    """The counts behind each figure when the file gives none, chained down the funnel.

    MQL->SAL rests on the MQLs of the window (the inquiries when only those are given, 100 a
    month when neither is); each later rate's denominator is the previous stage's count, closed
    deals are taken as the SQL count, and the median response rests on the MQLs (most are
    contacted). These are the
    counts a CRM export would give exactly; a file that knows better sets [sample_sizes].
    """
    inquiries = funnel.get("inquiries_per_month", math.nan) * months
    mqls = funnel.get("mqls_per_month", math.nan) * months
    base = mqls if not math.isnan(mqls) else inquiries
    if math.isnan(base):
        base = 100 * months  # no volume at all: assume 100 MQLs a month (documented)
    sals = base * funnel.get("mql_to_sal", 0.5)
    sqls = sals * funnel.get("sal_to_sql", 0.5)
    return {
        "inquiries_per_month": inquiries,
        "mqls_per_month": mqls,
        "mql_rate": inquiries,
        "mql_to_sal": base,
        "sal_to_sql": sals,
        "sql_to_won": sqls,
        "win_rate": sqls,
        "median_response_hours": base,
        "mql_to_won": base,
    }


def moments_from_figures(
    funnel: dict[str, float], months: float, counts: dict[str, float]
) -> dict[str, Moment]:
    """Turn [funnel] figures and their counts into moments (MQL rate derived from two volumes)."""
    out: dict[str, Moment] = {}
    for name in VOLUMES:
        if name in funnel:
            total = counts.get(name, funnel[name] * months)
            out[name] = volume_moment(name, funnel[name], total / funnel[name])
    if "inquiries_per_month" in funnel and "mqls_per_month" in funnel:
        rate = funnel["mqls_per_month"] / funnel["inquiries_per_month"]
        out["mql_rate"] = rate_moment("mql_rate", rate, counts["mql_rate"])
    for name in ("mql_to_sal", "sal_to_sql", "sql_to_won", "win_rate", "mql_to_won"):
        if name in funnel:
            out[name] = rate_moment(name, funnel[name], counts[name])
    if "median_response_hours" in funnel:
        name = "median_response_hours"
        out[name] = median_moment(name, funnel[name], counts[name])
    return out


# ---------------------------------------------------------------------- loading
def load_observed(path: str | Path) -> Observed:
    """Load and validate an observed-figures TOML file.

    Raises:
        ObservedError: Unknown key (with the closest valid keys), wrong type, value out of range,
            a known parameter that does not exist or is out of range, or no figure to fit.
    """
    path = Path(path)
    where = _label(path)
    if not path.is_file():
        raise _error(where, None, "file not found", "an existing .toml file of observed figures")
    with reraised_as(ObservedError):
        doc = _read_toml(path)
    _check_keys(where, doc)
    months = _number(where, "months_observed", doc.get("months_observed", DEFAULT_MONTHS_OBSERVED), 0.1, 1200)
    tables = {t: _table(where, t, doc.get(t, {})) for t in TABLES}
    funnel = tables["funnel"]
    _check_consistent(where, funnel)
    counts = default_counts(funnel, months)
    counts.update({k: v for k, v in tables["sample_sizes"].items()})
    if "mql_rate" not in tables["sample_sizes"] and "inquiries_per_month" in tables["sample_sizes"]:
        counts["mql_rate"] = tables["sample_sizes"]["inquiries_per_month"]
    moments = moments_from_figures(funnel, months, counts)
    if not moments:
        raise _error(where, "funnel", "no figure to fit", "at least one of " + ", ".join(FUNNEL_KEYS))
    known = _known_values(where, tables, doc.get("known", {}))
    return Observed(
        name=_text(where, "name", doc.get("name", path.stem)),
        source=where,
        moments=moments,
        known=known,
        months=months,
        figures={k: v for k, v in doc.items() if k != "description"},
    )


def _check_keys(where: str, doc: dict[str, Any]) -> None:
    for key, value in doc.items():
        if key not in TOP_LEVEL_KEYS:
            owner = next((t for t, keys in TABLES.items() if key in keys), None)
            if owner:
                raise _error(where, key, f"belongs in [{owner}]", f"put it under [{owner}]")
            raise _error(where, key, f"unknown key{suggest(key, TOP_LEVEL_KEYS)}", ", ".join(TOP_LEVEL_KEYS))
        if key in (*TABLES, "known") and not isinstance(value, dict):
            raise _error(where, key, f"must be a table [{key}]", f"a [{key}] section")


def _check_consistent(where: str, funnel: dict[str, float]) -> None:
    """Refuse figures that contradict each other, now rather than after the whole fit.

    Every MQL was an inquiry first, so more MQLs than inquiries (an MQL rate above 100%) is a
    typo or two figures from different sources; the fit would chase a rate the model cannot
    reach and the report's plot fail at the end.
    """
    inquiries, mqls = funnel.get("inquiries_per_month"), funnel.get("mqls_per_month")
    if inquiries is not None and mqls is not None and mqls > inquiries:
        raise _error(
            where,
            "funnel.mqls_per_month",
            f"{mqls:,.6g} MQLs a month is more than the {inquiries:,.6g} inquiries a month "
            f"(an MQL rate of {mqls / inquiries:.0%})",
            "at most funnel.inquiries_per_month: every MQL was an inquiry first",
        )


def unreachable_volume(observed: Observed, moment: str, cost: tuple[float, float, float]) -> ObservedError:
    """The error for a lead volume no allowed cost per inquiry produces with the base's budget.

    Inquiries are marketing spend over cost per inquiry, so with the base scenario's budget the
    allowed costs `(low, high)` bound the volume a calibration can reach; `cost[2]` is the cost
    that would match the observed figure. Named like any other bad figure: file and key.

    Args:
        observed: The company's figures.
        moment: inquiries_per_month or mqls_per_month.
        cost: (low, high, needed) cost per inquiry.
    """
    low, high, needed = cost
    value = observed.moments[moment].value
    reachable = (value * needed / high, value * needed / low)
    key = f"funnel.{moment}" if observed.source.endswith(".toml") else moment
    return _error(
        observed.source,
        key,
        f"{readable(value)} leads a month would need a cost per inquiry of {readable(needed)}, "
        f"outside the allowed {readable(low)} to {readable(high)} at the base scenario's budget",
        f"about {readable(reachable[0])} to {readable(reachable[1])} leads a month with this budget "
        "(or set marketing.budget_per_year and revenue_target_per_year)",
    )


def readable(value: float) -> str:
    """Three significant digits, with thousands separators and no exponent: 519,000 or 0.519."""
    rounded = float(f"{value:.3g}")
    return f"{rounded:,.0f}" if abs(rounded) >= 100 else f"{rounded:g}"


def _parameter_range(name: str) -> tuple[float, float]:
    """(low, high) of a model parameter, from its `param()` metadata in `sim.model.params`.

    A figure that becomes a parameter value must be allowed exactly what the parameter allows:
    a wider range would pass here and fail later inside the fit, a narrower one would reject a
    company the model can represent.
    """
    meta = parameter_fields()[name][1].metadata
    return meta["low"], meta["high"]


# Allowed ranges of each figure: (low, high, what it is). Figures that set a parameter (the team,
# the revenue target, the deal terms through DIRECT) take its range; the others are no parameter.
RANGES: dict[str, tuple[float, float, str]] = {
    "n_reps": (*_parameter_range("n_reps"), "a whole number of people"),
    "n_marketers": (*_parameter_range("n_marketers"), "a whole number of people"),
    "n_hybrid": (*_parameter_range("n_hybrid"), "a whole number of people"),
    # Not a parameter: it becomes marketing_budget_share, a share of the revenue target, only
    # once the base scenario is known (resolve_known); here it is just a non-negative amount.
    "budget_per_year": (0, 1e12, "currency a year"),
    "revenue_target_per_year": (*_parameter_range("revenue_target_per_year"), "currency a year"),
    # Funnel figures are moments the model produces, not parameters: plausible bounds of a company.
    "inquiries_per_month": (0.01, 1e7, "leads a month"),
    "mqls_per_month": (0.01, 1e7, "leads a month"),
    "mql_to_sal": (0, 1, "a share"),
    "sal_to_sql": (0, 1, "a share"),
    "sql_to_won": (0, 1, "a share"),
    "win_rate": (0, 1, "a share"),
    "mql_to_won": (0, 1, "a share of the window's MQLs won within it"),
    "median_response_hours": (0, 2000, "working hours"),
    "average_deal_size": (*_parameter_range(DIRECT["average_deal_size"]), "currency"),
    "sales_cycle_days": (*_parameter_range(DIRECT["sales_cycle_days"]), "working days"),
}


def _table(where: str, name: str, table: dict[str, Any]) -> dict[str, float]:
    out = {}
    for key, value in table.items():
        location = f"{name}.{key}"
        if key not in TABLES[name]:
            raise _error(where, location, f"unknown key{suggest(key, TABLES[name])}", ", ".join(TABLES[name]))
        if name == "sample_sizes":
            out[key] = _number(where, location, value, 1, 1e12)
            continue
        low, high, what = RANGES[key]
        out[key] = _number(where, location, value, low, high, what, whole=key in TEAM_KEYS)
    return out


def _number(
    where: str, key: str, value: Any, low: float, high: float, what: str = "", *, whole: bool = False
) -> float:
    kind = "a whole number" if whole else "a number"
    allowed = f"{kind} from {low:g} to {high:g}" + (f" ({what})" if what else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _error(where, key, f"wrong type: got {value!r}", allowed)
    if whole and not float(value).is_integer():
        raise _error(where, key, f"not a whole number: {value!r}", allowed)
    if not (low <= value <= high) or math.isnan(value):
        raise _error(where, key, f"out of range: {value:,.6g}", allowed)
    return int(value) if whole else float(value)


def _text(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _error(where, key, f"must be a string, got {value!r}", 'a quoted string "..."')
    return value


def _known_values(where: str, tables: dict[str, dict[str, float]], known: dict[str, Any]) -> dict[str, Any]:
    """Parameter values the figures give directly, then [known]; each checked like a scenario key."""
    values: dict[str, Any] = dict(tables["team"])
    values.update({DIRECT[k]: v for k, v in tables["deals"].items()})
    marketing = tables["marketing"]
    if "revenue_target_per_year" in marketing:
        values["revenue_target_per_year"] = marketing["revenue_target_per_year"]
    if "budget_per_year" in marketing:
        values["marketing_budget_per_year"] = marketing["budget_per_year"]  # resolved against the base
    for key, value in known.items():
        with reraised_as(ObservedError):
            values[key] = _checked(where, "known", key, value)  # name and value, as in a scenario file
    return values


def resolve_known(observed: Observed, base_values: dict[str, Any]) -> dict[str, Any]:
    """Parameter overrides for the base scenario: the budget becomes a share of the revenue target.

    Raises:
        ObservedError: The budget exceeds the largest allowed share (0.5) of the revenue target.
    """
    values = dict(observed.known)
    budget = values.pop("marketing_budget_per_year", None)
    if budget is not None:
        target = values.get("revenue_target_per_year", base_values["revenue_target_per_year"])
        share = budget / target
        if share > 0.5:
            raise _error(
                observed.source,
                "marketing.budget_per_year",
                f"{budget:g} is {share:.0%} of the revenue target {target:g}",
                "at most 50% of marketing.revenue_target_per_year (set it to the company's target)",
            )
        values["marketing_budget_share"] = share
    return values


def observed_from_summary(
    summary: dict[str, float], days: int, name: str = "synthetic", known: dict[str, Any] | None = None
) -> Observed:
    """The moments a company whose CRM saw exactly one model run would report (for recovery tests).

    Counts come from the run, so the standard errors are those of a CRM export of it.
    """
    months = days / WORKING_DAYS_PER_MONTH
    closed_mkt = summary["marketing_deals_won"] + summary["marketing_deals_lost"]
    moments = {
        "inquiries_per_month": volume_moment("inquiries_per_month", summary["inquiries"] / months, months),
        "mqls_per_month": volume_moment("mqls_per_month", summary["mqls"] / months, months),
        "mql_rate": rate_moment("mql_rate", summary["mql_rate"], summary["inquiries"]),
        "mql_to_sal": rate_moment("mql_to_sal", summary["mql_to_sal"], summary["mqls"]),
        "sal_to_sql": rate_moment("sal_to_sql", summary["sal_to_sql"], summary["sals"]),
        "sql_to_won": rate_moment("sql_to_won", summary["sql_to_won"], closed_mkt),
        "win_rate": rate_moment(
            "win_rate", summary["win_rate"], summary["deals_won"] + summary["deals_lost"]
        ),
        "median_response_hours": median_moment(
            "median_response_hours", summary["median_response_hours"], summary["first_contacts"]
        ),
    }
    if "mql_to_won" in summary:  # not a model summary figure: sim.calibration.simulate adds it
        moments["mql_to_won"] = rate_moment("mql_to_won", summary["mql_to_won"], summary["mqls"])
    return Observed(name, name, moments, dict(known or {}), months, {"summary": dict(summary)})
