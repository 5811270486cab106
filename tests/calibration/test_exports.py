"""Exports as they come: status apart from stage, a deals file joined by id, per-column date
formats, columns left out, and the refusals (duplicated columns or ids, deals matching no lead)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import RUN_CLI

from sim.calibration.crm import CrmError, load_crm
from sim.calibration.observed import load_observed

ROOT = Path(__file__).resolve().parents[2]
CRM_DIR = ROOT / "examples" / "crm"
PIPEDRIVE = CRM_DIR / "pipedrive_mapping.toml"
TWO_TABLE = CRM_DIR / "two_table_mapping.toml"
PD_HEADER = "Deal ID,Deal created,First activity date,Stage,Status,Value,Source channel,Deal closed on\n"
PD_WON = "D1,01/06/2025 09:10 AM,01/06/2025,Proposal Made,Won,12000,Web Form,03/03/2025 04:00 PM\n"
PD_LOST = "D2,01/06/2025 02:30 PM,01/07/2025,Negotiations Started,Lost,8000,Paid Ads,03/04/2025 11:00 AM\n"
PD_DROPPED = "D3,01/07/2025 10:00 AM,01/07/2025,Contact Made,Lost,,Webinar,\n"
PD_OPEN = "D4,01/08/2025 10:00 AM,,Inbox,Open,,Web Form,\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def pipedrive(tmp_path: Path, *rows: str, header: str = PD_HEADER) -> Path:
    return write(tmp_path, "export.csv", header + "".join(rows))


def test_status_overrides_the_stage_for_won_and_lost(tmp_path):
    """A lost deal keeps its last stage but counts as lost; a lead lost before SQL dropped out."""
    observed = load_crm(pipedrive(tmp_path, PD_WON, PD_LOST, PD_DROPPED, PD_OPEN), PIPEDRIVE)
    assert observed.moments["sql_to_won"].value == pytest.approx(0.5)  # 1 won of 2 closed deals
    assert observed.moments["sql_to_won"].n == 2
    assert observed.moments["mql_to_won"].value == pytest.approx(1 / 3)  # 3 MQLs (D1-D3), 1 won
    assert observed.moments["inquiries_per_month"].n == 4


def test_date_only_column_is_read_with_its_own_format_and_response_time_left_out(tmp_path):
    observed = load_crm(pipedrive(tmp_path, PD_WON, PD_LOST), PIPEDRIVE)
    assert "median_response_hours" not in observed.moments
    assert "dates only" in observed.left_out["median_response_hours"]
    assert "First activity date" in observed.left_out["median_response_hours"]


def test_a_date_only_first_contact_the_day_before_creation_is_refused(tmp_path):
    early = PD_WON.replace(",01/06/2025,", ",01/05/2025,")
    with pytest.raises(CrmError, match="column 'First activity date'.*before the lead was created"):
        load_crm(pipedrive(tmp_path, early), PIPEDRIVE)


def test_duplicated_column_names_are_refused(tmp_path):
    """pandas would silently rename the second 'Stage' to 'Stage.1'; the header is read as written."""
    header = PD_HEADER.replace("Source channel", "Stage")
    with pytest.raises(CrmError) as raised:
        load_crm(pipedrive(tmp_path, PD_WON, header=header), PIPEDRIVE)
    message = str(raised.value)
    assert "export.csv: header: columns 4 and 7 are both named 'Stage'" in message and "allowed:" in message


def test_duplicated_ids_are_refused(tmp_path):
    with pytest.raises(CrmError, match=r"row 2 \(line 3\), column 'Deal ID': duplicated id 'D1'"):
        load_crm(pipedrive(tmp_path, PD_WON, PD_WON.replace("Won", "Open")), PIPEDRIVE)


LEADS = "Lead ID,Created\nM1,06-01-2025 10:00\nM2,06-01-2025 11:00\nM3,07-01-2025 09:30\n"


def test_two_tables_join_by_id_with_every_deal_won_without_a_status(tmp_path):
    mapping = write(tmp_path, "m.toml", TWO_TABLE.read_text().replace('status = "Outcome"', ""))
    leads = write(tmp_path, "leads.csv", LEADS)
    deals = write(tmp_path, "deals.csv", "Lead ID,Closed on\nM2,2025-02-03\n")
    observed = load_crm(leads, mapping, deals)
    assert observed.moments["mql_to_won"].value == pytest.approx(1 / 3)
    assert observed.moments["mqls_per_month"].n == 3  # no source column: every lead is marketing's
    assert (
        "sql_to_won" not in observed.moments
        and "cannot say a deal was lost" in observed.left_out["sql_to_won"]
    )
    assert set(observed.left_out) >= {"median_response_hours", "mql_to_sal", "deal_value_mean"}


def test_two_tables_with_a_status_give_sql_to_won(tmp_path):
    leads = write(tmp_path, "leads.csv", LEADS)
    deals = write(tmp_path, "deals.csv", "Lead ID,Closed on,Outcome\nM2,2025-02-03,Won\nM3,2025-02-04,Lost\n")
    observed = load_crm(leads, TWO_TABLE, deals)
    assert observed.moments["sql_to_won"].value == pytest.approx(0.5)
    assert observed.moments["mql_to_won"].value == pytest.approx(1 / 3)


def test_a_deal_whose_id_matches_no_lead_is_refused(tmp_path):
    leads = write(tmp_path, "leads.csv", LEADS)
    deals = write(tmp_path, "deals.csv", "Lead ID,Closed on,Outcome\nM2,2025-02-03,Won\nM9,2025-02-04,Lost\n")
    with pytest.raises(CrmError) as raised:
        load_crm(leads, TWO_TABLE, deals)
    assert "deals.csv: row 2 (line 3), column 'Lead ID': id 'M9' matches no lead in" in str(raised.value)


def test_duplicated_deal_ids_are_refused(tmp_path):
    leads = write(tmp_path, "leads.csv", LEADS)
    deals = write(tmp_path, "deals.csv", "Lead ID,Closed on,Outcome\nM2,2025-02-03,Won\nM2,2025-02-04,Lost\n")
    with pytest.raises(CrmError, match="deals.csv: row 2.*duplicated id 'M2'"):
        load_crm(leads, TWO_TABLE, deals)


def test_deals_need_an_id_column_in_the_mapping(tmp_path):
    mapping = write(tmp_path, "m.toml", TWO_TABLE.read_text().replace('id = "Lead ID"\ncreated', "created"))
    with pytest.raises(CrmError, match=r"m.toml: columns.id: missing \(needed with --deals\)"):
        load_crm(
            write(tmp_path, "leads.csv", LEADS), mapping, write(tmp_path, "d.csv", "Lead ID,Closed on\n")
        )


def test_the_cli_refuses_a_duplicated_column_with_one_error_line(tmp_path):
    export = pipedrive(tmp_path, PD_WON, header=PD_HEADER.replace("Value", "Stage"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", RUN_CLI, "calibrate", str(export), "--mapping", str(PIPEDRIVE)]
    command += ["--out", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: export.csv: header: columns 4 and 6"), done.stderr
    assert not (tmp_path / "out").exists()


def test_the_examples_load_as_they_come():
    pipedrive_example = load_crm(CRM_DIR / "pipedrive_export.csv", PIPEDRIVE)
    two = load_crm(CRM_DIR / "two_table_leads.csv", TWO_TABLE, CRM_DIR / "two_table_deals.csv")
    for name in ("mqls_per_month", "mql_to_won", "sql_to_won"):  # the same company's funnel, two forms
        assert two.moments[name].value == pytest.approx(pipedrive_example.moments[name].value), name


def test_mql_to_won_in_the_figures_file(tmp_path):
    path = write(
        tmp_path, "c.toml", "months_observed = 12\n[funnel]\nmqls_per_month = 60\nmql_to_won = 0.03\n"
    )
    moment = load_observed(path).moments["mql_to_won"]
    assert moment.value == 0.03 and moment.n == pytest.approx(720)  # rests on the window's MQLs


def test_the_command_checks_deals_and_companies_before_anything_runs(tmp_path):
    import argparse

    from sim.cli.calibrate import check_calibrate_args, load_input
    from sim.model.params import ParameterError

    with pytest.raises(ParameterError, match="--deals: .*only a .csv deals file beside a .csv export"):
        load_input(ROOT / "examples" / "observed_company.toml", None, CRM_DIR / "two_table_deals.csv")
    args = argparse.Namespace(
        replications=4, days=250, seed=1, workers=1, max_evals=40, starts=4, companies=1
    )
    args.out = None
    with pytest.raises(ParameterError, match="--companies: got 1; allowed: 2 to 10000"):
        check_calibrate_args(args)
    observed = load_input(CRM_DIR / "two_table_leads.csv", TWO_TABLE, CRM_DIR / "two_table_deals.csv")
    assert "mql_to_won" in observed.moments
