rule resolved_config:
    output:
        "results/config.json",
    params:
        config=json.dumps(RESOLVED, ensure_ascii=False, sort_keys=True),
    log:
        "results/logs/resolved_config.log",
    conda:
        CONDA_ENV
    shell:
        f"{JIANGHUA} write-config {{params.config:q}} {{output}} > {{log}} 2>&1"


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
    threads: THREADS
    resources:
        mem_mb=JOB_MEM_MB["publish"],
    conda:
        CONDA_ENV
    shell:
        stage_shell("sort_table", "--table {wildcards.table}")


# The version id (inputs, config, code, libraries) is known once decode is done; a checkpoint, so that the
# version folder can be a declared output named by it.
checkpoint version:
    input:
        code=[local(str(path)) for path in registry.all_dependencies()],
        sources=all_shards("sources"),
        rejects=all_shards("rejects"),
        config="results/config.json",
    output:
        version="results/version.json",
    params:
        settings=stage_settings("version"),
        io=io_args,
        libraries=json.dumps(registry.library_versions(), sort_keys=True),  # an upgrade makes another version
    log:
        "results/logs/publish/version.log",
    threads: THREADS
    resources:
        mem_mb=JOB_MEM_MB["publish"],
    conda:
        CONDA_ENV
    shell:
        stage_shell("version")


# Gates on the validation results and builds the version folder; a failed gate builds nothing and leaves
# LATEST, which another rule writes, on the version readers already have.
rule publish:
    input:
        code=depends("publish"),
        sorted=expand("results/publish/{table}", table=registry.ALL_TABLES),
        validation=expand("results/validation/{table}.json", table=registry.ALL_TABLES),
        version="results/version.json",
    output:
        version=directory("results/published/{version}"),
    log:
        "results/logs/publish/publish-{version}.log",
    benchmark:
        "results/benchmarks/publish/publish-{version}.tsv"
    params:
        settings=stage_settings("publish"),
        io=io_args,
    threads: THREADS
    resources:
        mem_mb=JOB_MEM_MB["publish"],
    conda:
        CONDA_ENV
    shell:
        stage_shell("publish")


# HISTORY is read and rewritten, not declared: Snakemake deletes a job's outputs before it runs, and the history
# of versions kept must survive the job that adds one. While LATEST is rewritten, readers follow HISTORY.
rule latest:
    input:
        code=depends("latest"),
        version=built_version,
    output:
        latest="results/published/LATEST",
    params:
        settings=stage_settings("latest"),
        io=io_args,
    log:
        "results/logs/publish/latest.log",
    threads: THREADS
    resources:
        mem_mb=JOB_MEM_MB["publish"],
    conda:
        CONDA_ENV
    shell:
        stage_shell("latest")
