"""The head of a document as pages hold it: which line is the title, what the lines around it are (navigation,
site headers, bylines, datelines, subtitles, salutations), and where the body begins.

A title is chosen among the first lines by what a title looks like: words that name a kind of text (讲话, 致辞,
报告, 心得体会…), a title's length, an early position, no sentence punctuation inside, and what follows it (a
site header, a byline, a dateline, a subtitle, a salutation); never page furniture, a byline, a heading or a
sentence. A page whose whole speech is one line has its title glued to the salutation, to a subtitle or to the
first sentence: the title is cut off there. A document without a title line gets one derived from its first
sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import islice
from typing import NamedTuple

from jianghua.text.chars import HAN
from jianghua.text.data import read_tsv
from jianghua.text.dates import dateline, header_date
from jianghua.text.outline import compilation_part, marker_at
from jianghua.text.pinyin import strip_annotations

# Words that name a kind of text, longest first where one holds another.
KIND_WORDS = ("讲话稿", "讲话提纲", "讲话", "讲稿", "党课", "致辞", "贺词", "祝词", "主持词", "发言稿", "发言", "汇报",
              "述职报告", "工作报告", "报告", "讲演词", "演讲稿", "演讲词", "演讲", "心得体会", "体会", "总结",
              "材料", "方案", "意见", "通知", "讲义", "倡议书", "决定", "纪要")
KIND = re.compile("|".join(KIND_WORDS))
# a kind word ends a title unless one of these carries it on (讲话精神, 报告会)
KIND_CONTINUES = re.compile(r"精神|要点|原文|会|稿|中|的|和|及|与|等")
# offices a speaker holds (常务副县长, 区委书记, 局长)
ROLE = re.compile(r"(常务副(?:市|县|区|省)长|副?(?:市|县|区|省|州|镇|乡)长|(?:市|县|区|省|州|镇|乡)委(?:副)?书记|"
                  r"党(?:组|委|工委)(?:副)?书记|(?:党)?(?:总)?支部?书记|(?:副)?(?:局|厅|处|部|院|校|行|社)长|(?:副)?主任|"
                  r"(?:副)?主席|(?:副)?秘书长|董事长|总经理)")
# a meeting where a speech was given (在全市经济工作会议上, 在…开幕式时)
MEETING = re.compile(r"在(.{2,40}?(?:会议|大会|座谈会|推进会|调度会|总结会|部署会|交流会|研讨会|观摩会|全会|剖析会|动员会|"
                     r"报告会|表彰会|培训班|论坛|典礼|仪式|开幕式|闭幕式|会))(?:上|时)")

# Salutations: the audience addressed, one or more terms, then a colon or an exclamation (同志们：,
# 老师们，同学们，大家好：, 尊敬的各位来宾、亲爱的朋友们：, 各位代表，同志们！)
_ADDRESSEE = (r"(?:同志|朋友|同学|老师|代表|委员|来宾|嘉宾|领导|女士|先生|家长|评委|战友|乡亲|队员|干部|职工|青年|"
              r"书记|[省市县区局院校处]长|主任|主席)")
_ADDRESS = rf"(?:(?:尊敬的|敬爱的|亲爱的)[^，、：:！!\n]{{0,10}}?|各位|全体|在座的)?(?:青年|年轻的)?{_ADDRESSEE}们?"
GREETING = re.compile(r"(?:大家)?(?:早上|上午|中午|下午|晚上)?好")
SALUTATION = re.compile(rf"(?:(?:{_ADDRESS}[，、,\s]*)+(?:{GREETING.pattern})?|大家(?:早上|上午|下午|晚上)?好)[：:！!]"
                        rf"(?:\s*{GREETING.pattern}[！!。，,])?")

MAX_TITLE = 60
MAX_LINE_READ = 200  # a longer line is body (or furniture no title competes with): no need to read it further
MIN_TITLE_HAN = 4
HEAD_LINES = 16  # a title lies among a document's first lines
HEADLINES = 3  # short lines a head may hold under its title (a headline in two lines, a series name)
_LINE = re.compile(r"[^\n]+")
_HAN = re.compile(f"[{HAN}]")
# a sentence ends at 。！？；…… plus any closing quotes or brackets (greedy: the class holds no terminator, so
# this stops at the first one, and scans a third faster than *?)
SENTENCE = re.compile(r"[^。！？；…\n]*(?:……|…|[。！？；])[”’）」』]*|[^。！？；…\n]+")
_BULLETS = "•·■□◆◇◎○●★☆▲△►▪*－-—"
# forum software's random ASCII glued to a line: a run with two symbols or more (6 [; k R! @2 ?# \)
_HEAD_JUNK = re.compile(rf"^[\x20-\x7e]*?(?=\d*[{HAN}“《（【])")
_TAIL_JUNK = re.compile(rf"(?<=[{HAN}”》）】])[\x20-\x7e]+$")
_LETTER_SPACED = re.compile(rf"(?:[{HAN}] +)+[{HAN}]")
_PAGE_COUNTER = re.compile(r"\s*(?:[-—－]\s*\d+篇)?\s*[（(]第\d+/\d+页[）)]\s*$|\s*[-—－]\s*\d+篇\s*$")
# page furniture: navigation, interface words, sizes and counts, contact and spam lines, site names, labels
_NAVIGATION = re.compile(r"[>＞»›].*[>＞»›]|首页|当前位置|现在的位置|网站地图|上一篇|下一篇|上一主题|下一主题")
_INTERFACE = re.compile(r"关灯|开灯|字号|打印|收藏|复制|分享|扫一扫|扫码|登录|注册|返回|移动版|阅读模式|显示全部|点击|浏览|桌面")
_SIZE = re.compile(r"\d+(?:\.\d+)?\s*(?:KB|MB|GB|kb|mb|K|M)\b|^\d+\s*页$|共计?\s*\d+\s*个?字")
_CONTACT = re.compile(r"QQ|微信|电话|咨询|客服|热线|http|www\.|\.com|\.cn|@|VIP|会员可见|下载|福利|广告"
                      r"|\d{3,4}-\d{3,4}-\d{3,4}|[◆~～￥№]")
_SITE_NAME = re.compile(rf"[{HAN}]{{2,10}}(?:网|网站|文库|书城|之家|论坛|社区|频道|平台|在线)(?:移动版|首页)?")
# labels of a page's information about the text (来源：, 作者：, 【摘要】, 关键词：) and of its furniture (推荐阅读：)
_META_LABEL = re.compile(r"^[【\[]?(?:来源|作者|编辑|责任编辑|发布|发布时间|时间|日期|浏览|点击|阅读|人气|栏目|摘要|关键词|关键字|"
                         r"标签|分类|出处|字数|编者按|导读|中图分类号|文献标识码|文章编号|基金项目|作者简介|收稿日期)[】\]]?\s*[：:】\]]")
_FURNITURE_LABEL = re.compile(rf"{_META_LABEL.pattern}|^(?:推荐阅读|相关推荐|相关阅读|相关文章|天气预报|阅读小贴士)\s*[：:]")
_FIELD_LABEL = re.compile(r"^【[^】]{1,6}】\s*")  # 【致辞背景】: the field's value follows
_AUTHOR = re.compile(rf"(?:作者|文)\s*[：:/／]\s*([{HAN}]{{2,4}})(?![{HAN}])")  # 作者：李明, 文/李明
_CREDIT = re.compile(rf"{_AUTHOR.pattern}\s*")  # a line that only credits its author
_NAME_LINE = re.compile(rf"[{HAN}，,、；;\s]+")
_NAME_SEPARATORS = re.compile(r"[，,、；;]+")
_BARS = re.compile(r"\s*[|｜]\s*")
_AFFILIATION = re.compile(r"^[（(].*(?:大学|学院|研究院|研究所|研究中心|党校|学校|委员会|\d{6}).*[）)]$")
_ROLE_NAME = re.compile(rf"^[{HAN}]{{0,12}}?{ROLE.pattern}\s*(?:[{HAN}]{{2,3}}|[×Xx*＊]+)$")
_MEETING_KIND = re.compile(rf"{MEETING.pattern}的?(?:{KIND.pattern})")
_SENTENCE_PUNCTUATION = "。！？!?；;…"
MIN_TITLE_SCORE = 1.0  # a line must score this much (``title_score``) to be a title
MAX_PROSE_BEFORE_TITLE = 2  # a page may open with a line or two of the site's prose before the title, not more


@cache
def surnames() -> frozenset[str]:
    """Chinese surnames, single and compound (``data/surnames.tsv``)."""
    return frozenset(row[0] for row in read_tsv("surnames.tsv"))


def han_count(text: str) -> int:
    """The number of Han characters in ``text``."""
    return len(_HAN.findall(text))


def noise(run: str) -> bool:
    """A run of ASCII that is noise, not text: three characters or more, two of them symbols (asterisks are a mask's)."""
    return len(run.strip()) >= 3 and sum(not c.isalnum() and not c.isspace() and c != "*" for c in run) >= 2


def noise_span(line: str) -> tuple[int, int]:
    """The span of ``line`` without the random ASCII forum software glued before and after it."""
    start, end = 0, len(line)
    head = _HEAD_JUNK.match(line) if line[:1].isascii() else None
    if head and noise(head.group(0)):
        start = head.end()
    tail = _TAIL_JUNK.search(line, start) if line[-1:].isascii() else None
    if tail and noise(tail.group(0)):
        end = tail.start()
    return start, end


def clean_line(line: str) -> str:
    """A line without what pages put around a title: forum software's ASCII noise, bullets, a compilation part's
    counter (第一篇：, 篇一), a field label (【致辞背景】), a page counter (-15篇（第3/3页）) and letter spacing
    (工 作 总 结)."""
    text = line.strip()
    start, end = noise_span(text)
    text = text[start:end].strip().lstrip(_BULLETS).strip()
    part = compilation_part(text)
    if part is not None:
        text = part[1]
    if not _FURNITURE_LABEL.match(text):
        text = _FIELD_LABEL.sub("", text)
    text = _PAGE_COUNTER.sub("", text)
    if _LETTER_SPACED.fullmatch(text):
        text = text.replace(" ", "")
    return text.strip()


def names_of(line: str) -> list[str] | None:
    """The names of a line that holds only personal names (方 明; 吕强，欧 丽，韩小军; ■ 方 明 柯晓燕), or None."""
    text = strip_annotations(line).strip().lstrip(_BULLETS).strip()
    if not text or len(text) > 40 or not _NAME_LINE.fullmatch(text):
        return None
    names: list[str] = []
    for group in _NAME_SEPARATORS.split(text):
        single = ""  # letter-spaced names: single characters side by side make one name (方 明 → 方明)
        for piece in group.split():
            if len(piece) == 1:
                single += piece
                if len(single) == 2:
                    names.append(single)
                    single = ""
            elif single:
                return None
            else:
                names.append(piece)
        if single:
            return None
    family = surnames()
    # a name of two characters alone on its line is written letter-spaced (方 明): 关灯 is no byline
    if len(names) == 1 and len(names[0]) == 2 and " " not in text:
        return None
    if names and len(names) <= 6 and all(2 <= len(n) <= 4 and (n[0] in family or n[:2] in family)
                                         and not KIND.search(n) for n in names):
        return names
    return None


def byline_of(line: str) -> str | None:
    """The byline a line holds: names (``names_of``), or an office and a name or mask (区委副书记 牛小川, 县长 ×)."""
    names = names_of(line)  # before cleaning, which joins letter spacing (方 明)
    if names:
        return "，".join(names)
    text = clean_line(line)
    if len(text) <= 24 and _ROLE_NAME.match(text):
        return re.sub(r"\s+", " ", text)
    return _author_of(text)


def is_salutation(line: str) -> bool:
    """True for a line that opens with a salutation (同志们：)."""
    return SALUTATION.match(line.strip()) is not None


def _is_furniture(text: str) -> bool:
    """Navigation, interface words, sizes, contact and spam lines, site names, furniture labels, menus."""
    if _NAVIGATION.search(text) or _SIZE.search(text) or _CONTACT.search(text) or _FURNITURE_LABEL.match(text):
        return True
    if len(text) <= 12 and (_INTERFACE.search(text) or _SITE_NAME.fullmatch(text)):
        return True
    bars = _BARS.split(text)
    if len(bars) >= 3 or (len(bars) == 2 and max(len(b) for b in bars) <= 12):
        return True
    tokens = text.split()
    return len(tokens) >= 5 and max(len(t) for t in tokens) <= 6  # a menu: 网站首页 个人文档 工作总结 …


def head_kind(line: str, cleaned: str | None = None) -> str | None:
    """What a line of a document's head is: salutation, header (a site header, an abstract's label), furniture,
    byline, affiliation, dateline, subtitle, heading or sentence; None for a line that may be its title
    (``cleaned``: the line's ``clean_line``, when the caller has it)."""
    stripped = line.strip()
    if is_salutation(stripped):
        return "salutation"
    if _META_LABEL.match(re.sub(r"\s+", "", stripped[:12]).lstrip(_BULLETS)):  # letter-spaced too (摘 要：)
        return "header"
    if len(stripped) > MAX_LINE_READ:
        return "sentence"
    if header_date(stripped):
        return "header"
    cleaned = clean_line(stripped) if cleaned is None else cleaned
    if not _HAN.search(cleaned):
        return "furniture"
    compact = re.sub(r"\s+", "", cleaned[:12]) + cleaned[12:]
    if names_of(stripped) or (len(cleaned) <= 24 and (_ROLE_NAME.match(cleaned) or _CREDIT.fullmatch(cleaned))):
        return "byline"
    if _AFFILIATION.match(cleaned):
        return "affiliation"
    if dateline(cleaned):
        return "dateline"
    if stripped.startswith(("——", "--", "－－")):
        return "subtitle"
    if marker_at(cleaned, 0):
        return "heading"
    if _is_furniture(compact) or (cleaned[-1] in "：:" and len(cleaned) <= 12):
        return "furniture"
    if cleaned[-1] in "。；;…" or "。" in cleaned or (cleaned.count("，") >= 2 and len(cleaned) > 25) \
            or len(cleaned) > MAX_TITLE:
        return "sentence"
    if len(cleaned) < 2 * MIN_TITLE_HAN and han_count(cleaned) < MIN_TITLE_HAN and not KIND.search(cleaned):
        return "furniture"
    return None


def title_score(title: str, rank: int, next_kind: str | None, repeated: bool, after_body: bool) -> float:
    """How much a candidate looks like the title: kind words (at the end above all), a meeting, a title's length,
    what follows it, being repeated on the page, an early position, few commas and no ！？ inside."""
    score = 0.0
    kinds = list(KIND.finditer(title))
    if kinds:
        score += 3 + (kinds[-1].end() == len(title.rstrip("）)」』”")))
    score += bool(MEETING.search(title)) + (6 <= len(title) <= 40) + repeated
    if next_kind in ("header", "byline", "affiliation", "dateline", "subtitle", "salutation", "part"):
        score += 2
    score -= 0.5 * title.count("，") + 0.5 * ("|" in title or "｜" in title)
    score -= sum(c in "！？!?" for c in title[:-1])
    return score - 0.25 * rank - 2 * after_body


def glued_title(line: str, sentence: bool = True) -> int | None:
    """Where the title ends in a line that runs on into the speech, or None when no title opens it: at a
    salutation (…的讲话 + 同志们：), at a subtitle (… ——在…上的讲话), or, in a line that reads as a sentence, after the
    kind word that ends a meeting's speech (在…会议上的讲话年初以来，…). A site's short title before the full one
    (…上讲话…上的讲话 + 同志们：) is cut at its own kind word."""
    salutation = next((m.start() for m in SALUTATION.finditer(line, 0, MAX_TITLE + 20) if m.start() > 0), None)
    dash = line.find("——", 1, MAX_TITLE + 2)
    ends = [p for p in (salutation, dash) if p is not None and p > 0]
    if ends:
        cut = min(ends)
        kinds = [m.end() for m in KIND.finditer(line, 0, cut) if not KIND_CONTINUES.match(line, m.end())]
        if len(kinds) >= 2 and cut - kinds[0] >= MIN_TITLE_HAN:
            cut = kinds[0]
    elif not sentence:
        return None
    else:
        meeting = _MEETING_KIND.search(line, 0, MAX_TITLE)
        if meeting is None or KIND_CONTINUES.match(line, meeting.end()):
            return None
        cut = meeting.end()
    prefix = line[:cut].strip()
    if not prefix or cut > MAX_TITLE or any(c in prefix for c in "，," + _SENTENCE_PUNCTUATION) \
            or head_kind(prefix) is not None:
        return None
    return cut


# what separates a page title from the site's name (and a site's sections) after it
SITE_SEPARATOR = re.compile(r"\s+[-–—－|｜_]+\s+|\s*(?:[|｜_]+|——|[—–－]|-{2,})\s*")
_BLANK_RUNS = re.compile(r"\s+")


class Evidence(NamedTuple):
    """What an HTML page says its title is: its ``<title>`` and its first ``<h1>``, normalized as its text
    (None where the page has none, or is no HTML page)."""

    page_title: str | None = None
    heading: str | None = None


def _compact(text: str) -> str:
    return _BLANK_RUNS.sub("", text)


def title_forms(page_title: str) -> list[str]:
    """The forms a page title may take in the page's own text, most preferred first: the whole title, then
    without the site's name, one separated part at a time from the end (``标题_栏目_网站`` -> ``标题_栏目``,
    ``标题``); forms with fewer than ``MIN_TITLE_HAN`` Han characters are left out. Compared without blanks."""
    cuts = [m.start() for m in SITE_SEPARATOR.finditer(page_title) if m.start() > 0]
    forms = [page_title, *(page_title[:cut] for cut in reversed(cuts))]
    return [f for f in dict.fromkeys(_compact(f) for f in forms) if han_count(f) >= MIN_TITLE_HAN]


def evidence_line(head: _HeadLines, evidence: Evidence) -> int | None:
    """The head line (its index) that the page's title evidence names: one matching a form of its ``<title>``
    (the most preferred form; of equal ones, a line its ``<h1>`` matches too, then the first), else the first
    matching its ``<h1>``; never a salutation, a heading or page furniture. None when no line matches."""
    forms = title_forms(evidence.page_title) if evidence.page_title else []
    heading = _compact(evidence.heading) if evidence.heading and han_count(evidence.heading) >= MIN_TITLE_HAN \
        else None
    if not forms and heading is None:
        return None
    best: tuple[int, int] | None = None  # (rank, line): lower is better
    for k in range(len(head.lines)):
        kind = head.kind(k)
        if kind in ("salutation", "heading"):
            break
        if kind not in (None, "sentence", "subtitle"):
            continue
        line = _compact(head.cleaned(k))
        rank = None
        if line in forms:
            rank = 2 * forms.index(line) + (line != heading)
        elif line == heading:
            rank = 2 * len(forms)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, k)
    return None if best is None else best[1]


