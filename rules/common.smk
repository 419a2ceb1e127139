# Config, shards, and the helpers the rule files derive their rules from (what a stage reads, writes, is
# configured by and depends on is declared once, in workflow/jianghua/registry.py). Every function of the
# workflow is here, none beside a rule (snakemake --lint).
import json
import os
import shlex

from jianghua import registry
from jianghua.config import validate_config
from jianghua.inputs import manifest_path, read_manifest, shard_plan
from jianghua.storage import (fetch_history, fetchable, fetched_copy, is_storage_query, list_stored, retrieved,
                              sync_published)

validate_config(config)

INPUT_DIR = config["input_dir"]
# The input files are not declared as inputs: at every scheduling round Snakemake sizes each input of every
# ready job, and a million files make that minutes of idle cores. Instead, a digest of the names and contents
# of a shard's entries is a parameter of its decode job, so that a changed, added or removed file (or link,
# or a name Snakemake would read as a wildcard) reruns exactly its shard, and a touched one nothing. No file
# is read to plan it but one whose size or mtime changed since its decode job read it (a first parse of a
# million files reads none). The input is walked once per run, here: the plan also
# lists each shard's entries in a manifest beside it, which the shard's decode job reads (a job walking the
# whole folder to find its shard would make the run quadratic in shards), then rejects what must be
# rejected. A manifest is rewritten only when what it lists changed. A cluster job reads the main process's
# plan and manifests from .snakemake/jianghua/ of the working directory, never walking the folder itself.
PLAN_CACHE = ".snakemake/jianghua/shard-plan.json"
# An input_dir in object storage (s3://bucket/corpus, through the storage plugin of its scheme) is listed by
# the plugin's inventory instead (one listing of the prefix for S3), and a decode job declares its shard's
# objects as inputs (STORED_INPUT), which Snakemake retrieves to their local copies below INPUT_ROOT.
STORED_INPUT = is_storage_query(INPUT_DIR)
INPUT_DIR = INPUT_DIR.rstrip("/") if STORED_INPUT else INPUT_DIR


def storage_object(query):
    """The storage plugin's object of ``query`` (its provider inferred from the scheme)."""
    return storage(query).flags["storage_object"]


def list_input():
    """The objects of a stored input_dir."""
    return list_stored(storage_object(INPUT_DIR), storage_object)


INPUT_ROOT = str(storage_object(INPUT_DIR).local_path()) if STORED_INPUT else INPUT_DIR


PLAN = shard_plan(INPUT_DIR, config["shards"], config["shard_megabytes"], PLAN_CACHE,
                  reuse=not workflow.is_main_process, list_objects=list_input if STORED_INPUT else None)
SHARDS = [f"{i:03d}" for i in range(len(PLAN["entries"]))]
# what a job asks of the machine or the cluster (config "resources"): not a setting of any stage
THREADS = config["resources"]["threads"]
JOB_MEM_MB = config["resources"]["mem_mb"]
# Which ready jobs run first. Snakemake otherwise prefers those with the largest inputs: validation and sorting
# took the cores while a normalize shard, on the chain that decides when the run ends, waited. The stages first,
# then validation (the report waits on it), then sorting and the rest (priority 0).
PRIORITY = {"stage": 2, "validate": 1}
# a corpus job (survey, reuse, the report) holds what it keeps of every shard: its request grows with the input
CORPUS_MEM_MB = JOB_MEM_MB["corpus"] + round(config["resources"]["corpus_mb_per_gigabyte"] * PLAN["bytes"] / 1e9)
# the config as the stages see it: "shards: auto" resolved to the count; what jobs ask of the machine and
# whether Data Docs are built shape no published output, so neither is hashed into the version
RESOLVED = {key: ({k: v for k, v in value.items() if k != "data_docs"} if key == "validate" else value)
            for key, value in dict(config, shards=len(SHARDS)).items() if key != "resources"}
# validation checks per shard that every entry became a source or a reject
ENTRIES_PER_SHARD = ",".join(map(str, PLAN["entries"]))


def shard_entries(wildcards):
    """Digest of the names and contents of the shard's input entries."""
    return PLAN["digests"][int(wildcards.shard)]


def shard_manifest(wildcards):
    """The file listing the shard's input entries, which its decode job reads (written with the plan)."""
    return str(manifest_path(PLAN_CACHE, int(wildcards.shard)))


def stored_entries(wildcards):
    """The shard's objects when input_dir is in storage (retrieved for its decode job; not those whose names
    cannot be declared, which the job rejects); none for a folder."""
    if not STORED_INPUT:
        return []
    listed = read_manifest(shard_manifest(wildcards), shard_entry_count(wildcards))
    return [storage(f"{INPUT_DIR}/{entry}") for entry in listed if fetchable(entry)]


def shard_entry_count(wildcards):
    """The number of the shard's input entries: the decode job checks that its manifest lists as many."""
    return PLAN["entries"][int(wildcards.shard)]


