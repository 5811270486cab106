"""Design points of an experiment: a full grid, or samples of the unit cube mapped to values.

Sampled designs are drawn in the unit cube [0, 1]^d, seeded by the experiment's design seed,
then mapped to parameter values (`Axis.value_at`): Latin hypercube from `scipy.stats.qmc`,
Saltelli's Sobol' sample and Morris trajectories from SALib, so that `sim.experiments.sensitivity` can hand
the same matrix back to SALib's analysers. Points are produced lazily, one at a time, so a grid
of a million points never sits in memory; only a sampled design's matrix does (points x
parameters floats).

Tornado points follow the design's: the base scenario, then each tornado parameter at its first
and second value with everything else at the base scenario's values.

A structure factor (`scenario` lists several scenarios) repeats the design's points on each
structure, structure by structure, with the same sample: policies x scenarios, paired by point.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.experiments.spec import Experiment
from sim.model.scenario import Scenario
from sim.output import parameter_column

DESIGN, TORNADO_BASE, TORNADO_LOW, TORNADO_HIGH = "design", "tornado_base", "tornado_low", "tornado_high"


@dataclass(frozen=True)
class DesignPoint:
    """One point of an experiment: where it belongs and every varied parameter's value there.

    Attributes:
        index: 0-based point number: the design's points first (in sample order), then the tornado's.
        part: "design", "tornado_base", "tornado_low" or "tornado_high".
        tornado_parameter: The parameter a tornado point moves ("" otherwise).
        values: Every varied parameter (`Experiment.varied`) with its value at this point.
        scenario: The structure (scenario name) the point is run on.
        structure: Columns of the parameters the structures set differently, or `--set` gives, and
            the design does not vary (`Experiment.shown_parameters`), for the tables only: the
            structure's own values, already in its parameters.
    """

    index: int
    part: str
    tornado_parameter: str
    values: dict[str, Any]
    scenario: str = ""
    structure: dict[str, Any] = field(default_factory=dict)

    def labels(self) -> dict[str, Any]:
        """The identifying columns of this point in every output table."""
        head = {"point": self.index, "part": self.part, "tornado_parameter": self.tornado_parameter}
        return {
            **head,
            **({"scenario": self.scenario} if self.scenario else {}),
            **self.structure,
            **self.values,
        }

    def run_labels(self) -> dict[str, Any]:
        """The labels a run of this point carries (`RunSpec.point`): all but the scenario.

        The scenario is the run's own field, so a one-structure sweep keeps the run ids it always had.
        """
        return {k: v for k, v in self.labels().items() if k != "scenario"}


def salib_problem(experiment: Experiment) -> dict[str, Any]:
    """SALib's problem definition over the unit cube (values are mapped afterwards)."""
    names = [axis.name for axis in experiment.parameters]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def unit_sample(experiment: Experiment) -> np.ndarray:
    """The design's sample in the unit cube, one row per design point (sampled designs only)."""
    d, n, seed = len(experiment.parameters), experiment.samples, experiment.design_seed
    if experiment.design == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
    if experiment.design == "sobol":
        from SALib.sample import sobol

        problem = salib_problem(experiment)
        return sobol.sample(problem, n, calc_second_order=experiment.second_order, scramble=True, seed=seed)
    if experiment.design == "morris":
        from SALib.sample import morris

        return morris.sample(salib_problem(experiment), n, num_levels=experiment.levels, seed=seed)
    raise ValueError(f"design {experiment.design!r} has no unit sample")


def design_points(experiment: Experiment) -> Iterator[DesignPoint]:
    """Every point of the experiment, lazily: the design's on each structure, then the tornado's."""
    count = 0
    for scenario in experiment.scenarios:
        base, structure = base_values(experiment, scenario), structure_values(experiment, scenario)
        design = _grid(experiment) if experiment.design == "grid" else _sampled(experiment)
        for values in design:
            yield DesignPoint(count, DESIGN, "", {**base, **values}, scenario.name, structure)
            count += 1
    yield from _tornado(experiment, base_values(experiment), count)


def base_values(experiment: Experiment, scenario: Scenario | None = None) -> dict[str, Any]:
    """A structure's (by default the base scenario's) value of every varied parameter."""
    flat = (scenario or experiment.scenario).params.flat()
    return {name: flat[name] for name in experiment.varied}


def structure_values(experiment: Experiment, scenario: Scenario) -> dict[str, Any]:
    """The structure's values of `Experiment.shown_parameters`, by column name."""
    flat = scenario.params.flat()
    return {parameter_column(n, experiment.kpis): flat[n] for n in experiment.shown_parameters}


def _grid(experiment: Experiment) -> Iterator[dict[str, Any]]:
    """The full factorial, the last parameter varying fastest (as itertools.product)."""
    names = [axis.name for axis in experiment.parameters]
    for combo in itertools.product(*(axis.values for axis in experiment.parameters)):
        yield dict(zip(names, combo, strict=True))


def _sampled(experiment: Experiment) -> Iterator[dict[str, Any]]:
    if experiment.design == "none":
        return
    for row in unit_sample(experiment):
        yield {axis.name: axis.value_at(float(u)) for axis, u in zip(experiment.parameters, row, strict=True)}


def _tornado(experiment: Experiment, base: dict[str, Any], start: int) -> Iterator[DesignPoint]:
    if not experiment.tornado:
        return
    name = experiment.scenario.name
    yield DesignPoint(start, TORNADO_BASE, "", dict(base), name)
    index = start + 1
    for axis in experiment.tornado:
        for part, value in zip((TORNADO_LOW, TORNADO_HIGH), axis.values, strict=True):
            yield DesignPoint(index, part, axis.name, {**base, axis.name: value}, name)
            index += 1
