"""Runs stages as ``jianghua.registry`` declares them: in a job (``jianghua run``) or in process (tests, benchmarks).

A job reads the tables its stage declares (only the declared columns), calls the stage's ``run`` and writes
the declared tables. In process, ``process`` chains the shard stages on one folder with the shipped
``config/config.yaml`` (overrides change keys, never re-state defaults), the same wiring as the workflow.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import polars as pl

from jianghua import registry, tables
from jianghua.config import load_config
from jianghua.errors import ConfigError


class Settings(Mapping[str, Any]):
    """The config keys a stage declared, flat (``settings["normalize.mask_token"]``), and the job's shard or table
    (a decode job's: its manifest, the entries the shard plan counted in it, and where its entries lie).

    Asking for a key the stage did not declare is an error: what a stage reads must be what reruns it.
    """

    def __init__(self, stage: str, values: Mapping[str, Any], shard: int | None = None, table: str | None = None,
                 entries_per_shard: list[int] | None = None, manifest: str | None = None,
                 manifest_entries: int | None = None, input_root: str | None = None):
        self.stage, self._values = stage, dict(values)
        self.shard, self.table, self.entries_per_shard = shard, table, entries_per_shard
        self.manifest, self.manifest_entries, self.input_root = manifest, manifest_entries, input_root

    @classmethod
    def of(cls, config: Mapping[str, Any], stage: str, **runtime) -> Settings:
        """The settings of ``stage`` taken from a whole (validated) config."""
        return cls(stage, registry.stage_settings(config, stage), **runtime)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise ConfigError(f"stage '{self.stage}' reads config key '{key}', which its entry in "
                              "jianghua/registry.py does not declare: add the key (or its section) to the entry's "
                              "config") from None

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def run(stage_name: str, inputs: Mapping[str, list[str]], outputs: Mapping[str, str], settings: Settings) -> None:
    """Run one job of a stage: ``inputs`` name -> paths (a table's shards), ``outputs`` name -> path.

    A table stage's job prints what it did in figures (rows read and written, tallies, seconds) and one
    ``STATS_PREFIX`` line of JSON holding them, which the run's summary gathers from the logs."""
    started = time.perf_counter()
    stage = registry.STAGES[stage_name]
    module = importlib.import_module(stage.module)
    if stage.scope == "step":
        getattr(module, stage.entry)(inputs, outputs, settings)
    else:
        missing = [t for t in (*stage.reads, *stage.writes) if t not in (*inputs, *outputs)]
        if missing:
            raise ConfigError(f"stage '{stage_name}' needs --in or --out for {missing}")
        if stage.scope == "shard":
            frames = _read(stage, inputs)
            rows_in = {table: frame.height for table, frame in frames.items()}
            result = module.run(frames, settings)
        else:
            rows_in = {}
            result = module.run(_Shards(stage, inputs), settings)
            for name, (table, columns) in registry.projections().items():
                if table in stage.writes:
                    projected = result[table].select(columns).unique().sort(columns)
                    tables.write(projected, table, outputs[name], columns=list(columns))
        for table in stage.writes:
            tables.write(result[table], table, outputs[table])
        print(job_summary(stage_name, settings.shard, rows_in, {t: result[t] for t in stage.writes},
                          time.perf_counter() - started))
    _record_dependencies(stage_name)


STATS_PREFIX = "jianghua-stats "
RESOURCES_PREFIX = "jianghua-resources "


def resources_line(stage: str) -> str:
    """A line for a job's log: the CPU seconds of its process since it started (imports included) and its
    peak memory, as JSON. Benchmarks sum these: Snakemake's own benchmark samples a job's CPU time now and then,
    and misses what a long job spends after its last sample."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return RESOURCES_PREFIX + json.dumps({"stage": stage, "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
                                          "max_rss_mb": round(usage.ru_maxrss / 1024, 1)}, sort_keys=True)


def job_summary(stage: str, shard: int | None, rows_in: Mapping[str, int], written: Mapping[str, pl.DataFrame],
                seconds: float) -> str:
    """Lines for a job's log: rows read per table, rows written per table with the tallies its schema
    declares (rejects by reason, edits by operation, ...), the seconds taken; then the same as JSON."""
    stats = {"stage": stage, "shard": shard, "seconds": round(seconds, 3), "read": dict(rows_in),
             "wrote": {t: frame.height for t, frame in written.items()}, "tallies": {}}
    lines = [f"{stage}{'' if shard is None else f' shard {shard:03d}'}: "
             + (f"read {', '.join(f'{t} {n:,}' for t, n in rows_in.items())}; " if rows_in else "")
             + f"wrote {', '.join(f'{t} {n:,}' for t, n in stats['wrote'].items())} rows in {seconds:.2f} s"]
    for table, frame in written.items():
        for column, counts in tables.tally(frame, table).items():
            stats["tallies"][f"{table}.{column}"] = counts
            if counts:
                lines.append(f"  {table} by {column}: " + ", ".join(f"{value} {n:,}" for value, n in counts.items()))
    return "\n".join([*lines, STATS_PREFIX + json.dumps(stats, ensure_ascii=False, sort_keys=True)])


def _columns(stage: registry.Stage, table: str) -> list[str] | None:
    columns = stage.reads[table]
    return list(columns) if columns else None


def run_summary(logs: Iterable[str | os.PathLike]) -> str:
    """A table of the figures the given job logs hold, summed per stage (jobs, rows read and written,
    seconds): what the run ends with."""
    totals: dict[str, dict[str, Any]] = {}
    for log in logs:
        try:
            text = open(log, encoding="utf-8").read()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith(STATS_PREFIX):
                stats = json.loads(line[len(STATS_PREFIX):])
                total = totals.setdefault(stats["stage"], {"jobs": 0, "seconds": 0.0, "read": {}, "wrote": {}})
                total["jobs"] += 1
                total["seconds"] += stats["seconds"]
                for kind in ("read", "wrote"):
                    for table, rows in stats[kind].items():
                        total[kind][table] = total[kind].get(table, 0) + rows
    order = [s.name for s in registry.TABLE_STAGES]
    rows = [f"{'stage':<10} {'jobs':>4} {'seconds':>8}  rows written (read)"]
    for stage in sorted(totals, key=order.index):
        total = totals[stage]
        read = ", ".join(f"{t} {n:,}" for t, n in total["read"].items())
        rows.append(f"{stage:<10} {total['jobs']:>4} {total['seconds']:>8.2f}  "
                    + ", ".join(f"{t} {n:,}" for t, n in total["wrote"].items()) + (f" ({read})" if read else ""))
    return "\n".join(rows)


def _read(stage: registry.Stage, inputs: Mapping[str, list[str]]) -> dict[str, pl.DataFrame]:
    """The tables a shard job reads (its shard of each, or the corpus table), with the declared columns."""
    return {t: tables.read(t, inputs[t], columns=_columns(stage, t)) for t in stage.reads}


class _Shards:
    """Each shard's frames in turn, for a corpus job, read again on every pass over them (a stage may make a
    second pass instead of holding what it needs of every shard); a file found in two shards counts in its
    first one."""

    def __init__(self, stage: registry.Stage, inputs: Mapping[str, list[str]]):
        self.stage, self.inputs = stage, inputs
        self.canonical = tables.canonical_shards(inputs["sources"]) if "sources" in inputs else None

    def __iter__(self) -> Iterator[dict[str, pl.DataFrame]]:
        stage, inputs = self.stage, self.inputs
        for index in range(len(inputs[next(iter(stage.reads))])):
            yield {t: tables.read_shard(t, inputs[t][index], index, self.canonical, _columns(stage, t))
                   for t in stage.reads}


def _record_dependencies(stage_name: str) -> None:
    """With JIANGHUA_DEPENDENCY_LOG set, append the data files this job read and the package modules it loaded
    (tests compare them with what the registry derives)."""
    log = os.environ.get("JIANGHUA_DEPENDENCY_LOG")
    if not log:
        return
    modules = {getattr(m, "__file__", None) for name, m in list(sys.modules.items()) if name.split(".")[0] == "jianghua"}
    data = sys.modules.get("jianghua.text.data")
    opened = data.OPENED if data else set()
    with open(log, "a", encoding="utf-8") as handle:
        handle.writelines(f"{stage_name}\tdata\t{name}\n" for name in sorted(opened))
        handle.writelines(f"{stage_name}\tmodule\t{path}\n" for path in sorted(filter(None, modules)))


def process(input_dir: str | os.PathLike, overrides: Mapping[str, Any] | None = None) -> dict[str, pl.DataFrame]:
    """Every table of the stages that write tables, for one folder, in process and as one shard, with the
    shipped config (``overrides`` change keys of it)."""
    config = load_config(registry.DEFAULT_CONFIG, {"input_dir": str(input_dir), "shards": 1, **(overrides or {})})
    frames: dict[str, pl.DataFrame] = {}
    for stage in registry.TABLE_STAGES:
        module = importlib.import_module(stage.module)
        given = {t: frames[t].select(columns) if columns else frames[t] for t, columns in stage.reads.items()}
        frames |= module.run(given if stage.scope == "shard" else [given], Settings.of(config, stage.name, shard=0))
    return frames
