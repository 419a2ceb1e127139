"""Generate speech-like sample corpora, with every phenomenon of SPEC §1, and the truth they inject.

The text is composed from the project's own phrase lists (never from the seeds). The generator is
deterministic: the same arguments write byte-identical files and truth. ``write_corpus`` writes the
embedded sample (``resources/sample``); benchmarks call it with a size in bytes, and may have it republish
a share of its documents as near-duplicates with the edits template sites make (``near_duplicates``).
"""

from __future__ import annotations

import copy
import json
import random
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from opencc import OpenCC

from jianghua.testing.damage import intended, simulate

PLACES = ["全市", "全县", "全区", "全省", "全系统", "市直机关", "全行业"]
MEETINGS = [
    "解放思想大讨论动员部署会议", "经济工作会议", "优化营商环境推进大会", "全面从严治党工作会议",
    "乡村振兴工作推进会", "安全生产工作会议", "项目建设观摩总结会", "干部作风建设大会",
    "科技创新工作座谈会", "生态环境保护工作会议", "招商引资工作调度会", "民营经济发展大会",
]
GENRES = ["讲话", "讲话稿", "汇报发言", "发言", "致辞", "工作报告"]
ROLES = ["市长", "副市长", "县委书记", "区长", "局长", "常务副县长", "市委副书记", "党组书记"]
SITES = ["文秘之家", "范文网", "公文素材库", "读后感"]
SUBJECTS = ["各级党组织", "全市上下", "各部门", "广大党员干部", "我们", "各级领导干部", "各单位", "全体干部"]
VERBS = ["要坚持", "必须强化", "要着力推进", "要切实加强", "要全面落实", "要持续深化", "要统筹抓好", "要扎实推动"]
OBJECTS = [
    "思想政治建设", "项目建设", "营商环境优化", "基层治理体系建设", "产业结构调整", "干部队伍建设",
    "生态环境保护", "安全生产监管", "民生保障工作", "科技创新能力提升", "开放合作", "作风建设",
    "改革发展稳定各项工作", "重点领域风险防范", "城乡融合发展", "数字经济发展",
]
CLAUSES = [
    "确保各项任务落到实处", "推动工作取得新的更大成效", "切实把思想和行动统一到决策部署上来",
    "以钉钉子精神抓好落实", "努力在新起点上实现新突破", "不断提高人民群众的获得感和幸福感",
    "坚决防止形式主义和官僚主义", "形成上下联动、齐抓共管的工作格局", "为高质量发展提供坚强保障",
    "做到守土有责、守土负责、守土尽责", "以实际行动检验学习成效", "持续推动经济社会发展迈上新台阶",
]
OPENERS = ["当前", "近年来", "总的来看", "从实践看", "今年以来", "面对新形势新任务"]
HEADINGS = [
    "提高政治站位，深刻认识重大意义", "聚焦重点任务，推动工作落地见效", "强化组织保障，确保取得实际成效",
    "坚持问题导向，着力破解发展难题", "压实工作责任，形成强大工作合力", "转变工作作风，提升干部能力水平",
    "突出项目建设，增强发展后劲", "优化营商环境，激发市场活力", "守牢安全底线，维护社会大局稳定",
]
SUBHEADINGS = [
    "抓好学习宣传", "健全工作机制", "强化督促检查", "加强统筹调度", "注重示范引领", "严格考核问责",
    "完善政策体系", "夯实基层基础", "深化改革创新", "加强队伍建设",
]
RUN_IN = ["坚定信心", "凝聚共识", "真抓实干", "守正创新", "担当作为", "久久为功"]
# Numbered formulations: (count, head, items) -> "N个head", items each begin with head.
NUMBERED = [
    ("三", "坚持", ["坚持稳中求进", "坚持创新驱动", "坚持人民至上"]),
    ("四", "聚焦", ["聚焦主导产业", "聚焦项目建设", "聚焦城市更新", "聚焦民生改善"]),
    ("五", "强化", ["强化政治引领", "强化责任落实", "强化要素保障", "强化风险防控", "强化作风建设"]),
    ("两", "确保", ["确保完成全年目标", "确保社会大局稳定"]),
    ("六", "提升", ["提升城市品质", "提升产业层次", "提升开放水平", "提升治理效能", "提升服务质量", "提升干部素质"]),
]
COMPOUND = ["一核两翼", "三长三短", "五要五不要", "一主三副"]
ARABIC = ["1+3+N", "2468", "1+5+N", "135"]
CITED = [
    ("关于进一步优化营商环境的若干意见", "opinion"), ("安全生产法", "law"), ("城乡规划条例", "regulation"),
    ("十四五规划纲要", "plan"), ("关于开展作风建设年活动的通知", "notice"), ("政府工作报告", "report"),
    ("人民日报", "press"),
]
QUOTES = ["干部敢为、地方敢闯、企业敢干、群众敢首创", "项目为王、环境为本", "马上就办、真抓实干", "功成不必在我"]
MASKS = ["×××", "XX", "xx", "**", "×", "***"]
AD_LINES = ["仅供学习 禁止外传", "现在订阅立享全部资料", "会员群：          免费QQ群：", "【打击倒卖活动】"]
FOOTER_LINES = ["本文来源于网络，仅供学习交流", "更多精彩范文请关注本站"]
CN_NUM = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"

