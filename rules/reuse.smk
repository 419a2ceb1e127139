# A corpus stage, but a plain rule rather than a checkpoint: no shard stage reads its tables, so there is no
# projection whose checksum Snakemake would have to compare after it.
rule reuse:
    input:
        **stage_inputs("reuse"),
    output:
        **stage_outputs("reuse"),
    log:
        "results/logs/reuse.log",
    benchmark:
        "results/benchmarks/reuse.tsv"
    params:
        settings=stage_settings("reuse"),
        io=io_args,
    threads: THREADS
    priority: PRIORITY["stage"]
    resources:
        mem_mb=CORPUS_MEM_MB,
    conda:
        CONDA_ENV
    shell:
        stage_shell("reuse")
