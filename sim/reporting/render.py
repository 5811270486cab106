"""Rendering report blocks as GitHub-flavoured markdown and as one self-contained HTML page.

Both renderers read the same blocks (`sim.reporting.blocks`), which is what keeps `report.md` and
`report.html` saying the same thing. The HTML page inlines its CSS and its plots (base64), so a
consultant can mail or print the one file with nothing missing and nothing fetched from the web.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path

from sim.reporting.blocks import PLOT_DIR, Block, Bullets, Figure, Heading, Para, Table


def render_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as GitHub-flavoured markdown."""
    return "\n\n".join(_md(b) for b in blocks) + "\n"


def _md(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + block.text
    if isinstance(block, Para):
        return f"> {block.text}" if block.kind == "warning" else block.text
    if isinstance(block, Bullets):
        return "\n".join(f"- {item}" for item in block.items)
    if isinstance(block, Table):
        return _md_table(block)
    return f"![{block.caption}]({PLOT_DIR}/{block.name}.png)\n\n*{block.caption}*"


def _md_table(t: Table) -> str:
    def cells(row: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"

    rule = ["---:" if i in t.right else "---" for i in range(len(t.header))]
    return "\n".join([cells(t.header), "|" + "|".join(rule) + "|", *(cells(r) for r in t.rows)])


# ---------------------------------------------------------------------- HTML
CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
  max-width: 62rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #4c72b0; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .88rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; vertical-align: top; }
th { background: #eef2f8; text-align: left; }
tr:nth-child(even) td { background: #fafafa; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
code { font-family: Menlo, Consolas, monospace; font-size: .9em; background: #f3f3f3; padding: 0 .2em; }
.warning { background: #fff4e0; border-left: 4px solid #e39b1b; padding: .5rem .8rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #555; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  table, figure, .warning { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_html(blocks: Sequence[Block], title: str, plot_dir: Path) -> str:
    """Render blocks as a standalone HTML document (no external requests)."""
    body = "\n".join(_html(b, plot_dir) for b in blocks)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def inline_html(text: str) -> str:
    """Escape text and turn the markdown we write (**bold**, *italic*, `code`) into tags."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"<em>\1</em>", out)


def _html(block: Block, plot_dir: Path) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{inline_html(block.text)}</h{block.level}>"
    if isinstance(block, Para):
        cls = f' class="{block.kind}"' if block.kind else ""
        return f"<p{cls}>{inline_html(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>\n" + "\n".join(f"<li>{inline_html(i)}</li>" for i in block.items) + "\n</ul>"
    if isinstance(block, Table):
        return _html_table(block)
    return _html_figure(block, plot_dir)


def _html_table(t: Table) -> str:
    head = "".join(f"<th>{inline_html(h)}</th>" for h in t.header)

    def row(cells: Sequence[str]) -> str:
        return (
            "<tr>"
            + "".join(
                f'<td class="num">{inline_html(c)}</td>' if i in t.right else f"<td>{inline_html(c)}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )

    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(map(row, t.rows))
        + "\n</tbody>\n</table>"
    )


def _html_figure(f: Figure, plot_dir: Path) -> str:
    path = plot_dir / f"{f.name}.png"
    if not path.is_file():
        return f"<p><em>(plot {html.escape(f.name)} not available)</em></p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    alt = html.escape(f.caption)
    return (
        f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">'
        f"<figcaption>{inline_html(f.caption)}</figcaption></figure>"
    )
