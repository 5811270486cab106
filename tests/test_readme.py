"""The README stays true: its Python example runs, its TOML example loads, its commands exist."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import pytest

from sim.cli.main import build_parser
from sim.model.scenario import SCENARIO_DIR, load_scenario

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    """The fenced code blocks of one language, in order."""
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_python_example_runs(capsys):
    (code,) = blocks("python")
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    result = namespace["result"]
    assert result.days == 100 and result.seed == 42
    assert result.scenario.params.levers.sla_first_contact_hours == 2.0
    assert len(namespace["monthly"]) == 5
    assert "revenue" in capsys.readouterr().out


def test_toml_example_loads(tmp_path):
    (text,) = blocks("toml")
    shutil.copy(SCENARIO_DIR / "segregated.toml", tmp_path / "segregated.toml")
    path = tmp_path / "example.toml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.params.levers.n_reps == 12
    assert scenario.interventions[0].day == 126
    assert scenario.interventions[0].change.change_cost == 150_000


def test_the_two_commands_are_up_front():
    head = README.split("## Quick tour")[0]
    assert "bash scripts/setup.sh && .venv/bin/python run.py " in head  # the headline comparison
    assert "bash scripts/setup.sh && .venv/bin/python -m pytest" in head


def test_ci_runs_the_readme_test_command():
    """CI runs the README's two steps, each on its own line so a failed set-up stops it (tests/test_ci.py)."""
    lines = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text().splitlines()
    setup, tests = lines.index("bash scripts/setup.sh"), lines.index(".venv/bin/python -m pytest")
    assert setup < tests


def commands() -> list[str]:
    return re.findall(r"run\.py (\w+)", "\n".join(blocks("bash")))


@pytest.mark.parametrize("command", sorted(set(commands())))
def test_readme_commands_exist(command):
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert command in subparsers.choices


def test_readme_names_shipped_scenarios_only():
    named = set(re.findall(r"run\.py run (\w+)\b(?!\.toml)", README))
    assert named and named <= {p.stem for p in SCENARIO_DIR.glob("*.toml")}
