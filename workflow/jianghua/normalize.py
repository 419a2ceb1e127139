"""Normalize stage: decoded text -> clean Simplified ``normalized`` text, and ``edits`` auditing every change.

Operations, in order, each a function of the whole shard: pinyin annotations stripped; Traditional to
Simplified (OpenCC's tables plus the project's overrides, applied by polars); boilerplate lines and inline
ads removed (rules, plus lines repeated across the shard's files); placeholders made one mask token;
half-width punctuation made full-width in Chinese context (GB/T 15834-2011, never NFKC); hard line breaks after
；rejoined; stray whitespace cleaned. Each operation yields edits in its own input; they are composed into
edits on the decoded text, so that normalized text plus edits rebuild the decoded text exactly.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from bisect import bisect_left, bisect_right
from functools import cache
from itertools import accumulate
from typing import NamedTuple

import numpy as np
import polars as pl

from jianghua import tables
from jianghua.charmodel import OPENCC_DICTIONARY, read_tsv
from jianghua.damage import annotation_table

OPERATIONS = ("pinyin", "t2s", "boilerplate", "mask", "punct", "reflow", "space")
CJK = r"\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”‘’…—"
HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
OUTLINE_START = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、是要]|（[一二三四五六七八九十\d]+）|\(\d+\)|"
                           r"第[一二三四五六七八九十\d]+[，,、篇]|\d+[.、．]|[①-⑳])", re.M)


class Edit(NamedTuple):
    """A replacement of ``text[start:end]`` by ``after`` in the input of one operation."""

    start: int
    end: int
    after: str
    op: str


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply sorted, non-overlapping ``edits`` to ``text``."""
    pieces, cursor = [], 0
    for e in edits:
        pieces += [text[cursor:e.start], e.after]
        cursor = e.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def compose(first: Sequence[Edit], second: Sequence[Edit], final_text: str) -> list[Edit]:
    """Edits text0 -> text2 from ``first`` (text0 -> text1) and ``second`` (text1 -> text2).

    Edits of ``second`` that touch the output of an edit of ``first`` are merged with it, so every
    resulting edit is a span of text0 and the text2 that replaced it (``after`` taken from ``final_text``).
    Only the edits of ``first`` next to an edit of ``second`` are looked at; the others carry over as they are.
    """
    if not first or not second:
        return list(first or second)
    shifts = list(accumulate((len(e.after) - e.end + e.start for e in first), initial=0))
    out_start = [e.start + shift for e, shift in zip(first, shifts)]
    out_end = [start + len(e.after) for start, e in zip(out_start, first)]
    touched: set[int] = set()
    for e in second:
        touched.update(range(bisect_left(out_end, e.start), bisect_right(out_start, e.end)))
    # (start in text1, end in text1, 0 for first / 1 for second, growth of the text, op, index in first)
    intervals = sorted([(out_start[i], out_end[i], 0, len(first[i].after) - first[i].end + first[i].start,
                         first[i].op, i) for i in touched] +
                       [(e.start, e.end, 1, len(e.after) - e.end + e.start, e.op, -1) for e in second])
    composed = [first[i] for i in range(len(first)) if i not in touched]
    delta_second = 0
    group: list | None = None  # [start, end, growth in first, growth in second, ops, lowest index in first]

    def close(g: list) -> None:
        nonlocal delta_second
        g_start, g_end, d1, d2, ops, own = g
        # the shift of every edit of ``first`` left of the group: those before its own first edit, or, in a
        # group of new edits only, all that start at or before it (a deletion there joined an earlier group)
        before = shifts[own] if own is not None else shifts[bisect_right(out_start, g_start)]
        op = ops[0] if len(ops) == 1 else "+".join(dict.fromkeys(o for op in ops for o in op.split("+")))
        start2 = g_start + delta_second
        composed.append(Edit(g_start - before, g_end - before - d1, final_text[start2:g_end + delta_second + d2], op))
        delta_second += d2

    for start, end, which, growth, op, index in intervals:
        if group is not None and (start < group[1] or (start == group[1] and (start == end or group[0] == group[1]))):
            group[1] = max(group[1], end)
            group[2 + which] += growth
            group[4].append(op)
            if which == 0:
                group[5] = index if group[5] is None else min(group[5], index)
            continue
        if group is not None:
            close(group)
        group = [start, end, growth if which == 0 else 0, growth if which == 1 else 0, [op], index if which == 0 else None]
    close(group)
    composed.sort()
    return composed


# ---- pinyin ---------------------------------------------------------------------------------------

