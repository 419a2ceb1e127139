"""Benchmark segmentation and extraction against the generator's truth on a freshly generated corpus.

    python bench/accuracy.py [--megabytes 20] [--seed 777]

Generates a corpus with a seed other than the embedded sample's, runs every stage in process (one shard)
and prints formulation precision and recall, item lists exact, first-level heading precision and recall,
and titles exact.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from jianghua import decode, extract, normalize, segment
from jianghua.accuracy import score
from jianghua.sample import write_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=20)
    parser.add_argument("--seed", type=int, default=777)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        truth = write_corpus(tmp, seed=args.seed, target_bytes=int(args.megabytes * 1e6))
        corpus = Path(tmp) / "corpus"
        start = time.perf_counter()
        frames = decode.decode_shard(corpus, decode.walk(corpus), 64 << 20, 2.0)
        frames |= normalize.normalize_frame(frames["decoded"], "×", 3, 0.1, ["同志们："])
        frames |= segment.segment_frame(frames["normalized"], frames["edits"])
        frames |= extract.extract_frame(frames["documents"], frames["sentences"], frames["edits"],
                                        frames["decoded"], "×")
        seconds = time.perf_counter() - start
    result = score(frames, truth)
    print(f"{len(truth['files'])} files, {result['documents']} documents, stages in {seconds:.1f} s")
    print(json.dumps({k: round(v, 4) for k, v in result.items()}, indent=1))


if __name__ == "__main__":
    main()
