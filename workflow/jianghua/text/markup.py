"""HTML pages read as text: which texts are HTML, and the edits that turn one into its text and block structure.

A text is HTML by evidence: a document's own tags (``<!DOCTYPE html>``, ``<html>``, ``<head>``, ``<body>``), or
block tags dense enough to carry the page's structure (at least ``MIN_BLOCK_TAGS``, and one for every two of its
non-blank lines). A text page with a stray ``<br>`` or ``</p>`` is no HTML page: the boilerplate's inline ``html``
rule takes such leftovers.

An HTML text is read by Python's own ``html.parser`` (the standard library's, maintained with the language: it
recovers from broken markup as browsers do, and tells where each token starts). Every token becomes an edit of
the text, so the text that is left plus the edits rebuild the page exactly:

- tags, comments, declarations and processing instructions go; block-level tags (``BLOCK_TAGS``) become a line
  break, table cells a space;
- what ``SKIPPED`` elements hold goes with them (``<script>``, ``<style>``, ``<noscript>``, ``<nav>``…, and the
  whole ``<head>``), unless the element is never closed (then only its tags go: a page is not lost to one
  unclosed ``<nav>``);
- character and entity references become the characters they stand for (``&amp;`` -> ``&``, ``&#20013;`` ->
  ``中``); an unknown one stays as written;
- in a document (or where block tags are as many as its line breaks), the layout whitespace of the source goes
  as HTML reads it: a run of blanks holding a line break becomes a space, or nothing between two Chinese
  characters; ``<pre>`` keeps its own.

The page's ``<title>`` and first ``<h1>`` are kept as evidence of the title: their text, references decoded,
blanks collapsed.
"""

from __future__ import annotations

import bisect
import html
import re
from html.parser import HTMLParser
from typing import NamedTuple

import numpy as np
import polars as pl

# (patterns both engines read: no look-around, which polars' regex lacks)
DOCUMENT = re.compile(r"(?i)<!doctype\s+html|<(?:html|head|body)[\s>/]")
BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details", "dialog", "dir",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "li", "main", "menu", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "tfoot", "thead", "tr", "ul", "body", "html"))
CELL_TAGS = frozenset(("td", "th"))  # cells of one row stay on its line, a space apart
SKIPPED = frozenset(("script", "style", "head", "noscript", "template", "nav", "iframe", "object", "svg", "canvas",
                     "select", "button"))
RAW = frozenset(("script", "style"))  # the parser reads their content as text until their end tag
HEAD_ONLY = frozenset(("title", "meta", "link", "style", "script", "base", "noscript", "template"))
_BLOCK_TAG = re.compile(rf"(?i)</?(?:{'|'.join(sorted(BLOCK_TAGS | CELL_TAGS, key=len, reverse=True))})[\s>/]")
_NONBLANK_LINE = r"(?m)^[^\S\n]*\S"
MIN_BLOCK_TAGS = 4
_LAYOUT_SPACE = re.compile(r"[ \t\f]*[\r\n][ \t\r\n\f]*")
_BLANKS = re.compile(r"\s+")


def _wide(char: str) -> bool:
    """A character written without spaces around it (Chinese, full-width forms): no space joins two of them."""
    return char > "\u2e7f"


def html_texts(texts: pl.Series) -> np.ndarray:
    """Which of ``texts`` are HTML pages (see the module docstring for the evidence), found by polars over all
    of them at once: the parser reads only these."""
    text = pl.col("text")
    blocks = text.str.count_matches(_BLOCK_TAG.pattern)
    found = pl.DataFrame({"text": texts}, schema={"text": pl.String}).select(
        text.str.contains("<", literal=True)
        & (text.str.contains(DOCUMENT.pattern)
           | ((blocks >= MIN_BLOCK_TAGS) & (2 * blocks >= text.str.count_matches(_NONBLANK_LINE)))))
    return found.to_series().fill_null(False).to_numpy().astype(bool)


def is_html(text: str) -> bool:
    """Whether one text is an HTML page (``html_texts``)."""
    return bool(html_texts(pl.Series([text]))[0])


class Token(NamedTuple):
    """A token the parser reported: its kind, its tag name (or data), and its span in the text."""

    kind: str
    value: str
    start: int
    end: int


