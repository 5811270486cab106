"""The validation suite: every pattern runs, reports what it should, and can fail.

The quick suite runs once for the module (in-process, two workers); its rows are checked for
their fields, for the patterns the issue names, and for passing where the model should pass.
Each evaluation function is also fed synthetic runs that violate its pattern, to show that the
check can fail. The command line is exercised end to end in a subprocess on two cheap patterns.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from helpers import RUN_CLI, run

from sim.cli import validate as cli_validate
from sim.model.leads import Source, Stage
from sim.model.metrics import response_decay as metrics_response_decay
from sim.model.params import MECHANISMS
from sim.validation import PATTERNS, funnel, mechanisms, meetings, response_decay, structure
from sim.validation.core import DOWN, FAIL, INFO, PASS, Arm, RunTable, Size
from sim.validation.suite import DEFAULT_SEED, METADATA_FILE, TABLE_FILE, run_suite

ISSUE_PATTERNS = ("response_decay", "funnel", "structure", "mechanisms", "meetings")
ROW_FIELDS = ("pattern", "check", "source", "target", "value", "ci_low", "ci_high", "status", "note")


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    return run_suite(quick=True, workers=2, folder=tmp_path_factory.mktemp("validate") / "v")


# ---------------------------------------------------------------------- the quick suite
def test_every_row_has_the_required_fields(suite):
    assert suite.rows
    for row in suite.rows:
        record = row.record()
        assert all(field in record for field in (*ROW_FIELDS, "passed")), record
        assert row.status in (PASS, FAIL, INFO)
        assert row.source and row.target and row.check
        assert math.isfinite(row.value), row


def test_the_issue_patterns_are_all_present(suite):
    assert tuple(PATTERNS) == ISSUE_PATTERNS
    assert {r.pattern for r in suite.rows} == set(ISSUE_PATTERNS)
    checks = {r.check for r in suite.rows}
    assert {"qualification within 1 h / at 1-2 h", "qualification within 1 h / at 24 h+"} <= checks
    assert {"MQL -> reached (SAL)", "reached (SAL) -> SQL", "SQL -> won"} <= checks
    assert "revenue: integrated - segregated" in checks
    assert "best meeting hours per week (argmax of revenue)" in checks


def test_every_mechanism_has_a_direction_row():
    assert {e.mechanism for e in mechanisms.HEADLINE} == set(MECHANISMS)


def test_each_pattern_passes_at_quick_size(suite):
    for row in suite.rows:
        if row.status != INFO:
            assert row.status == PASS, f"{row.pattern}: {row.check}: {row.value} [{row.note}]"
    assert suite.all_passed


def test_known_limits_are_shown_as_info(suite):
    mechanism_rows = [r for r in suite.rows if r.pattern == "mechanisms"]
    pairs = list(zip(mechanism_rows, mechanisms.HEADLINE, strict=True))
    follow_up = [r for r, e in pairs if e.mechanism == "follow_up" and e.column == "sals"]
    assert follow_up and all(r.status != INFO for r in follow_up), "Model 2 fixed follow-up: it is checked"
    for row in (r for r, e in pairs if e.known_limit):
        assert row.status == INFO and "shown, not checked" in row.note
        assert row.value == row.value  # a number: the trade-off is measured, only not counted


def test_shared_arms_run_once(suite):
    designs = [p.design(True) for p in PATTERNS.values()]
    asked = sum(len(d.arms) * d.size.replications for d in designs)
    assert 0 < suite.runs < asked
    assert not suite.failed


def test_results_folder_holds_table_metadata_and_plots(suite):
    table = pd.read_csv(suite.folder / TABLE_FILE)
    assert len(table) == len(suite.rows)
    assert list(table.columns[: len(ROW_FIELDS)]) == list(ROW_FIELDS)
    meta = json.loads((suite.folder / METADATA_FILE).read_text())
    assert meta["kind"] == "validate" and meta["quick"] is True
    assert meta["root_seed"] == DEFAULT_SEED and len(meta["replication_seeds"]) >= 4
    assert meta["environment"]["git"]["commit"]
    assert [p["name"] for p in meta["patterns"]] == list(ISSUE_PATTERNS)
    assert meta["all_passed"] == suite.all_passed
    for plot in ("plots/response_decay.png", "plots/meetings.png"):
        assert plot in meta["plots"]
        assert (suite.folder / plot).stat().st_size > 10_000


# ---------------------------------------------------------------------- checks can fail
def synthetic(column: str, arms: dict[Arm, list[float]]) -> tuple[RunTable, Size]:
    """A RunTable of made-up runs: one value of `column` per replication of each arm."""
    n = len(next(iter(arms.values())))
    rows = [
        {"run_id": f"{arm.key}#{i}", "replication": i, column: v}
        for arm, values in arms.items()
        for i, v in enumerate(values)
    ]
    return RunTable(pd.DataFrame(rows), lambda arm, size: [f"{arm.key}#{i}" for i in range(n)]), Size(n, 1)


def test_response_decay_fails_on_a_flat_curve():
    flat = np.zeros((3, len(response_decay.BINS), 2))
    flat[:, :, 0], flat[:, :, 1] = 1000, 100  # 10% qualify at any delay: both ratios 1
    rows = response_decay.ratio_rows([flat] * len(response_decay.FIRM_CLASSES), seed=1)
    assert [r.status for r in rows] == [FAIL, FAIL]
    assert rows[0].value == pytest.approx(1.0)


def test_response_decay_counts_match_the_metric():
    tables = [run({"sla_first_contact_hours": 0.0, "rep_response_latency_hours": h}, 1, 80, "defined").leads
              for h in (0.2, 40.0)]  # fmt: skip
    for leads, counts in zip(tables, map(response_decay.decay_counts, tables), strict=True):
        # the plain definition: first-contacted marketing leads, qualified = SQL or beyond
        contacted = (leads.source == Source.MARKETING) & ~np.isnan(leads.first_attempt_hour)
        delay = leads.first_attempt_hour[contacted] - leads.created_hour[contacted]
        qualified = np.isin(leads.stage[contacted], [Stage.SQL, Stage.OPPORTUNITY, Stage.WON, Stage.LOST])
        edges = response_decay.EDGES
        for i, name in enumerate(response_decay.BINS):
            in_bin = (delay >= edges[i]) & (delay < edges[i + 1])
            assert counts[f"decay_n_{name}"] == in_bin.sum(), name
            assert counts[f"decay_q_{name}"] == qualified[in_bin].sum(), name
    expected = metrics_response_decay(*tables)
    counts = [np.array([[[c[f"decay_n_{b}"], c[f"decay_q_{b}"]] for b in response_decay.BINS]])
              for c in map(response_decay.decay_counts, tables)]  # fmt: skip
    pooled = sum(c.sum(axis=0) for c in counts)
    rate = response_decay.rates(pooled)
    for ratio in ("ratio_1h_vs_1_2h", "ratio_1h_vs_24h_plus"):
        assert response_decay.ratio(rate, ratio) == pytest.approx(expected[ratio]), ratio
    for name in ("within_1h", "1_to_2h", "24h_plus"):
        assert pooled[response_decay.BINS.index(name), 0] == expected[f"n_{name}"], name
    assert rate[0] == pytest.approx(expected["rate_within_1h"])


def test_funnel_fails_outside_the_band():
    assert funnel.band_row("MQL -> SAL", 0.4, 0.6, [0.10, 0.12, 0.11]).status == FAIL
    assert funnel.band_row("MQL -> SAL", 0.4, 0.6, [0.50, 0.52, 0.51]).status == PASS


def test_structure_fails_when_segregated_earns_more(monkeypatch):
    table, size = synthetic(
        "revenue",
        {Arm.of("segregated"): [20.0, 21.0, 22.0], Arm.of("defined"): [1.0, 2.0, 3.0],
         Arm.of("aligned"): [1.0, 2.0, 3.0], Arm.of("integrated"): [10.0, 11.5, 12.0],
         Arm.of(structure.SWITCH): [10.0, 11.5, 12.0]},
    )  # fmt: skip
    monkeypatch.setattr(structure, "QUICK", size)
    rows = structure.evaluate(table, True, 1)
    assert rows[0].status == FAIL and rows[0].value < 0
    assert rows[1].status == FAIL and rows[1].value < 1  # integrating on day 0 earns less
    assert all(r.status == INFO for r in rows[2:])


SIZES = [(1.05, PASS), (1.4, PASS), (2.4, PASS), (2.7, FAIL), (0.9, FAIL)]


@pytest.mark.parametrize(("factor", "status"), SIZES)
def test_structure_size_is_checked_against_the_surveys(factor, status):
    """The published two-year ratios span 1.11-1.71; the check allows x1.5 above (and never below 1)."""
    stay = np.array([10.0, 11.0, 12.0])
    row = structure.size_row(stay, stay * factor)
    assert row.value == pytest.approx(factor)
    assert row.status == status
    assert pytest.approx((1.111, 1.706), abs=1e-3) == structure.BAND


def test_mechanism_direction_fails_when_wrong_or_not_significant():
    e = mechanisms.HEADLINE[0]
    assert e.direction == DOWN
    up = mechanisms.expectation_row(e, np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.1, 4.0]))
    noisy = mechanisms.expectation_row(e, np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.5, 2.9]))
    down = mechanisms.expectation_row(e, np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.1, 2.0]))
    assert (up.status, noisy.status, down.status) == (FAIL, FAIL, PASS)


def test_meetings_fail_without_an_interior_optimum():
    hours = meetings.QUICK_GRID_HOURS
    rising = {meetings.arm(h): [h + 1.0, h + 1.2, h + 0.9] for h in hours}  # more is always better
    table, size = synthetic("revenue", rising)
    rows = meetings.optimum_rows(table, size, hours, [np.mean(v) for v in rising.values()])
    assert rows[0].status == FAIL and rows[0].value == hours[-1]
    assert FAIL in {r.status for r in rows[1:]}
    flat = {meetings.arm(h): [5.0, 6.0, 7.0] if h == 2.0 else [5.1, 5.8, 7.05] for h in hours}
    table, size = synthetic("revenue", flat)  # interior peak, but within noise
    rows = meetings.optimum_rows(table, size, hours, [np.mean(v) for v in flat.values()])
    assert rows[0].status == PASS and FAIL in {r.status for r in rows[1:]}


# ---------------------------------------------------------------------- command line
def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", RUN_CLI, "validate", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_cli_json_end_to_end(tmp_path):
    done = cli("--quick", "--json", "--pattern", "funnel", "--workers", "2",
               "--out", tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["all_passed"] is True and report["quick"] is True
    assert {r["pattern"] for r in report["rows"]} == {"funnel"}
    assert all(set(ROW_FIELDS) <= set(r) for r in report["rows"])
    folder = tmp_path / report["folder"].split("/")[-1]
    assert folder.name.startswith("validate-") and folder.name.endswith(f"-seed{DEFAULT_SEED}")
    assert (folder / TABLE_FILE).is_file() and (folder / METADATA_FILE).is_file()


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["--workers", "0"], "--workers: got 0"), (["--seed", "-1"], "--seed: got -1")],
)
def test_cli_bad_input_is_one_error_line_and_writes_nothing(tmp_path, args, expected):
    out = tmp_path / "out"
    done = cli(*args, "--out", out)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("error: ") and expected in done.stderr
    assert done.stdout == "" and not out.exists()


def test_cli_constants_match_the_suite():
    assert cli_validate.DEFAULT_SEED == DEFAULT_SEED
    assert tuple(PATTERNS) == cli_validate.PATTERN_NAMES


def test_cli_help_names_the_exit_codes():
    done = cli("--help")
    assert done.returncode == 0
    assert "Exit code 0 when every check passes, 1 when any" in " ".join(done.stdout.split())
