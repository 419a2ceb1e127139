"""Benchmark decode on clean input: undamaged documents in every encoding the sites serve.

    python bench/decode.py [--documents 600] [--seed 99]

Writes the documents, cycling through UTF-8, UTF-8 with BOM, GB18030, Big5, UTF-16 LE/BE with and without
BOM, into a temporary folder, decodes them in process as one shard, checks every text came back exactly,
and prints MB/s per encoding and overall: the best of ``--repeats`` passes, since one pass over half a megabyte
lasts milliseconds and a busy machine only ever slows it. Not a test: timings vary with the machine.
"""

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from jianghua.stages.decode import decode_shard
from jianghua.testing.sample import clean_traditional_documents

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be")


def best_time(job, repeats: int) -> float:
    """The shortest of ``repeats`` timings of ``job()``, in seconds."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        job()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=600)
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    texts = clean_traditional_documents(args.seed, args.documents)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        written = defaultdict(list)
        for i, text in enumerate(texts):
            encoding = ENCODINGS[i % len(ENCODINGS)]
            try:
                data = text.encode(encoding)
            except UnicodeEncodeError:  # a Traditional character Big5 lacks
                continue
            (root / f"{i:05d}.txt").write_bytes(data)
            written[encoding].append((f"{i:05d}.txt", text, len(data)))
        # imports and the character model's tables are loaded once per job: warm them up first
        decode_shard(root, [files[0][0] for files in written.values()], 1 << 30)
        rates = {}
        for encoding, files in written.items():
            frames = decode_shard(root, [name for name, _, _ in files], 1 << 30)
            assert frames["decoded"]["text"].to_list() == list(dict.fromkeys(t for _, t, _ in files)), encoding
            seconds = best_time(lambda: decode_shard(root, [name for name, _, _ in files], 1 << 30), args.repeats)
            rates[encoding] = (sum(size for *_, size in files), seconds)
        everything = sorted(name for files in written.values() for name, _, _ in files)
        seconds = best_time(lambda: decode_shard(root, everything, 1 << 30), args.repeats)
    for encoding, (size, spent) in rates.items():
        print(f"{encoding:<10} {size / 1e6:6.1f} MB {size / 1e6 / spent:7.1f} MB/s")
    total = sum(size for size, _ in rates.values())
    print(f"all        {total / 1e6:6.1f} MB {total / 1e6 / seconds:7.1f} MB/s ({len(everything)} files, one shard)")


if __name__ == "__main__":
    main()
