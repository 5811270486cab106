"""numpy's Philox4x64-10 doubles, generated in compiled code: the same numbers for less overhead.

Every purpose's stream restarts each day at the counter (0, 0, stream, day) under the run's key
(`sim.model.randomness`). Through numpy that costs a state reset and a generator call per draw,
about as much as the draws of a small day. Philox is counter-based, so the k-th double of a
stream is a pure function of (key, stream, day, k): block k // 4 of four 64-bit words, at counter
(k // 4 + 1, 0, stream, day) (numpy increments the counter before each block), word k % 4, turned
into a double as numpy does, `(word >> 11) * 2**-53`. tests/model/test_philox.py checks every
double against numpy's own generator.
"""

from __future__ import annotations

import numba
import numpy as np

_M0 = np.uint64(0xD2E7470EE14C6C93)  # Random123's Philox4x64 multipliers
_M1 = np.uint64(0xCA5A826395121157)
_W0 = np.uint64(0x9E3779B97F4A7C15)  # ... and its key schedule's Weyl increments
_W1 = np.uint64(0xBB67AE8584CAA73B)
_LOW = np.uint64(0xFFFFFFFF)
_32 = np.uint64(32)
_11 = np.uint64(11)
_ONE = np.uint64(1)
_ROUNDS = 10
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53


@numba.njit(cache=True)
def _mulhilo(a: np.uint64, b: np.uint64) -> tuple[np.uint64, np.uint64]:
    """The high and low 64 bits of the 128-bit product a * b, from 32-bit halves."""
    a_lo, a_hi, b_lo, b_hi = a & _LOW, a >> _32, b & _LOW, b >> _32
    p0, p1, p2, p3 = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi
    middle = (p0 >> _32) + (p1 & _LOW) + (p2 & _LOW)
    return p3 + (p1 >> _32) + (p2 >> _32) + (middle >> _32), a * b


@numba.njit(cache=True)
def _block(c0: np.uint64, c1: np.uint64, c2: np.uint64, c3: np.uint64, k0: np.uint64, k1: np.uint64) -> tuple:
    """Philox4x64-10 of one counter under one key: four 64-bit words."""
    for r in range(_ROUNDS):
        if r > 0:
            k0, k1 = k0 + _W0, k1 + _W1
        hi0, lo0 = _mulhilo(_M0, c0)
        hi1, lo1 = _mulhilo(_M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


@numba.njit(cache=True)
def uniforms(key: np.ndarray, stream: int, day: int, start: int, count: int) -> np.ndarray:
    """Doubles start .. start + count - 1 of the stream (stream, day): numpy's `random()` values."""
    out = np.empty(count, np.float64)
    k0, k1 = key[0], key[1]
    c2, c3 = np.uint64(stream), np.uint64(day)
    words = np.empty(4, np.uint64)
    block = -1
    for i in range(count):
        k = start + i
        if k // 4 != block:
            block = k // 4
            words[0], words[1], words[2], words[3] = _block(
                np.uint64(block) + _ONE, np.uint64(0), c2, c3, k0, k1
            )
        out[i] = (words[k % 4] >> _11) * _TO_DOUBLE
    return out
