"""Benchmark GBK-damage repair on real prose the character model never saw, and on the real damaged spans.

    python bench/repair.py [--shared ../shared] [--documents 200] [--min-confidence C]

1. Unseen real prose: the undamaged lines of ``shared/corpus/real/pages`` and ``shared/corpus/seeds`` (lines
   with a ``?``, a replacement character or an orphan reading are left out), their annotations stripped,
   their half-width signs made full-width, converted to Traditional (OpenCC s2t), damaged by the simulator as
   two sites would (one annotating the seeds' 85 characters, one every character the real pages annotate),
   and repaired with the table the survey finds in that damaged text. The character model is built from
   jieba's word list and the People's Daily corpus (``tools/build_char_model.py``): it never saw this text.
   Prints exact, flagged, wrong and missed spans, changes outside damaged spans, and (``--calibrate``) how
   often the repairs each confidence threshold accepts are right, for each half of the files apart: the
   threshold of ``config/config.yaml`` is the lowest that keeps accepted repairs right 99% of the time on both.
2. Every real damaged span of ``shared/corpus/real`` (gold kinds gbk and indent), repaired in the page as it
   stands, with the real pages' own annotation table (as the survey finds it).
3. The generated corpus (``jianghua.testing.sample``, a seed the embedded corpus does not use).

Where ``shared`` is absent, the parts that need it are skipped with a message. The real text is read at run
time, never copied into the project.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import polars as pl

from jianghua import registry
from jianghua.stages.survey import annotation_pairs
from jianghua.testing.accuracy import repair_accuracy
from jianghua.testing.damage import annotation_table, intended, simulate
from jianghua.testing.sample import clean_traditional_documents
from jianghua.text import repair
from jianghua.text.pinyin import CANDIDATE, annotations, is_reading

THRESHOLDS = (0.5, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)
ORPHAN_READING = re.compile(r"(?<![(（a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
HALF_TO_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "!": "！", "(": "（", ")": "）"})


def strip_annotations(line: str) -> str:
    """The line without its aligned ``字(reading)`` annotations."""
    spans = [(start, end) for start, end, _, _ in annotations(line)]
    for start, end in reversed(spans):
        line = line[:start] + line[end:]
    return line


def site_table(texts: list[str]) -> dict[str, str]:
    """The annotated characters of real pages, each with its commonest reading (tone-marked), as a site's table."""
    counts: dict[tuple[str, str], int] = {}
    for text in texts:
        for match in CANDIDATE.finditer(text):
            char, reading = match.group(1), match.group(3).lower()
            if is_reading(char, reading) and not reading.isascii():
                counts[char, reading] = counts.get((char, reading), 0) + 1
    table = {}
    for (char, reading), n in sorted(counts.items(), key=lambda item: -item[1]):
        table.setdefault(char, reading)
    return dict(sorted(table.items()))


def unseen_prose(files: list[Path]) -> list[tuple[str, str]]:
    """(name, clean Traditional text) per file: its undamaged lines, annotations stripped."""
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    found = []
    for path in files:
        lines = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if "?" in line or "\ufffd" in line or repair.residues(line):
                continue
            line = strip_annotations(line).strip()
            if ORPHAN_READING.search(line) or len(re.findall(r"[\u4e00-\u9fff]", line)) < 8:
                continue
            line = to_traditional.convert(line.translate(HALF_TO_FULL))
            try:
                line.encode("gbk")
            except UnicodeEncodeError:
                continue
            lines.append(line)
        if lines:
            found.append((path.name, "\n".join(lines) + "\n"))
    return found


def survey_table(texts: list[str]) -> repair.Annotated:
    """The annotation table the survey finds in ``texts``: what normalize hands repair."""
    decoded = pl.DataFrame({"source_id": [str(i) for i in range(len(texts))], "text": texts})
    return repair.Annotated(annotation_pairs(decoded).select("char", "reading").unique().iter_rows())


def print_counts(label: str, counts: dict[str, int]) -> None:
    total = counts.get("damaged_spans", 0)
    share = {k: counts.get(k, 0) / total if total else 0.0 for k in ("exact", "flagged", "wrong", "missed")}
    print(f"{label}: {counts.get('texts', 0)} texts, {total} damaged spans: exact {counts.get('exact', 0)} "
          f"({share['exact']:.1%}), flagged {counts.get('flagged', 0)} ({share['flagged']:.1%}), wrong "
          f"{counts.get('wrong', 0)} ({share['wrong']:.1%}), missed {counts.get('missed', 0)} ({share['missed']:.1%}); "
          f"changed outside damaged spans: {counts.get('changed_outside', 0)}")


def calibration(pairs: list[tuple[str, str]], annotated: repair.Annotated) -> str:
    """Repairs that each threshold would accept and how many of them are right (one run accepting every best
    reading, with its confidence)."""
    confidences = repair_accuracy(pairs, annotated, 0.0)["confidences"]
    cells = []
    for threshold in THRESHOLDS:
        accepted = [right for confidence, right in confidences if confidence >= threshold]
        share = sum(accepted) / len(accepted) if accepted else 1.0
        cells.append(f"{threshold}: {sum(accepted)}/{len(accepted)} right ({share:.2%})")
    return "; ".join(cells)


