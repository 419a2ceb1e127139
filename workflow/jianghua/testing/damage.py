"""Simulate the sites' byte-level damage (shared/notes/gbk-damage.md) on clean Traditional text.

The sites (1) inserted ``(pinyin)`` after every GBK byte pair that spells an annotated character, also
where the pair straddles two characters; (2) replaced the GBK bytes of ，；！？ by ASCII signs, again also
across character boundaries; (3) decoded the result lossily, one byte out of step after a split.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jianghua.text.gbk import FULLWIDTH_TO_ASCII, is_user_defined


@cache
def annotation_table() -> dict[str, str]:
    """The seeds' sites' annotated characters, each with its one reading (``annotations.tsv`` beside this module)."""
    text = (Path(__file__).parent / "annotations.tsv").read_text(encoding="utf-8")
    return dict(line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))


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
