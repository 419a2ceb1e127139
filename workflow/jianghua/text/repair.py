"""Repair the GBK damage of shared/notes/gbk-damage.md in decoded text, or flag what cannot be repaired.

The damage is a byte stream read one byte out of step. Every hypothesis below re-encodes the damaged run to
GBK, puts the lost bytes back and re-aligns it, which gives a lattice of candidate readings; the lattices are
scored with the fixed character model (``charmodel.default_model``), and the confidence of the best reading
is its posterior among every reading of every hypothesis of the span (the text as it stands among them,
where it may be undamaged). A repair is accepted only at ``min_confidence``; otherwise the span is flagged
and left as it is.

Mechanisms (the ``mechanism`` of a ``repairs`` row):

- ``straddled-annotation``: ``?reading)`` (or ``?(reading)``): the site annotated a character spelled by the
  trail byte of one character and the lead byte of the next, and the decoder turned that lead byte and the
  ``(`` into ``?``. The straddled character has that reading and opens with the trail byte of the character
  before the ``?``: one of the corpus's annotated characters (the survey's table), or, where none fits, any
  character pypinyin gives that reading.
- ``punctuation-pass``: the bytes of ，；！？： spelled across two characters became an ASCII sign: ``?`` and the
  sign (the lead byte before it became ``?``), or ``?`` alone (the decoder swallowed the sign with that lead
  byte). The character before the sign ends in A3; the one after opens with the sign's second byte.
- ``lost-indentation``: ``??…`` opening a line: indentation the GBK encoder could not write (no-break spaces).
- ``stray-byte``: an ASCII apostrophe alone between two Han characters: 0x27 is no GBK trail byte, so no
  shifted pair explains it, and Chinese prose never writes it there (quotes are ‘’, and come in pairs): the
  residue of a pair the decoder dropped, removed.
- ``lost-date-units``: a date whose 年 or 月 vanished with a dropped pair (``1941519日``): the units put back
  where the digits split one way only into a month (1–12) and a day (1–31); flagged where they split several.
- ``unexplained``: any other ``?`` next to a Han character, flagged.

Inside a run: an ASCII byte from 0x40 is a trail byte, which ends the run (the next pair is aligned again); a
sign stands for the two bytes it replaced; ``?`` is a lost trail byte (the pair it opened did not decode, so
the decoder went on one byte later, in step again); pairs in GBK's user-defined areas were dropped without a
trace, so one or two of them may be missing between any two characters of the run.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from jianghua.text import lattice
from jianghua.text.charmodel import default_model
from jianghua.text.chars import HAN, is_han
from jianghua.text.gbk import FULLWIDTH_TO_ASCII, is_trail, vanishes
from jianghua.text.pinyin import SYLLABLE_LETTERS, character_readings, is_reading, readings
from jianghua.text.t2s import t2s_characters

MAX_RUN = 40  # characters of a shifted run; damage resynchronises long before (a trail byte below 0x80)
MAX_OPTIONS = 40  # options kept per unknown character, the commonest first: rarer ones cannot win in context
WIDE_AREA = 1000  # pairs: the user-defined areas and the FE row, of the areas of dropped pairs
SIGN_BYTES = {ascii_sign: wide.encode("gbk") for wide, ascii_sign in FULLWIDTH_TO_ASCII.items()}
SIGNS = "".join(SIGN_BYTES)
WIDE_SIGN = {ascii_sign: wide for wide, ascii_sign in FULLWIDTH_TO_ASCII.items()}
QUOTE_PRIOR = 3.0  # the quote mark that closes the open quote, against the other marks
QUOTE_LOOKBACK = 300


@dataclass(frozen=True)
class Repair:
    """One damaged span: where it is in the lossy text, and what replaces it."""

    start: int
    end: int
    after: str
    mechanism: str
    score: float | None
    status: str
    reason: str


def _gbk(char: str) -> bytes | None:
    try:
        code = char.encode("gbk")
    except UnicodeEncodeError:
        return None
    return code if len(code) == 2 else None


@cache
def _decode_pair(lead: int, trail: int) -> str | None:
    """The character of a GBK pair, or None where the sites' decoder gave none (invalid, or mapped to nothing)."""
    if vanishes(lead, trail):
        return None
    try:
        char = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return char if len(char) == 1 else None


@cache
def _pinyin_index() -> dict[tuple[str, int], tuple[str, ...]]:
    """(reading, lead byte) -> the GBK characters pypinyin gives that reading (tone-marked or toneless)."""
    index: dict[tuple[str, int], list[str]] = defaultdict(list)
    for point in sorted(character_readings()):
        char = chr(point)
        code = _gbk(char)
        if code is not None and _decode_pair(*code) == char:
            for reading in readings(char):
                index[reading, code[0]].append(char)
    return {key: tuple(chars) for key, chars in index.items()}


