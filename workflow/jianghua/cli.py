"""The ``jianghua`` command: ``run`` one job of any stage (what the Snakemake rules call), ``write-config``, ``sample``."""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import sys
from pathlib import Path

from jianghua.errors import JianghuaError


def _named_paths(items: list[str] | None, option: str) -> dict[str, list[str]]:
    """NAME=PATH arguments, grouped by name in the order given (a table's shards in shard order)."""
    grouped: dict[str, list[str]] = {}
    for item in items or []:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise JianghuaError(f"{option} takes NAME=PATH, got '{item}'")
        grouped.setdefault(name, []).append(path)
    return grouped


def _counts(text: str) -> list[int]:
    """'3,0,5' -> [3, 0, 5]."""
    try:
        return [int(n) for n in text.split(",")]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated counts such as 3,0,5, got '{text}'") from exc


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters of glibc's malloc.h
MMAP_THRESHOLD = 32 << 20  # the largest glibc accepts on 64-bit systems
TRIM_THRESHOLD = 1 << 30


def reuse_freed_memory() -> None:
    """Have glibc keep freed memory for reuse instead of handing it back to the kernel.

    A stage allocates and frees arrays the size of its shard over and over; by default glibc unmaps each
    and the next one pays a page fault per page (a tenth of a normalize job). Elsewhere than glibc this
    does nothing.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def hand_back_arrow_memory() -> None:
    """Have Arrow's allocator (mimalloc) hand freed pages back at once; read when pyarrow loads, so called first.

    A table read through Arrow into polars frees the Arrow copy; kept for later reuse, as by default, it stayed
    in the job's resident memory to the end (at a gigabyte: a corpus table's sort job 1,430 -> 1,020 MB, the
    validate job 1,590 -> 1,340 MB, the same CPU). An explicit setting of the variable is kept.
    """
    os.environ.setdefault("MIMALLOC_PURGE_DELAY", "0")


def _parser() -> argparse.ArgumentParser:
    from jianghua.registry import STAGES

    parser = argparse.ArgumentParser(
        prog="jianghua", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Raw scraped Chinese speeches -> clean, traceable, validated parquet datasets.\n\n"
                    "The pipeline is run by Snakemake from the repository root:\n"
                    "  snakemake --cores 2 --config input_dir=/path/to/raw/files\n"
                    "and read back in Python with jianghua.load(\"documents\"). These commands are what its jobs call.",
        epilog="examples:\n"
               "  jianghua sample /tmp/sample --files 100    write a generated corpus and its truth\n"
               "  jianghua run decode --help                 the options of one job")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run one job of a stage, as jianghua/registry.py declares it")
    p.add_argument("stage", choices=list(STAGES), help="the stage (or publishing step) to run")
    p.add_argument("--settings", required=True, metavar="JSON",
                   help="the stage's config keys as flat JSON, {\"normalize.mask_token\": \"×\", ...}")
    p.add_argument("--in", dest="inputs", action="append", metavar="NAME=PATH",
                   help="an input: a table and one of its shard files (repeat, in shard order), or another named file")
    p.add_argument("--out", dest="outputs", action="append", metavar="NAME=PATH",
                   help="an output: a table and the file to write, or another named file")
    p.add_argument("--shard", type=int, metavar="N", help="the shard number of a per-shard job (0-based)")
    p.add_argument("--table", help="the table of a per-table job (sort_table)")
    p.add_argument("--entries-per-shard", type=_counts, metavar="COUNTS", help="input entries hashed to each shard, in shard order "
                   "(validation checks that each became a source or a reject)")
    p.add_argument("--manifest", metavar="PATH", help="the file listing the input entries of a decode job's shard "
                   "(the shard plan writes it)")
    p.add_argument("--manifest-entries", type=int, metavar="N", help="the entries the shard plan counted in the "
                   "shard: a manifest listing another number is stale")
    p.add_argument("--input-root", metavar="PATH", help="where a decode job reads its entries: input_dir itself, "
                   "or for an input_dir in object storage the local copies Snakemake retrieved")

    p = sub.add_parser("write-config", help="write the resolved config as canonical JSON")
    p.add_argument("config_json", help="the config as JSON")
    p.add_argument("out", help="the file to write")

    p = sub.add_parser("sample", help="write the embedded sample corpus (or a larger one) and its truth")
    p.add_argument("out_dir", help="folder that receives corpus/ and truth.json")
    p.add_argument("--files", type=int, default=36, help="number of files (default 36)")
    p.add_argument("--megabytes", type=float, default=None, help="write files until the corpus has this size")
    p.add_argument("--seed", type=int, default=20240601, help="seed of the generator (default: the sample's)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run it; errors print one clear message and exit 2."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    reuse_freed_memory()
    hand_back_arrow_memory()
    try:
        return _dispatch(args)
    except JianghuaError as exc:
        print(f"jianghua {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        from jianghua.runner import Settings, resources_line, run

        outputs = {name: paths[-1] for name, paths in _named_paths(args.outputs, "--out").items()}
        settings = Settings(args.stage, json.loads(args.settings), shard=args.shard, table=args.table,
                            entries_per_shard=args.entries_per_shard, manifest=args.manifest,
                            manifest_entries=args.manifest_entries, input_root=args.input_root)
        run(args.stage, _named_paths(args.inputs, "--in"), outputs, settings)
        print(resources_line(args.stage))
    elif args.command == "write-config":
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(json.loads(args.config_json), ensure_ascii=False, sort_keys=True,
                                             indent=1) + "\n", encoding="utf-8")
    elif args.command == "sample":
        from jianghua.testing import sample
        target = int(args.megabytes * 1e6) if args.megabytes else None
        truth = sample.write_corpus(args.out_dir, n_files=args.files, seed=args.seed, target_bytes=target)
        print(f"wrote {len(truth['files'])} files to {args.out_dir}/corpus")
    return 0


if __name__ == "__main__":
    sys.exit(main())
