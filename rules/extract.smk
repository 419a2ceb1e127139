rule extract:
    input:
        code=stage_code("extract"),
        documents=table_path("documents"),
        sentences=table_path("sentences"),
        edits=table_path("edits"),
        decoded=table_path("decoded"),
    output:
        metadata=table_path("metadata"),
        formulations=table_path("formulations"),
        quotes=table_path("quotes"),
        citations=table_path("citations"),
        masks=table_path("masks"),
    log:
        "results/logs/extract/{shard}.log",
    benchmark:
        "results/benchmarks/extract/{shard}.tsv"
    params:
        mask=config["normalize"]["mask_token"],
        inputs=lambda wildcards, input: " ".join(
            f"--in {name}={input[name]}" for name in ("documents", "sentences", "edits", "decoded")
        ),
        out=lambda wildcards, output: out_args(output),
    shell:
        "jianghua extract {params.inputs} --mask-token {params.mask:q} {params.out} > {log} 2>&1"
