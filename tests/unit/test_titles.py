"""Titles, bylines and the heads of documents (``jianghua.text.titles``), on fixtures written for the project."""

import pytest

from jianghua.stages.segment import split_documents
from jianghua.text.titles import byline_of, clean_line, glued_title, head_kind, names_of, read_head


def head(text: str):
    found = read_head(text)
    return found.title, found.title_derived, found.byline, text[found.body_start:found.body_start + 6]


def test_the_title_passes_over_navigation_site_names_and_file_sizes():
    text = ("网站首页 | 关于我们 | 联系我们\n"
            "范文之家移动版\n"
            "当前位置：首页 > 讲话稿 > 领导讲话 > 正文\n"
            "• 36.20 KB\n"
            "在全县秋季农业生产现场会上的讲话\n"
            "2023-09-18 08：30：12 来源：本站原创\n"
            "同志们：\n今天我们在这里召开现场会，主要任务是总结经验、查找不足。")
    assert head(text) == ("在全县秋季农业生产现场会上的讲话", False, None, "同志们：\n今")


def test_a_byline_is_no_title_and_has_a_column_of_its_own():
    text = "■ 方 明 柯晓燕\n（东南师范学院 文学院，福建 福州 350007）\n摘 要：本文讨论基层宣讲的语言。\n基层宣讲是……"
    title, derived, byline, _ = head(text)
    assert derived and title != "方 明 柯晓燕" and byline == "方明，柯晓燕"
    assert names_of("吕 强，欧阳晓光、于丽") == ["吕强", "欧阳晓光", "于丽"]
    assert names_of("开启左侧") is None and names_of("抓好产业振兴") is None
    assert byline_of("区委副书记  牛小川") == "区委副书记 牛小川" and byline_of("县长 ×") == "县长 ×"


def test_a_byline_under_the_title_and_a_dateline_are_head_matter():
    text = "在全市信访工作会议上的讲话\n市长 钱立平\n（2022年3月8日）\n同志们：\n这次会议开得很及时。"
    assert head(text) == ("在全市信访工作会议上的讲话", False, "市长 钱立平", "同志们：\n这")
    text = "读书心得\n发布日期：2022年11月03日  作者：孔明\n读书使人明智。"
    assert head(text) == ("读书心得", False, "孔明", "读书使人明智")


@pytest.mark.parametrize("line, cleaned", [
    ("工 作 总 结", "工作总结"),
    ("第二篇：乡村振兴调研报告", "乡村振兴调研报告"),
    ("第3篇 在团员大会上的发言", "在团员大会上的发言"),
    ("青年干部读书笔记篇一", "青年干部读书笔记"),
    ("【范例二】在植树节活动上的致辞", "在植树节活动上的致辞"),
    ("范文1：教师节表彰会讲话", "教师节表彰会讲话"),
    ("【发言背景】全县防汛工作调度会发言", "全县防汛工作调度会发言"),
    ("在开学典礼上的讲话-15篇（第3/3页）", "在开学典礼上的讲话"),
    ("P4 x; R! k@ 乡镇工作汇报材料6 s& d! Q", "乡镇工作汇报材料"),
    ("●  在全镇干部大会上的讲话", "在全镇干部大会上的讲话"),
])
def test_lines_are_cleaned_the_way_pages_wrap_titles(line, cleaned):
    assert clean_line(line) == cleaned


@pytest.mark.parametrize("line, kind", [
    ("首页>讲话稿>开幕词>在运动会上的讲话", "furniture"), ("关灯", "furniture"), ("• 2页", "furniture"),
    ("扫码在手机上看", "furniture"), ("客服QQ：12345678", "furniture"), ("本站文库◆好文天天看~", "furniture"),
    ("发布时间：2021-05-06 来源：网络", "header"), ("【摘要】本文梳理了……", "header"), ("同志们：", "salutation"),
    ("一、提高认识，统一思想", "heading"), ("今天召开会议。主要任务是部署工作。", "sentence"),
    ("（2021年5月6日）", "dateline"), ("——在市政协十届三次会议上的讲话", "subtitle"),
    ("在市政协十届三次会议上的讲话", None),
])
def test_what_a_head_line_is(line, kind):
    assert head_kind(line) == kind


def test_letter_spaced_title_joined_and_title_before_the_header():
    text = "人 大 常 委 会 工 作 报 告\n——2022年1月6日在市第八届人民代表大会第二次会议上\n各位代表：\n现在，我代表……"
    assert head(text)[:2] == ("人大常委会工作报告", False)


def test_a_title_line_that_is_a_sentence_or_a_counter_is_passed_over():
    assert head("【范例一】\n【致辞人】某县文化局\n【致辞背景】全县读书月启动仪式致辞\n各位来宾：\n……")[0] == "全县读书月启动仪式致辞"
    assert head("第一篇：主题党日活动心得体会\n主题党日活动心得体会\n通过这次活动，我深受教育。")[:2] == ("主题党日活动心得体会", False)


