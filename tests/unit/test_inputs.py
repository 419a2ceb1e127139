"""The shard plan: one walk of the input, the count, per shard its entries (and their manifest) and the digest that
reruns it when a file changes."""

import json
import os
import re

import pytest

from jianghua.errors import InputError
from jianghua.inputs import manifest_path, read_manifest, record_path, record_read, shard_of, shard_plan, walk
from jianghua.stages.decode import decode_shard


def _corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        (corpus / f"{i}.txt").write_text("同志们：今天开会。\n" * (i + 1), encoding="utf-8")
    return corpus


def _decoded(corpus, cache, plan):
    """Every shard decoded as its job decodes it, recording what it read for the next plan."""
    for shard, entries in enumerate(plan["entries"]):
        manifest, read = manifest_path(cache, shard), []
        decode_shard(corpus, read_manifest(manifest, entries), 1 << 20, read)
        record_read(record_path(manifest), str(corpus), read)


def test_the_plan_counts_each_shards_entries_and_a_changed_file_changes_only_its_digest(tmp_path):
    corpus, cache = _corpus(tmp_path), tmp_path / "plan.json"
    first = shard_plan(corpus, 3, 32, cache)
    assert sum(first["entries"]) == 6 and len(first["digests"]) == 3
    with open(corpus / "4.txt", "a", encoding="utf-8") as handle:
        handle.write("散会。\n")
    second = shard_plan(corpus, 3, 32, cache)
    changed = [i for i in range(3) if first["digests"][i] != second["digests"][i]]
    assert changed == [shard_of("4.txt", 3)] and second["entries"] == first["entries"]
    assert len(shard_plan(corpus, "auto", 32, cache)["entries"]) == 1
    _decoded(corpus, cache, shard_plan(corpus, 3, 32, cache))
    decoded = shard_plan(corpus, 3, 32, cache)  # the decode jobs' records taken in, once
    assert decoded["digests"] == second["digests"] and not list((tmp_path / "read").iterdir())
    os.utime(corpus / "4.txt", ns=(1, 1))  # touched since it was decoded, not changed: nothing reruns
    assert shard_plan(corpus, 3, 32, cache)["digests"] == second["digests"]
    (corpus / "4.txt").write_text("同志们：今天不开会。\n", encoding="utf-8")  # read again: changed
    assert [i for i, d in enumerate(shard_plan(corpus, 3, 32, cache)["digests"]) if d != second["digests"][i]] \
        == [shard_of("4.txt", 3)]


def test_a_first_plan_reads_no_file(tmp_path, monkeypatch):
    """A new file's token is its size and mtime; a file is read only where its decode job read it before."""
    import jianghua.inputs as inputs

    corpus, cache = _corpus(tmp_path), tmp_path / "plan.json"
    opened = []
    monkeypatch.setattr(inputs, "content_digest", lambda path: opened.append(path) or "")
    shard_plan(corpus, 3, 32, cache)
    os.utime(corpus / "2.txt", ns=(5, 5))
    shard_plan(corpus, 3, 32, cache)
    assert opened == []


def test_a_cluster_job_reads_the_main_processs_plan_for_the_same_settings_only(tmp_path):
    corpus = _corpus(tmp_path)
    written = shard_plan(corpus, 2, 32, tmp_path / "plan.json")
    (corpus / "new.txt").write_text("新文件。\n", encoding="utf-8")
    assert shard_plan(corpus, 2, 32, tmp_path / "plan.json", reuse=True) == written  # no walk
    assert sum(shard_plan(corpus, 4, 32, tmp_path / "plan.json", reuse=True)["entries"]) == 7  # other settings
    assert sum(shard_plan(corpus, 2, 32, tmp_path / "plan.json")["entries"]) == 7


