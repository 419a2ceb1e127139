import re

import polars as pl
import pytest
from opencc import OpenCC

from jianghua.text.boilerplate import table_rules
from jianghua.text.offsets import rebuild_decoded
from jianghua.text.t2s import convert_t2s

from conftest import SAMPLE, normalize_texts


def norm(text: str) -> str:
    return normalize_texts([text])["normalized"]["text"][0]


def mined(texts: list[str], min_files: int, min_share: float, protected=()) -> set[str]:
    return set(normalize_texts(texts, protected, min_files, min_share)["boilerplate_lines"]["line"])


def edits_of(*texts: str) -> list[tuple]:
    edits = normalize_texts(list(texts))["edits"]
    return list(edits.select("source_id", "start", "end", "before", "after", "operation").iter_rows())


@pytest.mark.parametrize("raw, clean", [
    ("發(fā)展實(shí)體經濟", "发展实体经济"),
    ("召開常委（擴大）會議（一）加強領導", "召开常委（扩大）会议（一）加强领导"),
    ("他(地)說", "他（地）说"),
    ("高層次人才(團隊)十分短缺", "高层次人才（团队）十分短缺"),
])
def test_pinyin_stripped_parentheticals_kept(raw, clean):
    assert norm(raw) == clean


def test_mainland_usage_of_zhe():
    assert norm("隨著形勢變化，著力推進，沿著道路，著作等身，土著居民，卓著成效") == \
        "随着形势变化，着力推进，沿着道路，著作等身，土著居民，卓著成效"


@pytest.mark.parametrize("raw, clean", [
    ("市委決定,召開會議:研究工作;部署任務!", "市委决定，召开会议：研究工作；部署任务！"),
    ("我們向先進學習什么?\n", "我们向先进学习什么？"),
    ("在2021年,我們", "在2021年，我们"),
    ("比蘇州少12440.7億元,比寧波少", "比苏州少12440.7亿元，比宁波少"),
    ("使用GDP, CPI等指標", "使用GDP, CPI等指标"),
    ("版本v1.2,發布", "版本v1.2，发布"),
])
def test_halfwidth_punctuation_in_chinese_context_only(raw, clean):
    assert norm(raw) == clean


@pytest.mark.parametrize("raw, clean", [
    ("我们学什么?为了什么?\n是吗?", "我们学什么？为了什么？\n是吗？"),  # a clean page's question marks
    ("上午9:30召开,比例为9.5:40.5:50,共12,440人", "上午9:30召开，比例为9.5:40.5:50，共12,440人"),
    ("真的吗?Yes", "真的吗?Yes"),
])
def test_question_marks_and_numbers(raw, clean):
    assert norm(raw) == clean


def test_a_question_mark_in_flagged_damage_stays():
    # GBK damage the repair cannot decide (a ? of an annotation that straddles two characters) is flagged: its
    # ? stays half-width, and so does a ? no mechanism explains in a text that shows such damage; the orphan
    # annotation (its "(" swallowed into the ?) is stripped, the ? and it one lost character
    # (but a ? closing a clause that asks is its question mark)
    result = normalize_texts(["會(huì)議召開，領(lǐng)導(dǎo)講話。在会上?huì)講話，今天?為了發展，為什么?為了人民。"])
    assert result["repairs"].select("mechanism", "status").rows() == [("straddled-annotation", "flagged"),
                                                                       ("unexplained", "flagged")]
    assert result["normalized"]["text"][0] == "会议召开，领导讲话。在会上\ufffd讲话，今天?为了发展，为什么？为了人民。"


@pytest.mark.parametrize("raw, clean", [
    ("我們?guó)家的發(fā)展", "我们\ufffd家的发展"),           # the ( of an annotation swallowed into a ?
    ("在會上? huì )講話", "在会上\ufffd讲话"),                   # with stray blanks, and a full-width bracket
    ("在會上?huì）講話", "在会上\ufffd讲话"),
    ("真的嗎?hao)不", "真的吗?hao)不"),                         # a toneless syllable is no evidence
    ("真的嗎?(hǎo)", "真的吗？(hǎo)"),                        # a bracket that is there: no orphan
    ("是嗎?dsp)", "是吗?dsp)"),                               # not a syllable
])
def test_orphan_annotations_become_one_lost_character(raw, clean):
    assert norm(raw) == clean


