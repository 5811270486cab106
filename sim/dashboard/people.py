"""The people view: every rep and marketer of a run, as a small-multiples table (Mesa's agent idiom).

Mesa's SolaraViz portrays agents one by one; this model has no space to draw them on, so each
person is a row of a table, read from the model's Mesa agents (`SalesRep`, `Marketer`,
`HybridStaff`) and the team arrays they stand for: a rep's queue, open deals, trust in marketing and
the do-it-yourself collateral they built; a marketer's split of hours and trust in sales. Hybrids,
who are a row on both sides, are marked on both. Read-only accessors written here, so the model
gains nothing for the page's sake.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.agents import HybridStaff, Marketer, SalesRep
from sim.model.leads import Collateral
from sim.model.model import SalesMarketingModel

REP_COLUMNS = ("person", "hybrid", "queue", "open_deals", "trust", "diy_assets")
MARKETER_COLUMNS = ("person", "hybrid", "marketing_hours", "sales_hours", "trust")


@dataclass(frozen=True)
class People:
    """One run's people at one moment: a table of reps and one of marketers (copies, not views)."""

    label: str
    reps: pd.DataFrame
    marketers: pd.DataFrame


def _names(model: SalesMarketingModel, side: str) -> list[str]:
    """'rep 3', 'marketer 1', 'hybrid 2': the model's Mesa agents, numbered per kind from 1.

    A hybrid (`HybridStaff`) is one person with a row on both sides: hybrid k on the rep side is
    hybrid k on the marketer side.
    """
    kind = SalesRep if side == "reps" else Marketer
    rows = sorted(a.index for a in model.agents if isinstance(a, kind))
    hybrids = sorted(
        (a.rep_index if side == "reps" else a.marketer_index)
        for a in model.agents
        if isinstance(a, HybridStaff)
    )
    names = [""] * getattr(model, side).size
    for k, row in enumerate(rows):
        names[row] = f"{'rep' if side == 'reps' else 'marketer'} {k + 1}"
    for k, row in enumerate(hybrids):
        names[row] = f"hybrid {k + 1}"
    return names


def rep_table(model: SalesMarketingModel) -> pd.DataFrame:
    """One row per rep (hybrids included): queue, open deals, trust, DIY assets built since day 0."""
    reps, leads = model.reps, model.leads
    size = reps.size

    def per_rep(rows: np.ndarray) -> np.ndarray:
        owners = leads.owner[rows]
        return np.bincount(owners[owners >= 0], minlength=size)[:size]

    diy = np.flatnonzero((leads.collateral == Collateral.DIY) & (leads.request_day >= 0))
    return pd.DataFrame(
        {
            "person": _names(model, "reps"),
            "hybrid": reps.is_hybrid.copy(),
            "queue": per_rep(model.queue_idx),
            "open_deals": per_rep(model.opp_idx),
            "trust": reps.trust.copy(),
            "diy_assets": per_rep(diy),
        },
        columns=list(REP_COLUMNS),
    )


def marketer_table(model: SalesMarketingModel) -> pd.DataFrame:
    """One row per marketer (hybrids included): share of hours in marketing and in sales, trust."""
    marketers = model.marketers
    return pd.DataFrame(
        {
            "person": _names(model, "marketers"),
            "hybrid": marketers.is_hybrid.copy(),
            "marketing_hours": marketers.hours_share.copy(),
            "sales_hours": 1 - marketers.hours_share,
            "trust": marketers.trust.copy(),
        },
        columns=list(MARKETER_COLUMNS),
    )


def people(label: str, model: SalesMarketingModel) -> People:
    """The people of one run now."""
    return People(label, rep_table(model), marketer_table(model))


# ---------------------------------------------------------------------- as HTML
TRUST_COLOURS = ("#d62728", "#ff7f0e", "#2ca02c")  # low, middling, high trust


def _bar(share: float, colour: str, text: str) -> str:
    width = f"{100 * min(max(share, 0.0), 1.0):.0f}%"
    return (
        f'<div class="sim-bar" style="position:relative;background:#eee;min-width:90px;height:18px">'
        f'<div style="width:{width};height:100%;background:{colour}"></div>'
        f'<span style="position:absolute;left:4px;top:0;font-size:13px">{html.escape(text)}</span></div>'
    )


def _trust_cell(trust: float) -> str:
    colour = TRUST_COLOURS[0 if trust < 0.4 else 1 if trust < 0.6 else 2]
    return _bar(trust, colour, f"{trust:.2f}")


def _person_cell(name: str, hybrid: bool) -> str:
    badge = ' <span class="sim-hybrid" title="hybrid: works on both sides">◆ hybrid</span>' if hybrid else ""
    return html.escape(name) + badge


def _table(head: list[str], rows: list[list[str]], css: str) -> str:
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><tr>{header}</tr>{body}</table>'


def people_html(view: People) -> str:
    """Reps and marketers of one run as two tables, hybrids marked; every name escaped."""
    reps = [
        [
            _person_cell(r.person, r.hybrid),
            f"{r.queue:d}",
            f"{r.open_deals:d}",
            _trust_cell(r.trust),
            f"{r.diy_assets:d}",
        ]
        for r in view.reps.itertuples()
    ]
    marketers = [
        [
            _person_cell(m.person, m.hybrid),
            _bar(
                m.marketing_hours,
                "#9467bd",
                f"{100 * m.marketing_hours:.0f}% mkt / {100 * m.sales_hours:.0f}% sales",
            ),
            _trust_cell(m.trust),
        ]
        for m in view.marketers.itertuples()
    ]
    rep_head = ["rep", "leads in queue", "open deals", "trust in marketing", "DIY assets"]
    marketer_head = ["marketer", "hours: marketing / sales", "trust in sales"]
    return (
        f'<div class="sim-people-run"><b>{html.escape(view.label)}</b>'
        f'<div class="sim-people-tables">{_table(rep_head, reps, "sim-reps")}'
        f"{_table(marketer_head, marketers, 'sim-marketers')}</div></div>"
    )


PEOPLE_CSS = """
.sim-people-tables { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; }
.sim-people-tables table { border-collapse: collapse; font-size: 14px; }
.sim-people-tables th { text-align: left; padding: 2px 8px 2px 0; font-weight: 500; }
.sim-people-tables td { padding: 1px 8px 1px 0; }
.sim-hybrid { color: #9467bd; font-weight: 600; }
"""
