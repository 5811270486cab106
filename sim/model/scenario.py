"""Scenario files: data-only TOML that sets market, lever and mechanism values.

A scenario is nothing but parameter values (DESIGN.md section 2: org structures are bundles of
lever values), plus interventions that change lever values from a given working day. Loading is
strict because a silently ignored typo in a consultant's file would make a wrong answer look
right: every problem raises a `ScenarioError` whose one-line message names the file, the key,
the problem and what is allowed.

File format::

    name = "integrated"                 # optional, defaults to the file name
    description = "..."                 # optional
    extends = "aligned"                 # optional: inherit another file of the same folder

    [market]                            # uncertainties (sim.model.params.Market)
    [levers]                            # management levers (sim.model.params.Levers)
    [mechanisms]                        # ablation switches (sim.model.params.Mechanisms)

    [[interventions]]                   # zero or more
    day = 126                           # 0-based working day from which the values apply
    description = "..."                 # optional
    change_cost = 150000                # optional (sim.model.params.ChangeCost): paid once that day,
    change_dip = 0.15                   #   and the share of hours lost that day, fading to none
    change_dip_days = 60                #   over this many working days
    [interventions.levers]              # and/or [interventions.market], [interventions.mechanisms]

Limits, each refused with a one-line error rather than failing later: a name of at most
MAX_NAME_CHARS characters (it becomes part of a results folder's name, and file systems refuse
names over 255 bytes), descriptions of at most MAX_DESCRIPTION_CHARS (they are copied into every
metadata.json and report), `extends` naming a file of the same folder only (a scenario folder can
be handed over and read as a whole, and a scenario cannot pull in files from elsewhere), and
chains of at most MAX_EXTENDS_DEPTH files, without cycles. A UTF-8 byte order mark, which some
Windows editors write, is accepted.
"""

from __future__ import annotations

import dataclasses
import json
import numbers
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.model.params import (
    FIXED_DURING_RUN,
    GROUPS,
    ChangeCost,
    Intervention,
    ParameterError,
    Params,
    parameter_fields,
    suggest,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
SECTIONS: tuple[str, ...] = tuple(GROUPS)
TOP_LEVEL_KEYS: tuple[str, ...] = ("name", "description", "extends", *SECTIONS, "interventions")
CHANGE_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ChangeCost))
INTERVENTION_KEYS: tuple[str, ...] = ("day", "description", *CHANGE_KEYS, *SECTIONS)
MAX_NAME_CHARS = 64  # a compare folder joins several names; 255 bytes is the usual file-name limit
MAX_DESCRIPTION_CHARS = 2000  # a few paragraphs; metadata.json and reports copy it
MAX_EXTENDS_DEPTH = 16  # shipped chains are two files deep; deeper is a mistake, not a design
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ScenarioError(ParameterError):
    """A scenario that cannot be loaded; the message is one line: where, key, problem, allowed."""


def scenario_error(where: str, key: str | None, problem: str, allowed: str) -> ScenarioError:
    """Build the one-line `<where>: <key>: <problem>; allowed: <allowed>` error users see."""
    location = f"{where}: {key}" if key else where
    return ScenarioError(f"{location}: {problem}; allowed: {allowed}")


@dataclass(frozen=True)
class ScenarioIntervention(Intervention):
    """An intervention that remembers its description, for metadata and reports."""

    description: str = ""


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: parameters as given plus interventions, and where they came from.

    Attributes:
        name: Scenario name (the `name` key, else the file name without `.toml`).
        description: One line for listings and reports.
        params: Parameter values at the start of a run.
        interventions: Value changes from given working days, sorted by day.
        path: The file it was loaded from, or None when built in code.
        given: Parameter names the file (with its parents) or overrides set explicitly, so that
            a structure's own levers can be told from the defaults it leaves alone (`on_base`).
    """

    name: str
    description: str = ""
    params: Params = field(default_factory=Params)
    interventions: tuple[Intervention, ...] = ()
    path: Path | None = None
    given: frozenset[str] = frozenset()

    def with_values(self, values: dict[str, Any], source: str = "overrides") -> Scenario:
        """Return a copy with flat `name: value` parameter overrides, validated like a file.

        Args:
            values: Parameter names (unique across groups) and their new start values.
            source: What to call the overrides in error messages (e.g. "--set").
        """
        if not values:
            return self
        flat = {name: _checked(source, "", name, value) for name, value in values.items()}
        params = _build(source, self.params, flat)
        return dataclasses.replace(self, params=params, given=self.given | flat.keys())


# ---------------------------------------------------------------------- public functions
def load_scenario(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, resolve (`extends`) and validate a scenario, then apply flat overrides.

    Args:
        name_or_path: A shipped scenario's name (`scenarios/<name>.toml`), or a path: anything
            ending in `.toml` or containing a path separator.
        overrides: Flat parameter overrides applied after loading (`Scenario.with_values`).

    Raises:
        ScenarioError: Unknown name, missing or malformed file, or any invalid key or value.
    """
    path = resolve_path(name_or_path)
    spec = _load_spec(path, ())
    start = _build(_label(path), Params(), spec.values)
    interventions = _check_interventions(_label(path), start, spec.interventions)
    scenario = Scenario(spec.name, spec.description, start, interventions, path, frozenset(spec.values))
    return scenario.with_values(overrides or {})


