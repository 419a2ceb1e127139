"""The plain-script peer that bench/run.py times: it does what its docstring says, and no more.

bench/run.py runs it with the official OpenCC wheel; here its ``import opencc`` finds the pipeline's
opencc-python-reimplemented, which has the same ``OpenCC('t2s').convert``.
"""

import importlib.util
import sys

import pyarrow.parquet as pq
import pytest
from opencc import OpenCC

from conftest import REPO

spec = importlib.util.spec_from_file_location("peer", REPO / "bench" / "peer.py")
peer = importlib.util.module_from_spec(spec)
sys.modules["peer"] = peer  # the pool's workers find its functions by module name
spec.loader.exec_module(peer)

CONVERT = OpenCC("t2s").convert


@pytest.mark.parametrize("data, expected", [
    ("講話".encode("utf-8"), ("講話", "utf-8")),
    ("\ufeff講話".encode("utf-8"), ("講話", "utf-8")),
    ("講話".encode("gb18030"), ("講話", "gb18030")),
    # Big5 is valid GB18030: the peer reads it as mojibake, the pipeline's decode does not
    ("講話".encode("big5"), ("講話".encode("big5").decode("gb18030"), "gb18030")),
])
def test_decode_tries_utf8_then_gb18030(data, expected):
    assert peer.decode(data) == expected


@pytest.mark.parametrize("text, expected", [
    ("從我帶(dài)頭，黨(dang)(dang)的事業", "从我带头，党的事业"),
    # a bracket with a blank is stripped; one that holds no syllable stays
    ("會(huì )議（一）", "会议（一）"),
    ("XX委X届**同志、GX公司", "×委×届×同志、GX公司"),
    # after a Han character only, and not before a Latin letter
    ("今天,我们:好!OK,对吗?", "今天，我们：好!OK,对吗？"),
    ("会议(中国)结束 (2018)", "会议（中国）结束 (2018)"),
    ("  第一段 \r\n\n\n\u3000第二段\u00a0\n\n", "第一段\n第二段"),
])
def test_normalize_strips_pinyin_converts_masks_punctuation_and_blanks(text, expected):
    assert peer.normalize(text, CONVERT) == expected


def test_split_by_size_balances_the_bytes(tmp_path):
    for name, size in [("a.txt", 5), ("b.txt", 3), ("sub/c.txt", 3), ("d.txt", 1)]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x" * size)
    assert peer.split_by_size(tmp_path, 2) == [["a.txt", "d.txt"], ["b.txt", "sub/c.txt"]]


def test_main_writes_one_part_per_process(tmp_path):
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes("發展(fā)經濟\n".encode("gb18030"))
    (corpus / "b.txt").write_bytes("穩中求進,\n".encode("utf-8"))
    peer.main([str(corpus), str(out), "--processes", "2"])
    rows = sorted(row for part in sorted(out.glob("part-*.parquet")) for row in
                  zip(*pq.read_table(part).to_pydict().values()))
    assert sorted(p.name for p in out.iterdir()) == ["part-0.parquet", "part-1.parquet"]
    assert rows == [("a.txt", "gb18030", "发展经济"), ("b.txt", "utf-8", "稳中求进，")]