class Annotated:
    """The characters a corpus's sites annotate, by reading (the survey's table), and the anchors of damage."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        by_reading: dict[str, list[str]] = defaultdict(list)
        for char, reading in sorted(set(pairs)):
            by_reading[reading].append(char)
        self.readings = dict(by_reading)


    def straddled(self, reading: str, lead: int) -> tuple[str, ...]:
        """The characters of ``reading`` opening with byte ``lead``: the annotated ones, or where none fits,
        every one pypinyin gives that reading (the corpus may show a character only where it was split)."""
        listed = tuple(c for c in self.readings.get(reading, ()) if (_gbk(c) or b"  ")[0] == lead)
        return listed or _pinyin_index().get((reading, lead), ())

    def annotates(self, char: str, reading: str) -> bool:
        """True when the corpus annotates ``char`` with ``reading``."""
        return char in self.readings.get(reading, ())


# "?reading)"; "?" and an ASCII sign; "?" alone before a non-ASCII character; "??" opening a line; an ASCII sign
# between two non-ASCII characters (a decoder that dropped the lead byte before it)
ANCHOR = re.compile(rf"(?P<indent>(?<![^\n])\?{{2,}}(?=[^?\s]))|\?(?:(?P<reading>[{SYLLABLE_LETTERS}]{{1,7}})\)"
                    rf"|(?P<sign>[{re.escape(SIGNS)}])|(?=[^\x00-\x7f]))|(?<=[^\x00-\x7f])(?P<bare>[,;!:])(?=[^\x00-\x7f])")
READING_AFTER = re.compile(rf"\(([{SYLLABLE_LETTERS}]{{1,7}})\)")  # an annotation
READING_BEFORE = re.compile(rf"\(([{SYLLABLE_LETTERS}]{{1,7}})\)$")  # an annotation ending where searched
READING_CLOSED = re.compile(rf"\(?([{SYLLABLE_LETTERS}]{{1,7}})\)")  # its rest after a "?" (the "(" may be lost)


# ---- runs: the damaged text after an anchor, as the bytes it was read from ----------------------------------

@dataclass(frozen=True)
class Run:
    """A shifted run as bytes: ``stream`` holds, after the known lead byte, each character's trail and the next
    one's lead; ``last`` is how the run ended: ``("closed",)`` (the last byte of ``stream`` is a trail),
    ``("ascii",)`` (the last byte is an ASCII character that a shifted pair took as its trail),
    ``("lost", next_byte)`` (the last trail byte was lost; ``next_byte`` the byte that followed it, or -2) or
    ``("annotated", reading, swallowed)`` (the last character is annotated with ``reading``; its trail byte,
    read as a lead, became ``?``, with the ``(`` if that byte is a lead byte). ``end`` is where the run ends in
    the text."""

    stream: bytes
    last: tuple
    end: int


def _runs(text: str, pos: int, annotated: Annotated) -> list[Run]:
    """Every reading of the run starting at ``pos`` as bytes (a ``?`` inside a run is a lost trail byte, or the
    sign of ？ spelled across two pairs, so a run can branch)."""
    found, stream, end = [], bytearray(), pos
    while end < len(text) and end - pos < MAX_RUN:
        char = text[end]
        if char == "?":
            annotation = READING_CLOSED.match(text, end + 1)
            if annotation and readings_exist(annotation.group(1)):
                swallowed = text[end + 1] != "("
                found.append(Run(bytes(stream), ("annotated", annotation.group(1), swallowed), end + 1))
                break
            following = _gbk(text[end + 1]) if end + 1 < len(text) else None
            if end + 1 < len(text):  # a line break after it is a byte below 0x80 like any other
                next_byte = following[0] if following else ord(text[end + 1]) if text[end + 1] < "\x80" else -2
                if next_byte != -2:
                    found.append(Run(bytes(stream), ("lost", next_byte), end + 1))
            stream += SIGN_BYTES["?"]  # or the sign of ？, spelled across two pairs: the run goes on
            end += 1
            continue
        if char in SIGN_BYTES:
            stream += SIGN_BYTES[char]
            end += 1
            continue
        if "\x40" <= char < "\x7f":
            stream.append(ord(char))
            found.append(Run(bytes(stream), ("closed",), end + 1))
            break
        code = _gbk(char)
        if code is None:
            break
        stream += code
        end += 1
        if code[1] < 0x80:  # that byte was an ASCII character of the text: the next pair is aligned again
            found.append(Run(bytes(stream), ("ascii",), end))
            break
        # a shifted pair that spells an annotated character kept its annotation: part of the damage
        annotation = READING_AFTER.match(text, end)
        if annotation and annotated.annotates(char, annotation.group(1)):
            end = annotation.end()
    return found


@cache
def readings_exist(reading: str) -> bool:
    """True when some GBK character has ``reading``."""
    return any(key[0] == reading for key in _pinyin_index())


# ---- lattices: the candidate readings of a run -------------------------------------------------------------

class Options(tuple):
    """The options of one character of a reading: a tuple that keeps its hash. Positions hold up to thousands
    of options, and a lattice looks each up in several caches at every step; a tuple hashes its items anew
    every time."""

    def __new__(cls, items: Iterable[str]):
        options = super().__new__(cls, items)
        options._hash = tuple.__hash__(options)
        return options

    def __hash__(self) -> int:
        return self._hash


@cache
def _dropped_areas() -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    """The shifted pairs the sites' decoder dropped without a trace (``vanishes``), as areas (first bytes,
    second bytes) where every first byte goes with every second: the first byte is the trail of one character,
    the second the lead of the next (GBK's user-defined areas, its unassigned codes such as FE 8C)."""
    by_seconds: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for first in range(0x81, 0xFF):
        seconds = tuple(v for v in range(0x81, 0xFF) if vanishes(first, v))
        if seconds:
            by_seconds[seconds].append(first)
    return tuple((tuple(firsts), seconds) for seconds, firsts in by_seconds.items())


@cache
def _wide_areas() -> tuple[int, ...]:
    """The areas that hold a whole character between two dropped pairs often enough to be worth reading: those
    of at least ``WIDE_AREA`` pairs (a character between two pairs of a narrow area is rarer than a miss)."""
    return tuple(k for k, (firsts, seconds) in enumerate(_dropped_areas()) if len(firsts) * len(seconds) >= WIDE_AREA)


@cache
def _with_trail(lead: int, area: int) -> tuple[str, ...]:
    """Characters of ``lead`` whose trail byte opens a dropped pair of ``area``."""
    return Options(c for t in _dropped_areas()[area][0] if (c := _decode_pair(lead, t)))


@cache
def _with_lead(area: int, trail: int) -> tuple[str, ...]:
    """Characters ending in ``trail`` whose lead byte closes a dropped pair of ``area``."""
    return Options(c for u in _dropped_areas()[area][1] if (c := _decode_pair(u, trail)))


@cache
def _between(first: int, second: int) -> tuple[str, ...]:
    """Characters made of the end of a dropped pair of area ``first`` and the start of one of ``second``."""
    areas = _dropped_areas()
    return Options(c for u in areas[first][1] for t in areas[second][0] if (c := _decode_pair(u, t)))


def _undecodable(byte: int, following: int) -> bool:
    """True when the decoder, reading ``byte`` as a lead, gave ``?`` and went on at ``following`` (a pair that
    maps to nothing vanishes whole instead)."""
    return byte >= 0x80 and (byte in (0x80, 0xFF) or not is_trail(following))


@cache
def _lost_trail(lead: int, following: int) -> tuple[str, ...]:
    """Characters of ``lead`` whose trail byte, read as a lead before ``following``, gave ``?``."""
    return Options(c for t in range(0x40, 0xFF) if (c := _decode_pair(lead, t)) and _undecodable(t, following))


@cache
def _ending_in(trail: int) -> tuple[str, ...]:
    """The characters whose GBK code ends with the byte ``trail``."""
    return Options(c for u in range(0x81, 0xFF) if (c := _decode_pair(u, trail)))


Positions = tuple[tuple[str, ...], ...]  # the options of each character of a reading
Segment = tuple[tuple[float, Positions], ...]  # the ways to read one piece of a run, each with its log prior


def _last_options(lead: int, last: tuple, annotated: Annotated) -> tuple[str, ...]:
    """The options of a run's last character, whose trail byte is lost, from its ``lead`` byte."""
    if last[0] == "lost":
        return _lost_trail(lead, last[1]) if last[1] >= 0 else ()
    _, reading, swallowed = last
    return Options(c for c in annotated.straddled(reading, lead) if (0x81 <= _gbk(c)[1] <= 0xFE) == swallowed)


@lru_cache(maxsize=4096)
def _after_dropped(area: int, last: tuple, annotated: Annotated) -> tuple[str, ...]:
    """The options of a run's last character after a dropped pair of ``area`` (its lead byte any of the area's
    second bytes); the same for every run that ends alike, so computed once."""
    seconds = _dropped_areas()[area][1]
    options = Options(dict.fromkeys(c for v in seconds for c in _last_options(v, last, annotated)))
    return _annotated_first(options, last[1], annotated) if last[0] == "annotated" else options


def _annotated_first(options: tuple[str, ...], reading: str, annotated: Annotated) -> tuple[str, ...]:
    """Of the options of a character followed by its own annotation, the ones the corpus annotates with
    ``reading``, if any: the sites annotate only the characters of their list (pypinyin's others stand in
    where none is listed)."""
    return Options(c for c in options if annotated.annotates(c, reading)) or options


@cache
def _pair_segment(lead: int, trail: int) -> Segment:
    """The readings of a pair of the re-aligned stream: the character it spells, or, with one or two dropped
    pairs between them, a character of ``lead`` whose trail vanished, then (a whole character between two
    dropped pairs, then) a character ending in ``trail`` whose lead vanished."""
    ways = []
    plain = _decode_pair(lead, trail)
    if plain:
        ways.append((0.0, ((plain,),)))
    areas = range(len(_dropped_areas()))
    for first in areas:
        before = _with_trail(lead, first)
        if not before:
            continue
        if after := _with_lead(first, trail):
            ways.append((0.0, (before, after)))
        for second in _wide_areas():
            after, between = _with_lead(second, trail), _between(first, second)
            if after and between:
                ways.append((0.0, (before, between, after)))
    return _likely(tuple(ways))


def _segments(lead: int, run: Run, annotated: Annotated) -> list[Segment] | None:
    """The run read from its known ``lead`` byte, piece by piece; None when some piece has no reading."""
    stream = bytes((lead,)) + run.stream
    kind = run.last[0]
    pairs = len(stream) - (0 if kind == "closed" else 1)
    if pairs % 2:
        return None
    segments = [_pair_segment(stream[i], stream[i + 1]) for i in range(0, pairs, 2)]
    if kind == "ascii":
        segments.append(((0.0, ((chr(stream[-1]),),)),))
    elif kind != "closed":
        segments.append(_last_segment(stream[-1], run.last, annotated))
    return None if any(not ways for ways in segments) else segments


@lru_cache(maxsize=16384)
def _last_segment(lead: int, last: tuple, annotated: Annotated) -> Segment:
    """The readings of a run's last character, whose trail byte is lost or annotated (``Run.last``), from its
    ``lead`` byte; or, its own pair dropped, from the lead of the pair before. The same for every run that
    ends alike (a ``?`` alone is read after each sign in turn), so computed once."""
    ways = []
    if options := _last_options(lead, last, annotated):
        ways.append((0.0, (options,)))
    for area in range(len(_dropped_areas())):
        # the pair before the last character was dropped, with that character's lead
        before = _with_trail(lead, area)
        anywhere = _after_dropped(area, last, annotated) if before else ()
        if anywhere:
            ways.append((0.0, (before, anywhere)))
    return _likely(tuple(ways)) if ways else ()


# ---- scoring ------------------------------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def _codes(options: tuple[str, ...]) -> np.ndarray:
    codes = np.array([ord(c) for c in options], np.int64)
    codes.flags.writeable = False  # shared by every lattice that holds these options
    return codes


@lru_cache(maxsize=8192)
def _transitions(left: tuple[str, ...], right: tuple[str, ...]) -> np.ndarray:
    """log P(right option | left option) for every pair: the lattices of a corpus share most option lists."""
    tails, heads = _codes(left), _codes(right)
    matrix = default_model().logp_array(np.repeat(tails, heads.size), np.tile(heads, tails.size))
    matrix = matrix.reshape(tails.size, heads.size)
    matrix.flags.writeable = False
    return matrix


@lru_cache(maxsize=8192)
def _commonest(options: tuple[str, ...]) -> tuple[str, ...]:
    """The ``MAX_OPTIONS`` commonest options (in their order)."""
    if len(options) <= MAX_OPTIONS:
        return options
    scores = default_model().unigram_logp_array(_codes(options))
    keep = np.sort(np.argsort(-scores, kind="stable")[:MAX_OPTIONS])
    return Options(options[k] for k in keep)


def _logsumexp(values: np.ndarray, axis: int) -> np.ndarray:
    top = values.max(axis=axis)
    return top + np.log(np.exp(values - np.expand_dims(top, axis)).sum(axis=axis))


@lru_cache(maxsize=8192)
def _gain(position: tuple[str, ...], priors: tuple[tuple[str, float], ...], other: str) -> np.ndarray | float:
    """The priors of a position's options: quote marks (``quote_prior``) and the other script (``other_script``)."""
    if not priors and not other:
        return 0.0
    weights, excluded = dict(priors), _script_only()[other] if other else frozenset()
    return np.array([weights.get(c, 0.0) + (OTHER_SCRIPT_LOGP if c in excluded else 0.0) for c in position])


def _grouped(prev: np.ndarray, cur: np.ndarray, best: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct (prev, cur): the index of its best entry, and the log-sum of its entries' totals."""
    distinct, inverse = np.unique((prev << lattice.KEY_SHIFT) | cur, return_inverse=True)
    if distinct.size == prev.size:  # every entry its own state
        return np.arange(prev.size), total
    order = np.lexsort((-best, inverse))
    first = order[np.searchsorted(inverse[order], np.arange(distinct.size))]
    top = np.full(distinct.size, -np.inf)
    np.maximum.at(top, inverse, total)
    return first, top + np.log(np.bincount(inverse, np.exp(total - top[inverse]), distinct.size))


class _Rows:
    """log P(option | prev cur) of a position's options after each state, kept across lattices.

    The lattices of a corpus read the same characters after the same two again and again (the text as it
    stands after a span, the options of the same damaged characters), and the model's lookups are most of a
    lattice's cost. The values are exactly those of one ``logp3_array`` call over every state: each entry is
    computed element by element. Per position: the states seen so far (sorted keys) and their rows. Bounded:
    cleared when full."""

    LIMIT = 4_000_000  # entries (8 bytes each)

    def __init__(self):
        self._known: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._entries = 0

    def rows(self, prev: np.ndarray, cur: np.ndarray, position: tuple[str, ...]) -> np.ndarray:
        """The (states, options) matrix of log-probabilities."""
        known, matrix = self._known.get(position) or (_NO_KEYS, _NO_ROWS)
        rows, complete = lattice.gather(known, matrix, prev, cur)
        if complete:  # the common case: every state seen before
            return rows
        keys = (prev << lattice.KEY_SHIFT) | cur  # prev may be -1 (no such character): the key is then negative
        at = np.searchsorted(known, keys)
        missing = at >= known.size
        missing[~missing] = known[at[~missing]] != keys[~missing]
        fresh = np.unique(keys[missing])
        options = _codes(position)
        shape = (fresh.size, options.size)
        computed = default_model().logp3_array(np.broadcast_to((fresh >> lattice.KEY_SHIFT)[:, None], shape),
                                               np.broadcast_to((fresh & ((1 << lattice.KEY_SHIFT) - 1))[:, None], shape),
                                               np.broadcast_to(options[None, :], shape))
        if self._entries + computed.size > self.LIMIT:
            self._known.clear()
            self._entries = 0
            known, matrix = _NO_KEYS, _NO_ROWS
        known = np.concatenate((known, fresh))
        matrix = computed if not matrix.size else np.concatenate((matrix, computed))
        order = np.argsort(known, kind="stable")
        known, matrix = known[order], matrix[order]
        self._known[position] = (known, matrix)
        self._entries += computed.size
        return matrix[np.searchsorted(known, keys)]


_NO_KEYS, _NO_ROWS = np.empty(0, np.int64), np.empty((0, 0))
_ROWS = _Rows()


class _Trellis:
    """Viterbi and forward passes of the trigram model over readings, the state being the last two characters.

    ``prev``, ``cur`` (code points, -1 for none), ``best``, ``total`` and ``node`` (the path's last node, to read
    the best path back) hold one entry per state. The nodes are numbered in the order read: each step appends
    its states' characters to ``chars`` and their parent nodes to ``parents``, as arrays.
    """

    def __init__(self, context: str):
        codes = [ord(c) for c in context[-2:]]
        self.roots = len(codes)
        self.chars = [np.array(codes, np.int64)]
        self.parents = [np.arange(-1, self.roots - 1)]  # the context's characters, each after the one before
        self.nodes = self.roots
        self.prev = np.array([codes[-2] if len(codes) == 2 else -1], np.int64)
        self.cur = np.array([codes[-1] if codes else -1], np.int64)
        self.best = self.total = np.zeros(1)
        self.node = np.array([self.roots - 1], np.int64)

    def state(self) -> tuple[np.ndarray, ...]:
        return self.prev, self.cur, self.best, self.total, self.node

    def step(self, position: tuple[str, ...], gain: np.ndarray | float, prior: float = 0.0) -> None:
        """Read one more character, one of ``position``'s options; keep one state per (prev, cur): its best path,
        and the sum over all paths into it; of those, the states that hold some weight (``STATE_MARGIN``,
        ``MAX_STATES``)."""
        options = _codes(position)
        if self.cur[0] < 0:  # no context at all: the first character of a text
            logp = default_model().unigram_logp_array(options)[None, :]
        else:
            logp = _ROWS.rows(self.prev, self.cur, position)
        gains = np.zeros(options.size) if isinstance(gain, float) else gain
        came, option, self.best, self.total = lattice.advance(self.cur, self.best, self.total, logp, gains,
                                                              float(prior), options, STATE_MARGIN, MAX_STATES)
        self.prev, self.cur = self.cur[came], options[option]
        self.chars.append(self.cur)
        self.parents.append(self.node[came])
        self.node = np.arange(self.nodes, self.nodes + came.size)
        self.nodes += came.size

    def join(self, branches: list[tuple[np.ndarray, ...]]) -> None:
        """Merge the states that several ways reached (``state()`` of each)."""
        prev, cur, best, total, node = (np.concatenate(parts) for parts in zip(*branches))
        first, self.total = _grouped(prev, cur, best, total)
        self.prev, self.cur, self.best, self.node = prev[first], cur[first], best[first], node[first]

    def restore(self, state: tuple[np.ndarray, ...]) -> None:
        self.prev, self.cur, self.best, self.total, self.node = state

    def reading(self) -> str:
        """The best path's characters after the context."""
        chars, parents = np.concatenate(self.chars).tolist(), np.concatenate(self.parents).tolist()
        node, path = int(self.node[int(self.best.argmax())]), []
        while node >= self.roots:
            path.append(chr(chars[node]))
            node = parents[node]
        return "".join(reversed(path))


@lru_cache(maxsize=65536)
def _score(segments: tuple[Segment, ...], before: str, after: str,
           emit: tuple[tuple[tuple[str, float], ...], str] = ((), "")) -> tuple[float, str, float]:
    """(best score, best reading, log of the summed probability of every reading) of a run's pieces between
    the known characters ``before`` (up to two) and ``after``: Viterbi and forward passes over each piece's
    ways with the trigram model, the states between pieces being the last two characters read.
    Memoised: damage repeats (a page copied from another, a rare character damaged alike wherever it stands)."""
    trellis = _Trellis(before)
    for ways in segments:
        entry, branches = trellis.state(), []
        for prior, positions in ways:
            trellis.restore(entry)
            for k, raw in enumerate(positions):
                position = _commonest(raw)
                trellis.step(position, _gain(position, *emit), prior if k == 0 else 0.0)
            branches.append(trellis.state())
        if len(branches) > 1:
            trellis.join(branches)
    if after:  # the best reading is the best path into the known character that follows, read back from it
        trellis.step((after,), 0.0)
        return float(trellis.best.max()), trellis.reading()[:-1], float(_logsumexp(trellis.total, 0))
    return float(trellis.best.max()), trellis.reading(), float(_logsumexp(trellis.total, 0))


WAY_MARGIN = 12.0  # nats: a way whose own reading is this much less likely than the best way's carries no weight
# States of the trellis whose summed weight is this far below the best state's carry no weight (e^-20); and
# at most this many are kept, the heaviest (two unknown characters in a row make 60 x 60 states).
STATE_MARGIN = 15.0
MAX_STATES = 32


def _likely(ways: Segment) -> Segment:
    """The ways of a piece worth reading: those whose best reading on its own (unigram of its first character,
    bigrams inside) is within ``WAY_MARGIN`` of the best way's. Context moves a way by far less."""
    if len(ways) <= 1:
        return ways
    model = default_model()
    scores = []
    for prior, positions in ways:
        options = [_commonest(p) for p in positions]
        best = model.unigram_logp_array(_codes(options[0]))
        for left, right in zip(options, options[1:]):
            best = (best[:, None] + _transitions(left, right)).max(axis=0)
        scores.append(prior + float(best.max()))
    top = max(scores)
    return tuple(way for way, score in zip(ways, scores) if score >= top - WAY_MARGIN)


SCRIPT_WINDOW = 300  # characters either side of a span that tell its script
OTHER_SCRIPT_LOGP = math.log(1e-3)  # a Simplified-only character in Traditional text, or the other way round


@cache
def _script_only() -> dict[str, frozenset[str]]:
    """The characters only Traditional text writes, and those only Simplified text writes (OpenCC's table)."""
    table = t2s_characters()
    traditional = {t for t, s in table.items() if len(t) == len(s) == 1 and t != s}
    simplified = {s for t, s in table.items() if len(t) == len(s) == 1 and t != s} - set(table)
    return {"traditional": frozenset(traditional - simplified), "simplified": frozenset(simplified)}


def other_script(text: str, start: int, end: int) -> str:
    """The script that the text around a span is not written in ("" if it cannot tell): the sites converted
    whole pages, so a Simplified-only candidate in Traditional text (创 among 創) is all but ruled out."""
    window = text[max(0, start - SCRIPT_WINDOW):end + SCRIPT_WINDOW]
    points = np.frombuffer(window.encode("utf-32-le", "surrogatepass"), np.uint32)
    _, traditional, simplified = np.bincount(_script_of().take(points), minlength=3)
    return "" if traditional == simplified else "simplified" if traditional > simplified else "traditional"


@cache
def _script_of() -> np.ndarray:
    """Per code point: 1 where only Traditional text writes it, 2 where only Simplified text does, else 0."""
    table = np.zeros(0x110000, np.uint8)
    for value, script in ((1, "traditional"), (2, "simplified")):
        table[[ord(c) for c in _script_only()[script]]] = value
    return table


def quote_prior(text: str, start: int) -> dict[str, float]:
    """Scores for quote marks at ``start``: while a quote is open, the mark that closes it wins.

    The model cannot tell ” from ’ or “ (all follow a word); the text can.
    """
    window = text[max(0, start - QUOTE_LOOKBACK):start]
    last = max("“”‘’", key=window.rfind)
    if window.rfind(last) < 0 or last in "”’":
        return {}
    closing = "”" if last == "“" else "’"
    return {mark: QUOTE_PRIOR if mark == closing else -QUOTE_PRIOR for mark in "“”‘’"}


@dataclass
class Hypothesis:
    """One way a span was damaged: the pieces of the readings of ``text[start:end]``, its log prior, and the
    text ``suffix`` that the reading keeps after it (the ``(`` of a straddled character's own annotation)."""

    segments: list[Segment]
    end: int
    prior: float = 0.0
    suffix: str = ""
    as_is: bool = False


def _fixed(chars: Iterable[str]) -> list[Segment]:
    """Pieces of known characters (a ``?`` of the text as it stands may be any character)."""
    return [((0.0, (_wildcard() if c == "?" else (c,),)),) for c in chars]


def _read_as(segments: list[Segment], reading: str, annotated: Annotated) -> list[Segment] | None:
    """The pieces with the last character limited to those that ``reading`` is a reading of (the annotation
    that follows the span is that character's own): to the ones the corpus annotates with it where any of them
    may stand there, since the sites annotate only the characters of their list; None if none is a reading."""
    options = tuple(dict.fromkeys(c for _, positions in segments[-1] for c in positions[-1] if is_reading(c, reading)))
    allowed = set(_annotated_first(options, reading, annotated))
    ways = tuple((prior, positions[:-1] + (last,)) for prior, positions in segments[-1]
                 if (last := tuple(c for c in positions[-1] if c in allowed)))
    return segments[:-1] + [ways] if ways else None


def _candidates(segments: list[Segment]) -> int:
    return math.prod(sum(math.prod(map(len, positions)) for _, positions in ways) for ways in segments)


def _decide(text: str, start: int, hypotheses: list[Hypothesis], mechanism: str, annotated: Annotated,
            min_confidence: float) -> Repair | None:
    """The repair of ``text[start:…]`` from its hypotheses: the best reading and its posterior among all.

    Hypotheses ending at different places are compared over the same text: each reads on, as the text
    stands, to the furthest end. None when the text as it stands is the likeliest reading.
    """
    if not hypotheses:
        return None
    end = _compared_end(text, start, hypotheses)
    before = _before(text, start)
    after = _context_after(text, end)
    annotation = READING_AFTER.match(text, end)
    emit = (tuple(sorted(quote_prior(text, start).items())), other_script(text, start, end))
    scored = []
    for h in hypotheses:
        if h.suffix and h.end < end:
            continue  # a straddled character's annotation must close the compared text
        if h.end > end:  # the text as it stands, compared only as far as the others
            h = Hypothesis(h.segments[:end - start], end, h.prior, h.suffix, h.as_is)
        segments = h.segments + _fixed(text[h.end:end])
        if annotation and not h.suffix:
            segments = _read_as(segments, annotation.group(1), annotated)
            if segments is None:
                continue
        best, reading, total = _score(tuple(segments), before, after, emit)
        kept = len(reading) - (end - h.end)
        scored.append((best + h.prior, total + h.prior, reading[:kept] + h.suffix, h))
    if not scored:
        return None
    log_total = float(_logsumexp(np.array([s[1] for s in scored]), 0))
    best, _, reading, winner = max(scored, key=lambda s: s[0])
    if winner.as_is:
        return None
    confidence = math.exp(best - log_total)
    choices = sum(_candidates(h.segments) for h in hypotheses if not h.as_is)
    if confidence < min_confidence:
        return Repair(start, winner.end, text[start:winner.end], mechanism, None, "flagged",
                      f"best reading {reading!r} has confidence {confidence:.3f}, below {min_confidence} "
                      f"({choices} candidates)")
    return Repair(start, winner.end, reading, mechanism, confidence, "repaired", f"{choices} candidates")


def _compared_end(text: str, start: int, hypotheses: list[Hypothesis]) -> int:
    """How far the hypotheses of a span are compared: every one reads on, as the text stands, to the furthest
    end; but once each has read two characters of the text as it stands, the trigram model scores what follows
    alike for all, so the comparison stops there (where no annotation follows), which is exact and far cheaper
    than reading on to the end of a long run of the text as it stands."""
    end = max(h.end for h in hypotheses)
    settled = start + 1
    for h in hypotheses:
        # the text as it stands is fixed after its last "?"; a hypothesis after its own end
        settled = max(settled, text.rfind("?", start, h.end) + 1 if h.as_is else h.end)
    while (question := text.rfind("?", settled, settled + 2)) >= 0:  # a "?" read as it stands may be anything
        settled = question + 1
    cut = settled + 2
    while cut < end and READING_AFTER.match(text, cut):
        cut += 1
    return min(cut, end)


def _context_after(text: str, end: int) -> str:
    """The character that follows a span, past an annotation that follows it; "" at a line end or for ASCII."""
    annotation = READING_CLOSED.match(text, end)
    following = text[annotation.end() if annotation else end:][:1]
    return following if following and _gbk(following) else ""


def _run_hypotheses(lead: int, runs: list[Run], prefix: list[Segment], annotated: Annotated,
                    prior: float = 0.0) -> list[Hypothesis]:
    """The hypotheses of runs read from a known lead byte, after ``prefix`` (characters before the lead)."""
    found = []
    for run in runs:
        segments = _segments(lead, run, annotated)
        if segments is not None:
            swallowed = run.last[0] == "annotated" and run.last[2]
            found.append(Hypothesis(prefix + segments, run.end, prior, "(" if swallowed else ""))
    return found


def _before(text: str, start: int, count: int = 2) -> str:
    """The (up to ``count``) GBK characters before ``start``, each past an annotation that ends there."""
    found, at = "", start
    while len(found) < count:
        annotation = READING_BEFORE.search(text, max(0, at - 12), at)
        at = annotation.start() if annotation else at
        if not at or not _gbk(text[at - 1]):
            break
        found, at = text[at - 1] + found, at - 1
    return found


def _straddled(text: str, match: re.Match, annotated: Annotated, min_confidence: float) -> Repair | None:
    start = match.start()
    previous = _gbk(_before(text, start, 1) or " ")
    reading = match.group("reading")
    if previous is None or not readings_exist(reading):
        return None
    runs = _runs(text, match.end(), annotated)
    hypotheses = []
    for char in annotated.straddled(reading, previous[1]):
        hypotheses += _run_hypotheses(_gbk(char)[1], runs, [], annotated)
    return _decide(text, start, hypotheses, "straddled-annotation", annotated, min_confidence) or _unrepaired(
        text, start, match.end(), "straddled-annotation", "no candidate reading decodes as GBK")


def _punctuation(text: str, match: re.Match, annotated: Annotated, min_confidence: float) -> Repair | None:
    """``?`` and a sign, or ``?`` alone (its sign swallowed): the sign's bytes were spelled across two characters."""
    start = match.start()
    sign = match.group("sign")
    if not sign and _reads_as_it_stands(text, match.end()):
        return None  # every damage hypothesis reads the text after the "?" one byte out of step: it would not read
    signs = [sign] if sign else list(SIGN_BYTES)
    runs = _runs(text, match.end(), annotated)  # the same after every sign
    hypotheses = []
    for s in signs:
        wide = SIGN_BYTES[s]
        hypotheses += _run_hypotheses(wide[1], runs, [((0.0, (_ending_in(wide[0]),)),)], annotated)
    if not sign:  # "?" alone may be a question mark, or a character the encoder could not write
        following = _run_end(text, match.end())
        hypotheses.append(Hypothesis(_fixed(text[start:following]), following, as_is=True))
    repair = _decide(text, start, hypotheses, "punctuation-pass", annotated, min_confidence)
    if repair is None and sign:
        return _unrepaired(text, start, match.end(), "punctuation-pass", "no candidate reading decodes as GBK")
    return repair


PLAUSIBLE_LOGP = -9.0  # mean log-probability per character of text that reads as it stands (garbage: below -11)
PLAUSIBLE_RUN = 4  # characters after a "?" alone that tell whether the text there reads as it stands


def _reads_as_it_stands(text: str, pos: int) -> bool:
    """True when the ``PLAUSIBLE_RUN`` characters from ``pos`` (past annotations, before any ASCII) read as
    prose: a run read one byte out of step does not."""
    following = _plain_after(text, pos, PLAUSIBLE_RUN)
    return len(following) == PLAUSIBLE_RUN and default_model().text_logp(following) / len(following) > PLAUSIBLE_LOGP


def _signs_meant(text: str, matches: list[re.Match]) -> set[int]:
    """The starts of the bare signs that the text after them tells were meant (the common case): fewer than three
    characters follow before other ASCII, or they read as they stand after the character before the sign.
    Scored together: a page holds many such signs."""
    following = [_plain_after(text, m.end()) for m in matches]
    scored = [(m.start(), chars) for m, chars in zip(matches, following) if len(chars) >= 3]
    logp = default_model().texts_logp([chars for _, chars in scored], [text[start - 1] for start, _ in scored])
    return ({m.start() for m, chars in zip(matches, following) if len(chars) < 3}
            | {start for (start, chars), score in zip(scored, logp) if score / len(chars) > PLAUSIBLE_LOGP})


def _bare_sign(text: str, match: re.Match, annotated: Annotated, min_confidence: float) -> Repair | None:
    """An ASCII sign between non-ASCII characters whose decoder dropped the lead byte before it: the character
    before the sign ends in A3 and vanished, the run after it is one byte out of step. Tried only where the
    text after the sign does not read as it stands (``_signs_meant``)."""
    start, end = match.span()
    wide = SIGN_BYTES[match.group("bare")]
    hypotheses = _run_hypotheses(wide[1], _runs(text, end, annotated), [((0.0, (_ending_in(wide[0]),)),)], annotated)
    if not hypotheses:
        return None
    limit = _run_end(text, end)
    as_is = _fixed(WIDE_SIGN[match.group("bare")] + text[end:limit])
    hypotheses.append(Hypothesis(as_is, limit, as_is=True))
    return _decide(text, start, hypotheses, "punctuation-pass", annotated, min_confidence)


def _plain_after(text: str, pos: int, count: int = 6) -> str:
    """Up to ``count`` non-ASCII characters from ``pos``, past the annotations between them, up to the first
    other ASCII character."""
    chars, at = [], pos
    while at < len(text) and len(chars) < count:
        annotation = READING_AFTER.match(text, at)
        if annotation:
            at = annotation.end()
            continue
        if text[at] < "\x80":
            break
        chars.append(text[at])
        at += 1
    return "".join(chars)


def _run_end(text: str, pos: int) -> int:
    """Where a run starting at ``pos`` could end at the latest (for the text-as-it-stands reading)."""
    end = pos
    while end < len(text) and end - pos < MAX_RUN and text[end] not in "\n\r" and not ("\x40" <= text[end] < "\x7f"):
        end += 1
    return min(end + 1, len(text)) if end < len(text) and "\x40" <= text[end] < "\x7f" else end


@cache
def _wildcard() -> tuple[str, ...]:
    """What a ``?`` of the text as it stands may have been: a question mark, or a character the encoder could
    not write (the commonest characters stand for them all: an undamaged reading is never underrated)."""
    points = np.arange(0x4E00, 0xA000)
    ranked = points[np.argsort(-default_model().unigram_logp_array(points), kind="stable")]
    common = [c for c in map(chr, ranked[:2 * MAX_OPTIONS].tolist()) if _gbk(c)][:MAX_OPTIONS - 1]
    return ("？", *sorted(common))


def _unrepaired(text: str, start: int, end: int, mechanism: str, reason: str) -> Repair:
    return Repair(start, end, text[start:end], mechanism, None, "flagged", reason)


def _indentation(text: str, match: re.Match, annotated: Annotated, min_confidence: float) -> Repair | None:
    """``??…`` opening a line: lost indentation, unless its last two ``?`` read better as punctuation damage."""
    start, end = match.span()
    inner = ANCHOR.match(text, end - 2)
    if inner and inner.group("sign") == "?" and end - start == 2:
        damage = _punctuation(text, inner, annotated, min_confidence)
        if damage is not None and damage.status == "repaired":
            return damage
    return Repair(start, end, "", "lost-indentation", 1.0, "repaired",
                  "a run of ? opening a line: indentation the GBK encoder could not write")


# words that make a clause a question, Simplified and Traditional: a ? closing such a clause is the question
# mark it looks like (一些领域?, 是否落实?), not a byte the encoder lost
INTERROGATIVE = re.compile(r"什么|什麼|怎么|怎麼|怎样|怎樣|为何|為何|哪|吗|嗎|呢|谁|誰|多少|是否|难道|難道|是不是|能否|可否|几|幾")
CLAUSE_END = re.compile(r"[，。！？；：,.!?;:\n]")


def asks(text: str, i: int) -> bool:
    """True where the clause that the ``?`` at ``i`` closes holds an interrogative word."""
    opens = max((m.end() for m in CLAUSE_END.finditer(text, max(0, i - 40), i)), default=max(0, i - 40))
    return INTERROGATIVE.search(text, opens, i) is not None


def find_repairs(text: str, annotated: Annotated, min_confidence: float) -> list[Repair]:
    """All damaged spans of ``text``, repaired or flagged, sorted and non-overlapping."""
    found: list[Repair] = []
    covered_until = 0
    matches = list(ANCHOR.finditer(text))
    meant = _signs_meant(text, [m for m in matches if m.group("bare")])
    for match in matches:
        if match.start() < covered_until or match.start() in meant:
            continue
        if match.group("indent"):
            repair = _indentation(text, match, annotated, min_confidence)
        elif match.group("bare"):
            repair = _bare_sign(text, match, annotated, min_confidence)
        elif match.group("reading"):
            repair = _straddled(text, match, annotated, min_confidence)
        else:
            repair = _punctuation(text, match, annotated, min_confidence)
        if repair is not None:
            found.append(repair)
            covered_until = repair.end
    starts = [r.start for r in found]  # in text order, not overlapping
    for question in re.finditer(r"\?", text):
        i = question.start()
        k = bisect.bisect_right(starts, i) - 1
        if k < 0 or i >= found[k].end:
            neighbours = text[i - 1:i] + text[i + 1:i + 2]
            if any(is_han(c) for c in neighbours) and text[i + 1:i + 2] not in ("", "\n", "”", "\r") \
                    and not asks(text, i):
                found.append(Repair(i, i + 1, "?", "unexplained", None, "flagged",
                                    "a ? between Han characters that no damage mechanism explains"))
    found.sort(key=lambda r: r.start)
    for residue in residues(text):  # where no damage above covers it
        k = bisect.bisect_right([r.start for r in found], residue.start)
        if (k == 0 or found[k - 1].end <= residue.start) and (k == len(found) or residue.end <= found[k].start):
            found.insert(k, residue)
    return found


# ---- residue: what the damage left with no byte to read again ---------------------------------------------

STRAY_APOSTROPHE = re.compile(rf"(?<=[{HAN}])'(?=[{HAN}])")
# a year of the corpus's century and the digits after it, up to 日, with 年 or 月 or both gone
UNITLESS_DATE = re.compile(r"(?<![0-9０-９.．])((?:1[89]|20)[0-9]{2})(年?)([0-9]{1,4})(月?)([0-9]{0,2})日")


def residues(text: str) -> list[Repair]:
    """The residue repairs of ``text`` (``stray-byte``, ``lost-date-units``), in text order."""
    return sorted(_stray_bytes(text) + _unitless_dates(text), key=lambda r: r.start)


def _stray_bytes(text: str) -> list[Repair]:
    found = []
    for match in STRAY_APOSTROPHE.finditer(text):
        line_start, line_end = text.rfind("\n", 0, match.start()) + 1, text.find("\n", match.end())
        if text.count("'", line_start, line_end if line_end >= 0 else len(text)) == 1:  # not one of a pair
            found.append(Repair(match.start(), match.end(), "", "stray-byte", 1.0, "repaired",
                                "an ASCII apostrophe alone between Han characters: no GBK trail byte, no quote"))
    return found


def _date_splits(digits: str) -> list[tuple[str, str]]:
    return [(digits[:k], digits[k:]) for k in (1, 2) if len(digits) - k in (1, 2)
            and digits[0] != "0" and 1 <= int(digits[:k]) <= 12 and digits[k] != "0" and 1 <= int(digits[k:]) <= 31]


def _unitless_dates(text: str) -> list[Repair]:
    found = []
    for match in UNITLESS_DATE.finditer(text):
        year, year_unit, first, month_unit, second = match.groups()
        if year_unit and month_unit:
            continue  # a whole date
        if month_unit:  # only 年 is gone: the digits before 月 are the month
            splits = [(first, second)] if second and 1 <= int(first) <= 12 and 1 <= int(second) <= 31 else []
        elif second:
            continue  # digits both sides of nothing: not a date this mechanism explains
        else:
            splits = _date_splits(first)
        if len(splits) == 1:
            month, day = splits[0]
            found.append(Repair(match.start(), match.end(), f"{year}年{month}月{day}日", "lost-date-units", 1.0,
                                "repaired", "a date's 年 or 月 vanished; its digits split one way only"))
        elif splits:
            found.append(Repair(match.start(), match.end(), match.group(), "lost-date-units", None, "flagged",
                                f"a date's 年 or 月 vanished; its digits split {len(splits)} ways"))
    return found


def apply(text: str, repairs: list[Repair]) -> tuple[str, list[dict]]:
    """Apply ``repairs`` to ``text``; return the repaired text and one row per repair with both spans."""
    pieces, rows, cursor, shift = [], [], 0, 0
    for r in repairs:
        pieces.append(text[cursor:r.start])
        pieces.append(r.after)
        out_start = r.start + shift
        rows.append({"start": r.start, "end": r.end, "out_start": out_start, "out_end": out_start + len(r.after),
                     "before": text[r.start:r.end], "after": r.after, "mechanism": r.mechanism,
                     "score": r.score, "status": r.status, "reason": r.reason})
        shift += len(r.after) - (r.end - r.start)
        cursor = r.end
    pieces.append(text[cursor:])
    return "".join(pieces), rows


def has_anchor(text: str) -> bool:
    """Cheap pre-check: only texts with a ``?``, an apostrophe or a date that lost its 年 or 月 can hold damage."""
    return "?" in text or "'" in text or ("日" in text and any(
        not (m.group(2) and m.group(4)) for m in UNITLESS_DATE.finditer(text)))
