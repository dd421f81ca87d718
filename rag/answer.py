"""The template answerer: picks the evidence sentence that agrees with the question and quotes it.

No language model: every answer is assembled from the corpus's own sentences by rules, so a figure
is always quoted exactly as the source wrote it and the same question on the same index always gets
the same answer. When no retrieved sentence agrees with the question's place, time and indicator the
answer says so instead of offering a figure about something else.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysis import (
    EVIDENCE,
    GENERIC_PLACES,
    SOFT_TERMS,
    Evidence,
    Query,
    aligned,
    analyse,
    core_term,
    coverage,
    figure_year,
    pos_cut,
    term_in,
    term_weight,
)
from .figures import Figure
from .retrieve import Filters, Retriever
from .types import Answer, Citation, Hit

MIN_COVERAGE = 0.3  # share of the question's content weight the evidence must carry
MAX_ABSENT = 0.4  # refuse when this share of the content weight appears nowhere in the hits
NOT_FOUND = "资料中没有找到{subject}的相关信息。"


def format_date(date: str) -> str:
    """2023-01 → 2023年1月; 2023-01-28 → 2023年1月28日; '' → 日期不详."""
    parts = [int(p) for p in date.split("-") if p.isdigit()] if date else []
    if not parts:
        return "日期不详"
    return "".join(f"{v}{u}" for v, u in zip(parts, "年月日", strict=False))


@dataclass
class Candidate:
    evidence: Evidence
    hit: Hit
    rank: int
    score: float
    figures: list[Figure] = field(default_factory=list)
    align: float = 0.0  # how well its best figure is about what was asked (see _figure_alignment)


def _merge_follow_up(question: str, history: Sequence[str]) -> str:
    """那2023年呢？ after 2022年青岛外贸进出口总值是多少？ → 2023年青岛外贸进出口总值是多少？"""
    if not history:
        return question
    q = analyse(question)
    elliptic = len(q.terms) <= 1 and (re.search(r"^(那|那么|还有|而)|呢[？?]?$", q.text) or len(q.text) <= 8)
    if not elliptic:
        return question
    previous = analyse(history[-1]).text
    merged = previous
    new_years = sorted(q.years)
    if new_years:
        old = re.findall(r"(?:19|20)\d{2}年?", merged)
        if old:
            merged = merged.replace(old[0], f"{new_years[0]}年", 1)
        else:
            merged = f"{new_years[0]}年{merged}"
    old_places = analyse(previous).places
    for new, old_place in zip(q.places, old_places, strict=False):
        merged = merged.replace(old_place, new)
    return merged


class Answerer:
    """Answers questions over one retriever (one index generation)."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever

    # ---- alignment -----------------------------------------------------------------------------
    def _wanted_figures(self, q: Query, ev: Evidence) -> list[Figure]:
        kinds = q.wanted_kinds
        if kinds is None:
            return []
        figs = [f for f in ev.figures if f.kind in kinds]
        if q.years:  # a figure for another year is not an answer (2020年…突破6000亿元 when 2022 is asked)
            figs = [f for f in figs if figure_year(f, ev.article_date) in (None, *q.years)]
        if q.qtype == "percent" and re.search(r"占|比重|比例|占比|share", q.text):
            figs = [f for f in figs if f.measure == "share"] or figs
            base = _share_base(q.text)
            if base:  # 占全国的比重 is not answered by 占山东省…的27.4%
                figs = [f for f in figs if f.measure == "share" and re.search(base, f.context)]
        elif q.asks == ("percent",) and re.search(r"增|降|提高|growth|grew|increase", q.text):
            figs = [f for f in figs if f.measure == "growth"] or figs
        return figs

    def _figure_alignment(self, q: Query, fig: Figure, sentence: str = "") -> float:
        """How well a figure is about what was asked: question terms in the words before it (出口
        5361.1亿元) and the noun after a count (87个外资项目), less words the question did not use
        (服务进出口 when 进出口 was asked)."""
        after = re.split(r"[，。；、,;]", sentence[fig.end : fig.end + 8])[0] if fig.kind == "count" else ""
        ctx = fig.context + after
        matched = sum(term_weight(t) * (3.0 if t in q.focus else 0.5) for t in q.terms if term_in(t, ctx, q.match_text))
        asked_counter = re.search(r"(?:多少|几)([个家项位名艘列条座场批件套次户台辆架所种])", q.text)
        if asked_counter and fig.counter == asked_counter.group(1):
            matched += 3.0
        noun = _asked_noun(q.text)
        if noun and (noun in after or noun in fig.context[-len(noun) - 4 :]):
            matched += 6.0 * term_weight(noun)
        place_chars = set("".join(q.places)) | set("全市省本")
        hanzi = [ch for ch in re.findall(r"[\u4e00-\u9fff]", fig.context[-8:]) if ch not in place_chars]
        covered = sum(1 for ch in hanzi if ch in q.match_text)
        precision = covered / len(hanzi) if hanzi else 0.5
        return matched + 2.0 * precision

    def _score(self, q: Query, ev: Evidence, rank: int, topic: frozenset[str] = frozenset()) -> Candidate | None:
        if not aligned(q, ev, self.retriever.index):
            return None
        figures: list[Figure] = []
        if q.wanted_kinds is not None:
            figures = self._wanted_figures(q, ev)
            if not figures:
                return None
            # the indicator asked about must be in the sentence itself (货物吞吐量, not just 货值)
            indicator = [t for t in _maximal(q.focus) if t not in SOFT_TERMS and len(t) >= 2]
            if indicator and not any(_credit(t, ev.text, q.match_text) >= 0.5 for t in indicator):
                unit = re.search(r"(?:多少|几)([\u4e00-\u9fff]{1,2})", q.text)
                if not (unit and any(unit.group(1) in f.raw for f in figures)):  # 多少厘米 → 15至20厘米
                    return None
        elif q.qtype == "date" and not (ev.periods or re.search(r"\d{1,2}月|\d{4}年", ev.text)):
            return None
        elif q.qtype == "place" and not re.search(r"位于|在|落户|设在|地处|坐落|分布|来自|出生|于[\u4e00-\u9fff]", ev.text):
            return None
        elif q.qtype == "list" and not re.search(r"[、]|和|以及|包括|即", ev.text):
            return None
        total = sum(term_weight(t) for t in q.terms) or 1.0
        got = 0.0
        for t in q.terms:
            if term_in(t, ev.text, q.match_text) or (t in topic and t in ev.chunk.title):
                got += term_weight(t)  # a headline's topic holds for every sentence under it (它的根部…)
            elif term_in(t, ev.context, q.match_text):
                got += 0.4 * term_weight(t)
        score = got / total
        if topic and not any(t in ev.text or t in ev.context for t in topic):
            score -= 0.3  # the question names an article's topic; this sentence is from elsewhere
        score += 0.12 / (1 + rank)
        align = max((self._figure_alignment(q, f, ev.text) for f in figures), default=0.0)
        if figures:
            if q.qtype == "rank":
                score += 0.1
        score += sum(0.3 if s in ev.text else 0.15 if s in ev.context else 0.0 for s in q.quoted)
        score += 0.1 * sum(1 for p in q.plans if p in ev.text or p in ev.context)
        if q.years and q.years & ev.years:
            score += 0.1
        if q.spans and any((p.start_month, p.end_month) in q.spans for p in ev.periods):
            score += 0.1
        if q.qtype == "list":
            score += 0.05 * min(ev.text.count("、"), 6)
            if any(re.search(re.escape(t) + r"[^。]{0,4}(?:即|包括|分别是|有|：)", ev.text) for t in q.terms):
                score += 0.2
        if figures:
            score -= _subject_penalty(q, ev.text)
        if q.qtype == "entity" and re.search(r"《[^》]+》", ev.text):
            score += 0.15
        figures.sort(key=lambda f: -self._figure_alignment(q, f, ev.text))
        return Candidate(ev, Hit(ev.chunk, 0.0), rank, score, figures, align)

    # ---- short answers -------------------------------------------------------------------------
    def _asked_count(self, q: Query) -> int:
        return max(1, len(re.findall(r"多少|几|多大|多长|第几", q.text)))

    def _short(self, q: Query, cand: Candidate) -> str | None:
        text = cand.evidence.text
        if cand.figures:
            n = self._asked_count(q)
            if re.search(r"分别", q.text) or n > 1:
                chosen = [f for f in cand.figures if self._figure_alignment(q, f, text) > 2.0] or cand.figures
                chosen = sorted(chosen[: max(n, 2) if "分别" in q.text else n], key=lambda f: f.start)
                return "，".join(f.raw for f in chosen)
            return cand.figures[0].raw
        if q.qtype == "fact" and cand.evidence.figures:
            return max(cand.evidence.figures, key=lambda f: self._figure_alignment(q, f, text)).raw
        if q.qtype == "rank":
            m = re.search(r"第[一二三四五六七八九十\d]+(?:位|名)?|首位", text)
            return m.group() if m else None
        if q.qtype == "person":
            return _person(q, text) or _span(q.text, text)
        if q.qtype == "date":
            m = re.search(r"(?:19|20)\d{2}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日", text)
            return m.group() if m else None
        if q.qtype == "place":
            m = re.search(r"(?:位于|设在|地处|落户)([^，。；、]{2,30})", text)
            return m.group(1) if m else None
        if q.qtype == "list":
            runs = re.findall(r"[^，。；：:]*?[\u4e00-\u9fff“”]+(?:、[^、，。；]+)+", text)
            return re.sub(r"^(?:即|包括|有|是)", "", max(runs, key=len).strip()) if runs else None
        if q.qtype == "entity":
            m = re.search(r"《[^》]+》", text)
            if m:
                return m.group()
        return _span(q.text, text)

    # ---- composing -----------------------------------------------------------------------------
    def _citation(self, n: int, cand: Candidate) -> Citation:
        ev = cand.evidence
        c = ev.chunk
        return Citation(
            n=n,
            source=c.source,
            article_id=c.article_id,
            title=c.title,
            date=c.date,
            text=c.text,
            quote=ev.text,
            start=ev.page_start,
            end=ev.page_end,
            score=cand.score,
        )

    def _lead(self, q: Query, short: str | None) -> str:
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
            before = q.text[end : m.start()]
            filler = "为" if m.group() in _SIZE_WORDS and not before.endswith(("是", "为", "有")) else ""
            rest = q.text[m.end() :]
            overlap = next((k for k in range(min(len(rest), len(value)), 0, -1) if value.endswith(rest[:k])), 0)
            if re.match(r"突破|首破|超过|超|逾|达到|达|近|接近|不到|约", value):
                before = re.sub(r"(?:是|为)$", "", before)  # 吞吐量首破3000万标准箱, not 是首破
            body += before.rstrip("有") + filler + value  # 多少米 → 366米, not 366米米
            end = m.end() + overlap
        body += q.text[end:]
        return re.sub(r"[？?！!。\s]+$", "", body) + "。"

    def _refuse(self, q: Query, hits: list[Hit], timings: dict[str, float]) -> Answer:
        """The fixed not-found message, with up to three articles as related reading (one sentence
        each, the one closest to the question) and never a figure in the message itself."""
        related: list[Citation] = []
        seen: set[str] = set()
        for h in hits:
            c = h.chunk
            if c.article_id in seen or len(related) == 3:
                continue
            seen.add(c.article_id)
            sentences = EVIDENCE.get(self.retriever.index, c)
            near = max(sentences, key=lambda e: coverage(q.terms, e.text), default=None)
            related.append(
                Citation(
                    len(related) + 1, c.source, c.article_id, c.title, c.date, c.text,
                    near.text if near else c.text[:80],
                    near.page_start if near else c.start,
                    near.page_end if near else c.end,
                    h.score,
                )
            )
        message = NOT_FOUND.format(subject=q.subject)
        if related:
            message += "相关资料：" + "；".join(f"《{c.title}》（{format_date(c.date)}）[{c.n}]" for c in related) + "。"
        return Answer(message, None, False, q.qtype, tuple(related), timings)

    def ask(
        self,
        question: str,
        top_k: int = 8,
        filters: Filters | None = None,
        history: Sequence[str] | None = None,
        mode: str = "hybrid",
    ) -> Answer:
        t0 = time.perf_counter()
        merged = _merge_follow_up(question, history or ())
        q = analyse(merged)
        t1 = time.perf_counter()
        search_text = q.text + (" " + " ".join(q.terms) if re.search(r"[a-zA-Z]{3,}", q.text) else "")
        hits = self.retriever.search(search_text, top_k=max(top_k, 8), mode=mode, filters=filters)
        t2 = time.perf_counter()
        index = self.retriever.index
        candidates: list[Candidate] = []
        pool = ""
        # question words that are some retrieved article's headline topic (猴面包树, 尤金袋鼠)
        topic = frozenset(t for t in _maximal(q.terms) if len(t) >= 2 and any(t in h.chunk.title for h in hits))
        for rank, hit in enumerate(hits):
            pool += hit.chunk.title + hit.chunk.text
            for ev in EVIDENCE.get(index, hit.chunk):
                cand = self._score(q, ev, rank, topic)
                if cand is not None:
                    cand.hit = hit
                    candidates.append(cand)
        top_align = max((c.align for c in candidates), default=0.0)
        for c in candidates:
            # figures compete against each other: the best-aligned figure of this question gets the full bonus
            c.score = round(c.score + (0.6 * c.align / top_align if top_align else 0.0), 6)
        candidates.sort(key=lambda c: (-c.score, c.rank, c.evidence.start))
        absent = _absent_share(q, pool.lower())
        missing_noun = _missing_noun(q, pool.lower())
        timings = {"analyse": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000}
        best = candidates[0] if candidates else None
        min_cov = MIN_COVERAGE if q.terms else 0.0
        content = self._content_score(q, best) if best is not None else 0.0
        if best is None or absent > MAX_ABSENT or content < min_cov or (missing_noun and (
            _is_subject(q, missing_noun) or content < 0.6
        )):
            timings["total"] = (time.perf_counter() - t0) * 1000
            return self._refuse(q, hits, timings)
        if q.qtype == "person" and re.search(r"作者|记者|撰稿|谁写|署名|author", q.text):
            byline = self._byline_answer(q, hits, timings, t0)
            if byline is not None:
                return byline
        extra = self._complements(q, best, candidates) or self._runner_up(q, best, candidates)
        dated = [] if extra else self._other_dates(q, best, candidates)
        chosen = sorted([best, *dated], key=lambda c: c.evidence.chunk.date, reverse=True) if dated else [best, *extra]
        short = self._short(q, chosen[0])
        parts = [self._lead(q, short)]
        if dated:  # the same thing reported differently on pages of other dates: latest first
            for older in chosen[1:]:
                parts.append(f"{format_date(older.evidence.chunk.date)}的报道为{self._short(q, older)}。")
        citations = []
        for n, cand in enumerate(chosen, 1):
            citations.append(self._citation(n, cand))
            title, date = cand.evidence.chunk.title, format_date(cand.evidence.chunk.date)
            lead_in = "据" if n == 1 else "另据"
            parts.append(f"{lead_in}《{title}》（{date}）：{cand.evidence.text}[{n}]")
        answer = "".join(parts)
        timings["total"] = (time.perf_counter() - t0) * 1000
        return Answer(answer, short, True, q.qtype, tuple(citations), {k: round(v, 2) for k, v in timings.items()})

    def _byline_answer(self, q: Query, hits: list[Hit], timings: dict[str, float], t0: float) -> Answer | None:
        """Who wrote an article: its byline (□记者 白晓 报道 / □中共市委青岛党校 毛振鹏)."""
        index = self.retriever.index
        for hit in hits:
            article = index.articles.get(hit.chunk.article_id)
            if article is None or not article.byline:
                continue
            named = any(s in article.title for s in q.quoted) or coverage(q.terms, article.title) >= 0.5
            line = article.byline.split(" □")[0]
            if not named or line not in hit.chunk.text:
                continue
            names = [w for w in re.split(r"\s+", re.sub(r"^□|报道$|摄$", "", line).strip()) if w]
            names = [w for w in names if not re.search(r"记者|通讯员|实习生|日报|新闻|党校|报社|观海", w)]
            short = "、".join(names) if names else line
            local = hit.chunk.text.find(line)
            citation = Citation(
                1, hit.chunk.source, article.id, article.title, article.date, hit.chunk.text, line,
                hit.chunk.start + local, hit.chunk.start + local + len(line), hit.score,
            )
            answer = (
                f"《{article.title}》的作者是{short}。据《{article.title}》（{format_date(article.date)}）署名：{line}[1]"
            )
            timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
            return Answer(answer, short, True, q.qtype, (citation,), timings)
        return None

    def _content_score(self, q: Query, cand: Candidate) -> float:
        """How much of the question the sentence (fully) and its paragraph (half) carry, word by word;
        a compound the source writes differently gets partial credit (出口额 vs 出口5361.1亿元)."""
        ev = cand.evidence
        words = _maximal(q.terms)
        total = sum(term_weight(t) for t in words) or 1.0
        got = sum(
            term_weight(t) * max(_credit(t, ev.text, q.match_text), 0.5 * _credit(t, ev.context, q.match_text)) for t in words
        )
        return got / total

    def _complements(self, q: Query, best: Candidate, ranked: list[Candidate]) -> list[Candidate]:
        """More sentences when the best one leaves part of the question open (a second year or place)."""
        extra: list[Candidate] = []
        years_left = set(q.years) - set(best.evidence.years | best.evidence.context_years)
        places_left = {p for p in q.places if p not in best.evidence.text}
        for cand in ranked[1:]:
            ev = cand.evidence
            if years_left and years_left & ev.years:
                extra.append(cand)
                years_left -= ev.years
            elif len(q.places) > 1 and places_left and any(p in ev.text for p in places_left):
                extra.append(cand)
                places_left = {p for p in places_left if p not in ev.text}
        return [c for c in extra if c.evidence.text != best.evidence.text][:2]

    def _runner_up(self, q: Query, best: Candidate, ranked: list[Candidate]) -> list[Candidate]:
        """Without a figure to pin the answer on (什么作用, 为什么), a close second sentence of the same
        article is quoted too: descriptive answers often run over two sentences."""
        if q.wanted_kinds is not None or q.qtype in ("person", "date", "place"):
            return []
        for cand in ranked[1:4]:
            same = cand.evidence.chunk.article_id == best.evidence.chunk.article_id
            if same and cand.evidence.text != best.evidence.text and cand.score >= 0.85 * best.score:
                return [cand]
        return []

    def _other_dates(self, q: Query, best: Candidate, ranked: list[Candidate]) -> list[Candidate]:
        """A close candidate from a page of another date whose figure measures the same thing with a
        different value (225个 in 2020, 230多个 in 2024), when the question names no time."""
        if q.years or q.spans or q.plans or not best.figures:
            return []
        fig = best.figures[0]
        out = []
        for cand in ranked[1:6]:
            if cand.evidence.chunk.date == best.evidence.chunk.date or not cand.figures:
                continue
            other = cand.figures[0]
            same_thing = (
                other.unit == fig.unit
                and other.kind == fig.kind
                and other.counter == fig.counter
                and other.measure == fig.measure
                and other.value != fig.value
                and cand.align >= 0.8 * best.align
                and cand.score >= 0.75 * best.score
            )
            if same_thing:
                out.append(cand)
                break
        return out


