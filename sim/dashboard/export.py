"""Downloads: each run's time series and summary as CSV, and its current levers as a scenario file.

The scenario file holds every parameter whose current value differs from the model's default, in
the sections of a scenario file (`sim.model.scenario`), so `python run.py run FILE` and
`python run.py compare FILE ...` start from the levers the page shows now (the lever changes made
mid-run become start values: the file describes the organisation as it stands).
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.model.params import GROUPS, Params, parameter_fields
from sim.model.scenario import MAX_NAME_CHARS

if TYPE_CHECKING:
    from sim.dashboard.runs import DashboardModel, Run


def timeseries_csv(model: DashboardModel, index: int) -> str:
    """Run `index`'s daily table so far (the columns of `run.py run`'s timeseries)."""
    with model.step_lock:
        table = model.runs[index].model.timeseries("day")
    return table.to_csv(index=False)


def summary_csv(model: DashboardModel, index: int) -> str:
    """Run `index`'s totals and rates so far, one row, with its scenario, seed and day."""
    run = model.runs[index]
    with model.step_lock:
        row = {"scenario": run.label, "seed": model.seed, "day": model.day, **run.model.summary()}
    return pd.DataFrame([row]).to_csv(index=False)


def toml_value(value: Any) -> str:
    """A parameter value in TOML: true/false, a quoted string, an integer or a float."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))


def scenario_toml(model: DashboardModel, index: int) -> str:
    """Run `index`'s levers as they stand (pending changes included) as a scenario file."""
    run = model.runs[index]
    values = model.current_values(index)
    defaults = Params().flat()
    fields = parameter_fields()
    name = f"{run.label} from the dashboard"[:MAX_NAME_CHARS]
    lines = [
        f"name = {json.dumps(name)}",
        f"description = {json.dumps(description(run, model.day))}",
    ]
    for section in GROUPS:
        changed = [n for n, v in values.items() if fields[n][0] == section and v != defaults[n]]
        if changed:
            lines += ["", f"[{section}]", *(f"{n} = {toml_value(values[n])}" for n in changed)]
    return "\n".join(lines) + "\n"


def description(run: Run, day: int) -> str:
    """What the file is: which run, at which day."""
    return f"The levers of {run.label} on working day {day} of a dashboard run, as start values."


def file_stem(label: str) -> str:
    """A file name part from a run's label: letters, digits, '-' and '_' only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", label).strip("_") or "run"


FILES: tuple[tuple[str, str, str], ...] = (
    # link text, file name ending, MIME type
    ("time series (CSV)", "timeseries.csv", "text/csv"),
    ("summary (CSV)", "summary.csv", "text/csv"),
    ("levers (scenario TOML)", "levers.toml", "application/toml"),
)


def download_links(model: DashboardModel) -> str:
    """Links that save each run's files (data: URLs with a `download` name), one line per run."""
    makers = (timeseries_csv, summary_csv, scenario_toml)
    with model.step_lock:
        lines = []
        for i, run in enumerate(model.runs):
            stem = file_stem(run.label)
            anchors = []
            for (text, ending, mime), make in zip(FILES, makers, strict=True):
                data = base64.b64encode(make(model, i).encode()).decode()
                anchors.append(
                    f'<a class="sim-download" download="{html.escape(f"{stem}_{ending}")}" '
                    f'href="data:{mime};base64,{data}">{html.escape(text)}</a>'
                )
            lines.append(
                f"<div><b>{html.escape(run.label)}</b> (day {model.day}): {' · '.join(anchors)}</div>"
            )
    return "".join(lines)
