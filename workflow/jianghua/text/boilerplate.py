"""Site boilerplate: which spans of a shard's text are page furniture, and the rule that found each.

Page furniture differs from site to site, so rules are shapes, never strings of particular sites: the
named regex rules of ``data/boilerplate.tsv`` (navigation, breadcrumbs, previous/next and related-article
lists, time stamps and article meta, file sizes and download notices, copyright, contact lines, share prompts
and widgets, site names, forum notes, spam, page numbers, editors' notes, paywall notes, inline ads, HTML),
and the rules that need a page's structure, defined here:

- ``noise``: runs of random ASCII that forum software scatters through a post (``8 [; o H! @9``), and
  characters interleaved with symbols (``_a-i/l+e·x^i``);
- ``site-summary``: a site's blurb among the first lines, a paragraph that holds an editor's note;
- ``repeated-summary``: a teaser among the first lines that the page repeats just below it;
- ``ad-block``: a page's opening block of short lines, from a subscription ad to the last one in it;
- ``footer-block``: a page's closing block of short lines, from its first furniture line on;
- ``mined-line``: lines the survey found repeated in many files of the corpus.

Rules see the Simplified text; headings, salutations and speech text stay because each rule asks for a
shape they do not have (a furniture line is short and, for most rules, holds no sentence end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from jianghua.text.chars import HAN
from jianghua.text.data import read_tsv
from jianghua.text.outline import OUTLINE_START

SEP = "\x00"  # between the texts of a shard
SENTENCE_END = "[。！？!?]"  # a line holding one reads as prose
CODE_RULES = ("noise", "site-summary", "repeated-summary", "ad-block", "footer-block", "mined-line")


@dataclass(frozen=True)
class Rule:
    """A rule of ``data/boilerplate.tsv``: a line (or break) rule removes lines, an inline rule spans of a line."""

    scope: str
    name: str
    max_chars: int  # the longest stripped line it applies to; 0 for any
    prose: bool  # whether a line holding a sentence end may match
    pattern: str


@cache
def table_rules() -> tuple[Rule, ...]:
    """The rules of ``data/boilerplate.tsv``, in order."""
    return tuple(Rule(scope, name, int(max_chars), prose == "yes", pattern)
                 for scope, name, max_chars, prose, pattern in read_tsv("boilerplate.tsv"))


@cache
def rule_names() -> tuple[str, ...]:
    """Every rule's name: the table's, then the structural ones; a rule's id is its index here plus one."""
    return (*(rule.name for rule in table_rules()), *CODE_RULES)


def rule_id(name: str) -> int:
    """The id of the rule ``name`` (as the ``edits`` table's rule index counts it: 0 is no rule)."""
    return rule_names().index(name) + 1


def lines(text: str, points: np.ndarray) -> tuple[np.ndarray, pl.DataFrame]:
    """The line breaks of a shard's text, and its lines (``text_no``, ``body``).

    Lines end at \\n, at a text's end, or at a lone \\r (old Mac files); a \\r before \\n stays in the line.
    """
    lone_return = np.zeros(points.size, bool)
    lone_return[:-1] = (points[:-1] == 13) & (points[1:] != 10)
    breaks = np.flatnonzero((points == 10) | (points == 0) | lone_return)
    if lone_return.any():
        text = re.sub("\r(?!\n)", "\n", text)
    return breaks, pl.DataFrame({"text_no": np.cumsum(points[breaks[:-1]] == 0),
                                 "body": text.replace(SEP, "\n").split("\n")[1:-1]})


def mined_lines(text: str, points: np.ndarray, boilerplate_lines: list[str]) -> np.ndarray:
    """Which lines of a shard's text are lines the survey mined as boilerplate (compared without edge blanks)."""
    _, found = lines(text, points)
    return found["body"].str.strip_chars().is_in(boilerplate_lines).to_numpy()


# ---- noise ----------------------------------------------------------------------------------------------------

# ASCII punctuation and Latin-1 symbols (not ×, which is a mask), and as a class body both engines read
_SYMBOLS = "".join(chr(c) for c in [*range(0x21, 0x30), *range(0x3A, 0x41), *range(0x5B, 0x61), *range(0x7B, 0x7F),
                                    *range(0xA1, 0xC0), 0x2032, 0x2033])
