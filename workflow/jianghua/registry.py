"""The wiring, declared once: for each stage, the tables it reads (with their columns) and writes, the config
keys it uses and the data files it reads.

Everything else is derived from these entries: the Snakemake rules (inputs, outputs, parameters), the
``jianghua run`` command, the in-process runner that tests and benchmarks use, what reruns a stage (the
modules of its import closure, its data files and schemas) and the version id. This module imports only
the standard library, since Snakemake reads it whenever it parses the workflow.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import platform
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
REPO = PACKAGE_DIR.parents[1]
SCHEMA_DIR = REPO / "schemas"
DEFAULT_CONFIG = REPO / "config" / "config.yaml"

Columns = tuple[str, ...] | None  # the columns read of a table; None for all of them


@dataclass(frozen=True)
class Stage:
    """One stage: a module ``jianghua.stages.<name>`` and what it reads, writes and is configured by.

    ``config`` names keys (``normalize.mask_token``) or whole sections (``normalize``: every key under it);
    the stage sees only those. ``data`` names files of ``jianghua/data``, or ``opencc:<file>`` for one of
    OpenCC's dictionaries. ``scope`` says how it runs:

    - ``shard``: one job per shard, ``run(frames, settings) -> frames``, its tables one file per shard;
    - ``corpus``: one job over every shard, ``run(shards, settings) -> frames`` (``shards`` yields each
      shard's frames in turn, read again on each pass over it: a map-reduce), its tables one file each;
    - ``step``: one job that handles its own files, ``run(inputs, outputs, settings)`` (validation,
      publishing, the report).
    """

    name: str
    reads: Mapping[str, Columns] = field(default_factory=dict)
    writes: tuple[str, ...] = ()
    config: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    scope: str = "shard"
    in_module: str | None = None  # a step that lives in another stage's module, as its function of this name

    @property
    def module(self) -> str:
        return f"jianghua.stages.{self.in_module or self.name}"

    @property
    def entry(self) -> str:
        return self.name if self.in_module else "run"


T2S = ("t2s_overrides.tsv", "opencc:TSCharacters.txt", "opencc:TSPhrases.txt")  # text/t2s.py's tables
CHARACTER_MODEL = ("char_unigrams.tsv", "char_bigrams.tsv", "char_trigrams.tsv", "opencc:TSCharacters.txt")

STAGES: dict[str, Stage] = {s.name: s for s in (
    Stage("decode", writes=("sources", "decoded", "rejects"), config=("input_dir", "shards", "decode"),
          data=CHARACTER_MODEL),
    Stage("survey", reads={"decoded": None, "sources": ("source_id", "status")},
          writes=("annotations", "boilerplate_lines"), config=("boilerplate",),
          data=T2S, scope="corpus"),
    Stage("normalize", reads={"decoded": None, "annotations": ("char", "reading"), "boilerplate_lines": ("line",)},
          writes=("normalized", "edits", "repairs"), config=("normalize", "repair"),
          data=("boilerplate.tsv", *T2S, *CHARACTER_MODEL)),
    Stage("segment", reads={"normalized": None, "edits": None},
          writes=("documents", "sections", "paragraphs", "sentences"), data=("surnames.tsv",)),
    Stage("extract",
          reads={"documents": None, "sentences": ("doc_id", "sentence_id", "start"),
                 "edits": ("source_id", "operation", "start", "end", "out_start", "out_end", "before"),
                 "decoded": None},
          writes=("metadata", "formulations", "quotes", "citations", "masks"),
          config=("normalize.mask_token",), data=("formulations.tsv",)),
    Stage("reuse",
          reads={"documents": ("doc_id",),
                 "sentences": ("doc_id", "sentence_no", "start", "end", "source_start", "source_end", "text"),
                 "sources": ("source_id", "status")},
          writes=("doc_clusters", "shared_passages"), config=("reuse", "normalize.mask_token"), scope="corpus"),
    # the steps: validation (VALIDATION_JOBS), publishing, the report
    Stage("validate", config=("validate",), data=T2S, scope="step"),
    Stage("sort_table", config=("publish.part_megabytes",), scope="step", in_module="publish"),
    Stage("version", scope="step", in_module="publish"),
    Stage("publish", scope="step"),
    Stage("latest", config=("publish.keep_versions",), scope="step", in_module="publish"),
    Stage("report", scope="step",
          reads={"sources": None, "rejects": None, "documents": ("doc_id",), "paragraphs": ("doc_id",),
                 "sentences": ("doc_id",), "repairs": ("source_id", "status"),
                 "formulations": ("doc_id", "canonical"), "metadata": None,
                 "doc_clusters": ("doc_id", "cluster_id", "representative")}),
)}

TABLE_STAGES = tuple(s for s in STAGES.values() if s.writes)  # in the order they run
ALL_TABLES = tuple(t for s in TABLE_STAGES for t in s.writes)
WRITER = {t: s.name for s in TABLE_STAGES for t in s.writes}
CORPUS_TABLES = frozenset(t for s in TABLE_STAGES if s.scope == "corpus" for t in s.writes)  # one file each
# tables the publish step derives from the validation results, found only in a published version
PUBLISH_TABLES = ("quarantine",)
PUBLISHED_TABLES = (*ALL_TABLES, *PUBLISH_TABLES)
# The validation jobs, each checking the tables of stages that finish together as soon as they are written, beside
# the stages still running, rather than one job after the last stage that a core waits on alone (a fifth of the
# run at a gigabyte). Each pays for importing great-expectations (3.5 s), so a stage that follows another at once
# shares its job: the survey decode's, extract segment's (shard by shard). Named by their first stage.
VALIDATION_GROUPS = (("decode", "survey"), ("normalize",), ("segment", "extract"), ("reuse",))
VALIDATION_JOBS = {group[0]: tuple(t for stage in group for t in STAGES[stage].writes) for group in VALIDATION_GROUPS}


def projections() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (corpus table, columns): what shard stages read of the corpus tables.

    A corpus job writes each projection beside its tables (its distinct rows, sorted), and shard jobs read it
    instead of the table: a change in a column they do not read (how often a line recurs) reruns no shard.
    """
    found = {}
    for stage in STAGES.values():
        for table, columns in stage.reads.items():
            if stage.scope == "shard" and table in CORPUS_TABLES:
                if not columns:
                    raise ValueError(f"stage '{stage.name}' must declare the columns it reads of corpus table "
                                     f"'{table}' in jianghua/registry.py")
                found[f"{table}__{'__'.join(columns)}"] = (table, columns)
    return found

# The validation checks of a table that read other tables: table -> {other table: columns read}. Each
# shard of a table is checked with the same shard of these (a source's rows all stay in the shard that
# decoded it), a corpus table with each of their shards in turn; ``sources`` tell which shard is canonical
# for a file found twice. A corpus table named among its own reads is read with those columns (and its
# suite's) only: its text columns are most of a large corpus's validation memory.
DOC_TEXTS = {"documents": ("doc_id", "text")}
SENTENCE_IDS = {"sentences": ("doc_id", "sentence_id")}
CHECKS_READ: dict[str, dict[str, tuple[str, ...]]] = {
    "sources": {"rejects": ("path",)},
    "normalized": {"repairs": ("source_id", "status", "after")},
    "edits": {"decoded": ("source_id", "text"), "normalized": ("source_id", "text")},
    "documents": {"normalized": ("source_id",)},
    "sentences": DOC_TEXTS | {"paragraphs": ("doc_id", "paragraph_id")},
    "paragraphs": DOC_TEXTS,
    "sections": DOC_TEXTS,
    "formulations": DOC_TEXTS | SENTENCE_IDS,
    "quotes": DOC_TEXTS | SENTENCE_IDS,
    "citations": DOC_TEXTS | SENTENCE_IDS,
    "masks": DOC_TEXTS | SENTENCE_IDS,
    "doc_clusters": {"documents": ("doc_id",)},
    "shared_passages": DOC_TEXTS | {"shared_passages": ("text", "n_documents", "doc_ids", "starts", "ends",
                                                        "source_starts", "source_ends")},
}


def validation_reads(tables: tuple[str, ...]) -> list[str]:
    """The tables a validation job over ``tables`` reads: they, those their checks read, and ``sources``."""
    needed = [t for table in tables for t in CHECKS_READ.get(table, {})]
    return list(dict.fromkeys([*tables, *needed, "sources", *(["rejects"] if "sources" in tables else [])]))


# ---- what a stage depends on --------------------------------------------------------------------------------

def data_path(name: str) -> Path:
    """The file of a data name: ``jianghua/data/<name>``, or ``opencc:<file>`` in OpenCC's dictionary folder."""
    if name.startswith("opencc:"):
        spec = importlib.util.find_spec("opencc")  # located, not imported
        return Path(spec.origin).resolve().parent / "dictionary" / name.removeprefix("opencc:")
    return PACKAGE_DIR / "data" / name


def _module_file(module: str) -> Path | None:
    path = PACKAGE_DIR.parent.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path) -> Iterator[str]:
    """The ``jianghua`` modules a source file imports, anywhere in it (found by parsing, never importing)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "jianghua")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "jianghua":
            yield node.module
            # "from jianghua.text import chars" imports a module; "from jianghua.tables import read" does not
            yield from (f"{node.module}.{a.name}" for a in node.names if _module_file(f"{node.module}.{a.name}"))


@cache
def import_closure(module: str) -> tuple[Path, ...]:
    """The package's source files that importing ``module`` runs: it, its imports and their parent packages."""
    seen: dict[str, Path] = {}
    pending = [module]
    while pending:
        name = pending.pop()
        parts = name.split(".")
        for k in range(1, len(parts) + 1):  # a module's parent packages run first
            prefix = ".".join(parts[:k])
            path = _module_file(prefix)
            if path is not None and prefix not in seen:
                seen[prefix] = path
                pending.extend(_imports(path))
    return tuple(sorted(seen.values()))


