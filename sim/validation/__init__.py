"""Pattern-oriented validation: does the model reproduce what is known?

Each pattern is a small module with a `PATTERN` (see `sim.validation.core.Pattern`): where its
target comes from, how far that source can be trusted, which runs it needs at full and quick
size, and how the finished runs become rows of the validation table. `PATTERNS` is the registry,
in the order of the table; `sim.validation.suite.run_suite` runs them all at once, in parallel.

The dependency points one way: the command line imports this package, this package imports the
model; the model knows nothing of validation.
"""

from __future__ import annotations

from sim.validation import funnel, mechanisms, meetings, response_decay, structure
from sim.validation.core import Pattern

PATTERNS: dict[str, Pattern] = {
    m.PATTERN.name: m.PATTERN for m in (response_decay, funnel, structure, mechanisms, meetings)
}

__all__ = ["PATTERNS", "Pattern"]
