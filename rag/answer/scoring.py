"""How well one evidence sentence, and each of its figures, answers a question (weights: weights.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..figures import FORECAST_CUES, TARGET_CUES, Figure, extract_figures
from ..store import Index
from ..types import Chunk, Hit
from ..understand import (
    EVIDENCE,
    GENERIC_PLACES,
    SOFT_TERMS,
    Evidence,
    Query,
    aligned,
    answers_asked,
    core_term,
    figure_year,
    maximal,
    partners_agree,
    pos_cut,
    term_credit,
    term_in,
    term_weight,
    years_agree,
)
from ..understand.lexicon import has_verb
from ..understand.subject import mentions, same_place
from .weights import WEIGHTS as W


@dataclass
class Candidate:
    """An evidence sentence that agrees with the question, with its score and its answering figures."""

    evidence: Evidence
    hit: Hit
    rank: int
    score: float
    figures: list[Figure] = field(default_factory=list)
    align: float = 0.0  # how well its best figure is about what was asked (see figure_alignment)
    span: tuple[int, int] | None = None  # page offsets of the quote when it runs over neighbouring sentences
    passage: Chunk | None = None  # ... and the passage that holds it (chunks of the article joined)


_RATE_ASKED = re.compile(
    r"(?:(?<!汇)率|比|比例|比重|占比|百分比|增长(?:预期|目标|预测|速度)?|增幅|涨幅|降幅)(?:是|为|约为|约|达到?|有)?(?:多少|几)"
)
# a change asked without a unit (效率提升了多少？) may be answered by a percentage as well as by an amount
_CHANGE_ASKED = re.compile(r"(?:提升|上升|上涨|回升|下跌|减少|增加|降低)了?(?:多少|几)(?=[？?，,]|$)")


def typed(q: Query) -> Query:
    """The question with the answer type its indicator implies: 失业率是多少 / 服务收入比是多少 ask for a
    percentage, however the interrogative alone (多少) reads; a count (31个) or an amount (1016亿元)
    in the same sentence is not an answer to a rate, nor a count (10个行业) to 多少个百分点."""
    if re.search(r"(?:多少|几)个?百分点", q.text):  # 收窄了多少个百分点 asks for points, not a count
        return replace(q, qtype="percent", asks=tuple("percent" if a == "count" else a for a in q.asks))
    if q.asks != ("amount",):
        return q
    if _RATE_ASKED.search(q.text):
        return replace(q, qtype="percent", asks=("percent",))
    if _CHANGE_ASKED.search(q.text) or _counted_group(q.text):
        return replace(q, asks=("amount", "percent"))
    return q


def _counted_group(question: str) -> bool:
    """多少 straight before a noun, with no counter or unit (有多少车主不愿意…): answered by a count or by
    a share of the group (6%的车主)."""
    m = re.search(r"(?:多少|几)([\u4e00-\u9fff]{2,})", question)
    if not m:
        return False
    if extract_figures("1" + m.group(1)[:4]):
        return False  # 多少摄氏度, 多少标准箱: a unit, not a group
    words = pos_cut(m.group(1))
    return bool(words) and len(words[0][0]) >= 2 and words[0][1] in ("n", "nr", "nz")


def share_base(question: str) -> str:
    """What a share is a share of, as a pattern: 占全国的比重 → 全国|我国|…; '' when not stated."""
    # 占比 is the word "share", not 占 + a base: 超标的问题占比是多少 names no base (not 比是)
    m = re.search(r"占(?!比)(?:同期)?([\u4e00-\u9fff]{2,5}?)(?:的|比重|多少|几成|外贸|进出口|出口|进口)", question)
    if not m:
        return ""
    base = m.group(1)
    return _SHARE_BASES.get(base, re.escape(base))


_SHARE_BASES = {"全国": "全国|我国|中国|国内", "全省": "全省|[\u4e00-\u9fff]{2,3}省", "全市": "全市|[\u4e00-\u9fff]{2,3}市"}


def asked_noun(question: str) -> str:
    """The thing being counted or measured: 提供了多少个岗位 → 岗位."""
    m = re.search(r"(?:多少|几)[个家项位名艘列条座场批件套次户台辆架所种]?([\u4e00-\u9fff]{2,})", question)
    if not m:
        return ""
    words = [w for w, _ in pos_cut(m.group(1))]  # the first word: 多少个国家和地区 → 国家, not 国家和地
    word = words[0] if words and len(words[0]) >= 2 else m.group(1)[:4]
    return word if word not in ("亿元", "万元", "美元") else ""


_INTERROGATIVE = re.compile(
    r"什么样?的?|甚么|怎么样?|怎样|如何|为什么|为何|哪一?[些个里儿位年种本门国次部类件家边方面]?|谁|多少|多久|多长|多大|多高|"
    r"几[个年月天次]?|何[时地处人种]?|是否|是不是|吗|呢|请问"
)
_LIGHT_CHARS = frozenset("的了是在和与及或有为之其这那个一被将把于也都就而并")


def question_pairs(q: Query) -> dict[str, float]:
    """The question's character pairs, less its interrogative words and places, each with a weight: a pair with
    a function character (的, 是, 在) counts little. Pairs compare question and sentence without a
    word list, so 悉昙体 matches however jieba cuts it."""
    text = _INTERROGATIVE.sub("|", q.match_text)
    for place in q.places:  # a place is a constraint (aligned), not what is asked: 青岛市市长 asks for 市长
        text = text.replace(place, "|")
    pairs: dict[str, float] = {}
    for run in re.findall(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+", text):
        if run.isascii():
            pairs[run.lower()] = 1.0
            continue
        for i in range(len(run) - 1):
            pair = run[i : i + 2]
            pairs[pair] = W.light_pair if (pair[0] in _LIGHT_CHARS or pair[1] in _LIGHT_CHARS) else 1.0
    return pairs


def pair_overlap(pairs: dict[str, float], text: str) -> float:
    """Weighted share of the question's pairs that the text contains."""
    total = sum(pairs.values())
    if not total:
        return 0.0
    lower = text.lower()
    return sum(w for p, w in pairs.items() if p in lower) / total