@dataclass
class Head:
    """A document's head: its title, whether it was derived from the first sentence, its byline, and where the
    body begins (offsets in the text the head was read from)."""

    title: str
    title_derived: bool
    byline: str | None
    body_start: int


class Line(NamedTuple):
    """A non-blank line of a text: its span and its text."""

    start: int
    end: int
    text: str


def lines_of(text: str, start: int = 0, end: int | None = None, first: int | None = None) -> list[Line]:
    """The non-blank lines of ``text[start:end]`` (the ``first`` of them only, when given), with their spans."""
    matches = _LINE.finditer(text, start, len(text) if end is None else end)
    if first is None:
        return [Line(m.start(), m.end(), m.group(0)) for m in matches if not m.group(0).isspace()]
    return list(islice((Line(m.start(), m.end(), m.group(0)) for m in matches if not m.group(0).isspace()), first))


def last_lines(text: str, count: int, start: int = 0) -> list[Line]:
    """The last ``count`` non-blank lines of ``text[start:]``, read from the end."""
    lines: list[Line] = []
    end = len(text)
    while end > start and len(lines) < count:
        begin = max(text.rfind("\n", start, end) + 1, start)
        if text[begin:end].strip():
            lines.insert(0, Line(begin, end, text[begin:end]))
        end = begin - 1
    return lines


