"""Random numbers that line up across scenarios: streams, and draws by inversion.

Scenarios are compared with common random numbers, so a lead must see the same uniforms in every
scenario and a changed rate must move a count, not reshuffle it. Hence one Philox stream per
purpose and day (the stream numbers below), and counts and shapes drawn by inverting a CDF at a
single uniform rather than by the generator's own samplers, whose use of uniforms varies.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.special import betaincinv, gammaln

from sim.model import kernels_queue

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


class Streams:
    """One counter-based generator per purpose, reset to (purpose, day) on each request.

    Each purpose keeps one generator whose Philox counter is reset to (stream, day): the same
    numbers as a new `Philox(counter=[0, 0, stream, day], key=...)`, for a fifth of the cost of
    building one. A purpose's generator of the previous day is thereby spent.
    """

    def __init__(self, seed: int) -> None:
        self._key = np.random.SeedSequence(seed).generate_state(2, dtype=np.uint64)
        self._generators: dict[int, tuple[np.random.Generator, dict]] = {}

    def generator(self, stream: int, day: int) -> np.random.Generator:
        """The generator of one purpose on one day (counter-based: cheap, independent)."""
        if stream not in self._generators:
            state = {
                "bit_generator": "Philox",
                "state": {"counter": np.array([0, 0, stream, 0], dtype=np.uint64), "key": self._key},
                "buffer": np.zeros(4, dtype=np.uint64),
                "buffer_pos": 4,  # empty: the next draw starts at the counter, as in a new Philox
                "has_uint32": 0,
                "uinteger": 0,
            }
            self._generators[stream] = (np.random.Generator(np.random.Philox(key=self._key)), state)
        generator, state = self._generators[stream]
        state["state"]["counter"][3] = day % 2**64  # the setter copies it: one template serves every day
        generator.bit_generator.state = state
        return generator
