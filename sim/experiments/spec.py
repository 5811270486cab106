"""Experiment specs: data-only TOML files in `experiments/` that say what to sweep and how.

An experiment starts from one base scenario and varies some of its parameters: over value lists
(a full grid) or over ranges sampled by a design (Latin hypercube, Sobol' for variance-based
indices, Morris for screening), each point replicated with the same seeds (common random
numbers). An optional `[tornado]` table adds one-at-a-time runs around the base scenario.

Loading is as strict as for scenarios (`sim.model.scenario`), for the same reason: a typo that is
silently ignored in a sweep of thousands of runs wastes hours and reads as a finding. Every
problem raises an `ExperimentError` whose one-line message names the file, the key, the problem
and what is allowed. The format is documented in docs/EXPERIMENTS.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.spec_checks import (
    TOP_LEVEL_KEYS,
    Axis,
    ExperimentError,
    boolean,
    choice,
    experiment_error,
    parameter_axes,
    string,
    tornado_axes,
    whole,
)
from sim.model.params import ParameterError, parameter_fields, suggest
from sim.model.scenario import (
    PROJECT_ROOT,
    SCENARIO_DIR,
    Scenario,
    _label,
    _read_toml,
    _toml,
    differing_parameters,
    load_scenario,
)

__all__ = ["Axis", "Experiment", "ExperimentError", "experiment_error", "load_experiment"]

EXPERIMENT_DIR = PROJECT_ROOT / "experiments"
DESIGNS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris")
SAMPLED_DESIGNS: tuple[str, ...] = ("lhs", "sobol", "morris")
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "none")
DESIGN_KEYS: dict[str, tuple[str, ...]] = {  # keys that only some designs accept
    "samples": SAMPLED_DESIGNS,
    "levels": ("morris",),
    "second_order": ("sobol",),
}
STRUCTURE_DESIGNS: tuple[str, ...] = ("grid", "lhs")  # designs a list of scenarios can be crossed with
MAX_REPLICATIONS = 500
MAX_SEED = 2**63  # as sim.api.MAX_SEED: seeds are stored as int64
MAX_SAMPLES = 10_000_000
DEFAULT_DAYS = 500
DEFAULT_PERIOD = "month"
DEFAULT_SEED = 0
DEFAULT_MORRIS_LEVELS = 4
DESIGN_SEED_STREAM = 1  # SeedSequence([root, stream]): the design sample's seed
ANALYSIS_SEED_STREAM = 2  # ... and the bootstrap seed of the sensitivity indices


# ---------------------------------------------------------------------- data
@dataclass(frozen=True)
class Experiment:
    """A validated experiment spec, with command-line overrides applied.

    Attributes:
        name: The `name` key, else the file name without `.toml`.
        description: One line for listings and reports.
        path: The spec file.
        scenario: The base scenario as resolved; every run starts from its parameters (the first
            structure when `scenario` lists several).
        design: grid, lhs, sobol or morris; "none" when only `[tornado]` is given.
        parameters: The varied parameters, in file order.
        tornado: One-at-a-time (first, second) values around the base scenario.
        replications: Runs per design point (replication i has the same seed at every point).
        days: Working days per run.
        seed: Root seed of the replication seeds.
        design_seed: Seed of the design sample (lhs, sobol, morris).
        analysis_seed: Seed of the bootstrap confidence intervals of sensitivity indices.
        period: Row length of the recorded time series, or "none" to record none.
        kpis: Output columns recorded per run and summarised per point.
        samples: lhs points, Sobol base sample size N, or Morris trajectories.
        levels: Morris grid levels.
        second_order: Whether Sobol' samples allow second-order indices.
        spec: The file's content as parsed, for metadata.
        structures: The scenarios crossed with the design when `scenario` is a list (a structure
            factor: every design point is run on each); empty for one base scenario.
        overrides: `--set` values applied to every structure before the design's own values.
    """

    name: str
    description: str
    path: Path
    scenario: Scenario
    design: str
    parameters: tuple[Axis, ...]
    tornado: tuple[Axis, ...]
    replications: int
    days: int
    seed: int
    design_seed: int
    analysis_seed: int
    period: str
    kpis: tuple[str, ...]
    samples: int | None = None
    levels: int = DEFAULT_MORRIS_LEVELS
    second_order: bool = False
    spec: dict[str, Any] = field(default_factory=dict, compare=False)
    structures: tuple[Scenario, ...] = ()
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """The spec file as named in messages (relative to the current folder when possible)."""
        return _label(self.path)

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        """The structures the design is run on: those listed, else the base scenario alone."""
        return self.structures or (self.scenario,)

    @property
    def factors(self) -> tuple[str, ...]:
        """The columns that tell design points apart: `scenario` for a structure factor, then the axes."""
        return (*(("scenario",) if self.structures else ()), *(a.name for a in self.parameters))

    @property
    def shown_parameters(self) -> tuple[str, ...]:
        """Columns of every table besides the varied parameters: structure differences, `--set` keys.

        The parameters the structures set differently, and every `--set` key, so that a table says
        what its runs were without its metadata.json.
        """
        differ = differing_parameters([s.params for s in self.structures]) if self.structures else []
        names = [*differ, *(n for n in self.overrides if n not in differ)]
        return tuple(name for name in names if name not in self.varied)

    @property
    def varied(self) -> tuple[str, ...]:
        """Every parameter that varies anywhere: design parameters, then tornado-only ones."""
        names = [a.name for a in self.parameters]
        return (*names, *(a.name for a in self.tornado if a.name not in names))

    @property
    def design_points(self) -> int:
        """Points of the design proper (without the tornado's)."""
        d, n = len(self.parameters), self.samples or 0
        if self.design == "grid":
            per_structure = math.prod(len(a.values) for a in self.parameters)
        elif self.design == "sobol":
            per_structure = n * (2 * d + 2 if self.second_order else d + 2)
        elif self.design == "morris":
            per_structure = n * (d + 1)
        else:
            per_structure = n  # lhs, or 0 for "none"
        return per_structure * len(self.scenarios)

    @property
    def tornado_points(self) -> int:
        """The base point and two points per tornado parameter, or none."""
        return 1 + 2 * len(self.tornado) if self.tornado else 0

    @property
    def points(self) -> int:
        """All design points, tornado included."""
        return self.design_points + self.tornado_points

    @property
    def runs(self) -> int:
        """All runs: points times replications."""
        return self.points * self.replications

    def with_overrides(
        self,
        replications: int | None = None,
        days: int | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> Experiment:
        """Copy with `--replications` / `--days` / `--set` applied (checked like the file's values).

        `--set` values apply to every structure; a parameter the spec varies is refused, since
        the design would overwrite it at every point.
        """
        where = "command line"
        changes: dict[str, Any] = {}
        if replications is not None:
            changes["replications"] = whole(where, "--replications", replications, 1, MAX_REPLICATIONS)
        if days is not None:
            changes["days"] = whole(where, "--days", days, 1, None)
        if overrides:
            clash = [name for name in overrides if name in self.varied]
            if clash:
                raise ParameterError(
                    f"--set: {clash[0]}: also varied by {self.where}; allowed: a parameter the spec does "
                    f"not vary (it varies {', '.join(self.varied)})"
                )
            changes["scenario"] = self.scenario.with_values(overrides, source="--set")
            changes["structures"] = tuple(s.with_values(overrides, source="--set") for s in self.structures)
            changes["overrides"] = {**self.overrides, **overrides}
        return dataclasses.replace(self, **changes)

    def settings(self) -> dict[str, Any]:
        """Everything that decides which runs exist, as JSON-ready data (metadata, resume check)."""
        return {
            "name": self.name,
            "scenario": self.scenario.name,
            "scenario_params": self.scenario.params.flat(),
            "interventions": [i.key() for i in self.scenario.interventions],
            "design": self.design,
            "samples": self.samples,
            "levels": self.levels if self.design == "morris" else None,
            "second_order": self.second_order if self.design == "sobol" else None,
            "parameters": {a.name: a.describe() for a in self.parameters},
            "tornado": {a.name: a.describe() for a in self.tornado},
            "replications": self.replications,
            "days": self.days,
            "seed": self.seed,
            "design_seed": self.design_seed,
            "period": self.period,
            "kpis": list(self.kpis),
            **(
                {"structures": {s.name: _structure_settings(s) for s in self.structures}}
                if self.structures
                else {}
            ),
            **({"set": dict(self.overrides)} if self.overrides else {}),
        }

    def fingerprint(self) -> str:
        """A digest of `settings()`: equal digests mean the same runs with the same ids."""
        blob = json.dumps(self.settings(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------- loading
def _structure_settings(scenario: Scenario) -> dict[str, Any]:
    return {
        "params": scenario.params.flat(),
        "interventions": [(i.day, sorted(i.values.items())) for i in scenario.interventions],
    }


def load_experiment(name_or_path: str | Path) -> Experiment:
    """Load and validate an experiment spec.

    Args:
        name_or_path: A shipped spec's name (`experiments/<name>.toml`) or a path to a .toml file.

    Raises:
        ExperimentError: Unknown name, missing or malformed file, or any invalid key or value.
        ScenarioError: The base scenario's own file is invalid (the message names that file).
    """
    path = resolve_experiment(name_or_path)
    where = _label(path)
    try:
        doc = _read_toml(path)
    except ParameterError as err:  # the scenario reader's one-line message, under this module's type
        raise ExperimentError(str(err)) from None
    _check_top_level(where, doc)
    scenarios = _scenarios(where, path, doc)
    design = _design(where, doc, structures=len(scenarios) > 1)
    parameters = parameter_axes(where, doc, design)
    tornado = tornado_axes(where, doc)
    if not parameters and not tornado and len(scenarios) < 2:
        raise experiment_error(
            where,
            "parameters",
            "nothing to vary",
            "a [parameters] or [tornado] table, or a list of scenarios",
        )
    _check_structures(where, scenarios, design, tornado)
    seed = whole(where, "seed", doc.get("seed", DEFAULT_SEED), 0, MAX_SEED - 1)
    varied = [a.name for a in (*parameters, *tornado)]
    return Experiment(
        name=string(where, "name", doc.get("name", path.stem)),
        description=string(where, "description", doc.get("description", "")),
        path=path,
        scenario=scenarios[0],
        design=design,
        parameters=parameters,
        tornado=tornado,
        replications=whole(where, "replications", _required(where, doc, "replications"), 1, MAX_REPLICATIONS),
        days=whole(where, "days", doc.get("days", DEFAULT_DAYS), 1, None),
        seed=seed,
        design_seed=_design_seed(where, doc, seed),
        analysis_seed=derived_seed(seed, ANALYSIS_SEED_STREAM),
        period=choice(where, "period", doc.get("period", DEFAULT_PERIOD), PERIODS),
        kpis=_kpis(where, doc, varied),
        samples=_samples(where, doc, design, len(parameters)),
        levels=_levels(where, doc),
        second_order=boolean(where, "second_order", doc.get("second_order", False)),
        spec=doc,
        structures=scenarios if len(scenarios) > 1 else (),
    )


def resolve_experiment(name_or_path: str | Path) -> Path:
    """Map a shipped spec's name to its file, or check that a given path exists."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        path = Path(name_or_path)
        if not path.is_file():
            raise experiment_error(_label(path), None, "file not found", "an existing .toml experiment file")
        return path
    shipped = list_experiments()
    if text not in shipped:
        raise experiment_error(
            _label(EXPERIMENT_DIR),
            None,
            f"unknown experiment {text!r}{suggest(text, shipped)}",
            ", ".join(shipped) or "(none shipped)",
        )
    return EXPERIMENT_DIR / f"{text}.toml"


def list_experiments(folder: Path = EXPERIMENT_DIR) -> list[str]:
    """Names of the shipped experiment specs."""
    return sorted(p.stem for p in folder.glob("*.toml"))


def derived_seed(root: int, stream: int) -> int:
    """A seed for one purpose, derived from the root seed; never 0 (SALib treats 0 as 'no seed')."""
    state = np.random.SeedSequence([root, stream]).generate_state(1, dtype=np.uint32)[0]
    return int(state) or 1


def kpi_names() -> tuple[str, ...]:
    """Every column of a run summary a sweep can record (sim.model.metrics.summary's keys but `days`)."""
    from sim.model import metrics

    flows = [name for name in metrics.FLOWS if name != "inquiry_fit_sum"]  # internal, not a summary key
    names = [*metrics.KPI_COLUMNS, *flows, *metrics.MEAN_LEVELS, *metrics.END_LEVELS, *metrics.RATES]
    return tuple(dict.fromkeys([*names, "median_response_hours"]))


# ---------------------------------------------------------------------- top level
def _check_top_level(where: str, doc: dict[str, Any]) -> None:
    """Reject unknown keys, pointing a parameter name to [parameters] or [tornado]."""
    for key, value in doc.items():
        if key in TOP_LEVEL_KEYS:
            if key in ("parameters", "tornado") and not isinstance(value, dict):
                raise experiment_error(where, key, f"must be a table [{key}]", f"a [{key}] section")
            continue
        if key in parameter_fields():
            raise experiment_error(
                where, key, "a parameter belongs in [parameters] or [tornado]", "move it into one of them"
            )
        kind = "section" if isinstance(value, dict) else "key"
        raise experiment_error(
            where, key, f"unknown {kind}{suggest(key, TOP_LEVEL_KEYS)}", ", ".join(TOP_LEVEL_KEYS)
        )


def _required(where: str, doc: dict[str, Any], key: str) -> Any:
    if key not in doc:
        raise experiment_error(where, key, "missing", f"a {key} key (see docs/EXPERIMENTS.md)")
    return doc[key]


def _design(where: str, doc: dict[str, Any], structures: bool = False) -> str:
    """The design, required with [parameters]; design-only keys must match it.

    Structures alone (a list of scenarios, no [parameters]) are a grid of one point per structure.
    """
    if "design" not in doc:
        if doc.get("parameters"):
            raise experiment_error(where, "design", "missing", ", ".join(DESIGNS))
        design = "grid" if structures and not doc.get("tornado") else "none"
    else:
        design = choice(where, "design", doc["design"], DESIGNS)
    for key, designs in DESIGN_KEYS.items():
        if key in doc and design not in designs:
            raise experiment_error(
                where, key, f"not used by design {design!r}", f"only with design = {' or '.join(designs)}"
            )
    return design


def _samples(where: str, doc: dict[str, Any], design: str, dimensions: int) -> int | None:
    """The `samples` key: lhs points, Sobol' base size (a power of two) or Morris trajectories."""
    if design not in SAMPLED_DESIGNS:
        return None
    n = whole(where, "samples", _required(where, doc, "samples"), 2, MAX_SAMPLES)
    if design == "sobol" and n & (n - 1):
        below, above = 2 ** int(math.log2(n)), 2 ** math.ceil(math.log2(n))
        raise experiment_error(
            where,
            "samples",
            f"{n} is not a power of two (Sobol' sequences balance only at powers of two)",
            f"a power of two such as {below} or {above}",
        )
    if design in ("sobol", "morris") and dimensions < 2:
        raise experiment_error(
            where, "parameters", f"{design} needs at least two parameters", "two or more ranges"
        )
    return n


def _levels(where: str, doc: dict[str, Any]) -> int:
    levels = whole(where, "levels", doc.get("levels", DEFAULT_MORRIS_LEVELS), 2, 20)
    if levels % 2:
        raise experiment_error(
            where, "levels", f"{levels} is odd (Morris steps need an even number of levels)", "2, 4, 6, ..."
        )
    return levels


def _design_seed(where: str, doc: dict[str, Any], seed: int) -> int:
    if "design_seed" in doc:
        return whole(where, "design_seed", doc["design_seed"], 0, 2**32 - 1)
    return derived_seed(seed, DESIGN_SEED_STREAM)


def _kpis(where: str, doc: dict[str, Any], varied: Sequence[str]) -> tuple[str, ...]:
    """KPI names, known, unique, and not also the name of a varied parameter."""
    value = _required(where, doc, "kpis")
    if not isinstance(value, list) or not value:
        raise experiment_error(where, "kpis", f"got {_toml(value)}", 'a non-empty list such as ["revenue"]')
    known = kpi_names()
    for i, kpi in enumerate(value):
        key = f"kpis[{i}]"
        if not isinstance(kpi, str):
            raise experiment_error(where, key, f"wrong type: got {_toml(kpi)}", "a KPI name in quotes")
        if kpi not in known:
            raise experiment_error(where, key, f"unknown KPI {kpi!r}{suggest(kpi, known)}", ", ".join(known))
        if kpi in varied:
            raise experiment_error(
                where, key, f"{kpi!r} is also a varied parameter's name", "KPIs not named like a parameter"
            )
        if value.index(kpi) != i:
            raise experiment_error(where, key, f"{kpi!r} listed twice", "each KPI once")
    return tuple(value)


def _scenarios(where: str, spec_path: Path, doc: dict[str, Any]) -> tuple[Scenario, ...]:
    """The base scenario, or the structures of a structure factor: `scenario = ["a", "b", ...]`."""
    value = _required(where, doc, "scenario")
    if not isinstance(value, list):
        return (_base_scenario(where, "scenario", spec_path, string(where, "scenario", value)),)
    if len(value) < 2:
        raise experiment_error(
            where,
            "scenario",
            f"got {_toml(value)}",
            'one scenario name, or a list of two or more: ["a", "b"]',
        )
    scenarios = []
    for i, item in enumerate(value):
        key = f"scenario[{i}]"
        scenario = _base_scenario(where, key, spec_path, string(where, key, item))
        if scenario.name in [s.name for s in scenarios]:
            raise experiment_error(where, key, f"{scenario.name!r} listed twice", "each structure once")
        scenarios.append(scenario)
    return tuple(scenarios)


def _check_structures(
    where: str, scenarios: Sequence[Scenario], design: str, tornado: Sequence[Axis]
) -> None:
    """A structure factor crosses a grid or a Latin hypercube; indices and tornados assume one base."""
    if len(scenarios) < 2:
        return
    if design not in STRUCTURE_DESIGNS:
        raise experiment_error(
            where,
            "scenario",
            f"a list of structures with design {design!r} (its indices assume one base scenario)",
            f"one scenario, or design = {' or '.join(STRUCTURE_DESIGNS)} to cross structures",
        )
    if tornado:
        raise experiment_error(
            where,
            "tornado",
            "one-at-a-time runs around a list of structures",
            "a [tornado] table with one base scenario",
        )


def _base_scenario(where: str, key: str, spec_path: Path, text: str) -> Scenario:
    """Load a base scenario: a shipped name, or a path relative to the spec file."""
    if text.endswith(".toml") or "/" in text or "\\" in text:
        path = Path(text) if Path(text).is_absolute() else spec_path.parent / text
        if not path.is_file():
            raise experiment_error(
                where,
                key,
                f"file not found: {text}",
                "a shipped scenario or a .toml path relative to this file",
            )
        return load_scenario(path)
    shipped = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
    if text not in shipped:
        raise experiment_error(
            where, key, f"unknown scenario {text!r}{suggest(text, shipped)}", ", ".join(shipped)
        )
    return load_scenario(text)


def intervention_note(experiment: Experiment) -> str | None:
    """A note when the base scenario's interventions also set a varied parameter later in a run."""
    later = {name for s in experiment.scenarios for item in s.interventions for name in item.values}
    clash = [n for n in experiment.varied if n in later]
    if not clash:
        return None
    return (
        f"the base scenario's interventions also set {', '.join(clash)}: the sweep varies their "
        "start values only"
    )
