import bisect

import numpy as np
import polars as pl
import pytest

from jianghua.stages.segment import segment_frame, split_documents
from jianghua.text.offsets import SourceOffsets
from jianghua.text.outline import MARKERS, chinese_numeral, compilation_part, marker_at, number_of, year_of


def frames_for(text: str, page_title: str | None = None, page_heading: str | None = None) -> dict[str, pl.DataFrame]:
    normalized = pl.DataFrame({"source_id": ["s"], "text": [text], "page_title": [page_title],
                               "page_heading": [page_heading]}, schema_overrides={"page_title": pl.String,
                                                                                  "page_heading": pl.String})
    edits = pl.DataFrame(schema={"source_id": pl.String, "start": pl.Int64, "end": pl.Int64,
                                 "out_start": pl.Int64, "out_end": pl.Int64})
    return segment_frame(normalized, edits)


def test_numbers():
    assert [number_of(t) for t in ["一", "十", "十二", "二十", "二十三", "3", "③", "两", "首先", "其次"]] == \
        [1, 10, 12, 20, 23, 3, 3, 2, 1, 2]
    # digits side by side are a date or a name, not a number
    assert [number_of(t) for t in ["五四", "七一", "十三五", "十十", ""]] == [None] * 5
    assert [chinese_numeral(n) for n in (4, 10, 12, 20, 35)] == ["四", "十", "十二", "二十", "三十五"]
    assert [year_of(t) for t in ("2021", "一九四九", "二〇〇八", "二〇二")] == [2021, 1949, 2008, None]


@pytest.mark.parametrize("line, part", [
    ("第3篇 在团员大会上的发言", (3, "在团员大会上的发言")), ("第一篇：调研报告", (1, "调研报告")),
    ("【范例二】", (2, "")), ("范文1：教师节讲话", (1, "教师节讲话")), ("篇四 读书心得", (4, "读书心得")),
    ("青年干部读书笔记篇一", (1, "青年干部读书笔记")), ("表态发言（篇2）", (2, "表态发言")),
    ("工作总结四篇1", None), ("读书心得体会（精选9篇）", None), ("上一篇：某某讲话", None), ("第一，提高认识", None),
])
def test_compilation_parts(line, part):
    assert compilation_part(line) == part


def sections_of(text: str, columns=("marker", "level", "heading")) -> list[tuple]:
    return frames_for(text)["sections"].select(*columns).rows()


def test_compilation_split_with_repeated_titles():
    text = "第1篇 在甲会议上的讲话\n同志们：\n正文一。\n第2篇 在乙会议上的讲话\n在乙会议上的讲话\n正文二。"
    docs = split_documents(text)
    assert [d.head.title for d in docs] == ["在甲会议上的讲话", "在乙会议上的讲话"]
    assert [text[d.head.body_start:d.end] for d in docs] == ["同志们：\n正文一。\n", "正文二。"]


def test_title_derived_from_first_sentence_past_salutation():
    [doc] = split_documents("同志们：\n今天我们召开会议，研究部署工作。下面讲三点意见。")
    assert doc.head.title == "今天我们召开会议，研究部署工作。" and doc.head.title_derived


def test_levels_and_parents_follow_the_outline_and_gaps_are_flagged():
    text = ("标题\n一、加强领导\n（一）统一思想。正文。\n（二）明确责任。正文。\n三、狠抓落实\n"
            "（一）强化督查。正文。\n一是定期通报。正文。\n二是严肃问责。正文。")
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


def test_an_inline_list_ahead_of_the_outline_is_the_paragraphs_items():
    text = ("在全区作风建设大会上的讲话\n同志们：\n这次会议的任务，一是通报情况，二是部署工作，三是提出要求。\n"
            "一、正视问题\n正文。\n二、压实责任\n要做到：一要带头，二要从严。正文。")
    assert sections_of(text) == [("一、", 1, "正视问题"), ("二、", 1, "压实责任")]


def test_the_outline_decides_levels_not_the_first_marker():
    # a numbered list ahead of the outline stays below it
    text = "标题\n1、会前学习文件\n2、会上交流发言\n一、总体要求\n正文。\n（一）目标。正文。\n二、主要任务\n（一）任务。正文。"
    assert [m for m, level, _ in sections_of(text) if level == 1] == ["一、", "二、"]
    # 第一， nests （一） when its sections hold them, and （一） nests 第一， the other way round
    text = "标题\n第一，提高站位\n（一）学习。正文。\n（二）宣传。正文。\n第二，狠抓落实\n（一）督查。正文。"
    assert [(m, level) for m, level, _ in sections_of(text)] == [
        ("第一，", 1), ("（一）", 2), ("（二）", 2), ("第二，", 1), ("（一）", 2)]
    text = "标题\n（一）提高站位\n第一，学习。正文。\n第二，宣传。正文。\n（二）狠抓落实\n第一，督查。正文。"
    assert [(m, level) for m, level, _ in sections_of(text)] == [
        ("（一）", 1), ("第一，", 2), ("第二，", 2), ("（二）", 1), ("第一，", 2)]