SYMBOL = re.escape(_SYMBOLS).replace("\\ ", " ")
# spaced: tokens of one to three ASCII characters, single spaces between them; unspaced: symbols interleaved
# with chunks of one or two other characters (letters, digits, Han). Syntax Rust's regex reads too: polars
# picks the lines worth a look with it.
_SPACED = "(?:[!-~]{1,3} ){5,}[!-~]{1,3}"
_UNSPACED = rf"(?:[{SYMBOL}]{{1,3}}[^\s{SYMBOL}]{{1,2}}){{4,}}[{SYMBOL}]{{0,3}}"
NOISE = re.compile(f"{_SPACED}|{_UNSPACED}")
MIN_SYMBOLS, MIN_DISTINCT_SYMBOLS, SYMBOL_SHARE, LONGEST_WORD = 6, 3, 0.3, 3  # of an unspaced run
_WORD = re.compile(rf"[A-Za-z0-9]+|[{HAN}]+")


def is_noise(run: str) -> bool:
    """Whether a run found by ``NOISE`` is noise, not text that resembles it.

    Spaced: fewer than half the tokens are plain words or numbers, and letters occur (``a + b = c``,
    ``1. 2. 3.`` and English words are not noise). Unspaced: symbols are many, varied and a large share, and
    no word is longer than a few letters (``9.7:47.3:43``, ``(1)(2)(3)`` and URLs are not).
    """
    if " " in run:
        tokens = run.split(" ")
        plain = sum(t.isalpha() or t.isdigit() for t in tokens)
        return plain * 2 < len(tokens) and sum(any(c.isalpha() for c in t) for t in tokens) >= 2
    symbols = [c for c in run if c in _SYMBOLS]
    return (len(symbols) >= MIN_SYMBOLS and len(set(symbols)) >= MIN_DISTINCT_SYMBOLS
            and len(symbols) >= SYMBOL_SHARE * len(run)
            and max((len(w) for w in _WORD.findall(run)), default=0) <= LONGEST_WORD)


_GLUED_MARKER = re.compile(r"[(（][^()（）\s]{1,2}[)）]$")  # an outline marker (（一）) that opens the text after a run


def located(line: str, runs: list[str]) -> list[tuple[int, int]]:
    """The spans of ``runs``, the successive matches of a pattern in ``line`` (as polars extracts them)."""
    spans, cursor = [], 0
    for run in runs:
        start = line.index(run, cursor)
        cursor = start + len(run)
        spans.append((start, cursor))
    return spans


