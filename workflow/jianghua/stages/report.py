"""Report stage: the charts and pages of ``snakemake --report``, drawn with Vega-Lite (altair, vl-convert).

Charts (SVG): the funnel from files to formulations, encodings, repairs by status, the most frequent
formulations (mentions in distinct texts and in their near-duplicates), validation passed and failed per
table. Pages (HTML): every document; one page per table with an interactive chart of its expectations
(tooltips, a legend that selects); one validation report over every table, with its expectations, outcomes,
unexpected counts and example rows.

Every file reads offline and without CJK fonts on the viewer's machine: each embeds the subset of Noto Sans CJK
SC it needs (``jianghua.fonts``) and names that family for all its text; the interactive pages inline Vega's
JavaScript; the validation page has no script at all. Counts that span orders of magnitude are drawn on a log
scale. Every piece of corpus text is escaped: titles come from scraped pages and may hold markup.
"""

from __future__ import annotations

import html
import json
import re
import time
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import altair as alt
import polars as pl

from jianghua import counts, fonts, registry, tables
from jianghua.errors import JianghuaError

TOP = 25            # rows of the formulation and repair charts
LOG_SPAN = 100      # counts whose largest is this many times the smallest are drawn on a log scale
WIDTH = 520
ROW = 22            # pixels per bar
OUTCOME_COLOURS = {"passed": "#54a24b", "failed": "#e45756", "warning": "#f2a93b"}
# outcome of an expectation: passed, failed (critical), or failed as a warning (severity below critical)
OUTCOME_LABELS = {"passed": "passed 通过", "failed": "failed 未通过", "warning": "warning 警告"}
SVG_NS = "http://www.w3.org/2000/svg"
PAGE_CSS = (f"body{{font-family:'{fonts.FAMILY}';margin:1.5em;color:#222}}"
            "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;"
            "text-align:left;vertical-align:top}th{background:#f3f3f3}.failed{background:#fde2e1}"
            ".warning{background:#fdf0d5}.passed{background:#e8f4e5}code{font-family:inherit}"
            f"#vg-tooltip-element,#vg-tooltip-element *{{font-family:'{fonts.FAMILY}' !important}}")


# ---- the charts ------------------------------------------------------------------------------------------------

def count_scale(values) -> alt.Scale:
    """A log scale when the positive counts span ``LOG_SPAN`` times or more, else a linear one from zero."""
    positive = [v for v in values if v and v > 0]
    if positive and max(positive) >= LOG_SPAN * min(positive):
        return alt.Scale(type="log")
    return alt.Scale(type="linear", zero=True)


