"""Segment stage: normalized text -> ``documents``, ``sections``, ``paragraphs``, ``sentences``.

A text holds several documents when it is a compilation (parts marked 第N篇, 篇一, 【范例N】, 范文N), when a
second speech opens with its own salutation, or when an article is repeated. Each document's title is chosen
among its first lines by what a title looks like (``jianghua.text.titles``), or, in an HTML page, the line its
``<title>`` or ``<h1>`` names (``normalized.page_title``, ``page_heading``: evidence for the text's first document);
its byline is kept apart; a document without a title line gets one derived from its first sentence, marked as
derived.

The outline is read from the document as a whole. A marker opens a section at the start of a line (past the
random ASCII some forums glue in front), or after a sentence in a line that holds a whole speech; enumerations
inside a paragraph (……：一是……二是……) are the paragraph's items, not sections. Numbered paragraphs in Arabic or
circled numerals are sections only when they read as headings (a short line, or a short first sentence that the
paragraph goes on from); otherwise they are a list. The level of each marker type follows the outline's
structure: a type whose markers all lie inside the section of another type's marker (after it, with a sibling of
it to come) is below that type; types that no structure orders keep the order of Chinese official documents
(一、 第一， （一） 首先， 一是 1. （1） ①). Documents without numbered headings may have unnumbered ones: short
heading lines between paragraphs, or run-in headings (a short first sentence opening a long paragraph) in
parallel siblings. Sentences end at 。！？；…… plus any closing quotes or brackets.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cmp_to_key

import numpy as np
import polars as pl

from jianghua import tables
from jianghua.text.offsets import SourceOffsets
from jianghua.text.outline import CHINESE_MARKERS, CN, MARKERS, compilation_part, marker_at, number_of
from jianghua.text.titles import (GREETING, KIND, MAX_TITLE, SALUTATION, SENTENCE, Evidence, Head, Line, head_kind,
                                  lines_of, noise, noise_span, read_head)

MAX_RUN_IN = 24  # a run-in heading is a short first sentence
MAX_LIST_HEADING = 30  # a numbered paragraph in Arabic numerals reads as a heading up to this length
# a line holds a whole speech (markers after its sentences open sections) when it is this long, or when it is
# one of the body's two lines at most and this long
RUN_ON = 1000
RUN_ON_BODY = 100
MIN_SPEECH = 200  # a second salutation opens a new speech only after this much text
MIN_REPEATED = 30  # lines this long that recur two in a row are a repeated article
# what split_documents looks at: what every compilation part's line holds, lines with a colon where a salutation
# could end, and lines long enough to tell a repeated article
_PART_WORD = re.compile(r"篇|范例|范文|例文|样文")
_COLON_LINE = re.compile(rf"^[^\n：:]{{0,{MAX_TITLE}}}[：:][^\n]*$", re.M)
_LONG_LINE = re.compile(rf"^[^\n]*\S[^\n]*$(?<=[^\n]{{{MIN_REPEATED}}})", re.M)
_CLOSING = re.compile(r"谢谢(?:大家|各位)?[！!。.]?\s*$|(?:讲话|发言|演讲)(?:到此)?完毕|再见[！!。]?\s*$")
# the order of marker types in Chinese official documents, for types the outline's structure does not order
CONVENTIONAL_ORDER = ("cn-dun", "cn-ordinal", "cn-paren", "cn-sequence", "cn-shi", "arabic-dot", "arabic-paren",
                      "circled")
# a marker that opens a section in a line that holds a whole speech: after a sentence (……热潮。一、……), or a
# bracketed one anywhere, glued to the heading before it (……情况良好（1）……); a heading of such a line ends there
_SECTION_MARKERS = "|".join(p.pattern for k, p in MARKERS if k not in ("cn-shi", "cn-sequence", "circled"))
_RUN_ON_MARKER = re.compile(rf"(?<=[。！？；：:])\s*(?=(?:{_SECTION_MARKERS}))|(?=[（(](?:[{CN}]+|\d{{1,2}})[）)])")
# a heading's marker glued to the heading before it (……抓好夏管二、发展特色产业……): a section only as the next of a
# sequence
_GLUED_MARKER = re.compile(rf"(?<![{CN}])(?=[{CN}]+、|第[{CN}]+[，、])")
# the random ASCII some forums glue in front of a line, and the blanks in it after which a marker may begin
_LEADING_ASCII = re.compile(r"[\x20-\x7e]{0,60}")
_BLANK = re.compile(r" +")
_BLANKS = re.compile(r"\s*")


@dataclass
class Document:
    """A document's span in the normalized text and its head (title, byline, where its body begins)."""

    start: int
    end: int
    head: Head