@cache
def _pinyin_pattern() -> re.Pattern:
    readings = sorted(set(annotation_table().values()), key=len, reverse=True)
    return re.compile(r"(?<=[^\s(])\((?:" + "|".join(map(re.escape, readings)) + r")\)")


def strip_pinyin(text: str) -> list[Edit]:
    """Remove ``(reading)`` annotations of the annotation table; ``（一）``, ``(地)`` and the like stay."""
    return [Edit(m.start(), m.end(), "", "pinyin") for m in _pinyin_pattern().finditer(text)]


# ---- Traditional -> Simplified -------------------------------------------------------------------

@cache
def t2s_table() -> tuple[list[str], list[str]]:
    """Patterns and replacements, longest first, overrides before OpenCC's entries of the same length."""
    mapping: dict[str, tuple[int, str]] = {}
    for name in ("TSCharacters.txt", "TSPhrases.txt"):
        for line in (OPENCC_DICTIONARY / name).read_text(encoding="utf-8").splitlines():
            source, targets = line.split("\t")
            mapping[source] = (1, targets.split(" ")[0])
    for source, target in read_tsv("t2s_overrides.tsv"):
        mapping[source] = (0, target)
    # identity rows of OpenCC's tables do nothing; the project's identity rows stay: they block shorter matches
    mapping = {s: v for s, v in mapping.items() if s != v[1] or v[0] == 0}
    ordered = sorted(mapping, key=lambda s: (-len(s), mapping[s][0], s))
    return ordered, [mapping[s][1] for s in ordered]


def convert_t2s(texts: pl.Series) -> pl.Series:
    """Convert a whole column with leftmost-longest phrase matching (polars Aho-Corasick)."""
    patterns, replacements = t2s_table()
    return texts.str.replace_many(patterns, replacements, leftmost=True)


def diff_edits(before: str, after: str, op: str) -> list[Edit]:
    """Edits turning ``before`` into ``after``: runs of changed characters (difflib when lengths differ)."""
    if len(before) == len(after):
        changed = np.flatnonzero(np.frombuffer(before.encode("utf-32-le"), dtype=np.uint32)
                                 != np.frombuffer(after.encode("utf-32-le"), dtype=np.uint32))
        if not changed.size:
            return []
        breaks = np.flatnonzero(np.diff(changed) > 1)
        starts = np.concatenate(([changed[0]], changed[breaks + 1])).tolist()
        ends = np.concatenate((changed[breaks] + 1, [changed[-1] + 1])).tolist()
        return [Edit(s, e, after[s:e], op) for s, e in zip(starts, ends)]
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [Edit(i1, i2, after[j1:j2], op) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


# ---- boilerplate ---------------------------------------------------------------------------------

@cache
def boilerplate_rules() -> tuple[list[tuple[str, re.Pattern]], list[tuple[str, re.Pattern]]]:
    """(line rules, inline rules) from ``data/boilerplate.tsv``."""
    rows = read_tsv("boilerplate.tsv")
    line = [(name, re.compile(rx)) for scope, name, rx in rows if scope == "line"]
    inline = [(name, re.compile(rx)) for scope, name, rx in rows if scope == "inline"]
    return line, inline


def mine_repeated_lines(texts: Sequence[str], min_files: int, min_share: float,
                        protected: Sequence[str]) -> set[str]:
    """Lines that recur in at least ``min_files`` files and ``min_share`` of the shard's files.

    Headings (lines opening with an outline marker) and lines ending like a sentence are never mined, nor
    ``protected`` lines: speeches share formulas and headings that are content, not boilerplate.
    """
    if not texts:
        return set()
    frame = pl.DataFrame({"doc": range(len(texts)), "text": list(texts)})
    counts = (frame.with_columns(pl.col("text").str.split("\n")).explode("text")
              .with_columns(pl.col("text").str.strip_chars())
              .filter(pl.col("text").str.len_chars() >= 4)
              .group_by("text").agg(pl.col("doc").n_unique().alias("files")))
    threshold = max(min_files, min_share * len(texts))
    keep = set(protected)
    return {line for line in counts.filter(pl.col("files") >= threshold)["text"].to_list()
            if line not in keep and not OUTLINE_START.match(line) and line[-1] not in "。！？；：!?;:"}


AD_BLOCK_LINES = 15   # a subscription block sits within the first lines of a page ...
AD_BLOCK_WIDTH = 40   # ... and is made of short lines
AD_RULES = ("contact-qq", "resale-notice")  # the rules that mark such a block (not headers or titles)


def remove_boilerplate(text: str, repeated: set[str]) -> list[Edit]:
    """Remove boilerplate lines (rules or mined) with their newline, and inline ads.

    A page that opens with a block of short lines, one of which a rule marks as an ad, loses the whole
    block up to that line: the site's name and slogans around the ad match no rule of their own.
    """
    line_rules, inline_rules = boilerplate_rules()
    lines = text.splitlines(keepends=True)
    ad_block_end = -1
    for k, line in enumerate(lines[:AD_BLOCK_LINES]):
        if len(line.strip()) > AD_BLOCK_WIDTH:
            break
        if any(rx.search(line) for name, rx in line_rules if name in AD_RULES):
            ad_block_end = k
    edits, pos = [], 0
    for k, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if k <= ad_block_end or body.strip() in repeated or any(rx.search(body) for _, rx in line_rules):
            edits.append(Edit(pos, pos + len(line), "", "boilerplate"))
        else:
            for _, rx in inline_rules:
                edits += [Edit(pos + m.start(), pos + m.end(), "", "boilerplate") for m in rx.finditer(body)]
        pos += len(line)
    return sorted(edits, key=lambda e: e.start)


# ---- punctuation, masks, reflow, space -----------------------------------------------------------

_PUNCT = re.compile(rf"(?<=[{CJK}\d])([,:;!])(?![A-Za-z])|(?<=[{CJK}])\?(?=[\n”’）]|$)", re.M)
_PAREN = re.compile(r"\(([^()\n]{1,40})\)")
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}


