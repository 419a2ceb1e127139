"""Score the pipeline on real pages: every stage in process, then ../shared/tools/score_real.py and gate.py.

    python bench/real.py [--pages ../shared/corpus/real/pages] [--out bench/out/real] [-v]

Runs the stages on the pages as one shard with the shipped config (the same wiring as the workflow, without
validation or publishing: a page that fails a content check is still scored), writes the tables where
score_real.py looks for a published version, and prints its figures and gate.py's verdict. The figures that
count are those of the workflow's own published run (the README shows how); this is the quick loop.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jianghua.testing.real import PAGES, missing, score_real_pages

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=Path, default=PAGES, help="its gold.json lies beside it")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "real")
    parser.add_argument("-v", "--verbose", action="store_true", help="print score_real.py's defects too")
    args = parser.parse_args()
    if reason := missing(args.pages):
        sys.exit(f"real pages, gold or scoring tools {reason}")
    score = score_real_pages(args.out, args.pages)
    print(f"{score.pages} pages, stages in process in {score.seconds:.1f} s\n{score.figures}")
    if args.verbose:
        print(score.defects)
    print(score.gate)


if __name__ == "__main__":
    main()
