"""HTML pages read as text (``jianghua.text.markup``, the normalize stage's ``markup`` operation) and the page's
title evidence in title selection, on small pages written for the project."""

import polars as pl
import pytest

from jianghua.stages.segment import segment_frame
from jianghua.text.markup import html_texts, is_html, markup_edits, plain_text
from jianghua.text.offsets import rebuild_decoded
from jianghua.text.titles import Evidence, read_head, title_forms

from conftest import normalize_texts

PAGE = ("<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>在全縣春耕生產工作會議上的講話 - 某某范文网</title>\n"
        "<script type=\"text/javascript\">var tip = '<p>请关注公众号</p>'; if (a < b) { go(); }</script>\n"
        "<style>p { margin: 0; } .nav { color: red; }</style>\n</head>\n<body>\n"
        "<div class=\"nav\"><a href=\"/\">首页</a> &gt; <a href=\"/jh\">讲话稿</a></div>\n"
        "<!-- 正文开始 -->\n<h1>在全县春耕生产工作会议上的讲话</h1>\n"
        "<p>同志们：</p>\n<p>今天召开会议，主要是部署春耕生产&mdash;&mdash;这是全年工作的\n  基础。</p>\n"
        "<p>一要抓好&ldquo;三夏&rdquo;准备&hellip;二要落实资金&#65292;三要强化服务&#x3002;</p>\n"
        "<noscript>请打开浏览器的脚本功能</noscript>\n</body>\n</html>\n")


def page_frames(*texts: str) -> dict[str, pl.DataFrame]:
    frames = normalize_texts(list(texts))
    return frames | segment_frame(frames["normalized"], frames["edits"])


def test_a_whole_page_becomes_its_text_with_its_title_kept_as_evidence():
    frames = page_frames(PAGE)
    normalized = frames["normalized"].row(0, named=True)
    # script, style, head, comment and noscript gone; the navigation line taken by the boilerplate rules
    assert normalized["text"] == ("在全县春耕生产工作会议上的讲话\n同志们：\n今天召开会议，主要是部署春耕生产——这是全年工作的"
                                  "基础。\n一要抓好“三夏”准备…二要落实资金，三要强化服务。")
    assert normalized["page_title"] == "在全县春耕生产工作会议上的讲话 - 某某范文网"  # T->S like the text
    assert normalized["page_heading"] == "在全县春耕生产工作会议上的讲话"
    assert normalized["n_markup"] > 0
    [document] = frames["documents"].select("title", "title_derived").rows()
    assert document == ("在全县春耕生产工作会议上的讲话", False)
    edits = frames["edits"]
    assert rebuild_decoded(normalized["text"], edits) == PAGE
    # the head as one removal (its line break, at the text's edge, cleaned away)
    assert edits.filter(pl.col("before").str.contains("请关注公众号"))["operation"].to_list() == ["markup+space"]
    # every edit is markup's; the navigation line, between tags, went as a breadcrumb with them
    assert edits["operation"].str.starts_with("markup").all()
    assert edits.filter(rule="breadcrumb")["operation"].to_list() == ["markup+boilerplate"]


def test_block_tags_become_line_breaks_and_inline_tags_go():
    text = "<div>一、总体要求</div><div>坚持<b>稳中求进</b></div><p>第一段<br>第二行</p><ul><li>甲</li><li>乙</li></ul>"
    assert plain_text(text) == "\n一、总体要求\n坚持稳中求进\n第一段\n第二行\n甲\n乙\n"
    assert markup_edits(text).edits[:3] == [(0, 5, "\n"), (11, 22, "\n"), (24, 27, "")]
    # cells of one row stay on its line; touching tags make one break
    assert plain_text("<table><tr><td>姓名</td><td>职务</td></tr><tr><td>李明</td><td>县长</td></tr></table>") == \
        "\n姓名 职务\n李明 县长\n"


def test_references_are_decoded_and_unknown_ones_stay():
    text = "<p>A&amp;B</p><p>&lt;通知&gt;</p><p>&#20013;&#x56fd;&quot;</p><p>&madeup; 与 &amp 号</p>"
    assert plain_text(text) == "\nA&B\n<通知>\n中国\"\n&madeup; 与 & 号\n"
    assert markup_edits(text).edits[:3] == [(0, 3, "\n"), (4, 9, "&"), (10, 17, "\n")]


