"""The package layout keeps the design's shape: layers whose imports point one way, small rooms.

See docs/ARCHITECTURE.md. These checks read the source with `ast`, so they see lazy imports
inside functions as well as the ones at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

# A module may import its own layer and the layers below it (a lower rank), never a higher one.
LAYERS: dict[str, int] = {
    "sim.model": 0,
    "sim.api": 1,
    "sim.output": 1,
    "sim.odd": 1,
    "sim.experiments": 2,
    "sim.calibration": 3,
    "sim.validation": 3,
    "sim.reporting": 4,
    "sim.dashboard": 5,
    "sim.cli": 6,
}
MAX_TOP_LEVEL_MODULES = 6
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    found = {}
    for path in sorted(SIM.rglob("*.py")):
        parts = path.relative_to(SIM.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def layer(name: str) -> str | None:
    """The layer a dotted module name belongs to (None for the `sim` package itself)."""
    matches = [key for key in LAYERS if name == key or name.startswith(key + ".")]
    return max(matches, key=len) if matches else None


def imported(path: Path) -> set[str]:
    """The `sim` modules a file imports, anywhere in it."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "sim" or name.startswith("sim.")}


def test_every_module_has_a_layer():
    assert [name for name in modules() if name != "sim" and layer(name) is None] == []


def test_few_modules_stay_directly_in_sim():
    top = [p.name for p in SIM.glob("*.py")]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


@pytest.mark.parametrize("name", sorted(n for n in modules() if n != "sim"))
def test_imports_point_down(name):
    own = LAYERS[layer(name)]
    upward = []
    for target in imported(modules()[name]):
        target_layer = layer(target)
        if target_layer is not None and LAYERS[target_layer] > own:
            upward.append(target)
    assert upward == [], f"{name} (rank {own}) imports a higher layer"


def test_no_import_cycle_between_packages():
    graph: dict[str, set[str]] = {}
    for name, path in modules().items():
        if name == "sim":
            continue
        src = layer(name)
        graph.setdefault(src, set()).update(
            t for t in (layer(i) for i in imported(path)) if t is not None and t != src
        )

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph.get(start, ())
        )

    assert [pkg for pkg in graph if reaches(pkg, pkg, set())] == []


def test_command_modules_share_helpers_through_a_module_of_their_own():
    init = SIM / "cli" / "__init__.py"
    body = ast.parse(init.read_text()).body
    assert all(isinstance(node, ast.Expr) for node in body), "sim/cli/__init__.py holds no code"


@pytest.mark.parametrize("name", sorted(modules()))
def test_module_size(name):
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines"


@pytest.mark.parametrize("name", sorted(modules()))
def test_function_size(name):
    tree = ast.parse(modules()[name].read_text())
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_tests_mirror_the_packages():
    """Each folder of tests/ is named after a package of sim/, and each package with code has one."""
    tests = SIM.parent / "tests"
    folders = {p.name for p in tests.iterdir() if p.is_dir() and not p.name.startswith((".", "_", "golden"))}
    packages = {p.parent.name for p in SIM.glob("*/__init__.py")}
    assert folders == packages, f"tests/ folders {sorted(folders)} vs sim/ packages {sorted(packages)}"
