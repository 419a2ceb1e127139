"""Object storage (S3, or any Snakemake storage plugin): the input when ``input_dir`` is a storage query
(``s3://bucket/corpus``), and the published root when the results live in Snakemake's default storage
(``--default-storage-provider``), not on the filesystem.

A stored input is listed once per run by the main process (``list_stored``), through the plugin's inventory,
which every plugin implements and which for S3 is one paginated listing of the prefix; each decode job then
declares its shard's objects as inputs, which Snakemake retrieves, and reads their local copies.

For the published root: what the main process does around the jobs so that ``HISTORY`` and the
retention of old versions (``publish.keep_versions``) hold in the bucket as they do in a folder.

``HISTORY`` is the one file no rule declares (Snakemake deletes a job's outputs before it runs, and the
versions kept must survive the job that adds one), so no job can carry it to storage. The ``latest`` job is a
local rule: it runs beside the main process, in the folder where Snakemake keeps the local copies of stored
files. Before the jobs, the main process brings ``HISTORY`` from storage into that folder; the job rewrites it
there and removes the retired versions' local copies; after a successful run the main process sends it back
and removes from storage every version folder the job dropped from it.

``provider`` is Snakemake's default storage provider (``workflow.storage_registry.default_storage_provider``);
only the methods every storage plugin implements are used (``exists``, ``retrieve_object``, ``store_object``,
``remove``, ``local_path``, ``inventory``). Nothing here imports Snakemake.
"""

from __future__ import annotations

import asyncio
import posixpath
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

from jianghua.errors import InputError

PUBLISHED = "results/published"
HISTORY = f"{PUBLISHED}/HISTORY"


def stored(provider, prefix: str, path: str):
    """The storage object of ``path`` (relative to the working directory) under the default storage prefix."""
    return provider.object(f"{prefix.rstrip('/')}/{path}")


STORAGE_QUERY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")  # a URI scheme, as the storage plugins take them


def is_storage_query(input_dir: str) -> bool:
    """Whether ``input_dir`` names objects in storage (``scheme://...``) rather than a folder."""
    return STORAGE_QUERY.match(input_dir) is not None


STRANGE_NAME = re.compile(r"[{}?#]")


def fetchable(entry: str) -> bool:
    """Whether a listed object can be declared as a job's input under its own name: Snakemake reads braces as
    wildcards, and the plugins cut a query at '?' or '#' and resolve '.' and '..' parts. Those that cannot are
    never retrieved, so their decode job rejects them as unreadable (nothing is lost unsaid)."""
    return not STRANGE_NAME.search(entry) and posixpath.normpath(entry) == entry


def list_stored(root, object_of: Callable) -> list[tuple[str, int, float]]:
    """Every object below the stored folder ``root`` (the storage object of ``input_dir``), as sorted
    (relative '/'-path, size, modification time), from the inventory of an object inside it (``object_of``:
    the storage object of a query). The inventory names what it finds by local path, so an object's place below
    ``root`` is its local path's below ``root.local_path()``; a folder marker (an empty key ending in '/', which
    an S3 console writes) has lost its '/' there: an empty entry is one only if another lies below it or it
    does not exist as an object of its own."""
    cache = SimpleNamespace(exists_local={}, exists_in_storage={}, mtime={}, size={}, checksum={})
    asyncio.run(object_of(f"{root.query}/.listing").inventory(cache))
    base = PurePosixPath(root.local_path().as_posix())
    found = {}
    for key, size in cache.size.items():
        path = PurePosixPath(Path(key).as_posix())
        if path != base and path.is_relative_to(base):
            found[path.relative_to(base).as_posix()] = (size, cache.mtime[key].storage())
    folders = {str(folder) for entry in found for folder in PurePosixPath(entry).parents}
    listing = sorted((entry, size, mtime) for entry, (size, mtime) in found.items()
                     if size or (entry not in folders and object_of(f"{root.query}/{entry}").exists()))
    if not listing:
        raise InputError(f"input_dir '{root.query}' holds no objects (or its storage plugin cannot list them): "
                         "check the bucket and prefix (a prefix, not a bucket's root: s3://bucket/corpus), and "
                         "the storage settings (--storage-s3-endpoint-url, keys)")
    return listing


def retrieved(found) -> Path:
    """Bring the storage object ``found`` to its local copy (its folder made first); return the copy's path."""
    target = Path(found.local_path())
    target.parent.mkdir(parents=True, exist_ok=True)
    found.retrieve_object()
    return target


def fetched_copy(provider, prefix: str, path: str) -> Path:
    """The local copy of a stored ``path``, brought from storage when storage holds it (a job's log, which
    Snakemake removes locally once stored)."""
    found = stored(provider, prefix, path)
    return retrieved(found) if found.exists() else Path(found.local_path())


def fetch_history(provider, prefix: str) -> list[str]:
    """Bring ``HISTORY`` from storage to its local copy, where the ``latest`` job reads it, and return the
    versions it lists (none on a first run). A stale local copy of a history storage no longer holds is removed."""
    history = stored(provider, prefix, HISTORY)
    if not history.exists():
        Path(history.local_path()).unlink(missing_ok=True)
        return []
    return retrieved(history).read_text(encoding="utf-8").split()


def retired_versions(before: list[str], after: list[str]) -> list[str]:
    """The versions a run's ``latest`` job dropped from the history (``before``: as fetched; ``after``: as
    written), in the order they were published."""
    kept = set(after)
    return [version for version in before if version not in kept]


def sync_published(provider, prefix: str, before: list[str]) -> list[str]:
    """Send the ``HISTORY`` the ``latest`` job wrote to storage, and remove from storage each version folder it
    dropped from ``before`` (the history ``fetch_history`` returned); return the versions removed (none when no
    ``latest`` job ran: no local ``HISTORY``). Listing the bucket is not needed, nor supported by every plugin."""
    history = stored(provider, prefix, HISTORY)
    local = Path(history.local_path())
    if not local.exists():
        return []
    history.store_object()
    retired = retired_versions(before, local.read_text(encoding="utf-8").split())
    for version in retired:
        folder = stored(provider, prefix, f"{PUBLISHED}/{version}")
        if folder.exists():
            folder.remove()
    return retired
