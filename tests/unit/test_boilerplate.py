"""Boilerplate rules, each on fixtures of its own: the furniture it removes (named after it in ``edits``) and the
content that resembles it and stays. Every text here is written for these tests."""

import pytest

from jianghua.text.boilerplate import noise_spans, rule_names

from conftest import normalize_texts

TITLE = "在全区安全生产工作会议上的讲话"
BODY = "同志们：\n今天我们召开全区安全生产工作会议，主要任务是总结上半年工作，部署下一步任务。"


def removed(text: str) -> list[tuple[str, str]]:
    """(rule, removed text without edge blanks) of each boilerplate edit of ``text``."""
    edits = normalize_texts([text])["edits"]
    return [(rule, before.strip()) for operation, rule, before in edits.select("operation", "rule", "before").iter_rows()
            if "boilerplate" in operation]


def kept(text: str) -> str:
    return normalize_texts([text])["normalized"]["text"][0]


# rule, a furniture line among a title and a speech, and the text it must remove
FURNITURE = [
    ("navigation", "首页 | 讲话稿 | 心得体会 | 网站地图"),
    ("navigation", "某某范文网 首页"),
    ("breadcrumb", "当前位置：首页 > 讲话稿 > 领导讲话"),
    ("breadcrumb", "首页>工作总结>年终总结>"),
    ("breadcrumb", "范文大全 > 讲话稿 > 领导讲话 > 正文"),
    ("prev-next", "上一篇：在全市经济工作会议上的讲话"),
    ("prev-next", "下一页"),
    ("related-list", "- 相关推荐"),
    ("related-list", "推荐阅读：同志们，今天我们召开全区安全生产工作会议……"),
    ("site-timestamp", "2023-05-12 09:30:15 某某范文网"),
    ("site-timestamp", "2023-05-12 发布"),
    ("article-meta", "来源：某某日报 作者：张明 浏览：125次"),
    ("article-meta", "更新时间：2023-05 来源：网友投稿"),
    ("article-meta", "（责任编辑：王强）"),
    ("reading-stats", "阅读提示：本文共计3200个字，预计阅读时间8分钟。"),
    ("file-size", "• 36.8 KB"),
    ("file-size", "共3页"),
    ("download-notice", "1、本文档由会员上传，版权归原作者所有，仅供学习参考。"),
    ("download-notice", "点击下载全文"),
    ("copyright", "Copyright © 2023 某某范文网 版权所有"),
    ("copyright", "本文为作者原创，未经授权禁止转载。"),
    ("contact", "客服QQ：123456789"),
    ("contact", "咨询电话：010-12345678 订阅热线：400-000-0000"),
    ("membership", "会员专享 立享八折"),
    ("share-prompt", "扫一扫，分享到朋友圈"),
    ("share-prompt", "添加某某网到电脑桌面"),
    ("widget", "【字体：大 中 小】 打印 关闭"),
    ("widget", "关灯"),
    ("site-name", "某某范文网移动版"),
    ("site-name", "学海无涯——某某文库◆记住本站"),
    ("book-list", "《公文写作入门》作者李华《讲话稿十讲》作者王平"),
    ("forum", "本帖最后由 小王 编辑"),
    ("serial-number", "“学习园地”第三辑№1024"),
    ("decoration", "★★★"),
    ("spam", "澳门葡京 真人娱乐 百家乐 彩票投注"),
]


@pytest.mark.parametrize("rule, line", FURNITURE, ids=[f"{r}-{k}" for k, (r, _) in enumerate(FURNITURE)])
def test_furniture_lines_go_named_after_their_rule(rule, line):
    assert removed(f"{TITLE}\n{line}\n{BODY}") == [(rule, line)]


