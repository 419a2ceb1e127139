rule resolved_config:
    output:
        "results/config.json",
    params:
        config=json.dumps(RESOLVED, ensure_ascii=False, sort_keys=True),
    log:
        "results/logs/resolved_config.log",
    shell:
        "jianghua write-config {params.config:q} {output} > {log} 2>&1"


# One job per table, not gated: tables are sorted side by side, while others are still being validated.
rule sort_table:
    input:
        code=depends("sort_table"),
        table=lambda wildcards: all_shards(wildcards.table),
        sources=all_shards("sources"),
    output:
        parts=directory("results/publish/{table}"),
    log:
        "results/logs/publish/{table}.log",
    benchmark:
        "results/benchmarks/publish/{table}.tsv"
    params:
        settings=stage_settings("sort_table"),
        io=lambda wildcards, input, output: io_args(wildcards, {wildcards.table: input.table, "sources": input.sources},
                                                    output),
    shell:
        STAGE_SHELL + " --table {wildcards.table}"


rule publish:
    input:
        code=depends("publish"),
        sorted=expand("results/publish/{table}", table=registry.ALL_TABLES),
        sources=all_shards("sources"),
        rejects=all_shards("rejects"),
        validation=expand("results/validation/{table}.json", table=registry.ALL_TABLES),
        config="results/config.json",
    output:
        latest="results/published/LATEST",
    log:
        "results/logs/publish/publish.log",
    benchmark:
        "results/benchmarks/publish/publish.tsv"
    params:
        settings=stage_settings("publish"),
        io=io_args,
    shell:
        STAGE_SHELL
