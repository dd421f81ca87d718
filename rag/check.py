"""Claim verification: every figure of a claim is aligned with corpus figures, then compared.

A claim figure is compared only with an evidence figure about the same thing. The evidence sentence
must agree on year, month span and place, and the figure itself must have
- the same measure (level, growth, share, rank) and a comparable unit (a currency mismatch counts as
  comparable, and refutes);
- the same period (year, month span, five-year plan) and status: an actual figure is never judged by
  a forecast or a target, nor the other way round;
- the same indicator and subject. Mutually exclusive words read from the nearest clause before each
  figure must not clash (出口/进口/进出口, 货物/集装箱, 外资/内资, a total vs a growth rate, the scope
  of a rank, the trade partner after 对, the place the figure is about); then the claim figure's
  content words must be found around the evidence figure, while words the evidence figure has for
  itself and the claim lacks (民营企业, 自贸片区, 服务进出口) count against it. Lists read
  respectively (对韩国和日本分别进出口755.2亿元和644.4亿元; 货物…7亿吨，集装箱…3000万标准箱，稳居全球第四位、
  第五位) give each figure its own subject.

Only then :func:`rag.figures.compare` judges the pair as intervals (翻番 and 增长一倍 as +100%, 一半 and
过半 as shares). Among the best-aligned evidence one that supports wins; otherwise the best one refutes
if it is aligned closely enough; otherwise the figure is not found. The claim is supported when every
figure is, refuted when any is, and otherwise there is not enough information. A refutation quotes the
source sentence verbatim and names the source's figure exactly as written, with its ``[n]``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from .analysis import (
    EVIDENCE,
    GENERIC_PLACES,
    LEADING_FILLER,
    Evidence,
    Query,
    analyse,
    places_agree,
    pos_cut,
    spans_agree,
    term_weight,
    years_agree,
)
from .answer import format_date
from .figures import EMPTY_PERIOD, Figure, Period, compare, extract_figures, extract_periods, resolve_year
from .retrieve import Retriever
from .store import Index
from .textzh import is_blank, normalize, split_sentences, tokenize
from .types import Citation

__all__ = ["CheckResult", "Checker", "Compared", "FigureCheck", "render_results"]

VERDICTS = ("supported", "refuted", "not_enough_info")
VERDICT_ZH = {"supported": "符合", "refuted": "不符", "not_enough_info": "未找到"}
OUTCOME_ZH = {"supported": "符合", "refuted": "不符", "not_found": "未找到"}

TOP_K = 10  # retrieved chunks per claim
MIN_SCORE = 0.45  # alignment an evidence figure needs to count at all
MIN_REFUTE = 0.6  # a refutation needs a closer alignment than a support: a loose match contradicts nothing
TIER = 0.12  # evidence within this much of the best alignment counts as equally good
YEARLESS_TIER = 0.3  # for a claim that names no period, another year's figure within this much
SENTENCE_WEIGHT = 0.15  # weight of the whole claim's words found in the evidence sentence
COLOCATED = 0.3  # bonus for a sentence that also supports another figure of the claim
NO_FIGURE = "该句没有可核查的数字。"
NOT_FOUND = "资料中没有找到可以核实该说法的信息。"

# ---------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Compared:
    """The evidence figure a claim figure was judged against."""

    raw: str  # as the source wrote it (growth with its verb: 增长28.8%)
    source: str
    quote: str
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"raw": self.raw, "source": self.source, "quote": self.quote, "n": self.n}


@dataclass(frozen=True)
class FigureCheck:
    """One claim figure: what was parsed, what it was compared with, and the outcome."""

    raw: str
    value: float
    unit: str
    kind: str
    measure: str
    period: str
    compared_with: Compared | None
    outcome: str  # supported | refuted | not_found

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "value": self.value,
            "unit": self.unit,
            "kind": self.kind,
            "measure": self.measure,
            "period": self.period,
            "compared_with": self.compared_with.to_dict() if self.compared_with else None,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one claim (or one sentence of a draft, with its offsets in the draft)."""

    claim: str
    verdict: str
    explanation: str
    figures: tuple[FigureCheck, ...] = ()
    evidence: tuple[Citation, ...] = ()
    start: int = 0
    end: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "verdict": self.verdict,
            "explanation": self.explanation,
            "figures": [f.to_dict() for f in self.figures],
            "evidence": [c.to_dict() for c in self.evidence],
            "start": self.start,
            "end": self.end,
            "timings_ms": dict(self.timings_ms),
        }


# ---------------------------------------------------------------------------------------------------
# Words: what a figure is about, and how much of one text another covers

_CLAUSE_SPLIT = re.compile(r"[，,；;：:。！？!?\n]")
# Words about reporting or the measure, not the subject: left out of alignment.
_FILLER = frozenset(
    """同比 环比 增长 下降 增加 减少 提高 上升 增速 增幅 达到 达 完成 实现 约 超过 突破 首次 首破 全年 期间 累计 共 其中
    分别 居 位居 位列 排名 排在 保持 稳居 跃居 列 为 是 有 已 总计 合计 共计 超 比 较 上年 去年 今年 同期 以上 以下 左右 年均
    连续 创 历史 新高 数据 显示 统计 目前 截至 前后 当年 全市 全省 全国 本市 我市 近日 日前 同时 此外 另外 其他 各类 相关
    亿元 万元 美元 人民币 元 个 家 项 总值 总额 总量 规模 同比增长 同比下降 累计完成 实际 居于 排名第 第一 首位 之后 之前 均 值 额 量""".split()
)
_CONTENT_POS = ("n", "nr", "ns", "nt", "nz", "x", "j", "vn", "l", "v", "an", "eng")
_ENTITY_POS = frozenset(["nr", "ns", "nt", "nz", "x", "j", "eng"])
_NOUN_POS = ("n", "ns", "nt", "nz", "nr", "x", "j", "eng", "vn")
_REPORTING = re.compile(r"(?:介绍|表示|说|指出|透露|称|显示|认为|强调|获悉|了解到|报道)$")


def _content(w: str) -> bool:
    """A word that can name a subject: Chinese (or a Latin name), two characters or more, no filler,
    number or period."""
    if len(w) < 2 or not re.search(r"[\u4e00-\u9fff]|^[A-Za-z]{2,}$", w) or re.search(r"\d", w):
        return False
    if w in _FILLER or w in GENERIC_PLACES:
        return False
    return not re.fullmatch(r"十[一二三四五六]五|[上下]半年|春节|年底|年末|年初", w)


