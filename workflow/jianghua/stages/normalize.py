"""Normalize stage: decoded text -> clean Simplified ``normalized`` text, and ``edits`` auditing every change.

Operations, in order, each a function of the whole shard: HTML pages read as text (``text.markup``: tags, scripts,
styles and the head go, block tags become line breaks, references are decoded; the page's ``<title>`` and first
``<h1>`` are kept, normalized like the text, as evidence of its title); the sites' GBK damage repaired (or flagged) with the
corpus's own annotation table (the survey's ``annotations``), every repair in ``repairs``; invisible format
characters (zero-width, bidi controls) removed; pinyin annotations
stripped (after any Han character, when the bracket holds one of its readings); Traditional to Simplified
(OpenCC's tables plus the project's overrides, applied by polars); page furniture removed (``text.boilerplate``'s
named rules, plus the lines the survey found repeated across the corpus; each edit names its rule);
placeholders made one mask token; half-width punctuation made full-width in Chinese context (GB/T 15834-2011,
never NFKC; a ``?`` in damage repair flagged stays); hard line breaks after ；rejoined; stray whitespace cleaned.

The shard is one string, its texts between NUL separators (decode never lets NUL into a text), so each
operation is a few numpy, regex or polars passes over the shard. A ``TracedShard`` keeps, per character, the
decoded character it copies or replaced; the ``edits`` table is read off that trace at the end: a replaced
character, or a gap in the trace, is a span of the decoded text and the text that replaced it (touching ones
shaped by the same operations and rule make one edit), so the normalized text plus its edits rebuild the decoded
text exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import polars as pl
import pyarrow as pa

from jianghua import tables
from jianghua.text import boilerplate, markup
from jianghua.text.chars import codepoints, invisible_points, is_han_points, text_of
from jianghua.text.outline import OUTLINE_START
from jianghua.text.pinyin import LOST, annotations, orphan_annotations
from jianghua.text.repair import Annotated, find_repairs, has_anchor
from jianghua.text.t2s import convert_t2s

OPERATIONS = tuple(tables.spec("edits")["operations"])  # in the order they run
BIT = {op: 1 << i for i, op in enumerate(OPERATIONS)}
# the operation label of an edit shaped by a set of operations (a bit mask), in the order they run
LABELS = ["+".join(op for op in OPERATIONS if bits & BIT[op]) for bits in range(1 << len(OPERATIONS))]
SEP = boilerplate.SEP  # the texts of a shard are one string, between separators


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices of the ranges ``[starts[i], starts[i] + lengths[i])``, one after another."""
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(ends[-1] if lengths.size else 0)


def slices(points: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    """The strings ``points[s:e]`` as one Arrow string array, built without a Python object per string."""
    lengths = ends - starts
    chars = points[ranges(starts, lengths)]
    widths = 1 + (chars >= 0x80).astype(np.int64) + (chars >= 0x800) + (chars >= 0x10000)
    byte_offsets = np.concatenate(([0], np.cumsum(widths)))[np.concatenate(([0], np.cumsum(lengths)))]
    data = text_of(chars).encode("utf-8")
    return pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(byte_offsets), pa.py_buffer(data))


class Edits(NamedTuple):
    """Sorted, non-overlapping replacements of ``text[starts[i]:ends[i]]`` in the input of one operation.

    ``afters`` holds the code points of all replacements, one after another; ``lengths`` their lengths;
    ``rules`` the rule of each edit, where the operation names its rules (``boilerplate.rule_id``, 0 for none).
    """

    starts: np.ndarray
    ends: np.ndarray
    afters: np.ndarray
    lengths: np.ndarray
    rules: np.ndarray | None = None

    @classmethod
    def of(cls, spans: np.ndarray, afters: Sequence[str] | np.ndarray | None = None,
           rules: np.ndarray | None = None) -> Edits:
        """Edits from an (n, 2) array of spans and their replacements (strings, single code points, or none)
        and rules (or none)."""
        n = len(spans)
        rules = None if rules is None else np.asarray(rules, np.int16)
        if afters is None:
            return cls(spans[:, 0], spans[:, 1], np.zeros(0, np.uint32), np.zeros(n, np.int64), rules)
        if isinstance(afters, np.ndarray):
            return cls(spans[:, 0], spans[:, 1], afters.astype(np.uint32), np.ones(n, np.int64), rules)
        lengths = np.fromiter(map(len, afters), np.int64, n)
        return cls(spans[:, 0], spans[:, 1], codepoints("".join(afters)), lengths, rules)

    def rule_array(self) -> np.ndarray:
        """The rule of each edit (0 where the operation names none)."""
        return np.zeros(self.starts.size, np.int16) if self.rules is None else self.rules

    def sorted(self) -> Edits:
        """The same edits ordered by start."""
        order = np.argsort(self.starts, kind="stable")
        first = (np.cumsum(self.lengths) - self.lengths)[order]
        return Edits(self.starts[order], self.ends[order], self.afters[ranges(first, self.lengths[order])],
                     self.lengths[order], None if self.rules is None else self.rules[order])

    def merge(self, other: Edits) -> Edits:
        """These edits and ``other`` (which must not overlap them), ordered by start."""
        rules = None if self.rules is None and other.rules is None else \
            np.concatenate((self.rule_array(), other.rule_array()))
        return Edits(*(np.concatenate(pair) for pair in zip(self[:4], other[:4])), rules).sorted()