RUNNER = "jianghua.runner"  # every job runs through it (reading, writing and the settings)


def code_files(stage: str) -> tuple[Path, ...]:
    """The modules a stage's result depends on: the import closure of its module and of the runner."""
    return tuple(sorted(set(import_closure(STAGES[stage].module)) | set(import_closure(RUNNER))))


def schema_files(stage: str) -> tuple[Path, ...]:
    """The schemas (and, for validation, the expectation suites) that shape what a stage writes."""
    if stage == "validate":
        return tuple(sorted((SCHEMA_DIR / "expectations").glob("*.json")))
    written = PUBLISH_TABLES if stage == "publish" else STAGES[stage].writes
    return tuple(SCHEMA_DIR / "tables" / f"{t}.json" for t in written)


def dependencies(stage: str) -> tuple[Path, ...]:
    """Every file whose edit must rerun ``stage``: its code, its data files and its schemas."""
    return (*code_files(stage), *(data_path(name) for name in STAGES[stage].data), *schema_files(stage))


# the libraries whose versions shape the published bytes (polars writes its own into every parquet file)
LIBRARIES = ("polars", "pyarrow", "numpy", "great-expectations", "opencc-python-reimplemented", "pypinyin", "snakemake")


def library_versions() -> dict[str, str]:
    """The installed versions of ``LIBRARIES`` and of Python."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def all_dependencies() -> tuple[Path, ...]:
    """What the stages depend on, together: what the version id hashes besides inputs and config."""
    return tuple(sorted({path for stage in STAGES for path in dependencies(stage)}))


# ---- the settings a stage sees ---------------------------------------------------------------------------------

def _leaves(config: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _leaves(value, f"{name}.")
        else:
            yield name, value


def stage_settings(config: Mapping[str, Any], stage: str) -> dict[str, Any]:
    """The config keys ``stage`` declares (a section gives every key under it), flat: ``{"normalize.mask_token": "×"}``."""
    declared = STAGES[stage].config
    return {key: value for key, value in _leaves(config)
            if any(key == d or key.startswith(f"{d}.") for d in declared)}


def settings_json(config: Mapping[str, Any], stage: str) -> str:
    """``stage_settings`` as canonical JSON (a rule's parameter: when it changes, the stage reruns)."""
    return json.dumps(stage_settings(config, stage), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
