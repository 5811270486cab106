"""Scenario files: loading, inheritance, interventions, strict validation, structure = levers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas.testing as pdt
import pytest

import sim
from sim.model.model import SalesMarketingModel
from sim.model.params import FIXED_DURING_RUN, ParameterError, Params
from sim.model.scenario import (
    MAX_DESCRIPTION_CHARS,
    MAX_EXTENDS_DEPTH,
    MAX_NAME_CHARS,
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    lever_differences,
    list_scenarios,
    load_scenario,
)

SHIPPED = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(path.name) or path.name in message.split(":")[0]
    assert "; allowed: " in message
    return message


# ---------------------------------------------------------------------- loading
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_load(name):
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.description
    assert scenario.path == SCENARIO_DIR / f"{name}.toml"


def test_list_scenarios_names_every_shipped_file():
    listing = dict(list_scenarios())
    assert sorted(listing) == SHIPPED
    assert all(description and not description.startswith("(invalid") for description in listing.values())


def test_a_path_and_a_name_load_the_same_scenario():
    assert load_scenario(SCENARIO_DIR / "defined.toml") == load_scenario("defined")
    assert load_scenario(str(SCENARIO_DIR / "defined.toml")).params == load_scenario("defined").params


def test_file_values_override_defaults_and_keep_the_rest():
    scenario = load_scenario("hybrid_small")
    assert scenario.params.levers.n_hybrid == 2
    assert scenario.params.market.revenue_target_per_year == 2_000_000.0
    assert scenario.params.market.deal_value_mean == Params().market.deal_value_mean


def test_error_is_a_parameter_error():
    assert issubclass(ScenarioError, ParameterError)


# ---------------------------------------------------------------------- extends
def test_extends_inherits_then_overrides(tmp_path):
    write(tmp_path, "base.toml", "[levers]\nn_reps = 7\nshared_goals = 0.5\n[market]\nbase_win_rate = 0.3\n")
    write(
        tmp_path,
        "child.toml",
        'extends = "base"\n[levers]\nshared_goals = 0.9\n[mechanisms]\ntrust = false\n',
    )
    child = load_scenario(tmp_path / "child.toml")
    assert child.name == "child"
    assert child.params.levers.n_reps == 7
    assert child.params.levers.shared_goals == 0.9
    assert child.params.market.base_win_rate == 0.3
    assert child.params.mechanisms.trust is False


def test_shipped_extends_carries_parent_levers_and_own_intervention():
    scenario = load_scenario("integrate_at_month_6")
    assert scenario.params == load_scenario("segregated").params
    (intervention,) = scenario.interventions
    assert intervention.day == 126
    assert intervention.values["shared_goals"] == 1.0
    assert intervention.description == "integrate sales and marketing"


@pytest.mark.parametrize("name", ["integrate_at_month_6", "integrate_on_day_0", "integrate_today"])
def test_shipped_integrations_switch_to_exactly_the_integrated_levers(name):
    """An integration scenario's intervention is integrated.toml's levers, so the two cannot drift."""
    segregated, integrated = load_scenario("segregated"), load_scenario("integrated")
    (intervention,) = load_scenario(name).interventions
    target = {key: values[1] for key, values in lever_differences(segregated, integrated).items()}
    assert {k: v for k, v in intervention.values.items() if target.get(k) != v} == {}
    assert set(target) <= set(intervention.values)


def test_interventions_of_parent_and_child_both_apply_in_day_order(tmp_path):
    block = "[[interventions]]\nday = {day}\n[interventions.levers]\nshared_goals = {v}\n"
    write(tmp_path, "base.toml", block.format(day=50, v=0.5))
    write(tmp_path, "child.toml", 'extends = "base.toml"\n' + block.format(day=10, v=0.2))
    days = [i.day for i in load_scenario(tmp_path / "child.toml").interventions]
    assert days == [10, 50]


def test_extends_cycle_is_reported(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b"\n')
    write(tmp_path, "b.toml", 'extends = "a"\n')
    message = load_error(tmp_path / "a.toml")
    assert "extends: cycle a.toml -> b.toml -> a.toml" in message


def test_extends_unknown_parent_suggests(tmp_path):
    write(tmp_path, "base.toml", "")
    message = load_error(write(tmp_path, "child.toml", 'extends = "bsae"\n'))
    assert "child.toml: extends:" in message
    assert "did you mean 'base'" in message


def test_extends_chain_is_capped_instead_of_overflowing_the_stack(tmp_path):
    """A 600-file chain stops at MAX_EXTENDS_DEPTH with one line (it was a RecursionError)."""
    for i in range(600):
        write(tmp_path, f"c{i}.toml", f'extends = "c{i + 1}"\n' if i < 599 else "")
    message = load_error(tmp_path / "c0.toml")
    assert f"c0.toml: extends: chain of more than {MAX_EXTENDS_DEPTH} files" in message
    write(tmp_path, "short.toml", f'extends = "c{601 - MAX_EXTENDS_DEPTH}"\n')  # exactly the cap
    assert load_scenario(tmp_path / "short.toml").name == "short"


@pytest.mark.parametrize("parent", ["../outside", "sub/inner", "/etc/outside", "..\\outside", ".."])
def test_extends_stays_in_the_scenario_folder(tmp_path, parent):
    """`extends` names a file of the same folder; a path elsewhere is refused, even if it exists."""
    folder = tmp_path / "scenarios"
    (folder / "sub").mkdir(parents=True)
    write(tmp_path, "outside.toml", "[levers]\nn_reps = 3\n")
    write(folder / "sub", "inner.toml", "[levers]\nn_reps = 3\n")
    message = load_error(write(folder, "child.toml", f"extends = {parent!r}\n".replace("'", '"')))
    assert "child.toml: extends:" in message and "is not a file of this scenario's folder" in message
    assert "allowed: the name of another scenario in the same folder" in message


# ---------------------------------------------------------------------- strict validation
BAD_FILES = [
    # (file text, substrings the one-line message must contain)
    ('nmae = "x"\n', ["nmae: unknown top-level key", "did you mean 'name'", "allowed: name, description"]),
    ("[lever]\nn_reps = 3\n", ["lever: unknown section", "did you mean 'levers'"]),
    (
        "[levers]\nn_rep = 3\n",
        ["levers.n_rep: unknown key", "did you mean 'n_reps'", "allowed: the [levers] keys"],
    ),
    ("[market]\nn_reps = 3\n", ["market.n_reps:", "belongs in [levers], not [market]"]),
    ("n_reps = 3\n", ["n_reps: belongs in [levers]"]),
    (
        "[levers]\nn_reps = -3\n",
        ["levers.n_reps: out of range: -3", "allowed: a whole number from 0 to 5000"],
    ),
    ('[levers]\nn_reps = "many"\n', ['levers.n_reps: wrong type: got "many"']),
    ("[levers]\nfollow_up_attempts = 2.5\n", ["levers.follow_up_attempts: not a whole number: 2.5"]),
    ("[levers]\nshared_goals = true\n", ["levers.shared_goals: wrong type: got true", "from 0 to 1"]),
    ("[mechanisms]\ntrust = 1\n", ["mechanisms.trust: wrong type: got 1", "allowed: true or false"]),
    ('[levers]\nlead_acceptance_by = "sale"\n', ['unknown choice "sale"', 'one of "marketing", "sales"']),
    ("name = 3\n", ["name: must be a string"]),
    ("levers = 3\n", ["levers: must be a table"]),
    ("[levers]\nn_reps = \n", ["line 2, column 10: malformed TOML"]),
    (
        "[[interventions]]\nday = 3\n[interventions.levers]\nn_reps = 4\n",
        ["interventions[0].levers.n_reps: team sizes are fixed"],
    ),
    (
        "[[interventions]]\nday = -1\n[interventions.levers]\nshared_goals = 1\n",
        ["interventions[0].day: got -1"],
    ),
    ("[[interventions]]\n[interventions.levers]\nshared_goals = 1\n", ["interventions[0].day: missing"]),
    (
        "[[interventions]]\nday = 1\n[interventions.levers]\nshared_goals = 2\n",
        ["interventions[0].levers.shared_goals: out of range: 2"],
    ),
    (
        "[[interventions]]\nday = 1\n[interventions.market]\nshared_goals = 1\n",
        ["belongs in [levers], not [market]"],
    ),
    ("[[interventions]]\ndy = 1\n", ["interventions[0].dy: unknown key", "did you mean 'day'"]),
    ("[[interventions]]\nday = 1\n", ["interventions[0]: changes nothing"]),
    ("[interventions]\nday = 1\n", ["interventions: must be an array of tables"]),
]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_bad_file_gives_one_line_naming_file_key_and_allowed(tmp_path, text, expected):
    message = load_error(write(tmp_path, "bad.toml", text))
    assert message.startswith("bad.toml: ") or "/bad.toml: " in message
    for part in expected:
        assert part in message


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    """Windows editors write a BOM; it used to read as 'Invalid statement' at line 1."""
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'name = "bom"\n[levers]\nn_reps = 7\n')
    assert load_scenario(path).params.levers.n_reps == 7


def test_a_utf16_file_says_so(tmp_path):
    path = tmp_path / "wide.toml"
    path.write_bytes("[levers]\nn_reps = 7\n".encode("utf-16"))
    assert "cannot read file: the file is UTF-16 encoded; allowed: a readable UTF-8" in load_error(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f'name = "{"n" * 300}"\n',
            f"name: too long: 300 characters; allowed: a string of at most {MAX_NAME_CHARS}",
        ),
        (
            f'description = "{"d" * (MAX_DESCRIPTION_CHARS + 1)}"\n',
            f"description: too long: {MAX_DESCRIPTION_CHARS + 1:,} characters",
        ),
        (
            f'[[interventions]]\nday = 1\ndescription = "{"d" * 5000}"\n'
            "[interventions.levers]\nshared_goals = 1.0\n",
            "interventions[0].description: too long: 5,000 characters",
        ),
    ],
    ids=["name", "description", "intervention_description"],
)
def test_names_and_descriptions_are_capped_at_load(tmp_path, text, expected):
    """A 300-character name failed with 'File name too long' after the whole run; now at load."""
    assert expected in load_error(write(tmp_path, "long.toml", text))


def test_a_long_file_name_without_a_name_key_is_refused_too(tmp_path):
    message = load_error(write(tmp_path, "f" * 100 + ".toml", ""))
    assert "name: too long: 100 characters (the file name, as the file sets no name)" in message


def test_fixed_keys_are_the_team_sizes():
    assert {"n_reps", "n_marketers", "n_hybrid"} == FIXED_DURING_RUN


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match=r"nothere\.toml: file not found; allowed: "):
        load_scenario(tmp_path / "nothere.toml")


def test_unknown_name_lists_available_and_suggests():
    with pytest.raises(ScenarioError) as info:
        load_scenario("segregatd")
    message = str(info.value)
    assert "unknown scenario 'segregatd'" in message
    assert "did you mean 'segregated'" in message
    assert "allowed: " + ", ".join(SHIPPED) in message


def test_overrides_are_validated_like_file_values():
    with pytest.raises(ScenarioError, match=r"^--set: n_rep: unknown key \(did you mean 'n_reps'"):
        load_scenario("defined").with_values({"n_rep": 3}, source="--set")
    with pytest.raises(ScenarioError, match=r"^overrides: shared_goals: out of range: 5"):
        load_scenario("defined", overrides={"shared_goals": 5})


# ---------------------------------------------------------------------- values and differences
def test_with_values_changes_only_what_is_given():
    base = load_scenario("defined")
    changed = base.with_values({"n_reps": 12, "base_win_rate": 0.3, "trust": False})
    assert changed.params.levers.n_reps == 12
    assert changed.params.market.base_win_rate == 0.3
    assert changed.params.mechanisms.trust is False
    assert lever_differences(base, changed) == {
        "n_reps": (base.params.levers.n_reps, 12),
        "base_win_rate": (base.params.market.base_win_rate, 0.3),
        "trust": (True, False),
    }
    assert changed.name == base.name and changed.interventions == base.interventions


def test_lever_differences_of_two_structures():
    diff = lever_differences(load_scenario("segregated"), load_scenario("integrated"))
    assert diff["lead_acceptance_by"] == ("sales", "shared")
    assert diff["colocation"] == (False, True)
    assert "n_reps" not in diff


# ---------------------------------------------------------------------- interventions in a run
def test_intervention_changes_the_lever_from_its_day():
    scenario = load_scenario("integrate_at_month_6")
    (intervention,) = scenario.interventions
    before = {name: scenario.params.flat()[name] for name in intervention.values}
    assert before != intervention.values
    model = SalesMarketingModel(scenario.params, seed=3, interventions=scenario.interventions)
    model.run(intervention.day)  # days 0 .. day-1
    assert {name: model.p.flat()[name] for name in before} == before
    model.step()  # the intervention's day
    assert {name: model.p.flat()[name] for name in before} == intervention.values
    assert model.p.levers.n_reps == scenario.params.levers.n_reps


# ---------------------------------------------------------------------- structure is lever values
def test_structure_is_nothing_but_lever_values():
    segregated = load_scenario("segregated")
    integrated = load_scenario("integrated")
    disguised = integrated.with_values(segregated.params.flat())
    assert disguised.name == "integrated" and disguised.path == integrated.path
    a = sim.run(segregated, seed=11, days=120)
    b = sim.run(disguised, seed=11, days=120)
    pdt.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)


def test_different_levers_give_different_runs():
    a = sim.run("segregated", seed=11, days=120)
    b = sim.run("integrated", seed=11, days=120)
    assert not a.timeseries.equals(b.timeseries)
    assert a.summary["revenue"] != b.summary["revenue"]


def test_scenario_built_in_code_runs():
    scenario = Scenario("custom", params=Params().with_values({"n_reps": 5}))
    result = sim.run(dataclasses.replace(scenario, description="five reps"), seed=1, days=20)
    assert result.model.reps.size == 5
