"""Extract stage: documents and sentences -> ``metadata``, ``formulations``, ``quotes``, ``citations``, ``masks``.

Every mention carries its offsets in the document and the sentence it belongs to.

Formulations (提法) are numbered shapes: a count and a head (四个意识, 三农, 绿五条, 四大战役), several counts
(三严三实, 一核两翼, 五比五看) or Arabic codes (1336, 1+5+N), with Chinese numerals or digits. A quoted one is
taken by its shape; an unquoted one when the lexicon of well-known formulations (``data/formulations.tsv``) holds
it, when the text lists as many items as it counts (三个坚持：坚持……、坚持……、坚持……), or when a grouping of
N大 recurs in the document (四大战役 … 四大战役). Each mention says which of these found it. Ordinary counts are
no formulations: durations and quantities (三个月, 两个小时), ordinals (第一次), one of something (一个好办法,
一以贯之), dates and names (五四, 七一, 十四五, 两会).

Metadata: genre from the title and the opening together (a speech's salutation, a subtitle naming its kind);
speaker role and meeting from the title, the byline, the lines under the title and the opening; the date with
its evidence:
a site header (in the boilerplate the normalize stage removed, or still in the document's head), else the
document's own dateline or signature, else the first date the body mentions; a masked dateline (20××年) gives
no date.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import numpy as np
import polars as pl

from jianghua import tables
from jianghua.text.chars import HAN
from jianghua.text.data import read_tsv
from jianghua.text.dates import DATE, FoundDate, dateline, header_date, read_date
from jianghua.text.offsets import SourceOffsets
from jianghua.text.outline import CN, chinese_numeral, number_of
from jianghua.text.pinyin import annotations, strip_annotations
from jianghua.text.titles import KIND, MEETING, ROLE, SALUTATION, clean_line, last_lines, lines_of

# ---- genre -----------------------------------------------------------------------------------------------

# the genres, each with the words that name it, in the order a title's words are read (汇报发言 is 汇报)
GENRES = (("讲话稿", ("讲话稿", "讲稿", "党课", "讲话提纲")), ("汇报", ("汇报",)), ("发言", ("发言", "发言稿")),
          ("致辞", ("致辞", "贺词", "祝词")), ("讲话", ("讲话",)), ("报告", ("报告", "工作报告", "述职报告")))
# kinds of text outside the genres: a title ending in one of them is 其他 (心得体会, 演讲稿, 讲演词)
OTHER_KINDS = ("心得体会", "体会", "演讲稿", "演讲词", "讲演词", "演讲", "主持词", "总结", "方案", "意见", "通知", "讲义",
               "倡议书", "决定", "纪要")
GENERIC_KINDS = ("材料",)  # a word that names no kind by itself (…的发言材料)
# a title that opens like an essay is about a kind of text, not one (浅谈怎样写好讲话稿)
ESSAY_TITLE = re.compile(r"浅谈|浅析|浅议|试论|略论|谈谈|如何|怎样|怎么")
# an opening that says the speech is a report (向大会报告, 作工作报告)
REPORT_OPENING = re.compile(r"向(?:大会|全会|会议)(?:作)?(?:报告|作工作报告)|作(?:政府)?工作报告")
_TITLE_TAIL = re.compile(r"(?:[（(【][^（）()【】]*[）)】]|\d+篇|[-—－]\s*\d+篇)+$")
OPENING_CHARS = 200  # the opening of a body that tells a report
OPENING_LINES = 3  # the body's lines that belong to its opening


def _genre_words(words: list[str]) -> str | None:
    """The first genre (in the order of ``GENRES``) that one of ``words`` names."""
    for genre, names in GENRES:
        if any(w in names for w in words):
            return genre
    return None


def genre_of(title: str, opening: list[str]) -> str:
    """The genre of a document from its title and its opening (the lines under its title and the first lines of
    its body), or 其他.

    A title that ends in the words of a genre is that genre (讲话稿 and 党课 before 讲话); one that ends in another
    kind of text (心得体会, 演讲稿), or opens like an essay (浅谈, 如何), is 其他; a genre word elsewhere in the
    title counts when the speech opens with a salutation. 报告 names essays and news as often as reports, so it
    needs a speech's opening. A title that names no kind leaves the opening to decide: a subtitle (——在…上的讲话),
    a salutation (讲话), a salutation and an opening that reports to a meeting (报告).
    """
    core = _TITLE_TAIL.sub("", title.strip()).strip()
    if ESSAY_TITLE.match(core):
        return "其他"
    speech = any(SALUTATION.match(line.strip()) for line in opening)
    reports = REPORT_OPENING.search("".join(opening)[:OPENING_CHARS * 2]) is not None
    ending = _ending_words(core)
    if ending and ending[-1] in OTHER_KINDS:
        return "其他"
    elsewhere = [m.group(0) for m in KIND.finditer(core)] if speech else []
    genre = _genre_words(ending) or _genre_words(elsewhere)
    if genre == "报告" and not (speech or reports):
        return "其他"
    if genre:
        return genre
    for line in opening:
        if line.strip().startswith(("——", "－－", "--")) and (genre := _genre_words(KIND.findall(line))):
            return genre
    if speech:
        return "报告" if reports else "讲话"
    return "其他"


def _ending_words(title: str) -> list[str]:
    """The kind words that end a title, the generic ones aside (…汇报、发言材料 → 汇报, 发言), or none."""
    words, end = [], len(title)
    for m in reversed(list(KIND.finditer(title))):
        if m.end() != end:
            break
        words.insert(0, m.group(0))
        end = m.start()
    return [w for w in words if w not in GENERIC_KINDS]


# ---- speaker and meeting -----------------------------------------------------------------------------------

# a meeting named before the kind of text with no 在…上 (全市消防工作推进会致辞)
MEETING_BEFORE_KIND = re.compile(r"^(.{2,40}?(?:会议|大会|座谈会|推进会|调度会|总结会|部署会|交流会|动员会|表彰会|全会))"
                                 r"(?:上的?)?(?:讲话|致辞|发言)")
# the meeting a speech opens by naming (今天召开全县……大会), and the office a speaker claims (作为分管副县长)
CONVENED = re.compile(r"(?:今天|这次|本次|此次)[^。；\n]{0,12}?(?:召开|举行)了?(?:这次|今天的|本次|此次)?"
                      r"(.{2,30}?(?:会议|大会|座谈会|推进会|调度会|总结会|部署会|交流会|研讨会|动员会|表彰会|全会|培训班))")
SPEAKING_AS = re.compile(rf"作为[^，。；\n]{{0,12}}?{ROLE.pattern}")


def meeting_of(title: str, head: str, opening: str) -> tuple[str | None, tuple[int, int] | None]:
    """The meeting a speech was given at, and its span in the title when the title names it; else from the lines
    under the title (a subtitle or a dateline may carry it: ——2021年2月2日在…会议上), else from the body's opening
    (今天召开……大会)."""
    m = MEETING.search(title) or MEETING_BEFORE_KIND.search(title)
    if m:
        return m.group(1), m.span(1)
    m = MEETING.search(head.replace("\n", "")) or CONVENED.search(opening[:OPENING_CHARS])
    return (m.group(1), None) if m else (None, None)


def speaker_role(title: str, meeting_span: tuple[int, int] | None, byline: str | None, head: str,
                 opening: str) -> str | None:
    """The speaker's office: in the title outside the meeting's name (县长在全县村党组织书记培训班上), else in the
    byline, else in the lines under the title, else as the speech's opening claims it (作为分管副县长，……)."""
    for m in ROLE.finditer(title):
        if meeting_span is None or not meeting_span[0] <= m.start() < meeting_span[1]:
            return m.group(1)
    for text in (byline or "", head):
        if m := ROLE.search(text):
            return m.group(1)
    m = SPEAKING_AS.search(opening[:OPENING_CHARS])
    return m.group(1) if m else None


