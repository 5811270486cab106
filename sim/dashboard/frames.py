"""Frames: what the page shows, taken from the model at one moment, after the last step of a batch.

The page used to read the live model as each panel rendered, while Play kept stepping it in another
thread: the status line said day 141 when the model was at 150, and the plots could be a few days
apart from it. Now the controller takes one `Frame` (under the model's step lock) after the last
step of a Step press or of a frame of Play, and every panel draws that frame: status line, key
figures, plots and people always show the same day.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sim.dashboard.key_figures import kpi_html, status_line
from sim.dashboard.people import People, people
from sim.dashboard.plots import RunData
from sim.dashboard.runs import DashboardModel

_serials = itertools.count(1)


@dataclass(frozen=True)
class Frame:
    """One moment of a `DashboardModel`.

    Attributes:
        serial: Grows with every frame taken (so a panel knows when to redraw).
        day: The working day every panel shows.
        horizon: Working days of the run.
        status: The status line.
        figures: The key-figures panel (HTML).
        runs: What the plots draw, per run.
        people: Reps and marketers, per run.
    """

    serial: int
    day: int
    horizon: int
    status: str
    figures: str
    runs: tuple[RunData, ...]
    people: tuple[People, ...]


def take_frame(model: DashboardModel) -> Frame:
    """A frame of the model now; no step runs while it is taken."""
    with model.step_lock:
        return Frame(
            serial=next(_serials),
            day=model.day,
            horizon=model.horizon,
            status=status_line(model),
            figures=kpi_html(model),
            runs=tuple(model.run_data()),
            people=tuple(people(run.label, run.model) for run in model.runs),
        )