@lru_cache(maxsize=8192)
def _parts(word: str) -> tuple[str, ...]:
    """Search-mode parts of a word (集装箱吞吐量 → 集装箱, 吞吐量, …)."""
    return tuple(t for t in tokenize(word) if len(t) >= 2)


def _maximal(words: list[str]) -> list[str]:
    """Words that are not part of a longer one in the list."""
    return [w for w in words if not any(w != u and w in u for u in words)]


def _tagged(text: str) -> list[tuple[str, str]]:
    """Content words with their part of speech, each once; a compound with a filler inside is kept as
    its content parts (进出口总值 → 进出口, 全球排名 → nothing)."""
    words: dict[str, str] = {}
    for w, flag in pos_cut(text):
        if not _content(w) or not flag.startswith(_CONTENT_POS):
            continue
        parts = _parts(w)
        if any(p in _FILLER for p in parts):
            for p in _maximal([p for p in parts if _content(p) and p != w]):
                words.setdefault(p, flag)
        else:
            words.setdefault(w, flag)
    return list(words.items())


def _words(text: str) -> list[str]:
    """Content words of a stretch of text."""
    return [w for w, _ in _tagged(text)]


def _has(term: str, text: str) -> bool:
    """`term` occurs in `text`; 出口 and 进口 only outside 进出口 (an export is not the trade total),
    while other longer words still contain it (外贸进出口 holds 进出口)."""
    if term not in text:
        return False
    if "进出口" not in term and ("出口" in term or "进口" in term):
        return term in text.replace("进出口", "\x00")
    return True


def _covered(word: str, text: str) -> list[bool]:
    """Which characters of `word` its parts found in `text` (two characters or more) cover."""
    n = len(word)
    covered = [False] * n
    for i in range(n):
        for j in range(n, i + 1, -1):
            if j - i < n and not all(covered[i:j]) and word[i:j] not in _FILLER and _has(word[i:j], text):
                covered[i:j] = [True] * (j - i)
                break
    return covered


def _credit(word: str, text: str) -> float:
    """1 for a word in the text; else the share of its characters covered by parts of it that are
    (集装箱吞吐量 against 集装箱…货物吞吐量 → 1; against 集装箱 alone → 0.5)."""
    if not text:
        return 0.0
    if _has(word, text):
        return 1.0
    covered = _covered(word, text)
    return sum(covered) / len(word)


def _gap(word: str, text: str) -> int:
    """The longest run of the word's characters nothing in the text covers: 国有企业 against 民营企业
    leaves 国有 (2), 进出口值 against 进出口总值 leaves 值 (1)."""
    if _has(word, text):
        return 0
    best = run = 0
    for c in _covered(word, text):
        run = 0 if c else run + 1
        best = max(best, run)
    return best


def _is_place(word: str, places: Sequence[str]) -> bool:
    """A claim's place is checked by alignment, not scored as a subject word (青岛 vs 全市)."""
    return any(word in p or p in word for p in places)


def _head_noun(clause: str) -> str:
    """The head of the noun phrase a clause opens with (Chinese compounds are head-final):
    青岛自贸片区围绕… → 自贸片区; 山东港口青岛港作为… → 青岛港; "" for no noun, or a speaker."""
    if _REPORTING.search(clause):
        return ""  # 经理史田涛介绍，…: who said it, not what it is about
    last, last_flag = "", ""
    for w, flag in pos_cut(LEADING_FILLER.sub("", clause.strip())):
        if not flag.startswith(_NOUN_POS) or w in _FILLER:
            break
        last, last_flag = w, flag
    return last if last and last_flag != "nr" and _content(last) else ""


# ---------------------------------------------------------------------------------------------------
# Indicators: mutually exclusive words. A figure's value for a group is the members named in the
# nearest clause before it that names any; a claim and an evidence figure must share one.

_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    # 进出口 first: 出口 and 进口 inside it are not separate mentions
    "flow": (("进出口", "trade"), ("出口", "export"), ("进口", "import")),
    "cargo": (("货物", "cargo"), ("货运", "cargo"), ("集装箱", "container"), ("标准箱", "container"), ("旅客", "passenger")),
    "capital": (("外资", "foreign"), ("外商", "foreign"), ("内资", "domestic")),
    "basis": (("增速", "rate"), ("增幅", "rate"), ("增长率", "rate"), ("总值", "total"), ("总额", "total"), ("规模", "total"), ("总量", "total")),
}
# The scope of a rank or a share: 全球第六 is not 全省第一; 占全市 is not 占全省.
_SCOPES = (
    ("全球", "world"), ("世界", "world"), ("全国", "nation"), ("国内", "nation"), ("我国", "nation"),
    ("副省级城市", "subprov"), ("全省", "province"), ("山东省", "province"), ("全市", "city"),
)
_PARTNER = re.compile(r"对([^，,；;。对]{1,16}?)(?:分别)?(?:进出口|出口|进口|贸易|投资)")


def _mentions(text: str) -> dict[str, frozenset[str]]:
    """Group values named in a stretch of text (出口 inside 进出口 is not an export)."""
    out: dict[str, frozenset[str]] = {}
    for group, members in _GROUPS.items():
        masked = text
        found: set[str] = set()
        for word, value in members:
            if word in masked:
                found.add(value)
                masked = masked.replace(word, "\x00" * len(word))
        if found:
            out[group] = frozenset(found)
    return out


def _indicators(near: str, before: str) -> dict[str, frozenset[str]]:
    """Per group, the members of the nearest clause that names any: the figure's own context first,
    then the clauses before it in the sentence (集装箱超越釜山港，跃居全球第六 → container)."""
    out = _mentions(near)
    for clause in reversed([c for c in _CLAUSE_SPLIT.split(before) if c]):
        for group, values in _mentions(clause).items():
            out.setdefault(group, values)
    return out


def _partner(near: str) -> str:
    """The trade partner a figure is about (对东盟进出口 → 东盟); "" for the city's own total."""
    found = _PARTNER.findall(near)
    return re.sub(r"[和与及、]$", "", found[-1]) if found else ""


def _partners_agree(claim: str, evidence: str) -> bool:
    """Trade with 东盟 is not the total, nor trade with 日本."""
    if not claim or not evidence:
        return claim == evidence
    return max(_credit(w, evidence) for w in _words(claim) or [claim]) >= 0.5


def _scope(near: str) -> str | None:
    """The scope a rank or share is within, from its own clause (跃居全球 → world)."""
    best, pos = None, -1
    for word, value in _SCOPES:
        i = near.rfind(word)
        if i > pos:
            best, pos = value, i
    return best