# ---- formulations --------------------------------------------------------------------------------------------

NUM = f"{CN}两"
_COUNT = rf"(?:[{NUM}]{{1,3}}|\d{{1,2}})"
CLASSIFIERS = "个大项种条点方件型类支批张场步句字"
ORDINAL_PREFIXES = "第其每近前后这那上下共约"  # before a count, they make it an ordinal, a part or a quantity
# what follows a count when it is a quantity, a duration or a time, never a formulation (三个月, 两个小时, 百日)
MEASURES = re.compile(r"个?(?:月|小时|钟头|分钟|秒|天|日|年|周|星期|季度|岁|倍|成|元|块|万|亿|千|百|人|名|位|次|遍|家|户|所|"
                      r"公里|米|吨|亩|%|‰)")
QUOTE = re.compile(r"“([^“”\n]{1,200})”")
QUOTED_SHAPE_CHARS = 12  # a quoted formulation is short
_LOOSE = re.compile(r"[（(\s]")  # what a quoted formulation may hold beyond its characters: annotations, blanks
_BLANKS = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_COUNT_BEFORE = re.compile(rf"[{NUM}第\d]")  # a form right after these is part of a longer count or an ordinal
ARABIC = re.compile(r"\d+(?:\+(?:\d+|N|X|n))+|\d{3,4}")
# several counts, each between words of one or two characters (三严三实, 一核两翼, 五比五看, 保三争二)
COMPOUND = re.compile(rf"[{HAN}]{{0,2}}?(?:{_COUNT}[{HAN}]{{1,2}}?){{1,3}}{_COUNT}[{HAN}]{{0,3}}")
_COUNTS = re.compile(_COUNT)
NUMBERED_SHAPE = re.compile(rf"([{HAN}]?)({_COUNT})([{HAN}]{{1,10}})")  # a count and its head, perhaps a prefix
# not after a numeral or “: checked after the first numeral, since a pattern that opens with a lookbehind is
# tried at every position of the text (five times slower)
UNQUOTED_NUMBERED = re.compile(rf"(([{NUM}](?<![{NUM}“第][{NUM}])[{NUM}]{{0,2}})(个|大|项|种|条)([{HAN}]{{1,8}}?))"
                               rf"(?=[，,]?(?:即|就是)|[：:])")
