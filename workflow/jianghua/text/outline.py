"""Outline markers, numerals and compilation parts: the one definition shared by reflow, boilerplate mining,
segmentation and extraction."""

from __future__ import annotations

import re

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "两": 2}
CN = "一二三四五六七八九十"
# the digits of a year written in Chinese (一九四九年, 二〇二一年)
YEAR_DIGITS = {"〇": 0, "○": 0, "零": 0, **{c: k + 1 for k, c in enumerate(CN[:9])}}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
SEQUENCE = {"首先": 1, "其次": 2, "再次": 3}  # ordinal words that open the points of a speech
MARKERS = [  # (kind, pattern at the start of a paragraph or sentence), each with one group: its number
    ("cn-dun", re.compile(rf"([{CN}]+)[、．]")),
    ("cn-paren", re.compile(rf"[（(]([{CN}]+)[）)]")),
    ("cn-ordinal", re.compile(rf"第([{CN}]+)[，,、：:]")),
    ("cn-shi", re.compile(rf"([{CN}])[是要](?![否])")),
    ("cn-sequence", re.compile(r"(首先|其次|再次)[，,、：:]")),
    ("arabic-dot", re.compile(r"(\d{1,2})(?:[.．](?!\d)|、)")),
    ("arabic-paren", re.compile(r"[（(](\d{1,2})[）)]")),
    ("circled", re.compile(rf"([{CIRCLED}])")),
]
CHINESE_MARKERS = frozenset(kind for kind, _ in MARKERS if kind.startswith("cn-"))
# the markers as one alternation, tried in order like the list
ANY_MARKER = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in MARKERS))
# a line that opens an outline item or a compilation part (after blanks)
OUTLINE_START = re.compile(rf"^\s*(?:{ANY_MARKER.pattern}|第[{CN}\d]+篇)", re.M)

# A part of a compilation, as sites mark them: a counter line or prefix (第一篇：, 【范例一】, 范文2, 篇一) with the
# part's title after it, or a title followed by its counter (…表态发言篇一, …调研报告篇2). Group "n" is the counter.
_N = rf"[{CN}\d]{{1,3}}"
COMPILATION_PART = re.compile(
    rf"^(?:[【\[]?(?:第(?P<n>{_N})篇|(?:范例|范文|例文|样文|篇)(?P<n2>{_N}))[】\]]?[：:、．.\s]*(?P<title>.*)"
    rf"|(?P<title2>.*?\S)\s*[（(【]?篇(?P<n3>{_N})[）)】]?)$")


def compilation_part(line: str) -> tuple[int | None, str] | None:
    """The counter and the title of a compilation part's line, or None for any other line."""
    m = COMPILATION_PART.match(line.strip())
    if not m:
        return None
    counter = m.group("n") or m.group("n2") or m.group("n3")
    title = (m.group("title") if m.group("title2") is None else m.group("title2")).strip()
    if m.group("n3") and title and title[-1] in CN:  # "…四篇1": 四篇 is the title's own count, 1 the counter
        return None
    return number_of(counter), title


def marker_at(text: str, pos: int) -> tuple[str, re.Match, str] | None:
    """The kind, match and number token of the first marker of ``MARKERS`` found at ``pos``."""
    m = ANY_MARKER.match(text, pos)
    return (MARKERS[m.lastindex - 1][0], m, m.group(m.lastindex)) if m else None


def number_of(token: str) -> int | None:
    """The value of a numeral: Chinese (一…十, 十一…九十九, 两), Arabic, circled, or an ordinal word (首先)."""
    if not token:
        return None
    if token.isascii() and token.isdigit():
        return int(token)
    if len(token) == 1 and token in CIRCLED:
        return CIRCLED.index(token) + 1
    if token in SEQUENCE:
        return SEQUENCE[token]
    if len(token) == 1:
        return CN_DIGITS.get(token)
    tens, ten, units = token.partition("十")
    # 五四, 七一, 十三五: digits side by side are a date or a name, not a number
    if ten and len(tens) <= 1 and len(units) <= 1 and all(c in CN_DIGITS and c not in "十两" for c in tens + units):
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[units] if units else 0)
    return None


def chinese_numeral(value: int) -> str:
    """The Chinese numeral of 1…99 (4 → 四, 12 → 十二, 20 → 二十), as a canonical form writes a count."""
    if not 0 < value < 100:
        raise ValueError(f"no Chinese numeral for {value}")
    tens, units = divmod(value, 10)
    return (f"{CN[tens - 1] if tens > 1 else ''}十" if tens else "") + (CN[units - 1] if units else "")


def year_of(token: str) -> int | None:
    """The year of four digits, Arabic or Chinese (一九四九, 二〇二一), or None."""
    if len(token) != 4:
        return None
    if token.isascii() and token.isdigit():
        return int(token)
    if all(c in YEAR_DIGITS for c in token):
        return int("".join(str(YEAR_DIGITS[c]) for c in token))
    return None
