"""Segment stage: normalized text -> ``documents``, ``sections``, ``paragraphs``, ``sentences``.

Compilations split at ``第N篇`` lines (a title repeated on the next line is dropped from the body). A
document's title is its first line when that line reads like a title, else its first sentence, marked as
derived. Outline markers are recognised at the start of a paragraph or sentence; their levels come from the
order in which marker kinds first appear in the document, not from a fixed table. Documents without
numbered top-level markers may have unnumbered run-in headings (a short first sentence opening a long
paragraph). Sentences end at 。！？；…… plus any closing quotes or brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from jianghua import tables
from jianghua.text.offsets import source_offsets
from jianghua.text.outline import CN, COMPILATION_PART, MARKERS, marker_at, number_of

LIST_AFTER_COLON = re.compile(rf"[：:](?=[{CN}][是要](?![否]))")
# greedy: the class holds no terminator, so this stops at the first one, and scans a third faster than *?
SENTENCE = re.compile(r"[^。！？；…\n]*(?:……|…|[。！？；])[”’）」』]*|[^。！？；…\n]+")
MAX_TITLE = 60
MAX_RUN_IN = 20


@dataclass
class Document:
    """A document's span in the normalized text and its title."""

    start: int
    end: int
    title: str
    title_derived: bool
    body_start: int


def split_documents(text: str) -> list[Document]:
    """Split a normalized text into documents (several for a compilation)."""
    lines, pos = [], 0
    for line in text.splitlines(keepends=True):
        lines.append((pos, line.rstrip("\n")))
        pos += len(line)
    parts = [(i, m) for i, (_, line) in enumerate(lines) if (m := COMPILATION_PART.match(line))]
    documents = []
    if parts:
        for k, (i, m) in enumerate(parts):
            start = lines[i][0] if k else 0
            end = lines[parts[k + 1][0]][0] if k + 1 < len(parts) else len(text)
            title = m.group(2).strip()
            body = i + 1
            if body < len(lines) and lines[body][1].strip() == title:
                body += 1
            body_start = lines[body][0] if body < len(lines) else end
            documents.append(Document(start, end, title, False, min(body_start, end)))
        return documents
    first = next(((p, line) for p, line in lines if line.strip()), (0, ""))
    if first[1] and len(first[1]) <= MAX_TITLE and first[1][-1] not in "。！？；：:，":
        return [Document(0, len(text), first[1].strip(), False, first[0] + len(first[1]) + 1)]
    # no title line: derive one from the first sentence, passing over a salutation such as 同志们：
    first = next(((p, line) for p, line in lines if line.strip() and line.strip()[-1] not in "：:"), first)
    sentence = SENTENCE.search(first[1])
    title = sentence.group(0).strip() if sentence else ""
    return [Document(0, len(text), title, True, 0)]


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


def _heading_end(text: str, start: int, line_end: int) -> int:
    """A heading runs to the end of its line, or (run-in) to its first 。 when that comes early."""
    stop = text.find("。", start, line_end)
    if stop == -1 or line_end - start <= MAX_TITLE and text[line_end - 1] not in "。！？；":
        return line_end
    return stop + 1


def assign_levels(sections: list[Section]) -> None:
    """Levels from the order marker kinds first appear; parents; gaps in sibling numbering."""
    order: dict[str, int] = {}
    stack: list[Section] = []
    last_sibling: dict[tuple, Section] = {}
    for s in sections:
        if s.kind not in order:
            order[s.kind] = len(order) + 1
        s.level = order[s.kind]
        while stack and stack[-1].level >= s.level:
            stack.pop()
        s.parent = stack[-1].no if stack else None
        key = (s.parent, s.kind)
        previous = last_sibling.get(key)
        expected = previous.number + 1 if previous and previous.number is not None else 1
        s.gap = s.number is not None and s.number != expected
        last_sibling[key] = s
        stack.append(s)


