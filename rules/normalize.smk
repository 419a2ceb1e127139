rule normalize:
    input:
        code=stage_code("normalize"),
        decoded=table_path("decoded"),
    output:
        normalized=table_path("normalized"),
        edits=table_path("edits"),
    log:
        "results/logs/normalize/{shard}.log",
    benchmark:
        "results/benchmarks/normalize/{shard}.tsv"
    params:
        mask=config["normalize"]["mask_token"],
        min_files=config["normalize"]["boilerplate_min_files"],
        min_share=config["normalize"]["boilerplate_min_share"],
        protected=json.dumps(config["normalize"]["protected_lines"], ensure_ascii=False),
        out=lambda wildcards, output: out_args(output),
    shell:
        "jianghua normalize --decoded {input.decoded} --mask-token {params.mask:q}"
        " --boilerplate-min-files {params.min_files} --boilerplate-min-share {params.min_share}"
        " --protected-lines {params.protected:q} {params.out} > {log} 2>&1"
