"""Judging one claim figure: evidence figures whose frame agrees with the claim figure's (measure,
unit, indicator, partner, place, scope, status, period), scored by how much of its subject they carry,
then compared as intervals (:func:`rag.figures.compare`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..figures import Figure, compare
from ..types import Comparison, Miss, Outcome
from ..understand import (
    Evidence,
    Frame,
    gap,
    head_noun,
    indicators_agree,
    modifiers_agree,
    part_credit,
    partners_agree,
    periods_agree,
    same_place,
    status_agrees,
    tagged,
)
from ..understand.lexicon import CLAUSE_SPLIT, ENTITY_POS
from ..understand.subject import is_place
from .claim import ClaimFigure, as_growth_percent
from .weights import WEIGHTS


@dataclass
class Match:
    """An evidence figure aligned with a claim figure."""

    ev: Evidence
    fig: Figure
    frame: Frame
    score: float
    outcome: Comparison | Miss  # for a near miss, what differs
    rank: int


def same_dimension(c: Figure, e: Figure) -> bool:
    """Comparable units: the same kind and unit, two amounts (a currency mismatch refutes), or a count
    against a bare quantity; counters must agree when both are written (775列 vs 15个)."""
    if c.kind == e.kind == "amount":
        return True
    if c.kind == e.kind and c.unit == e.unit:
        if c.kind == "count" and c.counter and e.counter and c.counter != e.counter:
            return c.counter in "人名位人次" and e.counter in "人名位人次"
        return True
    return {c.kind, e.kind} <= {"count", "quantity"} and "" in (c.unit, e.unit)


def same_measure(c: Figure, e: Figure) -> bool:
    """Level, growth, share and rank are different things."""
    if (c.measure == "growth") != (e.measure == "growth"):
        return False
    return c.measure == "growth" or c.measure == e.measure


def _frames_agree(cf: ClaimFigure, claim: str, fr: Frame) -> bool:
    """The claim figure and the evidence figure are about the same indicator, partner, place and scope."""
    c = cf.frame
    if not indicators_agree(c.indicators, fr.indicators) or not modifiers_agree(c.modifiers, fr.modifiers):
        return False
    if not partners_agree(c.partner, fr.partner, claim):
        return False
    if c.subject and not same_place(c.subject, fr.subject or c.subject):
        return False
    if cf.fig.kind == "rank" or cf.fig.measure == "share":
        if c.scope and fr.scope and c.scope != fr.scope:
            return False
    return True


def subject_score(cf: ClaimFigure, claim: str, ev: Evidence, ef: Figure, fr: Frame, places: Sequence[str]) -> float:
    """How much of the claim figure's subject the evidence figure carries (near it, earlier in its
    sentence, in its paragraph), less the claim's words the evidence never mentions (国有企业 when
    民营企业 is written) and the evidence figure's own words the claim does not use (服务进出口 when
    进出口 is claimed; a sentence about 青岛自贸片区 when the claim is about the city)."""
    w = WEIGHTS
    total = sum(weight for _, weight, _, _ in cf.words)
    if not total:
        return w.unscored
    before = ev.text[: ef.start]
    got = penalty = 0.0
    for word, weight, flag, is_near in cf.words:
        credit = max(
            w.at_figure * part_credit(word, fr.near),
            w.before_figure * part_credit(word, before),
            w.in_sentence * part_credit(word, ev.text),
            w.in_paragraph * part_credit(word, ev.context),
            w.in_wide * part_credit(word, ev.wide),
        )
        got += weight * credit
        if is_near and gap(word, f"{ev.context}\n{ev.text}\n{ev.wide}") >= 2:
            penalty += w.missing_entity if flag in ENTITY_POS else w.missing_noun if flag.startswith(("n", "vn")) else w.missing_other
    for word, flag in tagged(fr.own):
        if gap(word, claim) >= 2:
            penalty += w.extra_entity if flag in ENTITY_POS else w.extra_noun if flag.startswith(("n", "vn")) else w.extra_other
    head = CLAUSE_SPLIT.split(ev.text, maxsplit=1)[0]
    own_subject = re.search(r"全市|我市|本市|全省|全国", fr.own) or any(p in fr.own for p in places)
    if ef.start > len(head) and not own_subject:
        subject = head_noun(head)
        if subject and part_credit(subject, claim) < 0.5 and not is_place(subject, list(places)):
            penalty += w.other_subject
    return got / total - min(penalty, w.max_penalty)


def matches(
    cf: ClaimFigure, claim: str, places: Sequence[str], pool: Sequence[tuple[Evidence, int]]
) -> tuple[list[Match], list[Match]]:
    """Evidence figures about the same thing as the claim figure, best first; and near misses (the
    same thing for another period, or a forecast for an actual), to name when nothing matches."""
    out: list[Match] = []
    near_misses: list[Match] = []
    for ev, rank in pool:
        for ef, fr in zip(ev.figures, ev.frames, strict=True):
            e = as_growth_percent(ef)
            if not same_dimension(cf.fig, e) or not same_measure(cf.fig, e):
                continue
            if not _frames_agree(cf, claim, fr):
                continue
            miss: Miss | None = None
            if not status_agrees(cf.frame.status, fr.status):
                miss = "status"
            elif not periods_agree(cf.frame, fr):
                miss = "period"
            score = subject_score(cf, claim, ev, ef, fr, places) + WEIGHTS.rank / (1 + rank)
            if score < WEIGHTS.min_score:
                continue
            if miss:
                near_misses.append(Match(ev, ef, fr, score, miss, rank))
            else:
                out.append(Match(ev, ef, fr, score, compare(cf.fig, e), rank))
    out.sort(key=lambda m: (-m.score, m.rank, m.ev.start))
    near_misses.sort(key=lambda m: (-m.score, m.rank, m.ev.start))
    return out, near_misses


def judge(cf: ClaimFigure, found: list[Match]) -> tuple[Outcome, Match | None]:
    """Among the best-aligned evidence one that supports wins; else the best one refutes, if it is
    aligned closely enough to contradict the claim."""
    if not found:
        return "not_found", None
    best = found[0]
    tier = [m for m in found if m.score >= best.score - WEIGHTS.tier]
    c = cf.frame
    if not (c.years or c.plan or c.span):
        # a claim that names no year is borne out by another year's figure (跃居全球第六 was 2022's)
        years = best.frame.years
        tier += [
            m
            for m in found
            if best.score - WEIGHTS.yearless_tier <= m.score < best.score - WEIGHTS.tier and not (m.frame.years & years)
        ]
    for m in tier:
        if m.outcome == "supports":
            return "supported", m
    if best.outcome == "refutes" and best.score >= WEIGHTS.min_refute:
        return "refuted", best
    return "not_found", None


def coverage(words: Sequence[str], ev: Evidence) -> float:
    """Share of the claim's words in the evidence sentence (its paragraph counts less)."""
    if not words:
        return 0.0
    total = sum(len(w) for w in words)
    return sum(len(w) * max(part_credit(w, ev.text), WEIGHTS.coverage_paragraph * part_credit(w, ev.context)) for w in words) / total
