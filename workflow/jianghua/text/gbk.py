"""Facts of the sites' GBK damage (shared/notes/gbk-damage.md) that repair and the simulator share."""

from __future__ import annotations

# the punctuation pass turned the GBK bytes of these marks into ASCII signs, also across character boundaries
FULLWIDTH_TO_ASCII = {"，": ",", "；": ";", "！": "!", "？": "?"}


def is_user_defined(lead: int, trail: int) -> bool:
    """True for GBK's user-defined areas, which the sites' decoder dropped silently."""
    return ((0xAA <= lead <= 0xAF or 0xF8 <= lead <= 0xFE) and 0xA1 <= trail <= 0xFE) or (
        0xA1 <= lead <= 0xA7 and 0x40 <= trail <= 0xA0)