class _HeadLines:
    """The first lines of a document, each read (cleaned, told what it is) only when asked: most documents decide
    their title within two lines."""

    def __init__(self, text: str, start: int, end: int):
        self.lines = lines_of(text, start, end, HEAD_LINES)
        self._kinds: dict[int, str | None] = {}
        self._cleaned: dict[int, str] = {}

    def kind(self, k: int) -> str | None:
        if k not in self._kinds:
            self._kinds[k] = head_kind(self.lines[k].text, self.cleaned(k))
        return self._kinds[k]

    def cleaned(self, k: int) -> str:
        if k not in self._cleaned:
            self._cleaned[k] = clean_line(self.lines[k].text)
        return self._cleaned[k]

    def next_kind(self, k: int) -> str | None:
        """What the first line after line ``k`` that is not furniture is (None: a title-like line, or none)."""
        if k + 1 < len(self.lines) and compilation_part(self.lines[k + 1].text.strip()):
            return "part"
        return next((kind for j in range(k + 1, len(self.lines)) if (kind := self.kind(j)) != "furniture"), None)

    def repeated(self, k: int, candidate: str) -> bool:
        return any(j != k and candidate in line.text and self.cleaned(j) == candidate for j, line in enumerate(self.lines))


def read_head(text: str, start: int = 0, end: int | None = None, evidence: Evidence | None = None) -> Head:
    """The head of the document ``text[start:end]``: its title among the first lines (the line the page's
    ``evidence`` names, if one does), its byline, its body."""
    head = _HeadLines(text, start, len(text) if end is None else end)
    named = evidence_line(head, evidence) if evidence is not None else None
    if named is not None:
        body_start, byline = _body_after(text, head, named, head.lines[named].end)
        return Head(head.cleaned(named), False, byline, body_start)
    best: tuple[float, int, str, int] | None = None  # score, line, title, where it ends
    prose, rank = 0, 0  # lines of prose seen; the lines before that could have been the title or the body
    for k, line in enumerate(head.lines):
        kind, title_end = head.kind(k), line.end
        if kind in ("salutation", "heading") or prose >= MAX_PROSE_BEFORE_TITLE:
            break
        glued = None
        if kind is None or (kind == "sentence" and not prose):  # a speech on one line opens its page
            glued = glued_title(line.text.strip(), kind == "sentence")
        if glued is not None:
            offset = line.text.index(line.text.strip()[:1])
            candidate, title_end, kind = clean_line(line.text.strip()[:glued]), line.start + offset + glued, None
        if kind is not None:
            prose += kind == "sentence" and any(c in line.text for c in "。！？")
            rank += kind == "sentence"
            continue
        if title_end < line.end:  # the speech runs on after the title
            rest = text[title_end:line.end].strip()
            following = "salutation" if is_salutation(rest) else "subtitle" if rest.startswith("——") else None
        else:
            candidate, following = head.cleaned(k), head.next_kind(k)
        score = title_score(candidate, rank, following, head.repeated(k, candidate), prose > 0)
        if score >= MIN_TITLE_SCORE and (best is None or score > best[0]):
            best = (score, k, candidate, title_end)
        rank += 1
        if title_end < line.end:
            break
    if best is None:
        return _derived_head(head, start)
    _, k, title, title_end = best
    body_start, byline = _body_after(text, head, k, title_end)
    return Head(title, False, byline, body_start)


