"""Score the pipeline on real pages: every stage in process, then ../shared/tools/score_real.py and gate.py.

    python bench/real.py [--pages ../shared/corpus/real/pages] [--out bench/out/real] [-v]

Runs the stages on the pages as one shard with the shipped config (the same wiring as the workflow, without
validation or publishing: a page that fails a content check is still scored), writes the tables where
score_real.py looks for a published version, and prints its figures and gate.py's verdict. The figures that
count are those of the workflow's own published run (the README shows how); this is the quick loop.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=Path, default=SHARED / "corpus" / "real" / "pages")
    parser.add_argument("--gold", type=Path, default=None, help="default: gold.json beside the pages folder")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "real")
    parser.add_argument("-v", "--verbose", action="store_true", help="print score_real.py's defects too")
    args = parser.parse_args()
    gold = args.gold or args.pages.parent / "gold.json"
    tools = SHARED / "tools"
    if not args.pages.is_dir() or not gold.is_file() or not tools.is_dir():
        sys.exit(f"real pages, gold or scoring tools not found ({args.pages}, {gold}, {tools}): they live in ../shared")

    from jianghua import registry, tables
    from jianghua.runner import process

    start = time.perf_counter()
    frames = process(args.pages)
    seconds = time.perf_counter() - start
    version = args.out / "results" / "published" / "in-process"
    shutil.rmtree(args.out, ignore_errors=True)
    for table in registry.ALL_TABLES:
        tables.write(frames[table], table, version / table / "part-00000.parquet")
    (version.parent / "LATEST").write_text("in-process\n", encoding="utf-8")
    score = args.out / "score.json"
    result = subprocess.run([sys.executable, str(tools / "score_real.py"), str(args.out), "--gold", str(gold),
                             "--pages", str(args.pages), "--json", str(score)], capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"score_real.py failed:\n{result.stderr}")
    figures, _, defects = result.stdout.partition("\nPER PAGE:")
    print(f"{frames['sources'].height} pages, stages in process in {seconds:.1f} s\n{figures.strip()}")
    if args.verbose:
        print("PER PAGE:" + defects)
    subprocess.run([sys.executable, str(tools / "gate.py"), str(score)])


if __name__ == "__main__":
    main()