# a grouping of N大 (四大战役), a candidate when it recurs; its head stops before a word that begins a clause
GROUPING = re.compile(rf"([二三四五六七八九两](?<![{NUM}第][二三四五六七八九两]))大([{HAN}]{{2,4}})")
CLAUSE_WORDS = re.compile(r"[的了和与及是在为等中仅都也还将把并而或以之上下]")
ITEM_SPLIT = re.compile(r"[、，,；;]")
LISTING = re.compile(r"[，,]?\s*(?:即|就是|：|:)[：:]?")  # what introduces the items of a formulation
ITEM_MARKER = re.compile(rf"^[{CN}][是要]")


def enumerated_items(text: str, pos: int, count: int | None) -> list[str]:
    """Items listed right after a formulation (after 即 or ：), up to the sentence end, at most ``count``."""
    m = LISTING.match(text, pos)
    if not m:
        return []
    end = min([i for i in (text.find("。", m.end()), text.find("\n", m.end())) if i != -1] or [len(text)])
    if text.startswith("“", m.end()) and (close := text.find("”", m.end(), end)) != -1:
        end = close + 1  # items quoted together end with their quote
    listed = text[m.end():end].strip("“”")
    # items that hold commas of their own are separated by semicolons
    parts = listed.split("；") if "；" in listed else ITEM_SPLIT.split(listed)
    items = [ITEM_MARKER.sub("", i.strip()) for i in parts if i.strip()]
    return items[:count] if count else items


def _common_prefix(items: list[str]) -> str:
    prefix = items[0] if items else ""
    for item in items[1:]:
        while not item.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def _count_value(token: str) -> int | None:
    return int(token) if token.isdigit() else number_of(token)


def _in_chinese(form: str) -> str:
    """A form with its counts in Chinese numerals, as canonical forms write them (4城联建 → 四城联建)."""
    return re.sub(r"\d{1,2}", lambda m: chinese_numeral(int(m.group(0))) if 0 < int(m.group(0)) < 100 else m.group(0),
                  form)


def _in_digits(form: str) -> str:
    """A form with its counts in Arabic numerals, as some sites write them (四个意识 → 4个意识)."""
    return re.sub(rf"[{NUM}]{{1,3}}", lambda m: str(v) if (v := number_of(m.group(0))) else m.group(0), form)


