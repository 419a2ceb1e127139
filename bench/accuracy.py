"""Benchmark segmentation and extraction: against the generator's truth on a freshly generated corpus (a
regression test), and on the real pages of ../shared/corpus/real (the figures that count).

    python bench/accuracy.py [--megabytes 20] [--seed 777]

Generates a corpus with a seed other than the embedded sample's, runs every stage in process (one shard) and
prints formulation precision and recall, item lists exact, first-level heading precision and recall, titles
exact, and the time of the stages; then, where ../shared holds the real pages, their gold and the scoring tools,
the same figures as score_real.py and gate.py give them on the real pages.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from jianghua.runner import process
from jianghua.testing.accuracy import score
from jianghua.testing.real import missing, score_real_pages
from jianghua.testing.sample import write_corpus

REAL_FIGURES = {  # name: (hits, total) in score_real.py's totals
    "titles": ("titles_alt", "titles_gold"), "heading_precision": ("head_tp_p", "head_pred"),
    "heading_recall": ("head_tp_r", "head_gold"), "formulation_precision": ("form_tp", "form_pred"),
    "formulation_recall": ("form_tp", "form_gold"), "documents_counted_right": ("ndocs_ok", "ndocs_gold_pages"),
    "genre": ("meta_genre_ok", "meta_genre_n"), "date": ("meta_date_ok", "meta_date_n"),
    "speaker_role": ("meta_speaker_role_ok", "meta_speaker_role_n"), "meeting": ("meta_meeting_ok", "meta_meeting_n"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=20)
    parser.add_argument("--seed", type=int, default=777)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        truth = write_corpus(tmp, seed=args.seed, target_bytes=int(args.megabytes * 1e6))
        start = time.perf_counter()
        frames = process(Path(tmp) / "corpus")
        seconds = time.perf_counter() - start
        result = score(frames, truth)
        print(f"generated corpus: {len(truth['files'])} files, {result['documents']} documents, stages in {seconds:.1f} s")
        print(json.dumps({k: round(v, 4) for k, v in result.items()}, indent=1))
        if reason := missing():
            print(f"real pages: skipped, {reason}")
            return
        real = score_real_pages(Path(tmp) / "real")
    print(f"real pages: {real.pages} pages, stages in {real.seconds:.1f} s")
    print(json.dumps({name: f"{real.totals.get(hits, 0)}/{real.totals.get(total, 0)} = {real.ratio(hits, total):.3f}"
                      for name, (hits, total) in REAL_FIGURES.items()}, indent=1, ensure_ascii=False))
    print(real.gate)


if __name__ == "__main__":
    main()
