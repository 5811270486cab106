"""Reproducibility: same seed, same run; different seeds differ; common random numbers line up.

DESIGN.md section 5: randomness comes only from the model's own generators, in separate streams
per purpose, so that two scenarios run with the same seed see the same inquiries and people.
"""

from __future__ import annotations

import re

import numpy as np
import pandas.testing as pdt
import pytest
from helpers import SIM_DIR, run, scenario_interventions, scenario_params

from sim.model.leads import Source
from sim.model.model import SalesMarketingModel

DAYS = 150
LEAD_DRAWS = ("created_hour", "window_end_hour", "value", "cycle_days") + tuple(
    f"u_{name}" for name in ("accept", "neglect", "reach", "qualify", "win", "library")
)
FIRST_PER_DAY = 5


def assert_same_run(a: SalesMarketingModel, b: SalesMarketingModel) -> None:
    pdt.assert_frame_equal(a.timeseries("week"), b.timeseries("week"), check_exact=True)
    pdt.assert_frame_equal(a.timeseries("day"), b.timeseries("day"), check_exact=True)
    assert a.daily.keys() == b.daily.keys()
    for name in a.daily:
        np.testing.assert_array_equal(a.daily[name], b.daily[name], err_msg=name)
    assert a.summary() == pytest.approx(b.summary(), rel=0, abs=0, nan_ok=True)


@pytest.mark.parametrize("scenario", ["segregated", "integrated", "hybrid_small"])
def test_same_seed_gives_bit_identical_runs(scenario):
    """Two runs with one seed give identical tables and daily records (rotation, DIY, everything)."""
    overrides = {"rotation_share": 0.1}  # exercises the behaviour stream as well
    assert_same_run(run(overrides, 11, DAYS, scenario), run(overrides, 11, DAYS, scenario))


def test_same_seed_with_interventions_gives_bit_identical_runs():
    """A scenario with an intervention mid-run is reproducible too."""
    params = scenario_params("integrate_at_month_6")
    interventions = scenario_interventions("integrate_at_month_6")
    assert interventions, "the scenario should carry an intervention"
    a = SalesMarketingModel(params, seed=5, interventions=interventions).run(200)
    b = SalesMarketingModel(params, seed=5, interventions=interventions).run(200)
    assert_same_run(a, b)


def test_seed_none_is_drawn_and_recorded_and_replays():
    """Without a seed the model draws one, records it, and that seed replays the run."""
    a = SalesMarketingModel(scenario_params("defined"), seed=None).run(60)
    assert isinstance(a.seed, int)
    assert_same_run(a, SalesMarketingModel(scenario_params("defined"), seed=a.seed).run(60))


def test_different_seeds_differ():
    """Different seeds give different runs."""
    a, b = run({}, 1, DAYS, "defined"), run({}, 2, DAYS, "defined")
    assert not a.timeseries("week").equals(b.timeseries("week"))
    assert a.daily["inquiries"] != b.daily["inquiries"]
    assert not np.array_equal(a.reps.skill, b.reps.skill)


