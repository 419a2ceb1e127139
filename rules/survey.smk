checkpoint survey:
    input:
        **stage_inputs("survey"),
    output:
        **stage_outputs("survey"),
    log:
        "results/logs/survey.log",
    benchmark:
        "results/benchmarks/survey.tsv"
    params:
        settings=stage_settings("survey"),
        io=io_args,
    threads: THREADS
    priority: PRIORITY["stage"]
    resources:
        mem_mb=CORPUS_MEM_MB,
    conda:
        CONDA_ENV
    shell:
        stage_shell("survey")