_SHARE_BASES = {"全国": "全国|我国|中国|国内", "全省": "全省|[\u4e00-\u9fff]{2,3}省", "全市": "全市|[\u4e00-\u9fff]{2,3}市"}


def _share_base(question: str) -> str:
    """What a share is a share of, as a pattern: 占全国的比重 → 全国|我国|…; '' when not stated."""
    m = re.search(r"占(?:同期)?([\u4e00-\u9fff]{2,5}?)(?:的|比重|多少|几成|外贸|进出口|出口|进口)", question)
    if not m:
        return ""
    base = m.group(1)
    return _SHARE_BASES.get(base, re.escape(base))


def _asked_noun(question: str) -> str:
    """The thing being counted or measured: 提供了多少个岗位 → 岗位."""
    m = re.search(r"(?:多少|几)[个家项位名艘列条座场批件套次户台辆架所种]?([\u4e00-\u9fff]{2,4})", question)
    return m.group(1) if m and m.group(1) not in ("亿元", "万元", "美元") else ""


def _maximal(terms: tuple[str, ...]) -> list[str]:
    """Search-mode terms without the parts of longer ones (进出口总值, not also 进出口 and 总值)."""
    return [t for t in terms if not any(t != u and t in u for u in terms)]


def _credit(word: str, text: str, question: str = "") -> float:
    """1 for a word in the text; else the longest part of it that is (出口额 → 出口: 2/3), or 0.8 ×
    the share of its character pairs when most of them are."""
    if term_in(word, text, question) or term_in(core_term(word), text, question):
        return 1.0
    n = len(word)
    part = max(
        (j - i for i in range(n) for j in range(i + 2, n + 1) if j - i < n and term_in(word[i:j], text, question)),
        default=0,
    )
    pairs = [word[i : i + 2] for i in range(n - 1)]
    share = sum(p in text for p in pairs) / len(pairs) if pairs else 0.0
    return max(part / n, 0.8 * share if share >= 0.5 else 0.0)


