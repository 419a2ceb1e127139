# A job per group of stages that finish together (registry.VALIDATION_JOBS), each validating their tables as soon
# as they are written, beside the stages still running; importing great-expectations costs seconds, paid once per
# job. Each table's suite runs over batches of its shards (validate.batch_megabytes), so memory follows a batch,
# not the corpus. Data Docs only on request (validate.data_docs): building them cost a third of validation; one
# site per job.
for group, group_tables in registry.VALIDATION_JOBS.items():

    rule:
        name:
            f"validate_{group}"
        input:
            code=depends("validate"),
            **{table: all_shards(table) for table in registry.validation_reads(group_tables)},
        output:
            **{table: f"results/validation/{table}.json" for table in group_tables},
            **({"data_docs": directory(f"results/validation/data_docs/{group}")} if config["validate"]["data_docs"] else {}),
        log:
            f"results/logs/validate/{group}.log",
        benchmark:
            f"results/benchmarks/validate/{group}.tsv"
        params:
            settings=stage_settings("validate"),
            io=io_args,
        threads: THREADS
        priority: PRIORITY["validate"]
        resources:
            mem_mb=JOB_MEM_MB["validate"],
        conda:
            CONDA_ENV
        shell:
            stage_shell("validate", f"--entries-per-shard {ENTRIES_PER_SHARD}")
