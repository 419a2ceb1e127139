"""Traditional -> Simplified with OpenCC's tables plus the project's mainland-usage overrides.

The tables are OpenCC's own (``TSCharacters.txt``, ``TSPhrases.txt``, shipped in opencc-python-reimplemented),
applied with polars' Aho-Corasick ``replace_many`` (leftmost-longest, about a hundred times faster than the
package's converter, which the tests keep as the reference).
"""

from __future__ import annotations

from functools import cache

import polars as pl

from jianghua.errors import SchemaError
from jianghua.text.data import opencc_table, read_tsv


def t2s_characters() -> dict[str, str]:
    """OpenCC's Traditional -> Simplified character table (first candidate of each entry)."""
    return opencc_table("TSCharacters.txt")


@cache
def t2s_table() -> tuple[list[str], list[str]]:
    """Patterns and replacements, longest first, overrides before OpenCC's entries of the same length."""
    mapping: dict[str, tuple[int, str]] = {}
    for name in ("TSCharacters.txt", "TSPhrases.txt"):
        mapping.update((source, (1, target)) for source, target in opencc_table(name).items())
    for source, target in read_tsv("t2s_overrides.tsv"):
        mapping[source] = (0, target)
    # identity rows of OpenCC's tables do nothing; the project's identity rows stay: they block shorter matches
    mapping = {s: v for s, v in mapping.items() if s != v[1] or v[0] == 0}
    uneven = [s for s, (_, target) in mapping.items() if len(s) != len(target)]
    if uneven:
        raise SchemaError(f"T->S entries {uneven[:5]} change the length of the text; edits are traced per "
                          "character, so fix data/t2s_overrides.tsv to map each entry to as many characters")
    ordered = sorted(mapping, key=lambda s: (-len(s), mapping[s][0], s))
    return ordered, [mapping[s][1] for s in ordered]


def convert_t2s(texts: pl.Series) -> pl.Series:
    """Convert a whole column with leftmost-longest phrase matching (polars Aho-Corasick)."""
    patterns, replacements = t2s_table()
    return texts.str.replace_many(patterns, replacements, leftmost=True)


@cache
def traditional_only() -> str:
    """Characters the conversion always converts and never outputs, as a regex class body."""
    patterns, replacements = t2s_table()
    produced = set("".join(replacements))
    return "".join(sorted(p for p, r in zip(patterns, replacements) if len(p) == 1 and p != r and p not in produced))
