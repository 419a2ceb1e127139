"""Repair the GBK damage of shared/notes/gbk-damage.md in decoded text, or flag what cannot be repaired.

Anchors: ``?reading)`` (an annotation that landed inside a character: the ``?`` is the lead byte whose
``(`` was swallowed) and ``?`` followed by an ASCII sign (the punctuation pass spelled ，；！？ across two
characters). From an anchor the damaged run is re-encoded to GBK, re-aligned by one byte, the unknown
bytes are enumerated, and the candidates that decode are ranked with a character model. A repair is
accepted only when it is unique or beats the runner-up by ``min_margin``; otherwise the span is flagged.
When no plain reading is plausible, the run may have lost one or two pairs the decoder dropped without a
trace (GBK's user-defined areas): those are put back where the plain reading goes wrong, and the restored
readings, weighed by the prior of such a drop, are ranked together with the plain ones. Any other ``?`` next
to a Han character is flagged as unexplained damage.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from weakref import WeakKeyDictionary

import numpy as np

from jianghua.text.charmodel import IS_PUNCTUATION, CharModel
from jianghua.text.chars import CJK_PUNCTUATION, is_han
from jianghua.text.gbk import FULLWIDTH_TO_ASCII, is_user_defined

MAX_RUN = 40
# The byte before a spelled ，；！？ is A3; in the seeds it is always the trail of 。 (A1 A3), which the
# character model alone underrates next to common Han characters ending in A3 (保 = B1 A3). The prior holds
# only where the text goes on with a word: before a mark (保” in 確保”) it would beat the right reading.
PUNCTUATION_PRIOR = {"。": 8.0}
# A reading whose least likely character bigram (with its neighbours) falls below this is not taken: the
# run most likely lost a pair the decoder dropped silently (GBK's user-defined areas), so the dropped pairs
# are put back, or the span is flagged. On simulated damage, right repairs stayed above -14 and wrong ones
# below -15.
MIN_BIGRAM_LOGP = -14.5
# The log prior of a run's dropped pairs, by their count: on simulated damage, of 4,598 anchors 120 lost one
# pair and 66 two in a row (once a run is out of step in a user-defined area, the next pair often is too).
DROPPED_LOGP = {0: 0.0, 1: math.log(120 / 4598), 2: math.log(66 / 4598)}
# The floor for a plain reading that beat every restoration: right ones stayed above -16 (敢首創: -15.5).
MIN_BIGRAM_LOGP_TESTED = -17.0
MAX_OPTIONS = 40  # options kept per unknown character, the most frequent first
SIGN_BYTES = {ascii_sign: wide.encode("gbk") for wide, ascii_sign in FULLWIDTH_TO_ASCII.items()}


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


class Annotated:
    """The characters a corpus's sites annotate, by reading, and the anchors of damage they leave."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        by_reading: dict[str, list[str]] = defaultdict(list)
        for char, reading in sorted(set(pairs)):
            by_reading[reading].append(char)
        self.readings = dict(by_reading)
        # a reading followed by ")"; with no annotation at all, a group that never matches
        alternatives = "|".join(sorted(map(re.escape, self.readings), key=len, reverse=True)) or "(?!)"
        self.reading_pattern = re.compile(rf"({alternatives})\)")
        self.anchor_pattern = re.compile(rf"\?(?:{self.reading_pattern.pattern}|([,;!?]))")


def _gbk(char: str) -> bytes | None:
    try:
        code = char.encode("gbk")
    except UnicodeEncodeError:
        return None
    return code if len(code) == 2 else None


@cache
def _decode_pair(lead: int, trail: int) -> str | None:
    if is_user_defined(lead, trail):
        return None
    try:
        char = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return char if len(char) == 1 else None


