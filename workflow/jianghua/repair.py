"""Repair the GBK damage of shared/notes/gbk-damage.md in decoded text, or flag what cannot be repaired.

Anchors: ``?reading)`` (an annotation that landed inside a character: the ``?`` is the lead byte whose
``(`` was swallowed) and ``?`` followed by an ASCII sign (the punctuation pass spelled ，；！？ across two
characters). From an anchor the damaged run is re-encoded to GBK, re-aligned by one byte, the unknown
bytes are enumerated, and the candidates that decode are ranked with a character model. A repair is
accepted only when it is unique or beats the runner-up by ``min_margin``; otherwise the span is flagged.
Any other ``?`` next to a Han character is flagged as unexplained damage.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from jianghua.charmodel import CharModel, is_han
from jianghua.damage import FULLWIDTH_TO_ASCII, annotation_table, is_user_defined

MAX_RUN = 40
# The byte before a spelled ，；！？ is A3; in the seeds it is always the trail of 。 (A1 A3), which the
# character model alone underrates next to common Han characters ending in A3 (保 = B1 A3).
PUNCTUATION_PRIOR = {"。": 8.0}
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


@cache
def readings() -> dict[str, list[str]]:
    """Reading -> the annotated characters that carry it."""
    table = defaultdict(list)
    for char, reading in annotation_table().items():
        table[reading].append(char)
    return dict(table)


@cache
def anchor_pattern() -> re.Pattern:
    alternatives = "|".join(sorted(map(re.escape, readings()), key=len, reverse=True))
    return re.compile(rf"\?(?:({alternatives})\)|([,;!?]))")


def _gbk(char: str) -> bytes | None:
    try:
        code = char.encode("gbk")
    except UnicodeEncodeError:
        return None
    return code if len(code) == 2 else None


def _decode_pair(lead: int, trail: int) -> str | None:
    if is_user_defined(lead, trail):
        return None
    try:
        char = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return char if len(char) == 1 else None


def _realign(text: str, pos: int, lead: int) -> tuple[list[str], int]:
    """Decode the one-byte-shifted run starting at ``pos`` whose first byte ``lead`` is known.

    Returns the candidate decodings of the run (several when its last trail byte was lost) and the
    end of the run in ``text``. The run ends after the first ASCII character (the resynchronising
    trail byte), or before a character that cannot be a misread pair.
    """
    stream = bytearray((lead,))
    end = pos
    terminal = False
    while end < len(text) and end - pos < MAX_RUN:
        char = text[end]
        if char < "\x80" and char not in "\n\r?":
            stream.append(ord(char))
            end += 1
            terminal = True
            break
        code = _gbk(char)
        if code is None or char in "?\n":
            break
        stream += code
        end += 1
    if not terminal:
        # Without the resynchronising byte the run may also have lost pairs (dropped or turned into
        # "?"), so its bytes do not determine it: leave it to be flagged.
        return [], end
    chars = [_decode_pair(stream[i], stream[i + 1]) for i in range(0, len(stream), 2)]
    return ([] if None in chars else ["".join(chars)]), end


def _choose(candidates: list[str], text: str, start: int, end: int, model: CharModel,
            min_margin: float, prior: dict[str, float] | None = None) -> tuple[str | None, float, str]:
    if not candidates:
        return None, None, "no candidate decodes as GBK, or the run ends without a resynchronising byte"
    before, after = text[start - 1:start], text[end:end + 1]
    prior = prior or {}
    scored = sorted(((model.text_logp(c, before, after) + prior.get(c[0], 0.0), c) for c in set(candidates)),
                    reverse=True)
    if len(scored) == 1:
        return scored[0][1], math.inf, "1 candidate"
    margin = scored[0][0] - scored[1][0]
    if margin < min_margin:
        return None, margin, f"{len(scored)} candidates, margin {margin:.2f} below {min_margin}"
    return scored[0][1], margin, f"{len(scored)} candidates"


def _straddled(text: str, match: re.Match, model: CharModel, min_margin: float) -> Repair:
    start = match.start()
    prev = _gbk(text[start - 1]) if start else None
    candidates: list[str] = []
    end = match.end()
    for char in readings()[match.group(1)]:
        code = _gbk(char)
        if prev is None or code is None or prev[1] != code[0]:
            continue
        run, end = _realign(text, match.end(), code[1])
        candidates += run
    after, score, reason = _choose(candidates, text, start, end, model, min_margin)
    return _result(text, start, end, after, "straddled-annotation", score, reason)


def _punctuation(text: str, match: re.Match, model: CharModel, min_margin: float) -> Repair:
    start = match.start()
    sign = SIGN_BYTES[match.group(2)]
    run, end = _realign(text, match.end(), sign[1])
    if not run:
        return _result(text, start, end, None, "punctuation-pass", None, "run not determined by its bytes")
    firsts = [c for u in range(0x81, 0xFF) if (c := _decode_pair(u, sign[0]))]
    candidates = [first + rest for first in firsts for rest in run]
    after, score, reason = _choose(candidates, text, start, end, model, min_margin, PUNCTUATION_PRIOR)
    return _result(text, start, end, after, "punctuation-pass", score, reason)


def _result(text, start, end, after, mechanism, score, reason) -> Repair:
    if after is None:
        return Repair(start, end, text[start:end], mechanism, None, "flagged", reason)
    return Repair(start, end, after, mechanism, score, "repaired", reason)


def find_repairs(text: str, model: CharModel, min_margin: float) -> list[Repair]:
    """All damaged spans of ``text``, repaired or flagged, sorted and non-overlapping."""
    found: list[Repair] = []
    covered_until = 0
    for match in anchor_pattern().finditer(text):
        if match.start() < covered_until:
            continue
        handler = _straddled if match.group(1) else _punctuation
        repair = handler(text, match, model, min_margin)
        found.append(repair)
        covered_until = repair.end
    spans = [(r.start, r.end) for r in found]
    for i, char in enumerate(text):
        if char == "?" and not any(s <= i < e for s, e in spans):
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
