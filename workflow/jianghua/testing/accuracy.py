"""Accuracy of segmentation, extraction and near-duplicate clustering against the truth the sample generator
injected.

Documents are matched to the truth by source path and position; formulations are compared as multisets of
canonical forms per document; first-level headings by their text; titles exactly (a title the generator left
out must come back marked as derived); near-duplicates as pairs of documents.
"""

from __future__ import annotations

import difflib
from collections import Counter

import numpy as np
import polars as pl

from jianghua.text.chars import text_of
from jianghua.text.minhash import fold


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def score(frames: dict[str, pl.DataFrame], truth: dict) -> dict[str, float]:
    """Precision and recall of formulations, item lists, first-level headings and titles."""
    ids = dict(zip(frames["sources"]["path"], frames["sources"]["source_id"]))
    documents = {sid: g.sort("doc_no") for (sid,), g in frames["documents"].partition_by("source_id", as_dict=True).items()}
    mentions = {d: g for (d,), g in frames["formulations"].partition_by("doc_id", as_dict=True).items()}
    top = frames["sections"].filter(pl.col("level") == 1)
    headings = {d: g["heading"].to_list() for (d,), g in top.partition_by("doc_id", as_dict=True).items()}
    counts = Counter()
    for path, expected_file in truth["files"].items():
        docs = documents.get(ids.get(path))
        for k, expected in enumerate(expected_file.get("documents", [])):
            counts["documents"] += 1
            got = docs.row(k, named=True) if docs is not None and k < docs.height else None
            want = Counter(f["canonical"] for f in expected["formulations"])
            counts["formulations_true"] += sum(want.values())
            counts["headings_true"] += len(expected["headings"])
            if got is None:
                continue
            counts["titles"] += got["title_derived"] if expected["title"] is None else got["title"] == expected["title"]
            found = mentions.get(got["doc_id"], frames["formulations"].clear())
            have = Counter(found["canonical"].to_list())
            counts["formulations_found"] += sum(have.values())
            counts["formulations_hit"] += sum((want & have).values())
            items = {f["canonical"]: f["items"] for f in expected["formulations"] if f["items"]}
            for canonical, listed in zip(found["canonical"], found["items"]):
                if canonical in items:
                    counts["items_total"] += 1
                    counts["items_exact"] += list(listed) == items[canonical]
            counts["headings_hit"] += sum((Counter(expected["headings"]) & Counter(headings.get(got["doc_id"], []))).values())
            counts["headings_found"] += len(headings.get(got["doc_id"], []))
    return {
        "documents": counts["documents"],
        "formulation_precision": _ratio(counts["formulations_hit"], counts["formulations_found"]),
        "formulation_recall": _ratio(counts["formulations_hit"], counts["formulations_true"]),
        "items_exact": _ratio(counts["items_exact"], counts["items_total"]),
        "heading_precision": _ratio(counts["headings_hit"], counts["headings_found"]),
        "heading_recall": _ratio(counts["headings_hit"], counts["headings_true"]),
        "titles_exact": _ratio(counts["titles"], counts["documents"]),
    }


