"""The checker: every figure of a claim is aligned with corpus figures, then compared.

A claim figure is compared only with an evidence figure about the same thing: the evidence sentence
must agree on year, month span and place (:func:`rag.understand.aligned`), and the two figures' frames
must agree on measure, unit, indicator, partner, place, scope, status and period (:mod:`.judge`).
Among the best-aligned evidence one that supports wins; otherwise the best one refutes if it is
aligned closely enough; otherwise the figure is not found. The claim is supported when every figure
is, refuted when any is, and otherwise there is not enough information.
"""

from __future__ import annotations

import time
from dataclasses import replace

from ..retrieve import Retriever
from ..textzh import is_blank, normalize, split_sentences
from ..understand import Evidence, aligned, analyse, content_words, evidence_of, with_context_year
from ..understand.subject import is_place
from .claim import claim_figures, extract_claim_figures
from .explain import NO_FIGURE, Judged, compose, compose_literal
from .judge import coverage, judge, matches
from .literal import has_numbers, literal_match
from .records import CheckResult
from .weights import WEIGHTS


class Checker:
    """Checks claims and drafts against one retriever (one index generation)."""

    def __init__(self, retriever: Retriever, top_k: int = WEIGHTS.top_k) -> None:
        self.retriever = retriever
        self.top_k = top_k

    def check(self, claim: str, *, context: str = "", start: int = 0, end: int | None = None) -> CheckResult:
        """Check one claim. `context` (the draft before it) lends a year when the claim has none."""
        t0 = time.perf_counter()
        end = len(claim) if end is None else end
        if is_blank(claim):
            return CheckResult(claim, "not_enough_info", NO_FIGURE, start=start, end=end)
        own = normalize(claim)
        text = with_context_year(own, context)
        q = analyse(text)
        figs = claim_figures(text, q)
        if not figs and not has_numbers(own):
            return CheckResult(claim, "not_enough_info", NO_FIGURE, start=start, end=end)
        t1 = time.perf_counter()
        hits = self.retriever.search(q.text, top_k=self.top_k)
        t2 = time.perf_counter()
        index = self.retriever.index
        lit = literal_match(own, [(ev, rank) for rank, hit in enumerate(hits) for ev in evidence_of(index, hit.chunk)])
        if lit is not None or not figs:
            result = compose_literal(claim, lit, start, end) if lit is not None else CheckResult(
                claim, "not_enough_info", NO_FIGURE, start=start, end=end
            )
            timings = {"analyse": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000, "total": (time.perf_counter() - t0) * 1000}
            return replace(result, timings_ms={k: round(v, 2) for k, v in timings.items()})
        pool: list[tuple[Evidence, int]] = []
        seen: set[tuple[str, int]] = set()
        for rank, hit in enumerate(hits):
            for ev in evidence_of(index, hit.chunk):
                key = (hit.chunk.source, ev.page_start)
                if key in seen or not ev.figures or not aligned(q, ev, index, answer_types_exempt=False):
                    continue
                seen.add(key)
                pool.append((ev, rank))
        found = [matches(cf, text, q.places, pool) for cf in figs]
        claim_words = [w for w in content_words(text) if not is_place(w, q.places)]
        for i, (ms, _) in enumerate(found):
            backed = {id(m.ev) for j, (other, _) in enumerate(found) if j != i for m in other if m.outcome == "supports"}
            for m in ms:
                # the sentence the claim was written from carries the claim's words, and its other
                # figures (占地面积约74亩，投资10亿元: both from one sentence)
                m.score += WEIGHTS.sentence * coverage(claim_words, m.ev)
                if id(m.ev) in backed:
                    m.score += WEIGHTS.colocated
            ms.sort(key=lambda m: (-m.score, m.rank, m.ev.start))
        judged: list[Judged] = []
        for cf, (ms, near) in zip(figs, found, strict=True):
            outcome, match = judge(cf, ms)
            # for a figure not found, the closest thing the corpus has: a figure too vague to decide
            # (突破6000亿元 for 6200亿元), or the same thing for another period or as a forecast
            hints = [m for m in ms + near if m.score >= WEIGHTS.min_refute] if match is None else []
            judged.append((cf, outcome, match, hints[:1]))
        result = compose(claim, judged, start, end)
        t3 = time.perf_counter()
        timings = {"analyse": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000, "total": (t3 - t0) * 1000}
        return replace(result, timings_ms={k: round(v, 2) for k, v in timings.items()})

    def check_text(self, text: str) -> list[CheckResult]:
        """Split a draft into sentences and check every one that holds a figure; a sentence without a
        year borrows the last year written before it in its paragraph."""
        results = []
        for sentence, s, e in split_sentences(text):
            norm = normalize(sentence)
            if not extract_claim_figures(norm) and not has_numbers(norm):
                continue
            results.append(self.check(sentence, context=text[:s], start=s, end=e))
        return results