_NOUN_FLAGS = ("n", "ns", "nr", "nt", "nz", "eng", "nrt", "vn")


def _missing_noun(q: Query, pool: str) -> str | None:
    """A noun of the question that no retrieved passage mentions (烟台, 财政收入, GDP): unless the
    evidence matches the rest of the question closely, the passages are not about that."""
    for word in _maximal(q.terms):
        if word in SOFT_TERMS or _credit(word, pool, q.match_text):
            continue
        flags = {f for _, f in pos_cut(word)}
        if flags & set(_NOUN_FLAGS):
            return word
    return None


_SIZE_WORDS = ("多大", "多长", "多高", "多重", "多远")
_ASKED = re.compile(r"什么样的?|什么|怎么样?|怎样|如何|为什么|为何|哪[些个里儿位年]?|谁|多少|几|吗|呢|[？?]")


def _span(question: str, sentence: str) -> str | None:
    """The words of the sentence that answer: the clause sharing most with the question, less the
    words it repeats from the question (乍都节公园位于什么地方 → 泰国的首都曼谷的乍都节县)."""
    asked = _ASKED.sub("", question)
    pairs = {asked[i : i + 2] for i in range(len(asked) - 1)}
    clauses = [c.strip() for c in re.split(r"[，；。！？：,;!?]", sentence) if c.strip()]
    if not clauses or not pairs:
        return None
    clause = max(clauses, key=lambda c: sum(c[i : i + 2] in pairs for i in range(len(c) - 1)))
    trimmed = clause
    for _ in range(3):  # peel question words off both ends
        head = next((k for k in range(len(trimmed), 1, -1) if trimmed[:k] in asked), 0)
        tail = next((k for k in range(len(trimmed), 1, -1) if trimmed[-k:] in asked), 0)
        if not head and not tail:
            break
        trimmed = trimmed[head : len(trimmed) - tail]
        trimmed = re.sub(r"^[（）()\s]*(?:是|为|有|在|于|由|的|被|将|了)?", "", trimmed).strip()
    return trimmed if len(trimmed) >= 2 else clause