_SCOPE_OF = {"我国": "nation", "全国": "nation", "中国": "nation", "国内": "nation", "全球": "world", "世界": "world"}


def _other_subject(q: Query, ev: Evidence, at: int) -> bool:
    """The figure's frame names a place of its own that is not the one asked about: 广东省…出口增长
    27.7% does not answer 我国…出口增长多少, nor 中国…增长5.2% a question about 全球. A sentence that
    names the asked place itself is left to the alignment rules. A trade partner must be the asked one
    (or none when none was asked), and the frame what was asked (:func:`answers_asked`)."""
    if at >= len(ev.frames):
        return False
    if not partners_agree(q.partner, ev.frames[at].partner, q.text):
        return True  # trade with 东盟 is not the total, nor trade with 日本
    if not answers_asked(q.frame, ev.frames[at], ev.context + ev.text):
        return True  # 出口 is not 进出口, 民营企业进出口 not the city's
    if _TARGET_VALUE.search(ev.frames[at].own) and "目标" not in q.text:
        return True  # 全年出口目标10亿元 is a target, not the 出口额 asked for
    if ev.frames[at].status == "target" and _AIM.search(ev.text[: ev.figures[at].start]) and not TARGET_CUES.search(q.text):
        return True  # 力争2024年外贸出口达到1500亿元 is an aim: no answer to 2024年外贸出口额是多少
    span = ev.frames[at].span
    if q.spans and span is not None and span not in q.spans:
        return True  # 1-5月 was asked: a figure for 1-11月 is not that
    years = ev.frames[at].years
    if q.relative is not None and not q.years and years and ev.article_date[:4].isdigit():
        if int(ev.article_date[:4]) + q.relative not in years:
            return True  # 今年 was asked: a page's figure for the year before is not that
    subject = ev.frames[at].subject
    wide = {scope for word, scope in _SCOPE_OF.items() if word in q.text}
    if not subject or not (q.places or wide) or subject in q.text or any(p in ev.text for p in q.places):
        return False
    if subject in _SCOPE_OF:
        return bool(wide) and _SCOPE_OF[subject] not in wide
    if subject in GENERIC_PLACES:
        return False
    return not any(same_place(subject, p) for p in q.places)


