"""Outline markers and numerals: the one definition shared by reflow, boilerplate mining and segmentation."""

from __future__ import annotations

import re

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "两": 2}
CN = "一二三四五六七八九十"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
MARKERS = [  # (kind, pattern at the start of a paragraph or sentence), each with one group: its number
    ("cn-dun", re.compile(rf"([{CN}]+)、")),
    ("cn-paren", re.compile(rf"[（(]([{CN}]+)[）)]")),
    ("cn-ordinal", re.compile(rf"第([{CN}]+)[，,、]")),
    ("cn-shi", re.compile(rf"([{CN}])[是要](?![否])")),
    ("arabic-dot", re.compile(r"(\d{1,2})[.．、](?!\d)")),
    ("arabic-paren", re.compile(r"[（(](\d{1,2})[）)]")),
    ("circled", re.compile(rf"([{CIRCLED}])")),
]
# the markers as one alternation, tried in order like the list
ANY_MARKER = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in MARKERS))
# a part of a compilation: 第N篇 and its title
COMPILATION_PART = re.compile(rf"^第([{CN}\d]+)篇\s*(.*)$")
# a line that opens an outline item or a compilation part (after blanks)
OUTLINE_START = re.compile(rf"^\s*(?:{ANY_MARKER.pattern}|第[{CN}\d]+篇)", re.M)


def marker_at(text: str, pos: int) -> tuple[str, re.Match, str] | None:
    """The kind, match and number token of the first marker of ``MARKERS`` found at ``pos``."""
    m = ANY_MARKER.match(text, pos)
    return (MARKERS[m.lastindex - 1][0], m, m.group(m.lastindex)) if m else None


def number_of(token: str) -> int | None:
    """The value of a numeral: Chinese (一…十, 十一…, 两), Arabic or circled."""
    if token.isascii() and token.isdigit():
        return int(token)
    if token in CIRCLED:
        return CIRCLED.index(token) + 1
    if token and all(c in CN_DIGITS for c in token):
        if len(token) == 1:
            return CN_DIGITS[token]
        tens, _, units = token.partition("十")
        return (CN_DIGITS.get(tens, 1) * 10) + (CN_DIGITS.get(units, 0))
    return None