def _realign(text: str, pos: int, lead: int, annotated: Annotated) -> tuple[tuple[bytes, list[str] | None] | None, int]:
    """Re-align the one-byte-shifted run starting at ``pos`` whose first byte ``lead`` is known.

    Returns the run as its whole byte pairs and the options of a last, enumerated character (or None), and
    the end of the run in ``text``.
    The run ends after the first ASCII character (the resynchronising trail byte, which closes the last
    character), or at a ``?`` followed by ASCII: that ``?`` is one lost trail byte (the decoder met an
    ASCII byte where a trail byte should be), so the last character is enumerated. Anything else (a
    ``?`` mid-run, a line end, the text end) means pairs may have been lost: None, to be flagged.
    """
    stream = bytearray((lead,))
    end = pos
    while end < len(text) and end - pos < MAX_RUN:
        char = text[end]
        annotation = annotated.reading_pattern.match(text, end + 1) if char == "?" else None
        if annotation:
            # "?reading)": the lost trail byte and the swallowed "(" of the last character's own annotation,
            # so the last character is the annotated one with that reading whose lead byte is known
            last = [c + "(" for c in annotated.readings[annotation.group(1)] if (_gbk(c) or b"  ")[0] == stream[-1]]
            return (bytes(stream[:-1]), last), end + 1
        if char == "?" and text[end + 1:end + 2] not in ("", "?", "\n") and text[end + 1] < "\x80":
            last = [c for t in range(0x40, 0xFF) if (c := _decode_pair(stream[-1], t))]
            return (bytes(stream[:-1]), last), end + 1
        if char < "\x80" and char not in "\n\r?":
            stream.append(ord(char))
            return (bytes(stream), None), end + 1
        code = _gbk(char)
        if code is None or char in "?\n":
            break
        stream += code
        end += 1
    return None, end