# (kind, encoding) of file i is PLAN[i % len(PLAN)]. Damaged files are UTF-8 because the damage
# happened before the sites re-encoded their pages; Big5 files are Traditional.
PLAN = [
    ("plain", "utf-8"), ("traditional", "utf-8-sig"), ("damaged", "utf-8"), ("plain", "gb18030"),
    ("compilation", "utf-8"), ("plain", "utf-16"), ("traditional", "big5"), ("damaged", "utf-8"),
    ("plain", "utf-16-be"), ("compilation", "gb18030"), ("plain", "utf-8-sig"),
]


@cache
def _s2tw() -> OpenCC:
    return OpenCC("s2tw")


@cache
def to_traditional(text: str) -> str:
    """Traditional form of a phrase (cached: documents are composed of a few hundred distinct phrases)."""
    return _s2tw().convert(text)


@dataclass
class Doc:
    """One composed document: Simplified fragments plus what was injected."""

    title: str
    fragments: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    formulations: list[dict] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    citations: list[dict] = field(default_factory=list)
    masks: int = 0
    date: str | None = None
    body_dates: list[str] = field(default_factory=list)


class Composer:
    """Composes documents from the phrase lists with one seeded random generator."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def pick(self, items):
        return self.rng.choice(items)

    def sentence(self, doc: Doc) -> str:
        roll = self.rng.random()
        if roll < 0.08:
            count, head, items = self.pick(NUMBERED)
            surface = f"{count}个{head}"
            doc.formulations.append({"surface": surface, "canonical": surface, "number": CN_NUM.index(count) + 1
                                     if count in CN_NUM else 2, "head": head, "items": items, "kind": "numbered"})
            return f"{self.pick(SUBJECTS)}要做到“{surface}”，即{'、'.join(items)}。"
        if roll < 0.12:
            form = self.pick(COMPOUND)
            doc.formulations.append({"surface": form, "canonical": form, "number": None, "head": None,
                                     "items": [], "kind": "compound"})
            return f"围绕“{form}”发展思路，{self.pick(VERBS)}{self.pick(OBJECTS)}。"
        if roll < 0.15:
            form = self.pick(ARABIC)
            doc.formulations.append({"surface": form, "canonical": form, "number": None, "head": None,
                                     "items": [], "kind": "arabic"})
            return f"就市委“{form}”工作总思路，{self.pick(VERBS)}{self.pick(OBJECTS)}。"
        if roll < 0.19:
            quote = self.pick(QUOTES)
            doc.quotes.append(quote)
            return f"{self.pick(SUBJECTS)}要大力弘扬“{quote}”的精神，{self.pick(CLAUSES)}。"
        if roll < 0.23:
            title, kind = self.pick(CITED)
            doc.citations.append({"title": title, "kind": kind})
            return f"要认真贯彻《{title}》，{self.pick(CLAUSES)}。"
        if roll < 0.28:
            mask = self.pick(MASKS)
            doc.masks += 1
            return f"{mask}市{self.pick(VERBS)}{self.pick(OBJECTS)}，{self.pick(CLAUSES)}。"
        if roll < 0.30:
            return f"在GX科创走廊建设中，{self.pick(VERBS)}{self.pick(OBJECTS)}。"
        if roll < 0.38:
            parts = [f"{self.pick(SUBJECTS)}{self.pick(VERBS)}{self.pick(OBJECTS)}" for _ in range(3)]
            return "；".join(parts) + "。"
        if roll < 0.40:
            return f"市委常委（扩大）会议研究决定，{self.pick(VERBS)}{self.pick(OBJECTS)}，切实(地){self.pick(CLAUSES)}。"
        if roll < 0.41:
            date = f"20{self.rng.randint(18, 24)}年{self.rng.randint(1, 12)}月{self.rng.randint(1, 28)}日"
            doc.body_dates.append(date)
            return f"{date}，市委召开专题会议，{self.pick(VERBS)}{self.pick(OBJECTS)}。"
        return f"{self.pick(OPENERS)}，{self.pick(SUBJECTS)}{self.pick(VERBS)}{self.pick(OBJECTS)}，{self.pick(CLAUSES)}。"

    def paragraph(self, doc: Doc, n: int | None = None) -> str:
        return "".join(self.sentence(doc) for _ in range(n or self.rng.randint(3, 6)))

    def document(self, size_chars: int, style: str) -> Doc:
        genre = self.pick(GENRES)
        if genre == "汇报发言":
            title = f"{self.pick(ROLES)}在{self.pick(MEETINGS)}上的汇报发言材料"
        else:
            title = f"在{self.pick(PLACES)}{self.pick(MEETINGS)}上的{genre}"
        doc = Doc(title=title)
        doc.fragments.append("同志们：" if self.rng.random() < 0.6 else "")
        doc.fragments.append(self.paragraph(doc))
        section = 0
        while sum(map(len, doc.fragments)) < size_chars and section < 9:
            heading = HEADINGS[(section + self.rng.randint(0, 8)) % len(HEADINGS)]
            if style == "run-in":
                head = RUN_IN[section % len(RUN_IN)]
                doc.headings.append(head)
                doc.fragments.append(f"{head}。{self.paragraph(doc)}")
            else:
                marker = f"{CN_NUM[section]}、" if style == "dun" else f"第{CN_NUM[section]}，"
                doc.headings.append(heading)
                doc.fragments.append(f"{marker}{heading}")
                for sub in range(self.rng.randint(1, 3)):
                    sub_head = self.pick(SUBHEADINGS)
                    doc.fragments.append(f"（{CN_NUM[sub]}）{sub_head}。{self.paragraph(doc)}")
                    if self.rng.random() < 0.3:
                        items = [f"{CN_NUM[k]}是{self.pick(SUBHEADINGS)}。{self.paragraph(doc, 1)}" for k in range(2)]
                        doc.fragments.append("".join(items))
                    if self.rng.random() < 0.2:
                        lead = self.pick(["1.", "（1）", "①"])
                        doc.fragments.append(lead + self.paragraph(doc, 2))
            section += 1
        doc.fragments.append(f"同志们，{self.pick(CLAUSES)}，让我们{self.pick(VERBS)[1:]}{self.pick(OBJECTS)}！")
        return doc


@dataclass
class SampleFile:
    """One file of the corpus: its bytes and its truth."""

    path: str
    data: bytes
    truth: dict
    docs: list[Doc] = field(default_factory=list)  # what was composed (a copy is made from them)


def _with_punct_damage(lines: list[str], rng: random.Random) -> list[str]:
    return [line.replace("，", ",", rng.randint(1, 3)).replace("：", ":", 1) for line in lines]


def _reflow_damage(line: str) -> str:
    return line.replace("；", "；\n")


def compose_file(index: int, rng: random.Random, composer: Composer, size_chars: int) -> SampleFile:
    """Compose file number ``index``: a document (or a compilation) with its phenomena and encoding."""
    kind, encoding = PLAN[index % len(PLAN)]
    style = ["dun", "ordinal", "run-in"][index % 3]
    n_docs = rng.randint(3, 4) if kind == "compilation" else 1
    docs = [composer.document(size_chars // n_docs, style) for _ in range(n_docs)]
    header_date = f"20{rng.randint(18, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    with_header = kind in ("traditional", "damaged") or rng.random() < 0.3
    lines: list[str] = []
    if index % 5 == 1:
        lines += AD_LINES + [""]
    if kind == "compilation":
        lines.append("- 目录")
        for k, doc in enumerate(docs, 1):
            lines.append(f"第{k}篇 {doc.title}")
            if k % 2 == 0:
                lines.append(doc.title)
            lines += [f for f in doc.fragments if f]
    else:
        doc = docs[0]
        ad = "【更多免费素材，微信：wk0" + str(index % 7) + "】" if index % 4 == 0 else ""
        if index % 13 == 12:  # no title line: the title must be derived from the first sentence
            doc.title = None
        else:
            lines.append(doc.title + ad)
        if with_header:
            lines.append(f"发布时间:{header_date} 来源: {SITES[index % len(SITES)]} 点击:")
            doc.date = header_date
        lines += [f for f in doc.fragments if f]
    lines += FOOTER_LINES if index % 3 != 2 else []
    if index % 6 == 3:
        lines = _with_punct_damage(lines, rng)
    if index % 7 == 0:
        lines = [_reflow_damage(line) for line in lines]
    if index % 9 == 4:
        lines = [line + "</p>" if k % 5 == 4 else line for k, line in enumerate(lines)]
    text = "\n".join(lines) + "\n"
    truth = {"encoding": {"utf-16": "utf-16-le"}.get(encoding, encoding), "kind": kind, "style": style}
    if kind in ("traditional", "damaged"):
        clean = "".join(to_traditional(line) for line in text.splitlines(keepends=True))
        if kind == "damaged":
            truth["expected_text"] = intended(clean)
            text = simulate(clean)
        else:  # Big5 cannot hold tone-marked pinyin, so Big5 files carry no annotations
            text = clean if encoding == "big5" else intended(clean)
    truth["documents"] = [
        {"title": d.title, "headings": d.headings, "formulations": d.formulations, "quotes": d.quotes,
         "citations": d.citations, "masks": d.masks, "date": d.date, "body_dates": d.body_dates}
        for d in docs
    ]
    data = text.encode(encoding)
    return SampleFile(path=f"{index:04d}_{kind}.txt", data=data, truth=truth, docs=docs)


# ---- near-duplicates: a document republished by another site, with that site's edits ------------------------

# What template sites change when they republish a speech. "exact" is the same text (in another encoding,
# under the site's own header line, as every copy); "mixed" is two or three of the edits after it at once.
EDIT_KINDS = ("exact", "masks", "years", "traditional", "boilerplate", "cut", "added", "place", "mixed")
MIXABLE = ("masks", "years", "boilerplate", "cut", "added", "place")
COPY_ENCODINGS = ("utf-8", "gb18030", "utf-8-sig")
YEAR = re.compile(r"20(\d\d)年")
MASK_RUN = re.compile("|".join(re.escape(m) for m in sorted(MASKS, key=len, reverse=True)))
MASKED_NAME = re.compile("全市|市委|全县|全区")  # what a site masks of the place a speech was given in


def _body(doc: Doc) -> list[int]:
    """Positions of the fragments a site may cut or add next to: neither the salutation nor the closing line."""
    return [k for k in range(1, len(doc.fragments) - 1) if doc.fragments[k]]


def _edit(doc: Doc, kind: str, rng: random.Random, composer: Composer) -> None:
    """Apply one site's edit of ``kind`` to ``doc``'s Simplified fragments, in place."""
    if kind == "masks":  # other mask tokens, and the first few names of a place masked
        doc.fragments = [MASK_RUN.sub(lambda m: rng.choice([t for t in MASKS if t != m.group(0)]), f)
                         for f in doc.fragments]
        body = MASKED_NAME.sub(lambda m: rng.choice(MASKS), "\n".join(doc.fragments), count=3)
        doc.fragments = body.split("\n")  # (fragments hold no line break)
    elif kind == "years":  # the body's years moved on, as a site does to pass a speech off as this year's
        shift = rng.randint(1, 3)
        doc.fragments = [YEAR.sub(lambda m: f"20{int(m.group(1)) + shift:02d}年", f) for f in doc.fragments]
    elif kind == "cut":  # one to three paragraphs left out
        for _ in range(rng.randint(1, 3)):
            if _body(doc):
                del doc.fragments[rng.choice(_body(doc))]
    elif kind == "added":  # one to three paragraphs of the site's own
        for _ in range(rng.randint(1, 3)):
            doc.fragments.insert(rng.choice(_body(doc)), composer.paragraph(Doc(title="")))
    elif kind == "place":  # the speech given again somewhere else
        old = next((p for p in PLACES if any(p in f for f in doc.fragments)), PLACES[0])
        new = rng.choice([p for p in PLACES if p != old])
        doc.title = doc.title.replace(old, new) if doc.title else doc.title
        doc.fragments = [f.replace(old, new) for f in doc.fragments]


def copy_file(index: int, rng: random.Random, composer: Composer, parent: SampleFile, kind: str) -> SampleFile:
    """File number ``index``: ``parent``'s document republished by another site with an edit of ``kind``.

    The truth names the parent and the edits; the copy's ``documents`` truth is left empty (its formulations
    are not tracked through a cut or an added paragraph), so accuracy scores count originals only.
    """
    edits = sorted(rng.sample(MIXABLE, rng.randint(2, 3))) if kind == "mixed" else [kind]
    doc = copy.deepcopy(parent.docs[0])
    for edit in edits:
        _edit(doc, edit, rng, composer)
    # every site heads the page with its own date and name (normalize removes the line)
    lines = [doc.title, f"发布时间:20{rng.randint(18, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
                        f"来源: {rng.choice(SITES)} 点击:"]
    if "boilerplate" in edits:  # another site's furniture: an ad on the title line, ad lines and a footer
        lines = AD_LINES + ["", f"{lines[0]}【更多免费素材，微信：wk{rng.randint(10, 99)}】", lines[1]]
    lines += [f for f in doc.fragments if f]
    if "boilerplate" in edits:
        lines += FOOTER_LINES
    text = "\n".join(lines) + "\n"
    encoding = rng.choice([e for e in COPY_ENCODINGS if e != parent.truth["encoding"]])
    if kind == "traditional":
        text = "".join(to_traditional(line) for line in text.splitlines(keepends=True))
        encoding = rng.choice(("big5", "utf-8"))
    truth = {"encoding": encoding, "kind": "copy", "copy_of": parent.path, "edits": edits, "documents": []}
    return SampleFile(path=f"{index:04d}_copy.txt", data=text.encode(encoding), truth=truth, docs=[doc])


SPECIAL_FILES = {
    # name: (bytes, expected reject reason or None when it must decode)
    "empty.txt": (b"", "empty"),
    "scan.bin": (bytes(range(256)) * 8, "binary"),
}


def mixed_file(composer: Composer) -> bytes:
    """A UTF-8 body with a GBK footer, as sites that concatenate templates produce."""
    doc = composer.document(600, "dun")
    body = "\n".join([doc.title, *filter(None, doc.fragments)]) + "\n"
    return body.encode("utf-8") + "本文由编辑整理，转载请注明出处\n".encode("gbk")


def generate(n_files: int, seed: int = 20240601, size_chars: int = 3000,
             near_duplicates: float = 0.0) -> list[SampleFile]:
    """Compose ``n_files`` files plus the special files (empty, binary, mixed encodings).

    With ``near_duplicates``, that share of the files (on average) republishes an earlier one-document file,
    or an earlier copy (a copy of a copy), with a site's edits (``copy_file``).
    """
    rng = random.Random(seed)
    composer = Composer(seed)
    copier = random.Random(seed + 1)  # its own stream: without near-duplicates the corpus is unchanged
    files, sources = [], []
    for i in range(n_files):
        if near_duplicates and sources and copier.random() < near_duplicates:
            kind = copier.choice(EDIT_KINDS)
            # a changed year needs a year to change
            dated = [f for f in sources if f.docs[0].body_dates] if kind == "years" else []
            files.append(copy_file(i, copier, composer, copier.choice(dated or sources), kind))
        else:
            files.append(compose_file(i, rng, composer, size_chars))
        if len(files[-1].docs) == 1 and files[-1].docs[0].title:
            sources.append(files[-1])
    for name, (data, reason) in SPECIAL_FILES.items():
        files.append(SampleFile(path=f"special/{name}", data=data, truth={"reject": reason}))
    files.append(SampleFile(path="special/mixed 编码.txt", data=mixed_file(composer),
                            truth={"encoding": "mixed", "kind": "mixed", "documents": []}))
    return files


def write_corpus(out_dir: str | Path, n_files: int = 36, seed: int = 20240601, size_chars: int = 3000,
                 target_bytes: int | None = None, near_duplicates: float = 0.0) -> dict:
    """Write a corpus to ``out_dir/corpus`` and its truth to ``out_dir/truth.json``; return the truth.

    With ``target_bytes`` the number of files grows until the corpus reaches that size. With
    ``near_duplicates`` (a share of the files, see ``generate``), the truth lists the copies under
    ``near_duplicates``: each copy's path, the path it was copied from and the edits made.
    """
    out = Path(out_dir)
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    if target_bytes:
        n_files = max(n_files, target_bytes // (size_chars * 3))
    files = generate(n_files, seed, size_chars, near_duplicates)
    truth = {"seed": seed, "files": {}}
    for f in files:
        path = corpus / f.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.data)
        truth["files"][f.path] = f.truth
    if near_duplicates:
        truth["near_duplicates"] = [{"copy": f.path, "original": f.truth["copy_of"], "edits": f.truth["edits"]}
                                    for f in files if "copy_of" in f.truth]
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                    encoding="utf-8")
    return truth


def clean_traditional_documents(seed: int, count: int, size_chars: int = 3000) -> list[str]:
    """Undamaged Traditional documents (title and body), for measuring repair on text no corpus holds."""
    composer = Composer(seed)
    texts = []
    for i in range(count):
        doc = composer.document(size_chars, ("dun", "ordinal", "run-in")[i % 3])
        text = "\n".join([doc.title, *filter(None, doc.fragments)]) + "\n"
        texts.append("".join(to_traditional(line) for line in text.splitlines(keepends=True)))
    return texts