def _line_after(text: str, end: int) -> Line | None:
    """The first non-blank line after the line that ends at ``end``."""
    start = end + 1
    while start < len(text):
        stop = text.find("\n", start)
        stop = len(text) if stop == -1 else stop
        if text[start:stop].strip():
            return Line(start, stop, text[start:stop])
        start = stop + 1
    return None


def _line_before(text: str, start: int) -> Line | None:
    """The last non-blank line before the line that starts at ``start``."""
    end = start - 1
    while end > 0:
        begin = text.rfind("\n", 0, end) + 1
        if text[begin:end].strip():
            return Line(begin, end, text[begin:end])
        end = begin - 1
    return None


def _part_lines(text: str) -> list[Line]:
    """The lines that open the parts of a compilation: a counter with a title (or alone), as a short line; not the
    entries of a table of contents."""
    parts: list[Line] = []
    for m in _PART_WORD.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if parts and parts[-1].start == start:
            continue
        end = text.find("\n", m.end())
        end = len(text) if end == -1 else end
        line = text[start:end].strip()
        part = compilation_part(line) if len(line) <= MAX_TITLE else None
        if part is not None and (not part[1] or head_kind(part[1]) in (None, "furniture")):
            parts.append(Line(start, end, text[start:end]))
    # a part line followed by another is a table of contents' entry; the last of such a run opens its part
    contents = {a.start for a, b in zip(parts, parts[1:]) if (after := _line_after(text, a.end)) and after.start == b.start}
    return [p for p in parts if p.start not in contents]


def _speech_starts(text: str) -> list[int]:
    """Where further speeches begin in a text that holds one already: a salutation with a colon opening a line
    (or the title line just before it) that greets its audience (大家好), follows a closing (谢谢大家) or has a
    title of its own, since a speech may address its audience again; or the first line of an article that the
    text repeats."""
    starts: list[int] = []
    opened = None
    for line in _COLON_LINE.finditer(text):
        m = SALUTATION.match(line.group(0).strip())
        if not m or ("：" not in m.group(0) and ":" not in m.group(0)):
            continue
        if opened is None:
            opened = line.start()
        elif line.start() - opened >= MIN_SPEECH:
            before = _line_before(text, line.start())
            earlier = _line_before(text, before.start) if before else None
            titled = before is not None and before.start > opened and head_kind(before.text) is None \
                and KIND.search(before.text) is not None
            closed = any(_CLOSING.search(previous.text) for previous in (before, earlier) if previous)
            if titled or closed or GREETING.search(m.group(0)):
                starts.append(before.start if titled else line.start())
                opened = line.start()
    seen: dict[str, Line] = {}
    for m in _LONG_LINE.finditer(text):
        line = Line(m.start(), m.end(), m.group(0))
        first = seen.setdefault(line.text.strip(), line)
        if first is line:
            continue
        after_first, after = _line_after(text, first.end), _line_after(text, line.end)
        if after_first and after and after_first.start != line.start and after_first.text.strip() == after.text.strip():
            before_first, before = _line_before(text, first.start), _line_before(text, line.start)
            titled = before_first is not None and before is not None and before.text.strip() == before_first.text.strip()
            starts.append(before.start if titled else line.start)
            break
    return sorted(set(starts))


def split_documents(text: str, evidence: Evidence | None = None) -> list[Document]:
    """Split a normalized text into documents (several for a compilation, two speeches, a repeated article); the
    first reads its title with the page's title ``evidence`` (an HTML page's ``<title>`` and ``<h1>``)."""
    parts = _part_lines(text)
    if len(parts) >= 2:
        bounds = [0] + [p.start for p in parts[1:]] + [len(text)]
        heads = [parts[0].start] + [p.start for p in parts[1:]]
    else:
        bounds = [0, *_speech_starts(text), len(text)]
        heads = bounds[:-1]
    return [Document(start, end, read_head(text, head, end, evidence if k == 0 else None))
            for k, (start, end, head) in enumerate(zip(bounds, bounds[1:], heads))]


@dataclass
class Section:
    no: int
    kind: str
    marker: str
    number: int | None
    heading: str
    start: int
    end: int
    level: int = 0
    parent: int | None = None
    gap: bool = False
    children: list = field(default_factory=list)


