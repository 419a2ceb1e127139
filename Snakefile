# jianghua: raw scraped Chinese speeches -> clean, traceable, validated parquet datasets.
#
# Path conventions (all outputs under results/, which git ignores):
#   results/<stage>/<table>/<shard>.parquet   one file per shard and table; shards are 000, 001, ...
#   results/<stage>/<table>.parquet            the corpus-wide tables (survey: annotations, boilerplate lines;
#                                              reuse: doc_clusters, shared_passages)
#   results/config.json                        the resolved config, canonical JSON (hashed into the version)
#   results/validation/<table>.json            great-expectations results per table (deterministic summary)
#   results/validation/data_docs/<job>/        on request (validate.data_docs), a Data Docs site per validation
#                                              job (gx/uncommitted/data_docs/local_site/index.html)
#   results/publish/<table>/                   each table's parts sorted by its keys (one job per table),
#                                              hard-linked into the version folder once validation passes
#   results/published/<version>/<table>/       the published tables; manifest.json and README.md beside them
#   results/published/LATEST                   the newest version id; HISTORY lists the versions kept
#   results/report/                            plots and pages for `snakemake --report report.html`
#   results/logs/<stage>/<shard>.log           what each job printed (validate: one job per group of stages,
#                                              results/logs/validate/<job>.log; publish: one per table)
#   results/benchmarks/<stage>/<shard>.tsv     time and peak memory of each job (likewise)
# Paths are relative to the working directory (--directory), except the code, schemas and default config,
# which are found beside this Snakefile.
# Stages: decode -> survey (corpus-wide) -> normalize -> segment -> extract -> reuse (corpus-wide) -> validate
# -> publish (and report). What each reads, writes, is configured by and depends on is declared in
# workflow/jianghua/registry.py; the rules are derived from it (rules/common.smk) and hold no logic: every
# job runs `python -m jianghua.cli run <stage>` (the `jianghua run` command) with the code beside this Snakefile.

configfile: os.path.join(workflow.basedir, "config/config.yaml")


include: "rules/common.smk"
include: "rules/decode.smk"
include: "rules/survey.smk"
include: "rules/normalize.smk"
include: "rules/segment.smk"
include: "rules/extract.smk"
include: "rules/reuse.smk"
include: "rules/validate.smk"
include: "rules/publish.smk"
include: "rules/report.smk"


rule all:
    input:
        "results/published/LATEST",
        "results/report/funnel.svg",
        # asked for here, so that turning them on after a run builds them (no other rule reads them)
        [f"results/validation/data_docs/{group}" for group in registry.VALIDATION_JOBS] if config["validate"]["data_docs"] else [],


# With --default-storage-provider (e.g. S3) the results live in storage, and the main process keeps HISTORY,
# which no rule declares, and the retention of old versions in step with it (jianghua/storage.py).
STORAGE = workflow.storage_registry.default_storage_provider
STORAGE_PREFIX = workflow.storage_settings.default_storage_prefix
HISTORY_BEFORE = []  # the versions HISTORY listed in storage before the jobs ran


onstart:
    if STORAGE is not None:
        HISTORY_BEFORE[:] = fetch_history(STORAGE, STORAGE_PREFIX)


onsuccess:
    from jianghua.runner import run_summary

    # the figures of every stage's current jobs: one log per shard, or the corpus job's
    logs = list(dict.fromkeys(f"results/logs/{s.name}.log" if s.scope == "corpus" else
                              f"results/logs/{s.name}/{shard}.log" for s in registry.TABLE_STAGES for shard in SHARDS))
    if STORAGE is not None:
        retired = sync_published(STORAGE, STORAGE_PREFIX, HISTORY_BEFORE)
        if retired:
            print(f"removed from storage the versions {', '.join(retired)} (publish.keep_versions)")
        logs = [fetched_copy(STORAGE, STORAGE_PREFIX, log) for log in logs]
    print(run_summary(logs))