def real_prose(shared: Path, min_confidence: float, calibrate: bool) -> None:
    pages = sorted((shared / "corpus" / "real" / "pages").glob("*.txt"))
    seeds = sorted((shared / "corpus" / "seeds").glob("*.txt"))
    if not pages and not seeds:
        print(f"unseen real prose: skipped ({shared / 'corpus'} has no real pages or seeds)")
        return
    # two sites: one annotates the seeds' characters, the other those the real pages annotate
    tables = (annotation_table(), site_table([p.read_text(encoding="utf-8") for p in pages + seeds]))
    prose = unseen_prose(pages + seeds)
    damaged = [(name, intended(text, table), simulate(text, table)) for table in tables for name, text in prose]
    annotated = survey_table([d for _, _, d in damaged])
    megabytes = sum(len(d.encode("utf-8")) for _, _, d in damaged) / 1e6
    pairs = [(want, got) for _, want, got in damaged]
    start = time.perf_counter()
    counts = repair_accuracy(pairs, annotated, min_confidence)
    seconds = time.perf_counter() - start
    print(f"annotation tables of the simulation: {' and '.join(str(len(t)) for t in tables)} characters; the survey "
          f"finds {sum(map(len, annotated.readings.values()))}")
    print_counts(f"unseen real prose ({megabytes:.2f} MB, threshold {min_confidence})", counts)
    print(f"  repair: {seconds:.2f} s, {counts.get('damaged_spans', 0) / seconds:.0f} damaged spans/s, "
          f"{megabytes / seconds:.2f} MB/s of damaged text")
    if calibrate:
        for half in (0, 1):
            part = [(want, got) for i, (_, want, got) in enumerate(damaged) if i % 2 == half]
            print(f"  calibration, half {half + 1} of the files: {calibration(part, annotated)}")


def real_spans(shared: Path, min_confidence: float) -> None:
    real = shared / "corpus" / "real"
    if not (real / "gold.json").is_file():
        print(f"real damaged spans: skipped ({real / 'gold.json'} not found)")
        return
    gold = json.loads((real / "gold.json").read_text(encoding="utf-8"))["pages"]
    texts = {name: (real / "pages" / name).read_text(encoding="utf-8") for name in gold}
    annotated = survey_table(list(texts.values()))
    counts = {"exact": 0, "flagged": 0, "wrong": 0, "missed": 0}
    total = 0
    for name, page in gold.items():
        text = texts[name]
        rows = repair.find_repairs(text, annotated, min_confidence)
        repaired, applied = repair.apply(text, rows)
        plain = strip_annotations(repaired)
        for damage in page.get("damage", []):
            if damage.get("kind", "gbk") not in ("gbk", "indent"):
                continue
            total += 1
            at, piece = text.find(damage["damaged"]), damage["damaged"]
            if at < 0:  # the gold's span with context differs from the page: find its distinctive piece
                at, piece = text.find(damage.get("bad") or piece), damage.get("bad") or piece
            span = (at, at + len(piece)) if at >= 0 else (0, 0)
            touching = [r for r in applied if r["start"] < span[1] and span[0] < r["end"]]
            good = strip_annotations(damage["good"])
            if not touching:
                counts["missed"] += 1
            elif any(r["status"] == "flagged" for r in touching) and good not in plain:
                counts["flagged"] += 1
            elif good in plain:
                counts["exact"] += 1
            else:
                counts["wrong"] += 1
    print(f"real damaged spans (gold gbk and indent of {real}): {total}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def generated(documents: int, seed: int, min_confidence: float) -> None:
    texts = clean_traditional_documents(seed, documents)
    pairs = [(intended(t), simulate(t)) for t in texts]
    megabytes = sum(len(d.encode("utf-8")) for _, d in pairs) / 1e6
    start = time.perf_counter()
    counts = repair_accuracy(pairs, repair.Annotated(annotation_table().items()), min_confidence)
    seconds = time.perf_counter() - start
    print_counts(f"generated corpus ({megabytes:.2f} MB)", counts)
    print(f"  repair: {seconds:.2f} s, {counts.get('damaged_spans', 0) / seconds:.0f} damaged spans/s, "
          f"{megabytes / seconds:.2f} MB/s of damaged text")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=registry.REPO.parent / "shared")
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--min-confidence", type=float, default=None, help="default: config/config.yaml's")
    parser.add_argument("--calibrate", action="store_true", help="also print accepted repairs by threshold")
    parser.add_argument("--only", choices=("prose", "spans", "generated"), default=None)
    args = parser.parse_args()
    import yaml

    threshold = args.min_confidence
    if threshold is None:
        threshold = yaml.safe_load(registry.DEFAULT_CONFIG.read_text())["repair"]["min_confidence"]
    if args.only in (None, "prose"):
        real_prose(args.shared, threshold, args.calibrate)
    if args.only in (None, "spans"):
        real_spans(args.shared, threshold)
    if args.only in (None, "generated"):
        generated(args.documents, args.seed, threshold)


if __name__ == "__main__":
    main()