# ---------------------------------------------------------------------------------------------------
# Places: which place a figure is about

_NOT_SUBJECT_BEFORE = ("和", "、", "及", "至", "到", "越", "赴", "往", "达", "市", "省")
_BASE_WINDOW = re.compile(r"[对占较比与同向在居]")


@lru_cache(maxsize=20_000)
def _place_marks(text: str) -> tuple[tuple[str, int], ...]:
    """Places in a text that can be a figure's subject, with offsets: not partners, bases, list tails or
    destinations (对东盟, 占山东省, 居深圳、宁波…之后, 在新加坡), nor the city's own offices (市税务局)."""
    marks = []
    pos = 0
    for w, flag in pos_cut(text):
        i = text.find(w, pos)
        if i < 0:
            continue
        pos = i + len(w)
        if flag not in ("ns", "nt") or len(w) < 2 or w in GENERIC_PLACES:
            continue
        if text[max(0, i - 2) : i].endswith(_NOT_SUBJECT_BEFORE) or _BASE_WINDOW.search(text[max(0, i - 4) : i]):
            continue
        marks.append((w, i))
    return tuple(marks)


def _subject_place(text: str, end: int) -> str:
    """The place a figure at `end` is about: a place in its own clause, else the place that heads the
    sentence's subject (山东港口青岛港作为… → 青岛港), else ""."""
    clause_start = max((m.end() for m in _CLAUSE_SPLIT.finditer(text, 0, end)), default=0)
    marks = [w for w, i in _place_marks(text) if clause_start <= i < end]
    if marks:
        return marks[-1]
    for clause in _CLAUSE_SPLIT.split(text[:clause_start]):
        if _REPORTING.search(clause):
            continue  # 青岛市商务局数据显示: who reports, not what
        place = ""
        for w, flag in pos_cut(LEADING_FILLER.sub("", clause.strip())):
            if flag not in ("n", "ns", "nt", "nz", "x", "j"):
                break
            if flag == "ns" and len(w) >= 2 and w not in GENERIC_PLACES:
                place = w
        if place:
            return place
    return ""


def _same_place(a: str, b: str) -> bool:
    """青岛 is 青岛市 and the city of 青岛港; 山东省 is not 青岛市."""
    a, b = a.rstrip("市省"), b.rstrip("市省")
    return a in b or b in a


def _aligned(q: Query, ev: Evidence, index: Index) -> bool:
    """The sentence speaks of the claim's years, month span and places."""
    return years_agree(q, ev) and spans_agree(q, ev) and places_agree(q, ev, index, answer_types_exempt=False)


# ---------------------------------------------------------------------------------------------------
# Status: actual, forecast or target

_TARGET_RE = re.compile(r"力争|争取|计划|目标|确保|力求|规划|拟|努力")
_FORECAST_RE = re.compile(r"预计|预期|有望|预测|估计|可望|可达|将(?!近)")
_CUE_RE = re.compile(_TARGET_RE.pattern + "|" + _FORECAST_RE.pattern)
_LEAD_CUE = re.compile(r"^[“\"]?(?:(?:19|20)\d{2}年[，,]?)?(?:预计|预期|有望|力争|计划|目标|争取|确保)")


def _status(sentence: str, fig: Figure) -> str:
    """actual, forecast or target from a cue in the figure's own clause (预计2020年完成利用外资59亿美元
    does not make the next clause's 实际使用外资323亿美元 a forecast); a sentence that opens with a cue
    (预计2020年青岛进出口6200亿元，…，年均增长8%左右) is a forecast throughout."""
    start = max((m.end() for m in _CLAUSE_SPLIT.finditer(sentence, 0, fig.start)), default=0)
    end_m = _CLAUSE_SPLIT.search(sentence, fig.end)
    end = end_m.start() if end_m else len(sentence)
    before = sentence[start : fig.start]
    best, pos = "actual", -1
    for regex, status in ((_TARGET_RE, "target"), (_FORECAST_RE, "forecast")):
        for m in regex.finditer(before):
            if m.start() > pos:
                best, pos = status, m.start()
    if pos >= 0:
        return best
    after = sentence[fig.end : end]
    if _TARGET_RE.search(after):
        return "target"
    if _FORECAST_RE.search(after):
        return "forecast"
    lead = _LEAD_CUE.match(sentence.lstrip())
    if lead:
        return "forecast" if _FORECAST_RE.search(lead.group()) else "target"
    return "actual"


def _evidence_status(ev: Evidence, fig: Figure) -> str:
    """The status of an evidence figure; a figure with no cue in its clause, in a sentence or paragraph
    that has one (推动落实…行动计划，培育10个…; 今年将围绕…。持续抓好11个主题园区建设), is "unknown"."""
    status = _status(ev.text, fig)
    if status == "actual" and (_CUE_RE.search(ev.text) or _CUE_RE.search(_paragraph(ev))):
        return "unknown"
    return status


def _status_agrees(claim: str, evidence: str) -> bool:
    """An actual figure is never judged by a forecast or a target, nor the other way round."""
    return evidence == "unknown" or (claim == "actual") == (evidence == "actual")


# ---------------------------------------------------------------------------------------------------
# Periods

_BASE_BEFORE = re.compile(r"(?:自|从|较|比|与|相比|对比)[“\"]?$")
_BASE_AFTER = re.compile(r"^(?:起|以来|开始)")


def _period_span(p: Period) -> tuple[int, int] | None:
    """Months of a period as (first, last); None for a whole year or an event's day (12月22日)."""
    if p.start_month is None or p.end_month is None or (p.start_month, p.end_month) == (1, 12):
        return None
    if re.search(r"\d日|[一二三四五六七八九十]日", p.label):
        return None
    return (p.start_month, p.end_month)


def _paragraph(ev: Evidence) -> str:
    """The paragraph before an evidence sentence (its context without the title line)."""
    return ev.context.split("\n", 1)[-1]


