"""Shared fixtures: the project root and a way to call the command line as a user would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CliRunner = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `python run.py ARGS` in a fresh interpreter (from another folder by default)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT.parent,
        timeout=120,
    )


@pytest.fixture(scope="session")
def cli() -> CliRunner:
    return run_cli