def list_scenarios(folder: Path = SCENARIO_DIR) -> list[tuple[str, str]]:
    """Names (what `load_scenario` accepts) and descriptions of the shipped scenarios.

    A broken file is listed with its error instead of its description, so one bad file does not
    hide the others.
    """
    listing = []
    for path in sorted(folder.glob("*.toml")):
        try:
            description = load_scenario(path).description
        except ScenarioError as err:
            description = f"(invalid: {err})"
        listing.append((path.stem, description))
    return listing


def resolve_path(name_or_path: str | Path) -> Path:
    """Map a scenario name to its shipped file, or return the given path; check it exists."""
    text = str(name_or_path)
    is_path = isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text
    if not is_path:
        available = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
        if text not in available:
            raise scenario_error(
                _label(SCENARIO_DIR),
                None,
                f"unknown scenario {text!r}{suggest(text, available)}",
                ", ".join(available) or "(none shipped)",
            )
        return SCENARIO_DIR / f"{text}.toml"
    path = Path(name_or_path)
    if not path.is_file():
        raise scenario_error(_label(path), None, "file not found", "an existing .toml scenario file")
    return path


def lever_differences(a: Scenario, b: Scenario) -> dict[str, tuple[Any, Any]]:
    """Start values that differ between two scenarios: `name: (value_a, value_b)`.

    Comparison reports show these so a reader sees that two structures differ in lever values
    only. Interventions are not compared.
    """
    flat_a, flat_b = a.params.flat(), b.params.flat()
    return {name: (flat_a[name], flat_b[name]) for name in flat_a if flat_a[name] != flat_b[name]}


def differing_parameters(params: Sequence[Params]) -> list[str]:
    """Names of the parameters whose start value is not the same in all of `params`, in field order.

    Every command's summary.csv carries these as columns (scenario keys as names), so a table of
    runs says what distinguished its arms without its metadata.json.
    """
    flats = [p.flat() for p in params]
    if not flats:
        return []
    return [name for name in flats[0] if any(f[name] != flats[0][name] for f in flats[1:])]


def on_base(structure: Scenario, base: Scenario) -> Scenario:
    """A structure's levers applied to another company: `base`'s market, teams and switches kept.

    A structure is a bundle of lever values (DESIGN.md section 2), so it can be applied to any
    company, like `extends` in a file but limited to levers: the start values of the levers the
    structure's file sets (team sizes excepted: they are the company's), then `base`'s
    interventions and the lever values of the structure's own. Whatever else the structure sets
    (its market, team sizes, switches) is left out; `left_out_on_base` lists it for reports.
    The result keeps the structure's name and file.
    """
    own = _structure_levers(structure)
    params = _build(structure.name, base.params, own)
    interventions = [*base.interventions, *_lever_interventions(structure)]
    ordered = _check_interventions(structure.name, params, interventions)  # type: ignore[arg-type]
    return dataclasses.replace(structure, params=params, interventions=ordered, given=base.given | own.keys())


def as_arms(
    scenarios: list[Scenario], base: Scenario | None = None, overrides: dict[str, Any] | None = None
) -> list[Scenario]:
    """The arms of a comparison: each scenario applied to `base` if given, then `overrides` (--set).

    Raises:
        ScenarioError: An override that is not allowed (the message names `--set` and the key).
    """
    arms = [on_base(s, base) for s in scenarios] if base is not None else list(scenarios)
    return [s.with_values(overrides, source="--set") for s in arms] if overrides else arms