@lru_cache(maxsize=8192)
def _topical(paragraph: str, article_date: str) -> tuple[frozenset[int], frozenset[tuple[int, int]]]:
    """Years and month spans a paragraph is about, for the sentences after it that name none:
    periods that open a sentence or are a clause of their own (今年1至11月，…), else any year;
    starting points and bases (自2020年起, 较2017年) never count."""
    years: set[int] = set()
    leading: set[int] = set()
    spans: set[tuple[int, int]] = set()
    for period, s, e in extract_periods(paragraph):
        if _BASE_BEFORE.search(paragraph[max(0, s - 3) : s]) or _BASE_AFTER.match(paragraph[e : e + 2]):
            continue
        year = resolve_year(period, article_date).year
        opens = s == 0 or paragraph[s - 1] in "。！？；\n" or paragraph[e : e + 1] in "，,"
        if opens and (span := _period_span(period)) is not None:
            spans.add(span)
        if year is None:
            continue
        years.add(year)
        if opens:
            leading.add(year)
    return frozenset(leading or years), frozenset(spans)


_WIDE_CACHE: dict[tuple[str, int], str] = {}


def _wide_context(ev: Evidence, index: Index) -> str:
    """The paragraph before the evidence sentence's own (本场招聘会… follows 首场退役军人招聘会举行)."""
    key = (ev.chunk.article_id, ev.page_start)
    hit = _WIDE_CACHE.get(key)
    if hit is not None:
        return hit
    article = index.articles.get(ev.chunk.article_id)
    wide = ""
    if article is not None:
        local = ev.page_start - article.start
        para = article.text.rfind("\n", 0, max(local, 0))
        prev = article.text.rfind("\n", 0, para) if para > 0 else -1
        while para > 0 and prev >= 0 and not article.text[prev + 1 : para].strip():
            para = prev
            prev = article.text.rfind("\n", 0, para)
        wide = article.text[prev + 1 : para] if para > 0 else ""
    if len(_WIDE_CACHE) > 50_000:
        _WIDE_CACHE.clear()
    _WIDE_CACHE[key] = wide
    return wide


# ---------------------------------------------------------------------------------------------------
# Figures: subjects read respectively, words as figures, comparison

_LIST_SPLIT = re.compile(r"[、和与及]")
_RESPECTIVELY = re.compile(r"分别|分居|分列|依次")


def _after_noun(sentence: str, fig: Figure) -> str:
    """What a count counts (87个外资项目, 15个副省级城市): the words right after it."""
    if fig.kind not in ("count", "quantity") or not fig.counter:
        return ""
    return re.split(r"[，。；、,;：:的]", sentence[fig.end : fig.end + 8])[0]


def _list_items(text: str) -> list[str]:
    """X、Y和Z before 分别 → [X, Y, Z], the outer ones trimmed to the word at the seam (对韩国 → 韩国)."""
    parts = _LIST_SPLIT.split(text)
    if len(parts) < 2 or any(not p.strip() for p in parts):
        return []
    first = [w for w, _ in pos_cut(parts[0]) if w.strip()]
    last = [w for w, _ in pos_cut(parts[-1]) if w.strip()]
    if not first or not last:
        return []
    return [first[-1], *parts[1:-1], last[0]]


def _chains(sentence: str, figs: Sequence[Figure]) -> list[list[int]]:
    """Runs of figures joined by 、/和/与/及 (755.2亿元和644.4亿元)."""
    chains: list[list[int]] = []
    for i, f in enumerate(figs):
        if i and chains and sentence[figs[i - 1].end : f.start] in ("、", "和", "与", "及", "以及"):
            chains[-1].append(i)
        else:
            chains.append([i])
    return chains


@lru_cache(maxsize=20_000)
def _contexts(sentence: str, figs: tuple[Figure, ...]) -> tuple[tuple[str, str], ...]:
    """Each figure's subject context (near) and the words written for it alone (own).

    A figure with no subject words of its own takes the clause before it (集装箱超越釜山港，跃居全球第六)
    or the figure before it (出口5361.1亿元，同比增长9%); a share takes what the clause before it is
    about (“新三样”产品出口增长49.3%，占全省出口的42%). Lists read respectively: a run of k figures whose
    context names k items before 分别/分居 gets one item each (对韩国和日本分别进出口755.2亿元和644.4亿元 →
    韩国 / 日本); a run of k figures with no subject right after k figures of another measure takes
    theirs in order (货物…7亿吨，集装箱…3000万标准箱，稳居全球第四位、第五位).
    """
    out = [f.context + _after_noun(sentence, f) for f in figs]
    own = [f.context for f in figs]
    for i in range(1, len(figs)):
        if _words(figs[i].context):
            continue
        gap = sentence[figs[i - 1].end : figs[i].start]
        if _words(gap):
            out[i] = gap.lstrip("，,、；;") + _after_noun(sentence, figs[i])
        elif not re.search(r"[。！？!?；;\n]", gap):
            out[i] = out[i - 1] + gap
    for i, f in enumerate(figs):
        if i and f.measure == "share" and re.match(r"[约均]?占", f.context):
            prev = figs[i - 1]
            subject = sentence[max(0, prev.start - len(prev.context)) : prev.start]
            out[i] = subject + "，" + out[i]
            own[i] = subject + "，" + own[i]
    chains = _chains(sentence, figs)
    for c, chain in enumerate(chains):
        k = len(chain)
        if k < 2:
            continue
        head = figs[chain[0]]
        ctx = head.context
        markers = [m.start() for m in _RESPECTIVELY.finditer(ctx)]
        if markers:
            items = _list_items(ctx[: markers[-1]].split("，")[-1])
            if len(items) == k:
                for j, i in enumerate(chain):
                    mine = ctx
                    for m, item in enumerate(items):
                        if m != j and item:
                            mine = mine.replace(item, "")
                    out[i] = mine + _after_noun(sentence, figs[i])
                    own[i] = mine
                continue
        if _mentions(ctx) or c == 0:
            continue
        prev_run = [i for ch in chains[:c] for i in ch][-k:]
        if len(prev_run) == k and all(figs[p].measure != head.measure or figs[p].kind != head.kind for p in prev_run):
            for j, i in enumerate(chain):
                out[i] = out[prev_run[j]] + "，" + ctx
    return tuple(zip(out, own, strict=True))


_CN_SMALL = {"一": "1", "两": "2", "二": "2", "三": "3", "四": "4", "五": "5"}
# Words for shares the extractor does not read, as (pattern, low, high) in percent; each is rewritten
# to 五成 of the same length (offsets stay put) and given the interval the word means.
_WORD_FIGURES: tuple[tuple[re.Pattern[str], float, float], ...] = (
    (re.compile(r"(?:超过|多于)一半|(?<![一两三四五六七八九十])(?:过半|大半)(?!年)"), 50.0, 100.0),
    (re.compile(r"(?:接近|将近)一半|近一半"), 45.0, 50.0),
    (re.compile(r"一半|半数"), 45.0, 55.0),
)
_GROWTH_TIMES = re.compile(r"(?<=增长|增加|提高|上升)(?:了)?([一两二三四五])倍")


