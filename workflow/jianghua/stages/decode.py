"""Decode stage: raw files of one shard -> ``sources``, ``decoded`` (the text as decoded), ``rejects``.

Detection order: BOM; strict UTF-8 (unless its reading holds no Han but letters of other scripts, a sign
of GBK bytes that happen to be valid UTF-8); then every strict decoding among GB18030, Big5 and UTF-16
(LE/BE, even-length files only) is scored by the character model's log-probability, and the best wins
(never the first success: Big5 bytes usually decode as GB18030 mojibake). A file no single encoding decodes is
decoded line by line (``mixed``) when every line decodes, else rejected. The sites' GBK damage is kept as it
is: normalize repairs it (it needs the corpus's annotations, which the survey counts), recording every repair
as an edit of this text.

Clear cases are settled on each file's opening (its first ``OPENING_BYTES``) by a cheap unigram score: the best
reading must read as text (``QUICK_PLAUSIBLE``) and lead the next by ``QUICK_MARGIN``, and UTF-16 competes only
where its code units have the shape of Chinese text; the winner alone then decodes the rest of the file. Anything
less clear (binary, mixed, close scores) takes the full path: every strict decoding of the whole file scored by
the bigram model.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from jianghua import tables
from jianghua.errors import ConfigError
from jianghua.inputs import path_bytes, read_manifest, record_path, record_read, shown_path, walk
from jianghua.text.charmodel import plausibility, unigram_plausibility
from jianghua.text.chars import HAN_RANGES, is_han, is_latin

SCORED_ENCODINGS = ("gb18030", "big5", "utf-16-le", "utf-16-be")
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
MIN_PLAUSIBILITY = -12.0  # mean log-probability below which a strict decoding is mojibake or binary
# Unigram scores: right readings of speeches score about -6.5, mojibake -15 and below.
QUICK_PLAUSIBLE = -9.0
QUICK_MARGIN = 3.0
OPENING_BYTES = 1024  # the bytes whose readings are scored: several hundred characters in any encoding
# Code units of Chinese text: ASCII text characters, general punctuation, CJK punctuation, ideographs, full-width
# forms. Chinese text in UTF-16 is nearly all of these; the wrong byte order, or GBK bytes read as UTF-16, is not.
UTF16_TEXT_UNITS = np.zeros(0x10000, bool)
for _low, _high in ((0x20, 0x7E), (0x2000, 0x206F), (0x3000, 0x303F), *HAN_RANGES, (0xFF00, 0xFFEF)):
    UTF16_TEXT_UNITS[_low:_high + 1] = True
UTF16_TEXT_UNITS[[0x09, 0x0A, 0x0D]] = True


class Reject(Exception):
    """A file that cannot become a source: carries the reason code and a detail for ``rejects``."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Decoding:
    """The chosen decoding of one file; ``replaced``: byte sequences it replaced by U+FFFD."""

    encoding: str
    text: str
    evidence: str
    replaced: int = 0


def source_id(data: bytes) -> str:
    """Content-derived id: renaming a file keeps its id."""
    return content_ids(data)[1]


def content_ids(data: bytes) -> tuple[str, str]:
    """(sha256, source_id) of a file's bytes: the id is the digest's first 16 hex digits."""
    digest = hashlib.sha256(data).hexdigest()
    return digest, digest[:16]


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _scored(data: bytes) -> list[tuple[float, str, str]]:
    """(plausibility, encoding, text) of every strict decoding among the scored encodings, best first."""
    found = []
    for encoding in SCORED_ENCODINGS:
        if encoding.startswith("utf-16") and len(data) % 2:
            continue
        text = _strict(data, encoding)
        if text is not None:
            found.append((plausibility(text), encoding, text))
    return sorted(found, key=lambda item: (-item[0], SCORED_ENCODINGS.index(item[1])))


def _utf16_shaped(data: bytes, encoding: str) -> bool:
    """True when at least half the opening's code units (in ``encoding``'s byte order) are those of Chinese text."""
    units = np.frombuffer(data[:OPENING_BYTES], "<u2" if encoding == "utf-16-le" else ">u2")
    return bool(np.count_nonzero(UTF16_TEXT_UNITS[units]) * 2 >= units.size)


