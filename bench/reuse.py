"""Benchmark the reuse stage: near-duplicate pairs found against the generator's truth, and what the stage costs.

    python bench/reuse.py [--files 600] [--near-duplicates 0.3] [--seed 777] [--no-datasketch]

Generates a corpus in which a share of the files republish an earlier one with a site's edits, runs every
stage in process (one shard) and prints:
- pair precision and recall, recall by edit kind and by true similarity (exact Jaccard similarity of the
  folded shingles), the targets being recall >= 0.95 at true similarity >= 0.8 and precision >= 0.98;
- each stage's seconds, and the reuse stage's share of them;
- the same clusters and passages for 1, 4 and 16 shards;
- the stage's seconds per document on a quarter, a half and all of the documents (n log n or better keeps
  the figure flat);
- the signature and LSH kernels side by side with datasketch's ``MinHash``/``MinHashLSH`` (same permutations
  and bands) on the same shingles, when datasketch is installed (it is not a dependency).
Not a test: timings vary with the machine.
"""

from __future__ import annotations

import argparse
import importlib
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from jianghua import registry, runner
from jianghua.config import load_config
from jianghua.inputs import shard_of
from jianghua.stages import reuse
from jianghua.testing.accuracy import reuse_accuracy
from jianghua.testing.sample import write_corpus
from jianghua.text import minhash


def run_stages(corpus: Path) -> tuple[dict[str, pl.DataFrame], dict[str, float]]:
    """``runner.process``, timing each stage."""
    config = load_config(registry.DEFAULT_CONFIG, {"input_dir": str(corpus), "shards": 1})
    frames: dict[str, pl.DataFrame] = {}
    seconds = {}
    for stage in registry.TABLE_STAGES:
        module = importlib.import_module(stage.module)
        given = {t: frames[t].select(columns) if columns else frames[t] for t, columns in stage.reads.items()}
        start = time.perf_counter()
        frames |= module.run(given if stage.scope == "shard" else [given], runner.Settings.of(config, stage.name, shard=0))
        seconds[stage.name] = time.perf_counter() - start
    return frames, seconds


def shards(frames: dict, count: int, keep: set[str] | None = None) -> list[dict[str, pl.DataFrame]]:
    """The reuse stage's inputs dealt to ``count`` shards as the workflow deals the files (``keep``: only these
    documents)."""
    shard = {sid: shard_of(path, count) for path, sid in zip(frames["sources"]["path"], frames["sources"]["source_id"])}
    of = pl.col("doc_id").str.slice(0, 16).replace_strict(shard, return_dtype=pl.Int64)
    wanted = pl.lit(True) if keep is None else pl.col("doc_id").is_in(list(keep))
    return [{t: frames[t].filter((of == i) & wanted).select(columns)
             for t, columns in registry.STAGES["reuse"].reads.items() if t != "sources"} for i in range(count)]


def timed(function, *args, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, out


def kernels(frames: dict, config: reuse.ReuseConfig) -> dict[str, float]:
    """Seconds of signatures + LSH candidates: ours (vectorised numpy) and datasketch's on the same shingles."""
    part = shards(frames, 1)[0]
    sentences = part["sentences"].sort("doc_id", "sentence_no")
    doc_ids = part["documents"]["doc_id"].sort()
    points, lengths = minhash.fold(sentences["text"], config.mask_token)
    body = (sentences.select("doc_id").with_columns(n=pl.Series(lengths)).group_by("doc_id", maintain_order=True)
            .agg(pl.col("n").sum()))
    body_chars = doc_ids.to_frame().join(body, on="doc_id", how="left").fill_null(0)["n"].to_numpy()

    def ours():
        hashes, owner = minhash.shingle_hashes(points, body_chars, config.shingle_chars)
        signature = minhash.signatures(hashes, owner, len(doc_ids), config.permutations)
        return minhash.candidate_pairs(minhash.band_keys(signature, config.bands), body_chars > 0)

    found = {"documents": len(doc_ids), "numpy_seconds": timed(ours)[0]}
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return found
    text = minhash.text_of(points)
    ends = np.cumsum(body_chars)
    k = config.shingle_chars
    docs = [text[e - n:e] for e, n in zip(ends.tolist(), body_chars.tolist())]
    shingle_sets = [[d[i:i + k].encode() for i in range(len(d) - k + 1)] or [d.encode()] for d in docs]

    def theirs():
        lsh = MinHashLSH(num_perm=config.permutations, params=(config.bands, config.permutations // config.bands))
        signatures = []
        for number, shingles in enumerate(shingle_sets):
            m = MinHash(num_perm=config.permutations, seed=1)
            m.update_batch(shingles)
            signatures.append(m)
            lsh.insert(number, m)
        return sum(len(lsh.query(m)) for m in signatures)

    found["datasketch_seconds"] = timed(theirs, repeat=1)[0]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=600)
    parser.add_argument("--near-duplicates", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=777)
    parser.add_argument("--no-datasketch", action="store_true")
    args = parser.parse_args()
    config = reuse.ReuseConfig.of(runner.Settings.of(load_config(), "reuse"))
    with tempfile.TemporaryDirectory() as tmp:
        truth = write_corpus(tmp, n_files=args.files, seed=args.seed, near_duplicates=args.near_duplicates)
        megabytes = sum(p.stat().st_size for p in (Path(tmp) / "corpus").rglob("*") if p.is_file()) / 1e6
        frames, seconds = run_stages(Path(tmp) / "corpus")
    scores = reuse_accuracy(frames, truth, config.shingle_chars, config.mask_token)
    total = sum(seconds.values())
    print(f"{len(truth['files'])} files ({megabytes:.1f} MB), {frames['documents'].height} documents, "
          f"{len(truth['near_duplicates'])} injected copies")
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()}, indent=1))
    print("stage seconds:", json.dumps({k: round(v, 2) for k, v in seconds.items()}),
          f"reuse share {seconds['reuse'] / total:.1%}")
    one = reuse.reuse(shards(frames, 1), config)
    same = {count: all(reuse.reuse(shards(frames, count), config)[t].equals(one[t]) for t in one) for count in (4, 16)}
    print("same output for 4 and 16 shards as for 1:", same)
    ids = frames["documents"]["doc_id"].sort().to_list()
    for share in (4, 2, 1):
        keep = set(ids[::share])
        t, _ = timed(lambda: reuse.reuse(shards(frames, 1, keep), config), repeat=2)
        print(f"reuse on {len(keep)} documents: {t:.3f} s, {t / len(keep) * 1e3:.3f} ms per document")
    if not args.no_datasketch:
        print("kernels (signatures + LSH candidates):", json.dumps({k: round(v, 3) for k, v in kernels(frames, config).items()}))


if __name__ == "__main__":
    main()
