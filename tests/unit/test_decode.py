import json
import os

import polars as pl
import pytest

from jianghua.cli import main
from jianghua.errors import ConfigError
from jianghua.inputs import shard_count, shard_of, walk
from jianghua.runner import Settings
from jianghua.stages import decode
from jianghua.stages.decode import Reject, _utf16_shaped, decode_shard, detect, source_id

TEXT = "各级党组织要坚持稳中求进，推动高质量发展。全市上下要强化责任落实，确保各项任务落到实处。\n"
TRADITIONAL = "各級黨組織要堅持穩中求進，推動高質量發展。全市上下要強化責任落實，確保各項任務落到實處。\n"


@pytest.mark.parametrize("encoding, text, expected", [
    ("utf-8", TEXT, "utf-8"),
    ("utf-8-sig", TEXT, "utf-8-sig"),
    ("utf-16", TEXT, "utf-16-le"),
    ("utf-16-be", TEXT, "utf-16-be"),
    ("utf-16-le", TEXT, "utf-16-le"),
    ("gb18030", TEXT, "gb18030"),
    ("gb18030", TRADITIONAL, "gb18030"),
    ("big5", TRADITIONAL, "big5"),
])
def test_detects_encoding_and_decodes_exactly(encoding, text, expected):
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        assert not data.startswith(b"\xfe\xff")
    decoding = detect(data)
    assert decoding.encoding == expected
    assert decoding.text == text
    assert decoding.evidence


def test_big5_that_also_decodes_as_gb18030_is_scored_not_first_success():
    data = TRADITIONAL.encode("big5")
    assert data.decode("gb18030")  # valid GB18030 too: mojibake
    decoding = detect(data)
    assert decoding.encoding == "big5"
    assert "gb18030" in decoding.evidence and "big5" in decoding.evidence


def test_mixed_file_is_decoded_per_line():
    data = TEXT.encode("utf-8") + "本文由编辑整理，转载请注明出处\n".encode("gbk")
    decoding = detect(data)
    assert decoding.encoding == "mixed"
    assert decoding.text == TEXT + "本文由编辑整理，转载请注明出处\n"
    assert "utf-8: 1 lines" in decoding.evidence


def test_truncated_utf8_is_decoded_and_says_so():
    decoding = detect(TEXT.encode("utf-8") + "发".encode("utf-8")[:2])
    assert decoding.encoding == "utf-8" and decoding.text == TEXT + "\ufffd"
    assert "2 bytes" in decoding.evidence and "U+FFFD" in decoding.evidence


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (bytes(range(256)) * 4, "binary"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" * 20, "binary"),
])
def test_rejects_with_reason(data, reason):
    with pytest.raises(Reject) as info:
        detect(data)
    assert info.value.reason == reason


