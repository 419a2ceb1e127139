import polars as pl
import pytest

from jianghua.testing.accuracy import score
from jianghua.stages.extract import (citation_kind, document_date, find_formulations, genre_of, header_dates,
                                     meeting_of, quoted_shape, speaker_role)
from jianghua.text.titles import MEETING, ROLE


def test_numbered_formulation_with_items():
    text = "会议提出“五个继续”，即继续解放思想、继续提高能力、继续转变作风、继续加快发展、继续狠抓落实，要认真贯彻。"
    [f] = find_formulations(text)
    assert (f["surface"], f["canonical"], f["number"], f["head"], f["kind"]) == ("“五个继续”", "五个继续", 5, "继续", "numbered")
    assert f["items"] == ["继续解放思想", "继续提高能力", "继续转变作风", "继续加快发展", "继续狠抓落实"]
    assert text[f["start"]:f["end"]] == f["surface"]


def test_unquoted_formulation_needs_its_items():
    [f] = find_formulations("做到三个坚持：坚持稳中求进、坚持创新驱动、坚持人民至上。")
    assert (f["surface"], f["number"], f["head"], f["items"]) == ("三个坚持", 3, "坚持", ["坚持稳中求进", "坚持创新驱动", "坚持人民至上"])
    assert find_formulations("用三个月时间，完成两个方面的工作。") == []


@pytest.mark.parametrize("text, canonical, kind", [
    ("落实“一主六双”产业布局", "一主六双", "compound"),
    ("做到“六要六不要”", "六要六不要", "compound"),
    ("克服“三长三短”", "三长三短", "compound"),
    ("市委“1336”工作总思路", "1336", "arabic"),
    ("“1+5+N”的产业集群", "1+5+N", "arabic"),
    ("树牢“四个意识”", "四个意识", "numbered"),
    ("做到“两个维护”", "两个维护", "numbered"),
])
def test_formulation_kinds(text, canonical, kind):
    [f] = find_formulations(text)
    assert (f["canonical"], f["kind"]) == (canonical, kind)
    assert f["number"] == (2 if canonical == "两个维护" else 4 if canonical == "四个意识" else None)


def test_items_sharing_a_suffix_after_markers():
    text = "要做到三个贯穿始终：一要把学习贯穿始终；二要把整改贯穿始终；三要把落实贯穿始终。"
    [f] = find_formulations(text)
    assert (f["canonical"], f["head"], f["items"]) == ("三个贯穿始终", "贯穿始终", ["把学习贯穿始终", "把整改贯穿始终", "把落实贯穿始终"])


def test_well_known_formulations_need_no_quotes():
    found = find_formulations("把增强四个意识、坚定四个自信、做到两个维护落实到行动中，推进一带一路建设。")
    assert [(f["canonical"], f["kind"], f["number"], f["head"]) for f in found] == [
        ("四个意识", "numbered", 4, "意识"), ("四个自信", "numbered", 4, "自信"), ("两个维护", "numbered", 2, "维护"),
        ("一带一路", "compound", None, None)]


@pytest.mark.parametrize("content, shape", [
    ("三抓", ("三抓", "numbered", 3, "抓")),  # no classifier
    ("五比五看", ("五比五看", "compound", None, None)),
    ("绿五条", ("绿五条", "numbered", 5, "条")),  # a prefix, a count and its classifier
    ("九项准则", ("九项准则", "numbered", 9, "准则")),
    ("四城联建", ("四城联建", "numbered", 4, "城联建")),
    ("两个不放松", ("两个不放松", "numbered", 2, "不放松")),
    ("3个突破", ("三个突破", "numbered", 3, "突破")),  # digits, canonical in Chinese numerals
    ("一条主线", ("一条主线", "numbered", 1, "主线")),
    ("2+4+N", ("2+4+N", "arabic", None, None)),
    ("5511", ("5511", "arabic", None, None)),
    ("一刀切", None), ("二线", None), ("三个月", None), ("两个小时", None), ("五四", None), ("七一晚会", None),
    ("十三五", None), ("三分之一", None), ("第一次", None), ("2020", None), ("百日攻坚", None),
])
def test_quoted_shapes(content, shape):
    assert quoted_shape(content) == shape