def _body_after(text: str, head: _HeadLines, k: int, title_end: int) -> tuple[int, str | None]:
    """Where the body begins after the title on line ``k``, past subtitles, site headers, bylines, datelines and
    headlines, and the byline found there."""
    lines = head.lines
    if title_end < lines[k].end:  # a title glued to its speech
        rest = text[title_end:lines[k].end]
        return title_end + len(rest) - len(rest.lstrip()), None
    byline, headlines = None, 0
    for j in range(k + 1, len(lines)):
        line, kind = lines[j], head.kind(j)
        if kind is None:
            headlines += 1
            if headlines > HEADLINES or any(c in line.text for c in _SENTENCE_PUNCTUATION) \
                    or len(head.cleaned(j)) > 30:
                return line.start, byline
        elif kind in ("salutation", "heading", "sentence"):
            return line.start, byline
        elif kind in ("byline", "header") and byline is None:
            byline = byline_of(line.text) if kind == "byline" else _author_of(line.text)
    return (lines[-1].end if len(lines) > k + 1 else title_end), byline


def _author_of(line: str) -> str | None:
    """The author a site header names (作者：李明), when the name reads as one."""
    m = _AUTHOR.search(line)
    family = surnames()
    return m.group(1) if m and (m.group(1)[0] in family or m.group(1)[:2] in family) else None


def _derived_head(head: _HeadLines, start: int) -> Head:
    """A head without a title line: the title is the body's first sentence (past furniture, site headers,
    bylines and a salutation); a byline counts when an affiliation or an abstract follows it."""
    lines, byline, body = head.lines, None, None
    for k in range(len(lines)):
        kind = head.kind(k)
        if kind in ("furniture", "header", "byline", "affiliation", "dateline"):
            if kind == "byline" and byline is None and k + 1 < len(lines) and head.kind(k + 1) in ("affiliation", "header"):
                byline = byline_of(lines[k].text)
            continue
        body = k
        break
    if body is None:
        return Head("", True, byline, lines[0].start if lines else start)
    title = ""
    for line in lines[body:]:
        rest = line.text.strip()
        salutation = SALUTATION.match(rest)
        rest = rest[salutation.end():].strip() if salutation else rest
        if rest:
            title = SENTENCE.match(rest).group(0).strip()
            break
    return Head(title, True, byline, lines[body].start)
