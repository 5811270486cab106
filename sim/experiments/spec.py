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
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.model.params import GROUPS, ParameterError, parameter_fields, suggest
from sim.model.scenario import (
    PROJECT_ROOT,
    SCENARIO_DIR,
    Scenario,
    _allowed,
    _label,
    _read_toml,
    _toml,
    _value_problem,
    load_scenario,
)

EXPERIMENT_DIR = PROJECT_ROOT / "experiments"
DESIGNS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris")
SAMPLED_DESIGNS: tuple[str, ...] = ("lhs", "sobol", "morris")
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "none")
TOP_LEVEL_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "scenario",
    "design",
    "samples",
    "levels",
    "second_order",
    "replications",
    "days",
    "seed",
    "design_seed",
    "period",
    "kpis",
    "parameters",
    "tornado",
)
DESIGN_KEYS: dict[str, tuple[str, ...]] = {  # keys that only some designs accept
    "samples": SAMPLED_DESIGNS,
    "levels": ("morris",),
    "second_order": ("sobol",),
}
MAX_REPLICATIONS = 500
MAX_SEED = 2**63  # as sim.api.MAX_SEED: seeds are stored as int64
MAX_SAMPLES = 10_000_000
DEFAULT_DAYS = 500
DEFAULT_PERIOD = "month"
DEFAULT_SEED = 0
DEFAULT_MORRIS_LEVELS = 4
DESIGN_SEED_STREAM = 1  # SeedSequence([root, stream]): the design sample's seed
ANALYSIS_SEED_STREAM = 2  # ... and the bootstrap seed of the sensitivity indices


class ExperimentError(ParameterError):
    """An experiment spec that cannot be used; one line: file, key, problem, what is allowed."""


def experiment_error(where: str, key: str | None, problem: str, allowed: str) -> ExperimentError:
    """Build the one-line `<file>: <key>: <problem>; allowed: <allowed>` message users see."""
    location = f"{where}: {key}" if key else where
    return ExperimentError(f"{location}: {problem}; allowed: {allowed}")


# ---------------------------------------------------------------------- data
@dataclass(frozen=True)
class Axis:
    """One varied parameter: grid values, a numeric range, or choices a design picks from.

    Attributes:
        name: Parameter name (its dataclass field, scenario key and output column).
        kind: "values" (a grid's list), "range" ([low, high] of a number) or "choices"
            (the categorical or true/false values a sampled design picks from).
        values: The grid values, (low, high), or the choices, typed as the parameter.
    """

    name: str
    kind: str
    values: tuple[Any, ...]

    def value_at(self, u: float) -> Any:
        """The parameter value at unit coordinate `u` in [0, 1] of a sampled design.

        Integers split [low, high] into equal bins, one per whole number, and so do choices, so
        every value is equally likely under a uniform design.
        """
        if self.kind == "choices":
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        low, high = self.values
        if isinstance(low, int):
            return int(min(low + math.floor(u * (high - low + 1)), high))
        return float(low + u * (high - low))

    def describe(self) -> Any:
        """JSON-ready form for metadata: a list of values or {low, high}."""
        if self.kind == "range":
            return {"low": self.values[0], "high": self.values[1]}
        return list(self.values)


