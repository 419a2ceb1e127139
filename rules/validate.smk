# One job validates every table: importing great-expectations costs seconds, paid once per run. Each table's
# suite runs over batches of its shards (validate.batch_megabytes), so memory follows a batch, not the corpus.
# Data Docs only on request (validate.data_docs): building them cost a third of validation; one site for all.
rule validate:
    input:
        code=depends("validate"),
        **{table: all_shards(table) for table in registry.validation_reads(registry.ALL_TABLES)},
    output:
        **{table: f"results/validation/{table}.json" for table in registry.ALL_TABLES},
        **({"data_docs": directory("results/validation/data_docs")} if config["validate"]["data_docs"] else {}),
    log:
        "results/logs/validate.log",
    benchmark:
        "results/benchmarks/validate.tsv"
    params:
        settings=stage_settings("validate"),
        io=io_args,
    threads: THREADS
    resources:
        mem_mb=JOB_MEM_MB["validate"],
    conda:
        CONDA_ENV
    shell:
        stage_shell("validate", f"--entries-per-shard {ENTRIES_PER_SHARD}")
