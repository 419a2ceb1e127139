"""Publish stage: validated shard tables -> ``results/published/<version>/``, a manifest, a card, ``LATEST``.

``sort_table`` (one job per table) writes a table as zstd parquet parts with statistics, sorted by the table's
keys across parts; a part holds about ``publish.part_megabytes`` of rows, so memory follows the part, not the
corpus.
``publish`` gates on the validation results and links the parts into the version folder. The version id is
a hash of the inputs (paths and sha256 of every file, rejected or not), the resolved config, the package
version and code, and the table schemas; never of the clock. The manifest sits beside the table folders
(never inside one: ``pl.scan_parquet(folder)`` must see parquet only).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version as package_version
from pathlib import Path

import polars as pl
import pyarrow as pa

from jianghua import __version__, counts, registry, tables
from jianghua.errors import ValidationFailed

# the libraries whose versions shape the published bytes (polars writes its own into every parquet file)
LIBRARIES = ("polars", "pyarrow", "numpy", "great-expectations", "opencc-python-reimplemented", "pypinyin", "snakemake")


def schema_fingerprint(table: str) -> str:
    """sha256 of the table's declared schema file."""
    return hashlib.sha256((tables.SCHEMA_DIR / f"{table}.json").read_bytes()).hexdigest()


def code_fingerprint() -> str:
    """sha256 over what the stages depend on (``registry.all_dependencies``): code, data tables, schemas."""
    digest = hashlib.sha256()
    for path in registry.all_dependencies():
        name = path.relative_to(registry.REPO).as_posix() if path.is_relative_to(registry.REPO) else path.name
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def gate(results: dict[str, dict]) -> None:
    """Raise ValidationFailed naming every table, failed critical expectation and example rows."""
    lines = []
    for table, summary in sorted(results.items()):
        for o in summary["expectations"]:
            if not o["success"] and o["severity"] == "critical":
                lines.append(f"table '{table}': expectation '{o['id']}' ({o['type']}) failed on "
                             f"{o['unexpected_count']} rows; example rows: "
                             f"{json.dumps(o['example_rows'], ensure_ascii=False)}")
    if lines:
        raise ValidationFailed("publishing stopped, critical expectations failed:\n  " + "\n  ".join(lines)
                               + "\nSee the Data Docs under results/validation/data_docs/<table>/; fix the stage or the input "
                               "and rerun.")


def version_id(sources: pl.DataFrame, rejects: pl.DataFrame, config_text: str) -> str:
    """The version id: the corpus (each file's path in it and content), the config, the code, the schemas and
    the library versions; never the clock, nor where the corpus lies (``input_dir``)."""
    inputs = sorted([(p, h) for p, h in zip(sources["path"], sources["sha256"])] +
                    [(p, h or r) for p, h, r in zip(rejects["path"], rejects["sha256"], rejects["reason"])])
    config = {key: value for key, value in json.loads(config_text).items() if key != "input_dir"}
    payload = {"inputs": inputs, "config": config, "package": __version__, "libraries": _library_versions(),
               "code": code_fingerprint(), "schemas": {t: schema_fingerprint(t) for t in tables.ALL_TABLES}}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def mark_duplicates(sources: pl.DataFrame, index: int, canonical: pl.DataFrame) -> pl.DataFrame:
    """The ``sources`` rows of shard ``index``; a file whose content another shard decoded first becomes a duplicate."""
    first = sources.join(canonical.rename({"shard": "first"}), on="source_id", how="left")["first"]
    return sources.with_columns(pl.when(first != index).then(pl.lit("duplicate")).otherwise(pl.col("status"))
                                .alias("status"))


# one row per input file, keyed by path, or one file for the corpus: published as one part
ONE_PART_TABLES = frozenset({"sources", "rejects"}) | registry.CORPUS_TABLES