_AIM = re.compile(r"力争|争取|力求|确保|目标")  # a target's own words, not a plan's attribute (计划总投资)
_TARGET_VALUE = re.compile(r"目标(?:值)?(?:是|为|达到?|定为)?$")  # the figure is a target's value
_NUMERAL_END = frozenset("0123456789一二三四五六七八九十百千万亿两半")


def _in_asked_unit(q: Query, raw: str) -> bool:
    """The figure is written in the unit the question asks in: 多少吉瓦时 and 超过120吉瓦时, 连续几年 and
    3年 (the longest start of the words after 多少/几 that follows a numeral in the figure)."""
    after = q.unit_words
    for k in range(len(after), 0, -1):
        at = raw.find(after[:k], 1)
        while at > 0:
            if raw[at - 1] in _NUMERAL_END:
                return True
            at = raw.find(after[:k], at + 1)
    return False
_PER_UNIT = re.compile(r"每(?:股|人|户|吨|亩|件|台|辆|次|平方米|千瓦时|公斤|斤|克|家)|人均|户均|单价")


def _national(q: Query, ev: Evidence) -> bool:
    """The sentence speaks of the whole country (我国锂电池出口增长58.1%) while the question asks about a
    province or city it does not name (福建省): the nation's figure is not the province's."""
    places = [p for p in q.places if p not in _SCOPE_OF]
    if not places or any(w in q.text for w in _SCOPE_OF) or not re.search(r"我国|全国", ev.text):
        return False
    return not any(p in ev.text or (len(p) > 2 and p[:-1] in ev.text) for p in places)


def wanted_figures(q: Query, ev: Evidence) -> list[Figure]:
    """The sentence's figures of a kind the question asks for, about an asked year and measure."""
    kinds = q.wanted_kinds
    if kinds is None:
        return []
    if _national(q, ev):
        return []
    figs = [f for i, f in enumerate(ev.figures) if f.kind in kinds and not _other_subject(q, ev, i)]
    if not _PER_UNIT.search(q.text):  # 每股2.43港元 is not the 派息金额 (519.40亿港元)
        figs = [f for f in figs if not _PER_UNIT.search(f.context[-4:])]
    if q.years:  # a figure for another year is not an answer (2020年…突破6000亿元 when 2022 is asked)
        figs = [f for f in figs if figure_year(f, ev.article_date) in (None, *q.years)]
    dims = q.dimension
    if dims is not None:  # 有多高 wants a length, 体重 a weight: not a count, nor another dimension
        figs = [f for f in figs if f.kind == "quantity" and f.unit in dims]
    if q.qtype == "rank":  # 排第几位 is the place (列第13位), 上升了几位 the move (上升两位)
        figs = [f for f in figs if (f.measure == "growth") == q.asks_move] or figs
    elif q.qtype == "percent" and q.asks_change and q.measure == "share":
        # 占比较去年同期提高了多少: the change of the share (18个百分点), not the share itself (49.8%)
        figs = [f for f in figs if f.measure == "growth" or f.kind == "pct_point"] or figs
    elif q.qtype == "percent" and q.measure == "share":
        figs = [f for f in figs if f.measure == "share"] or figs
        base = share_base(q.text)
        if base:  # 占全国的比重 is not answered by 占山东省…的27.4%
            figs = [f for f in figs if f.measure == "share" and re.search(base, f.context)]
    elif q.asks == ("percent",) and q.measure == "growth":
        figs = [f for f in figs if f.measure == "growth"] or figs
    return figs


def _governs(term: str, verbless: bool) -> bool:
    """A question word that holds for a figure when it comes anywhere before it in the sentence: a
    status word governs every clause after it (力争一季度引进…100个，全年引进…230个), and a verb the
    clauses after it leave out (全年引进…230个，50亿元以上项目16个: 16个 are 引进 too)."""
    if TARGET_CUES.fullmatch(term) or FORECAST_CUES.fullmatch(term):
        return True
    return verbless and has_verb(term)