def _heading_end(text: str, start: int, line_end: int, run_on: bool) -> int:
    """A heading runs to the end of its line, or (run-in) to its first 。 when the line goes on after it; in a line
    that holds a whole speech, to the next marker when that comes first."""
    stop = text.find("。", start, line_end)
    if run_on:
        marker = _RUN_ON_MARKER.search(text, start + 1, stop if stop != -1 else line_end)
        if marker:
            return marker.start()
    if stop == -1 or line_end - start <= MAX_TITLE and text[line_end - 1] not in "。！？；":
        return line_end
    return stop + 1


def _heading_text(text: str, start: int, end: int) -> tuple[str, int]:
    """A heading's text in ``text[start:end]`` without blanks, trailing ASCII noise and closing punctuation, and
    where it ends."""
    _, noise_end = noise_span(text[start:end])
    heading = text[start:start + noise_end].strip().rstrip("。：:；;，")
    return heading, (start + noise_end if noise_end < end - start else end)


def _reads_as_heading(heading: str, end: int, line_end: int, text: str) -> bool:
    """A numbered paragraph in Arabic or circled numerals is a heading when its heading is short and the paragraph
    goes on after it, or the whole line is a short heading; a long numbered sentence is a list item."""
    return len(heading) <= MAX_LIST_HEADING and (end < line_end or text[end - 1] not in "。！？；")


def _marker_starts(text: str, p_start: int, p_end: int, run_on: bool) -> list[int]:
    """Where markers may open sections in a paragraph: its start, past blanks and the random ASCII some forums
    glue in front (; k. Q' z9 B) （一）……), and in a line that holds a whole speech, after each sentence."""
    first = _BLANKS.match(text, p_start, p_end).end()
    starts = [first]
    if first < p_end and text[first].isascii():
        lead = _LEADING_ASCII.match(text, first, p_end)
        for m in _BLANK.finditer(text, first, lead.end()):
            if marker_at(text, m.end()) and noise(text[first:m.end()]):
                starts = [m.end()]
                break
    if run_on:
        starts += [m.end() for m in _RUN_ON_MARKER.finditer(text, p_start + 1, p_end)]
    return starts


def _outline_order(sections: list[Section]) -> dict[str, int]:
    """The level of each marker type, from the outline's structure (see the module docstring)."""
    positions: dict[str, list[int]] = {}
    for s in sections:
        positions.setdefault(s.kind, []).append(s.start)

    def inside(lower: str, upper: str) -> bool:
        # every marker of ``lower`` follows the first of ``upper``, and ``upper`` has a sibling still to come
        return positions[lower][0] > positions[upper][0] and positions[upper][-1] > positions[lower][0]

    def compare(a: str, b: str) -> int:
        a_in_b, b_in_a = inside(a, b), inside(b, a)
        if a_in_b != b_in_a:
            return 1 if a_in_b else -1
        return CONVENTIONAL_ORDER.index(a) - CONVENTIONAL_ORDER.index(b)

    return {kind: level for level, kind in enumerate(sorted(positions, key=cmp_to_key(compare)), 1)}


def assign_levels(sections: list[Section]) -> None:
    """Levels from the outline's structure; parents; gaps in sibling numbering."""
    numbered = [s for s in sections if s.kind in CONVENTIONAL_ORDER]
    order = _outline_order(numbered) if numbered else {}
    stack: list[Section] = []
    last_sibling: dict[tuple, Section] = {}
    for s in sections:
        s.level = order.get(s.kind, 1)
        while stack and stack[-1].level >= s.level:
            stack.pop()
        s.parent = stack[-1].no if stack else None
        key = (s.parent, s.kind)
        previous = last_sibling.get(key)
        expected = previous.number + 1 if previous and previous.number is not None else 1
        s.gap = s.number is not None and s.number != expected
        last_sibling[key] = s
        stack.append(s)