def left_out_on_base(structure: Scenario, base: Scenario) -> dict[str, tuple[Any, Any]]:
    """What `on_base` does not take from a structure: `name: (structure's value, base's value)`.

    Only values that differ from the base's are listed (nothing was lost where they agree); an
    intervention's market or mechanism values count with their value from that day.
    """
    fields = parameter_fields()
    mine, theirs = structure.params.flat(), base.params.flat()
    left = {
        k: (mine[k], theirs[k])
        for k in sorted(structure.given, key=list(fields).index)
        if k not in _structure_levers(structure) and mine[k] != theirs[k]
    }
    for item in structure.interventions:
        for k, v in item.values.items():
            if fields[k][0] != "levers" and v != theirs[k]:
                left.setdefault(k, (v, theirs[k]))
    return left


def _structure_levers(structure: Scenario) -> dict[str, Any]:
    """The start values of the levers a structure sets itself, team sizes excepted."""
    fields, flat = parameter_fields(), structure.params.flat()
    return {
        k: flat[k]
        for k in fields
        if k in structure.given and fields[k][0] == "levers" and k not in FIXED_DURING_RUN
    }


def _lever_interventions(structure: Scenario) -> list[Intervention]:
    """A structure's interventions with only their lever values, and their cost (empty ones dropped)."""
    fields = parameter_fields()
    out: list[Intervention] = []
    for item in structure.interventions:
        values = {k: v for k, v in item.values.items() if fields[k][0] == "levers"}
        if values or item.change != ChangeCost():
            out.append(dataclasses.replace(item, values=values))
    return out


# ---------------------------------------------------------------------- reading files
@dataclass
class _Spec:
    """What one file and its ancestors say, before building parameters."""

    name: str
    description: str
    values: dict[str, Any]
    interventions: list[ScenarioIntervention]


