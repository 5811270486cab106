"""Structures as a factor of an experiment spec (issue 14 point 6): policies x scenarios."""

from __future__ import annotations

import textwrap

import pytest

from sim.experiments.designs import design_points
from sim.experiments.spec import ExperimentError, load_experiment
from sim.experiments.sweep import run_specs
from sim.model.params import ParameterError
from sim.model.scenario import load_scenario

LHS = """
scenario = ["segregated", "aligned", "integrated"]
design = "lhs"
samples = 4
replications = 2
days = 10
kpis = ["revenue"]
[parameters]
meeting_hours_per_week = [0.0, 4.0]
marketing_budget_share = [0.02, 0.2]
"""


def spec(tmp_path, text):
    path = tmp_path / "spec.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_each_structure_gets_the_same_sample_and_its_own_other_levers(tmp_path):
    experiment = load_experiment(spec(tmp_path, LHS))
    assert [s.name for s in experiment.scenarios] == ["segregated", "aligned", "integrated"]
    assert experiment.points == 3 * 4 and experiment.runs == 3 * 4 * 2
    points = list(design_points(experiment))
    assert [p.index for p in points] == list(range(12))
    by_structure = {}
    for p in points:
        by_structure.setdefault(p.scenario, []).append(p.values)
    assert by_structure["segregated"] == by_structure["aligned"] == by_structure["integrated"]
    specs = list(run_specs(experiment))
    assert len(specs) == experiment.runs and len({s.run_id for s in specs}) == experiment.runs
    for s in specs:
        structure = load_scenario(s.scenario)
        assert s.params.levers.routing_interval_hours == structure.params.levers.routing_interval_hours
        assert s.params.levers.meeting_hours_per_week == s.point["meeting_hours_per_week"]
        assert s.interventions == structure.interventions
    for s in specs:  # the levers the structures set differently are columns of every run
        assert (
            s.labels()["routing_interval_hours"]
            == load_scenario(s.scenario).params.levers.routing_interval_hours
        )


def test_structures_alone_are_a_grid_of_one_point_each(tmp_path):
    text = 'scenario = ["segregated", "integrated"]\nreplications = 2\ndays = 10\nkpis = ["revenue"]\n'
    experiment = load_experiment(spec(tmp_path, text))
    assert experiment.design == "grid" and experiment.points == 2
    assert [p.scenario for p in design_points(experiment)] == ["segregated", "integrated"]
    assert experiment.factors == ("scenario",)


def test_one_scenario_keeps_its_run_ids(tmp_path):
    """The scenario label stays out of RunSpec.point, so a sweep folder of before still resumes."""
    text = LHS.replace('["segregated", "aligned", "integrated"]', '"defined"')
    experiment = load_experiment(spec(tmp_path, text))
    assert experiment.structures == () and experiment.shown_parameters == ()
    for s in run_specs(experiment):
        assert "scenario" not in s.point
        assert set(s.point) == {
            "point",
            "part",
            "tornado_parameter",
            "meeting_hours_per_week",
            "marketing_budget_share",
        }
    assert next(design_points(experiment)).labels()["scenario"] == "defined"  # tables still say it


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('design = "lhs"', 'design = "sobol"'), "scenario: a list of structures with design 'sobol'"),
        (("[parameters]", "[tornado]\nn_reps = [10, 30]\n[parameters]"), "tornado: one-at-a-time runs"),
        (('"aligned"', '"alinged"'), "scenario[1]: unknown scenario 'alinged' (did you mean 'aligned'"),
        (('"aligned"', "3"), "scenario[1]: must be a string, got 3"),
        (('"aligned"', '"nothere.toml"'), "scenario[1]: file not found: nothere.toml"),
    ],
)
def test_bad_structure_factors_name_file_and_key(tmp_path, change, expected):
    with pytest.raises(ExperimentError) as err:
        load_experiment(spec(tmp_path, LHS.replace(*change)))
    assert "spec.toml: " in str(err.value)
    assert expected in str(err.value)
    assert "; allowed: " in str(err.value)


def test_set_applies_to_every_structure_and_is_recorded(tmp_path):
    experiment = load_experiment(spec(tmp_path, LHS)).with_overrides(overrides={"n_reps": 7})
    assert {s.params.levers.n_reps for s in experiment.scenarios} == {7}
    assert experiment.settings()["set"] == {"n_reps": 7}
    assert "n_reps" in experiment.shown_parameters
    assert all(s.params.levers.n_reps == 7 for s in run_specs(experiment))
    with pytest.raises(ParameterError, match="--set: meeting_hours_per_week: also varied"):
        load_experiment(spec(tmp_path, LHS)).with_overrides(overrides={"meeting_hours_per_week": 1.0})