def table_path(table, shard="{shard}"):
    """A shard of a table, or the one file of a corpus table."""
    if table in registry.CORPUS_TABLES:
        return f"results/{registry.WRITER[table]}/{table}.parquet"
    return f"results/{registry.WRITER[table]}/{table}/{shard}.parquet"


def all_shards(table):
    """Every file of a table, in shard order."""
    return [table_path(table)] if table in registry.CORPUS_TABLES else [table_path(table, s) for s in SHARDS]


def depends(stage):
    """The files whose edit reruns the stage: its modules, data files and schemas (derived by the registry).
    local(): they lie beside this Snakefile, never in the default storage (--default-storage-provider), where
    Snakemake would otherwise look for them."""
    return [local(str(path)) for path in registry.dependencies(stage)]


def projection_path(name):
    return f"results/{registry.WRITER[registry.projections()[name][0]]}/{name}.parquet"


# A shard stage reads of a corpus table the projection of the columns it declares (registry.projections),
# which changes less often than the table. The corpus stages are checkpoints: when one reruns (a file changed)
# and writes the same projections, Snakemake compares checksums after it and reruns no shard that did not
# change. It re-evaluates only the checkpoint's direct dependents, keeping its first plan for the others, so
# every shard stage after a corpus stage names its projections ("after": inputs the job does not read).
def stage_inputs(stage):
    """A stage's inputs: its code and data, and what it reads of each table (its shard, every shard, or the
    projection of a corpus table)."""
    entry = registry.STAGES[stage]
    if entry.scope == "corpus":
        return {"code": depends(stage), **{table: all_shards(table) for table in entry.reads}}
    projections = {table: name for name, (table, columns) in registry.projections().items()}
    earlier = {t for s in registry.TABLE_STAGES[:registry.TABLE_STAGES.index(entry)] if s.scope == "corpus"
               for t in s.writes}
    return {"code": depends(stage),
            "after": [projection_path(projections[t]) for t in sorted(earlier - set(entry.reads)) if t in projections],
            **{table: projection_path(projections[table]) if table in projections else table_path(table)
               for table in entry.reads}}


def stage_outputs(stage):
    """A stage's tables, and for a corpus stage the projections of them that shard stages read."""
    outputs = {table: table_path(table) for table in registry.STAGES[stage].writes}
    return outputs | {name: projection_path(name) for name, (table, _) in registry.projections().items()
                      if table in outputs}


def stage_settings(stage):
    """The stage's config keys as JSON: a parameter, so that changing one reruns exactly the stages reading it."""
    return registry.settings_json(RESOLVED, stage)


def _named(files):
    for name, value in files.items():
        if name not in ("code", "after", "corpus"):
            yield from ((name, path) for path in ([value] if isinstance(value, str) else value))


def io_args(wildcards, input, output):
    """--in NAME=PATH and --out NAME=PATH for every named input (but code, after and corpus) and output of the
    job."""
    return " ".join([*(f"--in {shlex.quote(f'{n}={p}')}" for n, p in _named(input)),
                     *(f"--out {shlex.quote(f'{n}={p}')}" for n, p in _named(output))])


# The package of this workflow's folder, which every job runs (and the version id hashes): the same whether the
# jobs run where Snakemake runs or in the conda environment, which holds its libraries only.
JIANGHUA = f"PYTHONPATH={shlex.quote(os.path.join(workflow.basedir, 'workflow'))} python -m jianghua.cli"


def stage_shell(stage, *options):
    """The command of a stage's job: ``jianghua run <stage>`` with the job's settings and files (and
    ``options``), polars held to the job's threads, everything it prints in its log."""
    extra = "".join(f" {option}" for option in options)
    return (f"POLARS_MAX_THREADS={{threads}} {JIANGHUA} run {stage} --settings {{params.settings:q}} {{params.io}}"
            f"{extra} > {{log}} 2>&1")


def built_version(wildcards=None):
    """The version folder the inputs make (read once the version checkpoint has run; with the results in
    storage, from the checkpoint's output as stored)."""
    made = checkpoints.version.get().output.version
    if made.is_storage:  # the stored copy: a local one may be gone, or left from another run
        retrieved(made.storage_object)
    with open(made, encoding="utf-8") as handle:
        return f"results/published/{json.load(handle)['version']}"


# The software of every job, for --software-deployment-method conda: the libraries of pyproject.toml (without it,
# jobs use those installed where Snakemake runs). Relative to the rule files.
CONDA_ENV = "../workflow/envs/jianghua.yaml"


# tiny jobs, run by the main process rather than a cluster job that waits its turn in the queue
localrules:
    resolved_config,
    version,
    publish,
    latest,


wildcard_constraints:
    shard=r"\d{3,4}",  # 000 to 4095 (MAX_SHARDS)
    version=r"[0-9a-f]{16}",
    table="|".join(registry.ALL_TABLES),
