"""CRM exports: the moments of an export equal the run's own, and malformed exports fail cleanly.

Every malformed export (missing column, unparseable date, negative amount, empty file, first
contact before creation, unknown stage) must end the command with exit code 2 and one `error:`
line naming the file, the data row and the column, and nothing may be written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import RUN_CLI, run

from sim.calibration.crm import CrmError, load_crm, load_mapping
from sim.calibration.observed import observed_from_summary
from sim.calibration.simulate import run_moments
from sim.calibration.synthetic import export_from_leads

ROOT = Path(__file__).resolve().parents[2]
CRM_DIR = ROOT / "examples" / "crm"
HUBSPOT = CRM_DIR / "hubspot_mapping.toml"
SALESFORCE = CRM_DIR / "salesforce_mapping.toml"
DAYS = 80
MEDIAN_TOLERANCE_HOURS = 0.02  # exports with minute precision round each time by up to 30 s


def calibrate_cli(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", RUN_CLI, "calibrate", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


@pytest.fixture(scope="module")
def model():
    # No burn-in: the export's moments are compared with the run's own, lead for lead.
    return run({"n_reps": 8, "n_marketers": 3, "burn_in_days": 0}, seed=5, days=DAYS, scenario="defined")


@pytest.mark.parametrize("mapping", [HUBSPOT, SALESFORCE], ids=["hubspot", "salesforce"])
def test_export_moments_equal_the_runs_own(model, mapping, tmp_path):
    """A synthetic export read back gives the run's funnel exactly (median up to rounding)."""
    path = tmp_path / "export.csv"
    export_from_leads(model.leads, model.hours_per_day, load_mapping(mapping)).to_csv(path, index=False)
    observed = load_crm(path, mapping)
    summary = {
        **model.summary(),
        **run_moments(model.summary(), model.leads, model.hours_per_day, DAYS, DAYS),
    }
    truth = observed_from_summary(summary, DAYS).moments
    assert observed.months == pytest.approx(DAYS / (250 / 12))
    for name, moment in observed.moments.items():
        tolerance = MEDIAN_TOLERANCE_HOURS if name == "median_response_hours" else 1e-9
        assert moment.value == pytest.approx(truth[name].value, abs=tolerance), name
        assert moment.n == pytest.approx(truth[name].n, abs=1), name
    assert set(observed.moments) == set(truth)
    assert observed.known["deal_value_mean"] > 0


def test_example_exports_agree_with_each_other():
    a = load_crm(CRM_DIR / "hubspot_export.csv", HUBSPOT)
    b = load_crm(CRM_DIR / "salesforce_export.csv", SALESFORCE)
    for name in a.moments:
        tolerance = MEDIAN_TOLERANCE_HOURS if name == "median_response_hours" else 1e-9
        assert a.moments[name].value == pytest.approx(b.moments[name].value, abs=tolerance), name


