def validation_tables(*tables_):
    """The tables themselves and the tables their cross-table checks read."""
    needed = [t for table in tables_ for t in DERIVED.get(table, ({}, None))[0]]
    # sources tell which shard is canonical for a file found twice (see tables.read)
    return list(dict.fromkeys([*tables_, *needed, "sources", *(["rejects"] if "sources" in tables_ else [])]))


# One job per stage: importing great-expectations costs seconds, paid once for the stage's tables.
for _stage, _tables in STAGE_TABLES.items():

    rule:
        name:
            f"validate_{_stage}"
        input:
            code=stage_code("validate"),
            suites=[os.path.join(REPO, f"schemas/expectations/{t}.json") for t in _tables],
            tables=[p for t in validation_tables(*_tables) for p in all_shards(t)],
        output:
            json=[f"results/validation/{t}.json" for t in _tables],
            docs=[directory(f"results/validation/data_docs/{t}") for t in _tables],
        log:
            f"results/logs/validate/{_stage}.log",
        benchmark:
            f"results/benchmarks/validate/{_stage}.tsv"
        params:
            tables=" ".join(f"--table {t} --json results/validation/{t}.json --docs-dir results/validation/data_docs/{t}"
                            for t in _tables),
            inputs=in_args(validation_tables(*_tables)),
            entries_per_shard=ENTRIES_PER_SHARD,
            batch_megabytes=config["validate"]["batch_megabytes"],
        shell:
            "jianghua validate {params.tables} {params.inputs} --entries-per-shard {params.entries_per_shard}"
            " --batch-megabytes {params.batch_megabytes} > {log} 2>&1"