def first_inquiries_per_day(m: SalesMarketingModel, k: int) -> dict[int, np.ndarray]:
    """Row indices of the first k inquiries of each day, in arrival order."""
    leads = m.leads
    marketing = np.flatnonzero(leads.source == Source.MARKETING)
    day = (leads.created_hour[marketing] // m.hours_per_day).astype(int)
    return {d: marketing[day == d][:k] for d in np.unique(day)}


@pytest.mark.parametrize(("scenario_a", "scenario_b"), [("segregated", "integrated"), ("defined", "aligned")])
def test_common_random_numbers_line_up_across_scenarios(scenario_a, scenario_b):
    """Same seed, different levers: the first inquiries of each day carry the same draws."""
    a = run({}, 3, DAYS, scenario_a)
    b = run({}, 3, DAYS, scenario_b)
    rows_a, rows_b = first_inquiries_per_day(a, FIRST_PER_DAY), first_inquiries_per_day(b, FIRST_PER_DAY)
    compared = 0
    for day in rows_a.keys() & rows_b.keys():
        n = min(len(rows_a[day]), len(rows_b[day]))
        ia, ib = rows_a[day][:n], rows_b[day][:n]
        for column in LEAD_DRAWS:
            np.testing.assert_array_equal(
                getattr(a.leads, column)[ia], getattr(b.leads, column)[ib], err_msg=f"{column} day {day}"
            )
        compared += n
    assert compared > DAYS, "too few inquiries compared"


def test_inquiry_fit_lines_up_when_targeting_is_equal():
    """With equal market knowledge (no feedback), the same inquiry has the same fit in both scenarios."""
    no_feedback = {"field_feedback": False}
    a = run(no_feedback, 3, DAYS, "segregated")
    b = run(no_feedback, 3, DAYS, "integrated")
    rows_a, rows_b = first_inquiries_per_day(a, FIRST_PER_DAY), first_inquiries_per_day(b, FIRST_PER_DAY)
    for day in rows_a.keys() & rows_b.keys():
        n = min(len(rows_a[day]), len(rows_b[day]))
        np.testing.assert_array_equal(a.leads.fit[rows_a[day][:n]], b.leads.fit[rows_b[day][:n]])


def test_team_is_the_same_people_across_scenarios():
    """Same seed, different levers: reps' and marketers' traits are identical (ego scales with its mean)."""
    drawn = {"burn_in_days": 0}  # the people as drawn, before the burn-in's rotation and trust act
    a = SalesMarketingModel(scenario_params("segregated", drawn), seed=7)
    b = SalesMarketingModel(scenario_params("integrated", drawn), seed=7)
    for column in ("skill", "ego", "latency_hours", "trust", "hours_share"):
        np.testing.assert_array_equal(getattr(a.reps, column), getattr(b.reps, column), err_msg=column)
        np.testing.assert_array_equal(
            getattr(a.marketers, column), getattr(b.marketers, column), err_msg=column
        )
    proud = SalesMarketingModel(scenario_params("segregated", {**drawn, "rep_ego_mean": 1.5}), seed=7)
    np.testing.assert_allclose(proud.reps.ego, 3 * a.reps.ego, rtol=1e-12)
    np.testing.assert_array_equal(proud.reps.skill, a.reps.skill)


# ---------------------------------------------------------------- no global random state

ALLOWED_NUMPY_RANDOM = {"SeedSequence", "Philox", "Generator", "default_rng"}
NUMPY_RANDOM_CALL = re.compile(r"\b(?:np|numpy)\.random\.(\w+)\s*\(")
NUMPY_RANDOM_IMPORT = re.compile(r"^\s*from\s+numpy\.random\s+import\s+(.+)$", re.MULTILINE)
STDLIB_RANDOM_CALL = re.compile(r"(?<![\w.])random\.(\w+)\s*\(")
STDLIB_RANDOM_IMPORT = re.compile(r"^\s*(?:import\s+random\b|from\s+random\s+import\b)", re.MULTILINE)


def global_rng_uses(source: str) -> list[str]:
    """Calls or imports of global random state in Python source (the model's own generators are fine)."""
    found = [
        f"np.random.{name}(" for name in NUMPY_RANDOM_CALL.findall(source) if name not in ALLOWED_NUMPY_RANDOM
    ]
    for names in NUMPY_RANDOM_IMPORT.findall(source):
        imported = {n.strip(" ()").split(" as ")[0] for n in names.split(",")}
        found += [f"from numpy.random import {n}" for n in sorted(imported - ALLOWED_NUMPY_RANDOM) if n]
    found += [f"random.{name}(" for name in STDLIB_RANDOM_CALL.findall(source)]
    found += [m.group(0).strip() for m in STDLIB_RANDOM_IMPORT.finditer(source)]
    return found


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("x = np.random.rand(3)", True),
        ("np.random.seed(1)", True),
        ("v = numpy.random.choice(a)", True),
        ("g = np.random.RandomState(1)", True),
        ("import random\nrandom.shuffle(xs)", True),
        ("from random import choice", True),
        ("from numpy.random import normal", True),
        ("r = random.random()", True),
        ("g = np.random.Generator(np.random.Philox(key=k))", False),
        ("s = np.random.SeedSequence(1).entropy", False),
        ("rng = np.random.default_rng(seed)", False),
        ("u = self.rng.random(5); v = self.random.random(); w = rng.poisson(3)", False),
        ("from numpy.random import Generator, Philox", False),
    ],
)
def test_global_rng_scanner_recognises_global_state(source, flagged):
    """The scanner below flags global random state and lets the model's own generators pass."""
    assert bool(global_rng_uses(source)) is flagged


def test_sim_never_uses_global_random_state():
    """No module in sim/ draws from np.random's or the stdlib's global generator."""
    offenders = {
        str(path.relative_to(SIM_DIR.parent)): uses
        for path in sorted(SIM_DIR.rglob("*.py"))
        if (uses := global_rng_uses(path.read_text(encoding="utf-8")))
    }
    assert not offenders, offenders