def _numbered_sections(text: str, spans: list[tuple[int, int]]) -> list[Section]:
    """The sections numbered markers open (see ``_marker_starts``, ``_reads_as_heading``), with the first item of a
    sequence promoted when it was written inline after the sentence that announces it (……三个方面：第一，……)."""
    sections: list[Section] = []
    body_lines = len(spans) if len(spans) > 3 else sum(not _only_salutation(text[a:b]) for a, b in spans)
    last: dict[str, int] = {}  # the number of the last section of each marker type
    for p_start, p_end in spans:
        length = p_end - p_start
        run_on = length >= RUN_ON or (body_lines <= 2 and length >= RUN_ON_BODY)
        starts = _marker_starts(text, p_start, p_end, run_on)
        glued = {m.start() for m in _GLUED_MARKER.finditer(text, p_start + 1, p_end)} - set(starts) if run_on else set()
        for start in sorted(set(starts) | glued):
            found = marker_at(text, start)
            if not found:
                continue
            kind, m, token = found
            number = number_of(token)
            if start in glued and not (number and number >= 2 and last.get(kind) == number - 1):
                continue  # a marker glued to the text before it opens a section only as the next of a sequence
            h_end = _heading_end(text, m.end(), p_end, run_on)
            heading, h_end = _heading_text(text, m.end(), h_end)
            if kind not in CHINESE_MARKERS and not _reads_as_heading(heading, h_end, p_end, text):
                continue
            if sections and sections[-1].end > start:  # a heading ends where the next one begins
                previous = sections[-1]
                previous.heading, previous.end = _heading_text(text, previous.start + len(previous.marker), start)
            sections.append(Section(0, kind, m.group(0), number, heading, start, h_end))
            last[kind] = number
    promoted = []
    for k, s in enumerate(sections):
        if s.number and s.number > 1 and s.kind in CHINESE_MARKERS and not any(
                t.kind == s.kind for t in sections[:k]):
            previous_end = sections[k - 1].end if k else 0
            first = _inline_marker(text, s.kind, s.number - 1, previous_end, s.start)
            if first is not None:
                promoted.append(first)
    return sorted(sections + promoted, key=lambda s: s.start)


def _inline_marker(text: str, kind: str, number: int, start: int, end: int) -> Section | None:
    """The marker of ``kind`` and ``number`` written after a colon or a sentence in ``text[start:end]``, as a
    section whose heading runs to its sentence's end."""
    pattern = dict(MARKERS)[kind]
    for m in re.finditer(rf"(?<=[：:。！？；])\s*(?:{pattern.pattern})", text[start:end]):
        if number_of(m.group(1)) == number:
            pos = start + m.start() + len(m.group(0)) - len(m.group(0).lstrip())
            marker = pattern.match(text, pos)
            line_end = text.find("\n", pos)
            h_end = _heading_end(text, marker.end(), end if line_end == -1 else min(line_end, end), False)
            heading, h_end = _heading_text(text, marker.end(), h_end)
            return Section(0, kind, marker.group(0), number, heading, pos, h_end)
    return None


def _unnumbered_sections(text: str, spans: list[tuple[int, int]]) -> list[Section]:
    """Headings without numbers: short heading lines between paragraphs, else run-in headings in parallel
    siblings (the same number of commas, and of about the same length)."""
    lines = [text[a:b] for a, b in spans]
    found = []
    for k in range(1, len(spans) - 1):
        line = lines[k].strip()
        if 4 <= len(line) <= MAX_LIST_HEADING and line[-1] not in "。！？；：:，,…" and \
                lines[k - 1].rstrip()[-1:] in "。！？”" and len(lines[k + 1]) >= 100 and head_kind(line) is None \
                and not re.search(r"[\x21-\x7e]{3}", line):
            found.append(Section(0, "unnumbered", "", None, line, spans[k][0], spans[k][1]))
    if found:
        return found
    body = next((k for k, (a, b) in enumerate(spans) if not _only_salutation(text[a:b])), len(spans))
    run_ins: dict[int, list[Section]] = {}  # by the number of commas
    for p_start, p_end in spans[body + 1:]:
        sentences = [m for m in SENTENCE.finditer(text, p_start, p_end) if not m.group(0).isspace()]
        first = sentences[0].group(0) if sentences else ""
        if len(sentences) >= 3 and len(first) <= MAX_RUN_IN and first.endswith("。"):
            run_in = Section(0, "run-in", "", None, first[:-1], sentences[0].start(), sentences[0].end())
            run_ins.setdefault(first.count("，"), []).append(run_in)
    siblings = max(run_ins.values(), key=len, default=[])
    clauses = [len(s.heading.split("，")[0]) for s in siblings]
    parallel = len(siblings) >= 2 and (max(clauses) - min(clauses) <= 1 or all(len(s.heading) <= 8 for s in siblings))
    return sorted(siblings, key=lambda s: s.start) if parallel else []