# content that resembles furniture and stays (as its own line, between a title and a speech)
LOOKALIKES = [
    "一、推进首页改版工作",                       # navigation: 首页 inside a word
    "大家可以访问网站首页 了解详情。",              # navigation: prose
    "安全>效益>速度",                            # breadcrumb: three segments, no trailing separator
    "上一篇文章里我们谈到了这个问题。",              # prev-next: no label
    "推荐阅读书目由宣传部负责印发",                  # related-list: no label
    "会议于2023年5月12日上午9:30召开。",            # site-timestamp: a date in the text
    "2023-05-12",                                # a speech's date line
    "数据来源：国家统计局",                         # article-meta: a data source in a report
    "时间：6月20日上午9时，地点：市政府三楼会议室。",  # article-meta: a meeting notice
    "全文共分三个部分。",                           # reading-stats: no count of characters
    "投资36.8亿元",                               # file-size
    "要下载并学习相关文件。",                        # download-notice
    "要加强知识产权和版权保护。",                    # copyright
    "不少学生沉迷QQ聊天，需要引导。",                # contact: QQ in content
    "开通了12345政务服务热线。",                    # contact: a hotline in content
    "保障工会会员权益",                            # membership
    "要扫除一切障碍",                              # share-prompt
    "大中小学校",                                 # widget
    "织密安全防护网",                              # site-name: a title that ends in 网
    "学习《党章》《准则》《条例》",                   # book-list: documents in a heading
    "第1024号文件",                               # serial-number
    "……",                                       # decoration: an ellipsis of omitted speech
    "三、严厉打击赌博和彩票诈骗",                     # spam: a heading naming one term
    "（未完成的任务要限期整改）",                     # paywall: 未完 in a word
    "【中图分类号】D616",                           # bracketed-ad: an article's own bracketed label
    "x<5且y>3",                                  # html: comparisons
    "a + b = c - d",                             # noise: a formula
    "比例为9.5:40.5:50",                          # noise: a ratio
    "使用GDP, CPI等指标",                          # noise: abbreviations
    "(1)(2)(3)",                                 # noise: numbered items
    "同志们：",                                   # a salutation
    "“上一篇：××”、“下一篇：××”是网页模板的写法，要删去。",  # a quoted template in prose
]


@pytest.mark.parametrize("line", LOOKALIKES)
def test_content_that_looks_like_furniture_stays(line):
    assert removed(f"{TITLE}\n{line}\n{BODY}") == []


def test_a_page_number_that_splits_a_sentence_rejoins_it():
    text = f"{TITLE}\n今天我们召开全区安全生产工作\n—2—\n会议，主要任务是部署工作。\n- 3 -\n二、加强领导"
    assert removed(text) == [("page-number", "—2—"), ("page-number", "- 3 -")]
    assert kept(text) == f"{TITLE}\n今天我们召开全区安全生产工作会议，主要任务是部署工作。\n二、加强领导"


def test_a_year_alone_is_not_a_page_number_when_it_is_a_date():
    assert removed(f"{TITLE}\n2023年\n{BODY}") == []


def test_an_editors_note_goes_as_a_sentence():
    text = f"{TITLE}\n同志们，今天我们召开会议。以下是小编为大家整理的讲话稿，供大家参考。会议的任务是部署工作。"
    assert removed(text) == [("editor-note", "以下是小编为大家整理的讲话稿，供大家参考。")]
    assert removed(f"{TITLE}\n小编以为，要先把问题讲清楚。\n{BODY}") == []  # an editor's own opinion is the text


def test_a_sites_blurb_among_the_first_lines_goes_whole():
    blurb = "讲话稿是一种常见的文体。以下是小编为大家整理的范文，希望对大家有所帮助。"
    assert removed(f"{blurb}\n{TITLE}\n{BODY}") == [("site-summary", blurb)]
    # a text's only paragraph is never a blurb: only its note goes
    assert [rule for rule, _ in removed(blurb)] == ["editor-note"]


def test_a_teaser_the_page_repeats_below_goes():
    teaser = "摘要：今天我们召开全区安全生产工作会议，主要任务是总结上半年工作……"
    assert removed(f"{TITLE}\n{teaser}\n{BODY}") == [("repeated-summary", teaser)]
    assert removed(f"{TITLE}\n{TITLE}\n{BODY}") == []  # a title repeated: no prose


def test_paywall_notes_go_inline():
    text = f"{TITLE}\n主要任务是部署工作（未完，全文共3500字，当前显示800字）\n此处隐藏2000个字。VIP会员可见\n{BODY}"
    assert removed(text) == [("paywall", "（未完，全文共3500字，当前显示800字）"),
                             ("paywall", "此处隐藏2000个字。VIP会员可见")]


def test_inline_ads_and_markup_go_and_their_line_stays():
    text = f"{TITLE}【更多精彩范文，请关注微信公众号】\n<p class=\"text\">主要任务是部署工作。</p>&nbsp;\n{BODY}"
    assert [rule for rule, _ in removed(text)] == ["bracketed-ad", "html", "html"]  # (</p>&nbsp; touch: one edit)
    assert kept(text).startswith(f"{TITLE}\n主要任务是部署工作。\n")