def noise_spans(line: str, runs: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """The noise runs of a line (``runs``: ``NOISE``'s matches in it, where they are known). What is glued to
    the text around a run is that text's: a closing mark right after a word, a spaced run's last token right
    before a word (a list marker ``1.``); and an unspaced run ends at its last symbol (and before an opening
    bracket or outline marker there).
    """
    found = []
    for start, end in (runs if runs is not None else (m.span() for m in NOISE.finditer(line))):
        if 0 < start < end and line[start] in ",;:!?)]}>" and line[start - 1].isalnum():
            start += 1
        run = line[start:end]
        if " " in run:
            if end < len(line) and not line[end].isspace():
                end = start + run.rindex(" ")
        else:  # symbols end a run of interleaved spam: characters after its last one are text
            while end > start and line[end - 1] not in _SYMBOLS:
                end -= 1
            marker = _GLUED_MARKER.search(line, start, end)
            end = marker.start() if marker else end - (end > start and line[end - 1] in "([{<")
        if end > start and is_noise(line[start:end].rstrip()):
            found.append((start, end))
    return found


# ---- the page's structure ---------------------------------------------------------------------------------------

SUMMARY_LINES = 3          # a site's blurb or teaser sits among a page's first non-blank lines ...
SUMMARY_MAX_CHARS = 400    # ... and is one paragraph
TEASER_MIN_CHARS = 20      # a repeated teaser is this long at least (shorter lines repeat by chance: titles)
TEASER_WINDOW_LINES = 8    # ... and the page repeats it within these lines below it
TEASER_LABEL = re.compile(r"^[\s【\[]*(内容)?(摘要|导读|简介|提要|核心提示|导语)[】\]]?\s*[:：]?")
ELLIPSIS = re.compile(r"(…+|\.{3,}|。{3,})$")
AD_BLOCK_LINES = 15        # a subscription block opens a page, within its first lines ...
AD_BLOCK_WIDTH = 40        # ... and is made of short lines
AD_RULES = ("contact", "membership")  # the rules that mark such a block (not headers or titles)
FOOTER_WIDTH = 40          # a page's closing block is furniture and short lines ...
FOOTER_GAP = 2             # ... of which at most this many in a row match no rule
FOOTER_TRIGGERS = ("navigation", "prev-next", "related-list", "site-timestamp", "article-meta", "download-notice",
                   "copyright", "contact", "share-prompt", "widget", "site-name", "spam")  # it opens with one of these
SENTENCE_CONTINUES = re.compile(rf"[{HAN}，、“‘《（(0-9A-Za-z]")  # a line broken mid-sentence ends or resumes so


def _teaser_key(line: str) -> str:
    return re.sub(r"\s+", "", ELLIPSIS.sub("", TEASER_LABEL.sub("", line.strip())))


def line_rules(frame: pl.DataFrame) -> np.ndarray:
    """The id of the first line or break rule that finds each line (0 for none)."""
    body, chars, prose = pl.col("judged"), pl.col("chars"), pl.col("prose")
    rules = [(rule_id(r.name), r) for r in table_rules() if r.scope in ("line", "break")]
    longest = max(r.max_chars or 10**9 for _, r in rules)
    candidates = frame.with_row_index("row").filter((chars > 0) & (chars <= longest))
    # each pattern looks only at the lines its rule may find (short ones, most of them): the long lines of a
    # speech hold most of the text
    found = candidates.select("row", rule=pl.coalesce(
        pl.when(pl.when((chars <= (r.max_chars or 10**9)) & (pl.lit(r.prose) | ~prose)).then(body)
                .str.contains(r.pattern)).then(pl.lit(number, pl.Int16)) for number, r in rules))
    ids = np.zeros(frame.height, np.int16)
    ids[found["row"].to_numpy()] = found["rule"].fill_null(0).to_numpy()
    return ids


def structure_rules(frame: pl.DataFrame, ids: np.ndarray) -> np.ndarray:
    """``ids`` with the lines the page's structure marks: site blurbs and a leading ad block."""
    editor_note = next(r.pattern for r in table_rules() if r.name == "editor-note")
    text_no, line_no, chars = pl.col("text_no"), pl.col("line_no"), pl.col("chars")
    ad = pl.col("rule").is_in([rule_id(name) for name in AD_RULES])
    marked = frame.with_columns(rule=pl.Series(ids, dtype=pl.Int16)).select(
        "rule",
        # (a blurb is followed by the page: a text's only paragraph is never one)
        blurb=(pl.col("nonblank_no") <= SUMMARY_LINES) & (chars <= SUMMARY_MAX_CHARS) & (chars > 0)
        & (pl.col("nonblank_no") < pl.col("nonblank_no").max().over(text_no)) & pl.col("body").str.contains(editor_note),
        # (a page that opens with an ad: a title above one is the page's own)
        in_ad_block=(line_no <= pl.when((line_no < AD_BLOCK_LINES) & ((chars > AD_BLOCK_WIDTH).cum_sum().over(text_no) == 0)
                                        & ad).then(line_no).max().over(text_no))
        & (pl.when(ad).then(pl.col("nonblank_no")).min().over(text_no) == 1),
        content=chars > 0,
    )
    rule = pl.col("rule")
    return marked.select(pl.when(rule > 0).then(rule)
                         .when(pl.col("blurb")).then(pl.lit(rule_id("site-summary"), pl.Int16))
                         .when(pl.col("in_ad_block").fill_null(False) & pl.col("content"))
                         .then(pl.lit(rule_id("ad-block"), pl.Int16))
                         .otherwise(0))["rule"].to_numpy().astype(np.int16)


def footer_blocks(frame: pl.DataFrame, ids: np.ndarray) -> np.ndarray:
    """Rows of the unmatched lines in each page's closing block: the lines that follow its first furniture line.

    The block is the longest run at a text's end of blank lines, lines a rule found, and short non-prose lines
    no more than ``FOOTER_GAP`` in a row; what stands before its first line of ``FOOTER_TRIGGERS`` is the page's
    own (a signature, a date), and a page whose short lines go on longer is not furniture (a news page of
    one-line paragraphs).
    """
    chars, prose, text_no = (frame[c].to_numpy() for c in ("chars", "prose", "text_no"))
    triggers = np.isin(ids, [rule_id(name) for name in FOOTER_TRIGGERS])
    text_ends = np.flatnonzero(np.diff(text_no, append=-1)) if text_no.size else text_no
    found = []
    for last in text_ends.tolist():
        unmatched, first_trigger, row = [], None, last
        gap = 0
        closed = False  # whether a line of the page's own text closes the block
        while row >= 0 and text_no[row] == text_no[last]:
            if ids[row] > 0:
                gap = 0
                first_trigger = row if triggers[row] else first_trigger
            elif chars[row]:
                gap += 1
                if gap > FOOTER_GAP or chars[row] > FOOTER_WIDTH or prose[row]:
                    closed = True
                    break
                unmatched.append(row)
            row -= 1
        if closed and first_trigger is not None:
            found += [r for r in unmatched if r > first_trigger]
    return np.array(found, np.int64)


def repeated_summaries(frame: pl.DataFrame, ids: np.ndarray) -> np.ndarray:
    """Rows of the teasers among a page's first lines that the page repeats just below them (as prose, blanks
    and a teaser label or ellipsis aside)."""
    candidates = frame.with_row_index("row").filter(
        (pl.Series(ids) == 0) & (pl.col("nonblank_no") <= SUMMARY_LINES) & (pl.col("chars") >= TEASER_MIN_CHARS)
        & (pl.col("chars") <= SUMMARY_MAX_CHARS) & pl.col("body").str.contains(f"{SENTENCE_END}|…|\\.\\.\\."))
    bodies, text_of_line = frame["body"].to_list(), frame["text_no"].to_numpy()
    found = []
    for row, text_no in candidates.select("row", "text_no").iter_rows():
        key = _teaser_key(bodies[row])
        below = range(row + 1, min(row + 1 + TEASER_WINDOW_LINES, frame.height))
        after = "".join(bodies[k] for k in below if text_of_line[k] == text_no)
        if len(key) >= TEASER_MIN_CHARS and key in re.sub(r"\s+", "", after):
            found.append(row)
    return np.array(found, np.int64)


def inline_spans(frame: pl.DataFrame, kept: np.ndarray, starts: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, end, rule id) of the inline rules' matches (and noise runs) in the lines ``kept``, in shard
    coordinates (``starts``: where each line's body starts); of overlapping matches the first and longest wins."""
    rules = [(rule_id(r.name), r.pattern, re.compile(r.pattern)) for r in table_rules() if r.scope == "inline"]
    rules.append((rule_id("noise"), NOISE.pattern, None))
    body = pl.col("body")
    looked = frame.select(*(body.str.contains(prefilter).alias(str(k)) for k, (_, prefilter, _) in enumerate(rules)))
    bodies = frame["body"]
    found = []
    for k, (number, prefilter, pattern) in enumerate(rules):
        rows = np.flatnonzero(looked[str(k)].to_numpy() & kept)
        lines = bodies.gather(rows).to_list()
        # noise runs as polars finds them (Python's regex engine is slow on their pattern)
        runs = bodies.gather(rows).str.extract_all(prefilter).to_list() if pattern is None else None
        for at, (row, line) in enumerate(zip(rows.tolist(), lines)):
            spans = (noise_spans(line, located(line, runs[at])) if pattern is None
                     else [m.span() for m in pattern.finditer(line) if m.end() > m.start()])
            found += [(starts[row] + a, starts[row] + b, number) for a, b in spans]
    chosen, last_end = [], -1
    for start, end, number in sorted(found, key=lambda s: (s[0], -s[1])):
        if start >= last_end:
            chosen.append((start, end, number))
            last_end = end
    return chosen


def find(text: str, points: np.ndarray, mined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The boilerplate of a shard's text: an (n, 2) array of spans to remove, sorted and disjoint, and the id of
    the rule of each (``mined``: one flag per line, the lines the survey mined).

    A removed line goes with its newline; a page number that splits a sentence goes with the line breaks around
    it, so the sentence is whole again; a line that inline rules leave blank goes whole.
    """
    breaks, found = lines(text, points)
    if found.height != mined.size:
        raise ValueError("the lines of the shard changed before boilerplate removal")
    starts, ends = breaks[:-1] + 1, breaks[1:]
    # a line is judged without its inline furniture (an ad in brackets does not make its title line an ad)
    judged = pl.col("body")
    for rule in table_rules():
        if rule.scope == "inline":
            judged = judged.str.replace_all(rule.pattern, "")
    frame = found.with_columns(judged=judged).with_columns(
        line_no=pl.int_range(pl.len()).over("text_no"), chars=pl.col("judged").str.strip_chars().str.len_chars(),
        prose=pl.col("judged").str.contains(SENTENCE_END)).with_columns(
        nonblank_no=(pl.col("chars") > 0).cum_sum().over("text_no"))
    ids = line_rules(frame)
    ids[(ids == 0) & mined] = rule_id("mined-line")
    ids = structure_rules(frame, ids)
    ids[footer_blocks(frame, ids)] = rule_id("footer-block")
    ids[repeated_summaries(frame, ids)] = rule_id("repeated-summary")
    inline = inline_spans(frame, ids == 0, starts)
    # a line that inline rules leave blank goes whole, named after the rule that took most of it
    line_of = (np.searchsorted(breaks, np.array([s for s, _, _ in inline], np.int64), side="left") - 1).tolist()
    by_line: dict[int, list[tuple[int, int, int]]] = {}
    for span, line in zip(inline, line_of):
        by_line.setdefault(line, []).append(span)
    for line, spans in by_line.items():
        cursor, rest, taken = starts[line], [], {}
        for start, end, number in spans:
            rest.append(text[cursor:start])
            taken[number] = taken.get(number, 0) + end - start
            cursor = end
        rest.append(text[cursor:ends[line]])
        if not "".join(rest).strip():
            ids[line] = max(taken, key=taken.get)
    inline = [span for span, line in zip(inline, line_of) if ids[line] == 0]
    return _spans(text, points, breaks, frame, ids, inline)


def _spans(text: str, points: np.ndarray, breaks: np.ndarray, frame: pl.DataFrame, ids: np.ndarray,
           inline: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The spans of removed lines (with their newline; page numbers with the breaks around them when they split
    a sentence) and of inline matches, sorted, with their rule ids."""
    starts, ends = breaks[:-1] + 1, breaks[1:]
    text_no = frame["text_no"].to_numpy()
    content = frame["chars"].to_numpy() > 0
    kept_lines = np.flatnonzero(content & (ids == 0))
    breaking = {rule_id(r.name) for r in table_rules() if r.scope == "break"}
    absorbed = np.zeros(ids.size, bool)
    joins = []
    for line in np.flatnonzero(np.isin(ids, list(breaking))).tolist():
        if absorbed[line]:
            continue
        at = np.searchsorted(kept_lines, line)
        if at == 0 or at == kept_lines.size:
            continue
        before, after = kept_lines[at - 1], kept_lines[at]
        if text_no[before] != text_no[line] or text_no[after] != text_no[line]:
            continue
        tail = text[starts[before]:ends[before]].rstrip()
        head = text[starts[after]:ends[after]].lstrip()
        if (SENTENCE_CONTINUES.fullmatch(tail[-1]) and SENTENCE_CONTINUES.match(head)
                and not OUTLINE_START.match(head)):
            joins.append((ends[before], starts[after] + len(text[starts[after]:ends[after]]) - len(head), ids[line]))
            absorbed[before + 1:after] = True
    removed = np.flatnonzero((ids > 0) & ~absorbed)
    line_ends = ends[removed] + (points[ends[removed]] != 0)
    spans = [*zip(starts[removed].tolist(), line_ends.tolist(), ids[removed].tolist()), *joins, *inline]
    spans.sort()
    array = np.array([(s, e) for s, e, _ in spans], np.int64).reshape(-1, 2)
    return array, np.array([r for _, _, r in spans], np.int16)