@cache
def lexicon() -> tuple[re.Pattern, dict[str, dict], re.Pattern]:
    """The lexicon of ``data/formulations.tsv``: a pattern of the forms recognised anywhere (longest first), every
    surface form (canonical, variants, and the same with digits) -> its entry, and a pattern of the numbered
    names (which a quoted phrase may open with)."""
    columns = ("canonical", "kind", "number", "head", "items", "variants", "scope", "source")
    forms: dict[str, dict] = {}
    anywhere, names = set(), set()
    for row in read_tsv("formulations.tsv"):
        entry = dict(zip(columns, row))
        surfaces = {entry["canonical"], *filter(None, entry["variants"].split("|"))}
        surfaces |= {_in_digits(s) for s in surfaces}
        for surface in surfaces:
            forms.setdefault(surface, entry)
        if entry["scope"] == "name":
            names |= surfaces
        elif entry["scope"] == "any":
            anywhere |= {s for s in surfaces if len(s) >= 3}
        else:  # a quoted-only form is still known anywhere by its longer variants (三农 by 三农工作)
            anywhere |= {s for s in surfaces if len(s) >= 3 and entry["canonical"] in s and s != entry["canonical"]}
    return _literals(anywhere), forms, _literals(names)


def _literals(strings: set[str]) -> re.Pattern:
    """One pattern of literal strings that matches the longest one at a position: a trie, so that a position is
    ruled out by its first characters, not by trying every string."""
    trie: dict = {}
    for string in strings:
        node = trie
        for char in string:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict) -> str:
        ends = "" in node
        children = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not children:
            return ""
        body = children[0] if len(children) == 1 else f"(?:{'|'.join(children)})"
        return f"(?:{body})?" if ends else body

    return re.compile(branch(trie))


def _mention(start: int, end: int, surface: str, canonical: str, kind: str, number: int | None, head: str | None,
             items: list[str], evidence: str) -> dict:
    return {"start": start, "end": end, "surface": surface, "canonical": canonical, "kind": kind, "number": number,
            "head": head, "items": items, "evidence": evidence}


def _from_lexicon(entry: dict, text: str, start: int, end: int, evidence: str) -> dict:
    number = int(entry["number"]) if entry["number"] else None
    return _mention(start, end, text[start:end], entry["canonical"], entry["kind"], number, entry["head"] or None,
                    enumerated_items(text, end, number) if number else [], evidence)


@lru_cache(maxsize=1 << 16)  # texts quote the same formulations again and again
def quoted_shape(content: str) -> tuple[str, str, int | None, str | None] | None:
    """The canonical form, kind, count and head of a quoted formulation's content, or None when the content is no
    numbered shape: 三抓, 四城联建, 两个不放松 (numbered); 绿五条 (a prefix, a count, its classifier);
    三严三实, 五比五看 (compound); 1+5+N, 1336 (arabic)."""
    if ARABIC.fullmatch(content):
        return (content, "arabic", None, None) if not re.fullmatch(r"(?:19|20)\d{2}", content) else None
    if "分之" in content:  # a fraction (三分之一)
        return None
    counts = list(_COUNTS.finditer(content))
    if COMPOUND.fullmatch(content) and len(counts) >= 2 and all(_count_value(c.group(0)) for c in counts) \
            and content[counts[0].end()] not in CLASSIFIERS:
        return _in_chinese(content), "compound", None, None
    m = NUMBERED_SHAPE.fullmatch(content)
    if not m:
        return None
    prefix, token, rest = m.groups()
    number = _count_value(token)
    # one thing is no grouping unless a classifier counts it (一条新路子, not 一刀切); 二 before a noun is an
    # ordinal (二线, 二级), a count of two is 两
    if number is None or (number == 1 and rest[0] not in CLASSIFIERS) or (token == "二" and rest[0] not in CLASSIFIERS) \
            or MEASURES.match(rest) or (prefix and (len(rest) > 2 or prefix in ORDINAL_PREFIXES)):
        return None
    if rest[0] in NUM:
        return None  # 五四, 十三五: a count followed by a numeral is a date or a name
    head = rest[1:] if rest[0] in CLASSIFIERS and len(rest) > 1 else rest
    return _in_chinese(content), "numbered", number, head


