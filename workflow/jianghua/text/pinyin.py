"""Inline pinyin annotations: ``字(reading)`` where the reading is one of that character's readings.

Readings come from pypinyin's dictionary (heteronyms included), tone-marked or toneless, in lower case (a
capitalised parenthetical is an abbreviation: ``(AI)``). Sites annotate in half- or full-width brackets, with
stray blanks (``会(huì )议``), and some twice or more (``黨(dang)(dang)``): every bracket after the character
that holds one of its readings belongs to the annotation. A parenthetical that is not a reading of the
character before it (``（一）``, ``(地)``, ``(2018)``, ``(dsp)``) is no annotation.

Where the sites' lossy decode swallowed an annotation's ``(`` into a ``?`` (a lead byte before it), only
``?reading)`` is left: an orphan, told by a tone-marked reading of the syllable inventory.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from functools import cache
from pathlib import Path

from jianghua.text.chars import HAN

# the letters of a written syllable: lower-case Latin letters, ü and the tone-marked vowels (and n, m with a tone)
SYLLABLE_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_BLANK = "[ \t\u00a0\u3000]*"
_SYLLABLE = f"[{SYLLABLE_LETTERS}]{{1,7}}"
# one bracketed syllable, the syllable as group 1
_ONE = re.compile(rf"[(（]{_BLANK}({_SYLLABLE}){_BLANK}[)）]")
# a Han character and the bracketed syllables after it (whether each is one of its readings is checked apart: a
# regex cannot know it); group 1 the character, group 2 the brackets, group 3 the first syllable, group 4 the
# brackets after the first
CANDIDATE = re.compile(rf"([{HAN}])({_ONE.pattern}((?:[(（]{_BLANK}{_SYLLABLE}{_BLANK}[)）])*))")


@cache
def character_readings() -> dict[int, str]:
    """pypinyin's dictionary of characters: code point -> its readings, tone-marked, comma-separated.

    Its module is run on its own: importing the ``pypinyin`` package first loads and trains its phrase
    dictionaries (half a second of every job that reads a reading), which this package never looks up."""
    package = importlib.util.find_spec("pypinyin")
    spec = importlib.util.spec_from_file_location("pypinyin.pinyin_dict", Path(package.origin).with_name("pinyin_dict.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pinyin_dict


def toneless(reading: str) -> str:
    """``huì`` -> ``hui``, ``lǜ`` -> ``lü``."""
    decomposed = unicodedata.normalize("NFD", reading)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0308"))


@cache
def readings(char: str) -> frozenset[str]:
    """Every reading pypinyin lists for ``char``, tone-marked and toneless (empty for a non-Han character);
    toneless ``ü`` also as ``v``, as keyboards type it."""
    listed = character_readings().get(ord(char), "")
    toned = [r for r in listed.split(",") if r]
    plain = set(map(toneless, toned))
    return frozenset(toned) | plain | {r.replace("ü", "v") for r in plain}


def is_reading(char: str, syllable: str) -> bool:
    """True when ``syllable`` (lower case) is one of ``char``'s readings."""
    return syllable in readings(char)


def annotations(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, character, reading) of each annotation: the span covers its brackets (every repeated one
    that holds a reading of the character); the reading is the first one's.

    A bracket holds an annotation when its syllable is a reading of the character before it, or when it is
    tone-marked: nothing but pinyin is written so, even where a site annotated the wrong character (春(zhàn)
    for 戰(zhàn)); a toneless one must be a reading (``(dang)`` after 黨, but ``(dsp)``, ``(ok)`` stay)."""
    found = []
    for match in CANDIDATE.finditer(text):
        char, first = match.group(1, 3)
        if first not in readings(char) and first not in toned_readings():
            continue
        end, last = match.span(4)
        if last > end:  # repeated: as far as the brackets hold a reading
            for bracket in _ONE.finditer(text, end, last):
                if not is_reading(char, bracket.group(1)):
                    break
                end = bracket.end()
        found.append((match.start(2), end, char, first))
    return found


def strip_annotations(text: str) -> str:
    """``text`` without its annotations (the bracketed readings; the characters they annotate stay)."""
    kept, last = [], 0
    for start, end, _, _ in annotations(text):
        kept.append(text[last:start])
        last = end
    return "".join(kept) + text[last:]


LOST = "\ufffd"  # what an orphan annotation becomes: a character lost to damage, as decode writes lost bytes
TONE_MARKS = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ")
_ORPHAN = re.compile(rf"\?{_BLANK}({_SYLLABLE}){_BLANK}[)）]")


@cache
def toned_readings() -> frozenset[str]:
    """Every tone-marked reading of pypinyin's dictionary: the syllable inventory, as written with tones."""
    return frozenset(r for listed in character_readings().values() for r in listed.split(",") if TONE_MARKS & set(r))


def orphan_annotations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each ``?reading)``: a ``?``, a tone-marked syllable and a closing bracket."""
    return [m.span() for m in _ORPHAN.finditer(text) if m.group(1) in toned_readings()]
