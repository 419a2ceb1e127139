# Config validation, shards and path helpers shared by every rule.
import hashlib
import json

from jianghua.config import validate_config
from jianghua.decode import shard_count, shard_of, walk
from jianghua.report import REPORT_TABLES
from jianghua.tables import ALL_TABLES, STAGE_TABLES
from jianghua.validate import DERIVED

validate_config(config)

INPUT_DIR = config["input_dir"]
INPUT_ENTRIES = walk(INPUT_DIR)
_STATS = [os.lstat(os.path.join(INPUT_DIR, entry)) for entry in INPUT_ENTRIES]  # links are never followed
_SIZES = [stat.st_size for stat in _STATS]
SHARDS = [f"{i:03d}" for i in range(shard_count(config["shards"], config["shard_megabytes"], _SIZES))]
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


# What each stage's result depends on besides its data: the package modules and data tables it runs and
# the schemas of what it writes. Declared as inputs, so that editing one reruns exactly that stage.
REPO = workflow.basedir
PACKAGE = os.path.join(REPO, "workflow/jianghua")
STAGE_CODE = {
    "decode": ["decode.py", "repair.py", "charmodel.py", "damage.py", "tables.py", "data/annotations.tsv",
               "data/char_unigrams.tsv", "data/char_bigrams.tsv"],
    "normalize": ["normalize.py", "charmodel.py", "damage.py", "tables.py", "data/annotations.tsv",
                  "data/t2s_overrides.tsv", "data/boilerplate.tsv"],
    "segment": ["segment.py", "tables.py"],
    "extract": ["extract.py", "segment.py", "tables.py"],
    "validate": ["validate.py", "tables.py"],
    "publish": ["publish.py", "validate.py", "tables.py"],
    "report": ["report.py", "tables.py"],
}


def stage_code(stage):
    return [f"{PACKAGE}/{name}" for name in STAGE_CODE[stage]] + [
        os.path.join(REPO, f"schemas/tables/{table}.json") for table in STAGE_TABLES.get(stage, ())
    ]


def table_path(table, shard="{shard}"):
    stage = next(s for s, names in STAGE_TABLES.items() if table in names)
    return f"results/{stage}/{table}/{shard}.parquet"


def all_shards(table):
    return [table_path(table, shard) for shard in SHARDS]


def in_args(tables_):
    """--in TABLE=PATH arguments for every shard of the given tables."""
    return " ".join(f"--in {t}={p}" for t in tables_ for p in all_shards(t))


def out_args(output):
    return " ".join(f"--out {name}={path}" for name, path in output.items())


wildcard_constraints:
    shard=r"\d{3}",
    table="|".join(ALL_TABLES),
