import polars as pl
import pytest

from jianghua.testing.accuracy import score
from jianghua.stages.extract import citation_kind, find_formulations, genre_of, header_dates, ROLE, MEETING


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


def test_metadata_from_titles():
    title = "副市长在全省经济社会发展座谈会上的汇报发言材料"
    assert genre_of(title) == "汇报"
    assert ROLE.search(title).group(1) == "副市长"
    assert MEETING.search(title).group(1) == "全省经济社会发展座谈会"
    assert genre_of("在全市大会上的讲话稿") == "讲话稿" and genre_of("工作总结") == "其他"


@pytest.mark.parametrize("title, kind", [("安全生产法", "law"), ("城乡规划条例", "regulation"), ("人民日报", "press"),
                                         ("关于加强作风建设的意见", "opinion"), ("十四五规划纲要", "plan"), ("决定", "other")])
def test_citation_kinds(title, kind):
    assert citation_kind(title) == kind


def test_header_date_has_provenance_and_source_offsets():
    edits = pl.DataFrame({"source_id": ["a", "a", "b"], "operation": ["boilerplate"] * 3, "start": [3, 10, 0],
                          "before": ["相关热词搜索\n", "發(fā)布時間:2021-06-20 來源: 讀後感 點擊:\n", "热点文章阅读\n"]})
    assert header_dates(edits) == {"a": {"date": "2021-06-20", "date_provenance": "site_header",
                                         "date_source_start": 19, "date_source_end": 29}}


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