def numbered_groupings(text: str) -> dict[str, list[re.Match]]:
    """The groupings of N大 in a text (四大战役), by canonical form: the longest start that their occurrences
    share, without the words that begin a clause (四大战役已经打响… and 四大战役。 are 四大战役). This is the
    per-document part of mining numbered shapes; the ones that recur in a document are its formulations."""
    found: dict[tuple[str, str], list[re.Match]] = {}
    for m in GROUPING.finditer(text):
        head = m.group(2)
        cut = CLAUSE_WORDS.search(head)
        head = head[:cut.start()] if cut else head
        if len(head) >= 2 and not MEASURES.match(head):
            found.setdefault((m.group(1), head[:2]), []).append(m)
    groups: dict[str, list[re.Match]] = {}
    for (count, _), matches in found.items():
        heads = [CLAUSE_WORDS.split(m.group(2))[0] for m in matches]
        groups[f"{count}大{_common_prefix(heads)}"] = matches
    return groups


def find_formulations(text: str) -> list[dict]:
    """Numbered, compound and Arabic formulations in a document text, with their items when enumerated."""
    pattern, forms, names = lexicon()
    found: dict[int, dict] = {}
    covered = bytearray(len(text))  # the characters a mention holds: a later rule takes only what is left

    def take(mention: dict) -> None:
        found[mention["start"]] = mention
        covered[mention["start"]:mention["end"]] = b"\x01" * (mention["end"] - mention["start"])

    def taken(start: int, end: int) -> bool:
        return covered.find(1, start, end) != -1

    for m in QUOTE.finditer(text):
        content = m.group(1)
        if _LOOSE.search(content):
            content = _BLANKS.sub("", strip_annotations(content))
        if len(content) > QUOTED_SHAPE_CHARS or names.match(content):
            continue
        entry = forms.get(content) or (forms.get(_in_chinese(content)) if _DIGIT.search(content)
                                       and not ARABIC.fullmatch(content) else None)
        if entry is not None and entry["scope"] == "name":
            continue
        if entry is not None:
            take(_from_lexicon(entry, text, m.start(), m.end(), "quoted"))
        elif shape := quoted_shape(content):
            canonical, kind, number, head = shape
            take(_mention(m.start(), m.end(), m.group(0), canonical, kind, number, head,
                          enumerated_items(text, m.end(), number) if number else [], "quoted"))
    for m in pattern.finditer(text):
        if taken(m.start(), m.end()) or (m.start() and _COUNT_BEFORE.match(text, m.start() - 1)):
            continue
        take(_from_lexicon(forms[m.group(0)], text, m.start(), m.end(), "lexicon"))
    for m in UNQUOTED_NUMBERED.finditer(text):
        if taken(m.start(), m.end()):
            continue
        number = number_of(m.group(2))
        items = enumerated_items(text, m.end(1), number)
        head = _common_prefix(items)
        suffix = _common_prefix([i[::-1] for i in items])[::-1]
        if number and len(items) == number and suffix and m.group(4) == suffix:
            head = suffix  # "五个贯穿始终：一要……贯穿始终；二要……贯穿始终"
        if number and len(items) == number and len(head) >= 1 and m.group(4).startswith(head):
            surface = m.group(2) + m.group(3) + m.group(4) if head == suffix else m.group(2) + m.group(3) + head
            take(_mention(m.start(), m.start() + len(surface), surface, surface, "numbered", number, head, items,
                          "enumerated"))
    for canonical, matches in numbered_groupings(text).items():
        if len(matches) < 2:
            continue
        for m in matches:
            if not taken(m.start(), m.start() + len(canonical)):
                take(_mention(m.start(), m.start() + len(canonical), canonical, canonical, "numbered",
                              number_of(m.group(1)), canonical[2:], [], "repeated"))
    return [found[k] for k in sorted(found)]


# ---- dates ----------------------------------------------------------------------------------------------------