def _is_chinese_context(text: str, match: re.Match) -> bool:
    if not (match.group(0).startswith(("(", ")")) or match.end() < len(text)):
        return True
    after = text[match.end():match.end() + 1]
    before = text[match.start() - 1:match.start()] if match.start() else ""
    return not (after.isascii() and after.isalpha()) and (
        bool(re.match(rf"[{CJK}\d]", before)) or bool(re.match(rf"[{CJK}]", after)))


def fullwidth_punctuation(text: str) -> list[Edit]:
    """Half-width , : ; ! ? ( ) to full width where Chinese text surrounds them (GB/T 15834-2011)."""
    edits = [Edit(m.start(), m.end(), _HALF_TO_FULL[m.group(0)], "punct")
             for m in _PUNCT.finditer(text) if _is_chinese_context(text, m)]
    for m in _PAREN.finditer(text):
        inner = m.group(1)
        neighbours = text[m.start() - 1:m.start()] + text[m.end():m.end() + 1]
        if re.search(f"[{HAN}]", inner + neighbours):
            edits += [Edit(m.start(), m.start() + 1, "（", "punct"), Edit(m.end() - 1, m.end(), "）", "punct")]
    return sorted(edits, key=lambda e: e.start)


_MASK = re.compile(r"(?<![A-Za-z0-9])(×+|[Xx]+|\*+|＊+)(?![A-Za-z0-9])")


def canonical_masks(text: str, token: str) -> list[Edit]:
    """Every placeholder run next to a Han character becomes ``token``; Latin names (GX, QQ) stay."""
    edits = []
    for m in _MASK.finditer(text):
        neighbours = text[m.start() - 1:m.start()] + text[m.end():m.end() + 1]
        if re.search(f"[{HAN}]", neighbours) and m.group(0) != token:
            edits.append(Edit(m.start(), m.end(), token, "mask"))
    return edits


_HARD_BREAK = re.compile(r"(?<=[；;])[ \t]*\n(?=[^\n])")


def rejoin_lines(text: str) -> list[Edit]:
    """Rejoin a line broken after ；unless the next line opens a new outline item."""
    return [Edit(m.start(), m.end(), "", "reflow") for m in _HARD_BREAK.finditer(text)
            if not OUTLINE_START.match(text, m.end())]


_SPACE = re.compile(r"[ \t\u00a0\u3000]+(?=\n|$)|^[ \t\u00a0\u3000]+|\u00a0|\r|\n{2,}|^\n+|\n+$", re.M)


def clean_space(text: str) -> list[Edit]:
    """Drop NBSP, carriage returns, trailing and leading blanks, blank lines and edge newlines."""
    edits = []
    for m in _SPACE.finditer(text):
        s = m.group(0)
        after = "\n" if s.startswith("\n") and len(s) > 1 and 0 < m.start() and m.end() < len(text) else ""
        if s != after:
            edits.append(Edit(m.start(), m.end(), after, "space"))
    return edits


# ---- the stage -----------------------------------------------------------------------------------

