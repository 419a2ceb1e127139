"""The input folder: its entries, and the shard each belongs to (standard library only: read at parse time)."""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

from jianghua.errors import InputError

MAX_SHARDS = 4096


def walk(input_dir: str | os.PathLike) -> list[str]:
    """Every entry below ``input_dir`` that is not a folder, as sorted relative '/'-paths; links not followed."""
    root = Path(input_dir)
    if not root.is_dir():
        raise InputError(f"input_dir '{input_dir}' is not a folder: set input_dir in config/config.yaml "
                         "or pass --config input_dir=PATH")
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        rel = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"  # joined as strings: a Path per file costs 0.3 s per 100,000
        # a link to a folder is listed as a file-like entry, so that it is rejected rather than followed
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        dirs[:] = [d for d in dirs if d not in links]
        found += [prefix + name for name in files + links]
    return sorted(found)


def path_bytes(relative_path: str) -> bytes:
    """The exact bytes of an entry's name (names that are not UTF-8 come from ``os.walk`` surrogate-escaped)."""
    return relative_path.encode("utf-8", "surrogateescape")


def shown_path(relative_path: str) -> str:
    """An entry's name as text, losslessly: bytes that are not UTF-8 as ``\\xNN``, a backslash as ``\\\\``."""
    return path_bytes(relative_path).replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def shard_of(relative_path: str, shards: int) -> int:
    """The shard of a file, from its relative path (stable across runs and machines)."""
    digest = hashlib.blake2b(path_bytes(relative_path), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def shard_count(setting: int | str, shard_megabytes: float, sizes: list[int]) -> int:
    """The number of shards: ``setting`` itself, or for "auto" one per ``shard_megabytes`` of input (``sizes``)."""
    if setting != "auto":
        return int(setting)
    return min(MAX_SHARDS, max(1, math.ceil(sum(sizes) / (shard_megabytes * 1e6))))


def shard_files(input_dir: str | os.PathLike, shard: int, shards: int) -> list[str]:
    """Relative paths of the entries of one shard."""
    return [p for p in walk(input_dir) if shard_of(p, shards) == shard]
