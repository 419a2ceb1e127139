"""Property-based tests: for arbitrary Chinese-and-ASCII text, the invariants of SPEC §2 hold."""

import os

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jianghua.text.data import read_tsv
from jianghua.stages.decode import detect
from jianghua.text.offsets import rebuild_decoded
from jianghua.testing.damage import annotation_table
from jianghua.text.repair import Annotated, apply, find_repairs
from jianghua.stages.segment import segment_frame

from conftest import normalize_texts

# pieces that exercise every operation: Traditional text, annotations, parentheticals, masks, punctuation,
# hard breaks, boilerplate, whitespace, outline markers
PIECES = ["發(fā)展", "實(shí)", "（一）", "(地)", "一、", "第一，", "一是", "1.", "①", "XX市", "***", "×", "GX",
          "QQ", ",", ":", ";", "?", "!", "；\n", "\n", "\n\n", " ", "\u00a0", "</p>", "發布時間:2021-06-20 來源: 站 點擊:",
          "【更多免费素材，微信：a1】", "同志們：", "“五個繼續”", "《條例》", "。", "……", "”", "隨著", "著作",
          # page furniture of the rules: page numbers, breadcrumbs, noise, paywall notes, editors' notes, footers
          "\n—2—\n", "\n首頁 > 講話稿 > 正文\n", "k3 Q; z& 8 w_ P2 %j", "_w-e/b+s^i~t", "（未完，全文共300字）",
          "以下是小編為大家整理的範文，供大家參考。", "\n責任編輯：李明\n", "\n關閉", "20xx年", "X 委",
          # an annotation whose ( a lossy decode swallowed
          "?huì)"]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet=st.characters(
    min_codepoint=0x4E00, max_codepoint=0x4E80), max_size=6), st.text(alphabet="abcXx*?,.;:()0123 ", max_size=4)),
    max_size=40).map("".join)
SETTINGS = settings(max_examples=int(os.environ.get("JIANGHUA_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_edits_rebuild_the_decoded_text(texts):
    normalized_rebuilding(texts)


def normalized_rebuilding(texts: list[str]) -> dict:
    """Normalize's frames for ``texts``, asserting that each text's edits rebuild it and never overlap."""
    frames = normalize_texts(texts, ["同志们："], 2, 0.5)
    for sid, text, source in zip(frames["normalized"]["source_id"], frames["normalized"]["text"], texts):
        edits = frames["edits"].filter(pl.col("source_id") == sid)
        assert rebuild_decoded(text, edits) == source
        starts = edits.sort("start")
        assert (starts["start"] >= starts["end"].shift(1).fill_null(0)).all()  # sorted, never overlapping
    return frames


@SETTINGS
@given(TEXT)
def test_sentences_slice_back_in_document_and_source(text):
    normalized = normalize_texts([text], (), 2, 0.5)
    frames = segment_frame(normalized["normalized"], normalized["edits"])
    documents = dict(zip(frames["documents"]["doc_id"], frames["documents"]["text"]))
    for row in frames["sentences"].iter_rows(named=True):
        assert documents[row["doc_id"]][row["start"]:row["end"]] == row["text"]
        assert 0 <= row["source_start"] <= row["source_end"] <= len(text)
    for row in frames["sections"].iter_rows(named=True):
        assert 0 <= row["start"] <= row["end"] <= len(documents[row["doc_id"]])


# the 1,500 most frequent characters, in words of two to four (as text has them), with punctuation and ASCII
FREQUENT = sorted((int(n), c) for c, n, *_ in read_tsv("char_unigrams.tsv"))[-1500:]
WORDS = st.text(alphabet=[c for _, c in FREQUENT], min_size=2, max_size=4)
REALISTIC = st.lists(st.one_of(WORDS, WORDS, WORDS, st.sampled_from(["，", "。", "、", "：", "“", "”", "\n", " "]),
                               st.text(alphabet="0123456789abcXYZ-.,", max_size=5)), min_size=12, max_size=80).map("".join)


@SETTINGS
@given(REALISTIC, st.sampled_from(["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "gb18030", "big5"]))
def test_decoding_round_trips(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # Big5 has no Simplified-only characters: such text is never served as Big5
        return
    assert detect(data).text == text


ANNOTATED = Annotated(annotation_table().items())


@SETTINGS
@given(TEXT)
def test_repair_changes_nothing_outside_its_spans(text):
    repaired, rows = apply(text, find_repairs(text, ANNOTATED, 0.9))
    rebuilt, cursor = [], 0
    for row in rows:
        assert text[row["start"]:row["end"]] == row["before"]
        rebuilt += [repaired[cursor:row["out_start"]], row["before"]]
        cursor = row["out_end"]
    assert "".join(rebuilt) + repaired[cursor:] == text


# pieces of HTML pages, broken ones too: a page's own tags, blocks, scripts and styles, references, comments
MARKUP = ["<!DOCTYPE html>", "<html>", "<head>", "</head>", "<title>", "</title>", "<body>", "</body>", "<p>", "</p>",
          "<br>", "<br/>", "<div class=\"nav\">", "</div>", "<li>", "<h1>", "</h1>", "<td>", "<pre>", "</pre>",
          "<script>var a = '<p>' < 1;", "</script>", "<style>p{}</style>", "<nav>", "</nav>", "<!-- 注释 -->",
          "&amp;", "&lt;", "&nbsp;", "&#20013;", "&#x4e2d;", "&ldquo;", "&madeup;", "&amp", "</>", "<", "\r\n",
          "<b>", "</b>", "\u200b", "\u202e", "<![中", "<![CDATA[", "]]>", "<?xml ?>", "<!x>"]
PAGE_TEXT = st.lists(st.one_of(st.sampled_from(MARKUP), st.sampled_from(PIECES), st.text(alphabet=st.characters(
    min_codepoint=0x4E00, max_codepoint=0x4E80), max_size=6)), max_size=50).map("".join)


@SETTINGS
@given(st.lists(st.tuples(st.booleans(), PAGE_TEXT).map(lambda p: "<!DOCTYPE html>" * p[0] + p[1]),
                min_size=1, max_size=4))
def test_edits_of_html_pages_rebuild_the_decoded_text(texts):
    frames = normalized_rebuilding(texts)
    segmented = segment_frame(frames["normalized"], frames["edits"])
    documents = dict(zip(segmented["documents"]["doc_id"], segmented["documents"]["text"]))
    for row in segmented["sentences"].iter_rows(named=True):
        assert documents[row["doc_id"]][row["start"]:row["end"]] == row["text"]
