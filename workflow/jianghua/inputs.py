"""The input folder: its entries, and the shard each belongs to (standard library only: read at parse time)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from jianghua.errors import InputError

MAX_SHARDS = 4096


def walk(input_dir: str | os.PathLike) -> list[str]:
    """Every entry below ``input_dir`` that is not a folder, as sorted relative '/'-paths; links not followed."""
    root = Path(input_dir)
    if not root.is_dir():
        where = "" if root.is_absolute() else f" (relative to the working directory {os.getcwd()})"
        raise InputError(f"input_dir '{input_dir}'{where} is not a folder: set input_dir in config/config.yaml "
                         "or pass --config input_dir=PATH, an absolute path")
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


# Threads reading the entries that must be read: a read waits on the filesystem (open, read), not on the
# interpreter, so a million small files are read about 2.5 times faster with 8 than with one, even on 2 cores.
# Every entry's lstat is the main thread's: on threads, contending for the interpreter, a million of them took
# 26 s rather than 7.
READERS = 8
READ_BATCH = 4096  # entries per task: a task per entry would cost more than its read


def content_digest(path: str) -> str:
    """The sha256 of a file's contents (as decode's ``sources.sha256``, so that each can check the other's)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _replace(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all: a reader (a job, the next run) never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# The content index, one list per column (parsed several times faster than a list per entry): per entry its
# size and mtime when last seen, its token (what the shard digests hash) and its contents' digest where known.
INDEX_COLUMNS = ("entries", "sizes", "mtimes", "tokens", "contents")
READ_COLUMNS = ("entries", "sizes", "mtimes", "contents")  # of what a decode job read (``record_read``)


def _columns(path: Path, names: tuple[str, ...], input_dir: str) -> list[list]:
    """The columns of an index file, or empty ones where it is missing, damaged, of another shape or of another
    input folder (then nothing is known, and nothing is lost but reads)."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        if found["input_dir"] == input_dir:
            return [found[k] for k in names]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return [[] for _ in names]


def record_path(manifest: str | os.PathLike) -> Path:
    """Where the decode job of a shard records what it read (``record_read``): beside its manifest's folder."""
    manifest = Path(manifest)
    return manifest.parent.with_name("read") / manifest.name


def record_read(path: str | os.PathLike, input_dir: str, read: list[tuple[str, int, int, str]]) -> None:
    """Record what a decode job read: (entry, size, mtime in ns from its lstat before the read, sha256 of the
    bytes read) of each regular file. The next parse takes it into the content index, so that a file touched
    since reads as unchanged."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [list(column) for column in zip(*read)] if read else [[] for _ in READ_COLUMNS]
    _replace(path, json.dumps({"input_dir": os.path.abspath(input_dir), **dict(zip(READ_COLUMNS, columns))}))


def _entry_tokens(input_dir: str, entries: list[str], cache: Path) -> list[tuple[int, str]]:
    """The size and token of each entry: what its shard's digest hashes, so that a new, changed or removed
    entry reruns its shard, and a touched one nothing.

    Nothing is read to plan a file never decoded: a new file's token is its size and mtime, and a first parse
    reads no file. A file whose size or mtime changed since its decode job read it (``record_read``) is read
    again, and keeps its token if its contents are the same. The content index beside ``cache`` is rewritten
    where it changed, with the decode jobs' records taken in."""
    index_path = cache.with_name("content-index.json")
    stored = _columns(index_path, INDEX_COLUMNS, input_dir)
    seen = {entry: facts for entry, *facts in zip(*stored)}
    records = sorted(record_path(manifest_path(cache, 0)).parent.glob("*.json"))
    for record in records:  # the facts of the files the shards' outputs came from
        for entry, size, mtime, content in zip(*_columns(record, READ_COLUMNS, input_dir)):
            if entry in seen:
                seen[entry] = [size, mtime, seen[entry][2], content]
    columns: list[list] = [[] for _ in INDEX_COLUMNS]
    stale = []  # (position, path, contents' digest) of the files to read again
    for position, entry in enumerate(entries):
        path = os.path.join(input_dir, entry)
        facts = os.lstat(path)  # links are never followed
        size, mtime, token, content = seen.get(entry) or (None, None, None, None)
        if not stat.S_ISREG(facts.st_mode):  # a link or special file: its kind and size, never read
            token, content = f"{stat.S_IFMT(facts.st_mode):o}:{facts.st_size}", None
        elif (size, mtime) != (facts.st_size, facts.st_mtime_ns):
            if content is None:
                token = f"unread:{facts.st_size}:{facts.st_mtime_ns}"
            else:
                stale.append((position, path, content))
        for column, value in zip(columns, (entry, facts.st_size, facts.st_mtime_ns, token, content)):
            column.append(value)

    def batch(start: int) -> list[str]:
        return [content_digest(path) for _, path, _ in stale[start:start + READ_BATCH]]

    with ThreadPoolExecutor(READERS) as pool:  # map keeps the entries' order
        read = [digest for part in pool.map(batch, range(0, len(stale), READ_BATCH)) for digest in part]
    tokens, contents = columns[3], columns[4]
    for (k, _, before), digest in zip(stale, read):
        tokens[k] = tokens[k] if digest == before else digest
        contents[k] = digest
    if columns != stored:  # unchanged, the index is not written again (seconds at a million)
        _replace(index_path, json.dumps({"input_dir": input_dir, **dict(zip(INDEX_COLUMNS, columns))}))
    for record in records:  # taken in, once
        record.unlink(missing_ok=True)
    return list(zip(columns[1], tokens))


