"""Structures applied to a base (`--on`) and comparisons over plausible worlds (issue 14, points 1-2)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from sim.cli import compare as cli_compare
from sim.cli import main as cli
from sim.experiments import worlds
from sim.experiments.compare import arms, compare
from sim.experiments.discovery import discover
from sim.model.params import ASSUMED_LEVERS, FIXED_DURING_RUN, Levers, parameter_fields
from sim.model.scenario import left_out_on_base, load_scenario, on_base

DAYS = 30


@pytest.fixture
def compare_main(monkeypatch):
    if cli_compare.register_compare not in cli.REGISTRARS:
        monkeypatch.setattr(cli, "REGISTRARS", [*cli.REGISTRARS, cli_compare.register_compare])
    return lambda *args: cli.main(["compare", *map(str, args)])


def _market(scenario):
    return dataclasses.asdict(scenario.params.market)


def _teams(scenario):
    flat = scenario.params.flat()
    return {k: flat[k] for k in FIXED_DURING_RUN}


# ---------------------------------------------------------------------- --on
def test_on_keeps_the_bases_teams_and_market_in_every_arm():
    base = load_scenario("hybrid_small")  # 3 reps, 1 marketer, 2 hybrids, a 2 M target
    result = compare(["segregated", "integrated"], base="hybrid_small", replications=2, days=DAYS, workers=1)
    for arm in result.scenarios:
        assert _market(arm) == _market(base)
        assert _teams(arm) == _teams(base)
        assert arm.params.mechanisms == base.params.mechanisms
    seg, integ = result.scenarios
    assert seg.params.levers.sla_first_contact_hours == 0 and integ.params.levers.sla_first_contact_hours == 2
    assert integ.params.levers.lead_acceptance_by == "shared"
    assert result.base.name == "hybrid_small"


def test_without_on_each_scenario_keeps_its_own_company():
    seg, small = arms(["segregated", "hybrid_small"])
    assert _teams(seg) != _teams(small) and _market(seg) != _market(small)


def test_a_structures_explicit_default_is_applied_too():
    """segregated sets `sla_first_contact_hours = 0.0`, the default: on a base with an SLA it removes it."""
    base = load_scenario("integrated")
    applied = on_base(load_scenario("segregated"), base)
    assert base.params.levers.sla_first_contact_hours == 2
    assert applied.params.levers.sla_first_contact_hours == 0
    assert applied.params.levers.content_refresh_share == base.params.levers.content_refresh_share  # unset


def test_interventions_of_the_structure_come_along_as_levers():
    base = load_scenario("hybrid_small")
    applied = on_base(load_scenario("integrate_on_day_0"), base)
    ((day0,),) = [applied.interventions]
    assert day0.day == 0 and day0.values["shared_goals"] == 1.0
    assert _teams(applied) == _teams(base) and _market(applied) == _market(base)


def test_integrate_today_on_a_base_burns_in_as_the_base():
    """Like for like on a client: day 0 starts from the base's own levers, integrated's come after."""
    base = load_scenario("hybrid_small")
    applied = on_base(load_scenario("integrate_today"), base)
    assert applied.params == base.params
    ((day0,),) = [applied.interventions]
    assert day0.day == 0 and day0.values["shared_goals"] == 1.0


def test_what_on_leaves_out_is_listed():
    left = left_out_on_base(load_scenario("hybrid_small"), load_scenario("segregated"))
    assert left["n_reps"] == (3, 20) and "revenue_target_per_year" in left


def test_set_applies_to_every_arm_and_is_never_drawn():
    result = compare(
        ["segregated", "integrated"],
        replications=2,
        days=DAYS,
        workers=1,
        overrides={"cherry_pick_hours": 12.0},
        plausible_worlds=True,
    )
    assert all(s.params.levers.cherry_pick_hours == 12.0 for s in result.scenarios)
    assert "cherry_pick_hours" not in result.worlds.columns
    assert "cherry_pick_hours" not in {u.name for u in result.uncertainties}


def test_set_error_is_one_line_naming_the_key(compare_main, tmp_path, capsys):
    code = compare_main("segregated", "integrated", "--set", "n_rep=3", "--out", tmp_path / "o")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith("error: --set: n_rep: unknown key") and "n_reps" in err[0]
    assert not (tmp_path / "o").exists()


def test_cli_on_and_set_are_recorded_and_said(compare_main, tmp_path, capsys):
    out = tmp_path / "out"
    code = compare_main(
        "segregated", "integrated", "--on", "hybrid_small", "--set", "shared_goals=0.5",
        "-n", 2, "--days", 20, "--workers", 1, "--seed", 3, "--fixed-world", "--out", out,
    )  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0
    (folder,) = out.iterdir()
    assert "-on-hybrid_small-" in folder.name
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["on"]["name"] == "hybrid_small" and meta["set"] == {"shared_goals": 0.5}
    assert meta["worlds"] == {"drawn": False}
    assert all(s["params"]["n_reps"] == 3 and s["params"]["shared_goals"] == 0.5 for s in meta["scenarios"])
    assert "applied to hybrid_small" in text and "Set in every arm" in text
    report = (folder / "report.md").read_text()
    assert "**Held fixed**" in report and "**Varied**" in report and "One fixed world" in report


def test_unlike_companies_are_flagged(compare_main, tmp_path, capsys):
    code = compare_main("segregated", "hybrid_small", "-n", 2, "--days", 10, "--workers", 1, "--fixed-world",
                        "--out", tmp_path / "o")  # fmt: skip
    assert code == 0
    assert "Unlike companies" in capsys.readouterr().out


# ---------------------------------------------------------------------- which parameters are drawn
def test_assumed_levers_are_levers_with_a_plausible_range():
    fields = {f.name: f for f in dataclasses.fields(Levers)}
    for name in ASSUMED_LEVERS:
        assert name in fields and fields[name].metadata["plausible"] is not None, name


def test_policies_choices_and_client_facts_are_never_drawn():
    scenarios = arms(["segregated", "integrate_at_month_6"])
    drawn = {u.name for u in worlds.uncertainties(scenarios)}
    fields = parameter_fields()
    assert drawn, "the market's assumptions are drawn"
    assert all(fields[n][0] == "market" or n in ASSUMED_LEVERS for n in drawn)
    assert not drawn & {"sla_first_contact_hours", "shared_goals", "marketing_budget_share", "n_reps"}
    assert "revenue_target_per_year" not in drawn and "burn_in_days" not in drawn  # no plausible range
    changed = arms(["segregated", "integrated"], overrides={"cost_per_inquiry": 150.0})
    assert "cost_per_inquiry" not in {u.name for u in worlds.uncertainties(changed)}


def test_worlds_are_a_latin_hypercube_and_extend_by_blocks():
    space = worlds.uncertainties(arms(["segregated", "integrated"]))
    first = worlds.world_draws(space, 7, [10])
    both = worlds.world_draws(space, 7, [10, 5])
    assert_frame_equal(both.iloc[:10], first)
    for u in space:
        values = first[u.name].to_numpy(dtype=float)
        assert ((values >= u.low) & (values <= u.high)).all()
        if not u.integer:  # one draw in each tenth of the range
            strata = np.floor((values - u.low) / (u.high - u.low) * 10).astype(int)
            assert sorted(strata) == list(range(10)), u.name
    assert not first.equals(worlds.world_draws(space, 8, [10]))


# ---------------------------------------------------------------------- prob_better
def test_prob_better_counts_the_paired_wins():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([2.0, 1.0, 5.0, 4.0])  # wins, loses, wins, ties
    assert worlds.prob_better(a, b, "revenue") == pytest.approx(2.5 / 4)
    assert worlds.prob_better(a, b, "cac") == pytest.approx(1.5 / 4)  # lower is better


def test_prob_better_column_on_a_constructed_comparison():
    runs = pd.DataFrame(
        {
            "scenario": ["a"] * 4 + ["b"] * 4,
            "replication": [0, 1, 2, 3] * 2,
            "revenue": [10, 10, 10, 10, 11, 12, 9, 13],
        }
    )
    table = pd.DataFrame([{"kpi": "revenue", "baseline": "a", "scenario": "b", "uplift": 0.1}])
    out = worlds.with_prob_better(table, runs)
    assert out["prob_better"].iloc[0] == pytest.approx(0.75)
    assert list(out.columns) == ["kpi", "baseline", "scenario", "uplift", "prob_better"]


# ---------------------------------------------------------------------- comparisons over worlds
@pytest.fixture(scope="module")
def both_worlds():
    kwargs = {"replications": 4, "seed": 11, "days": DAYS, "workers": 1}
    fixed = compare(["segregated", "integrated"], **kwargs)
    drawn = compare(["segregated", "integrated"], plausible_worlds=True, **kwargs)
    return fixed, drawn


def _revenue(result):
    c = result.comparison
    return c[c["kpi"] == "revenue"].iloc[0]


def test_plausible_world_interval_is_wider_than_the_fixed_worlds(both_worlds):
    fixed, drawn = both_worlds
    assert fixed.seeds == drawn.seeds
    width = [_revenue(r)["difference_ci_high"] - _revenue(r)["difference_ci_low"] for r in (fixed, drawn)]
    assert width[1] > 2 * width[0]
    for r in (fixed, drawn):
        assert 0 <= _revenue(r)["prob_better"] <= 1


def test_every_arm_of_a_replication_runs_in_the_same_world(both_worlds):
    _, drawn = both_worlds
    runs = drawn.runs
    assert set(runs["world"]) == set(range(4))
    columns = list(worlds.world_columns(drawn.worlds, set(drawn.comparison["kpi"])).values())
    assert "levers.diy_hours" in columns  # the lever, next to the KPI of the same name
    for _, group in runs.groupby("replication"):
        assert len(group[columns].drop_duplicates()) == 1 and group["world"].nunique() == 1
    first = runs[runs["replication"] == 0].iloc[0]
    assert first["cost_per_inquiry"] == drawn.worlds.loc[0, "cost_per_inquiry"]


def test_fixed_world_rows_carry_no_world(both_worlds):
    fixed, _ = both_worlds
    assert "world" not in fixed.runs.columns and fixed.worlds is None


def test_plausible_worlds_are_bit_identical_on_one_and_two_workers(tmp_path):
    kwargs = {"replications": 3, "seed": 4, "days": 15, "plausible_worlds": True}
    one = compare(["segregated", "integrated"], workers=1, folder=tmp_path / "one", **kwargs)
    two = compare(["segregated", "integrated"], workers=2, folder=tmp_path / "two", **kwargs)
    assert_frame_equal(one.runs, two.runs)
    assert_frame_equal(one.comparison, two.comparison)
    assert_frame_equal(one.worlds, two.worlds)


# ---------------------------------------------------------------------- scenario discovery
def test_discovery_finds_the_assumption_that_decides():
    rng = np.random.default_rng(0)
    draws = pd.DataFrame(rng.uniform(size=(40, 5)), columns=[f"x{i}" for i in range(5)])
    draws.index.name = "world"
    uplifts = pd.Series(np.where(draws["x3"] < 0.3, -0.1, 0.2) + rng.normal(0, 0.01, 40), index=draws.index)
    found = discover(draws, uplifts, "a", "b")
    assert found.case == "not better"
    assert found.rules[0].name == "x3" and found.rules[0].below
    assert found.rules[0].threshold == pytest.approx(0.3, abs=0.05)
    assert found.density == 1.0 and found.importances[0][0] == "x3"


def test_discovery_when_the_arm_always_wins_explains_the_weaker_half():
    rng = np.random.default_rng(1)
    draws = pd.DataFrame(rng.uniform(size=(30, 3)), columns=["a", "b", "c"])
    uplifts = pd.Series(0.5 + draws["b"], index=draws.index)
    found = discover(draws, uplifts, "base", "arm")
    assert found.case == "weaker half" and found.rules[0].name == "b"


def test_cli_draws_plausible_worlds_by_default(compare_main, tmp_path, capsys):
    out = tmp_path / "out"
    code = compare_main(
        "segregated", "integrated", "-n", 3, "--days", 10, "--workers", 1, "--seed", 2, "--out", out
    )
    text = capsys.readouterr().out
    assert code == 0
    (folder,) = out.iterdir()
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["worlds"]["drawn"] and meta["worlds"]["blocks"] == [3] and len(meta["worlds"]["draws"]) == 3
    summary = pd.read_csv(folder / "summary.csv")
    assert sorted(summary["world"]) == [0, 0, 1, 1, 2, 2] and "cost_per_inquiry" in summary
    table = pd.read_csv(folder / "comparison.csv")
    assert table["prob_better"].between(0, 1).all()
    assert "plausible worlds" in text and "better in" in text
    assert "Plausible worlds" in (folder / "report.md").read_text()