@dataclass(frozen=True)
class Experiment:
    """A validated experiment spec, with command-line overrides applied.

    Attributes:
        name: The `name` key, else the file name without `.toml`.
        description: One line for listings and reports.
        path: The spec file.
        scenario: The base scenario as resolved; every run starts from its parameters.
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

    @property
    def where(self) -> str:
        """The spec file as named in messages (relative to the current folder when possible)."""
        return _label(self.path)

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
            return math.prod(len(a.values) for a in self.parameters)
        if self.design == "sobol":
            return n * (2 * d + 2 if self.second_order else d + 2)
        if self.design == "morris":
            return n * (d + 1)
        return n  # lhs, or 0 for "none"

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

    def with_overrides(self, replications: int | None = None, days: int | None = None) -> Experiment:
        """Copy with `--replications` / `--days` applied (checked like the file's values)."""
        where = "command line"
        changes: dict[str, Any] = {}
        if replications is not None:
            changes["replications"] = _whole(where, "--replications", replications, 1, MAX_REPLICATIONS)
        if days is not None:
            changes["days"] = _whole(where, "--days", days, 1, None)
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
        }

    def fingerprint(self) -> str:
        """A digest of `settings()`: equal digests mean the same runs with the same ids."""
        blob = json.dumps(self.settings(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------- loading
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
    design = _design(where, doc)
    parameters = _parameters(where, doc, design)
    tornado = _tornado(where, doc)
    if not parameters and not tornado:
        raise experiment_error(where, "parameters", "nothing to vary", "a [parameters] or [tornado] table")
    seed = _whole(where, "seed", doc.get("seed", DEFAULT_SEED), 0, MAX_SEED - 1)
    varied = [a.name for a in (*parameters, *tornado)]
    return Experiment(
        name=_string(where, "name", doc.get("name", path.stem)),
        description=_string(where, "description", doc.get("description", "")),
        path=path,
        scenario=_base_scenario(where, path, doc),
        design=design,
        parameters=parameters,
        tornado=tornado,
        replications=_whole(
            where, "replications", _required(where, doc, "replications"), 1, MAX_REPLICATIONS
        ),
        days=_whole(where, "days", doc.get("days", DEFAULT_DAYS), 1, None),
        seed=seed,
        design_seed=_design_seed(where, doc, seed),
        analysis_seed=derived_seed(seed, ANALYSIS_SEED_STREAM),
        period=_choice(where, "period", doc.get("period", DEFAULT_PERIOD), PERIODS),
        kpis=_kpis(where, doc, varied),
        samples=_samples(where, doc, design, len(parameters)),
        levels=_levels(where, doc),
        second_order=_boolean(where, "second_order", doc.get("second_order", False)),
        spec=doc,
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


def _design(where: str, doc: dict[str, Any]) -> str:
    """The design, required with [parameters]; design-only keys must match it."""
    if "design" not in doc:
        if doc.get("parameters"):
            raise experiment_error(where, "design", "missing", ", ".join(DESIGNS))
        design = "none"
    else:
        design = _choice(where, "design", doc["design"], DESIGNS)
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
    n = _whole(where, "samples", _required(where, doc, "samples"), 2, MAX_SAMPLES)
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
    levels = _whole(where, "levels", doc.get("levels", DEFAULT_MORRIS_LEVELS), 2, 20)
    if levels % 2:
        raise experiment_error(
            where, "levels", f"{levels} is odd (Morris steps need an even number of levels)", "2, 4, 6, ..."
        )
    return levels


def _design_seed(where: str, doc: dict[str, Any], seed: int) -> int:
    if "design_seed" in doc:
        return _whole(where, "design_seed", doc["design_seed"], 0, 2**32 - 1)
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


def _base_scenario(where: str, spec_path: Path, doc: dict[str, Any]) -> Scenario:
    """Load the base scenario: a shipped name, or a path relative to the spec file."""
    text = _string(where, "scenario", _required(where, doc, "scenario"))
    if text.endswith(".toml") or "/" in text or "\\" in text:
        path = Path(text) if Path(text).is_absolute() else spec_path.parent / text
        if not path.is_file():
            raise experiment_error(
                where,
                "scenario",
                f"file not found: {text}",
                "a shipped scenario or a .toml path relative to this file",
            )
        return load_scenario(path)
    shipped = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
    if text not in shipped:
        raise experiment_error(
            where, "scenario", f"unknown scenario {text!r}{suggest(text, shipped)}", ", ".join(shipped)
        )
    return load_scenario(text)


# ---------------------------------------------------------------------- parameters
def _parameters(where: str, doc: dict[str, Any], design: str) -> tuple[Axis, ...]:
    """[parameters]: value lists for a grid, ranges (or choices) for a sampled design."""
    axes = []
    for name, value in doc.get("parameters", {}).items():
        key = f"parameters.{name}"
        f = _field(where, key, name)
        if design == "grid":
            axes.append(_grid_axis(where, key, name, value, f))
        else:
            axes.append(_sampled_axis(where, key, name, value, f))
    return tuple(axes)


def _tornado(where: str, doc: dict[str, Any]) -> tuple[Axis, ...]:
    """[tornado]: two values per parameter, each run with everything else at the base scenario."""
    axes = []
    for name, value in doc.get("tornado", {}).items():
        key = f"tornado.{name}"
        f = _field(where, key, name)
        values = _value_list(where, key, name, value, f)
        if len(values) != 2:
            raise experiment_error(
                where,
                key,
                f"got {len(values)} values",
                "exactly two values [low, high] to vary one at a time",
            )
        if _is_number(f) and not values[0] < values[1]:
            raise experiment_error(
                where, key, f"low {values[0]!r} is not below high {values[1]!r}", "[low, high]"
            )
        axes.append(Axis(name, "values", values))
    return tuple(axes)


def _field(where: str, key: str, name: str) -> dataclasses.Field:
    """The dataclass field of a parameter name, or an error with the closest names."""
    fields = parameter_fields()
    if name in TOP_LEVEL_KEYS:
        table = key.split(".")[0]
        raise experiment_error(
            where,
            key,
            f"a top-level key inside [{table}]",
            f"move {name} above the first [table] of the file",
        )
    if name not in fields:
        raise experiment_error(
            where,
            key,
            f"unknown parameter{suggest(name, fields)}",
            "a parameter of [market], [levers] or [mechanisms] (all listed in docs/ODD.md)",
        )
    return fields[name][1]


def _grid_axis(where: str, key: str, name: str, value: Any, f: dataclasses.Field) -> Axis:
    return Axis(name, "values", _value_list(where, key, name, value, f))


def _sampled_axis(where: str, key: str, name: str, value: Any, f: dataclasses.Field) -> Axis:
    """A numeric [low, high] range, or the choices of a categorical or true/false parameter."""
    values = _value_list(where, key, name, value, f)
    if not _is_number(f):
        if len(values) < 2:
            raise experiment_error(where, key, "only one choice", "two or more choices to sample from")
        return Axis(name, "choices", values)
    if len(values) != 2 or not values[0] < values[1]:
        got = f"got {_toml(list(values))}" if len(values) != 2 else f"low {values[0]!r} is not below high"
        raise experiment_error(where, key, got, f"a range [low, high] with low < high, within {_allowed(f)}")
    return Axis(name, "range", values)


def _value_list(where: str, key: str, name: str, value: Any, f: dataclasses.Field) -> tuple[Any, ...]:
    """A non-empty list of distinct, valid values of one parameter, typed as the parameter."""
    if not isinstance(value, list) or not value:
        raise experiment_error(
            where, key, f"got {_toml(value)}", f"a non-empty list of values: {_allowed(f)}"
        )
    values = tuple(_parameter_value(where, f"{key}[{i}]", name, v, f) for i, v in enumerate(value))
    for i, v in enumerate(values):
        if values.index(v) != i:
            raise experiment_error(where, f"{key}[{i}]", f"{_toml(value[i])} listed twice", "each value once")
    return values


def _parameter_value(where: str, key: str, name: str, value: Any, f: dataclasses.Field) -> Any:
    """Check a value against the parameter's type and range (as scenario files are checked)."""
    group = parameter_fields()[name][0]
    try:
        GROUPS[group](**{name: value})
    except ParameterError:
        raise experiment_error(where, key, _value_problem(value, f), _allowed(f)) from None
    kind = type(f.default)
    return kind(value) if kind in (int, float) else value


def _is_number(f: dataclasses.Field) -> bool:
    return type(f.default) in (int, float)


# ---------------------------------------------------------------------- scalar values
def _whole(where: str, key: str, value: Any, low: int, high: int | None) -> int:
    """A whole number in [low, high] (no upper bound when high is None)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):
        allowed = f"a whole number from {low} to {high}" if high is not None else f"a whole number >= {low}"
        raise experiment_error(where, key, f"got {_toml(value)}", allowed)
    return int(value)


def _string(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise experiment_error(where, key, f"must be a string, got {_toml(value)}", 'a quoted string "..."')
    return value


def _boolean(where: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise experiment_error(where, key, f"wrong type: got {_toml(value)}", "true or false")
    return value


def _choice(where: str, key: str, value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        hint = suggest(value, choices) if isinstance(value, str) else ""
        raise experiment_error(where, key, f"got {_toml(value)}{hint}", ", ".join(choices))
    return value


def intervention_note(experiment: Experiment) -> str | None:
    """A note when the base scenario's interventions also set a varied parameter later in a run."""
    later = {name for item in experiment.scenario.interventions for name in item.values}
    clash = [n for n in experiment.varied if n in later]
    if not clash:
        return None
    return (
        f"the base scenario's interventions also set {', '.join(clash)}: the sweep varies their "
        "start values only"
    )
