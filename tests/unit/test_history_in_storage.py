"""jianghua.storage against an in-memory storage provider with the methods every Snakemake storage plugin has."""

from __future__ import annotations

from pathlib import Path

from jianghua.storage import HISTORY, fetch_history, retired_versions, sync_published


class MemoryStorage:
    """A bucket as a dict of key -> bytes; local copies under ``local``, as Snakemake keeps them."""

    def __init__(self, local: Path):
        self.objects: dict[str, bytes] = {}
        self.local = local

    def object(self, query: str):
        return MemoryObject(self, query)


class MemoryObject:
    def __init__(self, storage: MemoryStorage, query: str):
        self.storage, self.key = storage, query.removeprefix("mem://")

    def local_path(self) -> Path:
        return self.storage.local / self.key

    def exists(self) -> bool:
        return self.key in self.storage.objects or any(k.startswith(self.key + "/") for k in self.storage.objects)

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
