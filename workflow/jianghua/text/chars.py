"""Character classes: the one definition of the Han range, CJK punctuation and code-point arrays."""

from __future__ import annotations

import itertools
import unicodedata
from functools import cache

import numpy as np

# CJK Unified Ideographs Extension A and the basic block
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))
# a regex class body for the Han range: literal characters, which Python's re, Rust's regex (polars) and RE2
# (great-expectations on pandas' Arrow strings) all read the same way
HAN = "".join(f"{chr(low)}-{chr(high)}" for low, high in HAN_RANGES)
# The word list behind the character model holds no punctuation; in Chinese text these marks are about as
# common as the commonest words.
CJK_PUNCTUATION = frozenset("，。、；：？！“”‘’（）《》【】—…·「」")


(_EXT_A_LOW, _EXT_A_HIGH), (_BASIC_LOW, _BASIC_HIGH) = ((chr(low), chr(high)) for low, high in HAN_RANGES)


def is_han(char: str) -> bool:
    """True for a Han character (``HAN_RANGES``)."""
    return _BASIC_LOW <= char <= _BASIC_HIGH or _EXT_A_LOW <= char <= _EXT_A_HIGH


def is_han_points(points: np.ndarray) -> np.ndarray:
    """Which code points are Han characters (``HAN_RANGES``)."""
    found = np.zeros(points.shape, bool)
    for low, high in HAN_RANGES:
        found |= (points >= low) & (points <= high)
    return found


def is_latin(char: str) -> bool:
    """Latin letters with diacritics (pinyin tone marks among them)."""
    return "\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff"


def codepoints(text: str) -> np.ndarray:
    """``text`` as an array of code points."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def text_of(points: np.ndarray) -> str:
    """The string of an array of code points."""
    return points.astype(np.uint32, copy=False).tobytes().decode("utf-32-le")


@cache
def invisible_points() -> np.ndarray:
    """The code points of Unicode's format characters (category Cf: zero-width spaces and joiners, bidi
    embeddings, overrides and isolates, the byte order mark, the soft hyphen, ...): invisible on the page, they
    only split words for searches and reorder what a reader sees."""
    candidates = itertools.chain(range(0x20000), range(0xE0000, 0xE0080))  # the planes that hold any
    return np.array([c for c in candidates if unicodedata.category(chr(c)) == "Cf"], np.uint32)
