"""The five real seed files (../shared/corpus/seeds): skipped where that folder is absent."""

import re

import polars as pl

from jianghua.testing.damage import annotation_table
from jianghua.text.t2s import traditional_only

HAN = "[\u3400-\u4dbf\u4e00-\u9fff]"


def _by_file(frames):
    return {p[:3]: sid for p, sid in zip(frames["sources"]["path"], frames["sources"]["source_id"])}


def test_all_five_decoded_none_rejected(seed_frames):
    assert seed_frames["sources"].height == 5 and seed_frames["rejects"].height == 0
    assert set(seed_frames["sources"]["encoding"]) == {"utf-8"}


def test_compilation_003_gives_four_titled_documents(seed_frames):
    sid = _by_file(seed_frames)["003"]
    docs = seed_frames["documents"].filter(pl.col("source_id") == sid)
    assert docs.height == 4
    assert not docs["title_derived"].any() and all(len(t) >= 8 for t in docs["title"])


def test_000_has_three_first_level_headings_and_004_run_in_headings(seed_frames):
    ids = _by_file(seed_frames)
    sections = seed_frames["sections"].join(seed_frames["documents"].select("doc_id", "source_id"), on="doc_id")
    top_000 = sections.filter((pl.col("source_id") == ids["000"]) & (pl.col("level") == 1))
    assert top_000["marker"].to_list() == ["一、", "二、", "三、"]
    top_004 = sections.filter((pl.col("source_id") == ids["004"]) & (pl.col("level") == 1))
    assert set(top_004["marker_type"]) == {"run-in"} and top_004.height >= 3


def test_every_question_mark_damage_is_repaired_or_flagged(seed_frames):
    repairs = seed_frames["repairs"]
    ids = _by_file(seed_frames)
    for name, minimum in (("002", 2), ("003", 15)):
        rows = repairs.filter(pl.col("source_id") == ids[name])
        assert rows.height >= minimum
        assert set(rows["status"]) <= {"repaired", "flagged"}
    repaired = dict(zip(repairs["before"], repairs["after"]))
    assert repaired["?guī)ь^"] == "帶頭" and repaired["?,F"] == "。現"


def test_published_text_is_clean(seed_frames):
    readings = "|".join(sorted(set(annotation_table().values()), key=len, reverse=True))
    traditional = re.compile(f"[{traditional_only()}]")
    flagged = seed_frames["repairs"].filter(pl.col("status") == "flagged")["after"].to_list()
    for text in seed_frames["normalized"]["text"]:
        assert not re.search(rf"\((?:{readings})\)", text)
        assert not traditional.search(text), traditional.search(text)
        assert not re.search(rf"{HAN}[,;:!]{HAN}", text)
        assert "发布时间" not in text and "相关热词搜索" not in text and "</p>" not in text
        for m in re.finditer(rf"{HAN}\?|\?{HAN}", text):  # any ? left next to Han text sits in a flagged span
            assert any("?" in f for f in flagged)
    assert "QQ206157060" not in "".join(seed_frames["normalized"]["text"])


def test_expected_formulations_found(seed_frames):
    ids = {v: k for k, v in _by_file(seed_frames).items()}
    found = {}
    for doc_id, canonical in seed_frames["formulations"].select("doc_id", "canonical").iter_rows():
        found.setdefault(ids[doc_id.split("-")[0]], set()).add(canonical)
    assert {"五个继续", "六个龙江", "九个坚定不移", "四个体系"} <= found["000"]
    assert {"四个意识", "两个维护"} <= found["001"]
    assert {"1336", "1+5+N"} <= found["002"]
    assert {"三长三短", "四个意识"} <= found["003"]
    assert {"两个维护", "一主六双"} <= found["004"]
    items = seed_frames["formulations"].filter(pl.col("canonical") == "五个继续")["items"].to_list()
    assert ["继续解放思想", "继续提高能力", "继续转变作风", "继续加快发展", "继续狠抓落实"] in items


def test_header_date_with_provenance(seed_frames):
    meta = seed_frames["metadata"].filter(pl.col("date").is_not_null())
    assert ("2021-06-20", "site_header") in meta.select("date", "date_provenance").rows()


def test_matches_the_hand_checked_expectations(seed_frames):
    import hashlib
    import json
    from pathlib import Path

    expected = json.loads((Path(__file__).parent / "expected.json").read_text(encoding="utf-8"))["files"]
    digest = lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]  # noqa: E731
    ids = dict(zip(seed_frames["sources"]["path"], seed_frames["sources"]["source_id"]))
    top = seed_frames["sections"].filter(pl.col("level") == 1)
    assert set(expected) == set(ids)
    for path, want in expected.items():
        docs = seed_frames["documents"].filter(pl.col("source_id") == ids[path]).sort("doc_no")
        assert docs.height == len(want["documents"]), path
        for doc, w in zip(docs.iter_rows(named=True), want["documents"]):
            heads = top.filter(pl.col("doc_id") == doc["doc_id"])
            assert (digest(doc["title"]), len(doc["title"]), doc["title_derived"]) == \
                (w["title_sha"], w["title_chars"], w["title_derived"]), (path, doc["title"])
            assert heads["marker"].to_list() == w["first_level_markers"], (path, heads["heading"].to_list())
            assert [digest(h) for h in heads["heading"]] == w["first_level_heading_sha"], (path, heads["heading"].to_list())
            found = set(seed_frames["formulations"].filter(pl.col("doc_id") == doc["doc_id"])["canonical"])
            assert found == set(w["formulations"]), (path, sorted(found ^ set(w["formulations"])))
