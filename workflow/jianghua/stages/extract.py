"""Extract stage: documents and sentences -> ``metadata``, ``formulations``, ``quotes``, ``citations``, ``masks``.

Every mention carries its offsets in the document and the sentence it belongs to. Dates record where they
came from: the site header (found in the boilerplate the normalize stage removed, with offsets in the
decoded source), the body, or nowhere.
"""

from __future__ import annotations

import bisect
import re
from functools import cache

import numpy as np
import polars as pl

from jianghua import tables
from jianghua.text.chars import HAN
from jianghua.text.data import read_tsv
from jianghua.text.offsets import source_offsets
from jianghua.text.outline import number_of

GENRES = ("讲话稿", "汇报", "发言", "致辞", "讲话", "报告")
ROLE = re.compile(r"(常务副(?:市|县|区|省)长|副?(?:市|县|区|省|镇|乡)长|(?:市|县|区|省)委(?:副)?书记|"
                  r"党组(?:副)?书记|(?:副)?局长|(?:副)?主任|(?:副)?部长|(?:副)?秘书长)")
MEETING = re.compile(r"在(.{2,40}?(?:会议|大会|座谈会|推进会|调度会|总结会|部署会|交流会|研讨会|观摩会|全会|"
                     r"剖析会|动员会|报告会|培训班|会))上")
_PY = r"(?:\([a-zà-ǜ]+\))?"  # the decoded header may still carry its pinyin annotations
HEADER_DATE = re.compile(rf"[发發]{_PY}[布佈][时時][间間]\s*[:：]\s*(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})")
BODY_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
NUM = "一二三四五六七八九十两"
QUOTED_NUMBERED = re.compile(rf"“(([{NUM}]{{1,3}})(个|大|项|种|条|点|方面|件|型|类|定|化)([{HAN}]{{1,8}}))”")
# not after a numeral or “: checked after the first numeral, since a pattern that opens with a lookbehind is
# tried at every position of the text (five times slower)
UNQUOTED_NUMBERED = re.compile(rf"(([{NUM}](?<![{NUM}“][{NUM}])[{NUM}]{{0,2}})(个|大|项|种|条)([{HAN}]{{1,8}}?))"
                               rf"(?=[，,]?(?:即|就是)|[：:])")
COMPOUND = re.compile(rf"“(([{NUM}])([{HAN}]{{1,2}}?)([{NUM}])(不?[{HAN}]{{1,2}}))”")
ARABIC = re.compile(r"“((\d+(?:\+(?:\d+|N))+)|(\d{3,4}))”")
QUOTE = re.compile(r"“([^“”\n]{1,200})”")
CITATION = re.compile(r"《([^《》\n]{1,100})》")
CITATION_KINDS = (("law", ("法",)), ("regulation", ("条例", "规定", "办法", "细则")),
                  ("plan", ("规划", "纲要", "计划", "方案")), ("opinion", ("意见",)), ("notice", ("通知",)),
                  ("report", ("报告",)), ("speech", ("讲话",)), ("press", ("日报", "时报", "晚报", "杂志", "报")))
ITEM_SPLIT = re.compile(r"[、，,；;]")
ITEM_MARKER = re.compile(rf"^[{NUM}][是要]")


def genre_of(title: str) -> str:
    """The genre named in a title (讲话稿 before 讲话), or 其他."""
    return next((g for g in GENRES if g in title), "其他")


def citation_kind(title: str) -> str:
    """The kind of a cited document, from how its title ends."""
    for kind, endings in CITATION_KINDS:
        if title.endswith(endings):
            return kind
    return "other"


def enumerated_items(text: str, pos: int, count: int | None) -> list[str]:
    """Items listed right after a formulation (after 即 or ：), up to the sentence end, at most ``count``."""
    m = re.compile(r"[，,]?\s*(?:即|就是|：|:)[：:]?").match(text, pos)
    if not m:
        return []
    end = min([i for i in (text.find("。", m.end()), text.find("\n", m.end())) if i != -1] or [len(text)])
    listed = text[m.end():end]
    # items that hold commas of their own are separated by semicolons
    parts = listed.split("；") if "；" in listed else ITEM_SPLIT.split(listed)
    items = [ITEM_MARKER.sub("", i.strip()) for i in parts if i.strip()]
    return items[:count] if count else items