_BARE_GROWTH = re.compile(
    r"(?:同比|环比|比上年|较上年|比去年|较去年)(?:(?P<up>增长|增加|上升|上涨|提高)|(?P<down>下降|减少|下滑|回落|降低))(?=[，。；,;！!]|$)"
)


def _bare_growth(text: str, taken: list[Figure]) -> list[Figure]:
    """A growth word with no number after a base (同比下降。) is a figure too: a change in that direction
    of any size. (正增长 alone is no figure: 连续33个月保持正增长.)"""
    out = []
    for m in _BARE_GROWTH.finditer(text):
        if any(f.start <= m.start() < f.end or m.start() <= f.start < m.end() for f in taken):
            continue
        clause_start = max((c.end() for c in _CLAUSE_SPLIT.finditer(text, 0, m.start())), default=0)
        periods = [p for p, _, e in extract_periods(text) if e <= m.start()]
        out.append(
            Figure(
                raw=m.group(), start=m.start(), end=m.end(), number="", value=0.0, low=0.0, high=math.inf,
                unit="percent", counter="", scale="", qualifier="gt", kind="percent", measure="growth",
                direction=1 if m["up"] else -1, status="actual", period=periods[-1] if periods else EMPTY_PERIOD,
                context=text[clause_start : m.start()].strip(),
            )
        )
    return out


def _claim_extract(text: str) -> list[Figure]:
    """Figures of a claim, words included: 一半 (≈50%), 过半 (over 50%), 近一半, 增长一倍 (+100%), and a
    bare 增长 or 下降 (a change in that direction)."""
    chars = list(text)
    fixes: dict[int, tuple[str, float, float]] = {}
    for regex, low, high in _WORD_FIGURES:
        for m in regex.finditer(text):
            if any(m.start() <= k < m.end() for k in fixes):
                continue
            n = m.end() - m.start()
            chars[m.start() : m.end()] = "五成".rjust(n, "约")
            fixes[m.start() + n - 2 if n > 2 else m.start()] = (m.group(), low, high)
    for m in _GROWTH_TIMES.finditer(text):
        chars[m.start(1)] = _CN_SMALL[m.group(1)]
    figs = []
    for f in extract_figures("".join(chars)):
        fix = next(((w, lo, hi) for k, (w, lo, hi) in fixes.items() if f.start <= k < f.end), None)
        if fix is None:
            figs.append(replace(f, raw=text[f.start : f.end]))
            continue
        word, low, high = fix
        value = (low + high) / 2 if high < 100 else low
        figs.append(replace(f, raw=word, value=value, low=low, high=high, qualifier="approx" if high < 100 else "gt"))
    return sorted(figs + _bare_growth(text, figs), key=lambda f: f.start)


def _as_growth_percent(fig: Figure) -> Figure:
    """翻番 (×2) and 增长1倍 are a growth of 100%: compare them with percentages on one scale."""
    if fig.kind != "multiple" or fig.measure != "growth":
        return fig
    if "番" in fig.raw or fig.raw.startswith("翻"):
        low, value, high = ((x - 1) * 100 for x in (fig.low, fig.value, fig.high))
    else:
        low, value, high = (x * 100 for x in (fig.low, fig.value, fig.high))
    return replace(fig, value=value, low=low, high=high, unit="percent", kind="percent")


def _same_dimension(c: Figure, e: Figure) -> bool:
    """Comparable units: the same kind and unit, two amounts (a currency mismatch refutes), or a count
    against a bare quantity; counters must agree when both are written (775列 vs 15个)."""
    if c.kind == e.kind == "amount":
        return True
    if c.kind == e.kind and c.unit == e.unit:
        if c.kind == "count" and c.counter and e.counter and c.counter != e.counter:
            return c.counter in "人名位人次" and e.counter in "人名位人次"
        return True
    return {c.kind, e.kind} <= {"count", "quantity"} and "" in (c.unit, e.unit)


def _same_measure(c: Figure, e: Figure) -> bool:
    """Level, growth, share and rank are different things."""
    if (c.measure == "growth") != (e.measure == "growth"):
        return False
    return c.measure == "growth" or c.measure == e.measure


def _compare(claim: Figure, evidence: Figure) -> str:
    """:func:`compare`, except that intervals which only touch refute (2天 [1.5, 2.5] vs 1天 [0.5, 1.5])."""
    outcome = compare(claim, evidence)
    if outcome == "incomparable" and claim.value != evidence.value and compare(evidence, claim) != "supports":
        if min(claim.high, evidence.high) - max(claim.low, evidence.low) <= 0:
            return "refutes"
    return outcome


_GROWTH_VERB = re.compile(
    r"(?:同比|环比)?(?:增长|下降|增加|减少|提高|上升|提升|降低|下滑|回落|上涨|扩大|缩小|收窄|增|降|减|涨)(?:了|为|达)?$"
)


def _display(sentence: str, fig: Figure) -> str:
    """A figure as written; a growth keeps its verb (同比增长28.8%)."""
    if fig.measure == "growth" and fig.kind != "rank":
        i = fig.start if sentence[fig.start : fig.end] == fig.raw else sentence.find(fig.raw)
        m = _GROWTH_VERB.search(sentence[max(0, i - 8) : i]) if i >= 0 else None
        if m:
            return m.group() + fig.raw
    return fig.raw


# ---------------------------------------------------------------------------------------------------
# The checker


@dataclass(frozen=True)
class _ClaimFigure:
    """A claim figure with what evidence must agree on."""

    fig: Figure  # growth multiples (翻番) as percentages
    written: Figure  # as extracted
    words: tuple[tuple[str, float, str, bool], ...]  # (word, weight, part of speech, in its own clause)
    indicators: dict[str, frozenset[str]]
    scope: str | None
    partner: str
    place: str  # the place the figure is about (山东省外贸进出口… → 山东省)
    years: frozenset[int]
    span: tuple[int, int] | None
    plan: str | None
    status: str

    @property
    def period_label(self) -> str:
        """The period as the claim wrote it, or the claim's one year (for the figures list)."""
        if self.written.period.label:
            return self.written.period.label
        return f"{next(iter(self.years))}年" if len(self.years) == 1 else ""


@dataclass
class _Match:
    """An evidence figure aligned with a claim figure."""

    ev: Evidence
    fig: Figure
    score: float
    outcome: str  # supports | refutes | incomparable; for a near miss, what differs: period | status
    rank: int