def _without_contents(text: str, sections: list[Section]) -> list[Section]:
    """The sections without a table of contents: a run of headings of one type numbered one after another, on
    lines with no text between them, some of which come again further on."""
    dropped: set[int] = set()
    k = 0
    while k < len(sections):
        j = k
        while j + 1 < len(sections) and sections[j + 1].kind == sections[k].kind \
                and sections[j].number is not None and sections[j + 1].number == sections[j].number + 1 \
                and not text[sections[j].end:sections[j + 1].start].strip():
            j += 1
        listed = {s.heading for s in sections[k:j + 1]}
        if j > k and listed & {s.heading for s in sections[j + 1:] if s.kind == sections[k].kind}:
            dropped |= set(range(k, j + 1))
        k = j + 1
    return [s for k, s in enumerate(sections) if k not in dropped]


def _only_salutation(line: str) -> bool:
    m = SALUTATION.match(line.strip())
    return m is not None and m.end() == len(line.strip())


def segment_document(text: str, body_start: int) -> tuple[list[Section], list[tuple[int, int, int | None]]]:
    """Sections and paragraphs (start, end, section number or None) of one document's text; its sentences are
    found for a whole shard at once (``sentence_columns``)."""
    spans = [(max(line.start, body_start), line.end) for line in lines_of(text) if line.end > body_start]
    spans = [(a, b) for a, b in spans if text[a:b].strip()]
    sections = _without_contents(text, _numbered_sections(text, spans)) or _unnumbered_sections(text, spans)
    for no, s in enumerate(sections):
        s.no = no
    assign_levels(sections)
    # a paragraph is in the last section opening before its end (sections come sorted by start)
    opens = [s.start for s in sections]
    return sections, [(a, b, (bisect.bisect_left(opens, b) - 1) if bisect.bisect_left(opens, b) else None)
                      for a, b in spans]


# what ``str.isspace`` counts as blank (a sentence of blanks only is none), as a character set polars strips
# (the code points whose ``chr(c).isspace()``, written out: computing them costs 0.1 s a job; a test checks it)
_PY_BLANKS = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def sentence_columns(paragraphs: pl.DataFrame, sections: pl.DataFrame) -> pl.DataFrame:
    """The sentences of every paragraph of a shard, as columns: ``doc`` (row of the document), ``start``, ``end``
    (in the document), ``paragraph``, ``section`` (numbers in the document, from 0; no section: null), ``text``.

    ``paragraphs``: ``doc``, ``paragraph``, ``start``, ``text``; ``sections``: ``doc``, ``start``, sorted by both.
    ``SENTENCE`` tiles a line (every character but a newline is in one of its matches), so each match starts
    where the one before it ends: the matches of every paragraph are found by polars at once and their
    offsets are the running sum of their lengths. A sentence is in the last section opening before its end.
    """
    pieces = (paragraphs.select("doc", "paragraph", "start", text=pl.col("text").str.extract_all(SENTENCE.pattern))
              .with_row_index("row").explode("text"))
    length = pl.col("text").str.len_chars().cast(pl.Int64)
    found = (pieces.with_columns(start=pl.col("start") + length.cum_sum().over("row") - length)
             .with_columns(end=pl.col("start") + length)
             .filter(pl.col("text").str.strip_chars(_PY_BLANKS) != ""))
    # the section: among every section of the shard keyed by (document, start), the last before the sentence's end
    doc = found["doc"].to_numpy().astype(np.int64)
    section_doc = sections["doc"].to_numpy().astype(np.int64)
    keys = (section_doc << 32) | sections["start"].to_numpy()
    at = np.searchsorted(keys, (doc << 32) | found["end"].to_numpy(), side="left") - 1
    inside = at >= 0  # (a shard without sections: none is)
    if keys.size:
        inside &= section_doc[np.maximum(at, 0)] == doc
    first = np.searchsorted(section_doc, doc, side="left")  # the document's first section
    section = pl.Series("section", at - first, pl.Int64).scatter(np.flatnonzero(~inside), None)
    return found.select("doc", "start", "end", "paragraph", section, "text")