def test_noise_runs_go_and_the_text_around_them_stays():
    text = f"{TITLE}k3 Q; z& 8 w_ P2 %j M( t9\nL7 ]; e+ 2 ^c X0 #p q\n一、加强领导_w-e/b+s^i~t.e`n_a~m¢e′\n{BODY}"
    assert removed(text) == [("noise", "k3 Q; z& 8 w_ P2 %j M( t9"), ("noise", "L7 ]; e+ 2 ^c X0 #p q"),
                             ("noise", "_w-e/b+s^i~t.e`n_a~m¢e′")]
    assert kept(text).startswith(f"{TITLE}\n一、加强领导\n同志们")


def test_noise_leaves_the_marker_and_bracket_it_touches():
    assert [line[a:b] for line in ("(7月20日)* ~. k4 ]. d9 Y: x5 S", "f6 U# {) L1 t; v 1.加强领导")
            for a, b in noise_spans(line)] == ["* ~. k4 ]. d9 Y: x5 S", "f6 U# {) L1 t; v"]


def test_the_opening_ad_block_goes_with_the_site_name_in_it():
    text = f"仅供学习 禁止外传\n某某文库\n订阅立享全部资料\n\n{TITLE}\n{BODY}"
    assert [rule for rule, _ in removed(text)] == ["membership", "ad-block", "membership"]
    assert kept(text).startswith(TITLE)
    # a title above an ad is the page's own
    assert removed(f"{TITLE}\n客服QQ：123456789\n{BODY}") == [("contact", "客服QQ：123456789")]


def test_the_closing_block_goes_from_its_first_furniture_line():
    text = f"{TITLE}\n{BODY}\n谢谢大家！\n某某县人民政府\n责任编辑：李明\n关键词：讲话稿\n关闭"
    assert removed(text) == [("article-meta", "责任编辑：李明"), ("footer-block", "关键词：讲话稿"), ("widget", "关闭")]
    assert "某某县人民政府" in kept(text)  # before the block's first furniture line: the page's own


def test_a_page_of_short_lines_keeps_them_after_a_furniture_line():
    lines = "\n".join(["总理到会场的时候", "稿子刚改完", "大家鼓起了掌", "会议通过了报告", "代表们走出会场"])
    text = f"首次披露！报告出炉的幕后\n来源：某某日报\n{lines}\n责任编辑：李明"
    assert [rule for rule, _ in removed(text)] == ["article-meta", "article-meta"]


def test_every_rule_has_a_fixture():
    tested = {rule for rule, _ in FURNITURE} | {"page-number", "editor-note", "site-summary", "repeated-summary",
                                                 "paywall", "bracketed-ad", "html", "noise", "ad-block",
                                                 "footer-block", "mined-line"}
    assert tested == set(rule_names())


def test_lines_repeated_across_the_corpus_are_mined_but_copies_of_one_article_are_not():
    site = [f"标题{i}\n某某范文网整理发布\n第{i}篇讲话的正文，内容各不相同。" for i in range(4)]
    result = normalize_texts(site)
    assert set(result["boilerplate_lines"]["line"]) == {"某某范文网整理发布"}
    assert {r for r in result["edits"]["rule"].drop_nulls()} == {"mined-line"}
    copies = [f"{TITLE}\n一是加强领导\n第{i}次转载\n今天我们召开全区安全生产工作会议，部署工作。" for i in range(4)]
    copies = [c.replace(f"第{i}次转载", "") for i, c in enumerate(copies)]
    assert normalize_texts(copies)["boilerplate_lines"].height == 0


def test_lines_are_mined_alike_whatever_the_shards():
    import polars as pl

    from jianghua.stages.survey import survey

    texts = [f"标题{i}\n某某范文网整理发布\n第{i}篇讲话的正文，内容各不相同。\n{'转载请注明出处' if i % 2 else '本篇内容完毕'}"
             for i in range(9)]
    decoded = pl.DataFrame({"source_id": [f"s{i}" for i in range(9)], "text": texts})
    whole = survey([{"decoded": decoded}], 3, 0.1, [])["boilerplate_lines"]
    assert whole.rows() == [("本篇内容完毕", 5), ("某某范文网整理发布", 9), ("转载请注明出处", 4)]
    split = survey([{"decoded": decoded[k::3]} for k in range(3)], 3, 0.1, [])["boilerplate_lines"]
    assert split.equals(whole)
    # an empty shard, and shards each holding only some of the lines mined (the even files, then the odd)
    parts = [decoded.head(0), decoded[0::2], decoded[1::2]]
    assert survey([{"decoded": part} for part in parts], 3, 0.1, [])["boilerplate_lines"].equals(whole)
    with pytest.raises(TypeError, match="reads the shards twice"):
        survey(iter([{"decoded": decoded}]), 3, 0.1, [])
