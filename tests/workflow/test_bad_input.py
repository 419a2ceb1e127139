"""Whatever a scraper leaves behind: the run completes and every entry ends in sources or rejects."""

import os
import shutil

import polars as pl
import pytest

from jianghua.inputs import shown_path, walk

from conftest import SAMPLE, snakemake

pytestmark = pytest.mark.slow


def test_hostile_folder(tmp_path):
    corpus = tmp_path / "in"
    (corpus / "子目录").mkdir(parents=True)
    plain = SAMPLE / "corpus" / "0000_plain.txt"
    shutil.copy(plain, corpus / "name with spaces.txt")
    shutil.copy(plain, corpus / "same bytes again.txt")          # a duplicate, whatever shard it lands in
    shutil.copy(SAMPLE / "corpus" / "0003_plain.txt", corpus / "子目录" / "中文名.txt")
    shutil.copy(SAMPLE / "corpus" / "0004_compilation.txt", corpus / "new\nline.txt")
    shutil.copy(SAMPLE / "corpus" / "0005_plain.txt", corpus / "we{ird}[x]$name.txt")
    (corpus / "truncated.txt").write_bytes("发展".encode("utf-8")[:-1])
    (corpus / "nul.txt").write_bytes(b"abc\x00def\x00\x00")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "scan.bin").write_bytes(bytes(range(256)) * 8)
    shutil.copy(SAMPLE / "corpus" / "special" / "mixed 编码.txt", corpus / "mixed.txt")  # UTF-8 body, GBK footer
    sentence = "各级党组织要坚持稳中求进，推动高质量发展；全市上下要强化责任落实。".encode("utf-8")
    (corpus / "one-line.txt").write_bytes(sentence * (50_000_000 // len(sentence)))  # 50 MB, no line break
    os.mkfifo(corpus / "pipe.txt")  # never read: a reader would block
    (corpus / os.fsdecode(b"\xd6\xd0\xce\xc4.txt")).write_bytes(plain.read_bytes() + b"\n")  # a GBK name
    damaged = bytearray((SAMPLE / "corpus" / "0003_plain.txt").read_bytes())  # GB18030
    damaged[len(damaged) // 2] = 0xFF  # no GBK byte
    (corpus / "flipped.txt").write_bytes(bytes(damaged))
    (corpus / "stray-nul.txt").write_bytes("各级党组织要坚持稳中求进。\n".encode("utf-8") * 40 + b"\x00" + b"\n")
    (corpus / "odd-utf16.txt").write_bytes("推动高质量发展。\n".encode("utf-16-le") * 30 + b"\x4e")
    locked = corpus / "locked.txt"
    locked.write_text("这份文件谁都不能读。\n", encoding="utf-8")
    locked.chmod(0)  # unreadable, except to root
    os.symlink("/etc/hostname", corpus / "outside.txt")
    os.symlink(tmp_path / "missing", corpus / "broken.txt")
    os.symlink("name with spaces.txt", corpus / "inside-link.txt")
    work = tmp_path / "work"
    snakemake(work, "--config", f"input_dir={corpus}", "shards=3")
    root = work / "results" / "published"
    version = root / (root / "LATEST").read_text().strip()
    sources, rejects = pl.read_parquet(version / "sources"), pl.read_parquet(version / "rejects")
    assert sorted(sources["path"].to_list() + rejects["path"].to_list()) == sorted(map(shown_path, walk(corpus)))
    assert sorted(sources["path_bytes"].to_list() + rejects["path_bytes"].to_list()) == sorted(
        os.fsencode(p) for p in walk(corpus))
    assert sources.filter(path="\\xd6\\xd0\\xce\\xc4.txt")["path_bytes"].to_list() == [b"\xd6\xd0\xce\xc4.txt"]
    replaced = dict(zip(sources["path"], sources["replaced"]))
    assert replaced["flipped.txt"] >= 1 and replaced["stray-nul.txt"] == 1 and replaced["odd-utf16.txt"] == 1
    assert sources.filter(path="flipped.txt")["encoding"].to_list() == ["gb18030"]
    unreadable = {} if os.geteuid() == 0 else {"locked.txt": "unreadable"}
    assert dict(zip(rejects["path"], rejects["reason"])) == {
        "nul.txt": "binary", "empty.txt": "empty", "scan.bin": "binary", "outside.txt": "outside-link",
        "broken.txt": "outside-link", "pipe.txt": "not-a-file", **unreadable}
    assert sources.filter(path="mixed.txt")["encoding"].to_list() == ["mixed"]
    assert sources.filter(path="one-line.txt")["bytes"].to_list() == [50_000_000 // len(sentence) * len(sentence)]
    assert rejects["detail"].str.len_chars().min() > 10
    copies = sources.filter(pl.col("source_id") == sources.filter(path="name with spaces.txt")["source_id"][0])
    assert sorted(copies["status"]) == ["duplicate", "duplicate", "ok"]
    assert pl.read_parquet(version / "decoded")["source_id"].is_unique().all()
    assert sources.filter(path="truncated.txt")["evidence"][0].startswith("utf-8 truncated")
    assert "Nothing to be done" in snakemake(work, "--config", f"input_dir={corpus}", "shards=3", "--dry-run").stdout


def test_a_folder_of_100000_tiny_files(tmp_path):
    corpus = tmp_path / "in" / "tiny"
    corpus.mkdir(parents=True)
    for i in range(100_000):
        (corpus / f"{i:06d}.txt").write_bytes(f"第{i}号通知。\n".encode("utf-8"))
    work = tmp_path / "work"
    snakemake(work, "--config", f"input_dir={tmp_path / 'in'}", "shards=4")
    root = work / "results" / "published"
    version = root / (root / "LATEST").read_text().strip()
    sources = pl.read_parquet(version / "sources")
    assert sources.height == 100_000 and pl.read_parquet(version / "rejects").height == 0
    assert sources["status"].unique().to_list() == ["ok"]
    assert pl.read_parquet(version / "documents").height == 100_000


@pytest.mark.parametrize("files", [0, 1])
def test_a_folder_of_one_file_or_none_publishes(tmp_path, files):
    """With the default two shards, one file leaves a shard empty; no file leaves both empty."""
    corpus = tmp_path / "in"
    corpus.mkdir()
    for name in ["0000_plain.txt"][:files]:
        shutil.copy(SAMPLE / "corpus" / name, corpus / name)
    snakemake(tmp_path / "work", "--config", f"input_dir={corpus}")
    root = tmp_path / "work" / "results" / "published"
    version = root / (root / "LATEST").read_text().strip()
    assert pl.read_parquet(version / "documents").height == files
    assert ("This version is empty" in (version / "README.md").read_text(encoding="utf-8")) == (not files)


def test_a_failed_gate_leaves_the_published_version_to_its_readers(tmp_path):
    """A table broken between two runs fails a structural check: nothing new is published, and readers keep
    the version they had, with LATEST and HISTORY untouched."""
    import jianghua

    corpus = tmp_path / "in"
    shutil.copytree(SAMPLE / "corpus", corpus)
    work, config = tmp_path / "work", ["--config", f"input_dir={corpus}", "shards=2"]
    snakemake(work, *config)
    root = work / "results" / "published"
    first, history = (root / "LATEST").read_text(), (root / "HISTORY").read_text()
    with open(corpus / "0000_plain.txt", "a", encoding="utf-8") as handle:
        handle.write("同志们，让我们扎实推动各项工作落地见效！\n")
    snakemake(work, *config, "--until", "extract")
    for path in (work / "results" / "segment" / "sentences").glob("*.parquet"):  # a duplicated key
        broken = pl.read_parquet(path)
        pl.concat([broken, broken.head(1)]).write_parquet(path)
    failed = snakemake(work, *config, check=False)
    assert failed.returncode != 0
    [log] = [p for p in (work / "results" / "logs" / "publish").glob("publish-*.log") if first.strip() not in p.name]
    assert "table 'sentences': expectation 'keys_unique'" in log.read_text(encoding="utf-8")
    assert (root / "LATEST").read_text() == first and (root / "HISTORY").read_text() == history
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == sorted(["LATEST", "HISTORY", first.strip()])
    assert jianghua.load("documents", root=root).collect().height > 0


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>在全市优化营商环境推进会上的讲话_领导讲话_某某公文网</title>
<script>document.write('<div>广告位</div>'); var n = 1 < 2;</script>
<style type="text/css">body{font-size:14px} .nav{float:left}</style>
</head>
<body>
<div class="nav">当前位置：<a href="/">首页</a> &gt; <a href="/ldjh/">领导讲话</a> &gt; 正文</div>
<!-- 正文 -->
<h1>在全市优化营商环境推进会上的讲话</h1>
<p>同志们：</p>
<p>今天召开推进会，主要任务是&ldquo;对标一流、补齐短板&rdquo;，推动营商环境
   再上新台阶。</p>
<p>一、提高思想认识</p>
<p>优化营商环境是&ldquo;一把手&rdquo;工程&hellip;&hellip;各级各部门要高度重视&#65281;</p>
<p>二、狠抓工作落实</p>
<p>要建立台账，逐项销号，确保各项任务按期完成。</p>
<div class="footer">版权所有 &copy; 某某公文网</div>
</body></html>
"""
# a zero-width space, a bidi override and its pop, a joiner in the title; a BOM and a zero-width space mid-text
CONTROLS = ("在全县\u200b基层治理\u202e工作会议\u202c上的\u200d讲话\n同志们：\n今天我们召开\ufeff会议，研究部署基层治理工作。\n"
            "一是要压实责任\u200b，二是要强化保障。\n")


def test_an_html_page_and_invisible_controls(tmp_path):
    """A whole HTML page (in GBK, as such sites serve it) is read as its text, titled by its <title> and <h1>; bidi
    and zero-width characters go as recorded ``invisible`` edits, from the title too."""
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "page.html").write_bytes(HTML_PAGE.encode("gb18030"))
    (corpus / "controls.txt").write_text(CONTROLS, encoding="utf-8")
    shutil.copy(SAMPLE / "corpus" / "0000_plain.txt", corpus / "plain.txt")
    work = tmp_path / "work"
    snakemake(work, "--config", f"input_dir={corpus}")
    root = work / "results" / "published"
    version = root / (root / "LATEST").read_text().strip()
    tables = {t: pl.read_parquet(version / t) for t in ("sources", "rejects", "normalized", "documents", "edits",
                                                        "sections")}
    sources = tables["sources"]
    assert tables["rejects"].height == 0 and sorted(sources["path"]) == ["controls.txt", "page.html", "plain.txt"]
    assert sources.filter(path="page.html")["encoding"].to_list() == ["gb18030"]
    sid = dict(zip(sources["path"], sources["source_id"]))
    normalized = {row["source_id"]: row for row in tables["normalized"].iter_rows(named=True)}
    page = normalized[sid["page.html"]]
    assert page["text"] == ("在全市优化营商环境推进会上的讲话\n同志们：\n今天召开推进会，主要任务是“对标一流、补齐短板”，"
                            "推动营商环境再上新台阶。\n一、提高思想认识\n优化营商环境是“一把手”工程……各级各部门要高度重视！\n"
                            "二、狠抓工作落实\n要建立台账，逐项销号，确保各项任务按期完成。")
    assert (page["page_title"], page["page_heading"]) == ("在全市优化营商环境推进会上的讲话_领导讲话_某某公文网",
                                                          "在全市优化营商环境推进会上的讲话")
    documents = dict(zip(tables["documents"]["source_id"], tables["documents"].select("title", "title_derived").rows()))
    assert documents[sid["page.html"]] == ("在全市优化营商环境推进会上的讲话", False)
    page_sections = tables["sections"].filter(pl.col("doc_id").str.starts_with(sid["page.html"]))
    assert page_sections["heading"].to_list() == ["提高思想认识", "狠抓工作落实"]
    edits = tables["edits"]
    page_edits = edits.filter(source_id=sid["page.html"])
    # the page's opening up to its body is one removal (its line break, at the text's edge, cleaned away)
    assert page_edits.filter(pl.col("before").str.contains("document.write"))["operation"].to_list() == ["markup+space"]
    assert page_edits.filter(pl.col("before").str.contains("<"))["operation"].str.starts_with("markup").all()
    assert page_edits.filter(rule="breadcrumb")["operation"].to_list() == ["markup+boilerplate"]
    controls = normalized[sid["controls.txt"]]
    assert controls["text"] == ("在全县基层治理工作会议上的讲话\n同志们：\n今天我们召开会议，研究部署基层治理工作。\n"
                                "一是要压实责任，二是要强化保障。")
    assert controls["page_title"] is None and controls["n_invisible"] == 6 and controls["n_markup"] == 0
    assert documents[sid["controls.txt"]] == ("在全县基层治理工作会议上的讲话", False)
    assert edits.filter(source_id=sid["controls.txt"], operation="invisible").select(
        "start", "before", "after", "operation").rows() == [
        (3, "\u200b", "", "invisible"), (8, "\u202e", "", "invisible"), (13, "\u202c", "", "invisible"),
        (16, "\u200d", "", "invisible"), (31, "\ufeff", "", "invisible"), (54, "\u200b", "", "invisible")]