def test_the_title_and_first_heading_are_extracted():
    found = markup_edits("<html><head><title> 第一篇 &amp; 讲话&#65306;&#x4e2d; </title></head><body><h1>大标题</h1>"
                         "<h1>次标题</h1>")
    assert (found.title, found.heading) == ("第一篇 & 讲话：中", "大标题")
    found = markup_edits("<html><body><title>正文里的标题</title><p>正文</p><h1>未闭合的<b>大</b>标题")  # broken pages
    assert (found.title, found.heading) == ("正文里的标题", "未闭合的大标题")
    assert markup_edits("<html><body><p>无标题</p></body></html>")[1:] == (None, None)


def test_the_source_layout_is_no_line_structure():
    # a page's line breaks inside a paragraph are blanks: gone between Chinese characters, a space between words
    assert plain_text("<html><body><p>推进\n    改革</p><p>open\n source</p></body></html>") == \
        "\n推进改革\nopen source\n"
    # <pre> keeps its own
    assert plain_text("<html><body><pre>一行\n二行</pre></body></html>") == "\n一行\n二行\n"


def test_a_page_is_not_lost_to_an_unclosed_element():
    assert plain_text("<html><body><nav>首页 栏目<p>正文第一段</p>") == "\n首页 栏目\n正文第一段\n"  # its tags go
    assert plain_text("<html><body><p>正文</p><script>var x = 1;") == "\n正文\n"  # a script holds the rest
    # a head never closed ends where the body's text begins
    assert plain_text("<html><head><title>标题</title><meta name=x>正文第一段</p>") == "\n正文第一段\n"


def test_a_broken_declaration_is_a_bogus_comment():
    # the standard library's parser raises on "<![" without a section name; browsers skip up to ">"
    assert plain_text("<html><body><p>正文</p><![中 坏的声明><p>下文</p></body></html>") == "\n正文\n下文\n"
    assert plain_text("<html><body><p>正文</p><![CDATA[x]]><p>下文</p></body></html>") == "\n正文\n下文\n"
    assert plain_text("<html><body><p>正文</p><![中") == "\n正文\n<![中"  # unclosed at the end: text


def test_html_is_decided_by_evidence():
    pages = [PAGE, "<p>一</p><p>二</p>\n<p>三</p>\n<p>四</p>", "<BODY>正文</BODY>"]
    plain = ["第一行<br>\n第二行\n第三行\n第四行", "x<5且y>3，a<b>c", "没有标签的文本", "主要任务</p>部署工作。\n第二行\n第三行\n第四行"]
    assert html_texts(pl.Series(pages + plain)).tolist() == [True] * 3 + [False] * 4
    assert [is_html(t) for t in pages + plain] == [True] * 3 + [False] * 4
    # a text page with a stray tag keeps going through the boilerplate's inline rule
    [edit] = normalize_texts(["主要任务<br>部署工作。"])["edits"].select("operation", "rule", "before").rows()
    assert edit == ("boilerplate", "html", "<br>")


def test_edits_of_pages_rebuild_the_decoded_text_in_any_shard():
    pages = [PAGE, "<p>甲</p><p>乙</p><p>丙</p><p>丁</p>", "普通文本，没有标签。", "<html><body>戊&nbsp;己</body></html>"]
    frames = normalize_texts(pages)
    for sid, text, raw in zip(frames["normalized"]["source_id"], frames["normalized"]["text"], pages):
        assert rebuild_decoded(text, frames["edits"].filter(source_id=sid)) == raw
    assert frames["normalized"]["text"].to_list()[1:] == ["甲\n乙\n丙\n丁", "普通文本，没有标签。", "戊己"]
    assert frames["normalized"]["n_markup"].to_list()[1:] == [5, 0, 3]