class _Tokens(HTMLParser):
    """The parser's tokens with their offsets: each runs from where the parser reports it to the next one."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)  # references as tokens of their own, with their spans
        self.text = text
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.found: list[tuple[str, str, int]] = []
        self.feed(text)
        self.close()

    def _add(self, kind: str, value: str) -> None:
        line, column = self.getpos()  # line from 1, column in characters
        self.found.append((kind, value, self.line_starts[line - 1] + column))

    def handle_starttag(self, tag, attrs):
        self._add("start", tag)

    def handle_startendtag(self, tag, attrs):
        self._add("void", tag)

    def handle_endtag(self, tag):
        self._add("end", tag)

    def handle_data(self, data):
        self._add("data", data)

    def handle_entityref(self, name):
        self._add("reference", name)

    def handle_charref(self, name):
        self._add("reference", name)

    def handle_comment(self, data):
        self._add("markup", data)

    def handle_decl(self, decl):
        self._add("markup", decl)

    def handle_pi(self, data):
        self._add("markup", data)

    def unknown_decl(self, data):
        self._add("markup", data)

    def parse_marked_section(self, i, report=1):
        # a broken "<![" section makes the standard library's parser raise (its base class asserts a name
        # follows, having moved its position first); as browsers do, it is a bogus comment up to the next ">"
        position = self.lineno, self.offset
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            self.lineno, self.offset = position
            end = self.rawdata.find(">", i + 3)
            if end < 0:
                return -1  # incomplete: more may come; at the page's end it is text
            self.handle_comment(self.rawdata[i + 3:end])
            return end + 1

    def tokens(self) -> list[Token]:
        """The tokens, covering the text end to end. What the parser passes over silently (``</>``) goes with
        the token before it: a data token's span is split there, the rest being markup."""
        found = self.found
        # positions that step back would make overlapping edits: from there on the page stays as it is written
        # (the parser never did so on fuzzed pages; the boilerplate's inline rule still takes leftover tags)
        back = next((k for k in range(1, len(found)) if found[k][2] < found[k - 1][2]), None)
        if back is not None:
            found = [*found[:back - 1], ("data", self.text[found[back - 1][2]:], found[back - 1][2])]
        ends = [start for _, _, start in found[1:]] + [len(self.text)]
        out: list[Token] = []
        if found and found[0][2] > 0:
            out.append(Token("markup", "", 0, found[0][2]))
        for (kind, value, start), end in zip(found, ends):
            if kind == "data" and self.text[start:end] != value:
                cut = start + len(value) if self.text.startswith(value, start) else start
                if cut > start:
                    out.append(Token("data", value, start, cut))
                out.append(Token("markup", "", cut, end))
            elif end > start:
                out.append(Token(kind, value, start, end))
        return out


class Markup(NamedTuple):
    """The edits that make an HTML text its text: sorted, disjoint ``(start, end, after)``; and its evidence."""

    edits: list[tuple[int, int, str]]
    title: str | None
    heading: str | None


def _closing(tokens: list[Token]) -> dict[int, int]:
    """For each token opening a ``SKIPPED`` element, the index of the last token it holds (its end tag). One never
    closed holds nothing (only its tags go), but ``<script>`` and ``<style>`` hold the rest of the page, as the
    parser read it. ``<head>`` closes where the body begins too: at ``<body>``, at a tag that has no place in a
    head, or at text outside its title, scripts and styles."""
    closes: dict[int, int] = {}
    open_at: dict[str, list[int]] = {}
    head: int | None = None
    in_title = False
    for k, token in enumerate(tokens):
        kind, name = token.kind, token.value
        if head is not None and head not in closes:
            inside = in_title or any(open_at.get(tag) for tag in SKIPPED)
            if kind == "end" and name == "head":
                closes[head] = k
            elif (kind in ("start", "void") and name not in HEAD_ONLY and not inside) or (
                    kind in ("data", "reference") and token.value.strip() and not inside):
                closes[head] = k - 1
        if kind == "start" and name == "title":
            in_title = True
        elif kind == "end" and name == "title":
            in_title = False
        if kind == "start" and name in SKIPPED:
            if name == "head":
                head = k if head is None else head
            else:
                open_at.setdefault(name, []).append(k)
        elif kind == "end" and open_at.get(name):
            closes[open_at[name].pop()] = k
    for name in RAW:
        for k in open_at.get(name, []):
            closes[k] = len(tokens) - 1
    if head is not None and head not in closes:
        closes[head] = len(tokens) - 1  # a head never closed holds no body
    return closes


def _text_of(text: str, tokens: list[Token]) -> str:
    """The text of data and reference tokens, references decoded, blanks collapsed."""
    return _BLANKS.sub(" ", "".join(t.value if t.kind == "data" else html.unescape(text[t.start:t.end])
                                    if t.kind == "reference" else "" for t in tokens)).strip()


def _end_tags(tokens: list[Token], name: str) -> list[int]:
    """The indices of the end tags ``</name>``, in order."""
    return [k for k, t in enumerate(tokens) if t.kind == "end" and t.value == name]