def spans(pattern: re.Pattern, text: str, group: int = 0) -> np.ndarray:
    """The (start, end) of every match of ``pattern`` (or of its ``group``) in ``text``, as an (n, 2) array."""
    return np.array([m.span(group) for m in pattern.finditer(text)], dtype=np.int64).reshape(-1, 2)


def _is_any(points: np.ndarray, chars: str) -> np.ndarray:
    """Which code points are one of ``chars``."""
    found = np.zeros(points.shape, bool)
    for char in chars:
        found |= points == ord(char)
    return found


def _is_cjk(points: np.ndarray) -> np.ndarray:
    """Chinese context: Han, CJK symbols, full-width forms, Chinese quotes, ellipsis and dash."""
    return (is_han_points(points) | ((points >= 0x3000) & (points <= 0x303F)) | ((points >= 0xFF00) & (points <= 0xFFEF))
            | _is_any(points, "“”‘’…—"))


def _is_decimal(points: np.ndarray) -> np.ndarray:
    """Which code points are decimal digits of any script (what ``\\d`` matches)."""
    distinct, inverse = np.unique(points, return_inverse=True)
    return np.array([chr(c).isdecimal() for c in distinct.tolist()], bool)[inverse].reshape(points.shape)


WHITESPACE = np.array([c for c in range(0x3001) if chr(c).isspace()], np.uint32)


def _or_over(values: np.ndarray, starts: np.ndarray, ends: np.ndarray, combine: np.ufunc = np.bitwise_or) -> np.ndarray:
    """Bitwise OR (or another ``combine``) of ``values[s:e]`` for each range (0 for an empty range)."""
    out = np.zeros(starts.size, values.dtype)
    lengths = ends - starts
    single = lengths == 1  # most ranges: one replaced character
    out[single] = values[starts[single]]
    longer = np.flatnonzero(lengths > 1)
    if longer.size:
        offsets = np.cumsum(lengths[longer]) - lengths[longer]
        out[longer] = combine.reduceat(values[ranges(starts[longer], lengths[longer])], offsets)
    return out