NO_DATE = {"date": None, "date_provenance": "none", "date_evidence": "none", "date_source_start": None,
           "date_source_end": None}
SIGNATURE_LINES = 3  # a signature's date lies among a document's last lines
_YEAR_MARK = re.compile("年")
MAX_YEAR_REACH = 12  # a written date spans this far around its 年


def header_dates(removed: pl.DataFrame, heads: dict[str, int]) -> dict[str, dict]:
    """Per source, the site-header date in its removed boilerplate (its first boilerplate ``edits`` row holding
    one, among those removed from the head of its first document: ``heads`` says where that head ends in the
    normalized text), with offsets in the decoded source. The decoded header may still carry pinyin annotations
    (發(fā)布時間): they are read past, offsets stay those of the decoded text."""
    dates: dict[str, dict] = {}
    rows = removed.sort("source_id", "start").select("source_id", "start", "out_start", "before").iter_rows()
    for sid, start, out_start, before in rows:
        if sid in dates or out_start > heads.get(sid, out_start):
            continue
        annotated = bytearray(len(before))
        for a_start, a_end, _, _ in annotations(before):
            annotated[a_start:a_end] = b"\x01" * (a_end - a_start)
        for line in re.finditer(r"[^\n]+", before):
            kept = [k for k in range(line.start(), line.end()) if not annotated[k]]
            found = header_date("".join(before[k] for k in kept))
            if found:
                dates[sid] = {"date": found.iso, "date_provenance": "site_header", "date_evidence": "header",
                              "date_source_start": start + kept[found.start],
                              "date_source_end": start + kept[found.end - 1] + 1}
                break
    return dates


def document_date(text: str, body_start: int, title: str) -> tuple[str, FoundDate | None]:
    """The date a document gives itself, with its evidence: a site header in its head; a dateline under its title
    (one with its day first: a month alone may be a series' issue); a signature's date among its last lines; the
    first full date its body mentions; ``masked`` when its dateline's year is masked (no date)."""
    head = lines_of(text, 0, body_start)
    for line in head:
        if found := header_date(line.text):
            return "header", FoundDate(found.iso, line.start + found.start, line.start + found.end)
    titled = next((k for k, line in enumerate(head) if title and title in clean_line(line.text)), -1)
    datelines = []
    for line in head[titled + 1:] + lines_of(text, body_start, first=1):
        found = dateline(line.text)
        if found == "masked":
            return "masked", None
        if found:
            datelines.append(FoundDate(found.iso, line.start + found.start, line.start + found.end))
    if datelines:
        return "dateline", max(datelines, key=lambda d: len(d.iso))
    for line in last_lines(text, SIGNATURE_LINES, body_start):
        found = dateline(line.text)
        if isinstance(found, FoundDate) and len(found.iso) == 10:
            return "signature", FoundDate(found.iso, line.start + found.start, line.start + found.end)
    for year in _YEAR_MARK.finditer(text, body_start):  # a written date has its 年: look only around those
        m = DATE.search(text, max(body_start, year.start() - MAX_YEAR_REACH), year.end() + MAX_YEAR_REACH)
        if m and m.start() <= year.start() < m.end() and (found := read_date(m)) and m.group("day"):
            return "mention", found
    return "none", None


# ---- the stage -------------------------------------------------------------------------------------------------

CITATION = re.compile(r"《([^《》\n]{1,100})》")
CITATION_KINDS = (("law", ("法",)), ("regulation", ("条例", "规定", "办法", "细则")),
                  ("plan", ("规划", "纲要", "计划", "方案")), ("opinion", ("意见",)), ("notice", ("通知",)),
                  ("report", ("报告",)), ("speech", ("讲话",)), ("press", ("日报", "时报", "晚报", "杂志", "报")))


def citation_kind(title: str) -> str:
    """The kind of a cited document, from how its title ends."""
    for kind, endings in CITATION_KINDS:
        if title.endswith(endings):
            return kind
    return "other"


