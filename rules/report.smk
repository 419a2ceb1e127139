rule report:
    input:
        code=depends("report"),
        **{table: all_shards(table) for table in registry.STAGES["report"].reads},
        validation=expand("results/validation/{table}.json", table=registry.ALL_TABLES),
    output:
        funnel=report("results/report/funnel.svg", caption="../report/funnel.rst", category="Corpus"),
        encodings=report("results/report/encodings.svg", caption="../report/encodings.rst", category="Corpus"),
        repairs=report("results/report/repairs.svg", caption="../report/repairs.rst", category="Decode"),
        formulations=report("results/report/formulations.svg", caption="../report/formulations.rst",
                            category="Extract"),
        validation=report("results/report/validation.svg", caption="../report/validation.rst", category="Validation"),
        validation_report=report("results/report/validation.html", caption="../report/validation_report.rst",
                                 category="Validation"),
        documents=report("results/report/documents.html", caption="../report/documents.rst", category="Corpus"),
        # one page per table, its expectations drawn interactively
        **{f"page_{table}": report(f"results/report/table_{table}.html", caption="../report/table.rst",
                                   category="Tables", labels={"table": table})
           for table in registry.ALL_TABLES},
    log:
        "results/logs/report.log",
    benchmark:
        "results/benchmarks/report.tsv"
    params:
        settings=stage_settings("report"),
        io=io_args,
    threads: THREADS
    resources:
        mem_mb=CORPUS_MEM_MB,
    conda:
        CONDA_ENV
    shell:
        stage_shell("report")