def test_numbered_items_under_a_heading_are_not_first_level():
    text = ("标题\n一、基本情况\n全年完成以下工作：\n（1）新建道路十二公里；\n（2）改造老旧小区九个；\n"
            "二、存在问题\n（1）资金保障\n缺口较大。正文。\n（2）人才支撑\n引进不足。正文。")
    # items that end like a list's are the paragraph's; short headings under a heading are its sections
    assert [(m, level) for m, level, _ in sections_of(text)] == [("一、", 1), ("二、", 1), ("（1）", 2), ("（2）", 2)]


def test_numbered_sentences_are_a_list_and_a_numbered_outline_is_an_outline():
    text = ("标题\n1、支部每月召开一次党员大会，传达上级精神，研究支部工作，并认真做好会议记录。\n"
            "2、党小组每月开展一次组织生活，交流思想、查摆问题、开展批评与自我批评，形成记录。")
    assert sections_of(text) == []
    text = "标题\n1.强化组织领导\n各单位要成立专班。正文。\n2.完善工作机制\n建立周调度制度。正文。"
    assert sections_of(text) == [("1.", 1, "强化组织领导"), ("2.", 1, "完善工作机制")]


def test_markers_past_the_ascii_that_forums_glue_in_front():
    text = "标题\n; k. Q' z9 B) （一）项目建设\n正文。\n& t) W2 u$ （二）招商引资\n正文。"
    assert sections_of(text) == [("（一）", 1, "项目建设"), ("（二）", 1, "招商引资")]


def test_a_speech_on_one_line_has_its_headings_after_sentences():
    text = ("在全市金融工作会议上的讲话同志们：今天召开全市金融工作会议，主要任务是总结上半年工作，部署下半年任务。"
            "我讲两点意见。一、认清形势把握机遇当前金融运行平稳。"
            "（一）存款稳步增长（二）贷款结构优化下半年要继续努力。二、突出重点抓好落实要做好三件事。")
    assert sections_of(text) == [("一、", 1, "认清形势把握机遇当前金融运行平稳"), ("（一）", 2, "存款稳步增长"),
                                 ("（二）", 2, "贷款结构优化下半年要继续努力"), ("二、", 1, "突出重点抓好落实要做好三件事")]


def test_a_heading_glued_to_the_one_before_continues_its_sequence():
    text = ("在全镇农业工作会议上的讲话同志们：今天召开全镇农业工作会议，总结去年工作成绩，研判眼下形势，部署全年农业农村工作。一、稳定粮食生产今年要确保面积不减。"
            "（一）抓好春播（二）抓好夏管二、发展特色产业要做大做强优势产业，统一、规范地推进。")
    assert sections_of(text) == [("一、", 1, "稳定粮食生产今年要确保面积不减"), ("（一）", 2, "抓好春播"),
                                 ("（二）", 2, "抓好夏管"), ("二、", 1, "发展特色产业要做大做强优势产业，统一、规范地推进")]


def test_the_first_point_written_after_its_announcement_opens_the_outline():
    text = "标题\n我主要讲两个问题：第一，关于项目建设。项目是发展的生命线。\n第二，关于营商环境。环境就是生产力。"
    assert sections_of(text) == [("第一，", 1, "关于项目建设"), ("第二，", 1, "关于营商环境")]


def test_a_table_of_contents_is_no_outline():
    text = ("标题\n本文分三部分：\n（一）为什么学\n（二）学什么\n（三）怎样学\n（一）为什么学。学习是立身之本。正文。\n"
            "（二）学什么。要学理论。正文。")
    assert sections_of(text, ("marker", "heading", "start")) == [
        ("（一）", "为什么学", text.index("（一）为什么学。")), ("（二）", "学什么", text.index("（二）学什么。"))]


def test_ordinal_words_open_sections():
    text = "标题\n首先，要提高政治站位\n正文。\n其次，要压实工作责任\n正文。"
    assert sections_of(text, ("marker_type", "number", "heading")) == [
        ("cn-sequence", 1, "要提高政治站位"), ("cn-sequence", 2, "要压实工作责任")]


def test_unnumbered_heading_lines_between_paragraphs():
    body = "本年度各项工作稳步推进，" * 10 + "成效明显。"
    text = f"工作报告\n各位代表：\n现在我作报告。\n过去一年的工作\n{body}\n今年的主要任务\n{body}"
    assert sections_of(text, ("marker_type", "level", "heading")) == [
        ("unnumbered", 1, "过去一年的工作"), ("unnumbered", 1, "今年的主要任务")]