MENTION_COLUMNS = ("start", "end", "surface", "canonical", "kind", "number", "head", "items", "evidence")  # _mention's
# each table of mentions: the letter of its ids, and the columns found in the text (after doc_id, the id and
# sentence_id, which are derived for the whole shard at once)
MENTION_TABLES = {"formulations": ("f", MENTION_COLUMNS), "quotes": ("q", ("start", "end", "text")),
                  "citations": ("c", ("start", "end", "title", "kind")), "masks": ("m", ("start", "end", "token"))}


def sentence_ids(documents: pl.DataFrame, sentences: pl.DataFrame, doc: np.ndarray, pos: np.ndarray) -> pl.Series:
    """The sentence holding offset ``pos[i]`` of document row ``doc[i]``: the last of its sentences starting at or
    before it (the first, for an offset before them all; null in a document without sentences), for every
    mention of a shard at once."""
    row = sentences["doc_id"].replace_strict(documents["doc_id"].to_list(), range(documents.height), default=-1,
                                             return_dtype=pl.Int64).to_numpy()
    keys = (row << 32) | sentences["start"].to_numpy()
    order = np.argsort(keys, kind="stable")
    keys, row, ids = keys[order], row[order], sentences["sentence_id"].gather(order)
    first, stop = np.searchsorted(row, doc, "left"), np.searchsorted(row, doc, "right")
    at = np.maximum(np.searchsorted(keys, (doc << 32) | pos, "right") - 1, first)
    return ids.gather(np.minimum(at, max(len(ids) - 1, 0))).scatter(np.flatnonzero(first == stop), None) \
        if len(ids) else pl.Series(values=[None] * len(doc), dtype=pl.String)


def _mentions(table: str, columns: dict[str, list], documents: pl.DataFrame, sentences: pl.DataFrame) -> pl.DataFrame:
    """A table of mentions from its columns (``doc``: the row of the mention's document, in document order),
    with ids numbered within each document (``<doc_id>-<letter><k>``) and sentence ids, built by polars."""
    letter, _ = MENTION_TABLES[table]
    doc = np.asarray(columns["doc"], np.int64)
    schema = tables.polars_schema(table)
    found = pl.DataFrame([tables.series(table, name, values) for name, values in columns.items() if name != "doc"])
    id_column = next(name for name in schema if name.endswith("_id") and name not in ("doc_id", "sentence_id"))
    k = pl.int_range(1, pl.len() + 1).over("doc")
    return (found.with_columns(doc=doc, doc_id=documents["doc_id"].gather(doc),
                               sentence_id=sentence_ids(documents, sentences, doc, found["start"].to_numpy()))
            .with_columns(pl.format(f"{{}}-{letter}{{}}", "doc_id", k.cast(pl.String).str.zfill(4)).alias(id_column))
            .select(name for name in schema if name in found.columns or name in ("doc_id", "sentence_id", id_column)))