def shard_plan(input_dir: str | os.PathLike, setting: int | str, shard_megabytes: float,
               cache: str | os.PathLike, reuse: bool = False,
               list_objects: Callable[[], list[tuple[str, int, float]]] | None = None) -> dict:
    """The shard count, the input's bytes, and per shard the number of entries and a digest of their names and
    tokens (``_entry_tokens``: a changed file changes it, a touched one not), from one walk of ``input_dir``;
    written to ``cache`` (with the content index beside it), and each shard's entries to its manifest
    (``manifest_path``), which its decode job reads instead of walking the folder. With ``reuse`` (a cluster
    job, which parses the workflow again) the plan the main process wrote for the same settings is read
    instead: walking a million files in every job would cost minutes each.

    ``list_objects``: for an ``input_dir`` in object storage, what lists its objects (``storage.list_stored``) in
    place of the walk; an object's size and modification time stand for its contents (storage plugins offer no
    content digest, and reading every object to hash it would download the corpus at every run)."""
    key = {"input_dir": input_dir if list_objects else os.path.abspath(input_dir), "shards": setting,
           "shard_megabytes": shard_megabytes}
    cache = Path(cache)
    if reuse and cache.exists():
        plan = json.loads(cache.read_text(encoding="utf-8"))
        if plan["key"] == key:
            return plan
    cache.parent.mkdir(parents=True, exist_ok=True)
    if list_objects:
        listing = list_objects()
        entries = [entry for entry, _, _ in listing]
        contents = [(size, f"stored:{size}:{mtime!r}") for _, size, mtime in listing]
    else:
        entries = walk(input_dir)
        contents = _entry_tokens(key["input_dir"], entries, cache)
    shards = shard_count(setting, shard_megabytes, [size for size, _ in contents])
    digests = [hashlib.sha256() for _ in range(shards)]
    members: list[list[str]] = [[] for _ in range(shards)]  # each in the sorted order of the walk
    for entry, (_, content) in zip(entries, contents):
        shard = shard_of(entry, shards)
        members[shard].append(entry)
        digests[shard].update(path_bytes(entry) + b"\0" + content.encode() + b"\0")
    # the manifests before the plan: a plan on disk, which cluster jobs reuse, always has its manifests
    _write_manifests(cache, members)
    plan = {"key": key, "entries": [len(paths) for paths in members], "digests": [d.hexdigest()[:16] for d in digests],
            "bytes": sum(size for size, _ in contents)}
    _replace(cache, json.dumps(plan))
    return plan


def manifest_path(cache: str | os.PathLike, shard: int) -> Path:
    """The manifest of a shard: the file, beside the plan ``cache``, listing the relative paths of its entries."""
    return Path(cache).with_name("manifests") / f"{shard:03d}.json"


def _write_manifests(cache: Path, members: list[list[str]]) -> None:
    """One manifest per shard, each rewritten only when what it lists changed, and none for a shard that no
    longer exists. JSON with ``ensure_ascii``: a name that is not UTF-8 (surrogate-escaped by ``walk``) or
    holds a line break comes back exactly as it was listed."""
    folder = manifest_path(cache, 0).parent
    folder.mkdir(exist_ok=True)
    names = set()
    for shard, paths in enumerate(members):
        path = manifest_path(cache, shard)
        names.add(path.name)
        text = json.dumps(paths, ensure_ascii=True, indent=0) + "\n"
        try:
            same = path.read_text(encoding="utf-8") == text
        except OSError:
            same = False
        if not same:
            _replace(path, text)
    for stale in folder.iterdir():
        if stale.name not in names:
            stale.unlink()


def read_manifest(path: str | os.PathLike, entries: int) -> list[str]:
    """The relative paths a shard's manifest lists, as ``walk`` gave them, in its order; ``entries``: how many
    the shard plan counted in the shard (a manifest listing another number belongs to another plan)."""
    fix = ("rerun snakemake from the main process, which writes the manifests with the shard plan, in "
           ".snakemake/jianghua/ of the working directory (a cluster job must see that folder)")
    try:
        listed = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"the shard manifest '{path}' is missing: {fix}") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"the shard manifest '{path}' cannot be read ({exc}): {fix}") from None
    paths = isinstance(listed, list) and all(isinstance(entry, str) for entry in listed)
    if not paths or len(listed) != entries:
        count = f"lists {len(listed)} entries" if paths else "is not a list of paths"
        raise InputError(f"the shard manifest '{path}' {count} where the shard plan counted {entries}: "
                         f"it is stale or damaged; {fix}")
    return listed
