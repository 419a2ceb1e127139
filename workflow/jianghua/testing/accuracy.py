"""Accuracy of segmentation and extraction against the truth the sample generator injected.

Documents are matched to the truth by source path and position; formulations are compared as multisets of
canonical forms per document; first-level headings by their text; titles exactly (a title the generator left
out must come back marked as derived).
"""

from __future__ import annotations

import difflib
from collections import Counter

import polars as pl


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


def repair_accuracy(clean_texts: list[str], min_margin: float) -> dict[str, float]:
    """Simulate the sites' damage on clean Traditional texts, repair it, and compare with the intent.

    ``exact`` is the share of damaged spans whose text after repair is exactly what was intended;
    ``changed_outside`` counts repairs that touched text outside every damaged span (must be 0).
    """
    from jianghua.testing.damage import annotation_table, intended, simulate
    from jianghua.text.charmodel import CharModel
    from jianghua.text.repair import Annotated, apply, find_repairs

    pairs = [(intended(t), simulate(t)) for t in clean_texts]
    model = CharModel(damaged for _, damaged in pairs)
    total = exact = flagged = wrong = outside = 0
    for want, damaged in pairs:
        spans = damaged_spans(want, damaged)
        repaired, rows = apply(damaged, find_repairs(damaged, model, min_margin, Annotated(annotation_table().items())))
        outside += sum(not any(s < r["end"] and r["start"] < e for s, e in spans) for r in rows)
        remaining = len(damaged_spans(want, repaired))
        total += len(spans)
        exact += len(spans) - remaining
        flagged += sum(r["status"] == "flagged" for r in rows)
        wrong += sum(r["status"] == "repaired" and r["after"] not in want for r in rows)
    return {"texts": len(pairs), "damaged_spans": total, "exact": _ratio(exact, total), "flagged": flagged,
            "wrong_repairs": wrong, "changed_outside": outside}