class TracedShard:
    """A shard's texts as one code-point array, each character traced to the decoded character it stands for.

    ``origin[i]`` is the index in ``decoded`` of the character that character ``i`` copies or replaced one for
    one (T->S, a punctuation mark), or -1 where an operation inserted it; ``written`` holds the bits of the
    operations that wrote character ``i``. ``removed`` (per decoded character) and ``removed_written`` (per
    gap before a decoded character) keep the bits of the operations that removed characters, so an edit names
    every operation that shaped it. ``written_rule`` (per character) and ``removed_rule`` (per decoded character)
    keep the rule (``boilerplate.rule_id``) of the operation that wrote or removed it, where it names one.
    """

    def __init__(self, texts: Sequence[str]):
        self._text: str | None = SEP + SEP.join(texts) + SEP
        self.decoded = codepoints(self._text)
        self.current = self.decoded.copy()
        self.origin = np.arange(self.decoded.size, dtype=np.int32)  # half the bytes of every pass; < 2**31 chars
        self.written = np.zeros(self.decoded.size, np.uint16)
        self.removed = np.zeros(self.decoded.size, np.uint16)
        self.removed_written = np.zeros(self.decoded.size + 1, np.uint16)
        self.written_rule = np.zeros(self.decoded.size, np.int16)
        self.removed_rule = np.zeros(self.decoded.size, np.int16)
        self.counts = {op: np.zeros(len(texts), np.int64) for op in OPERATIONS}

    @property
    def text(self) -> str:
        """The current texts as one string, between separators (made when asked for)."""
        if self._text is None:
            self._text = text_of(self.current)
        return self._text

    def texts(self) -> list[str]:
        """The current texts."""
        return self.text.split(SEP)[1:-1] if self.counts["space"].size else []

    def _count(self, op: str, starts: np.ndarray) -> None:
        text_of_start = np.searchsorted(np.flatnonzero(self.current == 0), starts, side="right") - 1
        self.counts[op] += np.bincount(text_of_start, minlength=self.counts[op].size)

    def replace(self, op: str, edits: Edits) -> None:
        """Apply an operation's edits (on the current text)."""
        if not edits.starts.size:
            return
        bit = np.uint16(BIT[op])
        self._count(op, edits.starts)
        at = ranges(edits.starts, edits.ends - edits.starts)
        if (self.current[at] == 0).any() or (edits.afters == 0).any():
            raise ValueError(f"operation {op} touched a text separator")
        # a replacement keeps the trace over the length it shares with what it replaced (each of its first
        # characters stands for the one it replaced), so that touching edits of two operations stay apart;
        # the rest of the span is removed, or the rest of the replacement inserted after them
        shared = np.minimum(edits.ends - edits.starts, edits.lengths)
        first = np.cumsum(edits.lengths) - edits.lengths
        replaced = ranges(edits.starts, shared)
        self.current[replaced] = edits.afters[ranges(first, shared)]
        self.written[replaced] |= bit
        rules = edits.rules
        if rules is not None:
            self.written_rule[replaced] = np.repeat(rules, shared)
        rest = edits.lengths - shared
        left = (edits.ends > edits.starts + shared) | (rest > 0)
        edits = Edits(edits.starts[left] + shared[left], edits.ends[left],
                      edits.afters[ranges(first[left] + shared[left], rest[left])], rest[left])
        at = ranges(edits.starts, edits.ends - edits.starts)
        origin = self.origin[at]
        traced = origin >= 0
        self.removed[origin[traced]] |= bit | self.written[at[traced]]
        # a removed character keeps the rule that removed it, or else the rule that wrote it
        removing = self.written_rule[at] if rules is None else np.repeat(rules[left], edits.ends - edits.starts)
        self.removed_rule[origin[traced]] = np.where(removing > 0, removing, self.written_rule[at])[traced]
        if not traced.all():
            # an inserted character that is removed leaves its bits in the gap before the next traced character
            inserted_at = at[~traced]
            kept = np.flatnonzero(self.origin >= 0)
            following = self.origin[kept[np.searchsorted(kept, inserted_at)]]
            np.bitwise_or.at(self.removed_written, following, self.written[inserted_at] | bit)
        keep = np.ones(self.current.size, bool)
        keep[at] = False
        self.current, self.origin, self.written = self.current[keep], self.origin[keep], self.written[keep]
        self.written_rule = self.written_rule[keep]
        if edits.afters.size:
            where = np.repeat(edits.starts - np.searchsorted(at, edits.starts), edits.lengths)
            self.current = np.insert(self.current, where, edits.afters)
            self.origin = np.insert(self.origin, where, -1)
            self.written = np.insert(self.written, where, bit)
            self.written_rule = np.insert(self.written_rule, where,
                                          0 if rules is None else np.repeat(rules[left], edits.lengths))
        self._text = None

    def substitute(self, op: str, rewritten: str) -> None:
        """Take a rewrite of the current text of the same length (T->S), character for character."""
        new = codepoints(rewritten)
        if new.size != self.current.size:
            raise ValueError(f"operation {op} changed the length of the text")
        at = np.flatnonzero(new != self.current)
        if not at.size:
            return
        self._count(op, at[np.concatenate(([True], np.diff(at) > 1))])
        self.current[at] = new[at]
        self.written[at] |= np.uint16(BIT[op])
        self._text = rewritten

    def traced_to(self, spans: np.ndarray) -> np.ndarray:
        """Which current characters copy or replaced a decoded character inside one of ``spans`` (sorted,
        disjoint (n, 2) spans of the decoded string)."""
        at = np.searchsorted(spans[:, 0], self.origin, side="right") - 1
        return (at >= 0) & (self.origin >= 0) & (self.origin < spans[np.maximum(at, 0), 1] if spans.size else False)

    def edit_table(self, source_ids: Sequence[str]) -> pl.DataFrame:
        """The ``edits`` rows, in the coordinates of their own text.

        Units of change are a replaced character, and a gap in the trace (decoded characters removed and
        characters inserted between two traced ones), split where the rule that removed its characters changes;
        touching units shaped by the same operations and rule are one edit. Both are found without a pass over
        every character's trace: the trace breaks only where ``origin`` does not step by one, and only a
        written character can differ from its decoded one.
        """
        origin = self.origin
        breaks = np.flatnonzero(origin[1:] - origin[:-1] != 1)
        # a gap runs from a traced character to the next traced one: the next character, or the one after a
        # run of inserted characters (whose last member is a break too, since texts open with a traced separator)
        after_inserted = np.append(breaks[(origin[breaks] < 0) & (origin[breaks + 1] >= 0)] + 1, origin.size)
        left = breaks[origin[breaks] >= 0]
        right = np.where(origin[left + 1] >= 0, left + 1, after_inserted[np.searchsorted(after_inserted, left + 1)])
        gap_out_start, gap_out_end, gap_start, gap_end, last = self._split_gaps(
            left + 1, right, (origin[left] + 1).astype(np.int64), origin[right].astype(np.int64))
        written = np.flatnonzero(self.written)
        written = written[origin[written] >= 0]
        replaced = written[self.current[written] != self.decoded[origin[written]]]
        out_start = np.concatenate((gap_out_start, replaced))
        out_end = np.concatenate((gap_out_end, replaced + 1))
        start = np.concatenate((gap_start, origin[replaced])).astype(np.int64)
        end = np.concatenate((gap_end, origin[replaced] + 1)).astype(np.int64)
        is_gap = np.arange(out_start.size) < gap_start.size
        last = np.concatenate((last, np.zeros(replaced.size, bool)))
        order = np.lexsort((start, out_start))
        out_start, out_end, start, end, is_gap, last = (a[order] for a in (out_start, out_end, start, end, is_gap, last))
        bits = _or_over(self.written, out_start, out_end) | _or_over(self.removed, start, end)
        # inserted characters removed in a gap left their bits before the decoded character that follows them
        bits[is_gap] |= _or_over(self.removed_written, start[is_gap], end[is_gap] + last[is_gap])
        rule = np.maximum(_or_over(self.written_rule, out_start, out_end, np.maximum),
                          _or_over(self.removed_rule, start, end, np.maximum))
        joins = ((out_end[:-1] == out_start[1:]) & (end[:-1] == start[1:]) & (bits[:-1] == bits[1:])
                 & (rule[:-1] == rule[1:]))
        first = np.flatnonzero(np.concatenate(([True], ~joins))[:out_start.size])
        last = np.concatenate((first[1:], [out_start.size]))[:first.size] - 1
        out_start, out_end, start, end = out_start[first], out_end[last], start[first], end[last]
        bits, rule = bits[first], rule[first]
        decoded_base = np.flatnonzero(self.decoded == 0) + 1
        current_base = np.flatnonzero(self.current == 0) + 1
        text_no = np.searchsorted(decoded_base, start, side="right") - 1
        opens_text = np.flatnonzero(np.diff(text_no, prepend=-1))
        first_of_text = np.repeat(opens_text, np.diff(opens_text, append=text_no.size))
        return pl.DataFrame({
            "source_id": pl.Series(list(source_ids), dtype=pl.String).gather(text_no),
            "edit_no": np.arange(1, text_no.size + 1) - first_of_text,
            "operation": pl.Series(LABELS, dtype=pl.String).gather(bits.astype(np.int64)),
            "rule": pl.Series([None, *boilerplate.rule_names()], dtype=pl.String).gather(rule.astype(np.int64)),
            "start": start - decoded_base[text_no],
            "end": end - decoded_base[text_no],
            "out_start": out_start - current_base[text_no],
            "out_end": out_end - current_base[text_no],
            "before": pl.from_arrow(slices(self.decoded, start, end)),
            "after": pl.from_arrow(slices(self.current, out_start, out_end)),
        }, schema=tables.polars_schema("edits"))

    def _split_gaps(self, out_start: np.ndarray, out_end: np.ndarray, start: np.ndarray, end: np.ndarray):
        """Gaps split where ``removed_rule`` changes inside their decoded span: (out_start, out_end, start, end,
        last) of the pieces, ``last`` true for each gap's last piece. A gap's inserted characters (its output)
        go with its first piece; the other pieces are removals at the end of that output."""
        # where the rule changes inside a gap; characters of no rule (a pinyin annotation inside a removed line)
        # go with the rule before them in their gap (a gap's first character starts afresh: no gap's pieces
        # depend on another, nor on which texts share the shard)
        rule = self.removed_rule
        anchors = np.where(rule > 0, np.arange(rule.size), -1)
        anchors[start[start < rule.size]] = start[start < rule.size]
        filled = rule[np.maximum(np.maximum.accumulate(anchors), 0)]
        changes = np.flatnonzero(filled[1:] != filled[:-1]) + 1
        low = np.searchsorted(changes, start, side="right")
        inner = np.searchsorted(changes, end, side="left") - low  # change points strictly inside each gap
        if not inner.any():
            return out_start, out_end, start, end, np.ones(start.size, bool)
        pieces = inner + 1
        gap = np.repeat(np.arange(start.size), pieces)
        piece = np.arange(gap.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        is_last = piece == inner[gap]
        at = low[gap] + piece  # the change point that ends a piece (if not its gap's last), and starts the next
        piece_start = np.where(piece > 0, changes[np.maximum(at - 1, 0)], start[gap])
        piece_end = np.where(is_last, end[gap], changes[np.minimum(at, changes.size - 1)])
        return (np.where(piece > 0, out_end[gap], out_start[gap]), out_end[gap], piece_start, piece_end, is_last)


# ---- pinyin ---------------------------------------------------------------------------------------

def remove_invisible(points: np.ndarray) -> Edits:
    """Drop every invisible format character (``chars.invisible_points``), one edit each."""
    at = np.flatnonzero(np.isin(points, invisible_points()))
    return Edits.of(np.stack((at, at + 1), axis=1))


def strip_pinyin(text: str) -> Edits:
    """Remove the bracket of every ``字(reading)`` whose reading is one of the character's; ``（一）``, ``(地)``
    and the like stay. An annotation whose ``(`` the sites' lossy decode swallowed into a ``?`` (``?huì)``)
    becomes one ``LOST`` character: the byte that was lost (repair, which runs first, left it)."""
    found = Edits.of(np.array([(start, end) for start, end, _, _ in annotations(text)], np.int64).reshape(-1, 2))
    lost = np.array(orphan_annotations(text), np.int64).reshape(-1, 2)
    return found.merge(Edits.of(lost, [LOST] * len(lost)))


# ---- repair ---------------------------------------------------------------------------------------

def repair_damage(texts: Sequence[str], source_ids: Sequence[str], annotated: Annotated,
                  min_confidence: float) -> tuple[Edits, pl.DataFrame]:
    """The GBK-damage repairs of a shard's texts: the edits of the repaired spans (in the shard's text, whose
    texts open after one separator each), and the ``repairs`` rows, repaired or flagged.

    The candidates are ranked by the fixed character model, never one built from the shard: a text repairs
    alike in any shard."""
    damaged = [k for k, text in enumerate(texts) if has_anchor(text)]
    rows, spans, afters = [], [], []
    base = text_starts(texts)
    for k in damaged:
        for r in find_repairs(texts[k], annotated, min_confidence):
            rows.append((source_ids[k], r.start, r.end, texts[k][r.start:r.end], r.after, r.mechanism, r.score,
                         r.status, r.reason))
            if r.status == "repaired":
                spans.append((base[k] + r.start, base[k] + r.end))
                afters.append(r.after)
    edits = Edits.of(np.array(spans, np.int64).reshape(-1, 2), afters)
    return edits, pl.DataFrame(rows, schema=tables.polars_schema("repairs"), orient="row")


def text_starts(texts: Sequence[str]) -> np.ndarray:
    """Where each text starts in the shard's string (after one separator each)."""
    return np.cumsum([len(text) + 1 for text in texts], dtype=np.int64) - np.array([len(t) for t in texts], np.int64)


UNEXPLAINED = "unexplained"  # repair's mechanism for a ? next to Han that no damage mechanism explains


def flagged_spans(texts: Sequence[str], source_ids: Sequence[str], repair_rows: pl.DataFrame) -> np.ndarray:
    """The damaged spans repair flagged (and left as they are) in the shard's decoded string, sorted: (n, 2).

    A ``?`` flagged as unexplained counts only in a text that shows explained damage elsewhere: a text the
    sites' byte damage never touched writes question marks, half-width.
    """
    explained = repair_rows.filter(pl.col("mechanism") != UNEXPLAINED)["source_id"].unique().implode()
    flagged = repair_rows.filter((pl.col("status") == "flagged")
                                 & ((pl.col("mechanism") != UNEXPLAINED) | pl.col("source_id").is_in(explained)))
    bases = pl.DataFrame({"source_id": list(source_ids), "base": text_starts(texts)},
                         schema={"source_id": pl.String, "base": pl.Int64})
    found = (flagged.join(bases, on="source_id").select(start=pl.col("base") + pl.col("start"), end=pl.col("base") + pl.col("end"))
             .to_numpy().astype(np.int64).reshape(-1, 2))
    return found[np.argsort(found[:, 0], kind="stable")]


# ---- boilerplate ---------------------------------------------------------------------------------

def remove_boilerplate(text: str, points: np.ndarray, mined: np.ndarray) -> Edits:
    """Remove page furniture (``text.boilerplate``'s rules, and ``mined``: one flag per line, the lines the
    survey found repeated across the corpus); each edit names its rule."""
    found, rules = boilerplate.find(text, points, mined)
    return Edits.of(found, rules=rules)


# ---- masks, punctuation, reflow, space -----------------------------------------------------------

MASK_SIGNS = ("×", "Xx", "*", "＊")  # a placeholder is a run of one of these


def _runs(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the runs of equal non-zero values (the array starts and ends with a zero)."""
    change = np.flatnonzero(np.diff(classes)) + 1
    starts, ends = change[:-1], change[1:]
    keep = classes[starts] != 0
    return starts[keep], ends[keep]


def _is_alnum(points: np.ndarray) -> np.ndarray:
    letter = points | 0x20
    return ((letter >= ord("a")) & (letter <= ord("z"))) | ((points >= ord("0")) & (points <= ord("9")))


BLANKS = " \u3000"  # a letter-spaced placeholder stands between these and its Han neighbours (X 委 X 届)


def _inside_titles(points: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Which positions ``at`` lie inside a 《…》 title closed on the same line."""
    def last_before(marks: np.ndarray) -> np.ndarray:
        return np.concatenate(([-1], marks))[np.searchsorted(marks, at)]

    def first_after(marks: np.ndarray) -> np.ndarray:
        return np.concatenate((marks, [points.size]))[np.searchsorted(marks, at)]

    opens, closes = np.flatnonzero(points == ord("《")), np.flatnonzero(points == ord("》"))
    stops = np.flatnonzero((points == 10) | (points == 0))
    return ((last_before(opens) > np.maximum(last_before(closes), last_before(stops)))
            & (first_after(closes) < first_after(stops)))


def canonical_masks(text: str, points: np.ndarray, token: str) -> Edits:
    """Every placeholder run next to a Han character becomes ``token``; Latin names (GX, QQ, 阿Q) stay.

    A run of X or x counts only as a whole word; a run of × * ＊ drops the sign that touches a Latin letter
    or digit; but a run between digits and a Han character masks digits of a number (``201x年``, ``20**年``)
    and stays whole. A placeholder spaced from its Han neighbours (``X 委 X 届``) takes the blanks with it; one
    of two signs or more between Chinese punctuation is one too (a name in a list, ``**、**案``). A
    placeholder inside a 《…》 title is part of the title as written (a template's name) and stays.
    """
    classes = np.zeros(points.size, np.int8)
    for k, signs in enumerate(MASK_SIGNS, 1):
        classes[_is_any(points, signs)] = k
    starts, ends = _runs(classes)
    latin = classes[starts] == 2
    after_alnum, before_alnum = _is_alnum(points[starts - 1]), _is_alnum(points[ends])
    digits = (points[starts - 1] >= ord("0")) & (points[starts - 1] <= ord("9")) & is_han_points(points[ends])
    keep = np.where(latin, (~after_alnum | digits) & ~before_alnum, True)
    starts = starts + (after_alnum & ~latin & ~digits)
    ends = ends - (before_alnum & ~latin)
    blank_before = _is_any(points[starts - 1], BLANKS) & is_han_points(points[np.maximum(starts - 2, 0)])
    blank_after = _is_any(points[ends], BLANKS) & is_han_points(points[np.minimum(ends + 1, points.size - 1)])
    listed = (ends - starts >= 2) & _is_cjk(points[starts - 1]) & _is_cjk(points[ends])  # 。**、**案
    keep &= (ends > starts) & (is_han_points(points[starts - 1]) | is_han_points(points[ends]) | blank_before
                               | blank_after | listed)
    keep &= ~_inside_titles(points, starts)
    found = np.stack([starts - blank_before, ends + blank_after], axis=1)[keep]
    found = found[[text[start:end] != token for start, end in found.tolist()]].reshape(-1, 2)
    return Edits.of(found, [token] * len(found))


FULLWIDTH_OFFSET = 0xFEE0  # ! , : ; ? ( ) -> ！，：；？（）
LONGEST_PARENTHETICAL = 40


def _is_digit(points: np.ndarray) -> np.ndarray:
    return (points >= ord("0")) & (points <= ord("9"))


def fullwidth_punctuation(points: np.ndarray, damaged: np.ndarray) -> Edits:
    """Half-width , : ; ! ? ( ) to full width where Chinese text surrounds them (GB/T 15834-2011).

    , : ; ! follow a Chinese character or a digit and precede no Latin letter (between two digits they stay:
    12,440, 9:30, 9.7:47.3); ? follows a Chinese character and precedes no Latin letter or digit, unless it
    lies in recorded damage (``damaged``, per character: a span repair flagged, which keeps its ``?``);
    ( ) enclose at most 40 characters of one line, with a Han character inside or next to them.
    """
    signs = np.flatnonzero(_is_any(points, ",:;!"))
    before, after = points[signs - 1], points[signs + 1]
    latin = ((after | 0x20) >= ord("a")) & ((after | 0x20) <= ord("z"))
    between_digits = _is_digit(before) & _is_digit(after)
    signs = signs[(_is_cjk(before) | _is_decimal(before)) & ~latin & ~between_digits]
    questions = np.flatnonzero(points == ord("?"))
    questions = questions[_is_cjk(points[questions - 1]) & ~_is_alnum(points[questions + 1]) & ~damaged[questions]]
    opens = np.flatnonzero(points == ord("("))
    stops = np.flatnonzero(_is_any(points, "()\n\x00"))
    closes = stops[np.searchsorted(stops, opens, side="right")]
    pairs = (points[closes] == ord(")")) & (closes - opens > 1) & (closes - opens - 1 <= LONGEST_PARENTHETICAL)
    opens, closes = opens[pairs], closes[pairs]
    spans_with_neighbours = closes - opens + 3
    near_han = np.logical_or.reduceat(is_han_points(points[ranges(opens - 1, spans_with_neighbours)]),
                                      np.cumsum(spans_with_neighbours) - spans_with_neighbours)
    at = np.sort(np.concatenate((signs, questions, opens[near_han], closes[near_han])))
    return Edits.of(np.stack([at, at + 1], axis=1), points[at] + FULLWIDTH_OFFSET)


_HARD_BREAK = re.compile(r"[；;]([ \t]*\n)(?=[^\n\x00])")


def rejoin_lines(text: str) -> Edits:
    """Rejoin a line broken after ；unless the next line opens a new outline item."""
    found = spans(_HARD_BREAK, text, group=1)
    return Edits.of(found[[not OUTLINE_START.match(text, end) for end in found[:, 1]]])


def clean_space(points: np.ndarray) -> Edits:
    """Drop NBSP, carriage returns, blanks at a line's edges, blank lines and a text's edge newlines.

    A run of blanks (space, tab, NBSP, U+3000) that touches a line edge goes; inside a line only its NBSPs
    go. A run of newlines becomes one inside a text and goes at a text's edges.
    """
    edge = (points == 10) | (points == 0)
    blank_start, blank_end = _runs(_is_any(points, " \t\u00a0\u3000").astype(np.int8))
    at_edge = edge[blank_start - 1] | edge[blank_end]
    nbsp = np.flatnonzero(points == 0xA0)
    nbsp = nbsp[~at_edge[np.searchsorted(blank_start, nbsp, side="right") - 1]]
    break_start, break_end = _runs((points == 10).astype(np.int8))
    inner = (points[break_start - 1] != 0) & (points[break_end] != 0)
    several = break_end - break_start > 1
    breaks = several | ~inner
    carriage = np.flatnonzero(points == 13)
    starts = np.concatenate((blank_start[at_edge], nbsp, carriage, break_start[breaks]))
    ends = np.concatenate((blank_end[at_edge], nbsp + 1, carriage + 1, break_end[breaks]))
    one_break = np.concatenate((np.zeros(starts.size - np.count_nonzero(breaks), bool), (several & inner)[breaks]))
    return Edits(starts, ends, np.full(np.count_nonzero(one_break), 10, np.uint32), one_break.astype(np.int64)).sorted()


# ---- the stage -----------------------------------------------------------------------------------

def html_markup(texts: Sequence[str]) -> tuple[Edits, list[str | None], list[str | None]]:
    """The markup edits of a shard's HTML texts (in the shard's string), and each text's page title and first
    ``<h1>`` (None for a text that is no HTML page, or has none)."""
    titles: list[str | None] = [None] * len(texts)
    headings: list[str | None] = [None] * len(texts)
    spans, afters = [], []
    base = text_starts(texts)
    for k in np.flatnonzero(markup.html_texts(pl.Series(list(texts), dtype=pl.String))).tolist():
        found = markup.markup_edits(texts[k])
        titles[k], headings[k] = found.title, found.heading
        spans += [(base[k] + start, base[k] + end) for start, end, _ in found.edits]
        afters += [after for _, _, after in found.edits]
    return Edits.of(np.array(spans, np.int64).reshape(-1, 2), afters), titles, headings


def normalize_evidence(strings: Sequence[str | None], mask_token: str) -> list[str | None]:
    """Page titles and headings normalized as the text is (invisible characters, pinyin, T->S, masks,
    punctuation, blanks), so that they compare with its lines; None stays None, and so does what is left empty."""
    present = [k for k, s in enumerate(strings) if s]
    shard = TracedShard([re.sub(r"\s+", " ", strings[k]) for k in present])
    shard.replace("invisible", remove_invisible(shard.current))
    shard.replace("pinyin", strip_pinyin(shard.text))
    shard.substitute("t2s", convert_t2s(pl.Series([shard.text])).item())
    shard.replace("mask", canonical_masks(shard.text, shard.current, mask_token))
    shard.replace("punct", fullwidth_punctuation(shard.current, np.zeros(shard.current.size, bool)))
    shard.replace("space", clean_space(shard.current))
    out: list[str | None] = [None] * len(strings)
    for k, text in zip(present, shard.texts()):
        out[k] = text or None
    return out


def _in_decoded(shard: TracedShard, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spans of the current shard string (after markup, whose every character copies or replaced a decoded
    one) in the decoded shard string."""
    origin = shard.origin
    empty = ends <= starts
    first, last = origin[starts], origin[np.maximum(ends - 1, starts)]
    if (first < 0).any() or (last < 0).any():
        raise ValueError("markup inserted characters: spans after it cannot be traced to the decoded text")
    return first, np.where(empty, first, last + 1)


def _repairs_in_decoded(shard: TracedShard, marked: Sequence[str], source_ids: Sequence[str],
                        repair_rows: pl.DataFrame) -> pl.DataFrame:
    """The ``repairs`` rows (found in the texts after markup) with their spans in the decoded texts."""
    if not repair_rows.height:
        return repair_rows
    text_no = pl.DataFrame({"source_id": list(source_ids), "text_no": np.arange(len(source_ids))},
                           schema={"source_id": pl.String, "text_no": pl.Int64})
    k = repair_rows.join(text_no, on="source_id", how="left", maintain_order="left")["text_no"].to_numpy()
    current_base = text_starts(marked)[k]
    decoded_base = np.flatnonzero(shard.decoded == 0)[k] + 1
    starts, ends = _in_decoded(shard, current_base + repair_rows["start"].to_numpy(),
                               current_base + repair_rows["end"].to_numpy())
    return repair_rows.with_columns(start=pl.Series(starts - decoded_base, dtype=pl.Int64),
                                    end=pl.Series(ends - decoded_base, dtype=pl.Int64))


def normalize_texts(texts: Sequence[str], source_ids: Sequence[str], mask_token: str, annotated: Annotated,
                    boilerplate_lines: Sequence[str], min_confidence: float
                    ) -> tuple[TracedShard, pl.DataFrame, list[str | None], list[str | None]]:
    """Normalize a shard's texts; the result holds the texts, the trace of every change and counts, the
    ``repairs`` rows, and each text's page title and first heading (HTML pages only), normalized."""
    shard = TracedShard(texts)
    markup_edits, titles, headings = html_markup(texts)
    shard.replace("markup", markup_edits)
    marked = shard.texts() if markup_edits.starts.size else texts
    # found on the lines as markup left them: repair, pinyin and T->S keep every line break
    mined = boilerplate.mined_lines(shard.text, shard.current, list(boilerplate_lines))
    repairs, repair_rows = repair_damage(marked, source_ids, annotated, min_confidence)
    flagged = flagged_spans(marked, source_ids, repair_rows)
    if markup_edits.starts.size:  # damage found after markup, recorded and traced in the decoded text
        flagged = np.stack(_in_decoded(shard, flagged[:, 0], flagged[:, 1]), axis=1).reshape(-1, 2)
        repair_rows = _repairs_in_decoded(shard, marked, source_ids, repair_rows)
    shard.replace("repair", repairs)  # after tracing: the rows' spans are in the text before repair
    shard.replace("invisible", remove_invisible(shard.current))
    shard.replace("pinyin", strip_pinyin(shard.text))
    shard.substitute("t2s", convert_t2s(pl.Series([shard.text])).item())
    shard.replace("boilerplate", remove_boilerplate(shard.text, shard.current, mined))
    # masks before punctuation: "X," is Chinese context once X is a mask
    shard.replace("mask", canonical_masks(shard.text, shard.current, mask_token))
    shard.replace("punct", fullwidth_punctuation(shard.current, shard.traced_to(flagged)))
    shard.replace("reflow", rejoin_lines(shard.text))
    shard.replace("space", clean_space(shard.current))
    return shard, repair_rows, normalize_evidence(titles, mask_token), normalize_evidence(headings, mask_token)


def normalize_frame(decoded: pl.DataFrame, annotations: pl.DataFrame, boilerplate_lines: pl.DataFrame,
                    mask_token: str, min_confidence: float) -> dict[str, pl.DataFrame]:
    """``decoded`` (source_id, text) and the survey's tables -> ``normalized``, ``edits`` and ``repairs``."""
    ids = decoded["source_id"].to_list()
    annotated = Annotated(annotations.select("char", "reading").iter_rows())
    shard, repairs, titles, headings = normalize_texts(decoded["text"].to_list(), ids, mask_token, annotated,
                                                       boilerplate_lines["line"].to_list(), min_confidence)
    normalized = pl.DataFrame(
        {"source_id": ids, "text": shard.texts(), **{f"n_{op}": shard.counts[op] for op in OPERATIONS},
         "page_title": titles, "page_heading": headings},
        schema=tables.polars_schema("normalized"))
    return {"normalized": normalized, "edits": shard.edit_table(ids), "repairs": repairs}


def batches(frame: pl.DataFrame, megabytes: float) -> list[pl.DataFrame]:
    """Consecutive rows of ``frame`` whose texts hold about ``megabytes`` each (at least one row a batch; one
    empty batch for an empty frame)."""
    if not frame.height:
        return [frame]
    size = pl.col("text").str.len_bytes()
    number = (size.cum_sum() - size) // max(1, int(megabytes * 1e6))  # the bytes before a row, in batches
    return frame.with_columns(batch=number).partition_by("batch", maintain_order=True, include_key=False)


def run(frames: dict[str, pl.DataFrame], settings) -> dict[str, pl.DataFrame]:
    """Normalize a shard's ``decoded`` texts with the survey's corpus tables, a batch of texts at a time
    (``normalize.batch_megabytes``): a text's normalization depends on no other, and a job's memory then
    follows the batch, not the shard."""
    parts = [normalize_frame(batch, frames["annotations"], frames["boilerplate_lines"],
                             settings["normalize.mask_token"], settings["repair.min_confidence"])
             for batch in batches(frames["decoded"], settings["normalize.batch_megabytes"])]
    return {table: pl.concat([part[table] for part in parts], rechunk=True) for table in parts[0]}