def _words_before(ev: Evidence, fig: Figure) -> str:
    """The sentence before a figure without the figures in it (超过120吉瓦时 holds no governing 超过)."""
    parts, at = [], 0
    for f in ev.figures:
        if f.end <= fig.start:
            parts.append(ev.text[at : f.start])
            at = f.end
    parts.append(ev.text[at : fig.start])
    return "".join(parts)


def frame_words(ev: Evidence, fig: Figure) -> str:
    """The words a figure of the sentence is about: its frame's, which also hold what it inherits
    (出口5361.1亿元，同比增长9%: 9% is 出口's) and only its own item of a list read respectively
    (对甲、乙分别增长5%、6%: 6% is about 乙); else the words before it."""
    at = next((i for i, f in enumerate(ev.figures) if f is fig), None)
    if at is None:
        at = next((i for i, f in enumerate(ev.figures) if f == fig), None)
    return ev.frames[at].near if at is not None and at < len(ev.frames) else fig.context


def figure_alignment(q: Query, fig: Figure, ev: Evidence) -> float:
    """How well a figure is about what was asked: question terms in the words before it (出口
    5361.1亿元) and the noun after a count (87个外资项目), less words the question did not use
    (服务进出口 when 进出口 was asked)."""
    sentence = ev.text
    # what a count counts follows it (87个外资项目), and so does the group a share is of (6%的车主)
    group = fig.kind == "percent" and sentence[fig.end : fig.end + 1] == "的"
    after = re.split(r"[，。；、,;]", sentence[fig.end + group : fig.end + group + 8])[0] if fig.kind == "count" or group else ""
    words = frame_words(ev, fig)
    ctx = words + after
    before = _words_before(ev, fig)
    verbless = not has_verb(re.split(r"[，,；;：:]", fig.context)[-1])
    matched = sum(
        term_weight(t) * (W.focus_term if t in q.focus else W.other_term)
        for t in q.terms
        if term_in(t, ctx, q.match_text)
        or term_in(core_term(t), ctx, q.match_text)  # 进出口总值 is asked by 外贸进出口9117.2亿元 too
        or (t in before and _governs(t, verbless))
    )
    asked_counter = re.search(r"(?:多少|几)([个家项位名艘列条座场批件套次户台辆架所种])", q.text)
    if asked_counter and fig.counter == asked_counter.group(1):
        matched += W.counter_match
    matched += W.question_figure * sum(1 for raw in q.figures if raw in ctx)
    if q.size_word and q.size_word in words:
        matched += W.counter_match  # 有多高 and 树高可达55米, not the leaves' 1至3毫米
    if not (asked_counter and fig.counter == asked_counter.group(1)) and _in_asked_unit(q, fig.raw):
        matched += W.counter_match  # 多少起 and 超过400起, 多少吉瓦时 and 120吉瓦时
    if q.qtype == "percent" and fig.measure == ("growth" if q.asks_change else q.measure):
        matched += W.counter_match  # 服务收入比是多少 and 占服务收入比达到29.2%, not 同比增长2.7%
    noun = asked_noun(q.text)
    # the noun a count is followed by is what it counts: 700多个港口 counts ports, even after 国家和地区的
    counted = bool(re.match(r"[\u4e00-\u9fff]", after))
    if noun and (noun in after or (not counted and noun in words[-len(noun) - 4 :])):
        matched += W.asked_noun * term_weight(noun)
    place_chars = set("".join(q.places)) | set("全市省本")
    hanzi = [ch for ch in re.findall(r"[\u4e00-\u9fff]", words[-8:]) if ch not in place_chars]
    covered = sum(1 for ch in hanzi if ch in q.match_text)
    precision = covered / len(hanzi) if hanzi else W.precision_unknown
    return matched + W.precision * precision


def subject_penalty(q: Query, sentence: str) -> float:
    """Names and nouns in a sentence's opening clause that the question does not use mark a more
    specific subject (青岛自贸片区… when 青岛市 was asked about)."""
    head = re.split(r"[，；：,;:]", sentence, maxsplit=1)[0]
    penalty = 0.0
    for word, flag in pos_cut(head):
        if len(word) < 2 or word in q.text or word in GENERIC_PLACES or not re.search(r"[\u4e00-\u9fff]", word):
            continue
        if flag in ("ns", "nt", "nz", "x", "j"):
            penalty += W.subject_place
        elif flag == "n":
            penalty += W.subject_noun
    return min(penalty, W.subject_max)