@pytest.mark.parametrize("raw, clean", [
    ("201x年和20xx年，20**年", "201×年和20×年，20×年"),           # masked digits of a year
    ("X 委 X 届 X 次全会", "×委×届×次全会"),                   # letter-spaced
    ("。**、**案的发生", "。×、×案的发生"),                      # names listed between Chinese punctuation
    ("学习《中共XXX委关于XXX规划的建议》，XX市", "学习《中共XXX委关于XXX规划的建议》，×市"),  # a template's title
    ("GX科创走廊、QQ群、阿Q和dsp芯片", "GX科创走廊、QQ群、阿Q和dsp芯片"),  # Latin in names stays
])
def test_masks_in_every_shape(raw, clean):
    assert norm(raw) == clean


def test_masks_are_canonical_latin_names_stay():
    assert norm("GX科創走廊和QQ群，XX市委、xx縣、***總書記、×××同志、**省、×市") == \
        "GX科创走廊和QQ群，×市委、×县、×总书记、×同志、×省、×市"


def test_hard_breaks_after_semicolon_rejoined_headings_kept():
    assert norm("要堅持原則；\n要落實責任；\n一、加強領導\n第二段") == "要坚持原则；要落实责任；\n一、加强领导\n第二段"


def test_whitespace_and_inline_ads():
    assert norm("講話【更多免費素材，微信：abc01】\n發展\u00a0質量  \n\n\n下一段</p>\n") == "讲话\n发展质量\n下一段"


def test_rules_compile_in_both_regex_engines():
    lines = pl.Series(["發布時間", "相关热词搜索:x", "正文"])
    for rule in table_rules():
        re.compile(rule.pattern)
        lines.str.contains(rule.pattern)  # polars (Rust regex) raises on syntax it lacks, such as look-arounds


def test_site_header_and_footer_rules():
    text = "標題\n發布時間:2021-06-20 來源: 讀後感 點擊:\n正文。\n相關熱詞搜索:解放思想\n熱點文章閱讀\n"
    assert norm(text) == "标题\n正文。"


def test_leading_ad_block_goes_with_its_site_name():
    text = "僅供學習 禁止外傳\n某某文庫\n現在訂閱立享全部資料\n\n在全市大會上的講話\n發布時間:2021-06-20 來源: 某站 點擊:\n正文。\n"
    assert norm(text) == "在全市大会上的讲话\n正文。"
    assert norm("在全市大會上的講話\n發布時間:2021-06-20 來源: 某站 點擊:\n正文。") == "在全市大会上的讲话\n正文。"


def test_mined_lines_respect_threshold_and_protection():
    texts = [f"標題{i}\n同志們：\n本站整理，僅供學習\n一、加強領導\n正文{i}。" for i in range(4)]
    texts = [t.replace("僅供學習", "仅供学习") for t in texts]
    assert mined(texts, 3, 0.5, ["同志们："]) == {"本站整理，仅供学习"}  # protected lines are Simplified
    assert mined(texts[:2], 3, 0.5) == set()


def test_short_repeated_lines_are_not_mined():
    """Short lines recur by chance (a name, 附件, 谢谢): four characters at least make a mined line."""
    texts = [f"标题{i}\n附件一\n附件材料\n正文{i}。" for i in range(4)]
    assert mined(texts, 3, 0.5) == {"附件材料"}


def test_t2s_matches_the_package_converter_on_the_sample(sample_frames):
    reference = OpenCC("t2s")
    decoded = sample_frames["decoded"]["text"].to_list()
    converted = convert_t2s(pl.Series(decoded)).to_list()
    overrides = ("著",)  # the project's overrides differ from the package on purpose
    for ours, source in zip(converted, decoded):
        theirs = reference.convert(source)
        differing = [(a, b) for a, b in zip(ours, theirs) if a != b]
        assert len(ours) == len(theirs)
        assert all(b in overrides for _, b in differing), differing[:5]


