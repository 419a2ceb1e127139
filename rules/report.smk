rule report:
    input:
        code=stage_code("report"),
        tables=[p for t in REPORT_TABLES for p in all_shards(t)],
        validation=expand("results/validation/{table}.json", table=ALL_TABLES),
    output:
        report("results/report/funnel.svg", caption="../report/funnel.rst", category="Corpus"),
        report("results/report/encodings.svg", caption="../report/encodings.rst", category="Corpus"),
        report("results/report/repairs.svg", caption="../report/repairs.rst", category="Decode"),
        report("results/report/formulations.svg", caption="../report/formulations.rst", category="Extract"),
        report("results/report/validation.svg", caption="../report/validation.rst", category="Validation"),
        report("results/report/documents.html", caption="../report/documents.rst", category="Corpus"),
    log:
        "results/logs/report.log",
    params:
        inputs=in_args(REPORT_TABLES),
        validation=lambda wildcards, input: " ".join(f"--validation {p}" for p in input.validation),
    shell:
        "jianghua report {params.inputs} {params.validation} --out-dir results/report > {log} 2>&1"