def _is_subject(q: Query, word: str) -> bool:
    """The word opens the question, perhaps after a time (烟台2022年… / 2022年烟台…): what it asks about."""
    head = re.sub(r"^(?:(?:19|20)\d{2}年?|\d{1,2}(?:-|至)\d{1,2}月|今年|去年|[，,\s])*", "", q.match_text.lower())
    return head.startswith(word)


def _absent_share(q: Query, pool: str) -> float:
    """Share of the question's words that the retrieved passages never mention (常住人口 in a corpus
    without population figures). A word counts as mentioned when most of its character pairs are
    (进出口额 is mentioned by 进出口…亿元)."""
    words = _maximal(q.terms)
    if not words:
        return 0.0
    total = sum(term_weight(w) for w in words)
    return sum(term_weight(w) for w in words if not _credit(w, pool)) / total


def _subject_penalty(q: Query, sentence: str) -> float:
    """Names and nouns in a sentence's opening clause that the question does not use mark a more
    specific subject (青岛自贸片区… when 青岛市 was asked about)."""
    head = re.split(r"[，；：,;:]", sentence, maxsplit=1)[0]
    penalty = 0.0
    for word, flag in pos_cut(head):
        if len(word) < 2 or word in q.text or word in GENERIC_PLACES or not re.search(r"[\u4e00-\u9fff]", word):
            continue
        if flag in ("ns", "nt", "nz", "x", "j"):
            penalty += 0.15
        elif flag == "n":
            penalty += 0.05
    return min(penalty, 0.3)