def test_source_id_follows_content_not_name(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text(TEXT, encoding="utf-8")
    frames = decode_shard(tmp_path, ["a.txt", "b.txt"], 1 << 20)
    ids = frames["sources"]["source_id"].to_list()
    assert ids[0] == ids[1] == source_id(TEXT.encode("utf-8"))
    assert frames["sources"]["status"].to_list() == ["ok", "duplicate"]
    assert frames["decoded"].height == 1


def test_shards_are_stable_and_cover_all():
    paths = [f"dir/{i}.txt" for i in range(200)]
    shards = [shard_of(p, 4) for p in paths]
    assert set(shards) == {0, 1, 2, 3}
    assert shards == [shard_of(p, 4) for p in paths]
    assert shard_of("dir/0.txt", 4) == shard_of("dir/0.txt", 4)


def test_bad_entries_go_to_rejects(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "ok.txt").write_text(TEXT, encoding="utf-8")
    (root / "big.txt").write_text(TEXT * 100, encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    outside = tmp_path / "secret.txt"
    outside.write_text(TEXT, encoding="utf-8")
    os.symlink(outside, root / "link.txt")
    os.symlink(tmp_path, root / "dirlink")
    frames = decode_shard(root, walk(root), 2000)
    reasons = dict(zip(frames["rejects"]["path"], frames["rejects"]["reason"]))
    assert reasons == {"big.txt": "oversized", "empty.txt": "empty", "link.txt": "outside-link",
                       "dirlink": "outside-link"}
    assert frames["sources"]["path"].to_list() == ["ok.txt"]
    assert "max_file_bytes" in frames["rejects"].filter(reason="oversized")["detail"][0]


def test_shard_count_from_setting_or_input_size():
    assert shard_count(3, 32, [10**9]) == 3
    assert shard_count("auto", 32, [20_000_000, 20_000_000]) == 2  # 40 MB: rounded up
    assert shard_count("auto", 32, []) == 1
    assert shard_count("auto", 0.001, [10**9]) == 4096  # never more than the schema allows


def test_clear_cases_are_settled_by_the_unigram_score_of_the_opening():
    data = (TRADITIONAL * 40).encode("big5")  # longer than the opening: the rest is decoded once, by the winner
    decoding = detect(data)
    assert decoding.encoding == "big5" and decoding.text == TRADITIONAL * 40
    assert "unigram-scored big5" in decoding.evidence and "gb18030" in decoding.evidence


@pytest.mark.parametrize("text, encoding", [("参备", "gbk"), ("傷雙", "big5")])
def test_close_openings_are_settled_by_the_bigram_score_of_every_reading(text, encoding):
    """The two readings of these openings lie within a point of unigram score: too close for the quick path."""
    decoding = detect(text.encode(encoding))
    assert decoding.text == text and decoding.encoding in {"gbk": "gb18030"}.get(encoding, encoding)
    assert decoding.evidence.startswith("utf-8 invalid; scored ") and "unigram" not in decoding.evidence


@pytest.mark.parametrize("encoding, shaped", [("utf-16-le", True), ("utf-16-be", False)])
def test_utf16_competes_only_in_the_byte_order_that_reads_as_text(encoding, shaped):
    data = TEXT.encode("utf-16-le")
    assert _utf16_shaped(data, encoding) is shaped
    assert not _utf16_shaped(TEXT.encode("gb18030")[:84], encoding)  # GBK bytes read as UTF-16


def _stray(data: bytes, kind: str, at: float) -> bytes:
    damaged = bytearray(data)
    position = int(len(damaged) * at)
    if kind == "flipped":
        damaged[position] ^= 0x55
    elif kind == "nul":
        damaged[position] = 0
    else:  # a cut download: the last bytes are missing
        del damaged[-3:]
    return bytes(damaged)


@pytest.mark.parametrize("kind", ["flipped", "nul", "cut"])
def test_a_stray_byte_costs_a_character_not_the_file(kind):
    """Every sample file, in every encoding, with one stray byte: decoded in its own encoding, the damage
    replaced by U+FFFD and counted, the rest of the text as it was."""
    from difflib import SequenceMatcher
    from conftest import SAMPLE

    for path in sorted((SAMPLE / "corpus").glob("*.txt")):
        clean = detect(path.read_bytes())
        for at in (0.3, 0.7):
            decoding = detect(_stray(path.read_bytes(), kind, at))
            assert decoding.encoding.removesuffix("-sig") == clean.encoding.removesuffix("-sig"), (path.name, at)
            changes = [op for op in SequenceMatcher(None, clean.text, decoding.text, autojunk=False).get_opcodes()
                       if op[0] != "equal"]
            assert len(changes) <= 3, (path.name, at)
            assert decoding.replaced == decoding.text.count("\ufffd") - clean.text.count("\ufffd")
            assert not decoding.replaced or "replaced by U+FFFD" in decoding.evidence


def test_odd_length_utf16_keeps_all_but_its_lone_last_byte():
    text = "各级党组织要坚持稳中求进，推动高质量发展。\n" * 5
    decoding = detect(text.encode("utf-16-le") + b"\x4e")
    assert (decoding.encoding, decoding.text, decoding.replaced) == ("utf-16-le", text + "\ufffd", 1)


def test_file_names_that_are_not_utf8_are_kept_exactly(tmp_path):
    name = os.fsdecode(b"\xd6\xd0\xce\xc4.txt")  # 中文 in GBK: not UTF-8
    (tmp_path / name).write_text(TEXT, encoding="utf-8")
    (tmp_path / "a\\b.txt").write_text(TEXT + "。", encoding="utf-8")
    sources = decode_shard(tmp_path, walk(tmp_path), 1 << 20)["sources"].sort("path")
    assert sources["path"].to_list() == ["\\xd6\\xd0\\xce\\xc4.txt", "a\\\\b.txt"]
    assert sources["path_bytes"].to_list() == [b"\xd6\xd0\xce\xc4.txt", b"a\\b.txt"]


def _decode_job(tmp_path, root, manifest, entries):
    """``jianghua run decode`` as the decode rule calls it, for a job of shard 1 of 2; its exit status and tables."""
    settings = json.dumps({"input_dir": str(root), "shards": 2, "decode.max_file_bytes": 1 << 20})
    out = {table: tmp_path / "out" / f"{table}.parquet" for table in ("sources", "decoded", "rejects")}
    status = main(["run", "decode", "--settings", settings, "--shard", "1", "--manifest", str(manifest),
                   "--manifest-entries", str(entries), *(f"--out={t}={p}" for t, p in out.items())])
    return status, out


def test_the_decode_job_decodes_what_its_manifest_lists(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (root / name).write_text(name + TEXT, encoding="utf-8")
    manifest = tmp_path / "001.json"
    manifest.write_text('["c.txt", "a.txt"]', encoding="utf-8")  # not what hashes to shard 1: the job never walks
    status, out = _decode_job(tmp_path, root, manifest, 2)
    assert status == 0
    assert pl.read_parquet(out["sources"])["path"].to_list() == ["c.txt", "a.txt"]


def test_the_decode_job_fails_on_a_manifest_that_disagrees_with_the_plan(tmp_path, capsys):
    root = tmp_path / "in"
    root.mkdir()
    manifest = tmp_path / "001.json"
    manifest.write_text('["a.txt"]', encoding="utf-8")
    status, out = _decode_job(tmp_path, root, manifest, 2)
    assert status == 2 and not out["sources"].exists()
    assert capsys.readouterr().err == (
        f"jianghua run: error: the shard manifest '{manifest}' lists 1 entries where the shard plan counted 2: it is "
        "stale or damaged; rerun snakemake from the main process, which writes the manifests with the shard plan, "
        "in .snakemake/jianghua/ of the working directory (a cluster job must see that folder)\n")


def test_a_decode_job_of_many_shards_without_a_manifest_is_refused(tmp_path):
    settings = Settings("decode", {"input_dir": str(tmp_path), "shards": 2, "decode.max_file_bytes": 1 << 20}, shard=0)
    with pytest.raises(ConfigError, match="--manifest PATH and --manifest-entries N together"):
        decode.run({}, settings)
