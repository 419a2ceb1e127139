"""The published root when the results live in Snakemake's default storage (``--default-storage-provider``,
e.g. S3), not on the filesystem: what the main process does around the jobs so that ``HISTORY`` and the
retention of old versions (``publish.keep_versions``) hold in the bucket as they do in a folder.

``HISTORY`` is the one file no rule declares (Snakemake deletes a job's outputs before it runs, and the
versions kept must survive the job that adds one), so no job can carry it to storage. The ``latest`` job is a
local rule: it runs beside the main process, in the folder where Snakemake keeps the local copies of stored
files. Before the jobs, the main process brings ``HISTORY`` from storage into that folder; the job rewrites it
there and removes the retired versions' local copies; after a successful run the main process sends it back
and removes from storage every version folder the job dropped from it.

``provider`` is Snakemake's default storage provider (``workflow.storage_registry.default_storage_provider``);
only the methods every storage plugin implements are used (``exists``, ``retrieve_object``, ``store_object``,
``remove``, ``local_path``). Nothing here imports Snakemake.
"""

from __future__ import annotations

from pathlib import Path

PUBLISHED = "results/published"
HISTORY = f"{PUBLISHED}/HISTORY"


def stored(provider, prefix: str, path: str):
    """The storage object of ``path`` (relative to the working directory) under the default storage prefix."""
    return provider.object(f"{prefix.rstrip('/')}/{path}")


def fetched_copy(provider, prefix: str, path: str) -> Path:
    """The local copy of a stored ``path``, brought from storage when storage holds it (a job's log, which
    Snakemake removes locally once stored)."""
    found = stored(provider, prefix, path)
    target = Path(found.local_path())
    if found.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        found.retrieve_object()
    return target


def fetch_history(provider, prefix: str) -> list[str]:
    """Bring ``HISTORY`` from storage to its local copy, where the ``latest`` job reads it, and return the
    versions it lists (none on a first run). A stale local copy of a history storage no longer holds is removed."""
    history = stored(provider, prefix, HISTORY)
    target = Path(history.local_path())
    if not history.exists():
        target.unlink(missing_ok=True)
        return []
    target.parent.mkdir(parents=True, exist_ok=True)
    history.retrieve_object()
    return target.read_text(encoding="utf-8").split()


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
