rule decode:
    input:
        code=stage_code("decode"),
    output:
        sources=table_path("sources"),
        decoded=table_path("decoded"),
        repairs=table_path("repairs"),
        rejects=table_path("rejects"),
    log:
        "results/logs/decode/{shard}.log",
    benchmark:
        "results/benchmarks/decode/{shard}.tsv"
    params:
        input_dir=INPUT_DIR,
        entries=shard_entries,
        shards=len(SHARDS),
        max_bytes=config["decode"]["max_file_bytes"],
        margin=config["decode"]["repair_min_margin"],
        out=lambda wildcards, output: out_args(output),
    shell:
        "jianghua decode --input-dir {params.input_dir:q} --shard {wildcards.shard} --shards {params.shards}"
        " --max-file-bytes {params.max_bytes} --repair-min-margin {params.margin} {params.out} > {log} 2>&1"
