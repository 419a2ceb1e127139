"""The pipeline on the real pages of ``../shared/corpus/real``, scored by the shared tools (``score_real.py``,
``gate.py``) exactly as a published run is: the stages run in process on the pages as one shard with the shipped
config, and their tables are written where ``score_real.py`` looks for a published version."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from jianghua import registry, tables
from jianghua.runner import process

SHARED = registry.REPO.parent / "shared"
PAGES = SHARED / "corpus" / "real" / "pages"
TOOLS = SHARED / "tools"


@dataclass
class RealScore:
    """What the shared tools say of a run on the real pages."""

    pages: int
    seconds: float
    figures: str  # score_real.py's figures, as it prints them
    defects: str  # and every defect, page by page
    totals: dict  # its counts (score.json's ``totals``)
    gate: str  # gate.py's verdict, one line per figure

    def ratio(self, hits: str, total: str) -> float:
        """``totals[hits] / totals[total]`` (1 when nothing was counted)."""
        return self.totals.get(hits, 0) / self.totals[total] if self.totals.get(total) else 1.0


def missing(pages: Path = PAGES) -> str | None:
    """Why the real pages cannot be scored here, or None when the pages, the gold and the tools are all present."""
    gold = pages.parent / "gold.json"
    absent = [str(p) for p in (pages, gold, TOOLS / "score_real.py", TOOLS / "gate.py") if not p.exists()]
    return f"not found: {', '.join(absent)} (they live in ../shared beside the repository)" if absent else None


def score_real_pages(out: Path, pages: Path = PAGES) -> RealScore:
    """Run every stage on ``pages``, write the tables under ``out`` and score them with the shared tools."""
    start = time.perf_counter()
    frames = process(pages)
    seconds = time.perf_counter() - start
    version = out / "results" / "published" / "in-process"
    shutil.rmtree(out, ignore_errors=True)
    for table in registry.ALL_TABLES:
        tables.write(frames[table], table, version / table / "part-00000.parquet")
    (version.parent / "LATEST").write_text("in-process\n", encoding="utf-8")
    score = out / "score.json"
    scored = subprocess.run([sys.executable, str(TOOLS / "score_real.py"), str(out), "--gold",
                             str(pages.parent / "gold.json"), "--pages", str(pages), "--json", str(score)],
                            capture_output=True, text=True)
    if scored.returncode:
        raise RuntimeError(f"score_real.py failed:\n{scored.stderr}")
    figures, _, defects = scored.stdout.partition("\nPER PAGE:")
    gate = subprocess.run([sys.executable, str(TOOLS / "gate.py"), str(score)], capture_output=True, text=True)
    return RealScore(frames["sources"].height, seconds, figures.strip(), "PER PAGE:" + defects,
                     json.loads(score.read_text(encoding="utf-8"))["totals"], gate.stdout.strip())
