rule extract:
    input:
        **stage_inputs("extract"),
    output:
        **stage_outputs("extract"),
    log:
        "results/logs/extract/{shard}.log",
    benchmark:
        "results/benchmarks/extract/{shard}.tsv"
    params:
        settings=stage_settings("extract"),
        io=io_args,
    threads: THREADS
    priority: PRIORITY["stage"]
    resources:
        mem_mb=JOB_MEM_MB["shard"],
    conda:
        CONDA_ENV
    shell:
        stage_shell("extract", "--shard {wildcards.shard}")