HEADER = "Create Date,Time of First Engagement,Lifecycle Stage,Amount,Original Source,Close Date\n"
GOOD = "2025-01-06 09:10:00,2025-01-06 09:40:00,Customer,12000,Paid Search,2025-03-01 10:00:00\n"
MALFORMED = {
    "missing_column": (
        HEADER.replace("Amount,", "") + GOOD.replace("12000,", ""),
        ["column 'Amount' (amount) missing", "the file has"],
    ),
    "unparseable_date": (
        HEADER + GOOD + "2025-13-45 09:00:00,,Lead,,Paid Search,\n",
        ["row 2 (line 3), column 'Create Date'", "cannot read '2025-13-45 09:00:00' as a date"],
    ),
    "negative_amount": (
        HEADER + GOOD + GOOD.replace("12000", "-50"),
        ["row 2 (line 3), column 'Amount'", "negative amount '-50'", "a number >= 0"],
    ),
    "empty_file": ("", ["empty file"]),
    "placeholder_date_9999": (  # OutOfBoundsDatetime tracebacks before
        HEADER + GOOD + GOOD.replace("2025-03-01 10:00:00", "9999-12-31 00:00:00"),
        ["row 2 (line 3), column 'Close Date': '9999-12-31 00:00:00' is outside the dates", "or empty"],
    ),
    "no_marketing_mqls": (  # a TypeError in crm.response_hours before
        HEADER + "2025-01-06 09:10:00,,Subscriber,,Paid Search,\n",
        ["column 'Lifecycle Stage': no marketing-sourced lead reached the MQL stage", "allowed:"],
    ),
    "first_contact_before_creation": (
        HEADER + GOOD + GOOD + "2025-01-07 10:00:00,2025-01-07 08:00:00,Lead,,Paid Search,\n",
        ["row 3 (line 4), column 'Time of First Engagement'", "before the lead was created"],
    ),
}
IN_PROCESS = {  # the same checks, without paying for a subprocess each
    "header_only": (HEADER, ["no data rows"]),
    "unknown_stage": (
        HEADER + GOOD.replace("Customer", "Evangelist"),
        ["row 1 (line 2), column 'Lifecycle Stage'", "unknown value 'Evangelist'", "allowed:"],
    ),
    "unknown_source": (
        HEADER + GOOD.replace("Paid Search", "Carrier Pigeon"),
        ["row 1 (line 2), column 'Original Source'", "unknown value 'Carrier Pigeon'"],
    ),
    "placeholder_date_0001": (
        HEADER + GOOD.replace("2025-01-06 09:10:00", "0001-01-01 00:00:00"),
        ["row 1 (line 2), column 'Create Date': '0001-01-01 00:00:00' is outside the dates"],
    ),
    "one_row_uncontacted_mql": (
        HEADER + "2025-01-06 09:10:00,,Marketing Qualified Lead,,Paid Search,\n",
        None,  # loads: one MQL, never contacted (no response time to measure)
    ),
    "only_sales_leads": (
        HEADER + GOOD.replace("Paid Search", "Sales Prospecting"),
        ["export.csv: no marketing-sourced leads"],
    ),
    "unreadable_amount": (HEADER + GOOD.replace("12000", "12k"), ["cannot read '12k' as a number"]),
    "bad_first_contact_date": (
        HEADER + GOOD.replace("2025-01-06 09:40:00", "soon"),
        ["row 1 (line 2), column 'Time of First Engagement': cannot read 'soon' as a date"],
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_export_is_one_error_line_exit_2_nothing_written(case, tmp_path):
    text, expected = MALFORMED[case]
    export = tmp_path / "export.csv"
    export.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    done = calibrate_cli(export, "--mapping", HUBSPOT, "--out", out, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: export.csv: "), done.stderr
    for part in expected:
        assert part in lines[0], lines[0]
    assert not out.exists()


@pytest.mark.parametrize("case", list(IN_PROCESS))
def test_malformed_export_names_row_and_column(case, tmp_path):
    text, expected = IN_PROCESS[case]
    export = tmp_path / "export.csv"
    export.write_text(text, encoding="utf-8")
    if expected is None:
        assert load_crm(export, HUBSPOT).moments
        return
    with pytest.raises(CrmError) as raised:
        load_crm(export, HUBSPOT)
    message = str(raised.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, message


def test_csv_without_mapping_is_refused(tmp_path):
    done = calibrate_cli(CRM_DIR / "hubspot_export.csv", "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2 and "needs --mapping" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('created = "Create Date"', "", "columns.created: missing"),
        ('stage = "Lifecycle Stage"', "", "columns.stage: missing (and no default_stage)"),
        ("[columns]", "[colums]", "colums: unknown key (did you mean 'columns'"),
        (
            '"Customer" = "won"',
            '"Customer" = "wonn"',
            "stages.Customer: unknown value 'wonn' (did you mean 'won'?)",
        ),
        (
            'day_start = "09:00"',
            'day_start = "9am"',
            "working_hours.day_start: cannot read '9am' as a time of day",
        ),
    ],
)
def test_bad_mapping_names_file_and_key(tmp_path, old, new, expected):
    good = HUBSPOT.read_text(encoding="utf-8")
    assert old in good
    path = tmp_path / "mapping.toml"
    path.write_text(good.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CrmError) as raised:
        load_mapping(path)
    assert expected in str(raised.value)
    assert "mapping.toml: " in str(raised.value)
