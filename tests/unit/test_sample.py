import hashlib
import json

from jianghua.testing.sample import write_corpus

from conftest import SAMPLE


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_committed_sample_is_what_the_generator_writes(tmp_path):
    write_corpus(tmp_path)
    assert _digest(tmp_path) == _digest(SAMPLE), "regenerate with: jianghua sample resources/sample"


def test_sample_size_and_phenomena(sample_truth):
    files = [p for p in (SAMPLE / "corpus").rglob("*") if p.is_file()]
    assert len(files) >= 30 and sum(p.stat().st_size for p in files) >= 300_000
    described = sample_truth["files"].values()
    encodings = {t.get("encoding") for t in described}
    assert {"utf-8", "utf-8-sig", "gb18030", "big5", "utf-16-le", "utf-16-be", "mixed"} <= encodings
    kinds = {t.get("kind") for t in described}
    assert {"plain", "traditional", "damaged", "compilation"} <= kinds
    assert {t.get("reject") for t in described} >= {"empty", "binary"}
    docs = [d for t in described for d in t.get("documents", [])]
    assert {f["kind"] for d in docs for f in d["formulations"]} == {"numbered", "compound", "arabic"}
    assert any(d["quotes"] for d in docs) and any(d["citations"] for d in docs) and any(d["masks"] for d in docs)
    assert any(d["date"] for d in docs) and any(d["body_dates"] for d in docs) and any(d["title"] is None for d in docs)
    text = "".join(p.read_bytes().decode("utf-8", "replace") for p in files)
    for marker in ("- 目录", "第1篇", "【更多免费素材", "</p>", "；\n", "(fā)", "?", "GX科创"):
        assert marker in text, marker


def test_generator_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_corpus(a, n_files=5)
    write_corpus(b, n_files=5)
    assert _digest(a) == _digest(b)
    assert json.loads((a / "truth.json").read_text())["seed"] == 20240601


def test_target_size_grows_the_corpus(tmp_path):
    write_corpus(tmp_path, target_bytes=200_000)
    assert sum(p.stat().st_size for p in (tmp_path / "corpus").rglob("*") if p.is_file()) >= 150_000


def test_near_duplicates_are_recorded(tmp_path):
    from jianghua.testing.sample import EDIT_KINDS, MIXABLE

    truth = write_corpus(tmp_path, n_files=60, near_duplicates=0.4)
    copies = truth["near_duplicates"]
    assert 10 <= len(copies) and {c["edits"][0] for c in copies if len(c["edits"]) == 1} <= set(EDIT_KINDS)
    assert any(len(c["edits"]) > 1 and set(c["edits"]) <= set(MIXABLE) for c in copies)
    for c in copies:
        original, copy = (tmp_path / "corpus" / c[k] for k in ("original", "copy"))
        assert original.read_bytes() != copy.read_bytes() and truth["files"][c["copy"]]["copy_of"] == c["original"]
    assert "near_duplicates" not in write_corpus(tmp_path / "plain", n_files=5)