def _openings(data: bytes) -> list[tuple[str, str, codecs.IncrementalDecoder]]:
    """(encoding, strict decoding of the opening, the decoder that goes on) for each scored encoding that decodes it.

    A character cut by the end of the opening is kept in its decoder; UTF-16 competes only where it has the
    shape of text.
    """
    found = []
    for encoding in SCORED_ENCODINGS:
        if encoding.startswith("utf-16") and (len(data) % 2 or not _utf16_shaped(data, encoding)):
            continue
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            text = decoder.decode(data[:OPENING_BYTES], final=len(data) <= OPENING_BYTES)
        except UnicodeDecodeError:
            continue
        found.append((encoding, text, decoder))
    return found


def _quick(data: bytes, utf8_error: str) -> Decoding | None:
    """The decoding when the unigram scores of the openings leave no doubt, else None (score in full)."""
    openings = _openings(data)
    scores = [unigram_plausibility(text) for _, text, _ in openings]
    ranked = sorted(range(len(openings)), key=lambda i: -scores[i])
    if not ranked or scores[ranked[0]] < QUICK_PLAUSIBLE or (
            len(ranked) > 1 and scores[ranked[0]] - scores[ranked[1]] < QUICK_MARGIN):
        return None
    encoding, text, decoder = openings[ranked[0]]
    if len(data) > OPENING_BYTES:
        try:
            text += decoder.decode(data[OPENING_BYTES:], final=True)
        except UnicodeDecodeError:
            return None
    if "\x00" in text:
        return None
    evidence = "; ".join(f"{openings[i][0]} {scores[i]:.3f}" for i in ranked)
    return Decoding(encoding, text, f"{utf8_error}; unigram-scored {evidence}; chose {encoding}")