class Checker:
    """Checks claims and drafts against one retriever (one index generation)."""

    def __init__(self, retriever: Retriever, top_k: int = TOP_K) -> None:
        self.retriever = retriever
        self.top_k = top_k

    # ---- claims --------------------------------------------------------------------------------
    def check(self, claim: str, *, context: str = "", start: int = 0, end: int | None = None) -> CheckResult:
        """Check one claim. `context` (the draft before it) lends a year when the claim has none."""
        t0 = time.perf_counter()
        end = len(claim) if end is None else end
        if is_blank(claim):
            return CheckResult(claim, "not_enough_info", NO_FIGURE, start=start, end=end)
        text = _with_context_year(normalize(claim), context)
        q = analyse(text)
        claim_figs = self._claim_figures(text, q)
        if not claim_figs:
            return CheckResult(claim, "not_enough_info", NO_FIGURE, start=start, end=end)
        t1 = time.perf_counter()
        hits = self.retriever.search(q.text, top_k=self.top_k)
        t2 = time.perf_counter()
        index = self.retriever.index
        pool: list[tuple[Evidence, int]] = []
        seen: set[tuple[str, int]] = set()
        for rank, hit in enumerate(hits):
            for ev in EVIDENCE.get(index, hit.chunk):
                key = (hit.chunk.source, ev.page_start)
                if key in seen or not ev.figures or not _aligned(q, ev, index):
                    continue
                seen.add(key)
                pool.append((ev, rank))
        found = [self._matches(q, text, cf, pool) for cf in claim_figs]
        claim_words = [w for w in _words(text) if not _is_place(w, q.places)]
        for i, (matches, _) in enumerate(found):
            backed = {id(m.ev) for j, (ms, _) in enumerate(found) if j != i for m in ms if m.outcome == "supports"}
            for m in matches:
                # the sentence the claim was written from carries the claim's words, and its other
                # figures (占地面积约74亩，投资10亿元: both from one sentence)
                m.score += SENTENCE_WEIGHT * _coverage(claim_words, m.ev)
                if id(m.ev) in backed:
                    m.score += COLOCATED
            matches.sort(key=lambda m: (-m.score, m.rank, m.ev.start))
        judged: list[_Judged] = []
        for cf, (matches, near) in zip(claim_figs, found, strict=True):
            outcome, match = self._judge(cf, matches)
            # for a figure not found, the closest thing the corpus has: a figure too vague to decide
            # (突破6000亿元 for 6200亿元), or the same thing for another period or as a forecast
            hints = [m for m in matches + near if m.score >= MIN_REFUTE] if match is None else []
            judged.append((cf, outcome, match, hints[:1]))
        result = _compose(claim, judged, start, end)
        t3 = time.perf_counter()
        timings = {"analyse": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000, "total": (t3 - t0) * 1000}
        return replace(result, timings_ms={k: round(v, 2) for k, v in timings.items()})

    def _claim_figures(self, text: str, q: Query) -> list[_ClaimFigure]:
        figs = _claim_extract(text)
        contexts = [near for near, _ in _contexts(text, tuple(figs))]
        out = []
        for f, near in zip(figs, contexts, strict=True):
            if f.kind == "duration" and f.measure == "level" and re.search(r"[近过去]$", f.context):
                continue  # 近3年: a time frame, not a claim
            topic = text[: f.start].replace(f.context, "")
            for other in figs:
                topic = topic.replace(other.raw, "")
            words = [(w, term_weight(w), flag, True) for w, flag in _tagged(near) if not _is_place(w, q.places)]
            seen = {w for w, _, _, _ in words}
            words += [
                (w, 0.5 * term_weight(w), flag, False)
                for w, flag in _tagged(topic)
                if w not in seen and not any(w in s for s in seen) and not _is_place(w, q.places)
            ]
            years = frozenset({f.period.year}) if f.period.year else (q.years if not f.period.plan else frozenset())
            out.append(
                _ClaimFigure(
                    fig=_as_growth_percent(f),
                    written=f,
                    words=tuple(words),
                    indicators=_indicators(near, text[: f.start]),
                    scope=_scope(near),
                    partner=_partner(near),
                    place=_subject_place(text, f.start),
                    years=years,
                    span=_period_span(f.period),
                    plan=f.period.plan,
                    status=_status(text, f),
                )
            )
        return out

    def _matches(
        self, q: Query, claim: str, cf: _ClaimFigure, pool: list[tuple[Evidence, int]]
    ) -> tuple[list[_Match], list[_Match]]:
        """Evidence figures about the same thing as the claim figure, best first; and near misses (the
        same thing for another period, or a forecast for an actual), to name when nothing matches."""
        out: list[_Match] = []
        near_misses: list[_Match] = []
        index = self.retriever.index
        for ev, rank in pool:
            for ef, (near, own) in zip(ev.figures, _contexts(ev.text, ev.figures), strict=True):
                e = _as_growth_percent(ef)
                if not _same_dimension(cf.fig, e) or not _same_measure(cf.fig, e):
                    continue
                ind = _indicators(near, ev.text[: ef.start])
                if any(g in ind and not (v & ind[g]) for g, v in cf.indicators.items()):
                    continue
                if not _partners_agree(cf.partner, _partner(near)):
                    continue
                if cf.place and not _same_place(cf.place, _subject_place(ev.text, ef.start) or cf.place):
                    continue
                if cf.fig.kind == "rank" or cf.fig.measure == "share":
                    scope = _scope(near)
                    if cf.scope and scope and cf.scope != scope:
                        continue
                miss = ""
                if not _status_agrees(cf.status, _evidence_status(ev, ef)):
                    miss = "status"
                elif not self._period_agrees(cf, ef, ev):
                    miss = "period"
                score = self._subject_score(cf, claim, ev, ef, near, own, q.places, index) + 0.02 / (1 + rank)
                if score < MIN_SCORE:
                    continue
                if miss:
                    near_misses.append(_Match(ev, ef, score, miss, rank))
                else:
                    out.append(_Match(ev, ef, score, _compare(cf.fig, e), rank))
        out.sort(key=lambda m: (-m.score, m.rank, m.ev.start))
        near_misses.sort(key=lambda m: (-m.score, m.rank, m.ev.start))
        return out, near_misses

    def _evidence_years(self, fig: Figure, ev: Evidence) -> frozenset[int]:
        """The years an evidence figure may be about: its own period, else its sentence's, else its
        paragraph's, else the article's year and the year before."""
        year = resolve_year(fig.period, ev.article_date).year
        if year is not None:
            return frozenset({year})
        if fig.period.plan:
            return frozenset()
        if ev.years:
            return ev.years
        if ev.context_years:
            return _topical(_paragraph(ev), ev.article_date)[0] or ev.context_years
        y = ev.article_date[:4]
        return frozenset({int(y), int(y) - 1}) if y.isdigit() else frozenset()

    def _period_agrees(self, cf: _ClaimFigure, ef: Figure, ev: Evidence) -> bool:
        """Same year, same month span (a year-to-date figure is not the annual one), same plan."""
        if (cf.plan or None) != (ef.period.plan or None):
            return False
        if cf.years:
            years = self._evidence_years(ef, ev)
            if years and not (cf.years & years):
                return False
            if not years and not ef.period.plan:
                return False
        e_span = _period_span(ef.period)
        if e_span is None and ef.period.year is None and not ef.period.plan:
            spans = {sp for p in ev.periods if (sp := _period_span(p)) is not None}
            if not ev.periods:
                if cf.span is None:
                    return True  # a span only the paragraph names binds only a claim that names one
                spans = set(_topical(_paragraph(ev), ev.article_date)[1])
            if len(spans) == 1:
                e_span = next(iter(spans))
        if cf.span is not None and e_span is None and cf.span[0] == cf.span[1]:
            return True  # 2022年1月，…印发: the month of an event, not a reporting span
        return cf.span == e_span

    def _subject_score(
        self,
        cf: _ClaimFigure,
        claim: str,
        ev: Evidence,
        ef: Figure,
        near: str,
        own: str,
        places: Sequence[str],
        index: Index,
    ) -> float:
        """How much of the claim figure's subject the evidence figure carries (near it, earlier in its
        sentence, in its paragraph), less the claim's words the evidence never mentions (国有企业 when
        民营企业 is written) and the evidence figure's own words the claim does not use (服务进出口 when
        进出口 is claimed; a sentence about 青岛自贸片区 when the claim is about the city)."""
        total = sum(w for _, w, _, _ in cf.words)
        if not total:
            return 0.5  # nothing says what the figure is about: enough to support, never to refute
        before = ev.text[: ef.start]
        wide = _wide_context(ev, index)
        got = penalty = 0.0
        for word, weight, flag, is_near in cf.words:
            credit = max(
                _credit(word, near),
                0.8 * _credit(word, before),
                0.5 * _credit(word, ev.text),
                0.4 * _credit(word, ev.context),
                0.3 * _credit(word, wide),
            )
            got += weight * credit
            if is_near and _gap(word, f"{ev.context}\n{ev.text}\n{wide}") >= 2:
                penalty += 0.25 if flag in _ENTITY_POS else 0.2 if flag.startswith(("n", "vn")) else 0.05
        for word, flag in _tagged(own):
            if _gap(word, claim) >= 2:
                penalty += 0.2 if flag in _ENTITY_POS else 0.15 if flag.startswith(("n", "vn")) else 0.1
        head = _CLAUSE_SPLIT.split(ev.text, maxsplit=1)[0]
        own_subject = re.search(r"全市|我市|本市|全省|全国", own) or any(p in own for p in places)
        if ef.start > len(head) and not own_subject:
            subject = _head_noun(head)
            if subject and _credit(subject, claim) < 0.5 and not _is_place(subject, places):
                penalty += 0.25
        return got / total - min(penalty, 0.4)

    def _judge(self, cf: _ClaimFigure, matches: list[_Match]) -> tuple[str, _Match | None]:
        """Among the best-aligned evidence one that supports wins; else the best one refutes, if it is
        aligned closely enough to contradict the claim."""
        if not matches:
            return "not_found", None
        best = matches[0]
        tier = [m for m in matches if m.score >= best.score - TIER]
        if not (cf.years or cf.plan or cf.span):
            # a claim that names no year is borne out by another year's figure (跃居全球第六 was 2022's)
            years = self._evidence_years(best.fig, best.ev)
            tier += [
                m
                for m in matches
                if best.score - YEARLESS_TIER <= m.score < best.score - TIER
                and not (self._evidence_years(m.fig, m.ev) & years)
            ]
        for m in tier:
            if m.outcome == "supports":
                return "supported", m
        if best.outcome == "refutes" and best.score >= MIN_REFUTE:
            return "refuted", best
        return "not_found", None

    # ---- drafts --------------------------------------------------------------------------------
    def check_text(self, text: str) -> list[CheckResult]:
        """Split a draft into sentences and check every one that holds a figure; a sentence without a
        year borrows the last year written before it in its paragraph."""
        results = []
        for sentence, s, e in split_sentences(text):
            if not _claim_extract(normalize(sentence)):
                continue
            results.append(self.check(sentence, context=text[:s], start=s, end=e))
        return results


