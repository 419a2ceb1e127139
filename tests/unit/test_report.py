"""The report: no chart or page depends on a system font for its Chinese labels; the validation page reads offline
and shows failures; log scales where counts span orders of magnitude; the conda environment lists the package's
libraries."""

from __future__ import annotations

import base64
import io
import json
import re
import tomllib
import xml.etree.ElementTree as ET

import pytest
import yaml
from fontTools.ttLib import TTFont

from jianghua import fonts, registry
from jianghua.stages import report

from conftest import REPO

SVG = "{http://www.w3.org/2000/svg}"
FONT_URL = re.compile(r"@font-face\{font-family:'([^']+)'[^}]*src:url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)")
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _expectation(id_, success, severity="critical", kind="structural", unexpected=0, observed=None, examples=()):
    return {"id": id_, "type": "expect_column_values_to_be_unique", "kind": kind, "severity": severity,
            "kwargs": {"column": "doc_id"}, "success": success, "unexpected_count": unexpected,
            "observed_value": observed, "example_rows": list(examples), "held_back": [], "exception": None}


def _result(table, expectations):
    success = not any(not e["success"] and e["severity"] == "critical" and e["kind"] == "structural"
                      for e in expectations)
    return {"table": table, "suite": f"jianghua.{table}", "rows": 1234, "held_back_by": "doc_id", "success": success,
            "failed_critical": [e["id"] for e in expectations if not e["success"] and e["severity"] == "critical"],
            "failed_content": [], "failed_warning": [], "expectations": expectations}


# a failed structural expectation with example rows, a failed warning whose observed value is Chinese text, and
# markup in a value that must not close the page's script
VALIDATION = [
    _result("documents", [_expectation("doc_id_unique", False, unexpected=2, examples=[{"doc_id": "d0007"}]),
                          _expectation("title_not_null", True)]),
    _result("sentences", [_expectation("no_half_width_punctuation", False, severity="warning", kind="content",
                                       unexpected=31, observed="坚持稳中求进</script><b>推动高质量发展"),
                          _expectation("offsets_slice_back", True)]),
]


@pytest.fixture(scope="module")
def built(sample_frames):
    frames = {table: sample_frames[table] for table in registry.STAGES["report"].reads}
    return report.build(frames, VALIDATION)


def _embedded(style_text: str) -> tuple[str, set[int]]:
    """The family of the one @font-face rule in a stylesheet and the code points its embedded font maps."""
    rules = FONT_URL.findall(style_text)
    assert len(rules) == 1, "exactly one embedded @font-face expected"
    family, data = rules[0]
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    return family, set(font.getBestCmap())


def svg_font_faults(svg: str) -> list[str]:
    """What of an SVG depends on the viewer's fonts: a text whose font-family does not name the embedded family,
    or a character the embedded font has no glyph for."""
    root = ET.fromstring(svg)
    family, mapped = _embedded("".join(node.text or "" for node in root.iter(f"{SVG}style")))
    faults = [] if family == fonts.FAMILY else [f"embedded family {family!r}"]
    parents = {child: parent for parent in root.iter() for child in parent}
    for node in root.iter(f"{SVG}text"):
        holder = node
        while holder is not None and "font-family" not in holder.attrib:
            holder = parents.get(holder)
        named = holder.attrib["font-family"] if holder is not None else ""
        text = "".join(node.itertext())
        if fonts.FAMILY not in named:
            faults.append(f"text {text!r} in font-family {named!r}")
        faults += [f"no glyph for {c!r} in {text!r}" for c in text if not c.isspace() and ord(c) not in mapped]
    return faults


def page_font_faults(page: str) -> list[str]:
    """The same for an HTML page: every font-family its stylesheet and charts name is the embedded one, and the
    embedded font maps every Chinese character of the page (its text and its charts' labels)."""
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    family, mapped = _embedded(style)
    declared = re.findall(r"font-family:([^;}]+)", FONT_URL.sub("", style))
    faults = [f"font-family {d!r}" for d in declared if fonts.FAMILY not in d and d.strip() != "inherit"]
    for spec in re.findall(r"const spec=(\{.*?\});", page, re.S):
        config = json.loads(spec)["config"]
        faults += [f"chart font {key}={config.get(key)!r}" for key in ("font",) if config.get(key) != fonts.FAMILY]
    body = page.split("</style>", 1)[1]
    body = body.replace(report.vega_bundle(), "") if "vegaEmbed" in body else body
    faults += [f"no glyph for {c!r}" for c in sorted(set(CJK.findall(body))) if ord(c) not in mapped]
    return faults + ([] if family == fonts.FAMILY else [f"embedded family {family!r}"])