def segment_document(text: str, body_start: int) -> tuple[list[Section], list[tuple], list[tuple]]:
    """Sections, paragraphs (start, end, section) and sentences (start, end, paragraph, section) of one text."""
    sections: list[Section] = []
    paragraphs: list[tuple] = []
    sentences: list[tuple] = []
    spans = [m.span() for m in re.finditer(r"[^\n]+", text) if m.start() >= body_start]
    numbered_top = any((found := marker_at(text, s)) and found[0] in ("cn-dun", "cn-ordinal") for s, _ in spans)
    # the list openers after a colon, found once: each lies inside one sentence, and its lookahead too
    colons = [m.start() for m in LIST_AFTER_COLON.finditer(text, body_start)] + [len(text)]
    next_colon = 0
    for p_start, p_end in spans:
        paragraph_no = len(paragraphs)
        sentence_spans = [m.span() for m in SENTENCE.finditer(text, p_start, p_end) if not m.group(0).isspace()]
        for k, (s_start, s_end) in enumerate(sentence_spans):
            # after a paragraph's first sentence only 一是/一要 opens a section: most sentences need no match
            found = marker_at(text, s_start) if k == 0 or text[s_start] in CN else None
            if found and (k == 0 or found[0] == "cn-shi"):
                kind, m, token = found
                h_end = _heading_end(text, m.end(), p_end) if k == 0 else s_end
                heading = text[m.end():h_end].rstrip("。：:；;，")
                sections.append(Section(len(sections), kind, m.group(0), number_of(token), heading,
                                        s_start, h_end))
            elif (k == 0 and not numbered_top and len(sentence_spans) >= 3
                  and s_end - s_start <= MAX_RUN_IN and text[s_end - 1] == "。"):
                sections.append(Section(len(sections), "run-in", "", None, text[s_start:s_end - 1], s_start, s_end))
            while colons[next_colon] < s_start:
                next_colon += 1
            while colons[next_colon] < s_end:  # "做到五个贯穿始终：一要……"
                m = MARKERS[3][1].match(text, colons[next_colon] + 1)
                sections.append(Section(len(sections), "cn-shi", m.group(0), number_of(m.group(1)),
                                        text[m.end():s_end].rstrip("。；;，"), colons[next_colon] + 1, s_end))
                next_colon += 1
            sentences.append((s_start, s_end, paragraph_no, sections[-1].no if sections else None))
        paragraphs.append((p_start, p_end, sections[-1].no if sections else None))
    assign_levels(sections)
    return sections, paragraphs, sentences


def _sentence_frame(columns: dict[str, list], documents: pl.DataFrame) -> pl.DataFrame:
    """The ``sentences`` rows from per-sentence columns (``doc``: the row of its document; ``paragraph``,
    ``section``: numbers in the document, from 0), built column by column: ids are formatted by polars, not
    one Python string per sentence."""
    frame = pl.DataFrame(columns, schema={"doc": pl.Int64, "start": pl.Int64, "end": pl.Int64, "paragraph": pl.Int64,
                                          "section": pl.Int64, "text": pl.String})
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


def segment_frame(normalized: pl.DataFrame, edits: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The four segment tables for a shard."""
    # rows are tuples in the column order of each table's schema: no dict per paragraph; sentences, the most
    # numerous, are gathered as columns
    docs, secs, paras, document_source = [], [], [], []
    sentences = {"doc": [], "start": [], "end": [], "paragraph": [], "section": [], "text": []}
    sources = normalized["source_id"].to_list()
    for source_no, (sid, text) in enumerate(zip(sources, normalized["text"])):
        for doc_no, doc in enumerate(split_documents(text), 1):
            doc_id = f"{sid}-{doc_no:02d}"
            doc_text = text[doc.start:doc.end]
            docs.append((doc_id, sid, doc_no, doc.title, doc.title_derived, doc.start, doc.end, doc_text))
            sections, paragraphs, doc_sentences = segment_document(doc_text, doc.body_start - doc.start)
            section_id = {s.no: f"{doc_id}-s{s.no + 1:03d}" for s in sections}
            secs += [(doc_id, section_id[s.no], s.no + 1, section_id.get(s.parent), s.level, s.marker, s.kind,
                      s.number, s.heading, s.gap, s.start, s.end) for s in sections]
            paras += [(doc_id, f"{doc_id}-p{k + 1:04d}", k + 1, section_id.get(sec), a, b, doc_text[a:b])
                      for k, (a, b, sec) in enumerate(paragraphs)]
            if doc_sentences:
                for name, values in zip(("start", "end", "paragraph", "section"), zip(*doc_sentences)):
                    sentences[name] += values
                sentences["text"] += [doc_text[a:b] for a, b, _, _ in doc_sentences]
                sentences["doc"] += [len(docs) - 1] * len(doc_sentences)
            document_source.append(source_no)
    frames = {name: pl.DataFrame(rows, schema=tables.polars_schema(name), orient="row")
              for name, rows in (("documents", docs), ("sections", secs), ("paragraphs", paras))}
    frame = _sentence_frame(sentences, frames["documents"])
    # a sentence's offsets in its normalized text, mapped to the decoded text all at once
    source_no = np.array(document_source, np.int64)[np.array(sentences["doc"], np.int64)]
    frames["sentences"] = frame.with_columns(
        pl.Series(column, source_offsets(edits, sources, source_no, frame[column].to_numpy(), end))
        for column, end in (("source_start", False), ("source_end", True)))
    return frames


def run(frames: dict[str, pl.DataFrame], settings) -> dict[str, pl.DataFrame]:
    """Segment a shard's ``normalized`` texts."""
    return segment_frame(frames["normalized"], frames["edits"])