_ASK_WORD = re.compile(
    r"(?:多少|几)(?P<counter>[个家项位名艘列条座场批件套次户台辆架所种人]?)|多大|多长|多高|多重|多远|第几|谁|哪里|什么时候|何时"
)
_ROLE_NAME = re.compile(
    r"(?:局长|关长|书记|主任|经理|总监|主席|市长|区长|部长|董事长|总经理|院长|校长|负责人|会长|秘书长)"
    r"([\u4e00-\u9fff]{2,3}?)(?:表示|介绍|说|指出|认为|强调|透露|称|坦言|告诉)"
)
def _person(q: Query, text: str) -> str | None:
    """The name next to the role the question asks about: 青岛海关关长沈扬 → 沈扬."""
    m = _ROLE_NAME.search(text)
    if m:
        return m.group(1)
    roles = [t for t in q.terms if t.endswith(("长", "书记", "主任", "经理", "作者", "记者", "主席", "总监"))]
    names = [(w, text.find(w)) for w, flag in pos_cut(text) if flag == "nr" and len(w) >= 2]
    if not names:
        return None
    if roles:
        pos = max((text.find(r) for r in roles if r in text), default=-1)
        if pos >= 0:
            after = [n for n in names if n[1] >= pos]
            if after:
                return after[0][0]
    return names[0][0]


