"""Benchmark repair on simulated damage of text the character model never saw.

    python bench/repair.py [--documents 200] [--seed 4242]

Composes clean documents with a seed the embedded corpus does not use, damages them with the sites'
byte-level mechanism (jianghua.damage), repairs them (jianghua.repair) and prints the share of damaged spans
repaired exactly, the spans flagged, wrong repairs, changes outside damaged spans, and the throughput.
"""

import argparse
import time

from jianghua.testing.accuracy import repair_accuracy
from jianghua.testing.sample import clean_traditional_documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--min-margin", type=float, default=2.0)
    args = parser.parse_args()
    texts = clean_traditional_documents(args.seed, args.documents)
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    start = time.perf_counter()
    result = repair_accuracy(texts, args.min_margin)
    seconds = time.perf_counter() - start
    print(f"{result['texts']} documents, {megabytes:.1f} MB, {result['damaged_spans']} damaged spans")
    exact = round(result["exact"] * result["damaged_spans"])
    print(f"repaired exactly: {exact} of {result['damaged_spans']} ({result['exact']:.3%}); flagged: {result['flagged']}; wrong repairs: "
          f"{result['wrong_repairs']}; changed outside damaged spans: {result['changed_outside']}")
    print(f"simulate + repair + compare: {seconds:.1f} s ({megabytes / seconds:.2f} MB/s of damaged text)")


if __name__ == "__main__":
    main()
