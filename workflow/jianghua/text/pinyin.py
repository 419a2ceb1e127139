"""Inline pinyin annotations: ``字(reading)`` where the reading is one of that character's readings.

Readings come from pypinyin's dictionary (heteronyms included), tone-marked or toneless. A parenthetical
that is not a reading of the character before it (``（一）``, ``(地)``, ``(2018)``, ``(dsp)``) is no annotation.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from pypinyin.pinyin_dict import pinyin_dict

from jianghua.text.chars import HAN

# the letters of a written syllable: Latin letters, ü and the tone-marked vowels (and n, m with a tone)
SYLLABLE_LETTERS = "a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# a Han character and a bracketed syllable after it (whether the syllable is one of its readings is checked
# apart: a regex cannot know it)
CANDIDATE = re.compile(rf"([{HAN}])([(（]\s*([{SYLLABLE_LETTERS}]{{1,7}})\s*[)）])")


def toneless(reading: str) -> str:
    """``huì`` -> ``hui``, ``lǜ`` -> ``lü``."""
    decomposed = unicodedata.normalize("NFD", reading)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0308"))


@cache
def readings(char: str) -> frozenset[str]:
    """Every reading pypinyin lists for ``char``, tone-marked and toneless (empty for a non-Han character)."""
    listed = pinyin_dict.get(ord(char), "")
    toned = [r for r in listed.split(",") if r]
    return frozenset(toned) | frozenset(map(toneless, toned))


def is_reading(char: str, syllable: str) -> bool:
    """True when ``syllable`` (any case) is one of ``char``'s readings."""
    return syllable.lower() in readings(char)


def annotations(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, character, reading) of each annotation; the span is the bracketed reading only."""
    return [(m.start(2), m.end(2), m.group(1), m.group(3).lower()) for m in CANDIDATE.finditer(text)
            if is_reading(m.group(1), m.group(3))]


def strip_annotations(text: str) -> str:
    """``text`` without its annotations (the bracketed readings; the characters they annotate stay)."""
    kept, last = [], 0
    for start, end, _, _ in annotations(text):
        kept.append(text[last:start])
        last = end
    return "".join(kept) + text[last:]
