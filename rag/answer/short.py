"""Short answers: the figure, name, date or words of the evidence sentence that answer the question,
and the question turned into its answer (莱西市…牵头多少个… → 莱西市…牵头241个…)."""

from __future__ import annotations

import re

from ..understand import Query, pos_cut
from ..understand.lexicon import SIZE_ASK, SIZE_WORDS
from .scoring import Candidate, figure_alignment
from .weights import WEIGHTS as W


def asked_count(q: Query) -> int:
    """How many figures the question asks for (进口额是多少，同比增长多少 → 2)."""
    return max(1, len(re.findall(rf"多少|几|{SIZE_ASK}|第几", q.text)))


def short_answer(q: Query, cand: Candidate) -> str | None:
    """The words of the candidate's sentence that answer the question, or None when none stand out."""
    text = cand.evidence.text
    if cand.figures:
        n = asked_count(q)
        if re.search(r"分别", q.text) or n > 1:
            chosen = [f for f in cand.figures if figure_alignment(q, f, cand.evidence) > W.short_alignment] or cand.figures
            chosen = sorted(chosen[: max(n, 2) if "分别" in q.text else n], key=lambda f: f.start)
            return "，".join(_raw(cand, f.start, f.end) for f in chosen)
        f = cand.figures[0]
        return _raw(cand, f.start, f.end)
    if q.qtype == "fact" and cand.evidence.figures:
        f = max(cand.evidence.figures, key=lambda f: figure_alignment(q, f, cand.evidence))
        return _raw(cand, f.start, f.end)
    found = _typed_span(q, text)
    if found is None:
        return None
    start, end = found
    return _raw(cand, start, end)


def _raw(cand: Candidate, start: int, end: int) -> str:
    """The answer words as the source writes them (traditional stays traditional)."""
    return cand.evidence.written[start:end]


def _typed_span(q: Query, text: str) -> tuple[int, int] | None:
    """Offsets in the sentence of the answer to a non-figure question."""
    if q.qtype == "rank":
        m = re.search(r"第[一二三四五六七八九十\d]+(?:位|名)?|首位", text)
        return m.span() if m else None
    if q.qtype == "person":
        return person(q, text) or span(q.text, text)
    if q.qtype == "date":
        dates = list(_DATE.finditer(text))
        if not dates:
            return None
        pairs = _pairs(_ASKED.sub("", q.text))
        return max(dates, key=lambda m: _shared(pairs, *_around(text, m.start(), m.end()))).span()
    if q.qtype == "place":
        m = re.search(r"(?:位于|设在|地处|落户)([^，。；、]{2,30})", text)
        if m:
            return m.span(1)
    if q.qtype == "list":
        runs = list(re.finditer(r"[^，。；：:]*?[\u4e00-\u9fff“”]+(?:、[^、，。；]+)+", text))
        if runs:
            m = max(runs, key=lambda r: len(r.group()))
            lead = re.match(r"\s*(?:即|包括|有|是)?", m.group())
            return m.start() + (lead.end() if lead else 0), m.end()
        return None
    if q.qtype == "entity":
        m = re.search(r"《[^》]+》", text)
        if m:
            return m.span()
    return span(q.text, text)


_DATE = re.compile(r"(?:\d{3,4}|[〇零一二三四五六七八九]{4})年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日")


def _around(text: str, start: int, end: int) -> tuple[str, str]:
    """The words after a date, up to the clause's end or the next date, and those before it from the
    clause's start: what follows a date is what happened then (2027年发射A，2028年发射B)."""
    left = re.split(r"[，；。！？：,;!?]", text[:start])[-1][-12:]
    right = re.split(r"[，；。！？：,;!?]|\d{3,4}年", text[end:])[0][:16]
    return right, left


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _shared(pairs: set[str], right: str, left: str) -> tuple[int, int]:
    """How many of the question's character pairs follow the date, then how many precede it."""
    return sum(p in right for p in pairs), sum(p in left for p in pairs)


_ASKED = re.compile(r"什么样的?|什么|怎么样?|怎样|如何|为什么|为何|哪[些个里儿位年]?|谁|多少|几|吗|呢|[？?]")


def span(question: str, sentence: str) -> tuple[int, int] | None:
    """The words of the sentence that answer: the clause sharing most with the question, less the
    words it repeats from the question (乍都节公园位于什么地方 → 泰国的首都曼谷的乍都节县)."""
    asked = _ASKED.sub("", question)
    pairs = _pairs(asked)
    clauses = [m for m in re.finditer(r"[^，；。！？：,;!?]+", sentence) if m.group().strip()]
    if not clauses or not pairs:
        return None
    best = max(clauses, key=lambda m: sum(m.group()[i : i + 2] in pairs for i in range(len(m.group()) - 1)))
    start, end = best.span()
    for _ in range(3):  # peel question words off both ends
        piece = sentence[start:end]
        head = next((k for k in range(len(piece), 1, -1) if piece[:k] in asked), 0)
        tail = next((k for k in range(len(piece), 1, -1) if piece[-k:] in asked), 0)
        if not head and not tail:
            break
        start, end = start + head, end - tail
        lead = re.match(r"[（）()\s]*(?:是|为|有|在|于|由|的|被|将|了)?\s*", sentence[start:end])
        start += lead.end() if lead else 0
    while start < end and sentence[end - 1].isspace():
        end -= 1
    return (start, end) if end - start >= 2 else best.span()