def _coverage(words: Sequence[str], ev: Evidence) -> float:
    """Share of the claim's words in the evidence sentence (its paragraph counts half)."""
    if not words:
        return 0.0
    total = sum(len(w) for w in words)
    return sum(len(w) * max(_credit(w, ev.text), 0.5 * _credit(w, ev.context)) for w in words) / total


_DRAFT_YEAR = re.compile(r"((?:19|20)\d{2})年")


def _with_context_year(text: str, context: str) -> str:
    """其中出口5361.1亿元 after a sentence about 2022年 is about 2022: the year is prefixed for analysis."""
    if not context or _DRAFT_YEAR.search(text) or re.search(r"今年|去年|上年|十[一二三四五六]五", text):
        return text
    years = _DRAFT_YEAR.findall(context.rsplit("\n\n", 1)[-1])
    return f"{years[-1]}年，{text}" if years else text


# ---------------------------------------------------------------------------------------------------
# The result and its explanation

_Judged = tuple[_ClaimFigure, str, _Match | None, list[_Match]]


def _compose(claim: str, judged: list[_Judged], start: int, end: int) -> CheckResult:
    """Citations numbered in order of use, one record per claim figure, the verdict and explanation."""
    citations: list[Citation] = []
    numbers: dict[tuple[str, int], int] = {}

    def cite(m: _Match) -> int:
        key = (m.ev.chunk.source, m.ev.page_start)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            c = m.ev.chunk
            citations.append(
                Citation(
                    n=numbers[key], source=c.source, article_id=c.article_id, title=c.title, date=c.date,
                    text=c.text, quote=m.ev.text, start=m.ev.page_start, end=m.ev.page_end, score=round(m.score, 4),
                )
            )
        return numbers[key]

    checks: list[FigureCheck] = []
    refuted: list[tuple[_ClaimFigure, _Match, int]] = []
    supported: list[tuple[_ClaimFigure, _Match, int]] = []
    missing: list[_ClaimFigure] = []
    for cf, outcome, m, _ in judged:
        compared = None
        if m is not None:
            n = cite(m)
            compared = Compared(_display(m.ev.text, m.fig), m.ev.chunk.source, m.ev.text, n)
            (refuted if outcome == "refuted" else supported).append((cf, m, n))
        else:
            missing.append(cf)
        f = cf.written
        checks.append(FigureCheck(f.raw, f.value, f.unit, f.kind, f.measure, cf.period_label, compared, outcome))
    if refuted:
        verdict = "refuted"
    elif not missing:
        verdict = "supported"
    else:
        verdict = "not_enough_info"
    hints = [(cf, hint[0], cite(hint[0])) for cf, _, _, hint in judged if hint]
    explanation = _explain(claim, verdict, refuted, supported, missing, hints)
    return CheckResult(claim, verdict, explanation, tuple(checks), tuple(citations), start, end)


