"""Every output describes itself (issue 14 point 4): labels, parameters, integer counts, --set, --csv.

Read as a user reads them: the CSV files of run, compare and sweep, from a subprocess.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from sim.model.metrics import COUNTS
from sim.model.scenario import load_scenario
from sim.output import integer_counts, overrides_label

DAYS = "20"


def only_folder(out):
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def assert_integer_counts(path):
    """Every count column of a CSV is written without a decimal point and read back as integers."""
    table = pd.read_csv(path)
    counts = [c for c in table.columns if c in COUNTS]
    assert counts, "no count column to check"
    for name in counts:
        assert pd.api.types.is_integer_dtype(table[name]), (path.name, name, table[name].dtype)
    return table


# ---------------------------------------------------------------------- run
def test_a_set_run_has_its_own_folder_and_says_what_it_set(cli, tmp_path):
    out = tmp_path / "out"
    plain = cli("run", "integrated", "--seed", "4", "--days", DAYS, "--out", out / "plain", "--quiet")
    given = cli(
        "run", "integrated", "--seed", "4", "--days", DAYS, "--set", "n_reps=12", "--csv",
        "--out", out / "set", "--quiet",
    )  # fmt: skip
    assert plain.returncode == 0 and given.returncode == 0, plain.stderr + given.stderr
    plain_dir, set_dir = only_folder(out / "plain"), only_folder(out / "set")
    assert plain_dir.name.startswith("run-integrated-2")  # scenario, then the time stamp
    assert set_dir.name.startswith("run-integrated-set-n_reps-12-")
    assert plain_dir.name.split("-seed")[-1] == set_dir.name.split("-seed")[-1] == "4"

    row = assert_integer_counts(set_dir / "summary.csv").iloc[0]
    assert list(row.index[:3]) == ["scenario", "replication", "seed"]
    assert (row["scenario"], row["replication"], row["seed"]) == ("integrated", 0, 4)
    assert row["n_reps"] == 12
    assert row["sla_first_contact_hours"] == load_scenario("integrated").params.levers.sla_first_contact_hours
    assert "n_reps" not in pd.read_csv(plain_dir / "summary.csv").columns  # the default, not set

    series = assert_integer_counts(set_dir / "timeseries.csv")
    parquet = pd.read_parquet(set_dir / "timeseries.parquet")
    assert len(series) == len(parquet) == int(DAYS)
    assert series["deals_won"].sum() == row["deals_won"]
    assert not (plain_dir / "timeseries.csv").exists()  # only with --csv


def test_a_parameter_named_like_a_kpi_gets_its_section_as_prefix(cli, tmp_path):
    done = cli(
        "run", "defined", "--seed", "1", "--days", "5", "--set", "diy_hours=3", "--out", tmp_path, "--quiet"
    )
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(only_folder(tmp_path) / "summary.csv")
    assert table.loc[0, "levers.diy_hours"] == 3  # the lever: hours per asset
    assert "diy_hours" in table.columns  # the KPI: hours spent


# ---------------------------------------------------------------------- compare
def test_compare_summary_carries_what_differs_between_arms(cli, tmp_path):
    done = cli(
        "compare", "segregated", "integrate_at_month_6", "integrated", "-n", "2", "--days", DAYS,
        "--seed", "3", "--workers", "1", "--csv", "--out", tmp_path, "--quiet",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder = only_folder(tmp_path)
    table = assert_integer_counts(folder / "summary.csv")
    assert list(table.columns[:4]) == ["run_id", "scenario", "replication", "seed"]
    assert len(table) == 6
    for name in ("segregated", "integrated"):
        levers = load_scenario(name).params.levers
        rows = table[table["scenario"] == name]
        assert (rows["routing_interval_hours"] == levers.routing_interval_hours).all()
        assert (rows["lead_acceptance_by"] == levers.lead_acceptance_by).all()
    assert "n_reps" not in table.columns  # the same in every arm
    month_6 = table[table["scenario"] == "integrate_at_month_6"]
    assert month_6["interventions"].str.startswith("day 126: ").all()
    assert table.loc[table["scenario"] == "segregated", "interventions"].isna().all()
    # paired replications: replication i has the same seed in every arm
    assert table.groupby("replication")["seed"].nunique().eq(1).all()
    series = assert_integer_counts(folder / "timeseries.csv")
    assert len(series) == len(pd.read_parquet(folder / "timeseries.parquet"))


# ---------------------------------------------------------------------- sweep
STRUCTURE_SPEC = """
name = "structures"
scenario = ["segregated", "integrated"]
design = "grid"
replications = 2
days = 15
period = "week"
kpis = ["revenue", "deals_won", "mqls"]
[parameters]
sla_first_contact_hours = [0.0, 4.0]
"""


def test_a_sweep_crosses_structures_with_levers_in_one_table(cli, tmp_path):
    (tmp_path / "spec.toml").write_text(textwrap.dedent(STRUCTURE_SPEC))
    done = cli(
        "sweep", "spec.toml", "--workers", "1", "--set", "n_reps=6", "--csv", "--out", "out", "--quiet",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder = only_folder(tmp_path / "out")
    assert folder.name.startswith("sweep-structures-set-n_reps-6-")
    runs = assert_integer_counts(folder / "runs.csv")
    assert len(runs) == 2 * 2 * 2  # structures x SLA values x replications
    assert list(runs.columns[:4]) == ["run_id", "scenario", "replication", "seed"]
    combos = runs.groupby(["scenario", "sla_first_contact_hours"]).size()
    assert combos.to_dict() == {(s, h): 2 for s in ("integrated", "segregated") for h in (0.0, 4.0)}
    assert (runs["n_reps"] == 6).all()  # a --set value is a column too
    for name in ("segregated", "integrated"):
        expected = load_scenario(name).params.levers.routing_interval_hours
        assert (runs.loc[runs["scenario"] == name, "routing_interval_hours"] == expected).all()
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()  # paired across every point
    summary = pd.read_csv(folder / "summary.csv")
    assert {"scenario", "sla_first_contact_hours", "revenue_mean", "runs"} <= set(summary.columns)
    assert summary["runs"].tolist() == [2, 2, 2, 2]
    assert (folder / "timeseries.csv").exists()
    assert (folder / "sweep.png").exists()


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (
            '["segregated", "integratd"]',
            ["spec.toml: scenario[1]: unknown scenario 'integratd'", "allowed: aligned"],
        ),
        ('["segregated"]', ["spec.toml: scenario: got", "a list of two or more"]),
        ('["segregated", "segregated"]', ["spec.toml: scenario[1]: 'segregated' listed twice"]),
    ],
)
def test_a_bad_structure_list_is_one_error_line(cli, tmp_path, scenario, expected):
    text = STRUCTURE_SPEC.replace('["segregated", "integrated"]', scenario)
    (tmp_path / "spec.toml").write_text(textwrap.dedent(text))
    done = cli("sweep", "spec.toml", "--out", "out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "Traceback" not in done.stderr
    for part in expected:
        assert part in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--set", "sla_first_contact_hours=2"],
            ["--set: sla_first_contact_hours: also varied by spec.toml"],
        ),
        (["--set", "n_rep=3"], ["--set: n_rep: unknown key", "did you mean 'n_reps'"]),
        (["--set", "n_reps"], ["--set: 'n_reps': expected KEY=VALUE"]),
    ],
)
def test_bad_set_on_a_sweep_is_one_error_line(cli, tmp_path, args, expected):
    (tmp_path / "spec.toml").write_text(textwrap.dedent(STRUCTURE_SPEC))
    done = cli("sweep", "spec.toml", *args, "--out", "out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    for part in expected:
        assert part in line
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------- helpers
def test_integer_counts_keep_missing_values_and_leave_means_alone():
    table = pd.DataFrame(
        {
            "deals_won": [3.0, float("nan")],
            "mqls": [250.0, 12.0],
            "revenue": [1.5, 2.0],
            "customers": [1.5, 2],
        }
    )
    out = integer_counts(table)
    assert out["mqls"].dtype == "int64" and out["mqls"].tolist() == [250, 12]
    assert str(out["deals_won"].dtype) == "Int64" and out["deals_won"].isna().tolist() == [False, True]
    assert out["revenue"].dtype == float and out["customers"].dtype == float  # money; a fraction
    assert out.to_csv(index=False).splitlines()[1:] == ["3,250,1.5,1.5", ",12,2.0,2.0"]


def test_set_labels_are_readable_distinct_and_independent_of_order():
    assert overrides_label({}) == ""
    one = overrides_label({"n_reps": 12, "colocation": True})
    assert one.startswith("set-colocation-true_n_reps-12-")
    assert one == overrides_label({"colocation": True, "n_reps": 12})
    assert one != overrides_label({"n_reps": 12, "colocation": False})
    long_a = overrides_label({"marketing_budget_share": 0.1, "messaging_platform_adoption": 0.5})
    long_b = overrides_label({"marketing_budget_share": 0.1, "messaging_platform_adoption": 0.6})
    assert long_a[:-7] == long_b[:-7] and long_a != long_b  # cut off, told apart by the digest
