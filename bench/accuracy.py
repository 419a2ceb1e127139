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

from jianghua.runner import process
from jianghua.testing.accuracy import score
from jianghua.testing.sample import write_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=20)
    parser.add_argument("--seed", type=int, default=777)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        truth = write_corpus(tmp, seed=args.seed, target_bytes=int(args.megabytes * 1e6))
        start = time.perf_counter()
        frames = process(Path(tmp) / "corpus")
        seconds = time.perf_counter() - start
    result = score(frames, truth)
    print(f"{len(truth['files'])} files, {result['documents']} documents, stages in {seconds:.1f} s")
    print(json.dumps({k: round(v, 4) for k, v in result.items()}, indent=1))


if __name__ == "__main__":
    main()
