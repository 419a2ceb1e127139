"""Simulate the sites' byte-level damage (shared/notes/gbk-damage.md) on clean Traditional text.

The sites (1) inserted ``(pinyin)`` after every GBK byte pair that spells an annotated character, also
where the pair straddles two characters; (2) replaced the GBK bytes of ，；！？： by ASCII signs, again also
across character boundaries; (3) decoded the result lossily, one byte out of step after a split. The lossy
step has the byte mechanics of Python's own codec (``bytes.decode("gbk", errors="replace")``: which pairs
decode, and a lead byte before a byte that cannot follow it gives ``?`` and decoding goes on at that byte)
but for two facts of the real pages' bytes: the inserted ``(`` after a lead byte is swallowed with it, and a
lead and trail byte that GBK maps to no character vanish whole (user-defined pairs in seed 003, FE 8C on a
real page), where Python's codec gives ``?`` and goes on at the trail byte. ``sites_decode`` is the same step
written as an error handler of Python's codec, to check the simulator by.
"""

from __future__ import annotations

import codecs
from functools import cache
from pathlib import Path

from jianghua.text.gbk import FULLWIDTH_TO_ASCII, is_trail, vanishes


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
    """Decode GBK the way the sites did: ``?`` for a lead byte before a byte that cannot follow it (decoding goes
    on at that byte), ``(`` swallowed with the lead byte before it, pairs that map to nothing dropped whole."""
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        lead = data[i]
        if lead < 0x80:
            out.append(chr(lead))
            i += 1
        elif lead in (0x80, 0xFF) or i + 1 >= n:
            out.append("?")
            i += 1
        elif data[i + 1] == 0x28:  # the inserted "(" is swallowed with the byte before it
            out.append("?")
            i += 2
        elif not is_trail(data[i + 1]):
            out.append("?")
            i += 1
        elif vanishes(lead, data[i + 1]):
            i += 2
        else:
            out.append(data[i:i + 2].decode("gbk"))
            i += 2
    return "".join(out)


def _sites_errors(error: UnicodeDecodeError) -> tuple[str, int]:
    """The sites' two departures from ``errors="replace"``, as an error handler of Python's codec."""
    data, at = error.object, error.start
    following = data[at + 1] if at + 1 < len(data) and 0x81 <= data[at] <= 0xFE else -1  # after a lead byte
    if following == 0x28:
        return "?", at + 2
    if 0x40 <= following <= 0xFE and following != 0x7F:
        return "", at + 2
    return "?", at + 1


codecs.register_error("jianghua-sites", _sites_errors)


def sites_decode(data: bytes) -> str:
    """``lossy_decode`` by Python's own GBK codec and an error handler: the independent check of the simulator."""
    return data.decode("gbk", errors="jianghua-sites")


def intended(text: str, table: dict[str, str] | None = None) -> str:
    """What the sites meant to publish: aligned annotations only, ASCII signs for ，；！？."""
    table = annotation_table() if table is None else table
    return "".join(FULLWIDTH_TO_ASCII.get(c, c) + (f"({table[c]})" if c in table else "") for c in text)


def simulate(text: str, table: dict[str, str] | None = None) -> str:
    """Damage clean Traditional ``text`` (GBK-encodable) exactly as the sites did."""
    table = annotation_table() if table is None else table
    return lossy_decode(punctuation_pass(annotate_bytes(text.encode("gbk"), table)))