_TYPE_CUE = {
    "place": re.compile(r"位于|在|落户|设在|地处|坐落|分布|来自|出生|于[\u4e00-\u9fff]"),
    "list": re.compile(r"[、]|和|以及|包括|即"),
}


def _fits_type(q: Query, ev: Evidence, figures: list[Figure], index: Index) -> bool:
    """A figure question needs a figure of the asked kind about the asked indicator; a date question a date."""
    if q.wanted_kinds is not None:
        if not figures:
            return False
        # the indicator asked about must be in the sentence itself (货物吞吐量, not just 货值)
        indicator = [t for t in maximal(q.focus) if t not in SOFT_TERMS and len(t) >= 2]
        if indicator and not any(term_credit(t, ev.text, q.match_text) >= 0.5 for t in indicator):
            unit = re.search(r"(?:多少|几)([\u4e00-\u9fff]{1,2})", q.text)
            if unit and any(unit.group(1) in f.raw for f in figures):
                return True  # 多少厘米 → 15至20厘米
            dims = q.dimension  # 体重是多少 → 约只有8公斤重
            return dims is not None and any(f.unit in dims for f in figures)
        return True
    if q.qtype == "date":
        return bool(ev.periods or re.search(r"\d{1,2}月|\d{4}年", ev.text))
    cue = _TYPE_CUE.get(q.qtype)
    return cue is None or bool(cue.search(ev.text))


def score_sentence(
    q: Query,
    ev: Evidence,
    hit: Hit,
    rank: int,
    index: Index,
    topic: frozenset[str] = frozenset(),
    pairs: dict[str, float] | None = None,
) -> Candidate | None:
    """The sentence as a candidate answer, or None when it disagrees with the question's year, span,
    place or answer type. `pairs` (question_pairs) adds how well a general question's wording aligns."""
    if not aligned(q, ev, index):
        return None
    figures = wanted_figures(q, ev)
    if not _fits_type(q, ev, figures, index):
        return None
    words = maximal(q.terms)  # 大果西番莲 once, not again as 大果, 西番 and 西番莲
    total = sum(term_weight(t) for t in words) or 1.0
    got = 0.0
    headline = ev.context.split("\n", 1)[0]
    for t in words:
        if t in topic and t in headline:
            got += term_weight(t)  # a headline's topic holds for every sentence under it (它的根部…)
            continue
        # a compound the sentence writes in part counts in part (进口额 → 进口3756.1亿元)
        own = _credit(t, ev.text, q.match_text)
        got += term_weight(t) * (own if own == 1.0 else max(own, W.context_term * _credit(t, ev.context, q.match_text)))
    score = got / total
    if topic and not any(t in ev.text or t in ev.context for t in topic):
        score -= W.off_topic
    score += W.rank_bonus / (1 + rank)
    if figures and q.qtype == "rank":
        score += W.rank_figure
    score += sum(
        W.quoted_in_sentence if s in ev.text else W.quoted_in_context if s in ev.context else 0.0 for s in q.quoted
    )
    score += W.plan_match * sum(1 for p in q.plans if p in ev.text or p in ev.context)
    if q.years and q.years & ev.years:
        score += W.year_match
    if q.spans and any((p.start_month, p.end_month) in q.spans for p in ev.periods):
        score += W.span_match
    if q.qtype == "list":
        score += W.list_item * min(ev.text.count("、"), W.list_items_max)
        if any(re.search(re.escape(t) + r"[^。]{0,4}(?:即|包括|分别是|有|：)", ev.text) for t in q.terms):
            score += W.list_intro
    if figures:
        score -= subject_penalty(q, ev.text)
        measure = q.measure if q.qtype == "percent" and not q.asks_change else None
        if measure is not None and not any(f.measure == measure for f in figures):
            score -= W.other_measure  # a share was asked; this sentence has only growth rates
    if q.qtype == "entity" and re.search(r"《[^》]+》", ev.text):
        score += W.entity_title
    if pairs and q.wanted_kinds is None:
        score += W.pair_overlap * pair_overlap(pairs, with_topic(ev, topic))
    aligned_figures = sorted(((figure_alignment(q, f, ev), i, f) for i, f in enumerate(figures)), key=lambda t: (-t[0], t[1]))
    figures = [f for _, _, f in aligned_figures]
    align = aligned_figures[0][0] if aligned_figures else 0.0
    return Candidate(ev, hit, rank, score, figures, align)