def _configured(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Every text of the chart in the embedded family; full labels (no cut at Vega's 180 pixels)."""
    return (chart.configure(font=fonts.FAMILY)
            .configure_axis(labelFont=fonts.FAMILY, titleFont=fonts.FAMILY, labelLimit=0)
            .configure_legend(labelFont=fonts.FAMILY, titleFont=fonts.FAMILY, labelLimit=0)
            .configure_title(font=fonts.FAMILY, anchor="start", fontSize=15)
            .configure_view(stroke=None))


def bars(frame: pl.DataFrame, label: str, value: str, title: str, value_title: str, colour: str | None = None,
         colours: dict[str, str] | None = None) -> alt.TopLevelMixin:
    """Horizontal bars of ``value`` per ``label`` in the frame's order, the count written at the end of each
    bar; ``colour`` names a column whose values stack within a bar (``colours``: value -> colour, in stacking
    order; else the values sorted).

    Unstacked counts take ``count_scale`` (a log scale draws no bar for a zero, but its row and count stay);
    stacked ones a linear scale, the only one on which stacked lengths add up.
    """
    order = list(dict.fromkeys(frame[label].to_list()))
    totals = frame.group_by(label, maintain_order=True).agg(pl.col(value).sum())
    scale = alt.Scale(type="linear", zero=True) if colour else count_scale(totals[value].to_list())
    logarithmic = scale.type == "log"
    shown = frame.filter(pl.col(value) > 0) if logarithmic else frame
    y = alt.Y(f"{label}:N", sort=order, scale=alt.Scale(domain=order), title=None)
    tooltip = [alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", title=value_title, format=",")]
    encoding = {"y": y, "x": alt.X(f"{value}:Q", scale=scale, stack="zero" if colour else None,
                                   title=value_title + (" (log scale 对数)" if logarithmic else ""))}
    if colour:
        names = list(colours) if colours else sorted(set(frame[colour].to_list()))
        hues = alt.Scale(domain=names, range=[colours[n] for n in names]) if colours else alt.Scale(domain=names)
        shown = shown.with_columns(pl.col(colour).replace_strict(names, range(len(names))).alias("stacking"))
        encoding |= {"color": alt.Color(f"{colour}:N", title=None, scale=hues, legend=alt.Legend(orient="top")),
                     "order": alt.Order("stacking:Q")}
        tooltip.append(alt.Tooltip(f"{colour}:N"))
    bar = alt.Chart(shown).mark_bar(**({} if colour else {"color": "#4c78a8"})).encode(**encoding, tooltip=tooltip)
    # the count beside each bar; on a log scale a zero is written at 1, where its axis starts
    ends = totals.with_columns(pl.col(value).clip(lower_bound=1 if logarithmic else 0).alias("at"))
    text = alt.Chart(ends).mark_text(align="left", dx=4).encode(
        y=y, x=alt.X("at:Q", scale=scale), text=alt.Text(f"{value}:Q", format=","))
    return (bar + text).properties(title=title, width=WIDTH, height=ROW * max(len(order), 1))


def outcome(expectation: dict) -> str:
    """passed, failed (a critical expectation) or warning (a failed expectation of a lower severity)."""
    if expectation["success"]:
        return "passed"
    return "failed" if expectation["severity"] == "critical" else "warning"


def charts(frames: dict[str, pl.DataFrame], validation: list[dict]) -> dict[str, alt.TopLevelMixin]:
    """Chart name -> the configured altair chart: funnel, encodings, repairs, formulations, validation."""
    sources, rejects = frames["sources"].height, frames["rejects"].height
    funnel = pl.DataFrame({"step": ["输入文件 input files", "拒收 rejected", "来源 sources", "文档 documents",
                                    "段落 paragraphs", "句子 sentences", "提法 formulations"],
                           "rows": [sources + rejects, rejects, sources, frames["documents"].height,
                                    frames["paragraphs"].height, frames["sentences"].height,
                                    frames["formulations"].height]})
    encodings = frames["sources"].group_by("encoding").len("files").sort("files", "encoding",
                                                                        descending=[True, False])
    # the files with the most damaged spans, their spans by status (repaired, flagged, ...)
    damaged = frames["repairs"].join(frames["sources"].select("source_id", "path"), on="source_id")
    worst = (damaged.group_by("path").len("spans").sort("spans", "path", descending=[True, False]).head(TOP)
             .with_row_index("rank"))
    repairs = (damaged.join(worst, on="path").group_by("rank", "path", "status").len("spans")
               .sort("rank", "status").select("path", "status", "spans"))
    formulations = (counts.formulation_counts(frames["formulations"], frames["doc_clusters"]).head(TOP)
                    .select("canonical", pl.col("distinct_mentions").alias("in distinct texts 独立文本"),
                            (pl.col("mentions") - pl.col("distinct_mentions")).alias("in near-duplicates 近似副本"))
                    .unpivot(index="canonical", variable_name="where", value_name="mentions"))
    checks = pl.DataFrame([{"table": v["table"], "outcome": OUTCOME_LABELS[outcome(e)]}
                           for v in validation for e in v["expectations"]],
                          schema={"table": pl.String, "outcome": pl.String})
    checks = checks.group_by("table", "outcome").len("expectations").sort("table", "outcome")
    outcome_colours = {OUTCOME_LABELS[k]: c for k, c in OUTCOME_COLOURS.items()}
    return {name: _configured(chart) for name, chart in {
        "funnel": bars(funnel, "step", "rows", "文件 → 文档 → 句子 → 提法 (files → documents → sentences → "
                       "formulations)", "rows 行"),
        "encodings": bars(encodings, "encoding", "files", "编码 encodings of the sources", "files 文件"),
        "repairs": bars(repairs, "path", "spans", f"修复 damaged spans by status: the {worst.height} files with the "
                        "most", "spans 处", colour="status"),
        "formulations": bars(formulations, "canonical", "mentions", f"提法 the {formulations['canonical'].n_unique()} "
                             "most frequent formulations", "mentions 次", colour="where"),
        "validation": bars(checks, "table", "expectations", "验证 expectations passed and failed per table",
                           "expectations 项", colour="outcome", colours=outcome_colours),
    }.items()}


def _texts(svg: str) -> str:
    """Every character the SVG draws as text."""
    return "".join("".join(node.itertext()) for node in ET.fromstring(svg).iter(f"{{{SVG_NS}}}text"))


def embed_font(svg: str, source: bytes) -> str:
    """The SVG with the font subset for its text (made from ``source``) embedded, and its family named on the
    root as well."""
    style = f"<defs><style>{fonts.font_face(_texts(svg), source)}</style></defs>"
    opening = re.match(r"<svg\b[^>]*>", svg)
    root = opening.group(0)[:-1] + f' font-family="{fonts.FAMILY}">'
    return root + style + svg[opening.end():]


def render_svgs(specs: dict[str, dict], source: bytes) -> dict[str, str]:
    """Chart name -> SVG, its labels measured with the embedded font and their subset (made from ``source``)
    embedded."""
    import vl_convert

    fonts.register_for_measuring()
    return {name: embed_font(vl_convert.vegalite_to_svg(spec), source) for name, spec in specs.items()}


# ---- the pages -------------------------------------------------------------------------------------------------

def _cell(value) -> str:
    if value is None:
        return ""
    return html.escape(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


FONT_FACE = "/*font-face*/"  # where a page's @font-face goes, once the subset of every file's text is made
VEGA = "/*vega*/"            # where an interactive page's Vega script goes (it is no text of the page)


def page(title: str, body: str, script: str = "") -> str:
    """A whole HTML page, its script inline and nothing fetched; ``FONT_FACE`` stands for its font (``with_font``)."""
    return (f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{FONT_FACE}{PAGE_CSS}</style></head><body>{body}{script}</body></html>\n")


def page_text(content: str) -> str:
    """The characters a page may draw: its text without tags, and its scripts' strings (chart labels)."""
    return html.unescape(re.sub(r"<[^>]+>", "", content.split("</style>", 1)[-1]))


def with_font(content: str, source: bytes) -> str:
    """The page with the font subset for its text (made from ``source``) in place of ``FONT_FACE``, and Vega's
    script in place of ``VEGA``."""
    content = content.replace(FONT_FACE, fonts.font_face(page_text(content), source), 1)
    return content.replace(VEGA, vega_bundle(), 1) if VEGA in content else content


def documents_page(metadata: pl.DataFrame) -> str:
    """An HTML table of every document: title, genre, speaker role, meeting, date and its provenance."""
    columns = ["doc_id", "title", "genre", "speaker_role", "meeting", "date", "date_provenance"]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
                   for row in metadata.sort("doc_id").select(columns).iter_rows())
    return page("documents", f"<h1>{metadata.height} documents 文档</h1>"
                             f'<p><a href="validation.html">validation report 验证报告</a></p>'
                             f"<table><tr>{head}</tr>{body}</table>")


def validation_page(validation: list[dict]) -> str:
    """One offline page over every table's validation: its expectations, passed or failed, unexpected counts,
    observed values and example rows, failed tables first in the summary."""
    results = sorted(validation, key=lambda v: v["table"])
    summary = "".join(
        f'<tr class="{"passed" if v["success"] and not v.get("failed_content") else "failed"}">'
        f'<td><a href="#{html.escape(v["table"])}">{html.escape(v["table"])}</a></td><td>{v["rows"]:,}</td>'
        f'<td>{sum(e["success"] for e in v["expectations"])}</td>'
        f'<td>{sum(not e["success"] for e in v["expectations"])}</td>'
        f'<td>{"published" if v["success"] else "NOT PUBLISHED"}</td></tr>'
        for v in sorted(results, key=lambda v: (v["success"], v["table"])))
    sections = []
    for v in results:
        rows = "".join(
            f'<tr class="{outcome(e)}"><td><code>{html.escape(e["id"])}</code></td><td>{html.escape(e["type"])}</td>'
            f'<td>{html.escape(e["kind"])}</td><td>{html.escape(e["severity"])}</td>'
            f'<td>{OUTCOME_LABELS[outcome(e)]}</td><td>{_cell(e.get("unexpected_count"))}</td>'
            f'<td>{_cell(e.get("observed_value"))}</td>'
            f'<td>{"<br>".join(_cell(r) for r in e.get("example_rows") or [])}</td>'
            f'<td>{len(e.get("held_back") or [])}</td><td>{_cell(e.get("exception"))}</td></tr>'
            for e in v["expectations"])
        sections.append(
            f'<h2 id="{html.escape(v["table"])}">{html.escape(v["table"])}</h2>'
            f'<p>{v["rows"]:,} rows; suite <code>{html.escape(v["suite"])}</code>; '
            f'{"published" if v["success"] else "<strong>not published</strong>: a critical structural expectation failed"}'
            f'{"; documents held back by a content check" if v.get("failed_content") else ""}. '
            f'<a href="table_{html.escape(v["table"])}.html">chart</a></p>'
            "<table><tr><th>expectation</th><th>type</th><th>kind</th><th>severity</th><th>outcome</th>"
            "<th>unexpected</th><th>observed</th><th>example rows</th><th>held back</th><th>error</th></tr>"
            f"{rows}</table>")
    return page("validation 验证", "<h1>validation 验证</h1><p>Every table's great-expectations suite "
                "(<code>schemas/expectations/</code>) and its outcome on this run.</p>"
                "<table><tr><th>table</th><th>rows</th><th>passed</th><th>failed</th><th>status</th></tr>"
                f"{summary}</table>{''.join(sections)}")


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (from vl-convert), inlined in every interactive page."""
    import vl_convert

    return vl_convert.javascript_bundle()


def _json_for_script(value) -> str:
    """JSON safe inside a <script> element: no ``<``, ``>`` or ``&`` that could close it."""
    return (json.dumps(value, ensure_ascii=False, sort_keys=True)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def expectations_chart(result: dict) -> alt.TopLevelMixin:
    """A table's expectations: unexpected rows per expectation, coloured by outcome; tooltips, and a legend
    that selects an outcome (click; shift-click for more)."""
    rows = pl.DataFrame([{"expectation": e["id"], "outcome": OUTCOME_LABELS[outcome(e)], "type": e["type"],
                          "kind": e["kind"], "severity": e["severity"],
                          "unexpected": e.get("unexpected_count") or 0,
                          "observed": json.dumps(e.get("observed_value"), ensure_ascii=False)[:200],
                          "held_back": len(e.get("held_back") or [])} for e in result["expectations"]],
                        schema={"expectation": pl.String, "outcome": pl.String, "type": pl.String, "kind": pl.String,
                                "severity": pl.String, "unexpected": pl.Int64, "observed": pl.String,
                                "held_back": pl.Int64})
    names = list(OUTCOME_LABELS.values())
    pick = alt.selection_point(name="outcome_picked", fields=["outcome"], bind="legend")
    # symlog: zero (most expectations) and thousands of unexpected rows on one axis; a dot on each row shows its
    # outcome where there is no bar
    scale = alt.Scale(type="symlog", domain=[0, max(1, rows["unexpected"].max() or 0)])
    base = alt.Chart(rows).encode(
        y=alt.Y("expectation:N", sort=None, title=None),
        x=alt.X("unexpected:Q", scale=scale, title="unexpected rows 异常行 (symlog)"),
        color=alt.Color("outcome:N", scale=alt.Scale(domain=names, range=list(OUTCOME_COLOURS.values())),
                        legend=alt.Legend(orient="top", title="outcome (click to select)")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.2)),
        tooltip=["expectation", "outcome", "type", "kind", "severity", "unexpected", "observed", "held_back"])
    chart = alt.layer(base.mark_bar().add_params(pick).properties(name="expectations"), base.mark_point(filled=True, size=70),
                      base.mark_text(align="left", dx=8, color="#222").encode(text=alt.Text("unexpected:Q", format=",")))
    return _configured(chart.properties(title=f"{result['table']}: expectations 验证项", width=WIDTH,
                                        height=ROW * max(rows.height, 1)))


def table_page(result: dict) -> str:
    """One table's page: its rows and status, and its expectations as an interactive chart."""
    table = html.escape(result["table"])
    spec = expectations_chart(result).to_dict()
    failed = [e["id"] for e in result["expectations"] if not e["success"]]
    body = (f"<h1>{table}</h1><p>{result['rows']:,} rows; {len(result['expectations']) - len(failed)} expectations "
            f"passed, {len(failed)} failed{': ' + html.escape(', '.join(failed)) if failed else ''}. "
            f'<a href="validation.html#{table}">validation report 验证报告</a></p><div id="chart"></div>')
    # the chart is drawn once the embedded font is loaded, so that Vega measures labels with it
    script = (f"<script>{VEGA}</script><script>const spec={_json_for_script(spec)};"
              "Promise.all([...document.fonts].map(f=>f.load())).then(()=>"
              "vegaEmbed('#chart',spec,{renderer:'svg',actions:false}));</script>")
    return page(result["table"], body, script)


def build(frames: dict[str, pl.DataFrame], validation: list[dict]) -> dict[str, str]:
    """File name -> content of every report file: the charts (SVG), documents, validation and table pages."""
    specs = {name: chart.to_dict() for name, chart in charts(frames, validation).items()}
    pages = {"documents": documents_page(frames["metadata"]), "validation_report": validation_page(validation),
             **{f"page_{v['table']}": table_page(v) for v in validation}}
    # one subset of the collection for every file's text (slow: seconds), then each file's own from it (fast)
    source = fonts.subset("".join(json.dumps(spec, ensure_ascii=False) for spec in specs.values())
                          + "".join(page_text(content) for content in pages.values()))
    return render_svgs(specs, source) | {name: with_font(content, source) for name, content in pages.items()}


COUNTED = ("paragraphs", "sentences")  # tables the report only counts (the funnel's rows)


def _counted(table: str, paths: list[str], canonical: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``table`` read a shard at a time with its ids as categories: the same rows, a tenth of the memory (as
    strings, the doc ids of a gigabyte's 12 million sentences held 560 MB, the report job's peak)."""
    as_categories = pl.col(columns).cast(pl.Categorical)
    shards = [tables.read_shard(table, path, index, canonical, columns).with_columns(as_categories)
              for index, path in enumerate(paths)]
    return pl.concat(shards) if shards else tables.empty(table).select(columns).with_columns(as_categories)


def run(inputs: dict[str, list[str]], outputs: dict[str, str], settings) -> None:
    """Read the tables and validation results; write each report file named in ``outputs``."""
    canonical = tables.canonical_shards(inputs.get("sources", []))
    frames = {t: (_counted if t in COUNTED else tables.read)(t, inputs.get(t, []), canonical,
                                                              list(columns) if columns else None)
              for t, columns in registry.STAGES["report"].reads.items()}
    validation = [json.loads(Path(p).read_text(encoding="utf-8")) for p in inputs.get("validation", [])]
    started = time.perf_counter()
    files = build(frames, validation)
    missing = sorted(set(outputs) - set(files))
    if missing:
        raise JianghuaError(f"the report stage builds no file named {', '.join(missing)}: the outputs of rule "
                            f"'report' (rules/report.smk) must be among {', '.join(sorted(files))}")
    for name, path in outputs.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(files[name], encoding="utf-8")
    # the job's figures: what it read and wrote
    print(f"report: read {', '.join(f'{t} {f.height:,}' for t, f in frames.items())}; validation of "
          f"{len(validation)} tables")
    for name, path in outputs.items():
        print(f"report: wrote {path} ({len(files[name].encode('utf-8')):,} bytes)")
    print(f"report: {len(outputs)} files in {time.perf_counter() - started:.2f} s")
