"""Honest intervals: the covariance over companies, and parameters the data do not identify, by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import RUN_CLI

from sim.calibration.simulate import Dimension
from sim.calibration.uncertainty import IDENTIFIED_BY, estimates, residual_scale

ROOT = Path(__file__).resolve().parents[2]
DIMS = [Dimension("reach_per_attempt", 0.01, 1.0), Dimension("rep_response_latency_hours", 0.02, 40.0, True)]
BASE = {"reach_per_attempt": 0.75, "rep_response_latency_hours": 0.5}


def test_a_flat_column_and_an_extreme_rate_are_named_with_what_would_identify_them():
    jac = np.array([[20.0, 0.0], [3.0, 0.1]])  # latency moves no moment by one company SD
    found, condition = estimates(
        DIMS, BASE, np.array([0.5, 0.5]), jac, np.eye(2), 4, {"reach_per_attempt": []}
    )
    reach, latency = found
    assert not reach.unidentified and not reach.weak
    assert "no moment moves" in latency.unidentified and IDENTIFIED_BY[latency.name] in latency.unidentified
    assert (latency.ci_low, latency.ci_high) == (0.02, 40.0)  # not a zero-width interval
    assert condition > 100
    found, _ = estimates(
        DIMS, BASE, np.array([1.0, 0.5]), np.eye(2) * 20, np.eye(2), 4, {"reach_per_attempt": ["mql_to_sal"]}
    )
    assert "observed mql_to_sal is a rate of exactly 0 or 1" in found[0].unidentified
    assert "edge of its search range" in found[0].unidentified
    assert not found[1].unidentified


def test_the_interval_widens_with_the_variation_between_companies():
    jac = np.eye(2) * 10.0
    narrow, _ = estimates(DIMS, BASE, np.array([0.5, 0.5]), jac, np.eye(2), 4, {})
    wide, _ = estimates(DIMS, BASE, np.array([0.5, 0.5]), jac, np.eye(2) * 4, 4, {})
    for a, b in zip(narrow, wide, strict=True):
        assert b.se == pytest.approx(2 * a.se)  # four times the variance: twice the SE
    sd = np.array([1.0, 5.0])
    rows = np.random.default_rng(0).normal(size=(400, 2)) * sd
    assert residual_scale(rows, np.array([0.1, 20.0])) == pytest.approx(
        [1.0, 20.0], rel=0.1
    )  # at least the SE


def test_an_observed_rate_of_one_is_flagged_by_the_command(tmp_path):
    """The issue's case: every closed deal won (lost deals not mapped) must be said, by name."""
    figures = tmp_path / "c.toml"
    figures.write_text(
        "[team]\nn_reps = 4\nn_marketers = 2\n[funnel]\nmqls_per_month = 40\nsql_to_won = 1.0\n"
        "[sample_sizes]\nsql_to_won = 60\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", RUN_CLI, "calibrate", str(figures), "-n", "2", "--days", "40"]
    command += ["--max-evals", "4", "--starts", "0", "--companies", "4", "--workers", "1", "--seed", "1"]
    command += ["--out", str(tmp_path / "out"), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    warnings = json.loads(done.stdout)["warnings"]
    assert any(w.startswith("observed sql_to_won is 100% (60 of 60)") for w in warnings), warnings
    flagged = [w for w in warnings if w.startswith("base_win_rate is NOT IDENTIFIED")]
    assert flagged and "observed sql_to_won is a rate of exactly 0 or 1" in flagged[0], warnings