def canonicals(text: str) -> list[tuple[str, str]]:
    return [(f["canonical"], f["evidence"]) for f in find_formulations(text)]


def test_quoted_formulations_of_every_shape():
    text = "坚持“三抓”，落实“五比五看”，严守“绿五条”，对照“九项准则”，推进“4城联建”，构建“2+4+N”格局。"
    assert canonicals(text) == [("三抓", "quoted"), ("五比五看", "quoted"), ("绿五条", "quoted"), ("九项准则", "quoted"),
                                ("四城联建", "quoted"), ("2+4+N", "quoted")]
    [f] = find_formulations("落实“四个（gè）意识”要求")  # an annotation left in the text is read past
    assert (f["surface"], f["canonical"]) == ("“四个（gè）意识”", "四个意识")


def test_well_known_formulations_unquoted_in_digits_and_by_variant():
    assert canonicals("坚决打好三大攻坚战，统筹推进五大振兴，我们正处在两个100年的交汇期。") == [
        ("三大攻坚战", "lexicon"), ("五大振兴", "lexicon"), ("两个一百年", "lexicon")]
    assert canonicals("扎实做好三农工作，深入开展三讲教育。") == [("三农", "lexicon"), ("三讲", "lexicon")]


def test_ordinary_counts_and_names_are_no_formulations():
    text = ("用三个月时间，每天学习两个小时，这是第一次集中培训，是一个好办法，要一以贯之。这是一个中国人自己的节日。"
            "“五四”青年节到了，我们收看了“两会时光”节目，学习“十四五”规划，这件事“一刀切”不行，要从“一线”到“二线”。")
    assert find_formulations(text) == []


def test_a_grouping_that_recurs_is_a_formulation():
    text = "我们要打好四大战役。四大战役是全年工作的重点，四大战役打赢了，目标就实现了。他是一大早来的，十九大报告。"
    assert canonicals(text) == [("四大战役", "repeated")] * 3
    assert canonicals("我们要办好两大活动，这是全局工作。") == []


def test_metadata_from_titles():
    title = "副市长在全省经济社会发展座谈会上的汇报发言材料"
    assert genre_of(title, []) == "汇报"
    assert ROLE.search(title).group(1) == "副市长"
    assert MEETING.search(title).group(1) == "全省经济社会发展座谈会"
    assert genre_of("在全市大会上的讲话稿", []) == "讲话稿" and genre_of("工作总结", []) == "其他"


@pytest.mark.parametrize("title, opening, genre", [
    ("在全县脱贫攻坚总结会上的讲话", ["同志们："], "讲话"),
    ("区委书记七一党课讲稿", [], "讲话稿"),
    ("主题教育专题党课材料", [], "讲话稿"),
    ("新春团拜会致辞（精选5篇）", [], "致辞"),
    ("浅谈怎样写好讲话稿", ["讲话稿是机关常用文体。"], "其他"),
    ("年度述职报告的写法", ["述职报告是干部向组织汇报的文书。"], "其他"),
    ("乡村调研报告", ["为了解情况，我们走访了五个村。"], "其他"),
    ("政府工作报告", ["各位代表：", "现在，我受市人民政府委托，向大会作政府工作报告。"], "报告"),
    ("", ["各位代表：", "现在，我代表县人民政府，向全会报告一年来的工作，请予审议。"], "报告"),
    ("", ["同志们：", "今天我们召开全县干部大会。"], "讲话"),
    ("凝心聚力 再创佳绩", ["——在全县庆祝教师节大会上的讲话", "老师们："], "讲话"),
    ("干部大会讲话及写作点评", ["同志们：", "今天开会。"], "讲话"),
    ("暑期社会实践心得体会", ["同志们："], "其他"),
    ("关于青年的演讲稿", ["尊敬的评委："], "其他"),
    ("全县春季植树活动启动仪式致辞", ["各位来宾："], "致辞"),
    ("首批种子站建成投用", ["本报讯 我县首批种子站建成。"], "其他"),
])
def test_genre_from_title_and_opening(title, opening, genre):
    assert genre_of(title, opening) == genre


