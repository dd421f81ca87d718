"""The template answerer: picks the evidence sentence that agrees with the question and quotes it.

No language model: every answer is assembled from the corpus's own sentences by rules, so a figure
is always quoted exactly as the source wrote it and the same question on the same index always gets
the same answer. When no retrieved sentence agrees with the question's place, time and indicator the
answer says so instead of offering a figure about something else.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from ..present import format_date
from ..retrieve import Filters, Retriever
from ..store import Index
from ..textzh import fold
from ..types import Answer, Hit
from ..understand import EVIDENCE, Query, analyse, named_by_titles, names_agree
from .compose import byline_answer, citation, joined, partial_answer, refuse, source_line
from .corroborate import also_line, also_reported
from .scoring import (
    Candidate,
    Sentence,
    absent_share,
    companions,
    content_score,
    is_subject,
    maximal,
    missing_noun,
    question_pairs,
    score_sentence,
    typed,
    worded_candidate,
)
from .short import lead, short_answer, spoken
from .weights import WEIGHTS as W


def merge_follow_up(question: str, history: Sequence[str]) -> str:
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

    def ask(
        self,
        question: str,
        top_k: int = 8,
        filters: Filters | None = None,
        history: Sequence[str] | None = None,
        mode: str = "hybrid",
    ) -> Answer:
        t0 = time.perf_counter()
        q = typed(analyse(merge_follow_up(question, history or ())))
        t1 = time.perf_counter()
        search_text = q.text + (" " + " ".join(q.terms) if re.search(r"[a-zA-Z]{3,}", q.text) else "")
        hits = self.retriever.search(search_text, top_k=max(top_k, 8), mode=mode, filters=filters)
        t2 = time.perf_counter()
        index = self.retriever.index
        timings = {"analyse": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000}

        def done(answer: Answer) -> Answer:
            timings["total"] = (time.perf_counter() - t0) * 1000
            return Answer(
                answer.answer, answer.short_answer, answer.found, answer.question_type, answer.citations,
                {k: round(v, 2) for k, v in timings.items()},
            )

        titles = [fold(h.chunk.title) for h in hits]
        q = named_by_titles(q, titles)
        # question words that are some retrieved article's headline topic (猴面包树, 尤金袋鼠)
        topic = frozenset(t for t in maximal(q.terms) if len(t) >= 2 and any(t in title for title in titles))
        pairs = question_pairs(q)
        pool = fold("".join(h.chunk.title + h.chunk.text for h in hits)).lower()
        known = frozenset(n for n in q.names if n.lower() in pool)
        sentences = [
            (ev, hit, rank)
            for rank, hit in enumerate(hits)
            for ev in EVIDENCE.get(index, hit.chunk)
        ] + _topic_article(q, hits, topic, index)
        if known:  # a sentence about someone else is no answer about 禹柯
            seen: dict[str, str] = {}
            sentences = [s for s in sentences if names_agree(q, s[0], index, known, seen)]
        candidates: list[Candidate] = []
        for ev, hit, rank in sentences:
            cand = score_sentence(q, ev, hit, rank, index, topic, pairs)
            if cand is not None:
                candidates.append(cand)
        top_align = max((c.align for c in candidates), default=0.0)
        for c in candidates:
            # figures compete against each other: the best-aligned figure of this question gets the full bonus
            c.score = round(c.score + (W.figure_alignment * c.align / top_align if top_align else 0.0), 6)
        candidates.sort(key=lambda c: (-c.score, c.rank, c.evidence.start))
        best = candidates[0] if candidates else None
        worded = False  # chosen by wording alone: quoted without restating the question as its answer
        if best is None or self._off_subject(q, best, pool):
            # a figure question about a noun no passage mentions (烟台, GDP) is not answered by its wording
            figure_off = q.wanted_kinds is not None and missing_noun(q, pool) is not None
            best = None if figure_off else worded_candidate(q, sentences, pairs, index, topic)
            if best is None:
                return done(refuse(q, hits, index, timings))
            candidates = [best]
            worded = True
        if q.qtype == "person" and re.search(r"作者|记者|撰稿|谁写|署名|author", q.text):
            byline = byline_answer(q, hits, index)
            if byline is not None:
                text, short, cite = byline
                return done(Answer(text, short, True, q.qtype, (cite,)))
        extra = _complements(q, best, candidates) or _runner_up(q, best, candidates)
        if not extra:
            extra = companions(q, best, index, pairs)
        dated = [] if extra else _other_dates(q, best, candidates)
        chosen = sorted([best, *dated], key=lambda c: c.evidence.chunk.date, reverse=True) if dated else [best, *extra]
        partial = partial_answer(q, chosen)
        if partial is not None:
            text, complete = partial
            lines = "".join(source_line(n, cand) for n, cand in enumerate(chosen, 1))
            short = "，".join(short_answer(q, c) or "" for c in chosen) if complete else None
            citations = tuple(citation(n, cand) for n, cand in enumerate(chosen, 1))
            return done(Answer(text + lines, short, complete, q.qtype, citations))
        short = short_answer(q, chosen[0])
        if not dated:
            chosen = joined(chosen)
        parts = [lead(q, spoken(chosen[0], short)) if not worded else ""]
        for older in chosen[1:] if dated else ():  # the same thing reported on pages of other dates: latest first
            parts.append(f"{format_date(older.evidence.chunk.date)}的报道为{short_answer(q, older)}。")
        parts += [source_line(n, cand) for n, cand in enumerate(chosen, 1)]
        others = also_reported(chosen, short, sentences)
        parts.append(also_line(len(chosen) + 1, others))
        citations = tuple(citation(n, cand) for n, cand in enumerate([*chosen, *others], 1))
        return done(Answer("".join(parts), short, True, q.qtype, citations))

    @staticmethod
    def _off_subject(q: Query, best: Candidate, pool: str) -> bool:
        """The retrieved passages are not about the question: too much of it appears nowhere, the best
        sentence carries too little of it, or a noun it asks about is never mentioned."""
        content = content_score(q, best)
        if q.terms and content < W.min_coverage:
            return True
        if absent_share(q, pool) > W.max_absent:
            return True
        noun = missing_noun(q, pool)
        return noun is not None and (is_subject(q, noun) or content < W.missing_noun_coverage)


def _topic_article(q: Query, hits: list[Hit], topic: frozenset[str], index: Index) -> list[Sentence]:
    """The rest of the article whose headline is the question's topic (猴面包树的花有什么特点 →
    《猴面包树》): the answer is somewhere in it, often in a chunk retrieval ranked below other
    articles' chunks. The best-ranked such article only, up to W.topic_chunks more chunks."""
    if not topic or W.topic_chunks < 1:
        return []
    for rank, hit in enumerate(hits):
        if not any(t in fold(hit.chunk.title) for t in topic):
            continue
        have = {h.chunk.id for h in hits}
        more = [c for c in index.chunks_of(hit.chunk.article_id) if c.id not in have][: W.topic_chunks]
        return [(ev, Hit(c, hit.score), rank) for c in more for ev in EVIDENCE.get(index, c)]
    return []


def _complements(q: Query, best: Candidate, ranked: list[Candidate]) -> list[Candidate]:
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


def _runner_up(q: Query, best: Candidate, ranked: list[Candidate]) -> list[Candidate]:
    """Without a figure to pin the answer on (什么作用, 为什么), a close second sentence of the same
    article is quoted too: descriptive answers often run over two sentences."""
    if q.wanted_kinds is not None or q.qtype in ("person", "date", "place"):
        return []
    for cand in ranked[1:4]:
        same = cand.evidence.chunk.article_id == best.evidence.chunk.article_id
        if same and cand.evidence.text != best.evidence.text and cand.score >= W.runner_up * best.score:
            return [cand]
    return []


def _other_dates(q: Query, best: Candidate, ranked: list[Candidate]) -> list[Candidate]:
    """A close candidate from a page of another date whose figure measures the same thing with a
    different value (225个 in 2020, 230多个 in 2024), when the question names no time."""
    if q.years or q.spans or q.plans or not best.figures:
        return []
    fig = best.figures[0]
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
            and cand.align >= W.other_date_align * best.align
            and cand.score >= W.other_date_score * best.score
        )
        if same_thing:
            return [cand]
    return []