def extract_frame(documents: pl.DataFrame, sentences: pl.DataFrame, edits: pl.DataFrame,
                  decoded: pl.DataFrame, mask_token: str) -> dict[str, pl.DataFrame]:
    """The five extract tables for a shard."""
    heads = {sid: start + body for sid, start, body in
             documents.filter(pl.col("doc_no") == 1).select("source_id", "start", "body_start").iter_rows()}
    site_dates = header_dates(edits.filter(pl.col("operation").str.contains("boilerplate")), heads)
    sources = decoded["source_id"].to_list()
    decoded_texts = decoded["text"].to_list()
    source_no = {sid: k for k, sid in enumerate(sources)}
    # (row, source, normalized start, end): dates mapped to the decoded text at once, after the loop
    in_source: list[tuple[dict, str, int, int]] = []
    docs = documents.to_dicts()  # one dict per document (metadata is one row per document); mentions are columns
    # a site header in the head of a source's document holds for the source's other documents too
    own_dates = [document_date(doc["text"], doc["body_start"], doc["title"]) for doc in docs]
    text_headers: dict[str, tuple[dict, FoundDate]] = {}
    for k in sorted(range(len(docs)), key=lambda k: (docs[k]["source_id"], docs[k]["doc_no"])):
        evidence, found = own_dates[k]
        if evidence == "header" and docs[k]["source_id"] not in text_headers:
            text_headers[docs[k]["source_id"]] = (docs[k], found)
    metadata: list[dict] = []
    mentions = {table: {"doc": [], **{c: [] for c in names}} for table, (_, names) in MENTION_TABLES.items()}
    mask_source: list[int] = []  # each mask's source (its text: the original it replaced)
    for row_no, doc in enumerate(docs):
        doc_id, text, sid = doc["doc_id"], doc["text"], doc["source_id"]
        title, body_start = doc["title"], doc["body_start"]
        head = [line.text for line in lines_of(text, 0, body_start)]
        body = [line.text for line in lines_of(text, body_start, first=OPENING_LINES)]
        meeting, meeting_span = meeting_of(title, "\n".join(head + body[:1]), "".join(body))
        row = {"doc_id": doc_id, "source_id": sid, "title": title, "title_derived": doc["title_derived"],
               "byline": doc["byline"], "genre": genre_of(title, head + body),
               "speaker_role": speaker_role(title, meeting_span, doc["byline"], "\n".join(head), "".join(body)),
               "meeting": meeting, **NO_DATE}
        metadata.append(row)
        evidence, found = own_dates[row_no]
        if sid in site_dates:
            row.update(site_dates[sid])
        elif sid in text_headers:
            header_doc, header = text_headers[sid]
            row.update(date=header.iso, date_provenance="site_header", date_evidence="header")
            in_source.append((row, sid, header_doc["start"] + header.start, header_doc["start"] + header.end))
        elif evidence == "masked":
            row.update(date_evidence="masked")
        elif found is not None:
            row.update(date=found.iso, date_provenance="body", date_evidence=evidence)
            in_source.append((row, sid, doc["start"] + found.start, doc["start"] + found.end))
        # the matches of each kind, appended to its columns
        found_in = {"formulations": [tuple(f[c] for c in MENTION_COLUMNS) for f in find_formulations(text)],
                    "quotes": [(m.start(), m.end(), m.group(1)) for m in QUOTE.finditer(text)],
                    "citations": [(m.start(), m.end(), m.group(1), citation_kind(m.group(1)))
                                  for m in CITATION.finditer(text)],
                    "masks": [(m.start(), m.end(), mask_token) for m in re.finditer(re.escape(mask_token), text)]}
        for table, rows in found_in.items():
            if rows:
                columns = mentions[table]
                columns["doc"] += [row_no] * len(rows)
                for name, values in zip(MENTION_TABLES[table][1], zip(*rows)):
                    columns[name] += values
        mask_source += [source_no.get(sid, -2)] * len(found_in["masks"])  # -2: no decoded text
    numbers = np.array([source_no.get(sid, -2) for _, sid, _, _ in in_source], np.int64)
    starts, ends = (np.array([entry[k] for entry in in_source], np.int64) for k in (2, 3))
    offsets = SourceOffsets(edits, sources)
    for (row, sid, _, _), start, end in zip(in_source, offsets.map(numbers, starts, False).tolist(),
                                            offsets.map(numbers, ends, True).tolist()):
        row["date_source_start"], row["date_source_end"] = start, end
    frames = {"metadata": pl.DataFrame(metadata, schema=tables.polars_schema("metadata"))}
    frames |= {table: _mentions(table, columns, documents, sentences) for table, columns in mentions.items()}
    # what each mask replaced: its span mapped to the decoded text, all masks at once
    masks = frames["masks"]
    number = np.array(mask_source, np.int64)
    doc_start = documents["start"].to_numpy()[np.asarray(mentions["masks"]["doc"], np.int64)] if masks.height else 0
    spans = [offsets.map(number, doc_start + masks[c].to_numpy(), end)
             for c, end in (("start", False), ("end", True))]
    original = [decoded_texts[n][a:b] if n >= 0 else "" for n, a, b in zip(number.tolist(), *(x.tolist() for x in spans))]
    frames["masks"] = masks.with_columns(original=pl.Series(original, dtype=pl.String))
    return frames


def run(frames: dict[str, pl.DataFrame], settings) -> dict[str, pl.DataFrame]:
    """Extract a shard's mentions and metadata from its documents and sentences."""
    return extract_frame(frames["documents"], frames["sentences"], frames["edits"], frames["decoded"],
                         settings["normalize.mask_token"])
