rule decode:
    input:
        **stage_inputs("decode"),
        corpus=stored_entries,  # read from their local copies (--input-root); none for a folder
    output:
        **stage_outputs("decode"),
    log:
        "results/logs/decode/{shard}.log",
    benchmark:
        "results/benchmarks/decode/{shard}.tsv"
    params:
        settings=stage_settings("decode"),
        io=io_args,
        entries=shard_entries,  # reruns the shard when one of its files changes (see common.smk)
        manifest=shard_manifest,  # not an input: a file of the plan, never in the default storage
        manifest_entries=shard_entry_count,
        root=INPUT_ROOT,
    threads: THREADS
    priority: PRIORITY["stage"]
    resources:
        mem_mb=JOB_MEM_MB["shard"],
    conda:
        CONDA_ENV
    shell:
        stage_shell("decode", "--shard {wildcards.shard}", "--manifest {params.manifest:q}",
                    "--manifest-entries {params.manifest_entries}", "--input-root {params.root:q}")
