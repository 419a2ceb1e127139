rule segment:
    input:
        code=stage_code("segment"),
        normalized=table_path("normalized"),
        edits=table_path("edits"),
    output:
        documents=table_path("documents"),
        sections=table_path("sections"),
        paragraphs=table_path("paragraphs"),
        sentences=table_path("sentences"),
    log:
        "results/logs/segment/{shard}.log",
    benchmark:
        "results/benchmarks/segment/{shard}.tsv"
    params:
        out=lambda wildcards, output: out_args(output),
    shell:
        "jianghua segment --normalized {input.normalized} --edits {input.edits} {params.out} > {log} 2>&1"