def _common_prefix(items: list[str]) -> str:
    prefix = items[0] if items else ""
    for item in items[1:]:
        while not item.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


@cache
def known_formulations() -> tuple[re.Pattern, dict[str, list[str]]]:
    """The lexicon of ``data/formulations.tsv``: a pattern (longest first) and each entry's fields."""
    entries = {row[0]: row[1:] for row in read_tsv("formulations.tsv")}
    return re.compile("|".join(sorted(map(re.escape, entries), key=len, reverse=True))), entries


def find_formulations(text: str) -> list[dict]:
    """Numbered, compound and Arabic formulations in a document text, with their items when enumerated.

    Quoted forms are recognised by shape; unquoted ones when the text enumerates their items, or when they
    are in the lexicon of well-known formulations.
    """
    found: dict[int, dict] = {}
    for m in QUOTED_NUMBERED.finditer(text):
        number = number_of(m.group(2)) if m.group(2) != "两" else 2
        items = enumerated_items(text, m.end(), number)
        found[m.start()] = {"start": m.start(), "end": m.end(), "surface": m.group(0), "canonical": m.group(1),
                            "kind": "numbered", "number": number, "head": m.group(4), "items": items}
    for m in UNQUOTED_NUMBERED.finditer(text):
        if any(f["start"] <= m.start() < f["end"] for f in found.values()):
            continue
        number = number_of(m.group(2)) if m.group(2) != "两" else 2
        items = enumerated_items(text, m.end(1), number)
        head = _common_prefix(items)
        suffix = _common_prefix([i[::-1] for i in items])[::-1]
        if number and len(items) == number and suffix and m.group(4) == suffix:
            head = suffix  # "五个贯穿始终：一要……贯穿始终；二要……贯穿始终"
        if number and len(items) == number and len(head) >= 1 and m.group(4).startswith(head):
            surface = m.group(2) + m.group(3) + m.group(4) if head == suffix else m.group(2) + m.group(3) + head
            found[m.start()] = {"start": m.start(), "end": m.start() + len(surface), "surface": surface,
                                "canonical": surface, "kind": "numbered", "number": number, "head": head,
                                "items": items}
    for m in COMPOUND.finditer(text):
        if m.start() not in found:
            found[m.start()] = {"start": m.start(), "end": m.end(), "surface": m.group(0), "canonical": m.group(1),
                                "kind": "compound", "number": None, "head": None, "items": []}
    for m in ARABIC.finditer(text):
        found[m.start()] = {"start": m.start(), "end": m.end(), "surface": m.group(0), "canonical": m.group(1),
                            "kind": "arabic", "number": None, "head": None, "items": []}
    pattern, entries = known_formulations()
    for m in pattern.finditer(text):
        if any(f["start"] <= m.start() < f["end"] for f in found.values()):
            continue
        kind, *rest = entries[m.group(0)]
        found[m.start()] = {"start": m.start(), "end": m.end(), "surface": m.group(0), "canonical": m.group(0),
                            "kind": kind, "number": int(rest[0]) if rest else None, "head": rest[1] if rest else None,
                            "items": enumerated_items(text, m.end(), int(rest[0])) if rest else []}
    return [found[k] for k in sorted(found)]


def header_dates(removed: pl.DataFrame) -> dict[str, dict]:
    """Per source, the site-header date in its removed boilerplate (its first boilerplate ``edits`` row holding
    one), with offsets."""
    dates: dict[str, dict] = {}
    for sid, start, before in removed.select("source_id", "start", "before").iter_rows():
        if sid not in dates and (m := HEADER_DATE.search(before)):
            year, month, day = (int(g) for g in m.groups())
            dates[sid] = {"date": f"{year:04d}-{month:02d}-{day:02d}", "date_provenance": "site_header",
                          "date_source_start": start + m.start(1), "date_source_end": start + m.end(3)}
    return dates


NO_DATE = {"date": None, "date_provenance": "none", "date_source_start": None, "date_source_end": None}