def test_edits_name_every_operation_that_shaped_them():
    assert edits_of("發(fā)展") == [("s0", 0, 1, "發", "发", "t2s"), ("s0", 1, 5, "(fā)", "", "pinyin")]
    # a character T->S wrote, then removed with its line, still names T->S
    assert edits_of("熱點文章閱讀\n正文", "好") == [("s0", 0, 7, "熱點文章閱讀\n", "", "t2s+boilerplate")]


def test_edits_are_per_text_in_its_own_coordinates():
    assert edits_of("甲,乙", "", "丙,丁;") == [("s0", 1, 2, ",", "，", "punct"), ("s2", 1, 2, ",", "，", "punct"),
                                              ("s2", 3, 4, ";", "；", "punct")]


def test_lone_carriage_returns_end_lines():
    assert norm("熱點文章閱讀\r正文\r\n熱點文章閱讀\r\n結尾") == "正文\n结尾"


@pytest.mark.parametrize("raw, clean", [
    ("a**市", "a*×市"),      # the sign touching a Latin letter stays, the rest is a mask
    ("ax市", "ax市"),        # x inside a Latin word is no mask
    ("市**1号", "市×*1号"),
    ("x市和xx", "×市和×"),
])
def test_mask_edges(raw, clean):
    assert norm(raw) == clean


def test_edits_rebuild_the_decoded_text_exactly(sample_frames, seed_frames):
    for frames in (sample_frames, seed_frames):
        edits = frames["edits"].partition_by("source_id", as_dict=True)
        decoded = dict(zip(frames["decoded"]["source_id"], frames["decoded"]["text"]))
        for sid, text in frames["normalized"].select("source_id", "text").iter_rows():
            rows = edits.get((sid,), frames["edits"].clear())
            assert rebuild_decoded(text, rows) == decoded[sid]
            for row in rows.iter_rows(named=True):
                assert decoded[sid][row["start"]:row["end"]] == row["before"]
                assert text[row["out_start"]:row["out_end"]] == row["after"]


def test_texts_normalized_a_few_at_a_time_give_the_tables_of_the_whole_shard(sample_frames):
    """Batches of a text or two (a job's memory follows the batch) change nothing in what normalize writes."""
    from jianghua.runner import process
    from jianghua.stages.normalize import batches

    decoded = sample_frames["decoded"]
    assert [b.height for b in batches(decoded.head(3), 1e-9)] == [1, 1, 1]
    assert [b.height for b in batches(decoded.clear(), 4)] == [0]
    small = process(SAMPLE / "corpus", {"normalize": {"batch_megabytes": 0.002}})
    for table in ("normalized", "edits", "repairs"):
        assert small[table].equals(sample_frames[table]), table


def test_counts_per_operation(sample_frames):
    counts = sample_frames["normalized"].select(pl.col("^n_.*$").sum()).row(0, named=True)
    assert all(counts[f"n_{op}"] > 0 for op in ("pinyin", "t2s", "boilerplate", "punct", "mask", "reflow", "space"))


def test_invisible_format_characters_go_as_recorded_edits():
    # a zero-width space splitting a word, a bidi override reversing what follows, a joiner, a BOM mid-text
    raw = "推进\u200b改革\u202e开放\u202c，\u200d统筹\ufeff发展"
    assert norm(raw) == "推进改革开放，统筹发展"
    assert edits_of(raw) == [("s0", 2, 3, "\u200b", "", "invisible"), ("s0", 5, 6, "\u202e", "", "invisible"),
                             ("s0", 8, 9, "\u202c", "", "invisible"), ("s0", 10, 11, "\u200d", "", "invisible"),
                             ("s0", 13, 14, "\ufeff", "", "invisible")]
    assert normalize_texts([raw])["normalized"]["n_invisible"][0] == 5


def test_a_tone_marked_reading_after_the_wrong_character_is_still_pinyin():
    # a site annotated the character it meant, not the one it wrote; a toneless bracket needs the reading
    assert norm("青年(zhàn)士们，党(dang)的领导，青年(zhan)士") == "青年士们，党的领导，青年（zhan）士"
