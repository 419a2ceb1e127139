"""Simulate the sites' byte-level damage (shared/notes/gbk-damage.md) on clean Traditional text.

The sites (1) inserted ``(pinyin)`` after every GBK byte pair that spells an annotated character, also
where the pair straddles two characters; (2) replaced the GBK bytes of ，；！？ by ASCII signs, again also
across character boundaries; (3) decoded the result lossily, one byte out of step after a split.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

FULLWIDTH_TO_ASCII = {"，": ",", "；": ";", "！": "!", "？": "?"}


@cache
def annotation_table() -> dict[str, str]:
    """Annotated character -> its one reading, from ``data/annotations.tsv``."""
    text = resources.files("jianghua").joinpath("data/annotations.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {char: reading for char, reading in rows}


def is_user_defined(lead: int, trail: int) -> bool:
    """True for GBK's user-defined areas, which the sites' decoder dropped silently."""
    return ((0xAA <= lead <= 0xAF or 0xF8 <= lead <= 0xFE) and 0xA1 <= trail <= 0xFE) or (
        0xA1 <= lead <= 0xA7 and 0x40 <= trail <= 0xA0)


def annotate_bytes(data: bytes, table: dict[str, str]) -> bytes:
    """Insert ``(reading)`` after every byte pair spelling a listed character, aligned or not."""
    for char, reading in table.items():
        code = char.encode("gbk")
        data = data.replace(code, code + b"(" + reading.encode("gbk") + b")")
    return data


def punctuation_pass(data: bytes) -> bytes:
    """Replace the GBK bytes of ，；！？ by their ASCII signs wherever they occur."""
    for wide, ascii_sign in FULLWIDTH_TO_ASCII.items():
        data = data.replace(wide.encode("gbk"), ascii_sign.encode("ascii"))
    return data


def lossy_decode(data: bytes) -> str:
    """Decode GBK the way the sites did: ``?`` for bad pairs, ``(`` swallowed, user-defined pairs dropped."""
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        lead = data[i]
        if lead < 0x80:
            out.append(chr(lead))
            i += 1
            continue
        if i + 1 >= n:
            out.append("?")
            break
        trail = data[i + 1]
        if trail == 0x28:  # the inserted "(" is swallowed with the byte before it
            out.append("?")
            i += 2
        elif trail < 0x40 or trail in (0x7F, 0xFF) or lead in (0x80, 0xFF):
            out.append("?")
            i += 1
        elif is_user_defined(lead, trail):
            i += 2
        else:
            try:
                out.append(data[i:i + 2].decode("gbk"))
            except UnicodeDecodeError:
                out.append("?")
            i += 2
    return "".join(out)


def intended(text: str, table: dict[str, str] | None = None) -> str:
    """What the sites meant to publish: aligned annotations only, ASCII signs for ，；！？."""
    table = annotation_table() if table is None else table
    return "".join(FULLWIDTH_TO_ASCII.get(c, c) + (f"({table[c]})" if c in table else "") for c in text)


def simulate(text: str, table: dict[str, str] | None = None) -> str:
    """Damage clean Traditional ``text`` (GBK-encodable) exactly as the sites did."""
    table = annotation_table() if table is None else table
    return lossy_decode(punctuation_pass(annotate_bytes(text.encode("gbk"), table)))
