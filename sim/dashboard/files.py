"""Which scenario files the dashboard's page may read, and what its messages may show.

The page is a web page: whoever can open it can type into its scenario-file box, and on
`--host 0.0.0.0 --allow-remote` that is anyone on the network. Loading any `.toml` on the server
would let them read other files piece by piece (a file's `name` became the page title, a section
name appeared in an error) and probe which paths exist. So the page reads only:

- the shipped scenarios, by name, and any `.toml` file under the scenarios folder;
- `.toml` files directly in the folder the dashboard was started in (`ENV_FOLDER`, set by
  `run.py dashboard` to its working directory), where a consultant keeps a client's file;
- the scenario and comparison given on the command line (`ENV_SCENARIO`, `ENV_COMPARE`): the
  person who started the server chose them.

Anything else gets the same message whether it exists or not, a file whose top level is not a
scenario's is refused without quoting it, and every message the page shows has server paths cut
down to file names (`public_message`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sim.model.params import ParameterError
from sim.model.scenario import SCENARIO_DIR, TOP_LEVEL_KEYS, ScenarioError, _read_toml

ENV_FOLDER = "SIM_DASHBOARD_FOLDER"  # set by `run.py dashboard`: the folder it was started in
OPERATOR_ENVS = ("SIM_DASHBOARD_SCENARIO", "SIM_DASHBOARD_COMPARE")  # sim.dashboard.runs.ENV_*
NOT_READABLE = (
    "scenario file {name!r}: not a scenario file the dashboard may read; allowed: a shipped "
    "scenario, or a .toml file in the scenarios folder or in the folder the dashboard was started in"
)
NOT_A_SCENARIO = (
    "scenario file {name!r}: not a scenario file (its top level has keys no scenario has); "
    "allowed: " + ", ".join(TOP_LEVEL_KEYS) + " (python run.py run FILE says which key is wrong)"
)
# An absolute path (POSIX or Windows) up to its last separator: what public_message removes.
_PATH = re.compile(r"(?<![\w.:/\\])(?:[A-Za-z]:)?[/\\](?:[^\s/\\:;,'\"()]+[/\\])*(?=[^\s/\\:;,'\"()]+)")


def start_folder() -> Path:
    """The folder the dashboard was started in (resolved), whose `.toml` files the page may read."""
    return Path(os.environ.get(ENV_FOLDER) or os.getcwd()).resolve()


def shipped_names() -> list[str]:
    """Names of the shipped scenarios, which the page may always load by name."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def page_scenario(name: str) -> str | Path:
    """What to load for a scenario the page asks for: a shipped name, or an allowed file.

    Args:
        name: What the picker or the file box sent: a shipped scenario's name, the command
            line's scenario, or a `.toml` path (relative paths from the start folder).

    Raises:
        ParameterError: The file is not one the page may read, or not a scenario file; the
            message is the same whether or not the path exists, and shows only `name`.
    """
    if name in shipped_names() or name in {os.environ.get(env) for env in OPERATOR_ENVS} - {None, ""}:
        return name
    shown = Path(name).name or name
    if not name.endswith(".toml"):
        raise ParameterError(NOT_READABLE.format(name=shown))
    path = Path(name) if Path(name).is_absolute() else start_folder() / name
    resolved = path.resolve()  # follows links: a link out of the folders is refused too
    inside = resolved.is_relative_to(SCENARIO_DIR.resolve()) or resolved.parent == start_folder()
    if not (inside and resolved.suffix == ".toml" and resolved.is_file()):
        raise ParameterError(NOT_READABLE.format(name=shown))
    try:
        top_level = _read_toml(resolved)
    except ScenarioError:
        return resolved  # loading reports the syntax error (line and column, no content)
    if any(key not in TOP_LEVEL_KEYS for key in top_level):
        raise ParameterError(NOT_A_SCENARIO.format(name=shown))
    return resolved


def public_message(err: Exception) -> str:
    """An error as one line for the page, with every absolute path cut to its file name."""
    return _PATH.sub("", " ".join(str(err).split()))