def test_every_label_is_drawn_with_the_embedded_font(built):
    svgs = {name: content for name, content in built.items() if content.startswith("<svg")}
    pages = {name: content for name, content in built.items() if content.startswith("<!doctype html")}
    assert set(svgs) == {"funnel", "encodings", "repairs", "formulations", "validation"}
    assert {"documents", "validation_report", "page_documents", "page_sentences"} <= set(pages)
    for name, svg in svgs.items():
        assert CJK.search("".join(ET.fromstring(svg).itertext())), f"{name}: a chart with Chinese labels expected"
        assert svg_font_faults(svg) == [], name
    for name, page in pages.items():
        assert page_font_faults(page) == [], name


def test_the_font_check_catches_a_system_font_and_a_missing_glyph(built):
    """The checks above can fail: a label in sans-serif, a character the subset lacks."""
    svg = built["funnel"]
    assert any("sans-serif" in f for f in svg_font_faults(svg.replace(f'font-family="{fonts.FAMILY}"',
                                                                        'font-family="sans-serif"')))
    lacking = svg.replace(">句子", ">鑫鑫", 1)  # a label in characters the sample lacks: not in its subset
    assert any("no glyph for '鑫'" in f for f in svg_font_faults(lacking))


def test_the_embedded_font_is_a_small_deterministic_subset(built, sample_frames):
    frames = {table: sample_frames[table] for table in registry.STAGES["report"].reads}
    data = base64.b64decode(FONT_URL.search(built["funnel"]).group(2))
    assert len(data) < 60_000  # the whole face is 16 MB
    assert TTFont(io.BytesIO(data))["name"].getDebugName(1) == fonts.FAMILY
    again = report.build(frames, VALIDATION)
    assert again == built


def test_validation_page_reads_offline_and_shows_the_failures(built):
    page = built["validation_report"]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)   # no asset from elsewhere
    assert not re.search(r"<script|<link|@import|url\((?!data:)", page)      # no script, stylesheet or font fetched
    documents = page.split('<h2 id="documents">', 1)[1].split("<h2", 1)[0]
    failed = re.search(r'<tr class="failed"><td><code>doc_id_unique</code>.*?</tr>', documents).group(0)
    assert ">2<" in failed and "d0007" in failed                              # unexpected count, example row
    assert "not published" in documents
    assert '<tr class="passed"><td><code>title_not_null</code>' in documents
    sentences = page.split('<h2 id="sentences">', 1)[1]
    assert '<tr class="warning"><td><code>no_half_width_punctuation</code>' in sentences
    assert "&lt;/script&gt;&lt;b&gt;" in sentences                            # corpus text escaped
    assert '<a href="#documents">' in page and 'href="table_documents.html"' in page


def test_table_page_is_interactive_and_its_script_cannot_be_closed_by_data(built):
    page = built["page_sentences"]
    spec = json.loads(re.search(r"const spec=(\{.*?\});", page, re.S).group(1))
    layers = spec.get("layer", [spec])
    assert any(p.get("select", {}).get("type") == "point" and p.get("bind") == "legend"
               for layer in [spec, *layers] for p in layer.get("params", []))       # a legend that selects
    assert all("tooltip" in layer.get("encoding", spec.get("encoding", {})) for layer in layers)
    script = page.split("const spec=", 1)[1].split("</script>", 1)[0]
    assert "<" not in script and "坚持稳中求进" in script                   # the markup in a value is escaped
    assert 'href="validation.html#sentences"' in page
    assert "http://" not in script and "https://" not in script.replace(spec["$schema"], "")


def test_counts_spanning_orders_of_magnitude_take_a_log_scale():
    assert report.count_scale([39, 2, 4067]).type == "log"
    assert report.count_scale([12, 30, 7, 0]).type == "linear"
    assert report.count_scale([0, 0]).type == "linear"


def test_funnel_is_on_a_log_scale_and_formulation_labels_are_whole(built, sample_frames):
    svg = built["funnel"]
    assert "4,067" in svg or f"{sample_frames['sentences'].height:,}" in svg
    assert "log" in "".join(ET.fromstring(svg).itertext())
    labels = "".join(ET.fromstring(built["formulations"]).itertext())
    longest = max(sample_frames["formulations"]["canonical"].unique().to_list(), key=len)
    assert longest in labels or len(longest) <= 40  # never cut (the sample's may all be short)


def test_conda_environment_lists_every_dependency():
    """workflow/envs/jianghua.yaml (the rules' conda directive) holds each library pyproject.toml requires."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    environment = yaml.safe_load((REPO / "workflow" / "envs" / "jianghua.yaml").read_text(encoding="utf-8"))
    listed = [d for d in environment["dependencies"] if isinstance(d, str)]
    listed += [d for d in environment["dependencies"] if isinstance(d, dict) for d in d["pip"]]
    names = {re.split(r"[\s<>=!]", d, maxsplit=1)[0].lower().replace("_", "-") for d in listed}
    conda_names = {"snakemake": "snakemake-minimal", "brotli": "brotli-python"}  # conda-forge's names
    for requirement in project["dependencies"]:
        name = re.split(r"[\s<>=!\[]", requirement, maxsplit=1)[0].lower()
        assert conda_names.get(name, name) in names, f"{name} missing from workflow/envs/jianghua.yaml"
