"""Answer texts: citations, the answer template, the refusal, and the byline answer.

Everything quoted is the source's own text as written (a traditional-Chinese page is quoted in
traditional characters), with offsets into the cleaned page.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..present import format_date
from ..store import Index
from ..types import Answer, Chunk, Citation, Hit
from ..understand import EVIDENCE, Query, coverage
from .scoring import Candidate

NOT_FOUND = "资料中没有找到{subject}的相关信息。"


def quote(cand: Candidate) -> str:
    """The evidence sentence (or run of sentences) exactly as the source writes it."""
    if cand.span is None or cand.passage is None:
        return cand.evidence.written
    return cand.passage.text[cand.span[0] - cand.passage.start : cand.span[1] - cand.passage.start]


def citation(n: int, cand: Candidate) -> Citation:
    ev = cand.evidence
    c = cand.passage or cand.hit.chunk
    start, end = cand.span or (ev.page_start, ev.page_end)
    return Citation(n, c.source, c.article_id, c.title, c.date, c.text, quote(cand), start, end, cand.score)


def _passage(chunks: list[Chunk]) -> Chunk | None:
    """Overlapping or adjacent chunks of one article as one chunk (the first one's id), or None
    when they leave a gap."""
    chunks = sorted(chunks, key=lambda c: c.start)
    text, end = chunks[0].text, chunks[0].end
    for c in chunks[1:]:
        if c.start > end:
            return None
        if c.end > end:
            text += c.text[end - c.start :]
            end = c.end
    return replace(chunks[0], text=text, end=end)


def joined(chosen: list[Candidate]) -> list[Candidate]:
    """The answer's sentences with each run of adjacent sentences of one article quoted as one
    passage (one citation, in the source's order): an answer that runs over two sentences reads as the
    source wrote it, not as two quotes of the same article. The first candidate stays first: it answers."""
    first = chosen[0]
    article = first.hit.chunk.article_id
    same = [c for c in chosen if c.hit.chunk.article_id == article]
    if len(same) < 2:
        return chosen
    # the chunks the sentences come from, joined; when they leave a gap, the first one's chunk alone
    passage = _passage(list({c.hit.chunk.id: c.hit.chunk for c in same}.values())) or first.hit.chunk
    text = passage.text
    lo, hi = first.evidence.page_start, first.evidence.page_end
    rest = list(chosen[1:])
    grown = True
    while grown:
        grown = False
        for cand in rest:
            ev = cand.evidence
            inside = passage.start <= ev.page_start and ev.page_end <= passage.end
            if cand.hit.chunk.article_id != article or not inside:
                continue
            if ev.page_end <= lo and not text[ev.page_end - passage.start : lo - passage.start].strip():
                lo = ev.page_start
            elif ev.page_start >= hi and not text[hi - passage.start : ev.page_start - passage.start].strip():
                hi = ev.page_end
            else:
                continue
            rest.remove(cand)
            grown = True
            break
    if (lo, hi) == (first.evidence.page_start, first.evidence.page_end):
        return chosen
    return [replace(first, span=(lo, hi), passage=passage), *rest]


def source_line(n: int, cand: Candidate) -> str:
    """据《标题》（2023年1月28日）：quoted sentence[n]"""
    c = cand.hit.chunk
    lead_in = "据" if n == 1 else "另据"
    return f"{lead_in}《{c.title}》（{format_date(c.date)}）：{quote(cand)}[{n}]" if c.title else (
        f"{lead_in}资料（{format_date(c.date)}）：{quote(cand)}[{n}]"
    )


def refuse(q: Query, hits: list[Hit], index: Index, timings: dict[str, float]) -> Answer:
    """The fixed not-found message, with up to three articles as related reading (one sentence
    each, the one closest to the question) and never a figure in the message itself."""
    related: list[Citation] = []
    seen: set[str] = set()
    for h in hits:
        c = h.chunk
        if c.article_id in seen or len(related) == 3:
            continue
        seen.add(c.article_id)
        sentences = EVIDENCE.get(index, c)
        near = max(sentences, key=lambda e: coverage(q.terms, e.text), default=None)
        related.append(
            Citation(
                len(related) + 1, c.source, c.article_id, c.title, c.date, c.text,
                near.written if near else c.text[:80],
                near.page_start if near else c.start,
                near.page_end if near else c.end,
                h.score,
            )
        )
    message = NOT_FOUND.format(subject=q.subject)
    if related:
        message += "相关资料：" + "；".join(f"《{c.title}》（{format_date(c.date)}）[{c.n}]" for c in related) + "。"
    return Answer(message, None, False, q.qtype, tuple(related), timings)


def byline_answer(q: Query, hits: list[Hit], index: Index) -> tuple[str, str, Citation] | None:
    """Who wrote an article: its byline (□记者 白晓 报道 / □中共市委青岛党校 毛振鹏)."""
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
        cite = Citation(
            1, hit.chunk.source, article.id, article.title, article.date, hit.chunk.text, line,
            hit.chunk.start + local, hit.chunk.start + local + len(line), hit.score,
        )
        text = f"《{article.title}》的作者是{short}。据《{article.title}》（{format_date(article.date)}）署名：{line}[1]"
        return text, short, cite
    return None


def _span_label(year: int, span: tuple[int, int]) -> str:
    first, last = span
    return f"{year}年{first}月" if first == last else f"{year}年{first}-{last}月"


def _own_year(q: Query, cand: Candidate) -> int | None:
    ev = cand.evidence
    years = (ev.years or ev.context_years) & q.years
    return min(years) if years else None


def partial_answer(q: Query, chosen: list[Candidate]) -> tuple[str, bool] | None:
    """The answer to a figure question about given years, year by year, saying plainly what the
    corpus lacks: a year none of the sentences speaks of (2021年和2023年 → 资料中没有2021年的数据；
    2023年为…[1]), or the whole year when the figure is for part of it (资料中没有2024年全年的数据；
    2024年1-5月为3561.8亿元[1]). Returns (text, complete) — complete when nothing asked is missing —
    or None when the ordinary template answers."""
    if not q.years or q.wanted_kinds is None or not chosen[0].figures:
        return None
    covered = {y for c in chosen if (y := _own_year(q, c)) is not None}
    missing = sorted(q.years - covered)
    if len(q.years) == 1 and not missing:
        year = next(iter(q.years))
        span = _part_span(q, chosen[0])
        if span is None:
            return None
        raw = chosen[0].evidence.raw(chosen[0].figures[0])
        return f"资料中没有{year}年全年的数据；{_span_label(year, span)}为{raw}[1]。", False
    if len(q.years) == 1 or (not missing and len(chosen) == 1):
        return None
    items = []
    for n, c in enumerate(chosen, 1):
        year = _own_year(q, c)
        if year is None or not c.figures:
            continue
        span = _part_span(q, c)
        label = _span_label(year, span) if span else f"{year}年"
        items.append(f"{label}为{c.evidence.raw(c.figures[0])}[{n}]")
    if not items:
        return None
    head = "资料中没有" + "、".join(f"{y}年" for y in missing) + "的数据；" if missing else ""
    return head + "，".join(items) + "。", not missing


_PART_ASKED = re.compile(r"\d{1,2}月|季度|半年|截至|截止|以来|月底|月末")


def _part_span(q: Query, cand: Candidate) -> tuple[int, int] | None:
    """The months of the year the candidate's figure covers, when that is only part of the year and
    the question asked for the year (the question's own span, 1-5月 or 上半年, is answered as asked)."""
    if q.spans or _PART_ASKED.search(q.text):
        return None
    ev = cand.evidence
    fig = cand.figures[0]
    at = next((i for i, f in enumerate(ev.figures) if f is fig), None)
    if at is None or at >= len(ev.frames):
        return None
    span = ev.frames[at].span
    return tuple(span) if span else None  # type: ignore[return-value]