def _sentence_frame(found: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """The ``sentences`` rows from ``sentence_columns``, built column by column: ids are formatted by polars, not
    one Python string per sentence."""
    frame = found.with_columns(pl.col(c).cast(pl.Int64) for c in ("doc", "start", "end", "paragraph", "section"))
    doc = frame["doc"].to_numpy()
    opens_doc = np.flatnonzero(np.diff(doc, prepend=-1))
    number = np.arange(1, doc.size + 1) - np.repeat(opens_doc, np.diff(opens_doc, append=doc.size))

    def padded(column: pl.Expr, width: int) -> pl.Expr:
        return column.cast(pl.String).str.zfill(width)

    return frame.with_columns(
        doc_id=documents["doc_id"].gather(doc), sentence_no=pl.Series(number, dtype=pl.Int64),
        doc_start=documents["start"].gather(doc),
    ).select(
        "doc_id",
        sentence_id=pl.format("{}-t{}", "doc_id", padded(pl.col("sentence_no"), 5)),
        sentence_no="sentence_no",
        paragraph_id=pl.format("{}-p{}", "doc_id", padded(pl.col("paragraph") + 1, 4)),
        section_id=pl.format("{}-s{}", "doc_id", padded(pl.col("section") + 1, 3)),
        start="start", end="end",
        source_start=pl.col("doc_start") + pl.col("start"), source_end=pl.col("doc_start") + pl.col("end"),
        text="text",
    )


def _frame(rows: list[tuple], table: str, extra: dict[str, pl.Series] | None = None) -> pl.DataFrame:
    """A table from row tuples in its schema's column order, transposed into columns first (polars builds a
    column from a list far faster than a frame from rows); ``extra``: more columns, dropped by the caller."""
    schema = tables.polars_schema(table)
    columns = list(zip(*rows)) if rows else [()] * len(schema)
    frame = pl.DataFrame({name: pl.Series(name, values, dtype) for (name, dtype), values in zip(schema.items(), columns)})
    return frame.with_columns(**extra) if extra else frame


def segment_frame(normalized: pl.DataFrame, edits: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The four segment tables for a shard."""
    # rows are tuples in the column order of each table's schema, gathered per document (the text rules need
    # Python); sentences, the most numerous, are found over the whole shard at once (``sentence_columns``)
    docs, secs, paras, document_source = [], [], [], []
    para_doc, para_no, sec_doc = [], [], []
    sources = normalized["source_id"].to_list()
    evidence = [Evidence(title, heading) if title or heading else None
                for title, heading in zip(normalized["page_title"], normalized["page_heading"])]
    for source_no, (sid, text) in enumerate(zip(sources, normalized["text"].to_list())):
        for doc_no, doc in enumerate(split_documents(text, evidence[source_no]), 1):
            doc_id = f"{sid}-{doc_no:02d}"
            doc_text = text[doc.start:doc.end]
            body_start = doc.head.body_start - doc.start
            docs.append((doc_id, sid, doc_no, doc.head.title, doc.head.title_derived, doc.head.byline, body_start,
                         doc.start, doc.end, doc_text))
            sections, paragraphs = segment_document(doc_text, body_start)
            section_id = {s.no: f"{doc_id}-s{s.no + 1:03d}" for s in sections}
            secs += [(doc_id, section_id[s.no], s.no + 1, section_id.get(s.parent), s.level, s.marker, s.kind,
                      s.number, s.heading, s.gap, s.start, s.end) for s in sections]
            paras += [(doc_id, f"{doc_id}-p{k + 1:04d}", k + 1, section_id.get(sec), a, b, doc_text[a:b])
                      for k, (a, b, sec) in enumerate(paragraphs)]
            row = len(docs) - 1
            para_doc += [row] * len(paragraphs)
            para_no += range(len(paragraphs))
            sec_doc += [row] * len(sections)
            document_source.append(source_no)
    frames = {"documents": _frame(docs, "documents"), "sections": _frame(secs, "sections"),
              "paragraphs": _frame(paras, "paragraphs")}
    found = sentence_columns(
        frames["paragraphs"].select("start", "text").with_columns(doc=pl.Series(para_doc, dtype=pl.Int64),
                                                                    paragraph=pl.Series(para_no, dtype=pl.Int64)),
        frames["sections"].select("start").with_columns(doc=pl.Series(sec_doc, dtype=pl.Int64)))
    frame = _sentence_frame(found, frames["documents"])
    # a sentence's offsets in its normalized text, mapped to the decoded text all at once
    source_no = np.array(document_source, np.int64)[found["doc"].to_numpy().astype(np.int64)]
    offsets = SourceOffsets(edits, sources)
    frames["sentences"] = frame.with_columns(
        pl.Series(column, offsets.map(source_no, frame[column].to_numpy(), end))
        for column, end in (("source_start", False), ("source_end", True)))
    return frames


def run(frames: dict[str, pl.DataFrame], settings) -> dict[str, pl.DataFrame]:
    """Segment a shard's ``normalized`` texts."""
    return segment_frame(frames["normalized"], frames["edits"])