def extract_frame(documents: pl.DataFrame, sentences: pl.DataFrame, edits: pl.DataFrame,
                  decoded: pl.DataFrame, mask_token: str) -> dict[str, pl.DataFrame]:
    """The five extract tables for a shard."""
    site_dates = header_dates(edits.filter(pl.col("operation").str.contains("boilerplate")))
    decoded_text = dict(zip(decoded["source_id"], decoded["text"]))
    sources = decoded["source_id"].to_list()
    source_no = {sid: k for k, sid in enumerate(sources)}
    # (row, source, normalized start, end): spans mapped to the decoded text at once, after the loop
    in_source: list[tuple[dict, str, int, int]] = []
    sentence_index = {
        doc_id: (starts, ids) for doc_id, starts, ids in
        sentences.sort("doc_id", "start").group_by("doc_id", maintain_order=True).agg("start", "sentence_id").iter_rows()
    }
    rows: dict[str, list[dict]] = {t: [] for t in ("metadata", "formulations", "quotes", "citations", "masks")}
    for doc in documents.iter_rows(named=True):
        doc_id, text, sid = doc["doc_id"], doc["text"], doc["source_id"]
        starts, ids = sentence_index.get(doc_id, ([], []))

        def sentence_of(pos: int) -> str:
            return ids[max(bisect.bisect_right(starts, pos) - 1, 0)] if ids else f"{doc_id}-t00000"

        title = doc["title"]
        role, meeting = ROLE.search(title), MEETING.search(title)
        date = site_dates.get(sid)
        body_date = BODY_DATE.search(text) if date is None else None
        if body_date:
            year, month, day = (int(g) for g in body_date.groups())
            date = {"date": f"{year:04d}-{month:02d}-{day:02d}", "date_provenance": "body"}
        rows["metadata"].append({
            "doc_id": doc_id, "source_id": sid, "title": title, "title_derived": doc["title_derived"],
            "genre": genre_of(title), "speaker_role": role.group(1) if role else None,
            "meeting": meeting.group(1) if meeting else None, **NO_DATE, **(date or {})})
        if body_date:
            in_source.append((rows["metadata"][-1], sid, doc["start"] + body_date.start(), doc["start"] + body_date.end()))
        for k, f in enumerate(find_formulations(text), 1):
            rows["formulations"].append({"doc_id": doc_id, "mention_id": f"{doc_id}-f{k:04d}",
                                         "sentence_id": sentence_of(f["start"]), **f})
        for k, m in enumerate(QUOTE.finditer(text), 1):
            rows["quotes"].append({"doc_id": doc_id, "quote_id": f"{doc_id}-q{k:04d}", "sentence_id": sentence_of(m.start()),
                                   "start": m.start(), "end": m.end(), "text": m.group(1)})
        for k, m in enumerate(CITATION.finditer(text), 1):
            rows["citations"].append({"doc_id": doc_id, "citation_id": f"{doc_id}-c{k:04d}",
                                      "sentence_id": sentence_of(m.start()), "start": m.start(), "end": m.end(),
                                      "title": m.group(1), "kind": citation_kind(m.group(1))})
        for k, m in enumerate(re.finditer(re.escape(mask_token), text), 1):
            rows["masks"].append({"doc_id": doc_id, "mask_id": f"{doc_id}-m{k:04d}",
                                  "sentence_id": sentence_of(m.start()), "start": m.start(), "end": m.end(),
                                  "token": mask_token})
            in_source.append((rows["masks"][-1], sid, doc["start"] + m.start(), doc["start"] + m.end()))
    numbers = np.array([source_no.get(sid, -2) for _, sid, _, _ in in_source], np.int64)  # -2: no decoded text
    starts, ends = (np.array([entry[k] for entry in in_source], np.int64) for k in (2, 3))
    for (row, sid, _, _), start, end in zip(in_source, source_offsets(edits, sources, numbers, starts, False).tolist(),
                                            source_offsets(edits, sources, numbers, ends, True).tolist()):
        if "date" in row:
            row["date_source_start"], row["date_source_end"] = start, end
        else:
            row["original"] = decoded_text.get(sid, "")[start:end]
    return {name: pl.DataFrame(r, schema=tables.polars_schema(name)) for name, r in rows.items()}


def run(frames: dict[str, pl.DataFrame], settings) -> dict[str, pl.DataFrame]:
    """Extract a shard's mentions and metadata from its documents and sentences."""
    return extract_frame(frames["documents"], frames["sentences"], frames["edits"], frames["decoded"],
                         settings["normalize.mask_token"])


