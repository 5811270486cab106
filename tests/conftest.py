"""Shared fixtures: the project root and a way to call the command line as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# NumPy picks its exp/log/power kernels by CPU at import: AVX-512 machines get kernels whose results
# differ in the last bit from the AVX2 ones. Tests (and the runs they start) use the AVX2 kernels on
# every x86-64 machine, so the golden digests do not depend on which machine runs them. This must be
# set before anything imports numpy; subprocesses inherit it.
os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL AVX512_SPR")

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