def test_damage_in_a_page_is_recorded_in_the_decoded_text():
    raw = "<html><body><p>會(huì)議召開，領(lǐng)導(dǎo)講話。</p><p>在会上?huì)講話，今天?為了發展。</p></body></html>"
    frames = normalize_texts([raw])
    repairs = frames["repairs"]
    assert repairs.height == 2
    for start, end, before in repairs.select("start", "end", "before").iter_rows():
        assert raw[start:end] == before
    assert frames["normalized"]["text"][0] == "会议召开，领导讲话。\n在会上\ufffd讲话，今天?为了发展。"


def test_title_evidence_forms():
    assert title_forms("在全县安全生产工作会议上的讲话_领导讲话_某某范文网") == [
        "在全县安全生产工作会议上的讲话_领导讲话_某某范文网", "在全县安全生产工作会议上的讲话_领导讲话",
        "在全县安全生产工作会议上的讲话"]
    assert title_forms("坚定信心 狠抓落实 - 某某网") == ["坚定信心狠抓落实-某某网", "坚定信心狠抓落实"]
    assert title_forms("讲话——在全县大会上 | 某某网") == ["讲话——在全县大会上|某某网", "讲话——在全县大会上"]  # 讲话: too short
    assert title_forms("某某网") == []


@pytest.mark.parametrize("evidence, title", [
    (None, "学习心得体会"),                                              # by its looks
    (Evidence("坚定信心 狠抓落实 推动高质量发展 - 某某网"), "坚定信心 狠抓落实 推动高质量发展"),  # the site's name cut
    (Evidence("坚定信心 狠抓落实 推动高质量发展|某某网|讲话频道"), "坚定信心 狠抓落实 推动高质量发展"),
    (Evidence(None, "坚定信心狠抓落实推动高质量发展"), "坚定信心 狠抓落实 推动高质量发展"),  # <h1>, compared without blanks
    (Evidence("学习心得体会_某某网", "坚定信心狠抓落实推动高质量发展"), "学习心得体会"),  # <title> first
    (Evidence("一篇不在正文里的标题_某某网"), "学习心得体会"),                     # no line matches: by its looks
])
def test_the_line_the_page_names_is_the_title(evidence, title):
    text = "学习心得体会\n坚定信心 狠抓落实 推动高质量发展\n同志们：\n今天我们召开会议。"
    head = read_head(text, evidence=evidence)
    assert (head.title, head.title_derived) == (title, False)
    assert text[head.body_start:].startswith("同志们：")


def test_a_salutation_or_heading_is_never_the_named_title():
    text = "在全县大会上的讲话\n同志们：\n一、坚定信心狠抓落实\n今天我们召开会议。"
    assert read_head(text, evidence=Evidence(None, "一、坚定信心狠抓落实")).title == "在全县大会上的讲话"


def test_the_survey_mines_the_lines_of_pages_as_text():
    pages = [f"<html><body><h1>标题{i}</h1>\n<div class=\"brand\">某某范文网整理发布</div>\n<p>第{i}篇讲话的正文，内容各不相同。</p>"
             "</body></html>" for i in range(4)]
    frames = normalize_texts(pages)
    assert set(frames["boilerplate_lines"]["line"]) == {"某某范文网整理发布"}
    assert [t.splitlines() for t in frames["normalized"]["text"]] == [[f"标题{i}", f"第{i}篇讲话的正文，内容各不相同。"]
                                                                       for i in range(4)]


def test_repairs_that_change_length_trace_to_the_decoded_text_in_a_shard_with_a_page():
    # repairs that insert (a date's units) or remove (a stray byte) characters, in a page and in a plain text
    # of the same shard: each row slices back to what it repaired, before or after any other repair
    page = "<html><body><p>大会于1941519日召开。</p><p>这就是它的'意义所在。</p></body></html>"
    plain = "他在2019623日讲话，指出了'问题，会议?huì)召开。"
    frames = normalize_texts([page, plain])
    texts = dict(zip(frames["normalized"]["source_id"], (page, plain)))
    rows = frames["repairs"].select("source_id", "start", "end", "before").rows()
    assert len(rows) == 5
    for source_id, start, end, before in rows:
        assert texts[source_id][start:end] == before
    assert frames["normalized"]["text"].to_list()[0] == "大会于1941年5月19日召开。\n这就是它的意义所在。"
