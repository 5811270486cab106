"""The report's building blocks: headings, paragraphs, bullet lists, tables and figures.

The report is built once as a list of these blocks and rendered twice (`sim.reporting.render`), so
the markdown and the HTML can never say different things. The blocks hold text only, no comparison,
so the renderers need nothing but this module.
"""

from __future__ import annotations

from dataclasses import dataclass

PLOT_DIR = "plots"


@dataclass(frozen=True)
class Heading:
    """A section title."""

    level: int
    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph; `kind` is '' or 'warning' (shown boxed)."""

    text: str
    kind: str = ""


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of text cells; columns in `right` are right-aligned (numbers)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: tuple[int, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A plot stored as `plots/<name>.png` in the results folder."""

    name: str
    caption: str


Block = Heading | Para | Bullets | Table | Figure