_ROLE_NAME = re.compile(
    r"(?:局长|关长|书记|主任|经理|总监|主席|市长|区长|部长|董事长|总经理|院长|校长|负责人|会长|秘书长)"
    r"([\u4e00-\u9fff]{2,3}?)(?:表示|介绍|说|指出|认为|强调|透露|称|坦言|告诉)"
)


def person(q: Query, text: str) -> tuple[int, int] | None:
    """The name next to the role the question asks about: 青岛海关关长沈扬 → 沈扬."""
    m = _ROLE_NAME.search(text)
    if m:
        return m.span(1)
    roles = [t for t in q.terms if t.endswith(("长", "书记", "主任", "经理", "作者", "记者", "主席", "总监"))]
    names = []
    at = 0
    for w, flag in pos_cut(text):
        if flag == "nr" and len(w) >= 2:
            names.append((at, at + len(w)))
        at += len(w)
    if not names:
        return None
    if roles:
        pos = max((text.find(r) for r in roles if r in text), default=-1)
        if pos >= 0:
            after = [n for n in names if n[0] >= pos]
            if after:
                return after[0]
    return names[0]


_ASK_WORD = re.compile(
    r"(?:多少|几)(?P<counter>[个家项位名艘列条座场批件套次户台辆架所种人]?)|" + SIZE_ASK + r"|第几|谁|哪里|什么时候|何时"
)


def spoken(cand: Candidate, short: str | None) -> str | None:
    """The short answer with a unit the source left to the list's last figure (高于全国4.4个、全省2.9个
    百分点: 4.4个 is 4.4个百分点), for the sentence that restates the question; quotes keep it as written."""
    if not short:
        return short
    for f in cand.figures:
        raw = _raw(cand, f.start, f.end)
        if f.kind == "pct_point" and raw.endswith("个") and raw in short:
            short = short.replace(raw, raw + "百分点")
    return short


def lead(q: Query, short: str | None) -> str:
    """The question turned into its answer by putting each figure where its question word was:
    莱西市33位市领导牵头多少个顶格协调事项？ → 莱西市33位市领导牵头241个顶格协调事项。"""
    if not short or re.search(r"[a-zA-Z]{3,}", q.text) or q.qtype in ("list", "entity", "summary", "yesno", "fact"):
        return ""
    asks = list(_ASK_WORD.finditer(q.text))
    shorts = short.split("，")
    if len(asks) == 1 and len(shorts) > 1 and "分别" in q.text:
        shorts = ["、".join(shorts)]
    if not asks or len(asks) != len(shorts):
        return ""
    body, end = "", 0
    for m, value in zip(asks, shorts, strict=True):
        counter = m.group("counter") or ""
        if counter and not value.endswith(counter) and not re.search(r"[\u4e00-\u9fff]$", value):
            return ""
        if counter and re.search(r"\d[万亿千百]$", value):
            value += counter  # 多少个岗位 → 6.7万个岗位, not 6.7万岗位
        before = q.text[end : m.start()]
        filler = "为" if m.group() in SIZE_WORDS and not before.endswith(("是", "为", "有")) else ""
        rest = q.text[m.end() :]
        core = re.sub(r"(?:以上|以下|以内|左右|上下|有余)$", "", value)  # 15.6摄氏度左右 + 摄氏度？
        overlap = next((k for k in range(min(len(rest), len(core)), 0, -1) if core.endswith(rest[:k])), 0)
        qualifier = re.match(r"突破|首破|超过|超|逾|达到|达|近|接近|不到|约", value)
        if qualifier:
            before = re.sub(r"(?:是|为)$", "", before)  # 吞吐量首破3000万标准箱, not 是首破
            # 超过了多少 + 超过400吉瓦时 → 超过400吉瓦时, not 超过了超过
            before = re.sub(re.escape(qualifier.group()) + "了?$", "", before)
            if value.startswith("约"):
                before = re.sub(r"大?约$", "", before)  # 金额约为 + 约12.6亿元 → 金额约12.6亿元
        if value.endswith("%") and re.match(r"[\u4e00-\u9fff]", rest) and not rest.startswith("的"):
            body += before + value + "的"  # 有多少车主… → 有6%的车主…
        else:
            body += before.rstrip("有") + filler + value  # 多少米 → 366米, not 366米米
        end = m.end() + overlap
    body += q.text[end:]
    return re.sub(r"[？?！!。\s]+$", "", body) + "。"
