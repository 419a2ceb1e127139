rule resolved_config:
    output:
        "results/config.json",
    params:
        config=json.dumps(config, ensure_ascii=False, sort_keys=True),
    log:
        "results/logs/resolved_config.log",
    shell:
        "jianghua write-config {params.config:q} {output} > {log} 2>&1"


# One job per table, not gated: tables are sorted side by side, while others are still being validated.
rule sort_table:
    input:
        code=stage_code("publish"),
        tables=lambda wildcards: all_shards(wildcards.table),
        sources=all_shards("sources"),
    output:
        directory("results/publish/{table}"),
    log:
        "results/logs/publish/{table}.log",
    benchmark:
        "results/benchmarks/publish/{table}.tsv"
    params:
        inputs=lambda wildcards: in_args(dict.fromkeys([wildcards.table, "sources"])),
        part_megabytes=config["publish"]["part_megabytes"],
    shell:
        "jianghua sort-table --table {wildcards.table} {params.inputs} --part-megabytes {params.part_megabytes}"
        " --out-dir {output} > {log} 2>&1"


rule publish:
    input:
        code=stage_code("publish"),
        sorted=expand("results/publish/{table}", table=ALL_TABLES),
        sources=all_shards("sources"),
        rejects=all_shards("rejects"),
        validation=expand("results/validation/{table}.json", table=ALL_TABLES),
        config="results/config.json",
    output:
        "results/published/LATEST",
    log:
        "results/logs/publish/publish.log",
    benchmark:
        "results/benchmarks/publish/publish.tsv"
    params:
        inputs=in_args(["sources", "rejects"]),
        sorted=" ".join(f"--sorted {t}=results/publish/{t}" for t in ALL_TABLES),
        validation=lambda wildcards, input: " ".join(f"--validation {p}" for p in input.validation),
        keep=config["publish"]["keep_versions"],
    shell:
        "jianghua publish {params.sorted} {params.inputs} {params.validation} --config {input.config}"
        " --root results/published --keep {params.keep} > {log} 2>&1"
