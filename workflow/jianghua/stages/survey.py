"""Survey stage: facts of the whole corpus that every shard's normalization needs, so that no output depends
on the number of shards.

- ``annotations``: the characters the corpus's sites annotate with inline pinyin, with which reading, how
  often and in how many files (repair takes its candidates from it);
- ``boilerplate_lines``: lines repeated in many files of the corpus (site furniture), which normalize removes.

A map-reduce over the shards: each shard is counted on its own (per source, so a file found in two shards
counts once), then the counts add up. Lines are counted by a 128-bit key of their text (and of their file's
content line), never held as text across shards: a second pass fetches the text of the lines mined, so that
the job's memory follows the number of lines, not the corpus's characters (a gigabyte held 2.8 GB).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import polars as pl

from jianghua import tables
from jianghua.text.markup import html_texts, plain_text
from jianghua.text.outline import OUTLINE_START
from jianghua.text.pinyin import CANDIDATE, is_reading
from jianghua.text.t2s import convert_t2s

MIN_LINE_CHARS = 4  # shorter lines recur by chance (a name, 附件, 谢谢)
SENTENCE_END = "。！？；：!?;:"
PROSE = "[。！？!?]"  # a line holding one of these reads as prose


def annotation_pairs(decoded: pl.DataFrame) -> pl.DataFrame:
    """(source_id, char, reading, count) of the annotations in a shard's decoded texts."""
    found = (decoded.select("source_id", match=pl.col("text").str.extract_all(CANDIDATE.pattern))
             .explode("match").drop_nulls("match")
             .with_columns(char=pl.col("match").str.slice(0, 1),
                           reading=pl.col("match").str.extract(CANDIDATE.pattern, 3).str.to_lowercase()))
    pairs = found.select("char", "reading").unique()
    valid = pairs.filter(pl.Series([is_reading(c, r) for c, r in pairs.iter_rows()], dtype=pl.Boolean))
    return (found.join(valid, on=["char", "reading"]).group_by("source_id", "char", "reading")
            .agg(count=pl.len()))


def as_text(decoded: pl.DataFrame) -> pl.Series:
    """The texts of a shard's ``decoded`` rows with HTML pages read as text (as normalize reads them first)."""
    texts = decoded["text"]
    pages = np.flatnonzero(html_texts(texts))
    if not pages.size:
        return texts
    read = texts.to_list()
    for k in pages.tolist():
        read[k] = plain_text(read[k])
    return pl.Series("text", read, dtype=pl.String)


def line_files(decoded: pl.DataFrame) -> pl.DataFrame:
    """(line, source_id, content): the distinct lines of each text (HTML pages read as text), stripped, of at
    least ``MIN_LINE_CHARS``, with the text's longest prose line (or longest line), which stands for its content:
    copies of one article share it, a site's pages do not."""
    found = _lines(decoded)
    line = pl.col("line")
    content = (found.group_by("source_id")
               .agg(content=line.sort_by(line.str.contains(PROSE), line.str.len_chars(), line).last()))
    return found.filter(_long_enough()).unique().join(content, on="source_id", how="left")


def _lines(decoded: pl.DataFrame) -> pl.DataFrame:
    """(source_id, line): every line of each text (HTML pages read as text), stripped."""
    return (decoded.select("source_id", line=as_text(decoded).str.split("\n")).explode("line")
            .with_columns(pl.col("line").str.strip_chars()))


def _long_enough() -> pl.Expr:
    return pl.col("line").str.len_chars() >= MIN_LINE_CHARS


def _key(column: str) -> pl.Expr:
    """A 128-bit key of a text column (two seeded 64-bit hashes, fixed for a polars version). Two lines that
    shared one would be counted as one: among 10^8 distinct lines that happens with a chance of about 1e-23."""
    return pl.struct(a=pl.col(column).hash(seed=1), b=pl.col(column).hash(seed=2)).alias(f"{column}_key")


