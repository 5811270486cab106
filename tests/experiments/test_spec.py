"""Experiment specs and designs: strict validation, one-line errors, seeded samples, fast CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from helpers import RUN_CLI

from sim.experiments.designs import DESIGN, TORNADO_BASE, design_points, unit_sample
from sim.experiments.spec import Axis, ExperimentError, kpi_names, list_experiments, load_experiment
from sim.model.model import SalesMarketingModel
from sim.model.params import ParameterError, Params, parameter_fields

ROOT = Path(__file__).resolve().parents[2]
SHIM = RUN_CLI  # the command line, run in a subprocess

GOOD = """
scenario = "defined"
design = "grid"
replications = 2
days = 10
kpis = ["revenue"]
[parameters]
meeting_hours_per_week = [0, 2]
"""


def top(extra: str, text: str = GOOD) -> str:
    """The spec with top-level keys added (before the first table, where TOML puts top-level keys)."""
    return text.replace("[parameters]", extra + "[parameters]", 1)


def spec(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def sweep_cli(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    """`run.py sweep ...` in a fresh interpreter, registered whether or not sim/cli.py lists it yet."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", SHIM, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


# ---------------------------------------------------------------------- shipped specs
@pytest.mark.parametrize(
    "name",
    [
        "followup_x_meetings",
        "pay_basis_x_budget",
        "sobol_main_levers",
        "morris_all_levers",
        "structures_x_sla",
    ],
)
def test_shipped_specs_load(name):
    experiment = load_experiment(name)
    assert experiment.runs == experiment.points * experiment.replications > 0
    assert name in list_experiments()


def test_morris_example_screens_every_lever_but_team_sizes():
    experiment = load_experiment("morris_all_levers")
    levers = {n for n, (group, _) in parameter_fields().items() if group == "levers"}
    assert {a.name for a in experiment.parameters} == levers - {"n_reps", "n_marketers", "n_hybrid"}


def test_kpi_names_are_the_run_summary_keys():
    summary = SalesMarketingModel(Params(), seed=1).run(2).summary()
    assert set(kpi_names()) == set(summary) - {"days"}


def test_grid_values_are_typed_as_the_parameter(tmp_path):
    experiment = load_experiment(spec(tmp_path, GOOD))
    assert experiment.parameters[0].values == (0.0, 2.0)
    assert all(isinstance(v, float) for v in experiment.parameters[0].values)
    assert experiment.days == 10 and experiment.period == "month" and experiment.seed == 0


def test_overrides_are_checked(tmp_path):
    experiment = load_experiment(spec(tmp_path, GOOD)).with_overrides(replications=7, days=3)
    assert (experiment.replications, experiment.days, experiment.runs) == (7, 3, 14)
    with pytest.raises(ExperimentError, match="--replications: got 0; allowed"):
        experiment.with_overrides(replications=0)