def _label(path: Path) -> str:
    """A short, recognisable name for a file in messages: relative to cwd or project if possible."""
    resolved = path.resolve()
    for base in (Path.cwd(), PROJECT_ROOT):
        if resolved.is_relative_to(base):
            return str(resolved.relative_to(base))
    return str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a one-line ScenarioError.

    A UTF-8 byte order mark is skipped (TOML forbids it, but Windows editors write it and the
    file is otherwise fine); a UTF-16 file is named as such instead of failing as bad syntax.
    """
    where = _label(path)
    try:
        data = path.read_bytes()
        if data.startswith(UTF16_BOMS):
            raise UnicodeError("the file is UTF-16 encoded")
        return tomllib.loads(data.removeprefix(UTF8_BOM).decode("utf-8"))
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        key = f"line {found[1]}, column {found[2]}" if found else None
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise scenario_error(
            where, key, f"malformed TOML: {problem}", "TOML syntax (https://toml.io)"
        ) from None
    except (OSError, UnicodeError) as err:
        problem = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise scenario_error(
            where, None, f"cannot read file: {problem}", "a readable UTF-8 .toml file"
        ) from None


def _load_spec(path: Path, chain: tuple[Path, ...]) -> _Spec:
    """Read one file, resolve its `extends` recursively, and merge: the child overrides."""
    where = _label(path)
    if path.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, path.resolve()))
        raise scenario_error(where, "extends", f"cycle {cycle}", "a chain of files without loops")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise scenario_error(
            _label(chain[0]),
            "extends",
            f"chain of more than {MAX_EXTENDS_DEPTH} files (reached {path.name})",
            f"at most {MAX_EXTENDS_DEPTH} files from the scenario to its last ancestor",
        )
    doc = _read_toml(path)
    _check_top_level(where, doc)
    parent = _parent_spec(path, doc, (*chain, path.resolve()))
    values = dict(parent.values)
    for section in SECTIONS:
        values.update(_section_values(where, section, section, doc.get(section, {})))
    interventions = [_intervention(where, i, item) for i, item in enumerate(_intervention_list(where, doc))]
    return _Spec(
        name=_capped(where, "name", doc.get("name", path.stem), MAX_NAME_CHARS, "name" not in doc),
        description=_capped(where, "description", doc.get("description", ""), MAX_DESCRIPTION_CHARS),
        values=values,
        interventions=parent.interventions + interventions,
    )


def _parent_spec(path: Path, doc: dict[str, Any], chain: tuple[Path, ...]) -> _Spec:
    """The spec a file extends (a name or file of the same folder), or an empty one."""
    if "extends" not in doc:
        return _Spec("", "", {}, [])
    where = _label(path)
    parent = _text(where, "extends", doc["extends"])
    if "/" in parent or "\\" in parent or parent in ("", ".", ".."):
        raise scenario_error(
            where,
            "extends",
            f"{parent!r} is not a file of this scenario's folder",
            'the name of another scenario in the same folder, e.g. "segregated" (no path)',
        )
    target = path.parent / (parent if parent.endswith(".toml") else f"{parent}.toml")
    if not target.is_file():
        siblings = sorted(p.stem for p in path.parent.glob("*.toml") if p != path)
        raise scenario_error(
            where,
            "extends",
            f"no scenario {parent!r} next to this file{suggest(parent, siblings)}",
            ", ".join(siblings) or "(no other scenario files in this folder)",
        )
    return _load_spec(target, chain)


def _check_top_level(where: str, doc: dict[str, Any]) -> None:
    """Reject unknown top-level keys and sections, pointing parameters to their section."""
    fields = parameter_fields()
    for key, value in doc.items():
        if key in TOP_LEVEL_KEYS:
            if key in SECTIONS and not isinstance(value, dict):
                raise scenario_error(where, key, f"must be a table [{key}]", f"a [{key}] section")
            continue
        if key in fields:
            section = fields[key][0]
            raise scenario_error(where, key, f"belongs in [{section}]", f"put it under [{section}]")
        kind = "section" if isinstance(value, dict) else "top-level key"
        raise scenario_error(
            where, key, f"unknown {kind}{suggest(key, TOP_LEVEL_KEYS)}", ", ".join(TOP_LEVEL_KEYS)
        )


def _text(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise scenario_error(where, key, f"must be a string, got {_short(value)}", 'a quoted string "..."')
    return value


def _capped(where: str, key: str, value: Any, limit: int, from_file_name: bool = False) -> str:
    """A string of at most `limit` characters: refused, not cut, so nothing changes unseen."""
    text = _text(where, key, value)
    if len(text) > limit:
        what = " (the file name, as the file sets no name)" if from_file_name else ""
        raise scenario_error(
            where,
            key,
            f"too long: {len(text):,} characters{what}",
            f"a string of at most {limit:,} characters",
        )
    return text


def _short(value: Any, limit: int = 60) -> str:
    """A value as in TOML, cut to `limit` characters so one error stays one readable line."""
    text = _toml(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------- sections and values
def _section_values(where: str, prefix: str, section: str, table: Any) -> dict[str, Any]:
    """Validate one [section] table key by key and return its flat `name: value` dict."""
    if not isinstance(table, dict):
        raise scenario_error(where, prefix, f"must be a table [{prefix}]", f"a [{prefix}] section")
    return {key: _checked(where, prefix, key, value, section) for key, value in table.items()}


def _checked(where: str, prefix: str, key: str, value: Any, section: str | None = None) -> Any:
    """Check that a key exists (in `section` if given) and that its value is allowed."""
    fields = parameter_fields()
    location = f"{prefix}.{key}" if prefix else key
    if key not in fields:
        valid = [n for n, (g, _) in fields.items() if section in (None, g)]
        allowed = (
            f"the [{section}] keys: {', '.join(valid)}"
            if section
            else "a parameter name of [market], [levers] or [mechanisms] (all listed in docs/ODD.md)"
        )
        raise scenario_error(where, location, f"unknown key{suggest(key, valid)}", allowed)
    group, f = fields[key]
    if section is not None and group != section:
        raise scenario_error(
            where, location, f"{key!r} belongs in [{group}], not [{section}]", f"move it under [{group}]"
        )
    try:
        GROUPS[group](**{key: value})
    except ParameterError:
        raise scenario_error(where, location, _value_problem(value, f), _allowed(f)) from None
    return value


def _value_problem(value: Any, f: dataclasses.Field) -> str:
    """Say whether a rejected value has the wrong type, is not a choice, or is out of range."""
    kind = type(f.default)
    if kind is bool:
        return f"wrong type: got {_toml(value)}"
    if kind is str:
        if not isinstance(value, str):
            return f"wrong type: got {_toml(value)}"
        return f"unknown choice {_toml(value)}{suggest(value, f.metadata['choices'])}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"wrong type: got {_toml(value)}"
    if kind is int and not float(value).is_integer():
        return f"not a whole number: {_toml(value)}"
    return f"out of range: {_toml(value)}"


def _allowed(f: dataclasses.Field) -> str:
    """Describe a parameter's allowed values from its metadata (the one place they are declared)."""
    kind = type(f.default)
    if kind is bool:
        return "true or false"
    if kind is str:
        return "one of " + ", ".join(f'"{c}"' for c in f.metadata["choices"])
    what = "a whole number" if kind is int else "a number"
    unit = f" {f.metadata['unit']}" if f.metadata["unit"] else ""
    return f"{what} from {f.metadata['low']:g} to {f.metadata['high']:g}{unit}"