def _truncated_utf8(data: bytes) -> Decoding | None:
    """UTF-8 cut inside its last character (a truncated download): the lost bytes become one U+FFFD."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and len(data) - error.start <= 3:
            head = _strict(data[:error.start], "utf-8")
            if head is not None and "\x00" not in head:
                return Decoding("utf-8", head + "\ufffd", f"utf-8 truncated inside its last character: "
                                f"{len(data) - error.start} bytes at offset {error.start} replaced by U+FFFD", 1)
    return None


def _decode_lines(data: bytes) -> Decoding | None:
    lines, counts = [], {}
    for raw in data.splitlines(keepends=True):
        text = _strict(raw, "utf-8")
        encoding = "utf-8"
        if text is None:
            # a line that reads only as mojibake is no line of another encoding but stray bytes
            best = [s for s in _scored(raw) if not s[1].startswith("utf-16") and s[0] >= MIN_PLAUSIBILITY]
            if not best:
                return None
            _, encoding, text = best[0]
        counts[encoding] = counts.get(encoding, 0) + 1
        lines.append(text)
    if len(counts) < 2:
        return None
    detail = ", ".join(f"{k}: {v} lines" for k, v in sorted(counts.items()))
    return Decoding("mixed", "".join(lines), f"per-line decoding ({detail})")


# A text file with a few stray bytes (a flipped bit, a NUL, a cut last character) is decoded with them
# replaced by U+FFFD, rather than lost: at most this many, or this share of its bytes.
MAX_REPLACED = 4
MAX_REPLACED_SHARE = 0.002
LOSSY_ENCODINGS = ("utf-8", "gb18030", "big5", "utf-16-le", "utf-16-be")


def _lossy(data: bytes, encodings: tuple[str, ...] = LOSSY_ENCODINGS) -> Decoding | None:
    """The most plausible reading of ``data`` that replaces a few bad byte sequences (NULs among them) by
    U+FFFD, or None when every reading needs more, or reads as no text (a binary file)."""
    allowed = max(MAX_REPLACED, MAX_REPLACED_SHARE * len(data))
    found = []
    for encoding in encodings:
        cut = len(data) % 2 if encoding.startswith("utf-16") else 0  # a lone last byte of UTF-16
        text = data[:len(data) - cut].decode(encoding, errors="replace").replace("\x00", "\ufffd") + "\ufffd" * cut
        replaced = text.count("\ufffd")
        if 0 < replaced <= allowed and (score := plausibility(text)) >= MIN_PLAUSIBILITY:
            found.append((score, encoding, text, replaced))
    if not found:
        return None
    score, encoding, text, replaced = max(found, key=lambda item: (item[0], -encodings.index(item[1])))
    at = [i for i, c in enumerate(text) if c == "\ufffd"][:MAX_REPLACED]
    return Decoding(encoding, text,
                    f"{encoding} with {replaced} bad byte sequences (NUL or invalid) replaced by U+FFFD at characters "
                    f"{', '.join(map(str, at))}{' ...' if replaced > len(at) else ''}; scored {score:.3f}", replaced)


def detect(data: bytes) -> Decoding:
    """Choose the decoding of ``data`` and say why; raise Reject for empty, binary or undecodable bytes."""
    if not data:
        raise Reject("empty", "the file has no bytes")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            name = encoding if encoding != "utf-16" else ("utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be")
            text = _strict(data[len(bom):], name)
            if text is not None and "\x00" not in text:
                return Decoding(name, text, f"BOM {bom.hex()}")
            lossy = _lossy(data[len(bom):], (name,))
            if lossy is None:
                raise Reject("undecodable", f"starts with a {encoding} BOM but is not {encoding} text")
            return Decoding(lossy.encoding, lossy.text, f"BOM {bom.hex()}; {lossy.evidence}", lossy.replaced)
    text = _strict(data, "utf-8")
    if text is not None and "\x00" not in text:
        # GBK or Big5 bytes can happen to be valid UTF-8, read as two-byte letters of other scripts
        # (D2 BB: 一 in GBK, Cyrillic һ in UTF-8): such a reading without Han lets the others compete
        if any(map(is_han, text)) or all(c.isascii() or is_latin(c) for c in text):
            return Decoding("utf-8", text, "strict utf-8")
        utf8 = plausibility(text)
        best = max(_scored(data), key=lambda item: item[0], default=None)
        if best is None or best[0] <= utf8:
            return Decoding("utf-8", text, f"strict utf-8, scored {utf8:.3f} against other readings")
        score, encoding, other = best
        return Decoding(encoding, other, f"valid utf-8 but not CJK (scored {utf8:.3f}); {encoding} {score:.3f}")
    truncated = _truncated_utf8(data)
    if truncated is not None:
        return truncated
    utf8_error = "utf-8 has NUL bytes" if text is not None else "utf-8 invalid"
    quick = _quick(data, utf8_error)
    if quick is not None:
        return quick
    scored = _scored(data)
    evidence = "; ".join(f"{enc} {score:.3f}" for score, enc, _ in scored)
    if scored and scored[0][0] >= MIN_PLAUSIBILITY and "\x00" not in scored[0][2]:
        score, encoding, text = scored[0]
        return Decoding(encoding, text, f"{utf8_error}; scored {evidence}; chose {encoding}")
    mixed = _decode_lines(data) if b"\x00" not in data else None
    if mixed is not None:
        return mixed
    lossy = _lossy(data)
    if lossy is not None:
        return Decoding(lossy.encoding, lossy.text, f"{utf8_error}; strict readings {evidence or 'none'}; "
                        f"{lossy.evidence}", lossy.replaced)
    if b"\x00" in data:
        raise Reject("binary", f"NUL bytes and no plausible text decoding ({evidence or 'none strict'})")
    if scored:
        raise Reject("binary", f"decodes only as implausible text ({evidence}); not a text file")
    raise Reject("undecodable", "no candidate encoding (utf-8, gb18030, big5, utf-16) decodes every line; "
                 "convert the file to UTF-8 or remove it")


def read_entry(input_dir: Path, relative: str, max_bytes: int) -> tuple[bytes, os.stat_result]:
    """The bytes of one entry and its lstat before the read, or Reject for links leaving the folder, non-files,
    oversized or unreadable."""
    path = os.path.join(input_dir, relative)
    try:
        info = facts = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = Path(os.path.realpath(path))
            if not target.is_relative_to(Path(os.path.realpath(input_dir))):
                raise Reject("outside-link", f"symbolic link to {target}, outside input_dir: never followed")
            info = os.stat(path)
    except OSError as exc:
        raise Reject("unreadable", f"cannot stat: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise Reject("not-a-file", "not a regular file (a folder link, device or pipe)")
    if info.st_size > max_bytes:
        raise Reject("oversized", f"{info.st_size} bytes > decode.max_file_bytes = {max_bytes}; raise the "
                     "limit in config/config.yaml to process it")
    try:
        with open(path, "rb") as handle:
            return handle.read(), facts
    except OSError as exc:
        raise Reject("unreadable", f"cannot read: {exc.strerror}") from exc


def decode_shard(input_dir: str | os.PathLike, paths: list[str], max_bytes: int,
                 read: list[tuple[str, int, int, str]] | None = None) -> dict[str, pl.DataFrame]:
    """Decode the files ``paths`` (relative to ``input_dir``); return ``sources``, ``decoded`` and ``rejects``.
    ``read``, where given, gets (entry, size, mtime in ns, sha256) of each regular file read
    (``inputs.record_read``)."""
    root = Path(input_dir)
    sources, decoded, rejects = [], {}, []
    for relative in paths:
        data = digest = None
        try:
            data, facts = read_entry(root, relative, max_bytes)
            digest, sid = content_ids(data)
            if read is not None and stat.S_ISREG(facts.st_mode):
                read.append((relative, facts.st_size, facts.st_mtime_ns, digest))
            decoding = detect(data)
        except Reject as reject:
            rejects.append({"path": shown_path(relative), "path_bytes": path_bytes(relative), "sha256": digest,
                            "bytes": len(data) if data is not None else None,
                            "reason": reject.reason, "detail": reject.detail})
            continue
        status = "duplicate" if sid in decoded else "ok"
        decoded.setdefault(sid, decoding.text)
        sources.append({"source_id": sid, "path": shown_path(relative), "path_bytes": path_bytes(relative),
                        "sha256": digest, "bytes": len(data), "encoding": decoding.encoding,
                        "evidence": decoding.evidence, "replaced": decoding.replaced, "status": status})
    return {
        "sources": pl.DataFrame(sources, schema=tables.polars_schema("sources")),
        "decoded": pl.DataFrame({"source_id": list(decoded), "text": list(decoded.values())},
                                schema=tables.polars_schema("decoded")),
        "rejects": pl.DataFrame(rejects, schema=tables.polars_schema("rejects")),
    }


def run(frames: dict[str, pl.DataFrame], settings) -> dict[str, pl.DataFrame]:
    """Decode the entries of ``input_dir`` that hash to the job's shard, as its manifest lists them (read below
    ``--input-root`` where given: the local copies of a stored input_dir)."""
    root = settings.input_root or settings["input_dir"]
    # what the job read, for the next shard plan (not of local copies of stored objects, which it never reads)
    read = [] if settings.manifest is not None and root == settings["input_dir"] else None
    frames = decode_shard(root, _shard_paths(settings), settings["decode.max_file_bytes"], read)
    if read is not None:
        record_read(record_path(settings.manifest), settings["input_dir"], read)
    return frames


def _shard_paths(settings) -> list[str]:
    """The job's entries: those of its manifest (written with the shard plan, so that no job walks the whole
    folder again), or in process (``runner.process``: one shard, no manifest) every entry of ``input_dir``."""
    if settings.manifest is not None and settings.manifest_entries is not None:
        return read_manifest(settings.manifest, settings.manifest_entries)
    if settings.manifest is None and settings.manifest_entries is None and settings["shards"] == 1:
        return walk(settings["input_dir"])
    raise ConfigError("a decode job takes --manifest PATH and --manifest-entries N together (rules/decode.smk "
                      "passes both); only in process, with one shard, does it walk input_dir instead")
