"""jianghua.storage against an in-memory storage provider with the methods every Snakemake storage plugin has."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jianghua.errors import InputError
from jianghua.inputs import manifest_path, read_manifest, shard_plan
from jianghua.storage import (HISTORY, fetch_history, fetchable, is_storage_query, list_stored, retired_versions,
                              sync_published)


class MemoryStorage:
    """A bucket as a dict of key -> bytes; local copies under ``local``, as Snakemake keeps them."""

    def __init__(self, local: Path):
        self.objects: dict[str, bytes] = {}
        self.local = local

    def object(self, query: str):
        return MemoryObject(self, query)


class StoredTime:
    """A modification time as the inventory records it (Snakemake's ``Mtime``)."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def storage(self) -> float:
        return self.seconds


class MemoryObject:
    def __init__(self, storage: MemoryStorage, query: str):
        self.storage, self.query, self.key = storage, query, query.removeprefix("mem://").rstrip("/")

    async def inventory(self, cache) -> None:
        """As S3's: every key that begins with the object's folder, by local path (a marker loses its '/')."""
        folder = os.path.dirname(self.key)
        for key, data in self.storage.objects.items():
            if key.startswith(folder):
                local = str(self.storage.local / key.rstrip("/"))
                cache.size[local], cache.mtime[local] = len(data), StoredTime(1.5e9 + len(key))

    def local_path(self) -> Path:
        return self.storage.local / self.key

    def exists(self) -> bool:
        """As S3's: the key, or a folder of keys (an empty folder's marker alone is not one)."""
        return self.key in self.storage.objects or any(k.startswith(self.key + "/") and k != self.key + "/"
                                                       for k in self.storage.objects)

    def retrieve_object(self) -> None:
        self.local_path().write_bytes(self.storage.objects[self.key])

    def store_object(self) -> None:
        self.storage.objects[self.key] = self.local_path().read_bytes()

    def remove(self) -> None:
        for key in [k for k in self.storage.objects if k == self.key or k.startswith(self.key + "/")]:
            del self.storage.objects[key]


def test_retired_versions_are_those_dropped_in_publishing_order():
    assert retired_versions(["a", "b", "c"], ["c", "d"]) == ["a", "b"]
    assert retired_versions([], ["a"]) == []


def test_history_goes_to_storage_and_dropped_versions_leave_it(tmp_path):
    storage = MemoryStorage(tmp_path)
    old, kept, new = "0" * 16, "1" * 16, "2" * 16
    for version in (old, kept):
        storage.objects[f"b/run/results/published/{version}/manifest.json"] = b"{}"
    storage.objects[f"b/run/{HISTORY}"] = f"{old}\n{kept}\n".encode()
    before = fetch_history(storage, "mem://b/run/")
    assert before == [old, kept]
    local = tmp_path / "b/run" / HISTORY
    assert local.read_text() == f"{old}\n{kept}\n"
    # what the latest job does with keep_versions 2: the new version in, the oldest out
    local.write_text(f"{kept}\n{new}\n")
    storage.objects[f"b/run/results/published/{new}/manifest.json"] = b"{}"
    assert sync_published(storage, "mem://b/run", before) == [old]
    assert storage.objects[f"b/run/{HISTORY}"] == f"{kept}\n{new}\n".encode()
    assert sorted(k.split("/")[4] for k in storage.objects if k.endswith("manifest.json")) == [kept, new]


def test_first_run_fetches_no_history_and_a_stale_local_copy_goes(tmp_path):
    storage = MemoryStorage(tmp_path)
    stale = tmp_path / "b" / HISTORY
    stale.parent.mkdir(parents=True)
    stale.write_text("f" * 16 + "\n")
    assert fetch_history(storage, "mem://b") == []
    assert not stale.exists()
    assert sync_published(storage, "mem://b", []) == []  # no latest job ran: nothing sent, nothing removed
    assert not storage.objects


def _stored_corpus(tmp_path: Path) -> MemoryStorage:
    storage = MemoryStorage(tmp_path / "copies")
    storage.objects.update({
        "b/corpus/": b"", "b/corpus/speeches/": b"", "b/corpus/empty/": b"",  # folder markers (S3 console)
        "b/corpus/一号.html": "讲话".encode(), "b/corpus/speeches/2019/b.txt": b"abc",
        "b/corpus/speeches/2019/c.txt": b"", "b/corpus-old/x.txt": b"old",  # an empty file is an entry
    })
    return storage


def test_a_stored_input_is_listed_below_its_prefix_without_folder_markers(tmp_path):
    storage = _stored_corpus(tmp_path)
    listing = list_stored(storage.object("mem://b/corpus"), storage.object)
    assert [(entry, size) for entry, size, _ in listing] == [
        ("speeches/2019/b.txt", 3), ("speeches/2019/c.txt", 0), ("一号.html", 6)]
    assert listing[0][2] == 1.5e9 + len("b/corpus/speeches/2019/b.txt")


def test_a_stored_input_that_lists_nothing_names_the_query(tmp_path):
    storage = _stored_corpus(tmp_path)
    with pytest.raises(InputError, match="'mem://b/missing' holds no objects"):
        list_stored(storage.object("mem://b/missing"), storage.object)


def test_a_stored_input_is_planned_as_a_folder_of_the_same_names_and_reruns_on_a_new_mtime(tmp_path):
    storage = _stored_corpus(tmp_path)
    folder = tmp_path / "folder"
    for key in ("speeches/2019/b.txt", "speeches/2019/c.txt", "一号.html"):
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / key).write_bytes(storage.objects[f"b/corpus/{key}"])
    listing = list_stored(storage.object("mem://b/corpus"), storage.object)
    stored = shard_plan("mem://b/corpus", 2, 32, tmp_path / "s" / "plan.json", list_objects=lambda: listing)
    walked = shard_plan(folder, 2, 32, tmp_path / "w" / "plan.json")
    assert stored["entries"] == walked["entries"] and stored["bytes"] == walked["bytes"] == 9
    assert stored["key"]["input_dir"] == "mem://b/corpus"  # a query, never made an absolute path
    for shard in range(2):
        assert read_manifest(manifest_path(tmp_path / "s" / "plan.json", shard), stored["entries"][shard]) == \
            read_manifest(manifest_path(tmp_path / "w" / "plan.json", shard), walked["entries"][shard])
    rewritten = [(entry, size, mtime + (entry == "一号.html")) for entry, size, mtime in listing]
    again = shard_plan("mem://b/corpus", 2, 32, tmp_path / "s" / "plan.json", list_objects=lambda: rewritten)
    assert sum(a != b for a, b in zip(again["digests"], stored["digests"])) == 1


def test_only_names_a_storage_query_keeps_are_declared_and_only_schemes_make_a_query():
    assert [name for name in ("a/b.txt", "讲话 2019.html", "{year}.txt", "a?b", "c#1", "a/../b", "./a", "a//b")
            if fetchable(name)] == ["a/b.txt", "讲话 2019.html"]
    assert is_storage_query("s3://bucket/corpus") and is_storage_query("gcs+x://b/c")
    assert not is_storage_query("/data/a://b") and not is_storage_query("corpus")
