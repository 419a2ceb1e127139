"""The plain-script peer of decode + normalize: what a user might write instead of the pipeline.

    <peer venv>/bin/python -I bench/peer.py CORPUS_DIR OUT_DIR [--processes 2]

Reads every file under CORPUS_DIR, decodes it as UTF-8 (a BOM dropped) or else as GB18030 (undecodable
bytes replaced), strips inline pinyin ``字(zì)`` with a regex, converts Traditional to Simplified with the
official OpenCC wheel (PyPI ``opencc``, its C++ converter), makes runs of placeholder signs next to a Han
character one mask token, makes half-width punctuation after a Han character full-width, cleans blanks and
blank lines, and writes ``OUT_DIR/part-<k>.parquet`` (path, encoding, text), one part per process, the files
split between the processes by size.

What it does not do, and the pipeline does: detect Big5 or UTF-16 (it reads them as GB18030 mojibake), repair
the sites' GBK damage, check that a bracket holds a reading of the character before it, remove markup or
boilerplate, record edits that trace the output back to the decoded text, segment, extract, validate.

It runs in a virtual environment of its own: the wheel's module ``opencc`` is the same name as the
pipeline's dependency ``opencc-python-reimplemented``. ``bench/run.py`` builds that environment and times it.
"""

from __future__ import annotations

import argparse
import re
import sys
from multiprocessing import Pool
from pathlib import Path

from opencc import OpenCC

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
MASK_TOKEN = "×"
SYLLABLE = "[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}"
# a Han character and every bracketed syllable after it, whether or not it is one of the character's readings
PINYIN = re.compile(rf"([{HAN}])(?:[(（][ \u3000]*{SYLLABLE}[ \u3000]*[)）])+")
# a run of × * ＊ next to a Han character; of X or x, only as a whole Latin word (GX, QQ stay)
MASKS = re.compile(rf"(?<=[{HAN}])(?:[×*＊]+|[Xx]+(?![A-Za-z]))|(?<![A-Za-z])[Xx]+(?=[{HAN}])|[×*＊]+(?=[{HAN}])")
PUNCTUATION = re.compile(rf"(?<=[{HAN}])[,:;!?](?![A-Za-z])")
PARENTHESES = re.compile(rf"\(([^()\n]{{0,38}}[{HAN}][^()\n]{{0,38}})\)")
LINE_EDGE_BLANKS = re.compile(r"^[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+$", re.M)
BLANK_LINES = re.compile(r"\n{2,}")


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 if the bytes are valid UTF-8, else GB18030 with undecodable bytes replaced."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace"), "gb18030"


def normalize(text: str, convert) -> str:
    """Pinyin stripped, ``convert`` (Traditional to Simplified) applied, masks, punctuation and blanks cleaned."""
    text = convert(PINYIN.sub(r"\1", text))
    text = MASKS.sub(MASK_TOKEN, text)
    text = PUNCTUATION.sub(lambda m: chr(ord(m[0]) + 0xFEE0), text)  # , : ; ! ? -> ，：；！？
    text = PARENTHESES.sub(r"（\1）", text)
    text = LINE_EDGE_BLANKS.sub("", text.replace("\r", ""))
    return BLANK_LINES.sub("\n", text).strip("\n")


def convert_part(job: tuple[int, list[str], str, str]) -> int:
    """Decode and normalize one process's files and write them as ``part-<k>.parquet``; the files written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    k, paths, corpus, out = job
    convert = OpenCC("t2s").convert
    rows = {"path": [], "encoding": [], "text": []}
    for path in paths:
        text, encoding = decode((Path(corpus) / path).read_bytes())
        rows["path"].append(path)
        rows["encoding"].append(encoding)
        rows["text"].append(normalize(text, convert))
    pq.write_table(pa.table(rows), Path(out) / f"part-{k}.parquet")
    return len(paths)


def split_by_size(corpus: Path, processes: int) -> list[list[str]]:
    """The files under ``corpus`` (relative paths) in ``processes`` lists of about equal bytes, largest first."""
    files = sorted((-p.stat().st_size, str(p.relative_to(corpus))) for p in corpus.rglob("*") if p.is_file())
    parts: list[list[str]] = [[] for _ in range(processes)]
    sizes = [0] * processes
    for negative_size, path in files:
        k = sizes.index(min(sizes))
        parts[k].append(path)
        sizes[k] -= negative_size
    return parts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [(k, paths, str(args.corpus), str(args.out))
            for k, paths in enumerate(split_by_size(args.corpus, args.processes))]
    pool = Pool(args.processes)
    written = sum(pool.map(convert_part, jobs))
    # closed and joined, not terminated: the caller counts the workers' CPU time once they are reaped
    pool.close()
    pool.join()
    print(f"peer: {written} files written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
