"""One step of repair's trellis (``repair._Trellis``), and the gathering of its model rows, compiled with numba:
a step is a few thousand additions over 30–400 states by up to 40 options, where a dozen numpy calls each cost
more than the arithmetic (the steps were half of a normalize job). The values are those the numpy version
gave, bit for bit: every sum is taken in the same order, and exp and log are the same C library's.
"""

from __future__ import annotations

import numba
import numpy as np

KEY_SHIFT = 21  # a state's key: its two characters' code points, (prev << 21) | cur (code points < 2**21)
BOUND_SLACK = 1e-6  # nats: rounding in a log-sum of n terms stays far below this


@numba.njit(cache=True, nogil=True)
def _distinct(values: np.ndarray) -> bool:
    ordered = np.sort(values)
    for k in range(1, ordered.size):
        if ordered[k] == ordered[k - 1]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _boundaries(keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Where each run of equal ``keys[order]`` begins, and the end."""
    starts = [0]
    for k in range(1, order.size):
        if keys[order[k]] != keys[order[k - 1]]:
            starts.append(k)
    starts.append(order.size)
    return np.array(starts)


@numba.njit(cache=True, nogil=True)
def _merge(order: np.ndarray, starts: np.ndarray, entry_best: np.ndarray, entry_total: np.ndarray,
           margin: float):
    """Per group of entries (``order[starts[g]:starts[g + 1]]``, in entry order): the first of its best
    entries and the log-sum of their totals, summed in that order. A group whose log-sum cannot come within
    ``margin`` of the heaviest group (it is at most its top total plus log of its size) is not summed: -inf."""
    groups = starts.size - 1
    first = np.empty(groups, np.int64)
    top = np.empty(groups)
    for g in range(groups):
        best = order[starts[g]]
        top[g] = entry_total[best]
        for e in order[starts[g] + 1:starts[g + 1]]:
            if entry_best[e] > entry_best[best]:
                best = e
            top[g] = max(top[g], entry_total[e])
        first[g] = best
    floor = top.max() - margin - BOUND_SLACK
    summed = np.empty(groups)
    for g in range(groups):
        size = starts[g + 1] - starts[g]
        if size == 1:  # exp(0) is 1 and log(1) is 0: the sum is its one total
            summed[g] = top[g]
        elif top[g] + np.log(size) < floor:
            summed[g] = -np.inf
        else:
            weight = 0.0
            for e in order[starts[g]:starts[g + 1]]:
                weight += np.exp(entry_total[e] - top[g])
            summed[g] = top[g] + np.log(weight)
    return first, summed


@numba.njit(cache=True, nogil=True)
def _by_last_then_code(cur: np.ndarray, options: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the options are distinct, the entries that merge are those of states with the same last character
    reading the same option: the entries grouped by that character, then by option code, each group's in
    entry order; and the groups' starts."""
    states, width = cur.size, options.size
    by_last = np.argsort(cur, kind="mergesort")  # stable: each group's states in their order
    state_starts = _boundaries(cur, by_last)
    by_code = np.argsort(options, kind="mergesort")
    order = np.empty(states * width, np.int64)
    starts = np.empty((state_starts.size - 1) * width + 1, np.int64)
    k, g = 0, 0
    for a, b in zip(state_starts[:-1], state_starts[1:]):
        for o in by_code:
            starts[g] = k
            g += 1
            for s in by_last[a:b]:
                order[k] = s * width + o
                k += 1
    starts[g] = k
    return order, starts


@numba.njit(cache=True, nogil=True)
def _by_key(cur: np.ndarray, options: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """In general (an option may repeat): the entries ordered by key, each key's in entry order; and the
    groups' starts."""
    states, width = cur.size, options.size
    keys = np.empty(states * width, np.int64)
    for s in range(states):
        for o in range(width):
            keys[s * width + o] = (cur[s] << KEY_SHIFT) | options[o]
    order = np.argsort(keys, kind="mergesort")  # stable
    return order, _boundaries(keys, order)


@numba.njit(cache=True, nogil=True)
def _heaviest(summed: np.ndarray, margin: float, max_states: int) -> np.ndarray:
    """The states within ``margin`` of the heaviest, in order; where more than ``max_states`` are, the
    ``max_states`` heaviest, heaviest first, ties in order (as a stable sort of them all would give, found
    without one: the cut's value by partition, then a stable sort of those at or above it)."""
    kept = np.flatnonzero(summed >= summed.max() - margin)
    if kept.size <= max_states:
        return kept
    values = summed[kept]
    cut = np.partition(-values, max_states - 1)[max_states - 1]  # minus the max_states-th heaviest value
    above = np.flatnonzero(-values < cut)
    at = np.flatnonzero(-values == cut)[:max_states - above.size]
    chosen = np.sort(np.concatenate((above, at)))  # in order, so that the sort below keeps ties in order
    return kept[chosen[np.argsort(-values[chosen], kind="mergesort")]]


@numba.njit(cache=True, nogil=True)
def advance(cur: np.ndarray, best: np.ndarray, total: np.ndarray, logp: np.ndarray, gain: np.ndarray,
            prior: float, options: np.ndarray, margin: float, max_states: int):
    """Read one more character after the states (``cur``: each state's last character; ``best``, ``total``:
    its best path's and all its paths' log-probability), one of ``options`` (``logp``: states x options, the
    model's; ``gain``: each option's prior, ``prior`` the step's).

    Each (state, option) entry leads to the state (the state's last character, the option); the entries that
    lead to the same state are merged: its best entry (the first of equal ones) and the log-sum of their
    totals. The new states come in entry order where no two entries merge, else ordered by key; of those, the
    states whose total is within ``margin`` of the heaviest are kept, and where more than ``max_states`` are,
    the heaviest of them (heaviest first, ties in order).

    Returns, per kept state, the state it came from and the option it read (indices), and its ``best`` and
    ``total``."""
    states, width = logp.shape
    entry_best = np.empty(states * width)
    entry_total = np.empty(states * width)
    for s in range(states):
        for o in range(width):
            entry_best[s * width + o] = best[s] + logp[s, o] + gain[o] + prior
            entry_total[s * width + o] = total[s] + logp[s, o] + gain[o] + prior
    if _distinct(options):
        if _distinct(cur):  # every entry its own state
            first, summed = np.arange(states * width), entry_total
        else:
            order, starts = _by_last_then_code(cur, options)
            first, summed = _merge(order, starts, entry_best, entry_total, margin)
    else:
        order, starts = _by_key(cur, options)
        if starts.size - 1 == order.size:  # every entry its own state
            first, summed = np.arange(states * width), entry_total
        else:
            first, summed = _merge(order, starts, entry_best, entry_total, margin)
    kept = _heaviest(summed, margin, max_states)
    chosen = first[kept]
    return chosen // width, chosen % width, entry_best[chosen], summed[kept]


@numba.njit(cache=True, nogil=True)
def gather(known: np.ndarray, matrix: np.ndarray, prev: np.ndarray, cur: np.ndarray):
    """The rows of ``matrix`` of each state's key ((prev << KEY_SHIFT) | cur) in the sorted ``known`` keys, and
    whether every key is known (if not, the rows are not all filled)."""
    rows = np.empty((prev.size, matrix.shape[1]))
    for s in range(prev.size):
        key = (prev[s] << KEY_SHIFT) | cur[s]
        at = np.searchsorted(known, key)
        if at >= known.size or known[at] != key:
            return rows, False
        rows[s] = matrix[at]
    return rows, True