def evaluate_gold(service: Any, path: Path) -> dict[str, Any]:
    """Score a gold file (one JSON per line: question, must, sources, kind) against the local index,
    with the same rules as shared/eval/score.py, for users who bring their own corpus."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    n = right = cited = unans = refused = false_ref = 0
    fails = []
    squash = str.maketrans("", "", " \n\t")
    for r in rows:
        ans, _ = service.ask(r["question"])
        text = ans.answer.translate(squash)
        if r.get("kind") == "unanswerable":
            unans += 1
            refused += not ans.found
            if ans.found:
                fails.append({"id": r.get("id"), "problem": "should refuse", "answer": ans.answer})
            continue
        n += 1
        ok = ans.found and all(m.translate(squash) in text for m in r.get("must", []))
        right += ok
        false_ref += not ans.found
        if ans.found and r.get("must") and any(
            any(c.source.startswith(s) for s in r.get("sources", [])) and r["must"][0] in c.text for c in ans.citations
        ):
            cited += 1
        if not ok:
            fails.append({"id": r.get("id"), "problem": "answer", "answer": ans.answer})
    report = {
        "answer_acc": round(right / n, 3) if n else None,
        "citation_acc": round(cited / n, 3) if n else None,
        "refusal_acc": round(refused / unans, 3) if unans else None,
        "false_refusal_rate": round(false_ref / n, 3) if n else None,
        "fails": fails,
    }
    report["summary"] = (
        f"answer_acc {report['answer_acc']}  citation_acc {report['citation_acc']}  "
        f"refusal_acc {report['refusal_acc']}  false_refusal_rate {report['false_refusal_rate']}  ({n + unans} questions)"
    )
    return report