def test_speaker_role_and_meeting_from_title_byline_subtitle_and_opening():
    title = "在全县村党组织书记培训班上的讲话"
    meeting, span = meeting_of(title, "", "")
    assert meeting == "全县村党组织书记培训班" and speaker_role(title, span, None, "", "") is None  # 书记: the audience
    title = "县长在全县村级组织负责人座谈会上的讲话"
    meeting, span = meeting_of(title, "", "")
    assert (meeting, speaker_role(title, span, None, "", "")) == ("全县村级组织负责人座谈会", "县长")
    assert speaker_role("在纪念大会上的讲话", None, "副县长 ×", "", "") == "副县长"
    assert meeting_of("砥砺奋进 再谱新篇", "——2022年1月6日在市第八届人民代表大会\n第二次会议上", "")[0] == \
        "市第八届人民代表大会第二次会议"
    assert meeting_of("在区七届政协四次会议开幕式时的讲话", "", "")[0] == "区七届政协四次会议开幕式"
    assert meeting_of("全市消防工作推进会致辞", "", "")[0] == "全市消防工作推进会"
    opening = "同志们：今天，我们召开全镇秋冬种工作推进会，主要任务是部署工作。作为分管副镇长，我讲两点看法。"
    assert meeting_of("抓好秋冬种", "", opening)[0] == "全镇秋冬种工作推进会"
    assert speaker_role("抓好秋冬种", None, None, "", opening) == "副镇长"
    # a meeting the speech mentions is not the one it was given at
    assert meeting_of("抓好秋冬种", "", "上个月，县委召开全会，部署了全年工作。")[0] is None


@pytest.mark.parametrize("title, kind", [("安全生产法", "law"), ("城乡规划条例", "regulation"), ("人民日报", "press"),
                                         ("关于加强作风建设的意见", "opinion"), ("十四五规划纲要", "plan"), ("决定", "other")])
def test_citation_kinds(title, kind):
    assert citation_kind(title) == kind


def test_header_date_has_provenance_and_source_offsets():
    edits = pl.DataFrame({"source_id": ["a", "a", "b", "b"], "operation": ["boilerplate"] * 4, "start": [3, 10, 0, 900],
                          "out_start": [3, 3, 0, 700],
                          "before": ["本站热门标签\n", "發(fā)布時間:2020-03-15 來源: 本網 瀏覽:\n", "猜你还想看\n",
                                     "相关推荐\n2019-05-01\n"]})
    # b's date lies in boilerplate removed after its head: a list of related articles, not its header
    assert header_dates(edits, {"a": 40, "b": 60}) == {"a": {
        "date": "2020-03-15", "date_provenance": "site_header", "date_evidence": "header", "date_source_start": 19,
        "date_source_end": 29}}