def _key_ranges(table: str, shard_paths: list[str], canonical: pl.DataFrame, scratch: Path,
                part_bytes: int = 0) -> Iterator[pl.DataFrame]:
    """The rows of ``table``, one frame per part: in key order across parts, each about ``part_bytes`` in
    memory (at least one range; with 0, one range per part).

    Keys start with a content id (hex digits of a hash), so rows are dealt to ranges of its first four digits,
    as many as shards. Each shard is first rewritten to ``scratch`` as an Arrow file of record batches grouped
    by range, so that memory holds one shard or one part, never the table; consecutive ranges are then read
    back from every shard's open file (one file per shard, not one per shard and range) until a part is full.
    The per-file tables are small and come as one part.
    """
    if table in ONE_PART_TABLES:
        frames = [tables.read_shard(table, path, index, canonical) for index, path in enumerate(shard_paths)]
        if table == "sources":
            frames = [mark_duplicates(frame, index, canonical) for index, frame in enumerate(frames)]
        yield pl.concat(frames) if frames else tables.empty(table)
        return
    ranges = max(1, len(shard_paths))
    id_column = tables.spec(table)["keys"][0]
    range_of = (pl.col(id_column).str.slice(0, 4).str.to_integer(base=16) * ranges // 0x10000).alias("range")
    (scratch / table).mkdir(parents=True, exist_ok=True)
    schema = tables.arrow_schema(table)
    split = []  # per shard: its scratch file and the record batches of each range it holds
    range_bytes = [0] * ranges
    for index, path in enumerate(shard_paths):
        frame = tables.read_shard(table, path, index, canonical).with_columns(range_of).sort("range", maintain_order=True)
        counts = frame["range"].value_counts(sort=False).sort("range").rows()
        arrow = tables.conform(frame.drop("range"), table)  # once per shard, then sliced by range
        target = scratch / table / f"{index:05d}.arrow"
        batches: dict[int, range] = {}
        written = offset = 0
        with pa.ipc.new_file(target, schema) as writer:
            for number, count in counts:
                chunks = arrow.slice(offset, count).to_batches()
                for chunk in chunks:
                    writer.write_batch(chunk)
                    range_bytes[number] += chunk.nbytes
                batches[number] = range(written, written + len(chunks))
                written += len(chunks)
                offset += count
        # read, not memory-mapped: mapped pages would stay in the job's resident memory until the end
        split.append((pa.ipc.open_file(pa.OSFile(str(target))), batches))
    pieces, size = [], 0
    for number in range(ranges):
        pieces += [reader.get_batch(i) for reader, batches in split for i in batches.get(number, ())]
        size += range_bytes[number]
        if size >= part_bytes or number == ranges - 1:
            yield pl.from_arrow(pa.Table.from_batches(pieces, schema)) if pieces else tables.empty(table)
            pieces, size = [], 0


def _library_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = package_version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def dataset_card(version: str, manifest: dict, warnings: list[str]) -> str:
    """A Markdown card describing every table and column, and the warnings of this version."""
    lines = [f"# jianghua dataset {version}", "",
             f"Built by jianghua {__version__}. Offsets are half-open [start, end) in Unicode code points.", "",
             "Read with `jianghua.load(table)`, `pl.scan_parquet('<table>/*.parquet')`, DuckDB or pyarrow.", ""]
    if not manifest["tables"]["documents"]["rows"]:
        rejected = manifest["tables"]["rejects"]["rows"]
        lines += [f"**This version is empty**: the input held no document ({manifest['tables']['sources']['rows']} "
                  f"files decoded, {rejected} rejected: see the rejects table).", ""]
    lines += ["## Validation warnings", ""] + ([f"- {w}" for w in warnings] or ["- none"]) + [""]
    for table in tables.ALL_TABLES:
        spec = tables.spec(table)
        entry = manifest["tables"][table]
        lines += [f"## {table}", "", f"Stage `{spec['stage']}`, schema version {spec['schema_version']}, "
                  f"{entry['rows']} rows in {len(entry['files'])} parts, sorted by {', '.join(spec['keys'])}.", "",
                  "| column | type | nullable | description |", "|---|---|---|---|"]
        lines += [f"| {c['name']} | {c['type']} | {'yes' if c['nullable'] else 'no'} | {c['description']} |"
                  for c in spec["columns"]]
        lines.append("")
    return "\n".join(lines)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


PARTS_FILE = "parts.json"  # beside a sorted table's parts: their rows and sha256, for the manifest


def sort_parts(table: str, shard_paths: list[str], source_paths: list[str], out_dir: str | os.PathLike,
               part_bytes: int = 0) -> list[dict]:
    """Write ``table`` as zstd parquet parts of about ``part_bytes`` in memory, sorted by its keys across parts,
    with ``parts.json`` listing them.

    One job per table, so that tables are sorted side by side, and while others are still being validated.
    """
    out_dir = Path(out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    canonical = tables.canonical_shards(source_paths)
    keys = tables.spec(table)["keys"]
    parts = []
    for number, frame in enumerate(_key_ranges(table, shard_paths, canonical, out_dir / ".ranges", part_bytes)):
        path = out_dir / f"part-{number:05d}.parquet"
        tables.write(frame.sort(keys, maintain_order=True), table, path, compression="zstd", write_statistics=True)
        parts.append({"path": f"{table}/{path.name}", "rows": frame.height, "sha256": _file_sha256(path)})
    shutil.rmtree(out_dir / ".ranges", ignore_errors=True)
    (out_dir / PARTS_FILE).write_text(json.dumps(parts, indent=1) + "\n", encoding="utf-8")
    return parts


def _link(source: Path, target: Path) -> None:
    """Hard-link ``source`` as ``target`` (no second copy on disk), or copy where links are not possible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def publish(sorted_dirs: list[str], source_paths: list[str], reject_paths: list[str], validation: list[str],
            config_path: str, root: str | os.PathLike, keep: int) -> str:
    """Gate on the validation results, then write the version folder (the parts of ``sort_table`` for each
    table, linked), its manifest and card, and ``LATEST``."""
    results = {summary["table"]: summary
               for summary in (json.loads(Path(p).read_text(encoding="utf-8")) for p in validation)}
    gate(results)
    version = version_id(tables.read("sources", source_paths), tables.read("rejects", reject_paths),
                         Path(config_path).read_text(encoding="utf-8"))
    root = Path(root)
    target = root / version
    if not target.exists():
        staging = root / f".staging-{version}"
        shutil.rmtree(staging, ignore_errors=True)
        manifest = {"version": version, "package_version": __version__, "libraries": _library_versions(),
                    "tables": {}}
        parts = {Path(d).name: Path(d) for d in sorted_dirs}  # results/publish/<table>
        for table in tables.ALL_TABLES:
            sorted_dir = parts[table]
            files = json.loads((sorted_dir / PARTS_FILE).read_text(encoding="utf-8"))
            (staging / table).mkdir(parents=True)
            for part in files:
                _link(sorted_dir / Path(part["path"]).name, staging / part["path"])
            manifest["tables"][table] = {
                "files": files, "rows": sum(f["rows"] for f in files),
                "schema_version": tables.spec(table)["schema_version"], "schema_fingerprint": schema_fingerprint(table)}
        warnings = [f"{t}: {w}" for t, s in sorted(results.items()) for w in s["failed_warning"]]
        manifest["validation"] = {"warnings": warnings}
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                              encoding="utf-8")
        (staging / "README.md").write_text(dataset_card(version, manifest, warnings) + "\n"
                                          + counts.card_section(staging), encoding="utf-8")
        os.replace(staging, target)
    history_path = root / "HISTORY"
    history = [v for v in (history_path.read_text().split() if history_path.exists() else []) if v != version]
    history.append(version)
    for old in history[:-keep]:
        shutil.rmtree(root / old, ignore_errors=True)
    history = history[-keep:]
    history_path.write_text("\n".join(history) + "\n")
    (root / ".LATEST.tmp").write_text(version + "\n")
    os.replace(root / ".LATEST.tmp", root / "LATEST")
    return version


def sort_table(inputs: dict[str, list[str]], outputs: dict[str, str], settings) -> None:
    """The sort-table step of one table (``settings.table``): its sorted parts into ``outputs["parts"]``."""
    sort_parts(settings.table, inputs.get(settings.table, []), inputs.get("sources", []), outputs["parts"],
               int(settings["publish.part_megabytes"] * 1e6))


def run(inputs: dict[str, list[str]], outputs: dict[str, str], settings) -> None:
    """Gate on the validation results and publish a version beside ``outputs["latest"]``."""
    root = Path(outputs["latest"]).parent
    version = publish(inputs["sorted"], inputs.get("sources", []), inputs.get("rejects", []), inputs["validation"],
                      inputs["config"][0], root, settings["publish.keep_versions"])
    print(f"published version {version} under {root}")
