rule segment:
    input:
        **stage_inputs("segment"),
    output:
        **stage_outputs("segment"),
    log:
        "results/logs/segment/{shard}.log",
    benchmark:
        "results/benchmarks/segment/{shard}.tsv"
    params:
        settings=stage_settings("segment"),
        io=io_args,
    threads: THREADS
    priority: PRIORITY["stage"]
    resources:
        mem_mb=JOB_MEM_MB["shard"],
    conda:
        CONDA_ENV
    shell:
        stage_shell("segment", "--shard {wildcards.shard}")
