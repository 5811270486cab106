""".ci/run stops when set-up fails: the tests cannot be skipped with ruff deciding the exit code.

Under `set -e`, a failing command on the left of `&&` does not end the script; with
`bash scripts/setup.sh && .venv/bin/python -m pytest` a failed set-up skipped the tests and the
script went on to ruff, whose success made CI pass with no test run. The script runs here in a
copy of the project where set-up, Python, ruff and chromium are stubs that record their calls.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fake_project(tmp_path: Path, setup_code: int) -> tuple[Path, Path, dict[str, str]]:
    """A folder with .ci/run, and stubs that append their name and arguments to calls.log."""
    project, log = tmp_path / "project", tmp_path / "calls.log"
    (project / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "run", project / ".ci" / "run")
    stub = f'#!/usr/bin/env bash\necho "$(basename "$0") $*" >> {log}\n'
    (project / "scripts").mkdir()
    (project / "scripts" / "setup.sh").write_text(
        stub.replace("#!/usr/bin/env bash\n", "") + f"exit {setup_code}\n"
    )
    bins = {project / ".venv" / "bin": ("python", "ruff"), tmp_path / "bin": ("chromium",)}
    for folder, names in bins.items():
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_text(stub)
            (folder / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    return project, log, env


def test_a_failed_setup_fails_ci_before_tests_and_lint(tmp_path):
    project, log, env = fake_project(tmp_path, setup_code=3)
    done = subprocess.run(["bash", ".ci/run"], cwd=project, env=env, capture_output=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert log.read_text().split("\n")[0].startswith("setup.sh")
    assert "ruff" not in log.read_text() and "python" not in log.read_text()


def test_a_good_setup_runs_the_tests_then_lint(tmp_path):
    project, log, env = fake_project(tmp_path, setup_code=0)
    done = subprocess.run(["bash", ".ci/run"], cwd=project, env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls == ["setup.sh ", "python -m pytest", "ruff check .", "ruff format --check ."], calls


def test_the_test_command_stands_on_its_own_line_as_the_readme_documents():
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ".venv/bin/python -m pytest" in lines
    assert ".venv/bin/python -m pytest" in (ROOT / "README.md").read_text()
