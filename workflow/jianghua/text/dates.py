"""Dates as pages write them: the one definition of their shapes, shared by title selection and extraction.

Three kinds of evidence: a site header (a date on a line with a header label such as 发布时间, 来源, 更新时间,
发表于, or followed by a clock time or 来源/作者/浏览…), a dateline (a line that is only a date, often in brackets,
under a title; or the date opening a subtitle, ——2021年2月2日在…), and a date the text mentions. Years may be
written in Chinese numerals (一九四九年十月一日); a masked year (20××年) is a date no one can read.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from jianghua.text.outline import CN, YEAR_DIGITS, number_of, year_of

_CN_YEAR = "".join(YEAR_DIGITS)
# a written date: 2021年6月20日, 2021-06-20, 2021/6/20, 2021.06.20, 一九四九年十月一日; the day may be missing
# (2025-09, 2025年3月)
_YEAR = rf"(?P<year>(?:19|20)\d{{2}}|[{_CN_YEAR}]{{4}})"
_MONTH = rf"\d{{1,2}}|[{CN}]{{1,2}}"
_DAY = rf"\d{{1,2}}|[{CN}]{{1,3}}"
DATE = re.compile(rf"{_YEAR}\s*(?:年\s*(?P<month>{_MONTH})\s*月(?:\s*(?P<day>{_DAY})\s*[日号])?"
                  rf"|(?P<sep>[-/.])(?P<nmonth>\d{{1,2}})(?:(?P=sep)(?P<nday>\d{{1,2}}))?)(?!\d)")
# a year that a site or an editor masked: 20××年8月9日, 20**年, ××××年
MASKED_DATE = re.compile(r"(?:\d{0,3}[×Xx*＊]{1,4}\d{0,3})年\s*(?:[\d×Xx*＊]{1,2}|[" + CN + r"]{1,2})月")
CLOCK = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}")
# header labels before a date (the date may follow a site name: 来源：某某网 2021-06-20) and cues after it
# (in both scripts: a header removed as boilerplate is read from the decoded text)
HEADER_LABEL = re.compile(r"(?:[发發](?:布|佈|表)|更新|上[传傳]|[录錄]入|[编編][辑輯]|修改)(?:[时時][间間]|日期|[于於])?"
                          r"|日期|[时時][间間]|[来來]源")
HEADER_AFTER = re.compile(r"\s*(?:[|｜/]\s*)?(?:[来來]源|[发發][布佈]|作者|[浏瀏][览覽]|[点點][击擊]|[阅閱][读讀]|人[气氣]|"
                          r"[编編][辑輯]|[评評][论論]|字[号號]|投稿)")
MAX_HEADER_LINE = 160
_BARE = " \u3000[]【】()（）•·"  # what may stand around a date alone on its line
LABEL_REACH = 24  # a label this far before the date still introduces it
MAX_DATELINE = 40


class FoundDate(NamedTuple):
    """A date read from a span of text: ISO text (YYYY-MM-DD, or YYYY-MM without a day) and its span."""

    iso: str
    start: int
    end: int


def read_date(m: re.Match) -> FoundDate | None:
    """The date of a ``DATE`` match, or None when it is not a calendar date."""
    year = year_of(m.group("year"))
    written_day = m.group("day") or m.group("nday")
    month = _number(m.group("month") or m.group("nmonth"))
    day = _number(written_day) if written_day else None
    if year is None or month is None or not 1 <= month <= 12 or (written_day and not (day and 1 <= day <= 31)):
        return None
    if m.group("sep") and not m.group("year").isdigit():
        return None
    iso = f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
    return FoundDate(iso, m.start(), m.end())


def _number(token: str) -> int | None:
    return int(token) if token.isdigit() else number_of(token)


def header_date(line: str) -> FoundDate | None:
    """The date of a site-header line (offsets in the line), or None when the line is no header."""
    if len(line) > MAX_HEADER_LINE:
        return None
    for m in DATE.finditer(line):
        found = read_date(m)
        if found is None:
            continue
        labelled = HEADER_LABEL.search(line, max(0, m.start() - LABEL_REACH), m.start()) is not None
        after = line[m.end():]
        cued = CLOCK.match(after.lstrip()) is not None or HEADER_AFTER.match(after) is not None
        # a date without its day is a header's only when a label says so (更新时间：2025-09); a line that is only
        # a numeric date is a header's too: a speech writes its own date in 年月日
        alone = m.group("sep") and not line[:m.start()].strip(_BARE) and not line[m.end():].strip(_BARE)
        if labelled or ((cued or alone) and len(found.iso) == 10):
            return found
    return None


def dateline(line: str) -> FoundDate | str | None:
    """The date of a dateline (offsets in the line): a line that is only a date (in brackets or not, perhaps with
    its weekday), or a subtitle that opens with one (——2021年2月2日在…); ``"masked"`` for a dateline whose year
    is masked; else None."""
    core = line.strip().lstrip("—-－ ").strip()
    inner = core[1:-1].strip() if core[:1] in "（(" and core[-1:] in "）)" else core
    if len(inner) > MAX_DATELINE:
        return None
    m = DATE.match(inner)
    if m and (found := read_date(m)) and "年" in m.group(0):
        rest = inner[m.end():].strip()
        if len(rest) <= 4 or rest.startswith(("在", "于")):
            offset = line.index(inner)
            return FoundDate(found.iso, offset + found.start, offset + found.end)
    if MASKED_DATE.match(inner):
        return "masked"
    return None
