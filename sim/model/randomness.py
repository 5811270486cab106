"""Random numbers that line up across scenarios: streams, and draws by inversion.

Scenarios are compared with common random numbers, so a lead must see the same uniforms in every
scenario and a changed rate must move a count, not reshuffle it. Hence one Philox stream per
purpose and day (the stream numbers below), and counts and shapes drawn by inverting a CDF at a
single uniform rather than by the generator's own samplers, whose use of uniforms varies.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.special import betaincinv, gammaln

from sim.model import kernels_queue, philox

STREAM_ARRIVALS, STREAM_DEALS, STREAM_PROSPECTS, STREAM_BEHAVIOUR, STREAM_POPULATION = range(5)
# Customers (sim/model/customers.py): each inquiry's and each prospect's renewal uniform, drawn at
# its creation from a stream of its own, so the arrival and prospect draws are unchanged.
STREAM_RENEWALS, STREAM_PROSPECT_RENEWALS = range(5, 7)


def attempt_uniform(u: np.ndarray, attempt: np.ndarray) -> np.ndarray:
    """The k-th attempt's uniform of a lead: its own uniform and k mixed by splitmix64.

    Deterministic per lead and attempt (common random numbers across scenarios), and attempts
    are independent of one another, unlike a fixed shift of one uniform.
    """
    x = (u * 2.0**53).astype(np.uint64) ^ (attempt.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / 2.0**53


def poisson_from_uniform(u: float, expected: float) -> int:
    """Poisson count by inversion, so one uniform decides it: a larger mean never gives fewer."""
    if expected <= 0:
        return 0
    cdf = _poisson_cdf(float(expected))
    return int(np.searchsorted(cdf, u * cdf[-1], side="left"))  # terms below u * total


@functools.lru_cache(maxsize=16)
def _poisson_cdf(expected: float) -> np.ndarray:
    """The truncated Poisson CDF of one mean (cached: a constant rate reuses it every day)."""
    k, log_factorial = _poisson_terms(_poisson_top(expected))
    cdf = np.cumsum(np.exp(k * np.log(expected) - expected - log_factorial))
    cdf.flags.writeable = False
    return cdf


def poisson_from_uniforms(u: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion, element by element (see `poisson_from_uniform`).

    Each count is the number of terms of the truncated CDF below u times its last term; all
    rows are truncated at the same length, set by the largest mean. Zero means give zero.
    """
    expected = np.asarray(expected, dtype=float)
    out = np.zeros(len(expected), dtype=np.int64)
    largest = expected.max() if len(expected) else 0.0
    if largest <= 0:
        return out
    k, log_factorial = _poisson_terms(_poisson_top(largest))
    rows = np.flatnonzero(expected > 0)
    mean = expected[rows]
    # log P(k) = k log(mean) - mean - log(k!): the logarithms and exponentials in numpy, the rest compiled.
    terms = np.exp(kernels_queue.poisson_log_terms(np.log(mean), mean, k, log_factorial))
    out[rows] = kernels_queue.count_below_cdf(terms, u[rows])
    return out


def _poisson_top(largest_mean: float) -> int:
    """Terms kept in the CDF: 12 standard deviations (plus 12) past the largest mean."""
    return int(largest_mean + 12 * np.sqrt(largest_mean) + 12)


@functools.lru_cache(maxsize=256)
def _poisson_terms(top: int) -> tuple[np.ndarray, np.ndarray]:
    """The counts 0..top-1 and their log(k!), the fixed part of every Poisson CDF truncated at `top` terms."""
    k = np.arange(top)
    return k, gammaln(k + 1)


def beta_from_uniform(u: np.ndarray, mean: float, concentration: float) -> np.ndarray:
    """Beta(mean, concentration) by inversion, so a lead's fit uses exactly one uniform."""
    mean = min(max(mean, 1e-9), 1 - 1e-9)  # a mean of exactly 0 or 1 has no Beta distribution
    return betaincinv(mean * concentration, (1 - mean) * concentration, u)


class Stream:
    """One purpose's numbers on one day, drawn in order: numpy's `Generator.random`, compiled.

    The same doubles, in the same order, as `np.random.Generator(np.random.Philox(counter=[0, 0,
    stream, day], key=key)).random(...)` calls (`sim.model.philox`), without a generator's state
    reset and call overhead. Only `random` is offered: every draw of the model is by inversion of
    uniforms.
    """

    __slots__ = ("_key", "_stream", "_day", "_drawn")

    def __init__(self, key: np.ndarray, stream: int, day: int) -> None:
        self._key, self._stream, self._day, self._drawn = key, stream, np.uint64(day % 2**64), 0

    def random(self, size: int | tuple[int, ...] | None = None) -> np.ndarray | float:
        """The next uniforms on [0, 1): one float without `size`, else an array of that shape."""
        shape = () if size is None else (size,) if isinstance(size, int | np.integer) else tuple(size)
        count = math.prod(shape)
        out = philox.uniforms(self._key, self._stream, self._day, self._drawn, count)
        self._drawn += count
        return float(out[0]) if size is None else out.reshape(shape)


class Streams:
    """The run's streams: one per purpose and day, each a fresh Philox at counter (0, 0, purpose, day).

    Counter-based, so a day's numbers of one purpose are independent of every other draw and of
    whether earlier days were simulated: lead i of day d sees the same uniforms in every scenario.
    """

    def __init__(self, seed: int) -> None:
        self._key = np.random.SeedSequence(seed).generate_state(2, dtype=np.uint64)

    def generator(self, stream: int, day: int) -> Stream:
        """The numbers of one purpose on one day, from their first."""
        return Stream(self._key, stream, day)
