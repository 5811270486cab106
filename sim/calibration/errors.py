"""One way for calibration inputs to report a problem, whatever file it is in.

Observed figures and CRM exports are checked as strictly as scenario files and say what is
wrong in the same one-line form, `<file>: <key>: <problem>; allowed: <what is allowed>`
(`sim.model.scenario.scenario_error`). Each input has its own error class, so a caller can
tell a bad figures file from a bad export, but both build and re-raise their errors here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sim.model.params import ParameterError
from sim.model.scenario import ScenarioError, scenario_error


def input_error(
    where: str, key: str | None, problem: str, allowed: str, *, cls: type[ParameterError]
) -> ParameterError:
    """The one-line error of `scenario_error`, as an instance of the input's own class `cls`."""
    return cls(str(scenario_error(where, key, problem, allowed)))


@contextmanager
def reraised_as(cls: type[ParameterError]) -> Iterator[None]:
    """Re-raise a ScenarioError from the block (unreadable TOML, a bad parameter) as `cls`.

    The message, which already names the file and key, is kept; the scenario traceback is
    dropped, since the user sees the one line only.
    """
    try:
        yield
    except ScenarioError as err:
        raise cls(str(err)) from None
