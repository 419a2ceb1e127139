"""The shard plan of a very large input folder: what parsing the workflow costs once per run.

    python bench/plan.py --entries 1000000

Writes ``--entries`` small files (in folders of 1,000, as scrapes store them) under ``--workdir`` once, then
times ``inputs.shard_plan`` in fresh processes, as Snakemake's parse calls it: cold (no content index: a
first run), after every shard's decode job recorded what it read (the records taken in), warm (nothing
changed), and with every file touched (each read again and found unchanged). Prints seconds, peak memory
and the files each plan read.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

# one process per measurement, so that each pays what a parse pays (no warm interpreter, its own peak)
MEASURE = """
import json, os, resource, sys, time
sys.path.insert(0, {workflow!r})
import jianghua.inputs as inputs
opened = []
digest = inputs.content_digest
inputs.content_digest = lambda path: opened.append(1) or digest(path)
started = time.perf_counter()
plan = inputs.shard_plan({corpus!r}, "auto", 32, {cache!r})
print(json.dumps({{"seconds": time.perf_counter() - started, "files_read": len(opened), "shards": len(plan["entries"]),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(corpus: Path, cache: Path) -> dict:
    code = MEASURE.format(workflow=str(REPO / "workflow"), corpus=str(corpus), cache=str(cache))
    return json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def write_corpus(corpus: Path, entries: int) -> None:
    """``entries`` files of a few hundred bytes each, every one different."""
    if corpus.exists() and sum(len(files) for _, _, files in os.walk(corpus)) == entries:
        return
    shutil.rmtree(corpus, ignore_errors=True)
    for number in range(entries):
        folder = corpus / f"{number // 1000:04d}"
        if number % 1000 == 0:
            folder.mkdir(parents=True)
        (folder / f"{number:07d}.txt").write_text(f"第{number}号文件。同志们：\n" * 8, encoding="utf-8")


def record_everything(corpus: Path, cache: Path) -> None:
    """What every shard's decode job records (``decode.run``): each file's lstat and sha256."""
    from jianghua import inputs

    plan = json.loads(cache.read_text(encoding="utf-8"))
    for shard, count in enumerate(plan["entries"]):
        manifest, read = inputs.manifest_path(cache, shard), []
        for entry in inputs.read_manifest(manifest, count):
            facts = os.lstat(corpus / entry)
            read.append((entry, facts.st_size, facts.st_mtime_ns, inputs.content_digest(str(corpus / entry))))
        inputs.record_read(inputs.record_path(manifest), str(corpus), read)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args()
    corpus = args.workdir / f"plan-corpus-{args.entries}"
    write_corpus(corpus, args.entries)
    state = args.workdir / "plan-state"
    shutil.rmtree(state, ignore_errors=True)
    cache = state / "shard-plan.json"
    print(f"{args.entries:,} entries")
    print("cold (first run, no index)", measure(corpus, cache), flush=True)
    record_everything(corpus, cache)
    print("records taken in (after a run)", measure(corpus, cache), flush=True)
    print("warm (nothing changed)", measure(corpus, cache), flush=True)
    for folder, _, files in os.walk(corpus):
        for name in files:
            os.utime(os.path.join(folder, name))
    print("every file touched", measure(corpus, cache), flush=True)
    print("warm again", measure(corpus, cache), flush=True)


if __name__ == "__main__":
    main()