@pytest.mark.parametrize("line, title", [
    ("县长在全县春耕生产会议上的讲话同志们：今天我们召开会议，部署春耕工作。", "县长在全县春耕生产会议上的讲话"),
    ("镇长在全镇安全生产会上讲话镇长在全镇安全生产会上的讲话同志们：安全无小事。", "镇长在全镇安全生产会上讲话"),
    ("在全区招商引资推进会上的讲话年初以来，全区上下围绕目标，狠抓落实。", "在全区招商引资推进会上的讲话"),
    ("守正创新 奋力开创宣传工作新局面 ——在全市宣传部长会议上的讲话 同志们：今天……", "守正创新 奋力开创宣传工作新局面"),
])
def test_a_title_glued_to_its_speech_is_cut_off(line, title):
    assert line[:glued_title(line)].strip() == title
    found = read_head(line)
    assert (found.title, found.title_derived) == (title, False)


def test_a_sentence_that_runs_into_a_kind_word_is_no_glued_title():
    assert glued_title("今天，我们在这里召开表彰大会，隆重表彰先进，会上的讲话很多。同志们：") is None
    assert glued_title("敬爱的老师们：大家好！今天我演讲的题目是《我的梦》。") is None


def test_pages_without_a_title_get_a_derived_one():
    assert head("同志们：\n今天召开全体干部会议，我讲两点看法。\n一、……") == \
        ("今天召开全体干部会议，我讲两点看法。", True, None, "同志们：\n今")
    assert head("尊敬的各位领导，亲爱的队员们：早上好！我今天演讲的题目是《青春》。")[:2] == ("我今天演讲的题目是《青春》。", True)
    text = "付小平\n（江南大学 马克思主义学院，江苏 无锡 214122）\n基层治理是国家治理的基础。"
    assert head(text) == ("基层治理是国家治理的基础。", True, "付小平", "基层治理是国")


def test_compilations_split_on_every_shape():
    def titles(text):
        return [(d.head.title, text[d.start:d.end].splitlines()[0]) for d in split_documents(text)]

    assert [t for t, _ in titles("第1篇 在甲会议上的讲话\n同志们：\n正文一。\n第2篇 在乙会议上的讲话\n在乙会议上的讲话\n正文二。")] == \
        ["在甲会议上的讲话", "在乙会议上的讲话"]
    text = "下面是小编整理的发言稿，供大家参考。\n团委书记表态发言篇一\n正文一。\n团委书记表态发言篇二\n正文二。"
    assert titles(text) == [("团委书记表态发言", "下面是小编整理的发言稿，供大家参考。"),
                            ("团委书记表态发言", "团委书记表态发言篇二")]
    text = "【范例一】\n【致辞背景】重阳节敬老活动致辞\n各位老人：\n祝大家健康。\n【范例二】\n【致辞背景】春节团拜会致辞\n同志们：\n新春快乐。"
    assert [t for t, _ in titles(text)] == ["重阳节敬老活动致辞", "春节团拜会致辞"]
    text = "范文1：在环保培训班上的讲话\n同志们：\n正文一。\n范文2：在环保表彰会上的讲话\n同志们：\n正文二。"
    assert [t for t, _ in titles(text)] == ["在环保培训班上的讲话", "在环保表彰会上的讲话"]


def test_a_table_of_contents_opens_no_documents():
    text = "目录\n第1篇 在甲会议上的讲话\n第2篇 在乙会议上的讲话\n第1篇 在甲会议上的讲话\n正文一。\n第2篇 在乙会议上的讲话\n正文二。"
    docs = split_documents(text)
    assert [d.head.title for d in docs] == ["在甲会议上的讲话", "在乙会议上的讲话"]
    assert text[docs[1].start:].startswith("第2篇") and text[docs[0].head.body_start:].startswith("正文一")


def test_a_single_part_is_one_document_titled_by_the_page():
    text = "暑期实践总结（精选9篇）\n实践是最好的课堂。\n暑期实践总结篇一\n暑假里我去了社区。"
    docs = split_documents(text)
    assert len(docs) == 1 and docs[0].head.title == "暑期实践总结（精选9篇）"


def test_a_second_speech_and_a_repeated_article_open_documents():
    first = "同学们：\n" + "今天我们举行升旗仪式，" * 25 + "谢谢大家。\n"
    second = "老师们，同学们，大家好：\n今天我讲话的题目是节约粮食。\n"
    assert [d.start for d in split_documents(first + second)] == [0, len(first)]
    # a speech that addresses its audience again goes on
    again = "同志们：\n" + "我们要抓好落实，" * 30 + "\n同志们：\n最后，我再强调一点。\n"
    assert len(split_documents(again)) == 1
    closed = "同志们：\n" + "我们要抓好落实，" * 30 + "\n谢谢大家！\n同志们：\n下面请某某同志讲话。\n"
    assert len(split_documents(closed)) == 2
    article = "乡村振兴的路子越走越宽，群众的日子越过越红火，这是大家有目共睹的。\n" \
              "我们要坚持不懈，把产业做大做强，把乡村建设得更加美丽宜居宜业。\n"
    text = "乡村振兴见闻\n" + article + "乡村振兴见闻\n" + article
    docs = split_documents(text)
    assert [d.start for d in docs] == [0, len("乡村振兴见闻\n" + article)]
    assert [d.head.title for d in docs] == ["乡村振兴见闻", "乡村振兴见闻"]
