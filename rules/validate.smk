def validation_tables(table):
    """The table itself and the tables its cross-table checks read."""
    needed = DERIVED.get(table, ((), None))[0]
    # sources tell which shard is canonical for a file found twice (see tables.read)
    return list(dict.fromkeys([table, *needed, "sources", *(["rejects"] if table == "sources" else [])]))


rule validate:
    input:
        code=stage_code("validate"),
        suite=os.path.join(REPO, "schemas/expectations/{table}.json"),
        tables=lambda wildcards: [p for t in validation_tables(wildcards.table) for p in all_shards(t)],
    output:
        json="results/validation/{table}.json",
        docs=directory("results/validation/data_docs/{table}"),
    log:
        "results/logs/validate/{table}.log",
    benchmark:
        "results/benchmarks/validate/{table}.tsv"
    params:
        inputs=lambda wildcards: in_args(validation_tables(wildcards.table)),
        input_files=len(INPUT_ENTRIES),
    shell:
        "jianghua validate --table {wildcards.table} {params.inputs} --input-files {params.input_files}"
        " --json {output.json} --docs-dir {output.docs} > {log} 2>&1"