def _explain(
    claim: str,
    verdict: str,
    refuted: list[tuple[_ClaimFigure, _Match, int]],
    supported: list[tuple[_ClaimFigure, _Match, int]],
    missing: list[_ClaimFigure],
    hints: list[tuple[_ClaimFigure, _Match, int]],
) -> str:
    """Chinese explanation: the source sentence verbatim with [n], and the figure as the source wrote it."""
    if verdict == "supported":
        quotes: dict[int, str] = {}
        for _, m, n in supported:
            quotes.setdefault(n, m.ev.text)
        return "资料支持该说法：" + "".join(f"{q}[{n}]" for n, q in quotes.items())
    parts: list[str] = []
    if verdict == "refuted":
        quoted: set[int] = set()
        for cf, m, n in refuted:
            lead = "" if n in quoted else f"资料显示，{m.ev.text}[{n}]"
            quoted.add(n)
            parts.append(f"{lead}（核查：原文为“{_display(m.ev.text, m.fig)}”，声明为“{_claim_display(claim, cf)}”）")
        if supported:
            parts.append("其余数字与资料一致：" + "、".join(f"“{_claim_display(claim, cf)}”[{n}]" for cf, _, n in supported) + "。")
        if missing:
            parts.append("未找到可以核实" + "、".join(f"“{_claim_display(claim, cf)}”" for cf in missing) + "的数字。")
        return "".join(parts)
    looked = "、".join(f"“{_claim_display(claim, cf)}”" for cf in missing)
    parts.append(f"{NOT_FOUND}未找到与{looked}同一主体、同一时期、同一口径的数字。")
    for _, m, n in hints:
        what = {"status": "预计或目标数", "period": "其他时期的数字"}.get(m.outcome, "不足以核实的数字")
        parts.append(f"资料中相关的只有{what}“{_display(m.ev.text, m.fig)}”：{m.ev.text}[{n}]")
    if supported:
        parts.append("其中" + "、".join(f"“{_claim_display(claim, cf)}”[{n}]" for cf, _, n in supported) + "与资料一致。")
    return "".join(parts)


def _claim_display(claim: str, cf: _ClaimFigure) -> str:
    """The claim's figure as the claim wrote it (a growth with its verb: 下降28.8%)."""
    return _display(normalize(claim), cf.written)


# ---------------------------------------------------------------------------------------------------
# Rendering for the command line

_HEADERS = {"sentence": "句子", "figure": "数字", "verdict": "结论", "corpus": "资料中的数字", "source": "来源"}


def _rows(results: Iterable[CheckResult]) -> list[dict[str, str]]:
    """One row per claim figure (the sentence on its first row only); a sentence without figures gets one."""
    rows = []
    for r in results:
        if not r.figures:
            rows.append({"sentence": r.claim, "figure": "", "verdict": VERDICT_ZH[r.verdict], "corpus": "", "source": ""})
        for i, f in enumerate(r.figures):
            cw = f.compared_with
            rows.append(
                {
                    "sentence": r.claim if i == 0 else "",
                    "figure": f.raw,
                    "verdict": OUTCOME_ZH.get(f.outcome, f.outcome),
                    "corpus": cw.raw if cw else "",
                    "source": _source_label(r, cw.n) if cw else "",
                }
            )
    return rows


def _source_label(r: CheckResult, n: int) -> str:
    """[n]《title》（date, page): enough to find the passage in the paper."""
    c = next((c for c in r.evidence if c.n == n), None)
    return f"[{n}]《{c.title}》（{format_date(c.date)}，{c.source}）" if c else f"[{n}]"


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    """Pad to a display width (str.ljust counts a CJK character as one column)."""
    return text + " " * (width - _width(text))


def render_results(results: Sequence[CheckResult], fmt: str = "table") -> str:
    """Results for the command line: table (aligned for CJK, with a summary line), json, jsonl, csv, md."""
    if fmt == "json":
        return json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2)
    if fmt == "jsonl":
        return "\n".join(json.dumps(r.to_dict(), ensure_ascii=False) for r in results)
    if fmt not in ("table", "csv", "md"):
        raise ValueError(f"unknown format {fmt!r}; use table, json, jsonl, csv or md")
    rows = _rows(results)
    keys = list(_HEADERS)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
        writer.writerow(_HEADERS)
        writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
    if fmt == "md":
        lines = ["| " + " | ".join(_HEADERS[k] for k in keys) + " |", "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(row[k].replace("|", "\\|").replace("\n", " ") for k in keys) + " |" for row in rows]
        return "\n".join(lines)
    if not rows:
        return "没有找到含数字的句子。"
    widths = {k: max(_width(_HEADERS[k]), *(_width(row[k]) for row in rows)) for k in keys}
    lines = ["  ".join(_pad(_HEADERS[k], widths[k]) for k in keys).rstrip()]
    lines.append("  ".join("-" * widths[k] for k in keys))
    lines += ["  ".join(_pad(row[k], widths[k]) for k in keys).rstrip() for row in rows]
    counts = {v: sum(1 for r in results if r.verdict == v) for v in VERDICTS}
    lines.append(
        f"共 {len(results)} 句：{VERDICT_ZH['supported']} {counts['supported']}，"
        f"{VERDICT_ZH['refuted']} {counts['refuted']}，{VERDICT_ZH['not_enough_info']} {counts['not_enough_info']}"
    )
    return "\n".join(lines)