def line_keys(pairs: pl.DataFrame) -> pl.DataFrame:
    """``line_files`` rows as (line_key, content_key)."""
    return pairs.select(_key("line"), _key("content"))


def count_lines(keys: pl.DataFrame, n_files: int, min_files: int, min_share: float) -> pl.DataFrame:
    """(line_key, files) of the lines found in at least ``min_files`` files of different content and
    ``min_share`` of the corpus's files (``keys``: ``line_keys`` of every shard).

    Files count once per content (their longest line): copies of one article on several sites share all their
    lines, which are the article's, not a site's."""
    threshold = max(min_files, min_share * n_files)
    return (keys.group_by("line_key").agg(files=pl.len(), contents=pl.col("content_key").n_unique())
            .filter(pl.col("contents") >= threshold).drop("contents"))


def line_texts(shards: Iterable[dict[str, pl.DataFrame]], counted: pl.DataFrame) -> pl.DataFrame:
    """(line, files) of the lines ``counted``: the second pass over the shards, ended once every line's text
    is found (a line counted is in several files, most often in the first shards)."""
    texts, missing = [pl.DataFrame(schema={"line": pl.String, "files": pl.UInt32})], counted
    for frames in shards:
        if missing.is_empty():
            break
        found = (_lines(frames["decoded"]).filter(_long_enough()).select("line").unique().with_columns(_key("line"))
                 .join(missing, on="line_key"))
        texts.append(found.drop("line_key"))
        missing = missing.join(found.select("line_key"), on="line_key", how="anti")
    return pl.concat(texts)


def mine_lines(counted: pl.DataFrame, protected: Sequence[str]) -> pl.DataFrame:
    """The ``boilerplate_lines`` of the lines counted often enough (line, files). Headings (lines opening with
    an outline marker) and lines ending like a sentence are never mined, nor ``protected`` lines (compared in
    Simplified): speeches share formulas and headings that are content."""
    simplified = convert_t2s(counted["line"])
    keep = [line not in protected and not OUTLINE_START.match(line) and line[-1] not in SENTENCE_END
            for line in simplified.to_list()]
    return counted.filter(pl.Series(keep, dtype=pl.Boolean)).sort("line")


def survey(shards: Iterable[dict[str, pl.DataFrame]], min_files: int, min_share: float,
           protected: Sequence[str]) -> dict[str, pl.DataFrame]:
    """The corpus tables from every shard's ``decoded`` texts (``shards`` is iterated twice where lines recur)."""
    if iter(shards) is shards:
        raise TypeError("survey reads the shards twice: pass a list of them (or the runner's shards), not an iterator")
    annotation_parts, key_parts, n_files = [], [], 0
    for frames in shards:
        decoded = frames["decoded"]
        n_files += decoded.height
        annotation_parts.append(annotation_pairs(decoded))
        key_parts.append(line_keys(line_files(decoded)))
    if not annotation_parts:  # no shard at all
        return {table: tables.empty(table) for table in ("annotations", "boilerplate_lines")}
    annotations = (pl.concat(annotation_parts).group_by("char", "reading")
                   .agg(count=pl.col("count").sum(), files=pl.col("source_id").n_unique()).sort("char", "reading"))
    counted = count_lines(pl.concat(key_parts), n_files, min_files, min_share)
    del key_parts
    lines = mine_lines(line_texts(shards, counted), protected)
    return {"annotations": annotations.cast(dict(tables.polars_schema("annotations"))),
            "boilerplate_lines": lines.cast(dict(tables.polars_schema("boilerplate_lines")))}


def run(shards: Iterable[dict[str, pl.DataFrame]], settings) -> dict[str, pl.DataFrame]:
    """Survey every shard's ``decoded`` texts."""
    return survey(shards, settings["boilerplate.min_files"], settings["boilerplate.min_share"],
                  settings["boilerplate.protected_lines"])