def damaged_spans(intended: str, damaged: str) -> list[tuple[int, int]]:
    """Spans of ``damaged`` (start, end) that differ from what the site intended.

    Aligned line by line: the damage never crosses a line break (a newline is ASCII and survives).
    """
    spans, offset = [], 0
    for want, got in zip(intended.split("\n"), damaged.split("\n"), strict=True):
        if want != got:
            matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
            spans += [(offset + j1, offset + j2) for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal"]
        offset += len(got) + 1
    return spans


def _shift_at(rows: list[dict], position: int) -> int:
    """How far the repairs of ``rows`` (sorted) move a damaged-text position that no row covers."""
    return sum(r["out_end"] - r["out_start"] - (r["end"] - r["start"]) for r in rows if r["end"] <= position)


def _without_annotations(text: str) -> tuple[str, np.ndarray]:
    """``text`` without its ``字(reading)`` annotations, and where each character of ``text`` lands in it."""
    from jianghua.text.pinyin import annotations

    kept = np.ones(len(text) + 1, bool)
    for start, end, _, _ in annotations(text):
        kept[start:end] = False
    landing = np.concatenate(([0], np.cumsum(kept[:-1])))
    return "".join(c for c, k in zip(text, kept) if k), landing


def repair_accuracy(pairs: list[tuple[str, str]], annotated, min_confidence: float) -> dict[str, int]:
    """Repair damaged texts and score every damaged span against the intended text.

    ``pairs`` holds (intended, damaged) texts. Texts are compared without their annotations (which the
    pinyin step strips; whether the site's annotation pass reached a split character depends on its order).
    Each damaged span (where intended and damaged differ) is ``exact`` when no difference is left in it and
    every repair touching it is accepted, ``flagged`` when a flagged row touches it and no accepted repair
    went wrong, ``wrong`` when an accepted repair touching it leaves a difference, ``missed`` when no row
    touches it. ``changed_outside`` counts accepted repairs that touch no damaged span (must be 0);
    ``accepted`` and ``accepted_right`` count repairs (not spans), ``confidences`` lists (confidence, right) of
    each accepted repair.
    """
    from jianghua.text.repair import apply, find_repairs

    counts, confidences = Counter(), []
    for want, damaged in pairs:
        spans = damaged_spans(want, damaged)
        repaired, rows = apply(damaged, find_repairs(damaged, annotated, min_confidence))
        plain, landing = _without_annotations(repaired)
        left = damaged_spans(_without_annotations(want)[0], plain)  # in the repaired text without annotations

        def differs(start: int, end: int) -> bool:
            start, end = int(landing[start]), int(landing[end])
            return any(s < max(end, start + 1) and start < e or s == e == start for s, e in left)

        accepted = [r for r in rows if r["status"] == "repaired"]
        counts["accepted"] += len(accepted)
        for r in accepted:
            right = not differs(r["out_start"], r["out_end"])
            counts["accepted_right"] += right
            confidences.append((r["score"], right))
        counts["changed_outside"] += sum(not any(s < r["end"] and r["start"] < e for s, e in spans) for r in accepted)
        for s, e in spans:
            touching = [r for r in rows if r["start"] < e and s < r["end"]]
            counts["damaged_spans"] += 1
            if not touching:
                counts["missed"] += 1
                continue
            out_start = min(touching[0]["out_start"], s + _shift_at(rows, s))
            out_end = max(touching[-1]["out_end"], e + _shift_at(rows, e))
            if any(r["status"] == "repaired" for r in touching) and differs(out_start, out_end):
                counts["wrong"] += 1
            elif all(r["status"] == "repaired" for r in touching):
                counts["exact"] += 1
            else:
                counts["flagged"] += 1
    counts["texts"] = len(pairs)
    return {**counts, "confidences": sorted(confidences)}


def reuse_accuracy(frames: dict[str, pl.DataFrame], truth: dict, shingle_chars: int, mask_token: str,
                   buckets: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)) -> dict:
    """Near-duplicate clusters (``doc_clusters``) against the copies the generator injected.

    Truth groups are the originals with their copies (and copies of copies); a pair is two documents of a
    group, a predicted pair two documents of a cluster. Pair precision and recall count every pair; each
    (original, copy) pair is also scored by its edits and by its true similarity (the exact Jaccard similarity
    of the two documents' folded shingles), in ``buckets``.
    """
    doc_of = {path: f"{sid}-01" for path, sid in zip(frames["sources"]["path"], frames["sources"]["source_id"])}
    clusters = dict(zip(frames["doc_clusters"]["doc_id"], frames["doc_clusters"]["cluster_id"]))
    edges = [(doc_of[d["original"]], doc_of[d["copy"]], "+".join(d["edits"]) if len(d["edits"]) == 1 else "mixed")
             for d in truth.get("near_duplicates", []) if d["original"] in doc_of and d["copy"] in doc_of]
    group = {doc: doc for doc in clusters}
    def root(doc):
        while group[doc] != doc:
            doc = group[doc]
        return doc
    for a, b, _ in edges:
        group[max(root(a), root(b))] = min(root(a), root(b))
    labels = pl.DataFrame({"doc_id": list(clusters), "cluster": list(clusters.values()),
                           "group": [root(d) for d in clusters]})

    def pairs(*by: str) -> int:
        return int(labels.group_by(*by).len().select((pl.col("len") * (pl.col("len") - 1) // 2).sum()).item())

    predicted, true, both = pairs("cluster"), pairs("group"), pairs("cluster", "group")
    wanted = {d for a, b, _ in edges for d in (a, b)}
    sentences = frames["sentences"].filter(pl.col("doc_id").is_in(list(wanted))).sort("doc_id", "sentence_no")
    points, lengths = fold(sentences["text"], mask_token)
    ends = np.cumsum(lengths)
    body: dict[str, list[str]] = {}
    for doc, end, size in zip(sentences["doc_id"].to_list(), ends.tolist(), lengths.tolist()):
        body.setdefault(doc, []).append(text_of(points[end - size:end]))

    def shingles(doc: str) -> set[str]:
        text = "".join(body.get(doc, []))
        return {text[i:i + shingle_chars] for i in range(len(text) - shingle_chars + 1)} or {text}

    by_kind: dict[str, Counter] = {}
    by_bucket: dict[str, Counter] = {}
    for a, b, kind in edges:
        sa, sb = shingles(a), shingles(b)
        jaccard = len(sa & sb) / len(sa | sb)
        low = max(x for x in buckets[:-1] if x <= jaccard)
        name = f"{low:.1f}-{buckets[buckets.index(low) + 1]:.1f}"
        for table, key in ((by_kind, kind), (by_bucket, name), (by_bucket, ">=0.8" if jaccard >= 0.8 else "<0.8")):
            counts = table.setdefault(key, Counter())
            counts["pairs"] += 1
            counts["found"] += clusters[a] == clusters[b]
    return {"pair_precision": _ratio(both, predicted), "pair_recall": _ratio(both, true), "predicted_pairs": predicted,
            "true_pairs": true, "false_pairs": predicted - both,
            "recall_by_edit": {k: _ratio(c["found"], c["pairs"]) for k, c in sorted(by_kind.items())},
            "pairs_by_edit": {k: c["pairs"] for k, c in sorted(by_kind.items())},
            "recall_by_similarity": {k: _ratio(c["found"], c["pairs"]) for k, c in sorted(by_bucket.items())},
            "pairs_by_similarity": {k: c["pairs"] for k, c in sorted(by_bucket.items())}}