def normalize_texts(texts: Sequence[str], mask_token: str, min_files: int, min_share: float,
                    protected: Sequence[str]) -> tuple[list[str], list[list[Edit]], list[dict[str, int]]]:
    """Normalize a shard's texts; return the texts, their edits on the input and counts per operation."""
    current = list(texts)
    # Edits of the dense steps (pinyin, t2s: thousands per Traditional text) and of the sparse steps after
    # them are composed apart and joined once at the end, so the sparse steps never re-walk the dense list.
    dense: list[list[Edit]] = [[] for _ in current]
    sparse: list[list[Edit]] = [[] for _ in current]
    counts = [dict.fromkeys(OPERATIONS, 0) for _ in current]

    def step(op: str, into: list[list[Edit]], edits_of: Callable[[int, str], list[Edit]] | None = None,
             converted: list[str] | None = None) -> None:
        for i, text in enumerate(current):
            edits = diff_edits(text, converted[i], op) if converted is not None else edits_of(i, text)
            if not edits:
                continue
            new_text = converted[i] if converted is not None else apply_edits(text, edits)
            counts[i][op] += len(edits)
            into[i] = compose(into[i], edits, new_text)
            current[i] = new_text

    step("pinyin", dense, lambda i, t: strip_pinyin(t))
    step("t2s", dense, converted=convert_t2s(pl.Series(current, dtype=pl.String)).to_list())
    repeated = mine_repeated_lines(current, min_files, min_share, protected)
    step("boilerplate", sparse, lambda i, t: remove_boilerplate(t, repeated))
    step("mask", sparse, lambda i, t: canonical_masks(t, mask_token))  # before punct: "X," is Chinese context
    step("punct", sparse, lambda i, t: fullwidth_punctuation(t))
    step("reflow", sparse, lambda i, t: rejoin_lines(t))
    step("space", sparse, lambda i, t: clean_space(t))
    composed = [compose(d, s, text) for d, s, text in zip(dense, sparse, current)]
    return current, composed, counts


def normalize_frame(decoded: pl.DataFrame, mask_token: str, min_files: int, min_share: float,
                    protected: Sequence[str]) -> dict[str, pl.DataFrame]:
    """``decoded`` (source_id, text) -> ``normalized`` and ``edits`` frames."""
    ids, texts = decoded["source_id"].to_list(), decoded["text"].to_list()
    out, edits, counts = normalize_texts(texts, mask_token, min_files, min_share, protected)
    normalized = pl.DataFrame(
        {"source_id": ids, "text": out, **{f"n_{op}": [c[op] for c in counts] for op in OPERATIONS}},
        schema=tables.polars_schema("normalized"))
    columns: dict[str, list] = {name: [] for name in tables.polars_schema("edits")}
    for sid, source, edit_list in zip(ids, texts, edits):
        if not edit_list:
            continue
        starts, ends, afters, ops = map(list, zip(*edit_list))
        out_starts = list(accumulate((len(a) - e + s for s, e, a in zip(starts, ends, afters)), initial=0))
        out_starts = [s + shift for s, shift in zip(starts, out_starts)]
        columns["source_id"] += [sid] * len(starts)
        columns["edit_no"] += range(1, len(starts) + 1)
        columns["operation"] += ops
        columns["start"] += starts
        columns["end"] += ends
        columns["out_start"] += out_starts
        columns["out_end"] += [s + len(a) for s, a in zip(out_starts, afters)]
        columns["before"] += [source[s:e] for s, e in zip(starts, ends)]
        columns["after"] += afters
    return {"normalized": normalized, "edits": pl.DataFrame(columns, schema=tables.polars_schema("edits"))}


def rebuild_decoded(normalized_text: str, edits: pl.DataFrame) -> str:
    """Invert the edits: the decoded text from the normalized text and its ``edits`` rows."""
    pieces, cursor = [], 0
    for row in edits.sort("out_start").iter_rows(named=True):
        pieces += [normalized_text[cursor:row["out_start"]], row["before"]]
        cursor = row["out_end"]
    pieces.append(normalized_text[cursor:])
    return "".join(pieces)


def run(decoded_path: str, outputs: dict[str, str], mask_token: str, min_files: int, min_share: float,
        protected: Sequence[str]) -> None:
    """Normalize one shard: read its ``decoded`` parquet, write ``normalized`` and ``edits``."""
    frames = normalize_frame(tables.read("decoded", decoded_path), mask_token, min_files, min_share, protected)
    for table, frame in frames.items():
        tables.write(frame, table, outputs[table])
