"""The real pages of ../shared/corpus/real (skipped where that folder is absent): invariants on every page, and
the figures score_real.py gives as a floor that later work must not fall below."""

import json
import re
import subprocess
import sys

import pytest

from jianghua import registry, tables
from jianghua.stages import validate
from jianghua.text.offsets import rebuild_decoded

# score_real.py's totals on these pages when this floor was set (lower is better for each)
FLOOR = {"res_pinyin": 0, "res_halfwidth": 0, "bp_left": 3, "keep_lost": 0}


def test_edits_rebuild_the_decoded_text_of_every_page(real_frames):
    edits = real_frames["edits"].partition_by("source_id", as_dict=True)
    decoded = dict(zip(real_frames["decoded"]["source_id"], real_frames["decoded"]["text"]))
    assert len(decoded) == real_frames["sources"].height > 0
    for sid, text in real_frames["normalized"].select("source_id", "text").iter_rows():
        rows = edits.get((sid,), real_frames["edits"].clear())
        assert rebuild_decoded(text, rows) == decoded[sid], sid
        assert all(decoded[sid][r["start"]:r["end"]] == r["before"] and text[r["out_start"]:r["out_end"]] == r["after"]
                   for r in rows.iter_rows(named=True)), sid


def test_no_page_fails_a_content_check(real_frames):
    """The content expectations' own patterns find nothing on the published text: no page is quarantined."""
    parameters = validate.shared_parameters()
    patterns = {name: re.compile(parameters[name])
                for name in ("pinyin_annotation", "halfwidth_between_han", "traditional_only", "boilerplate_markers")}
    texts = [*real_frames["normalized"]["text"], *real_frames["sentences"]["text"], *real_frames["documents"]["title"]]
    found = {name: [m.group() for text in texts for m in pattern.finditer(text)] for name, pattern in patterns.items()}
    assert found == {name: [] for name in patterns}


def test_figures_hold_their_floor(real_frames, real_dir, tmp_path):
    tools = real_dir.parent.parent / "tools"
    if not (tools / "score_real.py").is_file():
        pytest.skip(f"score_real.py is not at {tools}")
    version = tmp_path / "results" / "published" / "in-process"
    for table in registry.ALL_TABLES:
        tables.write(real_frames[table], table, version / table / "part-00000.parquet")
    (version.parent / "LATEST").write_text("in-process\n", encoding="utf-8")
    score = tmp_path / "score.json"
    subprocess.run([sys.executable, str(tools / "score_real.py"), str(tmp_path), "--gold", str(real_dir / "gold.json"),
                    "--pages", str(real_dir / "pages"), "--json", str(score)], check=True, capture_output=True)
    totals = json.loads(score.read_text(encoding="utf-8"))["totals"]
    figures = {name: totals.get(name, 0) for name in FLOOR}
    assert all(figures[name] <= floor for name, floor in FLOOR.items()), figures
    assert totals["bp_left"] <= 0.05 * totals["bp_gold"] and totals["keep_gold"] > 0
