"""Report stage: plots and pages for ``snakemake --report``, drawn as plain SVG and HTML.

Charts: files -> documents -> sentences, encodings, repairs per file, most frequent formulations (mentions in
distinct texts and in their near-duplicates) and the validation summary; a page lists every document. Every
piece of corpus text is escaped before it is written: titles come from scraped pages and may hold markup.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import polars as pl

from jianghua import counts, registry, tables

BAR_HEIGHT = 22
WIDTH = 760
LABEL_WIDTH = 300


def bar_chart(title: str, rows: list[tuple], colours: tuple[str, ...] = ("#4c78a8",),
              legend: tuple[str, ...] = ()) -> str:
    """A horizontal (stacked) bar chart as an SVG document; labels, legend and title are escaped.

    ``rows`` are (label, value) or (label, value, value, ...) with one colour per value.
    """
    rows = [(label, *values) for label, *values in rows]
    top = max((sum(values) for _, *values in rows), default=0) or 1
    height = 40 + BAR_HEIGHT * max(len(rows), 1) + (20 if legend else 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<text x="4" y="18" font-size="15" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, *values) in enumerate(rows):
        y, x = 30 + i * BAR_HEIGHT, float(LABEL_WIDTH)
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 14}" text-anchor="end">{html.escape(str(label)[:40])}</text>')
        for value, colour in zip(values, colours):
            length = (WIDTH - LABEL_WIDTH - 90) * value / top
            parts.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{length:.1f}" height="{BAR_HEIGHT - 6}" fill="{colour}"/>')
            x += length
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 14}">{" + ".join(f"{v:g}" for v in values)}</text>')
    if not rows:
        parts.append('<text x="4" y="44">no rows</text>')
    for k, (name, colour) in enumerate(zip(legend, colours)):
        y = height - 8
        parts += [f'<rect x="{LABEL_WIDTH + 120 * k}" y="{y - 10}" width="10" height="10" fill="{colour}"/>',
                  f'<text x="{LABEL_WIDTH + 120 * k + 14}" y="{y}">{html.escape(name)}</text>']
    parts.append("</svg>\n")
    return "\n".join(parts)


def documents_page(metadata: pl.DataFrame) -> str:
    """An HTML table of every document: title, genre, speaker role, meeting, date and its provenance."""
    columns = ["doc_id", "title", "genre", "speaker_role", "meeting", "date", "date_provenance"]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
                   for row in metadata.sort("doc_id").select(columns).iter_rows())
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>documents</title></head><body>'
            f"<h1>{metadata.height} documents</h1><table border=\"1\"><tr>{head}</tr>{body}</table></body></html>\n")


def build(frames: dict[str, pl.DataFrame], validation: list[dict]) -> dict[str, str]:
    """File name -> content of every report file."""
    funnel = [("input files", frames["sources"].height + frames["rejects"].height),
              ("rejected", frames["rejects"].height), ("sources", frames["sources"].height),
              ("documents", frames["documents"].height), ("paragraphs", frames["paragraphs"].height),
              ("sentences", frames["sentences"].height)]
    encodings = frames["sources"].group_by("encoding").len().sort("len", "encoding", descending=[True, False])
    repairs = (frames["repairs"].join(frames["sources"].select("source_id", "path"), on="source_id")
               .group_by("path").agg((pl.col("status") == "repaired").sum().alias("repaired"),
                                     (pl.col("status") == "flagged").sum().alias("flagged"))
               .sort("repaired", "path", descending=[True, False]).head(25))
    # per mention, and per distinct text: the mentions in copies of a representative are stacked apart
    formulations = (counts.formulation_counts(frames["formulations"], frames["doc_clusters"]).head(25)
                    .select("canonical", "distinct_mentions", pl.col("mentions") - pl.col("distinct_mentions")))
    checks = [(f"{v['table']}: {'ok' if v['success'] else 'FAILED'}",
               sum(e["success"] for e in v["expectations"])) for v in sorted(validation, key=lambda v: v["table"])]
    return {
        "funnel": bar_chart("files → documents → sentences", funnel),
        "encodings": bar_chart("encodings", encodings.rows()),
        "repairs": bar_chart("damaged spans per file", repairs.rows(), ("#4c78a8", "#e45756"),
                                 ("repaired", "flagged")),
        "formulations": bar_chart("most frequent formulations", formulations.rows(), ("#54a24b", "#bab0ac"),
                                  ("in distinct texts", "in near-duplicates")),
        "validation": bar_chart("expectations passed per table", checks, ("#b279a2",)),
        "documents": documents_page(frames["metadata"]),
    }


def run(inputs: dict[str, list[str]], outputs: dict[str, str], settings) -> None:
    """Read the tables and validation results; write each report file named in ``outputs``."""
    canonical = tables.canonical_shards(inputs.get("sources", []))
    frames = {t: tables.read(t, inputs.get(t, []), canonical, list(columns) if columns else None)
              for t, columns in registry.STAGES["report"].reads.items()}
    validation = [json.loads(Path(p).read_text(encoding="utf-8")) for p in inputs.get("validation", [])]
    for name, content in build(frames, validation).items():
        Path(outputs[name]).parent.mkdir(parents=True, exist_ok=True)
        Path(outputs[name]).write_text(content, encoding="utf-8")
