"""The key-figures panel: status line, KPIs of every run and the user's lever changes, as HTML.

Plain functions from a `DashboardModel` to text, so the panel's numbers and its escaping (scenario
names come from files) can be checked without a browser; `sim.dashboard.components.KeyFigures`
only shows the result.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

from sim.dashboard.inputs import format_value, label_of
from sim.dashboard.plots import RUN_COLOURS

if TYPE_CHECKING:
    from sim.dashboard.runs import DashboardModel


KPIS: tuple[tuple[str, str, str], ...] = (
    # label, summary key (or "now:<daily field>" for today's level), format
    ("Revenue to date", "revenue", "money"),
    ("Deals won (all sources)", "deals_won", "count"),
    ("Deals won, marketing-sourced", "marketing_deals_won", "count"),
    ("Deals won, rep-sourced", "sourced_deals_won", "count"),
    ("Win rate", "win_rate", "share"),
    ("MQL → reached", "mql_to_sal", "share"),
    ("MQLs never contacted (rejected included)", "never_contacted_share", "share"),
    ("Median response time", "median_response_hours", "hours"),
    ("DIY assets", "diy_assets", "count"),
    ("Brand consistency (now)", "now:brand_consistency", "index"),
    ("Trust sales → marketing (now)", "now:trust_sales_in_marketing", "index"),
    ("Trust marketing → sales (now)", "now:trust_marketing_in_sales", "index"),
    ("Selling time", "selling_time_share", "share"),
)


def _fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return {
        "money": f"{value:,.0f}",
        "count": f"{value:,.0f}",
        "share": f"{100 * value:.1f} %",
        "hours": f"{value:.1f} h",
        "index": f"{value:.2f}",
    }[kind]


def kpi_table(model: DashboardModel) -> list[list[str]]:
    """Rows of [label, value of each run] for the key-figures panel."""
    rows = []
    for label, key, kind in KPIS:
        cells = [label]
        for run in model.runs:
            if model.day == 0:
                cells.append("–")
            elif key.startswith("now:"):
                cells.append(_fmt(run.model.daily[key[4:]][-1], kind))
            else:
                cells.append(_fmt(run.totals()[key], kind))
        rows.append(cells)
    return rows


def status_line(model: DashboardModel) -> str:
    """'Day 63 of 500 (week 13)', or that the run has reached its horizon."""
    day = model.day
    text = f"Day {day} of {model.horizon} (week {math.ceil(day / 5)}, seed {model.seed})"
    return text + ": finished, press Reset to run again" if day >= model.horizon else text


def change_text(model: DashboardModel, change: tuple[int, str, str, object]) -> str:
    """'day 10: Shared goals = 50%', naming the run when two run side by side."""
    day, label, name, value = change
    where = f" ({label})" if len(model.runs) > 1 else ""
    return f"day {day}: {label_of(name)} = {format_value(name, value)}{where}"


STEADY_STATES_NOTE = (
    "Each run starts from its own structure's steady state, as if the firm had always been organised "
    "so: the gap between two structures here is the long run's, larger than a firm sees by switching. "
    "For what a switch would bring a client, run a scenario that switches (integrate_on_day_0, "
    "integrate_at_month_6) beside the structure it starts from, or the headline comparison "
    "(python run.py), which does that over plausible worlds."
)
"""Shown under two different structures side by side: what their gap means, and what it does not."""


def comparison_note(model: DashboardModel) -> str:
    """The steady-states note when two runs of different structures run side by side; else empty."""
    if len(model.runs) < 2 or model.runs[0].scenario.name == model.runs[1].scenario.name:
        return ""
    style = "margin-top:6px;color:#555"
    return f'<div class="sim-compare-note" style="{style}">{html.escape(STEADY_STATES_NOTE)}</div>'


def kpi_html(model: DashboardModel) -> str:
    """The key-figures panel as an HTML table (values escaped: scenario names come from files)."""
    head = "".join(
        f'<th style="text-align:right;color:{c};padding:0 8px">{html.escape(r.label)}</th>'
        for c, r in zip(RUN_COLOURS, model.runs, strict=False)
    )
    body = "".join(
        "<tr>"
        + f'<td style="padding:1px 8px 1px 0">{html.escape(row[0])}</td>'
        + "".join(f'<td style="text-align:right;padding:1px 8px">{html.escape(c)}</td>' for c in row[1:])
        + "</tr>"
        for row in kpi_table(model)
    )
    changes = "; ".join(change_text(model, change) for change in model.changes[-6:])
    return (
        f'<div style="font-size:14px"><b class="sim-status">{html.escape(status_line(model))}</b>'
        f'<table style="margin-top:6px;border-collapse:collapse"><tr><th></th>{head}</tr>{body}</table>'
        f'<div class="sim-changes" style="margin-top:6px;color:#555">Your lever changes: '
        f"{html.escape(changes) if changes else 'none yet'}</div>{comparison_note(model)}</div>"
    )
