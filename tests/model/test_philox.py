"""The compiled Philox stream gives numpy's own numbers, draw for draw."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.philox import uniforms
from sim.model.randomness import Streams

KEY = np.random.SeedSequence(11).generate_state(2, dtype=np.uint64)


def numpy_stream(stream: int, day: int) -> np.random.Generator:
    counter = np.array([0, 0, stream, day % 2**64], dtype=np.uint64)
    return np.random.Generator(np.random.Philox(counter=counter, key=KEY))


@pytest.mark.parametrize(("stream", "day"), [(0, 0), (4, 17), (6, -90), (2, 2**40)])
def test_every_double_is_numpys_at_any_start(stream, day):
    reference = numpy_stream(stream, day).random(1003)
    assert np.array_equal(uniforms(KEY, stream, np.uint64(day % 2**64), 0, 1003), reference)
    for start in (1, 3, 4, 5, 998):  # inside a block of four words and across blocks
        assert np.array_equal(
            uniforms(KEY, stream, np.uint64(day % 2**64), start, 1003 - start), reference[start:]
        )


def test_a_stream_draws_in_order_like_a_generator_whatever_the_shapes():
    streams = Streams(11)
    ours, theirs = streams.generator(1, -3), numpy_stream(1, -3)
    assert ours.random() == theirs.random()
    assert np.array_equal(ours.random((5, 14)), theirs.random((5, 14)))
    assert np.array_equal(ours.random(7), theirs.random(7))
    assert np.array_equal(ours.random((0, 2)), theirs.random((0, 2)))
    assert ours.random(np.int64(3)).shape == (3,)