def test_entries_read_in_many_batches_plan_as_in_one_and_an_unchanged_index_is_not_rewritten(tmp_path, monkeypatch):
    import jianghua.inputs as inputs

    corpus = _corpus(tmp_path)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "a.txt").write_text("各位代表：\n", encoding="utf-8")
    (corpus / "link").symlink_to(corpus / "0.txt")  # a link digests as its kind and size, in its place
    plans = {}
    for name, batch in (("one", 4096), ("many", 2)):  # 7 files read again: in one batch, and in 4 on the threads
        monkeypatch.setattr(inputs, "READ_BATCH", batch)
        cache = tmp_path / name / "plan.json"
        for path in corpus.rglob("*.txt"):
            os.utime(path, ns=(3, 3))
        _decoded(corpus, cache, shard_plan(corpus, 3, 32, cache))
        for path in corpus.rglob("*.txt"):
            os.utime(path, ns=(7, 7))
        plans[name] = shard_plan(corpus, 3, 32, cache)
    assert plans["many"]["digests"] == plans["one"]["digests"] and plans["many"]["entries"] == plans["one"]["entries"]
    index = tmp_path / "many" / "content-index.json"
    assert json.loads(index.read_text(encoding="utf-8"))["contents"].count(None) == 1  # the link's
    written = index.stat().st_mtime_ns
    os.utime(index, ns=(written - 10**9, written - 10**9))
    assert shard_plan(corpus, 3, 32, tmp_path / "many" / "plan.json") == plans["many"]
    assert index.stat().st_mtime_ns == written - 10**9  # nothing changed: the index is kept as it was
    (corpus / "sub" / "a.txt").write_text("各位代表，同志们：\n", encoding="utf-8")
    assert shard_plan(corpus, 3, 32, tmp_path / "many" / "plan.json")["digests"] != plans["many"]["digests"]
    assert index.stat().st_mtime_ns != written - 10**9


def test_each_shard_has_a_manifest_of_its_entries_that_round_trips_names_not_utf8(tmp_path):
    corpus = _corpus(tmp_path)
    gbk = os.fsdecode(b"\xd6\xd0\xce\xc4.txt")  # a GBK name: surrogate-escaped, as walk gives it
    (corpus / gbk).write_bytes(b"x")
    (corpus / "new\nline.txt").write_bytes(b"y")
    plan = shard_plan(corpus, 3, 32, tmp_path / "plan.json")
    listed = [read_manifest(manifest_path(tmp_path / "plan.json", shard), plan["entries"][shard]) for shard in range(3)]
    assert listed == [[p for p in walk(corpus) if shard_of(p, 3) == shard] for shard in range(3)]
    assert gbk in listed[shard_of(gbk, 3)] and "new\nline.txt" in listed[shard_of("new\nline.txt", 3)]
    assert manifest_path(tmp_path / "plan.json", 2) == tmp_path / "manifests" / "002.json"
    assert manifest_path(tmp_path / "plan.json", 0).read_bytes().isascii()


def test_a_manifest_is_rewritten_only_when_its_entries_change_and_none_outlives_its_shard(tmp_path):
    corpus = _corpus(tmp_path)
    cache = tmp_path / "plan.json"
    shard_plan(corpus, 3, 32, cache)
    old = 10**9
    for shard in range(3):
        os.utime(manifest_path(cache, shard), ns=(old, old))
    with open(corpus / "4.txt", "a", encoding="utf-8") as handle:
        handle.write("散会。\n")  # new contents, the same names: no manifest changes
    shard_plan(corpus, 3, 32, cache)
    assert [manifest_path(cache, shard).stat().st_mtime_ns for shard in range(3)] == [old] * 3
    (corpus / "added.txt").write_text("新文件。\n", encoding="utf-8")
    shard_plan(corpus, 3, 32, cache)
    rewritten = [shard for shard in range(3) if manifest_path(cache, shard).stat().st_mtime_ns != old]
    assert rewritten == [shard_of("added.txt", 3)]
    shard_plan(corpus, 2, 32, cache)
    assert sorted(p.name for p in (tmp_path / "manifests").iterdir()) == ["000.json", "001.json"]


def test_a_missing_or_stale_manifest_names_the_file_and_the_fix(tmp_path):
    corpus = _corpus(tmp_path)
    plan = shard_plan(corpus, 2, 32, tmp_path / "plan.json")
    path = manifest_path(tmp_path / "plan.json", 0)
    with pytest.raises(InputError, match=f"'{re.escape(str(path))}' lists {plan['entries'][0]} entries where the "
                                         f"shard plan counted {plan['entries'][0] + 1}.*rerun snakemake from the main"):
        read_manifest(path, plan["entries"][0] + 1)
    with pytest.raises(InputError, match=f"'{re.escape(str(tmp_path / 'gone.json'))}' is missing: rerun snakemake"):
        read_manifest(tmp_path / "gone.json", 3)
    path.write_text('{"a.txt": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="is not a list of paths"):
        read_manifest(path, 1)
