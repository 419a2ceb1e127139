# Config, shards, and the helpers each rule file derives its rule with: what a stage reads, writes, is
# configured by and depends on is declared once, in workflow/jianghua/registry.py.
import hashlib
import json
import shlex

from jianghua import registry
from jianghua.config import validate_config
from jianghua.inputs import shard_count, shard_of, walk

validate_config(config)

INPUT_DIR = config["input_dir"]
INPUT_ENTRIES = walk(INPUT_DIR)
_STATS = [os.lstat(os.path.join(INPUT_DIR, entry)) for entry in INPUT_ENTRIES]  # links are never followed
SHARDS = [f"{i:03d}" for i in range(shard_count(config["shards"], config["shard_megabytes"],
                                                 [stat.st_size for stat in _STATS]))]
# the config as the stages see it: "shards: auto" resolved to the count
RESOLVED = dict(config, shards=len(SHARDS))
# The input files are not declared as inputs: at every scheduling round Snakemake sizes each input of every
# ready job, and a million files make that minutes of idle cores. Instead, a digest of the lstat facts
# (name, size, mtime) of a shard's entries is a parameter of its decode job, so that a changed, added or
# removed file (or link, or a name Snakemake would read as a wildcard) reruns exactly its shard. The decode
# job lists the folder itself and rejects what must be rejected.
_DIGEST_BY_SHARD = {shard: hashlib.sha256() for shard in SHARDS}
_ENTRIES_BY_SHARD = {shard: 0 for shard in SHARDS}
for _entry, _stat in zip(INPUT_ENTRIES, _STATS):
    _shard = SHARDS[shard_of(_entry, len(SHARDS))]
    _ENTRIES_BY_SHARD[_shard] += 1
    _DIGEST_BY_SHARD[_shard].update(f"{_entry}\0{_stat.st_size}\0{_stat.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
# validation checks per shard that every entry became a source or a reject
ENTRIES_PER_SHARD = ",".join(str(_ENTRIES_BY_SHARD[shard]) for shard in SHARDS)


def shard_entries(wildcards):
    """Digest of the lstat facts of the shard's input entries."""
    return _DIGEST_BY_SHARD[wildcards.shard].hexdigest()[:16]


def table_path(table, shard="{shard}"):
    return f"results/{registry.WRITER[table]}/{table}/{shard}.parquet"


def all_shards(table):
    return [table_path(table, shard) for shard in SHARDS]


def depends(stage):
    """The files whose edit reruns the stage: its modules, data files and schemas (derived by the registry)."""
    return [str(path) for path in registry.dependencies(stage)]


def stage_inputs(stage):
    """A shard stage's inputs: its code and data, and the shard of each table it reads."""
    return {"code": depends(stage), **{table: table_path(table) for table in registry.STAGES[stage].reads}}


def stage_outputs(stage):
    return {table: table_path(table) for table in registry.STAGES[stage].writes}


def stage_settings(stage):
    """The stage's config keys as JSON: a parameter, so that changing one reruns exactly the stages reading it."""
    return registry.settings_json(RESOLVED, stage)


def _named(files):
    for name, value in files.items():
        if name != "code":
            yield from ((name, path) for path in ([value] if isinstance(value, str) else value))


def io_args(wildcards, input, output):
    """--in NAME=PATH and --out NAME=PATH for every named input (but code) and output of the job."""
    return " ".join([*(f"--in {shlex.quote(f'{n}={p}')}" for n, p in _named(input)),
                     *(f"--out {shlex.quote(f'{n}={p}')}" for n, p in _named(output))])


# the command of every job: the stage named like the rule, with the job's settings and files
STAGE_SHELL = "jianghua run {rule} --settings {params.settings:q} {params.io} > {log} 2>&1"


wildcard_constraints:
    shard=r"\d{3}",
    table="|".join(registry.ALL_TABLES),