# ---------------------------------------------------------------------- one-line errors
BAD: list[tuple[str, str, str]] = [
    # (spec text, expected fragment after the file name, description)
    (top("replication = 3\n"), "replication: unknown key (did you mean 'replications'", "typo"),
    (
        GOOD.replace("[parameters]", "n_reps = 3\n[parameters]"),
        "n_reps: a parameter belongs in [parameters]",
        "misplaced",
    ),
    (
        GOOD.replace("meeting_hours_per_week", "meeting_hour_per_week"),
        "parameters.meeting_hour_per_week: unknown parameter (did you mean 'meeting_hours_per_week'",
        "unknown parameter",
    ),
    (
        GOOD.replace("[0, 2]", "[0, 30]"),
        "parameters.meeting_hours_per_week[1]: out of range: 30; allowed: a number from 0 to 20",
        "out of range",
    ),
    (
        GOOD.replace("[0, 2]", '[0, "two"]'),
        'parameters.meeting_hours_per_week[1]: wrong type: got "two"',
        "type",
    ),
    (GOOD.replace("[0, 2]", "[2, 2]"), "parameters.meeting_hours_per_week[1]: 2 listed twice", "duplicate"),
    (
        GOOD.replace("meeting_hours_per_week = [0, 2]", 'lead_acceptance_by = ["shard"]'),
        "parameters.lead_acceptance_by[0]: unknown choice \"shard\" (did you mean 'shared'?)",
        "choice",
    ),
    (
        GOOD.replace("meeting_hours_per_week = [0, 2]", "follow_up_attempts = [1.5]"),
        "follow_up_attempts[0]: not a whole number: 1.5",
        "integer",
    ),
    (
        GOOD.replace("[0, 2]", "3"),
        "parameters.meeting_hours_per_week: got 3; allowed: a non-empty list",
        "not a list",
    ),
    (
        GOOD.replace('design = "grid"\n', ""),
        "design: missing; allowed: grid, lhs, sobol, morris",
        "no design",
    ),
    (GOOD.replace('"grid"', '"sobel"'), "design: got \"sobel\" (did you mean 'sobol'?)", "design typo"),
    (
        top("samples = 8\n"),
        "samples: not used by design 'grid'; allowed: only with design = lhs or sobol or morris",
        "samples on a grid",
    ),
    (GOOD.replace('"grid"', '"lhs"'), "samples: missing", "lhs needs samples"),
    (
        top("samples = 4\n", GOOD.replace('"grid"', '"lhs"').replace("[0, 2]", "[0, 2, 4]")),
        "parameters.meeting_hours_per_week: got [0.0, 2.0, 4.0]; allowed: a range [low, high]",
        "range of three",
    ),
    (
        top("samples = 4\n", GOOD.replace('"grid"', '"lhs"').replace("[0, 2]", "[2, 1]")),
        "low 2.0 is not below high",
        "reversed range",
    ),
    (
        top("samples = 12\n", GOOD.replace('"grid"', '"sobol"')),
        "samples: 12 is not a power of two",
        "sobol power",
    ),
    (
        top("samples = 16\n", GOOD.replace('"grid"', '"sobol"')),
        "parameters: sobol needs at least two parameters",
        "sobol 1d",
    ),
    (
        top("samples = 4\nshared_goals = 1\n", GOOD.replace('"grid"', '"morris"')),
        "shared_goals: a parameter",
        "param at top",
    ),
    (
        top(
            "samples = 4\nlevels = 3\n",
            GOOD.replace('"grid"', '"morris"').replace("[0, 2]", "[0, 2]\nshared_goals = [0, 1]"),
        ),
        "levels: 3 is odd",
        "morris levels",
    ),
    (
        GOOD.replace('["revenue"]', '["revenu"]'),
        "kpis[0]: unknown KPI 'revenu' (did you mean 'revenue'",
        "kpi typo",
    ),
    (GOOD.replace('kpis = ["revenue"]\n', ""), "kpis: missing", "no kpis"),
    (
        GOOD.replace('["revenue"]', '["awareness"]').replace(
            "meeting_hours_per_week = [0, 2]", "awareness = [true, false]"
        ),
        "kpis[0]: 'awareness' is also a varied parameter's name",
        "kpi named like a parameter",
    ),
    (top('period = "year"\n'), 'period: got "year"; allowed: day, week, month, quarter, none', "period"),
    (
        GOOD.replace("replications = 2", "replications = 0"),
        "replications: got 0; allowed: a whole number from 1 to 500",
        "replications",
    ),
    (GOOD.replace("days = 10", "days = 2.5"), "days: got 2.5; allowed: a whole number >= 1", "days"),
    (
        GOOD.replace('"defined"', '"defind"'),
        "scenario: unknown scenario 'defind' (did you mean 'defined'",
        "scenario",
    ),
    (
        GOOD.replace('"defined"', '"nowhere/x.toml"'),
        "scenario: file not found: nowhere/x.toml",
        "scenario path",
    ),
    (
        GOOD + "[tornado]\nshared_goals = [0, 0.5, 1]\n",
        "tornado.shared_goals: got 3 values; allowed: exactly two values",
        "tornado size",
    ),
    (
        GOOD.replace("[parameters]\nmeeting_hours_per_week = [0, 2]\n", "").replace('design = "grid"\n', ""),
        "parameters: nothing to vary",
        "nothing",
    ),
    (GOOD + "x = [", "malformed TOML", "TOML syntax"),
    (GOOD + "days = 3\n", "parameters.days: a top-level key inside [parameters]", "top-level key in a table"),
]


