"""Every module path and dotted name that the README and docs/ mention exists.

Moved code must leave no stale pointer in the documentation.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PATH = re.compile(r"\b(?:sim|tests)/[\w/]*\w(?:\.[a-z]+)?/?")
DOTTED = re.compile(r"\bsim(?:\.[A-Za-z_]\w*)+")


def _mentions(pattern: re.Pattern) -> list[tuple[str, str]]:
    return sorted({(doc.name, m.group(0)) for doc in DOCS for m in pattern.finditer(doc.read_text("utf-8"))})


def _resolves(dotted: str) -> bool:
    """Import the longest module prefix, then look the rest up as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


@pytest.mark.parametrize(("doc", "path"), _mentions(PATH))
def test_mentioned_path_exists(doc: str, path: str) -> None:
    assert (ROOT / path).exists(), f"{doc} mentions {path}, which does not exist"


@pytest.mark.parametrize(("doc", "name"), _mentions(DOTTED))
def test_mentioned_name_resolves(doc: str, name: str) -> None:
    assert _resolves(name), f"{doc} mentions {name}, which does not resolve"