def _toml(value: Any) -> str:
    """Show a value as it would be written in TOML (true, "text", 3.5)."""
    if isinstance(value, bool | str | int | float):
        return json.dumps(value)
    return repr(value)


def _build(where: str, base: Params, values: dict[str, Any]) -> Params:
    """Apply checked values; any remaining ParameterError still gets the file in front."""
    try:
        return base.with_values(values)
    except ParameterError as err:
        raise scenario_error(where, None, str(err), "see docs/ODD.md for every parameter's range") from None


# ---------------------------------------------------------------------- interventions
def _intervention_list(where: str, doc: dict[str, Any]) -> list[Any]:
    items = doc.get("interventions", [])
    if not isinstance(items, list):
        raise scenario_error(where, "interventions", "must be an array of tables", "[[interventions]] blocks")
    return items


def _intervention(where: str, index: int, item: Any) -> ScenarioIntervention:
    """Validate one [[interventions]] block: its keys, its day and its (changeable) values."""
    prefix = f"interventions[{index}]"
    if not isinstance(item, dict):
        raise scenario_error(where, prefix, "must be a table", "[[interventions]] blocks")
    for key in item:
        if key not in INTERVENTION_KEYS:
            raise scenario_error(
                where,
                f"{prefix}.{key}",
                f"unknown key{suggest(key, INTERVENTION_KEYS)}",
                ", ".join(INTERVENTION_KEYS),
            )
    day = item.get("day")
    if isinstance(day, bool) or not isinstance(day, int) or day < 0:
        problem = "missing" if day is None else f"got {_toml(day)}"
        raise scenario_error(where, f"{prefix}.day", problem, "a whole number of working days >= 0")
    values: dict[str, Any] = {}
    for section in SECTIONS:
        values.update(_section_values(where, f"{prefix}.{section}", section, item.get(section, {})))
    fixed = sorted(FIXED_DURING_RUN & values.keys())
    if fixed:
        raise scenario_error(
            where,
            f"{prefix}.{parameter_fields()[fixed[0]][0]}.{fixed[0]}",
            "team sizes are fixed during a run",
            "any parameter except " + ", ".join(sorted(FIXED_DURING_RUN)),
        )
    change = _change(where, prefix, item)
    if not values and change == ChangeCost():
        raise scenario_error(
            where, prefix, "changes nothing", "[interventions.levers], .market or .mechanisms values"
        )
    description = _capped(where, f"{prefix}.description", item.get("description", ""), MAX_DESCRIPTION_CHARS)
    return ScenarioIntervention(day=day, values=values, change=change, description=description)


def _change(where: str, prefix: str, item: dict[str, Any]) -> ChangeCost:
    """The intervention's cost keys, each checked like a parameter (type and range)."""
    fields = {f.name: f for f in dataclasses.fields(ChangeCost)}
    values = {key: item[key] for key in CHANGE_KEYS if key in item}
    for key, value in values.items():
        try:
            ChangeCost(**{key: value})
        except ParameterError:
            raise scenario_error(
                where, f"{prefix}.{key}", _value_problem(value, fields[key]), _allowed(fields[key])
            ) from None
    return ChangeCost(**values)


def _check_interventions(
    where: str, start: Params, items: list[ScenarioIntervention]
) -> tuple[Intervention, ...]:
    """Apply interventions in day order, as the model will, so every state they create is valid."""
    ordered = tuple(sorted(items, key=lambda i: i.day))
    params = start
    for item in ordered:
        params = _build(where, params, item.values)
    return ordered
