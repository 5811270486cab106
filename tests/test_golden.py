"""Golden outputs: short runs of every shipped scenario stay bit-identical (see golden_outputs.py).

A failure means results changed. If the change is intended, explain it in the commit message and
regenerate with `python tests/golden_outputs.py --update`.
"""

from __future__ import annotations

import json

import pytest
from golden_outputs import CASES, GOLDEN_FILE, digests, run_case

STORED = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))


def test_every_case_has_stored_digests():
    """The golden file covers exactly the listed cases."""
    assert sorted(STORED) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_run_is_bit_identical_to_golden(name):
    """Every daily array, the summary, the tables and the lead table hash as stored."""
    computed = digests(run_case(*CASES[name]))
    assert computed.keys() == STORED[name].keys(), "an output part was added or lost"
    for part, stored in STORED[name].items():
        changed = sorted(
            k for k in stored.keys() | computed[part].keys() if stored.get(k) != computed[part].get(k)
        )
        assert not changed, f"{name}: {part} changed: {changed}"
