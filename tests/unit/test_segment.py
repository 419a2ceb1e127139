import bisect

import numpy as np
import polars as pl

from jianghua.stages.segment import segment_frame, split_documents
from jianghua.text.offsets import source_offsets
from jianghua.text.outline import MARKERS, marker_at, number_of


def frames_for(text: str) -> dict[str, pl.DataFrame]:
    normalized = pl.DataFrame({"source_id": ["s"], "text": [text]})
    edits = pl.DataFrame(schema={"source_id": pl.String, "start": pl.Int64, "end": pl.Int64,
                                 "out_start": pl.Int64, "out_end": pl.Int64})
    return segment_frame(normalized, edits)


def test_numbers():
    assert [number_of(t) for t in ["一", "十", "十二", "二十", "3", "③", "两"]] == [1, 10, 12, 20, 3, 3, 2]


def test_compilation_split_with_repeated_titles():
    text = "第1篇 在甲会议上的讲话\n同志们：\n正文一。\n第2篇 在乙会议上的讲话\n在乙会议上的讲话\n正文二。"
    docs = split_documents(text)
    assert [d.title for d in docs] == ["在甲会议上的讲话", "在乙会议上的讲话"]
    assert [text[d.body_start:d.end] for d in docs] == ["同志们：\n正文一。\n", "正文二。"]


def test_title_derived_from_first_sentence_past_salutation():
    docs = split_documents("同志们：\n今天我们召开会议，研究部署工作。下面讲三点意见。")
    assert docs[0].title == "今天我们召开会议，研究部署工作。" and docs[0].title_derived


def test_levels_follow_order_of_appearance_and_gaps():
    text = ("标题\n一、加强领导\n（一）统一思想。正文。\n（二）明确责任。正文。\n三、狠抓落实\n"
            "（一）强化督查。一是定期通报。二是严肃问责。")
    f = frames_for(text)
    sections = f["sections"].select("marker", "level", "number", "heading", "gap", "parent_id").rows()
    assert [(m, lvl, n, h, g) for m, lvl, n, h, g, _ in sections] == [
        ("一、", 1, 1, "加强领导", False), ("（一）", 2, 1, "统一思想", False), ("（二）", 2, 2, "明确责任", False),
        ("三、", 1, 3, "狠抓落实", True), ("（一）", 2, 1, "强化督查", False), ("一是", 3, 1, "定期通报", False),
        ("二是", 3, 2, "严肃问责", False)]
    parents = f["sections"]["parent_id"].to_list()
    ids = f["sections"]["section_id"].to_list()
    assert parents == [None, ids[0], ids[0], None, ids[3], ids[4], ids[4]]


def test_levels_are_per_document_not_a_fixed_table():
    f = frames_for("标题\n（一）第一部分\n1.要点。正文。\n（二）第二部分")
    assert f["sections"].select("marker_type", "level").rows() == [("cn-paren", 1), ("arabic-dot", 2), ("cn-paren", 1)]


def test_run_in_headings_only_without_numbered_top_level():
    text = "标题\n立足全局，明确方向。我们要做甲。我们要做乙。我们要做丙。\n真抓实干。我们要做丁。我们要做戊。我们要做己。"
    f = frames_for(text)
    assert f["sections"].select("marker_type", "heading").rows() == [("run-in", "立足全局，明确方向"),
                                                                     ("run-in", "真抓实干")]


def test_quote_aware_sentences():
    text = "标题\n他说：“要加强领导。”我们要落实；要督查！真的吗？好……完"
    f = frames_for(text)
    assert f["sentences"]["text"].to_list() == ["他说：“要加强领导。”", "我们要落实；", "要督查！", "真的吗？", "好……", "完"]


def test_sentence_offsets_slice_back(sample_frames, seed_frames):
    for frames in (sample_frames, seed_frames):
        joined = frames["sentences"].join(frames["documents"].select("doc_id", pl.col("text").alias("doc")), on="doc_id")
        sliced = joined.select(pl.col("doc").str.slice(pl.col("start"), pl.col("end") - pl.col("start")) == pl.col("text"))
        assert sliced.to_series().all()
        ordered = joined.select((pl.col("start") >= pl.col("end").shift(1).over("doc_id").fill_null(0)).all()).item()
        assert ordered