def _credit(word: str, text: str, question: str) -> float:
    """term_credit, without its search for parts when the text shares no character with the word."""
    if term_in(word, text, question):
        return 1.0
    return term_credit(word, text, question) if any(ch in text for ch in word) else 0.0


def content_score(q: Query, cand: Candidate) -> float:
    """How much of the question the sentence (fully) and its paragraph (in part) carry, word by word;
    a compound the source writes differently gets partial credit (出口额 vs 出口5361.1亿元)."""
    ev = cand.evidence
    words = maximal(q.terms)
    total = sum(term_weight(t) for t in words) or 1.0
    got = sum(
        term_weight(t) * max(term_credit(t, ev.text, q.match_text), W.context_credit * term_credit(t, ev.context, q.match_text))
        for t in words
    )
    return got / total


_NOUN_FLAGS = ("n", "ns", "nr", "nt", "nz", "eng", "nrt", "vn")


def missing_noun(q: Query, pool: str) -> str | None:
    """A noun of the question that no retrieved passage mentions (烟台, 财政收入, GDP): unless the
    evidence matches the rest of the question closely, the passages are not about that."""
    for word in maximal(q.terms):
        if word in SOFT_TERMS or term_credit(word, pool, q.match_text):
            continue
        flags = {f for _, f in pos_cut(word)}
        if flags & set(_NOUN_FLAGS):
            return word
    return None


def absent_share(q: Query, pool: str) -> float:
    """Share of the question's words that the retrieved passages never mention (常住人口 in a corpus
    without population figures). A word counts as mentioned when most of its character pairs are
    (进出口额 is mentioned by 进出口…亿元)."""
    words = maximal(q.terms)
    if not words:
        return 0.0
    total = sum(term_weight(w) for w in words)
    return sum(term_weight(w) for w in words if not term_credit(w, pool)) / total


def is_subject(q: Query, word: str) -> bool:
    """The word opens the question, perhaps after a time (烟台2022年… / 2022年烟台…): what it asks about."""
    head = re.sub(r"^(?:(?:19|20)\d{2}年?|\d{1,2}(?:-|至)\d{1,2}月|今年|去年|[，,\s])*", "", q.match_text.lower())
    return head.startswith(word)


Sentence = tuple[Evidence, Hit, int]  # an evidence sentence, the hit it came from, the hit's rank


def with_topic(ev: Evidence, topic: frozenset[str]) -> str:
    """The sentence, plus the question's topic words its article's headline names: every sentence
    under 《盾柱木》 is about 盾柱木 (花瓣倒卵形…), so naming it is no reason to prefer one of them."""
    headline = ev.context.split("\n", 1)[0]
    named = [t for t in topic if t in headline and t not in ev.text]
    return ev.text + "|" + "|".join(named) if named else ev.text


