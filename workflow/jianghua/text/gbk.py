"""Facts of the sites' GBK damage (shared/notes/gbk-damage.md) that repair and the simulator share."""

from __future__ import annotations

from functools import cache

# the punctuation pass turned the GBK bytes of these marks into ASCII signs, also across character boundaries
FULLWIDTH_TO_ASCII = {"，": ",", "；": ";", "！": "!", "？": "?", "：": ":"}


def is_user_defined(lead: int, trail: int) -> bool:
    """True for GBK's user-defined areas."""
    return ((0xAA <= lead <= 0xAF or 0xF8 <= lead <= 0xFE) and 0xA1 <= trail <= 0xFE) or (
        0xA1 <= lead <= 0xA7 and 0x40 <= trail <= 0xA0)


def is_trail(byte: int) -> bool:
    """True for a byte that GBK allows after a lead byte."""
    return 0x40 <= byte <= 0xFE and byte != 0x7F


@cache
def vanishes(lead: int, trail: int) -> bool:
    """True for a pair that the sites' decoder dropped without a trace: a lead byte and a trail byte that GBK
    maps to no character (its user-defined areas, and unassigned codes such as FE 8C)."""
    if not (0x81 <= lead <= 0xFE and is_trail(trail)):
        return False
    if is_user_defined(lead, trail):
        return True
    try:
        return len(bytes((lead, trail)).decode("gbk")) != 1
    except UnicodeDecodeError:
        return True
