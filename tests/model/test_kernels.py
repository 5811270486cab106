"""The compiled kernels keep the mechanisms' rules; their copies of numpy helpers stay equal.

The golden digests prove the kernels bit-identical on ten runs; these tests name the rules a
kernel must keep whatever the run (capacity, order, the day's bounds) and guard the one helper
written twice, the attempt uniform, against drifting from `randomness.attempt_uniform`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from sim.model import kernels, kernels_queue
from sim.model.randomness import Streams, attempt_uniform

INBOUND, OWN = 1, 2


def test_the_compiled_attempt_uniform_is_randomness_attempt_uniform():
    rng = np.random.default_rng(7)
    u, attempt = rng.random(500), rng.integers(0, 40, 500)
    compiled = np.array([kernels._attempt_uniform(x, int(k)) for x, k in zip(u, attempt, strict=True)])
    assert np.array_equal(compiled, attempt_uniform(u, attempt))


def schedule(hours: list[float], attempt_hours: float = 0.5, n: int = 60, seed: int = 3):
    rng = np.random.default_rng(seed)
    day_start, day_end = 80.0, 88.0
    available = rng.uniform(70.0, 90.0, n)
    source = rng.choice([INBOUND, OWN], n)
    owner = rng.integers(0, len(hours), n)
    queue = np.arange(n, dtype=np.int64)
    calls, when = kernels_queue.schedule_calls(
        queue, available, source, owner, np.array(hours), attempt_hours, attempt_hours * 8.0,
        day_start, day_end, INBOUND,
    )  # fmt: skip
    return calls, when, available, source, owner, (day_start, day_end)


def test_no_rep_calls_more_than_its_hours_allow_and_calls_stay_within_the_day():
    hours = [3.0, 0.5, 0.0, 8.0]
    calls, when, available, _, owner, (start, end) = schedule(hours)
    per_rep = np.bincount(owner[calls], minlength=len(hours))
    assert (per_rep <= np.floor(np.array(hours) / 0.5 + 1e-9)).all()
    assert per_rep[2] == 0 and per_rep[3] > 0
    assert len(set(calls.tolist())) == len(calls)  # a lead is called at most once a day
    assert (when >= available[calls]).all() and (when >= start).all() and (when < end).all()


def test_inbound_leads_come_before_own_prospects_and_each_rep_calls_in_order_of_availability():
    calls, when, available, source, owner, _ = schedule([2.0, 2.0, 2.0])
    for rep in range(3):
        mine = calls[owner[calls] == rep]
        kinds = source[mine]
        assert not ((kinds[:-1] == OWN) & (kinds[1:] == INBOUND)).any()
        inbound = mine[kinds == INBOUND]
        assert (np.diff(available[inbound]) >= 0).all()
        assert (np.diff(when[np.isin(calls, inbound)]) >= 0).all()


def test_the_compiled_sums_are_numpys_sums_bit_for_bit():
    rng = np.random.default_rng(11)
    for n in [*range(0, 140), 255, 256, 1000, 4099]:
        values = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 6, n)
        assert kernels.pairwise_sum(values) == values.sum()
        rows = rng.integers(0, max(n, 1), n // 2) if n else np.zeros(0, np.int64)
        assert kernels.gathered_sum(values, rows) == (values[rows].sum() if n else 0.0)
        hybrid = rng.random(n) < 0.3
        expected = values[~hybrid].mean() if (~hybrid).any() else 1.0
        assert kernels.specialist_mean(values, hybrid) == expected


def test_a_fresh_process_loads_every_kernel_from_the_disk_cache_and_runs():
    """The second process loads what the first compiled (a recursive kernel, say, would crash it)."""
    code = (
        "from sim.model.model import SalesMarketingModel as M; print(M(seed=1).run(30).summary()['revenue'])"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True) for _ in "ab"
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr[-2000:]
    assert runs[0].stdout == runs[1].stdout


def test_a_days_stream_is_a_new_philox_at_its_counter_whatever_was_drawn_before():
    streams, key = Streams(5), np.random.SeedSequence(5).generate_state(2, dtype=np.uint64)
    first = streams.generator(3, 7).random(5)
    streams.generator(3, 9).random(100)
    streams.generator(2, 7).random(3)
    fresh = np.random.Generator(np.random.Philox(key=key, counter=np.array([0, 0, 3, 7], dtype=np.uint64)))
    assert np.array_equal(streams.generator(3, 7).random(5), first)
    assert np.array_equal(first, fresh.random(5))
