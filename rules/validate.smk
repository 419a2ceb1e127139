# One job per stage: importing great-expectations costs seconds, paid once for the stage's tables.
for _stage, _tables in registry.STAGE_TABLES.items():

    rule:
        name:
            f"validate_{_stage}"
        input:
            code=depends("validate"),
            **{table: all_shards(table) for table in registry.validation_reads(_tables)},
        output:
            **{table: f"results/validation/{table}.json" for table in _tables},
            **{f"{table}_docs": directory(f"results/validation/data_docs/{table}") for table in _tables},
        log:
            f"results/logs/validate/{_stage}.log",
        benchmark:
            f"results/benchmarks/validate/{_stage}.tsv"
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