def _next(ends: list[int], k: int) -> int | None:
    """The first of ``ends`` after ``k`` (None for none)."""
    at = bisect.bisect_right(ends, k)
    return ends[at] if at < len(ends) else None


def markup_edits(text: str) -> Markup:
    """The edits that make the HTML ``text`` its text and line structure (see the module docstring), with its
    ``<title>`` and first ``<h1>`` text."""
    tokens = _Tokens(text).tokens()
    # the closing token of each element whose content goes; <title> is read, not shown
    closes = _closing(tokens)
    title_ends, heading_ends = _end_tags(tokens, "title"), _end_tags(tokens, "h1")
    layout = bool(DOCUMENT.search(text)) or len(_BLOCK_TAG.findall(text)) >= text.count("\n")
    edits: list[tuple[int, int, str]] = []
    title = heading = None
    first_heading_read = False
    skip_until = -1
    pre = 0
    k = 0
    while k < len(tokens):
        token = tokens[k]
        kind, name = token.kind, token.value
        if k <= skip_until:
            edits.append((token.start, token.end, ""))
        elif kind == "start" and k in closes:
            skip_until = closes[k]
            if name == "head":  # the page's title sits in its head
                title = title or _title_in(text, tokens, k, skip_until, title_ends)
            edits.append((token.start, token.end, ""))
        elif kind in ("start", "end", "void"):
            if name == "title" and kind == "start":
                end = _next(title_ends, k)
                if end is not None:
                    title = title or _text_of(text, tokens[k + 1:end])
                    edits += [(t.start, t.end, "") for t in tokens[k:end + 1]]
                    k = end + 1
                    continue
            if name == "h1" and kind == "start" and not first_heading_read:
                first_heading_read = True  # only the first counts (read once: a page of empty <h1> costs no more)
                end = _next(heading_ends, k)
                heading = _text_of(text, tokens[k + 1:len(tokens) if end is None else end]) or None
            if name == "pre":
                pre = max(pre + (1 if kind == "start" else -1 if kind == "end" else 0), 0)
            after = "\n" if name in BLOCK_TAGS else " " if name in CELL_TAGS and kind == "start" else ""
            edits.append((token.start, token.end, after))
        elif kind == "markup":
            edits.append((token.start, token.end, ""))
        elif kind == "reference":
            decoded = html.unescape(text[token.start:token.end])
            if decoded != text[token.start:token.end]:
                edits.append((token.start, token.end, decoded))
        elif layout and not pre:
            edits += _layout_edits(text, token)
        k += 1
    return Markup(_merged(edits), title or None, heading)


def _title_in(text: str, tokens: list[Token], head: int, last: int, title_ends: list[int]) -> str | None:
    """The text of the first ``<title>`` among the tokens of a head (``head`` opens it, ``last`` is its last)."""
    opens = next((j for j in range(head + 1, last + 1) if tokens[j].kind == "start" and tokens[j].value == "title"),
                 None)
    if opens is None:
        return None
    end = _next(title_ends, opens)
    return _text_of(text, tokens[opens + 1:last + 1 if end is None else min(end, last + 1)]) or None


def _layout_edits(text: str, token: Token) -> list[tuple[int, int, str]]:
    """The source's layout whitespace in a data token: a run of blanks holding a line break goes where Chinese
    text (or a tag) stands on both sides of it, and becomes one space elsewhere (between Latin words)."""
    edits = []
    for m in _LAYOUT_SPACE.finditer(text, token.start, token.end):
        start, end = m.span()
        joined = (start == token.start or _wide(text[start - 1])) and (end == token.end or _wide(text[end]))
        after = "" if joined else " "
        if text[start:end] != after:
            edits.append((start, end, after))
    return edits


_SPACING = ("", " ", "\n")  # what tags and layout whitespace become


def _merged(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The edits sorted, touching removals and breaks as one: a line break where any of them makes one, else a
    space where any makes one (blank lines are the text's paragraph breaks, cleaned later). A decoded reference
    stays an edit of its own."""
    out: list[tuple[int, int, str]] = []
    for start, end, after in sorted(edits):
        if out and out[-1][1] == start and out[-1][2] in _SPACING and after in _SPACING:
            joined = out[-1][2] + after
            out[-1] = (out[-1][0], end, "\n" if "\n" in joined else " " if " " in joined else "")
        else:
            out.append((start, end, after))
    return out


def plain_text(text: str) -> str:
    """An HTML page's text: ``text`` with its markup edits applied."""
    parts, cursor = [], 0
    for start, end, after in markup_edits(text).edits:
        parts += [text[cursor:start], after]
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)
