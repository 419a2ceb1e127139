"""Benchmark: generate a corpus of N MB, run the whole workflow on it, print throughput and memory.

    python bench/run.py --megabytes 100 [--shards auto|N] [--cores 2] [--workdir bench/out]

Prints, per stage: jobs, summed job seconds, MB/s per process (input MB / summed seconds), peak RSS of
any job; end to end: wall seconds and MB/s; the number of Snakemake jobs and the time to build the DAG.
Also times the normalize stage on one shard, side by side with a plain ``OpenCC('t2s').convert`` loop
on the same text; and runs the plain-script peer (``bench/peer.py``: the official OpenCC wheel and regexes,
in a virtual environment of its own made once under the workdir) over the same corpus, printing its MB per
CPU second, ours (the decode and normalize jobs' CPU seconds) and the ratio.
Not a test: timings vary with the machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEER_PACKAGES = ("opencc", "pyarrow")  # the official OpenCC wheel; pyarrow to write parquet
STAGES = ("decode", "normalize", "segment", "extract", "survey", "reuse", "validate", "publish")


# the jobs' commands call ``python``: this one
ENV = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


def snakemake(workdir: Path, corpus: Path, shards: int | str, cores: int, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory",
               str(workdir), "--cores", str(cores), "--config", f"input_dir={corpus}", f"shards={shards}", *extra]
    result = subprocess.run(command, capture_output=True, text=True, env=ENV)
    if result.returncode:
        sys.exit(f"snakemake failed:\n{result.stderr[-3000:]}")
    return result


def job_stats(workdir: Path) -> dict[str, list[dict]]:
    """Per stage, one row per job: its wall seconds (Snakemake's benchmark) and its CPU seconds and peak memory
    (the resources line of its log: the benchmark's own CPU time is sampled, and misses much of a long job)."""
    from jianghua.runner import RESOURCES_PREFIX

    stats: dict[str, list[dict]] = {}
    for stage in STAGES:
        folder = workdir / "results" / "benchmarks"
        # a stage of one job (survey, reuse) has results/benchmarks/<stage>.tsv, others one per job (or group)
        for path in [p for p in [folder / f"{stage}.tsv"] if p.exists()] + sorted((folder / stage).glob("*.tsv")):
            log = workdir / "results" / "logs" / path.relative_to(folder).with_suffix(".log")
            lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith(RESOURCES_PREFIX)]
            used = json.loads(lines[-1][len(RESOURCES_PREFIX):])
            with path.open() as handle:
                stats.setdefault(stage, []).extend({"s": float(r["s"]), "cpu": used["cpu_seconds"],
                                                    "rss": used["max_rss_mb"]} for r in csv.DictReader(handle, delimiter="\t"))
    return stats


def normalize_comparison(workdir: Path) -> dict[str, float]:
    """MB/s of the normalize stage on one shard (read, transform, write) and of its T->S step alone (median of
    three runs each), and of the package's ``OpenCC('t2s').convert`` over the same texts (one run)."""
    import tempfile

    import polars as pl
    from opencc import OpenCC

    from jianghua import registry, runner, tables
    from jianghua.cli import reuse_freed_memory
    from jianghua.config import load_config
    from jianghua.text.t2s import convert_t2s

    reuse_freed_memory()  # as every job does
    shard = sorted((workdir / "results" / "decode" / "decoded").glob("*.parquet"))[0]
    texts = tables.read("decoded", shard)["text"].to_list()
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    convert_t2s(pl.Series(texts[:1]))  # the pattern table is built once per job, before its text

    def median_seconds(step) -> float:  # of three runs: one run on this machine varies by a fifth
        times = []
        for _ in range(3):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    with tempfile.TemporaryDirectory() as folder:
        outputs = {table: f"{folder}/{table}.parquet" for table in registry.STAGES["normalize"].writes}
        # the corpus tables as the workflow's job reads them: the survey's projections
        inputs = {"decoded": [str(shard)], **{table: [str(workdir / "results" / "survey" / f"{name}.parquet")]
                                              for name, (table, _) in registry.projections().items()}}
        settings = runner.Settings.of(load_config(), "normalize")  # the shipped config
        stage = median_seconds(lambda: runner.run("normalize", inputs, outputs, settings))
    t2s = median_seconds(lambda: convert_t2s(pl.Series(texts)))
    converter = OpenCC("t2s")
    start = time.perf_counter()
    for text in texts:
        converter.convert(text)
    opencc = time.perf_counter() - start
    return {"megabytes": megabytes, "stage": megabytes / stage, "t2s": megabytes / t2s, "opencc": megabytes / opencc}


def peer_python(workdir: Path) -> Path | None:
    """The Python of the peer's virtual environment (``workdir/peer-venv``, made once with ``PEER_PACKAGES``),
    or None, said why, when pip cannot install them here."""
    venv = workdir / "peer-venv"
    python = venv / "bin" / "python"
    installed = venv / "installed"  # written once pip succeeded, so a half-made environment is made again
    if installed.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    for step, command in (("python -m venv could not make", [sys.executable, "-m", "venv", str(venv)]),
                          (f"pip could not install {' '.join(PEER_PACKAGES)} into",
                           [str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES])):
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode:
            print(f"peer: {step} {venv} (no wheel for this platform, or no index?), so no peer comparison:\n"
                  f"{result.stderr.strip()[-1500:]}")
            return None
    installed.write_text(" ".join(PEER_PACKAGES) + "\n")
    return python


def children_cpu_seconds(command: list[str]) -> float:
    """CPU seconds (user + system, with every process it started) of ``command``; exits with its error output
    if it fails."""
    # the children's usage counts every process reaped so far (the snakemake runs too): take the difference
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{command} failed:\n{result.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def peer_cpu_seconds(workdir: Path, corpus: Path, processes: int) -> float | None:
    """CPU seconds of the peer (``bench/peer.py``, its worker processes included) over ``corpus``, or None
    where its environment cannot be made."""
    python = peer_python(workdir)
    if python is None:
        return None
    out = workdir / "peer-out"
    shutil.rmtree(out, ignore_errors=True)
    # -I: neither PYTHONPATH nor the user's site-packages, whose opencc would be the pipeline's
    return children_cpu_seconds([str(python), "-I", str(REPO / "bench" / "peer.py"), str(corpus), str(out),
                                 "--processes", str(processes)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=100)
    parser.add_argument("--shards", default="auto",
                        help="a count, or auto (the default, as the shipped config sizes them: one per shard_megabytes)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--near-duplicates", type=float, default=0.0,
                        help="share of the files that republish another with a site's edits")
    args = parser.parse_args()

    from jianghua.testing.sample import write_corpus

    corpus_dir = args.workdir / (f"corpus-{args.megabytes:g}mb"
                                 + (f"-dup{args.near_duplicates:g}" if args.near_duplicates else ""))
    if not (corpus_dir / "truth.json").exists():
        start = time.perf_counter()
        write_corpus(corpus_dir, target_bytes=int(args.megabytes * 1e6), near_duplicates=args.near_duplicates)
        print(f"generated corpus in {time.perf_counter() - start:.1f} s")
    corpus = corpus_dir / "corpus"
    files = [p for p in corpus.rglob("*") if p.is_file()]
    megabytes = sum(p.stat().st_size for p in files) / 1e6

    run_dir = args.workdir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    start = time.perf_counter()
    dry = snakemake(run_dir, corpus, args.shards, args.cores, "--dry-run")
    dag_seconds = time.perf_counter() - start
    jobs = next((line.split()[-1] for line in (dry.stdout + dry.stderr).splitlines() if line.startswith("total")), "?")
    start = time.perf_counter()
    snakemake(run_dir, corpus, args.shards, args.cores, "--quiet")
    wall = time.perf_counter() - start

    stats = job_stats(run_dir)
    print(f"\ncorpus: {len(files)} files, {megabytes:.1f} MB, {len(stats['decode'])} shards, {args.cores} cores")
    print(f"snakemake: {jobs} jobs, DAG built (dry run) in {dag_seconds:.1f} s")
    # wall seconds of a job grow with whatever else the machine runs; its CPU seconds much less
    print(f"{'stage':<10} {'jobs':>5} {'job s':>8} {'cpu s':>8} {'MB/s/proc':>10} {'peak MB':>8}")
    total = sum(r["s"] for rows in stats.values() for r in rows)
    for stage, rows in stats.items():
        seconds = sum(r["s"] for r in rows)
        cpu = sum(r["cpu"] for r in rows)
        peak = max(r["rss"] for r in rows)
        rate = f"{megabytes / seconds:10.1f}" if stage in STAGES[:4] else f"{'-':>10}"
        print(f"{stage:<10} {len(rows):>5} {seconds:>8.1f} {cpu:>8.1f} {rate} {peak:>8.0f}")
    cpu_total = sum(r["cpu"] for rows in stats.values() for r in rows)
    print(f"job CPU seconds in all: {cpu_total:.1f}; input MB per job CPU second: {megabytes / (cpu_total or 1):.2f}")
    print(f"job seconds in all: {total:.1f}; the reuse stage's share {sum(r['s'] for r in stats.get('reuse', [])) / (total or 1):.1%}")
    print(f"end to end: {wall:.1f} s wall, {megabytes / wall:.1f} MB/s")
    rates = normalize_comparison(run_dir)
    print(f"normalize, one shard ({rates['megabytes']:.1f} MB) in process: the stage {rates['stage']:.1f} MB/s "
          f"(its T->S step {rates['t2s']:.1f} MB/s); OpenCC('t2s').convert on the same text "
          f"{rates['opencc']:.2f} MB/s; ratio {rates['stage'] / rates['opencc']:.1f}x (T->S step "
          f"{rates['t2s'] / rates['opencc']:.0f}x)")
    peer = peer_cpu_seconds(args.workdir, corpus, args.cores)
    if peer is not None:
        ours = sum(r["cpu"] for stage in ("decode", "normalize") for r in stats.get(stage, []))
        print(f"peer (bench/peer.py: OpenCC wheel + regexes, {args.cores} processes): {peer:.1f} CPU s, "
              f"{megabytes / peer:.2f} MB per CPU second")
        print(f"ours (the decode + normalize jobs): {ours:.1f} CPU s, {megabytes / ours:.2f} MB per CPU second")
        print(f"ratio ours/peer (MB per CPU second): {peer / ours:.2f}")


if __name__ == "__main__":
    main()
