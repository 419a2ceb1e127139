"""Offsets across the normalize stage's edits: from normalized text back to the decoded text, and back again.

Every table's spans are in its document's normalized text; ``edits`` tie that text to the decoded source.
"""

from __future__ import annotations

import numpy as np
import polars as pl


class SourceOffsets:
    """Offsets in the normalized texts of ``sources`` mapped to their decoded texts through the ``edits`` rows,
    the edits indexed once for every span a stage maps (starts and ends of sentences, dates, masks)."""

    def __init__(self, edits: pl.DataFrame, sources: list[str]):
        number = edits["source_id"].replace_strict(sources, range(len(sources)), default=-1,
                                                   return_dtype=pl.Int64).to_numpy()
        key = (number << 40) | edits["out_start"].to_numpy()
        columns = [edits[c].to_numpy() for c in ("start", "end", "out_end")]
        if key.size and not (key[1:] >= key[:-1]).all():  # the edits come sorted: no reordering then
            # stable: edits at equal offsets keep their table order
            order = np.argsort(key, kind="stable")
            key, number, columns = key[order], number[order], [column[order] for column in columns]
        self.key, self.number = key, number
        self.start, self.stop, self.out_end = columns

    def map(self, source_no: np.ndarray, positions: np.ndarray, end: bool) -> np.ndarray:
        """The offsets in the decoded text of ``positions[i]`` in the normalized text of source
        ``source_no[i]``, as the start of a span, or with ``end`` as its end.

        An offset inside or at the start of an edit's output maps to the start of its input (the end of its
        input, for an end); past it, the offset moves by the edit's change in length.
        """
        if not self.key.size:
            return positions
        # the last edit of the same source that starts before the position (for a start: at or before it)
        at = np.searchsorted(self.key, (source_no << 40) | positions, side="left" if end else "right") - 1
        found = (at >= 0) & (self.number[at] == source_no)
        inside = positions <= self.out_end[at] if end else positions < self.out_end[at]
        mapped = np.where(inside, self.stop[at] if end else self.start[at], self.stop[at] + positions - self.out_end[at])
        return np.where(found, mapped, positions)


def rebuild_decoded(normalized_text: str, edits: pl.DataFrame) -> str:
    """Invert the edits: the decoded text from the normalized text and its ``edits`` rows."""
    pieces, cursor = [], 0
    for row in edits.sort("out_start", "start").iter_rows(named=True):  # (a removal and an edit after it can share out_start)
        pieces += [normalized_text[cursor:row["out_start"]], row["before"]]
        cursor = row["out_end"]
    pieces.append(normalized_text[cursor:])
    return "".join(pieces)