@pytest.mark.parametrize(("text", "fragment"), [(t, f) for t, f, _ in BAD], ids=[d for *_, d in BAD])
def test_bad_specs_fail_with_one_line_naming_file_and_key(tmp_path, monkeypatch, text, fragment):
    monkeypatch.chdir(tmp_path)
    path = spec(tmp_path, text)
    with pytest.raises(ExperimentError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert message.startswith("spec.toml: "), message
    assert fragment in message, message
    assert "; allowed: " in message and "\n" not in message


def test_errors_inside_the_base_scenario_name_that_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec(tmp_path, "[levers]\nn_rep = 3\n", "base.toml")
    with pytest.raises(ParameterError, match=r"base.toml: levers.n_rep: unknown key \(did you mean 'n_reps'"):
        load_experiment(spec(tmp_path, GOOD.replace('"defined"', '"base.toml"')))


# ---------------------------------------------------------------------- designs
def test_axis_maps_the_unit_interval_evenly():
    assert [Axis("a", "range", (1, 3)).value_at(u) for u in (0, 0.33, 0.34, 0.99, 1.0)] == [1, 1, 2, 3, 3]
    assert Axis("b", "range", (0.0, 8.0)).value_at(0.25) == 2.0
    assert [Axis("c", "choices", ("x", "y")).value_at(u) for u in (0, 0.49, 0.5, 1.0)] == ["x", "x", "y", "y"]


def test_grid_points_are_the_full_factorial_in_order(tmp_path):
    text = GOOD.replace("[0, 2]", '[0, 2]\nlead_acceptance_by = ["sales", "shared", "marketing"]')
    text += "[tornado]\nshared_goals = [0, 1]\n"
    experiment = load_experiment(spec(tmp_path, text))
    points = list(design_points(experiment))
    assert len(points) == experiment.points == 6 + 3
    assert [p.values["lead_acceptance_by"] for p in points[:3]] == ["sales", "shared", "marketing"]
    assert [p.values["meeting_hours_per_week"] for p in points[:6]] == [0.0] * 3 + [2.0] * 3
    assert [p.index for p in points] == list(range(9))
    assert points[6].part == TORNADO_BASE and points[6].values["meeting_hours_per_week"] == 0.0
    assert [(p.tornado_parameter, p.values["shared_goals"]) for p in points[7:]] == [
        ("shared_goals", 0.0)
    ] * 1 + [("shared_goals", 1.0)]
    assert all(set(p.values) == set(experiment.varied) for p in points)


SAMPLED = """
scenario = "defined"
design = "{design}"
samples = {samples}
replications = 1
days = 5
kpis = ["revenue"]
[parameters]
rep_response_latency_hours = [0.1, 8.0]
follow_up_attempts = [1, 6]
marketing_pay_basis = ["mql_volume", "pipeline", "revenue"]
colocation = [false, true]
"""


@pytest.mark.parametrize(
    ("design", "samples", "points"), [("lhs", 10, 10), ("sobol", 8, 8 * 6), ("morris", 3, 15)]
)
def test_sampled_designs_are_seeded_sized_and_inside_the_ranges(tmp_path, design, samples, points):
    experiment = load_experiment(spec(tmp_path, SAMPLED.format(design=design, samples=samples)))
    first, again = unit_sample(experiment), unit_sample(experiment)
    assert first.shape == (points, 4) == (experiment.design_points, 4)
    np.testing.assert_array_equal(first, again)
    other = load_experiment(
        spec(tmp_path, top("seed = 9\n", SAMPLED.format(design=design, samples=samples)), "b.toml")
    )
    assert other.design_seed != experiment.design_seed
    assert not np.array_equal(unit_sample(other), first)
    values = [p.values for p in design_points(experiment) if p.part == DESIGN]
    assert all(0.1 <= v["rep_response_latency_hours"] <= 8.0 for v in values)
    assert all(isinstance(v["follow_up_attempts"], int) and 1 <= v["follow_up_attempts"] <= 6 for v in values)
    assert {v["marketing_pay_basis"] for v in values} <= {"mql_volume", "pipeline", "revenue"}
    assert {type(v["colocation"]) for v in values} == {bool}


def test_an_explicit_design_seed_is_used(tmp_path):
    experiment = load_experiment(
        spec(tmp_path, top("design_seed = 12345\n", SAMPLED.format(design="lhs", samples=4)))
    )
    assert experiment.design_seed == 12345


# ---------------------------------------------------------------------- command line
def test_bad_spec_on_the_command_line_is_one_line_exit_2_and_writes_nothing(tmp_path):
    bad = spec(tmp_path, GOOD.replace("[0, 2]", "[0, 30]"))
    done = sweep_cli("sweep", bad, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: spec.toml: parameters.meeting_hours_per_week[1]: out of range")
    assert done.stderr.count("\n") == 1 and done.stdout == ""
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--replications", "0"), "--replications: got 0; allowed: a whole number from 1 to 500"),
        (("--days", "0"), "--days: got 0; allowed"),
        (("--scheduler", "localhost:8786"), "--scheduler: 'localhost:8786' is not a scheduler address"),
        (("--dask-local", "0"), "--dask-local: got 0"),
        (("--chunk-runs", "0"), "--chunk-runs: got 0"),
        (("--resume", "nowhere"), "--resume: nowhere: no such folder"),
    ],
)
def test_bad_options_are_one_line_exit_2(tmp_path, args, fragment):
    done = sweep_cli("sweep", spec(tmp_path, GOOD), "--out", tmp_path / "out", *args, cwd=tmp_path)
    if "--resume" in args:  # --out and --resume exclude each other: give --resume alone
        done = sweep_cli("sweep", spec(tmp_path, GOOD), *args, cwd=tmp_path)
    assert done.returncode == 2 and fragment in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_sensitivity_needs_a_sobol_or_morris_design(tmp_path):
    done = sweep_cli("sensitivity", spec(tmp_path, GOOD), "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2
    assert 'design: \'grid\' has no sensitivity indices; allowed: design = "sobol" or "morris"' in done.stderr
    assert not (tmp_path / "out").exists()


def test_help_stays_fast_without_heavy_imports():
    code = (
        "import sys\nfrom sim.cli import main as cli\n"
        "from sim.cli.sweep import register_sweep, register_sensitivity\n"
        "cli.build_parser()\n"
        "names = ('pandas', 'numpy', 'numba', 'distributed', 'dask', 'SALib', 'matplotlib')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