def worded_candidate(
    q: Query, sentences: list[Sentence], pairs: dict[str, float], index: Index, topic: frozenset[str] = frozenset()
) -> Candidate | None:
    """The sentence whose wording aligns best with the question — on its own and with its neighbours,
    since a question often joins words of two adjacent sentences — for a question the word-by-word
    gate refused (paraphrased, or cut by jieba otherwise than the text).

    A general question (who, what, where, which, when, why) needs general_min_overlap of the
    question's pairs and an asked year; a sentence of the answer's type is preferred (a date for
    何时, a place cue for 在哪里) without being required. A figure question needs more
    (figure_min_overlap), full alignment (year, span, place) and a figure of the asked kind: a wrong
    figure is worse than a refusal."""
    if not pairs:
        return None
    figure_question = q.wanted_kinds is not None
    floor = W.figure_min_overlap if figure_question else W.general_min_overlap
    focus = [t for t in maximal(q.focus) if t not in SOFT_TERMS and len(t) >= 2] if q.qtype == "person" else []
    best: Candidate | None = None
    for i, (ev, hit, rank) in enumerate(sentences):
        overlap = pair_overlap(pairs, with_topic(ev, topic))
        if overlap < floor:
            continue
        figures: list[Figure] = []
        if figure_question:
            figures = wanted_figures(q, ev)
            if not figures or not aligned(q, ev, index):
                continue
            if "flow" in q.frame.indicators and "flow" not in mentions(ev.text):
                continue  # chosen by its wording, a sentence must still name the trade flow asked (进口额)
            figures.sort(key=lambda f: -figure_alignment(q, f, ev))
        elif not years_agree(q, ev):
            continue
        window = "".join(with_topic(e, topic) for e, h, _ in sentences[max(0, i - 1) : i + 2] if h is hit)
        if focus and not any(term_credit(t, window, q.match_text) >= W.focus_credit for t in focus):
            continue  # 青石镇的镇长是谁 is not answered by a sentence about 青石镇 without 镇长
        score = (
            overlap
            + W.window_overlap * pair_overlap(pairs, window)
            + W.rank_bonus / (1 + rank)
            + (W.type_cue if _type_cue(q, ev) else 0.0)
        )
        if best is None or score > best.score:
            best = Candidate(ev, hit, rank, round(score, 6), figures)
    return best


def article_sentences(index: Index, best: Candidate) -> list[Sentence]:
    """The sentences of the best sentence's chunk and the chunks either side of it in its article,
    in page order, each once (chunks overlap): a neighbour is often across a chunk boundary."""
    chunk = best.hit.chunk
    near = [c for c in index.chunks_of(chunk.article_id) if abs(c.ordinal - chunk.ordinal) <= 1] or [chunk]
    seen: dict[tuple[int, int], Sentence] = {}
    for c in sorted(near, key=lambda c: c.start):
        hit = best.hit if c.id == chunk.id else Hit(c, best.hit.score)
        for ev in EVIDENCE.get(index, c):
            key = (ev.page_start, ev.page_end)
            if key not in seen or c.id == chunk.id:
                seen[key] = (ev, hit, best.rank)
    return [seen[k] for k in sorted(seen)]


def companions(q: Query, best: Candidate, index: Index, pairs: dict[str, float]) -> list[Candidate]:
    """Neighbours of a general answer's sentence in its article, the one that carries more of the
    question's words the sentence lacks first (the next one when neither does), up to W.neighbours:
    a Wikipedia-style answer often runs over two or three sentences (…是灣仔發展計劃第二期。工程包括拆卸…)."""
    if q.wanted_kinds is not None or q.qtype in ("yesno",) or W.neighbours < 1:
        return []
    sentences = article_sentences(index, best)
    key = (best.evidence.page_start, best.evidence.page_end)
    at = next((i for i, (ev, _, _) in enumerate(sentences) if (ev.page_start, ev.page_end) == key), None)
    if at is None:
        return []
    missing = {p: w for p, w in pairs.items() if p not in best.evidence.text.lower()}
    options = [sentences[j] for j in (at + 1, at - 1) if 0 <= j < len(sentences)]
    options.sort(key=lambda o: -(pair_overlap(missing, o[0].text) if missing else 0.0))
    out = [Candidate(ev, hit, rank, best.score) for ev, hit, rank in options[: W.neighbours]]
    if q.qtype == "summary" and at + 2 < len(sentences) and W.reason_sentences > len(out):
        ev, hit, rank = sentences[at + 2]  # a reason or a process runs on: 首先…其次…
        out.append(Candidate(ev, hit, rank, best.score))
    return out


def _type_cue(q: Query, ev: Evidence) -> bool:
    if q.qtype == "date":
        return bool(ev.periods or re.search(r"\d{1,2}月|\d{3,4}年|[世年]纪|朝|代", ev.text))
    cue = _TYPE_CUE.get(q.qtype)
    return bool(cue and cue.search(ev.text))