@pytest.mark.parametrize("text, body, title, evidence, iso", [
    ("在会上的讲话\n发布时间：2022-04-01 来源：本站\n同志们：\n今天开会。", "同志们", "在会上的讲话", "header", "2022-04-01"),
    ("在会上的讲话\n（二〇一九年十二月三十日）\n同志们：\n今天开会。", "同志们", "在会上的讲话", "dateline", "2019-12-30"),
    ("2021年第5期\n在会上的讲话\n（2021年4月12日）\n同志们：", "同志们", "在会上的讲话", "dateline", "2021-04-12"),
    ("在会上的讲话\n（20××年×月×日）\n同志们：\n2019年3月1日，市委召开会议。", "同志们", "在会上的讲话", "masked", None),
    ("倡议书\n全体青年：\n行动起来。\n团市委\n2023年5月4日", "全体青年", "倡议书", "signature", "2023-05-04"),
    ("心得\n2017年10月18日，党的十九大开幕。我们认真学习。", "2017", "心得", "mention", "2017-10-18"),
    ("心得\n我们认真学习。", "我们", "心得", "none", None),
])
def test_a_documents_own_date_comes_before_the_dates_it_mentions(text, body, title, evidence, iso):
    found_evidence, found = document_date(text, text.index(body), title)
    assert (found_evidence, found.iso if found else None) == (evidence, iso)
    if found:
        assert text[found.start:found.end][:4] in (iso[:4], "二〇一九")


def test_accuracy_against_injected_truth(sample_frames, sample_truth):
    result = score(sample_frames, sample_truth)
    assert result["formulation_precision"] >= 0.95 and result["formulation_recall"] >= 0.95, result
    assert result["heading_recall"] >= 0.98 and result["titles_exact"] >= 0.98 and result["items_exact"] >= 0.95, result


def test_every_mention_lies_in_its_sentence(sample_frames):
    sentences = sample_frames["sentences"].select("sentence_id", pl.col("start").alias("s"), pl.col("end").alias("e"))
    for table in ("formulations", "quotes", "citations", "masks"):
        joined = sample_frames[table].join(sentences, on="sentence_id", how="left")
        assert joined.height > 0, table
        assert joined.select(((pl.col("start") >= pl.col("s")) & (pl.col("start") < pl.col("e"))).all()).item(), table


def test_mask_originals_come_from_the_decoded_source(sample_frames):
    """A mask's original is the placeholder it replaced, or, where a repair restored a ×, the damaged span."""
    originals = set(sample_frames["masks"]["original"].to_list())
    placeholders = {"×××", "XX", "xx", "**", "×", "***"}
    repaired = set(sample_frames["repairs"].filter(pl.col("after").str.contains("×"))["before"])
    assert all(any(original in before for before in repaired) for original in originals - placeholders)
    assert len(originals & placeholders) >= 4


def test_mentions_get_the_sentence_they_start_in_for_a_whole_shard_at_once():
    """``sentence_ids`` against bisecting each document's sentence starts: the last sentence starting at or before
    the offset, the first one before them all, none in a document without sentences; documents in any order."""
    import bisect

    import numpy as np

    from jianghua.stages.extract import sentence_ids

    documents = pl.DataFrame({"doc_id": ["d2", "d1", "d3"], "start": [0, 0, 0]})
    sentences = pl.DataFrame({"doc_id": ["d1", "d1", "d1", "d2", "d2"], "sentence_id": ["d1-a", "d1-b", "d1-c", "d2-a", "d2-b"],
                              "start": [3, 10, 25, 0, 7]}).sample(fraction=1.0, shuffle=True, seed=1)
    doc = np.array([1, 1, 1, 1, 0, 0, 2, 1], np.int64)
    pos = np.array([0, 3, 24, 99, 6, 7, 5, 10], np.int64)
    expected = []
    for d, p in zip(doc, pos):
        mine = sentences.filter(pl.col("doc_id") == documents["doc_id"][int(d)]).sort("start")
        starts, ids = mine["start"].to_list(), mine["sentence_id"].to_list()
        expected.append(ids[max(bisect.bisect_right(starts, p) - 1, 0)] if ids else None)
    assert sentence_ids(documents, sentences, doc, pos).to_list() == expected
    assert expected == ["d1-a", "d1-a", "d1-b", "d1-c", "d2-a", "d2-b", None, "d1-b"]
    assert sentence_ids(documents, sentences.clear(), doc, pos).to_list() == [None] * len(doc)