def test_run_in_headings_need_parallel_siblings():
    text = "标题\n立足全局，明确方向。我们要做甲。我们要做乙。我们要做丙。\n真抓实干。我们要做丁。我们要做戊。我们要做己。"
    text = ("在座谈会上的发言\n同志们：\n今年以来，我们围绕中心工作，扎实推进各项任务。我们要做甲。我们要做乙。\n"
            "立足全局，在谋划中明确方向。我们要做甲。我们要做乙。我们要做丙。\n"
            "真抓实干，在落实中推动发展。我们要做丁。我们要做戊。我们要做己。")
    assert sections_of(text, ("marker_type", "heading")) == [("run-in", "立足全局，在谋划中明确方向"),
                                                            ("run-in", "真抓实干，在落实中推动发展")]
    text = ("心得\n读书使我明白了很多道理，也让我认识到自己的不足之处。我要多读书。我要读好书。\n"
            "读书使人明理。我要多读书。我要读好书。我要勤思考。\n"
            "历史上，读书成才的人，数不胜数。我要多读书。我要读好书。我要勤思考。")
    assert sections_of(text) == []


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
    """One source's offset map, one offset at a time with bisect: the reference for ``SourceOffsets``."""

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
    # the edits as normalize writes them, and with the sources in another order (indexed by sorting)
    shuffled = edits.sort("source_id", descending=True, maintain_order=True)
    for end in (False, True):
        expected = [(maps[sources[n]].end if end else maps[sources[n]].start)(int(p)) if sources[n] in maps else int(p)
                    for n, p in zip(source_no, positions)]
        for table in (edits, shuffled):
            assert SourceOffsets(table, sources).map(source_no, positions, end).tolist() == expected
    assert SourceOffsets(edits.clear(), sources).map(source_no, positions, True).tolist() == positions.tolist()


def test_source_offsets_around_insertions_and_deletions():
    # "a(fā)bcX" -> "abc" style deletions and a widening
    edits = pl.DataFrame({"source_id": ["s", "s"], "start": [1, 7], "end": [5, 8], "out_start": [1, 3], "out_end": [1, 5]})
    starts, ends = np.array([0, 1, 2, 3, 4, 5]), np.array([1, 2, 3, 4, 5])
    offsets = SourceOffsets(edits, ["s"])
    assert offsets.map(np.zeros(6, np.int64), starts, False).tolist() == [0, 5, 6, 7, 7, 8]
    assert offsets.map(np.zeros(5, np.int64), ends, True).tolist() == [1, 6, 7, 8, 8]
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


def test_a_shards_sentences_found_at_once_are_each_paragraphs_matches_in_its_sections():
    """The shard-wide sentence pass against the plain loop over each paragraph's SENTENCE matches: the same spans,
    texts, paragraphs and sections, with blanks-only pieces dropped as ``str.isspace`` drops them (a full-width
    space, an information separator), and sections never taken from another document."""
    from jianghua.text.titles import SENTENCE

    outlined = ("关于加强基层建设的讲话\n同志们：\n一、统一思想。提高认识！\u3000\u3000要把握好方向；\n"
                "我们要做到“两个维护”。\u3000\n二、狠抓落实\n各级要\x1c压实责任……大家看“怎么办？”对。\x1c\n")
    plain = "在座谈会上的发言\n今天我们在这里开会。会议很重要\n\u3000\u3000\n最后，我讲三点意见。谢谢！\n"
    normalized = pl.DataFrame({"source_id": ["a", "b", "c"], "text": [outlined, plain, outlined.replace("二、", "三、")],
                               "page_title": [None] * 3, "page_heading": [None] * 3},
                              schema_overrides={"page_title": pl.String, "page_heading": pl.String})
    edits = pl.DataFrame(schema={"source_id": pl.String, "start": pl.Int64, "end": pl.Int64,
                                 "out_start": pl.Int64, "out_end": pl.Int64})
    frames = segment_frame(normalized, edits)
    expected = []
    for doc_id, paragraph_id, section_id, start, text in frames["paragraphs"].select(
            "doc_id", "paragraph_id", "section_id", "start", "text").iter_rows():
        opens = frames["sections"].filter(pl.col("doc_id") == doc_id).sort("start")
        for m in SENTENCE.finditer(text):
            if m.group(0).isspace():
                continue
            a, b = start + m.start(), start + m.end()
            k = bisect.bisect_left(opens["start"].to_list(), b)
            expected.append((doc_id, paragraph_id, opens["section_id"][k - 1] if k else None, a, b, m.group(0)))
    found = frames["sentences"].select("doc_id", "paragraph_id", "section_id", "start", "end", "text").rows()
    assert found == expected
    assert frames["sections"].height and frames["sentences"]["section_id"].null_count()  # both cases are here
    texts = frames["sentences"]["text"].to_list()
    assert "\x1c" in "".join(texts) and "\x1c" not in texts and not any(t.isspace() for t in texts)
    assert frames["sentences"]["sentence_no"].to_list() == [
        n for d in frames["documents"]["doc_id"] for n in range(1, (frames["sentences"]["doc_id"] == d).sum() + 1)]


def test_the_blanks_a_sentence_of_blanks_is_made_of_are_pythons():
    import sys

    from jianghua.stages.segment import _PY_BLANKS

    assert _PY_BLANKS == "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