def test_source_offsets_point_at_the_same_text(sample_frames, seed_frames):
    """Applying the edits within a sentence's source span turns it into the sentence; where an edit's output
    holds the sentence's edge (a repair that restored a 。), the span covers that edit and the text it made."""
    for frames in (sample_frames, seed_frames):
        decoded = dict(zip(frames["decoded"]["source_id"], frames["decoded"]["text"]))
        normalized = dict(zip(frames["normalized"]["source_id"], frames["normalized"]["text"]))
        edits = frames["edits"].partition_by("source_id", as_dict=True)
        docs = {r["doc_id"]: r for r in frames["documents"].iter_rows(named=True)}
        for s in frames["sentences"].iter_rows(named=True):
            doc = docs[s["doc_id"]]
            source = decoded[doc["source_id"]]
            rows = edits.get((doc["source_id"],), frames["edits"].clear())
            within = rows.filter(((pl.col("start") >= s["source_start"]) & (pl.col("end") <= s["source_end"]))
                                 | ((pl.col("start") < s["source_end"]) & (pl.col("end") > s["source_start"])))
            pieces, cursor = [], s["source_start"]
            for e in within.sort("start").iter_rows(named=True):
                pieces += [source[cursor:e["start"]], e["after"]]
                cursor = e["end"]
            pieces.append(source[cursor:s["source_end"]])
            out_start, out_end = doc["start"] + s["start"], doc["start"] + s["end"]
            covered_start = min([out_start, *within["out_start"]])
            covered_end = max([out_end, *within["out_end"]])
            assert "".join(pieces) == normalized[doc["source_id"]][covered_start:covered_end], s["sentence_id"]
            straddling = within.filter((pl.col("out_start") < out_start) | (pl.col("out_end") > out_end))
            assert (covered_start, covered_end) == (out_start, out_end) or straddling.height, s["sentence_id"]


class SourceMap:
    """One source's offset map, one offset at a time with bisect: the reference for ``source_offsets``."""

    def __init__(self, edits: list[tuple[int, int, int, int]]):
        self.edits = sorted(edits, key=lambda e: e[2])  # (start, end, out_start, out_end)
        self.out_starts = [e[2] for e in self.edits]

    def start(self, p: int) -> int:
        i = bisect.bisect_right(self.out_starts, p) - 1
        if i < 0:
            return p
        start, end, out_start, out_end = self.edits[i]
        return start if p < out_end else end + (p - out_end)

    def end(self, p: int) -> int:
        i = bisect.bisect_left(self.out_starts, p) - 1
        if i < 0:
            return p
        start, end, out_start, out_end = self.edits[i]
        return end if p <= out_end else end + (p - out_end)


def test_source_offsets_at_once_equal_the_source_map(sample_frames):
    normalized, edits = sample_frames["normalized"], sample_frames["edits"]
    sources = normalized["source_id"].to_list()
    rng = np.random.default_rng(7)
    source_no = rng.integers(0, len(sources), 5000)
    lengths = normalized["text"].str.len_chars().to_numpy()
    positions = (rng.random(5000) * (lengths[source_no] + 1)).astype(np.int64)
    maps = {sid: SourceMap(g.select("start", "end", "out_start", "out_end").rows())
            for (sid,), g in edits.partition_by("source_id", as_dict=True).items()}
    for end in (False, True):
        expected = [(maps[sources[n]].end if end else maps[sources[n]].start)(int(p)) if sources[n] in maps else int(p)
                    for n, p in zip(source_no, positions)]
        assert source_offsets(edits, sources, source_no, positions, end).tolist() == expected
    assert source_offsets(edits.clear(), sources, source_no, positions, True).tolist() == positions.tolist()


def test_source_offsets_around_insertions_and_deletions():
    # "a(fā)bcX" -> "abc" style deletions and a widening
    edits = pl.DataFrame({"source_id": ["s", "s"], "start": [1, 7], "end": [5, 8], "out_start": [1, 3], "out_end": [1, 5]})
    starts, ends = np.array([0, 1, 2, 3, 4, 5]), np.array([1, 2, 3, 4, 5])
    assert source_offsets(edits, ["s"], np.zeros(6, np.int64), starts, False).tolist() == [0, 5, 6, 7, 7, 8]
    assert source_offsets(edits, ["s"], np.zeros(5, np.int64), ends, True).tolist() == [1, 6, 7, 8, 8]
    m = SourceMap([(1, 5, 1, 1), (7, 8, 3, 5)])
    assert [m.start(p) for p in starts] == [0, 5, 6, 7, 7, 8] and [m.end(p) for p in ends] == [1, 6, 7, 8, 8]


def test_one_alternation_finds_the_first_marker_of_the_list():
    assert all(pattern.groups == 1 for _, pattern in MARKERS)  # the alternation tells them apart by group
    for text, kind, token in [("一、总体要求", "cn-dun", "一"), ("（三）加强", "cn-paren", "三"), ("第二，要", "cn-ordinal", "二"),
                              ("一是坚持", "cn-shi", "一"), ("12.落实", "arabic-dot", "12"), ("(3)落实", "arabic-paren", "3"),
                              ("②完善", "circled", "②"), ("一是否", None, None)]:
        found = marker_at(text, 0)
        assert (found[0], found[2]) == (kind, token) if kind else found is None
        first = next(((k, p.match(text)) for k, p in MARKERS if p.match(text)), None)
        assert (first[0] if first else None) == kind
