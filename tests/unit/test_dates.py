"""Dates as pages write them (``jianghua.text.dates``), on fixtures written for the project."""

import pytest

from jianghua.text.dates import dateline, header_date


@pytest.mark.parametrize("line, iso, written", [
    ("发布时间：2023-06-21 09:12:45 来源：本站", "2023-06-21", "2023-06-21"),
    ("来源：县融媒体中心 2023-06-21", "2023-06-21", "2023-06-21"),  # after 来源
    ("更新时间：2024-11 来源：网友投稿", "2024-11", "2024-11"),  # a month only, after a label
    ("老王 发表于 2019-3-7 10：20：01 | 只看该作者", "2019-03-07", "2019-3-7"),
    ("2020-08-15  来源：理论网 作者：本报评论员", "2020-08-15", "2020-08-15"),  # before 来源
    ("2022-02-09 07：45：10 某某新闻网", "2022-02-09", "2022-02-09"),  # a clock time
    ("user082021-12-30 16：05：00", "2021-12-30", "2021-12-30"),  # glued to a user name
    ("• 2018-05-04 发布", "2018-05-04", "2018-05-04"),
    ("栏目：工作总结发布：2016/07/01浏览：120", "2016-07-01", "2016/07/01"),
    ("發(佈)時間：2021年06月20日", "2021-06-20", "2021年06月20日"),  # the decoded header, in its own script
])
def test_header_dates_in_every_pattern(line, iso, written):
    found = header_date(line)
    assert found.iso == iso and line[found.start:found.end] == written


@pytest.mark.parametrize("line", [
    "2021年6月20日，市委召开常委会议。",  # a date the text mentions
    "咨询电话：400-800-1234",
    "2025年3月",  # no label: a series' issue, not a header
    "建党100周年",
])
def test_lines_that_are_no_headers(line):
    assert header_date(line) is None


@pytest.mark.parametrize("line, iso", [
    ("（2022年4月8日）", "2022-04-08"),
    ("（ 二〇〇八年五月十二日 ）", "2008-05-12"),
    ("（一九四九年十月一日）", "1949-10-01"),
    ("——2023年1月10日在县第十八届人民代表大会第三次会议上", "2023-01-10"),
    ("2019年12月31日 星期二", "2019-12-31"),
    ("（2021年6月）", "2021-06"),
])
def test_datelines_in_arabic_and_chinese_numerals(line, iso):
    found = dateline(line)
    assert found.iso == iso and line[found.start:found.end].strip()[:2] in ("20", "二〇", "一九")


def test_masked_and_other_lines_are_no_datelines():
    assert dateline("（20××年×月×日）") == "masked" and dateline("（20**年8月9日）") == "masked"
    assert dateline("2021年6月20日，市委召开常委会议，研究部署下半年工作。") is None
    assert dateline("在全县大会上的讲话") is None