def _positions(pairs: bytes, last: list[str] | None) -> list[list[str]] | None:
    """The characters of whole byte ``pairs``, then the ``last`` character's options; None if any fails."""
    fixed = [_decode_pair(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    if None in fixed or last == []:
        return None
    return [[c] for c in fixed] + ([last] if last is not None else [])


# The shifted pairs the sites' decoder dropped without a trace: (first bytes, second bytes) of GBK's
# user-defined areas, where the first byte is the trail of one character and the second the lead of the next.
DROPPED_PAIRS = (([*range(0xAA, 0xB0), *range(0xF8, 0xFF)], range(0xA1, 0xFF)), (range(0xA1, 0xA8), range(0x81, 0xA1)))
DROP_SHAPES = [[0], [1], [0, 0], [0, 1], [1, 0], [1, 1]]  # one or two dropped pairs, by area


@cache
def _with_trail(lead: int, area: int) -> list[str]:
    """Characters of ``lead`` whose trail byte opens a dropped pair of ``area``."""
    return [c for t in DROPPED_PAIRS[area][0] if (c := _decode_pair(lead, t))]


@cache
def _with_lead(area: int, trail: int) -> list[str]:
    """Characters ending in ``trail`` whose lead byte closes a dropped pair of ``area``."""
    return [c for u in DROPPED_PAIRS[area][1] if (c := _decode_pair(u, trail))]


@cache
def _between(first: int, second: int) -> list[str]:
    """Characters made of the end of a dropped pair of area ``first`` and the start of one of ``second``."""
    return [c for u in DROPPED_PAIRS[first][1] for t in DROPPED_PAIRS[second][0] if (c := _decode_pair(u, t))]


Run = tuple[list[list[str]], bytes, list[str] | None]  # positions before the run, its byte pairs, its last options


def _lattices(runs: list[Run], dropped: bool, near: range | None = None) -> list[tuple[int, list[list[str]]]]:
    """The runs as lattices of options; with ``dropped``, every way one or two dropped pairs fit back in.

    Dropped pairs sit between two characters of the shifted reading: the true character before them lost
    its trail byte, the one after them its lead byte, and with two pairs a whole character lies between.
    One and two are ranked together, so that a plausible reading with one pair cannot hide a better one
    with two. The pairs of a byte stream keep their parity across a drop, so only the characters next to it
    read wrong: ``near`` (lattice positions) limits the places tried to where the plain reading went wrong.
    """
    lattices = []
    for prefix, pairs, last in runs:
        if not dropped:
            lattice = _positions(pairs, last)
            lattices += [(0, prefix + lattice)] if lattice else []
            continue
        for k in range(0, len(pairs), 2):
            if near is not None and len(prefix) + k // 2 not in near:
                continue
            head, tail = _positions(pairs[:k], None), _positions(pairs[k + 2:], last)
            if head is None or tail is None:
                continue
            for first, *second in DROP_SHAPES:
                before = _with_trail(pairs[k], first)
                after = _with_lead(second[0] if second else first, pairs[k + 1])
                between = [_between(first, second[0])] if second else []
                if before and after and all(between):
                    lattices.append((1 + len(second), prefix + head + [before, *between, after] + tail))
    return lattices


def _best_path(positions: list[list[str]], before: str, after: str, model: CharModel,
               prior: dict[str, float], quotes: dict[str, float]) -> tuple[float, str, float]:
    """Viterbi over the positions' options between two known characters: (score, text, margin).

    The margin is the smallest gap, at any position with several options, between the chosen character
    and the runner-up given the chosen neighbours. The transitions between two option lists are scored once
    per model (``_transitions``).
    """
    def bonus(options: list[str], following: np.ndarray) -> np.ndarray:
        # the prior of the first character holds only where a sentence goes on: not before another mark
        if not prior:
            return np.zeros((len(options), following.size))
        opens = ~((following < 0x10000) & IS_PUNCTUATION[following & 0xFFFF])
        return np.array([prior.get(c, 0.0) for c in options])[:, None] * opens[None, :]

    positions = [tuple(options) if len(options) <= MAX_OPTIONS
                 else _commonest(model, tuple(options), tuple(prior.items())) for options in positions]
    heads = [_codes(options, 0) for options in positions]
    emits = [np.array([quotes.get(c[0], 0.0) for c in options]) if quotes else np.zeros(len(options))
             for options in positions]
    tail = _codes((after[0],), 0) if after else np.zeros(0, np.int64)
    # before -> first, each position -> the next, last -> after
    steps = [((before,) if before else (), positions[0]), *zip(positions, positions[1:]),
             (positions[-1], (after[0],) if after else ())]
    matrices = [_transitions(model, left, right) for left, right in steps]

    firsts = (matrices[0][0] if before else model.unigram_logp_array(heads[0])) + emits[0]
    scores, pointers = firsts, []
    for k in range(1, len(positions)):
        through = scores[:, None] + matrices[k] + emits[k][None, :]
        if k == 1:
            through += bonus(positions[0], heads[1])
        pointers.append(through.argmax(axis=0))
        scores = through.max(axis=0)
    final = scores + (matrices[-1][:, 0] if after else 0.0)
    if len(positions) == 1 and after:
        final = final + bonus(positions[0], tail)[:, 0]
    chosen = [int(final.argmax())]
    for pointer in reversed(pointers):
        chosen.append(int(pointer[chosen[-1]]))
    chosen.reverse()
    margin = math.inf
    for k, options in enumerate(positions):
        if len(options) < 2:
            continue
        inner = k + 1 < len(positions)
        right = heads[k + 1][[chosen[k + 1]]] if inner else tail
        local = (matrices[k][chosen[k - 1]] + emits[k] if k else
                 firsts + (bonus(options, right)[:, 0] if right.size else 0.0))
        if right.size:  # matrices[k + 1] scores position k against what follows it
            local = local + matrices[k + 1][:, chosen[k + 1] if inner else 0]
        ranked = np.sort(local)
        margin = min(margin, float(ranked[-1] - ranked[-2]))
    return float(final[chosen[-1]]), "".join(options[c] for options, c in zip(positions, chosen)), margin


# per model: a shard's damage repeats (the same readings between the same characters), so lattices recur
_PATHS: WeakKeyDictionary[CharModel, dict] = WeakKeyDictionary()
MAX_PATHS = 1 << 16


def _best_path_memo(positions: list[list[str]], before: str, after: str, model: CharModel,
                    prior: dict[str, float], quotes: dict[str, float]) -> tuple[float, str, float]:
    """``_best_path``, remembered per model."""
    known = _PATHS.setdefault(model, {})
    key = (tuple(map(tuple, positions)), before, after, tuple(prior.items()), tuple(quotes.items()))
    if key not in known:
        if len(known) >= MAX_PATHS:
            known.clear()
        known[key] = _best_path(positions, before, after, model, prior, quotes)
    return known[key]


@lru_cache(maxsize=4096)
def _codes(options: tuple[str, ...], index: int) -> np.ndarray:
    """The code points of each option's character at ``index``."""
    codes = np.array([ord(c[index]) for c in options], np.int64)
    codes.flags.writeable = False  # shared by every lattice that holds these options
    return codes


# per model: lattices of a shard are made of a few hundred option lists, so the same transitions recur
_TRANSITIONS: WeakKeyDictionary[CharModel, dict] = WeakKeyDictionary()
MAX_TRANSITIONS = 4096  # matrices kept per model (at most 40 x 40 floats each)


def _transitions(model: CharModel, left: tuple[str, ...], right: tuple[str, ...]) -> np.ndarray:
    """``model.logp_array`` of every (last character of a left option, first of a right option)."""
    known = _TRANSITIONS.setdefault(model, {})
    matrix = known.get((left, right))
    if matrix is None:
        if len(known) >= MAX_TRANSITIONS:
            known.clear()
        tails, heads = _codes(left, -1), _codes(right, 0)
        matrix = known[left, right] = model.logp_array(np.repeat(tails, heads.size),
                                                       np.tile(heads, tails.size)).reshape(tails.size, heads.size)
        matrix.flags.writeable = False
    return matrix


_COMMONEST: WeakKeyDictionary[CharModel, dict] = WeakKeyDictionary()  # per model: the same lists recur


def _commonest(model: CharModel, options: tuple[str, ...], prior: tuple[tuple[str, float], ...]) -> tuple[str, ...]:
    """The ``MAX_OPTIONS`` commonest options: the rarest cannot win against common ones in context."""
    known = _COMMONEST.setdefault(model, {})
    if (options, prior) not in known:
        weights = dict(prior)
        scores = model.unigram_logp_array(np.array([ord(c[0]) for c in options])) + [weights.get(c, 0.0) for c in options]
        known[options, prior] = tuple(options[k] for k in np.argsort(scores, kind="stable")[-MAX_OPTIONS:])
    return known[options, prior]


QUOTE_PRIOR = 3.0  # the quote mark that closes the open quote, against the other marks
QUOTE_LOOKBACK = 300


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


def _choose(runs: list[Run], text: str, start: int, end: int, model: CharModel, min_margin: float,
            prior: dict[str, float] | None = None) -> tuple[str | None, float | None, str]:
    """The repair of a damaged span from its runs, or None and why not.

    When no plain reading of the runs is plausible, the one or two pairs the decoder may have dropped are
    put back next to where it reads worst, at the cost of their prior ``DROPPED_LOGP``, and ranked together
    with the plain readings: the repair must win among all of them. A plain reading that wins this way is
    taken down to the lower floor ``MIN_BIGRAM_LOGP_TESTED``: the drops that would explain its weak pair
    read worse.
    """
    plain = _lattices(runs, False)
    after, score, reason, suspect = _rank(plain, text, start, end, model, min_margin, prior, MIN_BIGRAM_LOGP)
    if after is None and not reason.startswith("margin"):
        near = range(suspect - 1, suspect + 1) if suspect is not None else None
        restored = _lattices(runs, True, near)
        if restored:
            best, score, why, _ = _rank(plain + restored, text, start, end, model, min_margin, prior,
                                        MIN_BIGRAM_LOGP_TESTED)
            if best is not None:
                return best, score, why
    return after, score, reason


def _rank(lattices: list[tuple[int, list[list[str]]]], text: str, start: int, end: int, model: CharModel,
          min_margin: float, prior: dict[str, float] | None,
          floor: float) -> tuple[str | None, float | None, str, int | None]:
    """The best reading of the lattices (each with its count of restored pairs), its score and why, or None
    and why not; with a reading whose weakest bigram is below ``floor``, also the lattice position where it
    reads worst."""
    if not lattices:
        return None, None, "no candidate decodes as GBK, or the run ends without a resynchronising byte", None
    before, after = text[start - 1:start], text[end:end + 1]
    quotes = quote_prior(text, start)
    ranked = []
    for restored, lattice in lattices:
        score, reading, margin = _best_path_memo(lattice, before, after, model, prior or {}, quotes)
        ranked.append((score + DROPPED_LOGP[restored], reading, margin, restored))
    ranked.sort(reverse=True)
    score, best, margin, restored = ranked[0]
    if len(ranked) > 1:
        margin = min(margin, score - ranked[1][0])
    choices = sum(math.prod(len(options) for options in lattice) for _, lattice in lattices)
    if margin < min_margin:
        return None, None, f"margin {margin:.2f} below {min_margin} among {choices} candidates", None
    chars = before + best.rstrip("(") + after
    # the word list behind the model has no punctuation, so pairs with a mark say nothing about a dropped pair
    weakest, at = min(((model.logp(a, b), i) for i, (a, b) in enumerate(zip(chars, chars[1:]))
                       if not (a.isascii() or b.isascii() or a in CJK_PUNCTUATION or b in CJK_PUNCTUATION)),
                      default=(0.0, 0))
    if weakest < (floor if not restored else MIN_BIGRAM_LOGP):
        return (None, None, f"implausible repair {best!r} (bigram log-probability {weakest:.1f}): a pair may have "
                "been dropped", at + 1 - len(before))
    why = f"{choices} candidates"
    if restored:
        why += f"; restored {restored} pair(s) the decoder dropped (user-defined area)"
    elif any(r[3] for r in ranked):
        why += "; beat every restoration of dropped pairs"
    return best, margin, why, None


def _straddled(text: str, match: re.Match, model: CharModel, min_margin: float, annotated: Annotated) -> Repair:
    start = match.start()
    prev = _gbk(text[start - 1]) if start else None
    runs: list[Run] = []
    end = match.end()
    for char in annotated.readings[match.group(1)]:
        code = _gbk(char)
        if prev is None or code is None or prev[1] != code[0]:
            continue
        run, end = _realign(text, match.end(), code[1], annotated)
        if run:
            runs.append(([], *run))
    after, score, reason = _choose(runs, text, start, end, model, min_margin)
    return _result(text, start, end, after, "straddled-annotation", score, reason)


@cache
def _lead_characters(trail: int) -> list[str]:
    """The characters whose GBK code ends with the byte ``trail``."""
    return [c for u in range(0x81, 0xFF) if (c := _decode_pair(u, trail))]


def _punctuation(text: str, match: re.Match, model: CharModel, min_margin: float, annotated: Annotated) -> Repair:
    start = match.start()
    sign = SIGN_BYTES[match.group(2)]
    run, end = _realign(text, match.end(), sign[1], annotated)
    runs: list[Run] = [([_lead_characters(sign[0])], *run)] if run else []
    after, score, reason = _choose(runs, text, start, end, model, min_margin, PUNCTUATION_PRIOR)
    return _result(text, start, end, after, "punctuation-pass", score, reason)


def _result(text, start, end, after, mechanism, score, reason) -> Repair:
    if after is None:
        return Repair(start, end, text[start:end], mechanism, None, "flagged", reason)
    return Repair(start, end, after, mechanism, score, "repaired", reason)


def find_repairs(text: str, model: CharModel, min_margin: float, annotated: Annotated) -> list[Repair]:
    """All damaged spans of ``text``, repaired or flagged, sorted and non-overlapping."""
    found: list[Repair] = []
    covered_until = 0
    for match in annotated.anchor_pattern.finditer(text):
        if match.start() < covered_until:
            continue
        handler = _straddled if match.group(1) else _punctuation
        repair = handler(text, match, model, min_margin, annotated)
        found.append(repair)
        covered_until = repair.end
    starts = [r.start for r in found]  # in text order, not overlapping
    for question in re.finditer(r"\?", text):
        i = question.start()
        k = bisect.bisect_right(starts, i) - 1
        if k < 0 or i >= found[k].end:
            neighbours = text[i - 1:i] + text[i + 1:i + 2]
            if any(is_han(c) for c in neighbours) and text[i + 1:i + 2] not in ("", "\n", "”", "\r"):
                found.append(Repair(i, i + 1, "?", "unexplained", None, "flagged",
                                    "a ? between Han characters that no damage mechanism explains"))
    return sorted(found, key=lambda r: r.start)


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
    """Cheap pre-check: only texts with a ``?`` can hold damage."""
    return "?" in text
