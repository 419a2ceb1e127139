rule resolved_config:
    output:
        "results/config.json",
    params:
        config=json.dumps(config, ensure_ascii=False, sort_keys=True),
    log:
        "results/logs/resolved_config.log",
    shell:
        "jianghua write-config {params.config:q} {output} > {log} 2>&1"


rule publish:
    input:
        code=stage_code("publish"),
        tables=[p for t in ALL_TABLES for p in all_shards(t)],
        validation=expand("results/validation/{table}.json", table=ALL_TABLES),
        config="results/config.json",
    output:
        "results/published/LATEST",
    log:
        "results/logs/publish.log",
    benchmark:
        "results/benchmarks/publish/all.tsv"
    params:
        inputs=in_args(ALL_TABLES),
        validation=lambda wildcards, input: " ".join(f"--validation {p}" for p in input.validation),
        keep=config["publish"]["keep_versions"],
    shell:
        "jianghua publish {params.inputs} {params.validation} --config {input.config}"
        " --root results/published --keep {params.keep} > {log} 2>&1"
