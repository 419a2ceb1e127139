"""The ``jianghua`` command: one subcommand per stage, called by the Snakemake rules, plus ``sample``."""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import sys
from pathlib import Path

from jianghua.errors import JianghuaError


def _pairs(items: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise JianghuaError(f"{option} takes TABLE=PATH, got '{item}'")
        pairs[name] = value
    return pairs


def _multi(items: list[str], option: str) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in ((i.partition("=")[0], i.partition("=")[2]) for i in items or []):
        if not value:
            raise JianghuaError(f"{option} takes TABLE=PATH, got '{name}'")
        grouped.setdefault(name, []).append(value)
    return grouped


def _counts(text: str) -> list[int]:
    """"3,0,5" -> [3, 0, 5]."""
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


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one stage; errors print one clear message and exit 2."""
    parser = argparse.ArgumentParser(prog="jianghua", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("decode", help="decode and repair one shard of raw files")
    p.add_argument("--input-dir", required=True)
    p.add_argument("--shard", type=int, required=True)
    p.add_argument("--shards", type=int, required=True)
    p.add_argument("--max-file-bytes", type=int, required=True)
    p.add_argument("--repair-min-margin", type=float, required=True)
    p.add_argument("--out", action="append", required=True, metavar="TABLE=PATH")

    p = sub.add_parser("normalize", help="normalize one shard")
    p.add_argument("--decoded", required=True)
    p.add_argument("--mask-token", required=True)
    p.add_argument("--boilerplate-min-files", type=int, required=True)
    p.add_argument("--boilerplate-min-share", type=float, required=True)
    p.add_argument("--protected-lines", required=True, help="JSON list of lines never removed")
    p.add_argument("--out", action="append", required=True, metavar="TABLE=PATH")

    p = sub.add_parser("segment", help="segment one shard")
    p.add_argument("--normalized", required=True)
    p.add_argument("--edits", required=True)
    p.add_argument("--out", action="append", required=True, metavar="TABLE=PATH")

    p = sub.add_parser("extract", help="extract mentions and metadata of one shard")
    p.add_argument("--in", dest="inputs", action="append", required=True, metavar="TABLE=PATH")
    p.add_argument("--mask-token", required=True)
    p.add_argument("--out", action="append", required=True, metavar="TABLE=PATH")

    p = sub.add_parser("validate", help="run the expectation suites of tables over all shards")
    p.add_argument("--table", action="append", required=True, help="repeat --table, --json, --docs-dir per table")
    p.add_argument("--in", dest="inputs", action="append", default=[], metavar="TABLE=PATH")
    p.add_argument("--entries-per-shard", type=_counts, default=None,
                   help="comma-separated number of input entries in each shard, in shard order")
    p.add_argument("--batch-megabytes", type=float, default=0.0,
                   help="megabytes in memory of the checked rows of consecutive shards validated in one "
                        "great-expectations run (default: one shard per run)")
    p.add_argument("--json", action="append", required=True)
    p.add_argument("--docs-dir", action="append", required=True, help="folder for the great-expectations Data Docs")

    p = sub.add_parser("sort-table", help="write a table's shards as parts sorted by its keys, for publishing")
    p.add_argument("--table", required=True)
    p.add_argument("--in", dest="inputs", action="append", required=True, metavar="TABLE=PATH",
                   help="every shard of the table, and of sources (which tell duplicates apart)")
    p.add_argument("--part-megabytes", type=float, default=0.0,
                   help="megabytes in memory of each part (default: a part per shard)")
    p.add_argument("--out-dir", required=True)

    p = sub.add_parser("publish", help="gate on validation and publish a version")
    p.add_argument("--sorted", action="append", required=True, metavar="TABLE=DIR", help="a sort-table folder")
    p.add_argument("--in", dest="inputs", action="append", required=True, metavar="TABLE=PATH",
                   help="every shard of sources and rejects (the inputs hashed into the version id)")
    p.add_argument("--validation", action="append", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--keep", type=int, required=True)

    p = sub.add_parser("report", help="draw the report's plots and pages")
    p.add_argument("--in", dest="inputs", action="append", required=True, metavar="TABLE=PATH")
    p.add_argument("--validation", action="append", required=True)
    p.add_argument("--out-dir", required=True)

    p = sub.add_parser("write-config", help="write the resolved config as canonical JSON")
    p.add_argument("config_json")
    p.add_argument("out")

    p = sub.add_parser("sample", help="write the embedded sample corpus (or a larger one) and its truth")
    p.add_argument("out_dir")
    p.add_argument("--files", type=int, default=36)
    p.add_argument("--megabytes", type=float, default=None)
    p.add_argument("--seed", type=int, default=20240601)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    reuse_freed_memory()
    try:
        return _dispatch(args)
    except JianghuaError as exc:
        print(f"jianghua {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    # Stage modules are imported on demand so that each command loads only what it uses.
    if args.command == "decode":
        from jianghua import decode
        decode.run(args.input_dir, args.shard, args.shards, args.max_file_bytes, args.repair_min_margin,
                   _pairs(args.out, "--out"))
    elif args.command == "normalize":
        from jianghua import normalize
        normalize.run(args.decoded, _pairs(args.out, "--out"), args.mask_token, args.boilerplate_min_files,
                      args.boilerplate_min_share, json.loads(args.protected_lines))
    elif args.command == "segment":
        from jianghua import segment
        segment.run(args.normalized, args.edits, _pairs(args.out, "--out"))
    elif args.command == "extract":
        from jianghua import extract
        extract.run(_pairs(args.inputs, "--in"), _pairs(args.out, "--out"), args.mask_token)
    elif args.command == "validate":
        from jianghua import validate
        if not len(args.table) == len(args.json) == len(args.docs_dir):
            raise JianghuaError("validate: give one --json and one --docs-dir for each --table, in the same order")
        for table, out_json, docs_dir in zip(args.table, args.json, args.docs_dir):
            validate.run(table, _multi(args.inputs, "--in"), out_json, docs_dir, args.entries_per_shard,
                         int(args.batch_megabytes * 1e6))
    elif args.command == "sort-table":
        from jianghua import publish
        inputs = _multi(args.inputs, "--in")
        publish.sort_table(args.table, inputs.get(args.table, []), inputs.get("sources", []), args.out_dir,
                           int(args.part_megabytes * 1e6))
    elif args.command == "publish":
        from jianghua import publish
        inputs = _multi(args.inputs, "--in")
        version = publish.publish(_pairs(args.sorted, "--sorted"), inputs.get("sources", []), inputs.get("rejects", []),
                                  args.validation, args.config, args.root, args.keep)
        print(f"published version {version} under {args.root}")
    elif args.command == "report":
        from jianghua import report
        report.run(_multi(args.inputs, "--in"), args.validation, args.out_dir)
    elif args.command == "write-config":
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(json.loads(args.config_json), ensure_ascii=False, sort_keys=True,
                                             indent=1) + "\n", encoding="utf-8")
    elif args.command == "sample":
        from jianghua import sample
        target = int(args.megabytes * 1e6) if args.megabytes else None
        truth = sample.write_corpus(args.out_dir, n_files=args.files, seed=args.seed, target_bytes=target)
        print(f"wrote {len(truth['files'])} files to {args.out_dir}/corpus")
    return 0


if __name__ == "__main__":
    sys.exit(main())
