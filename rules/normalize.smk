rule normalize:
    input:
        **stage_inputs("normalize"),
    output:
        **stage_outputs("normalize"),
    log:
        "results/logs/normalize/{shard}.log",
    benchmark:
        "results/benchmarks/normalize/{shard}.tsv"
    params:
        settings=stage_settings("normalize"),
        io=io_args,
    threads: THREADS
    priority: PRIORITY["stage"]
    resources:
        mem_mb=JOB_MEM_MB["shard"],
    conda:
        CONDA_ENV
    shell:
        stage_shell("normalize", "--shard {wildcards.shard}")
