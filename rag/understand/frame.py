"""The frame of a figure: what it is about, for when, and whether it is a result.

A frame is computed once per evidence figure (when its chunk is annotated) and once per claim figure;
answering and checking compare frames, then score the words. Fields:
subject (the place it is about) and role (whole / part / partner), partner, indicators (mutually
exclusive words: 出口 ≠ 进口 ≠ 进出口), scope of a rank or share, measure, unit, years it may be about,
month span, five-year plan, status (actual / forecast / target / unknown), and the subject context
(``near``: the words that say what it is; ``own``: the words written for this figure alone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..figures import Figure, Period, extract_periods, resolve_year
from ..types import Role, Status
from .context import Span, period_span, topical
from .lexicon import ASKING
from .lists import contexts
from .status import evidence_status, figure_status
from .subject import (
    Indicators,
    indicators,
    indicators_agree,
    modifiers,
    modifiers_agree,
    partner,
    resolve_anaphor,
    scope,
    subject_place,
)

_INTERROGATIVE = re.compile(ASKING + "|何")


@dataclass(frozen=True)
class Frame:
    """What one figure is about (see the module docstring)."""

    near: str
    own: str
    subject: str
    role: Role
    partner: str
    indicators: Indicators
    modifiers: tuple[str, ...] | None  # what narrows its flow to a part (服务进出口 → 服务); None: no flow
    scope: str | None
    measure: str
    unit: str
    years: frozenset[int]
    span: Span | None  # the figure's own month span, or its sentence's only one
    span_inherited: bool  # the sentence names no period: its span (if any) is the paragraph's
    plan: str | None
    status: Status

    def to_dict(self) -> dict[str, Any]:
        return {
            "near": self.near, "own": self.own, "subject": self.subject, "role": self.role, "partner": self.partner,
            "indicators": {g: sorted(v) for g, v in self.indicators.items()},
            "modifiers": list(self.modifiers) if self.modifiers is not None else None, "scope": self.scope,
            "measure": self.measure, "unit": self.unit, "years": sorted(self.years),
            "span": list(self.span) if self.span else None, "span_inherited": self.span_inherited,
            "plan": self.plan, "status": self.status,
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Frame:
        return Frame(
            near=d["near"], own=d["own"], subject=d["subject"], role=d["role"], partner=d["partner"],
            indicators={g: frozenset(v) for g, v in d["indicators"].items()},
            modifiers=tuple(d["modifiers"]) if d["modifiers"] is not None else None, scope=d["scope"],
            measure=d["measure"], unit=d["unit"], years=frozenset(d["years"]),
            span=tuple(d["span"]) if d["span"] else None,  # type: ignore[arg-type]
            span_inherited=d["span_inherited"], plan=d["plan"], status=d["status"],
        )


def _role(partner_name: str, narrowed: tuple[str, ...] | None) -> Role:
    """partner (对东盟进出口), part (服务进出口, 民营企业进出口) or whole (外贸进出口)."""
    return "partner" if partner_name else "part" if narrowed else "whole"


@dataclass(frozen=True)
class Setting:
    """The period a sentence's surroundings give it, for figures that name none: the paragraph before
    it, else (after 同期, or when the paragraph names none) the paragraph before that, else the
    headline (前5月青州外贸… over a list of figures)."""

    years: frozenset[int]
    spans: frozenset[Span]


def setting(paragraph: str, wide: str, title: str, article_date: str) -> Setting:
    """Where an undated figure's period comes from (see :class:`Setting`)."""
    for text in (paragraph, wide, title):
        years, spans = topical(text, article_date)
        if years or spans:
            return Setting(years, spans)
    return Setting(frozenset(), frozenset())


def figure_years(fig: Figure, sentence_years: frozenset[int], around: Setting, article_date: str) -> frozenset[int]:
    """The years an evidence figure may be about: its own period, else its sentence's, else what its
    surroundings say (:func:`setting`), else the article's year and the year before."""
    year = resolve_year(fig.period, article_date).year
    if year is not None:
        return frozenset({year})
    if fig.period.plan:
        return frozenset()
    if sentence_years:
        return sentence_years
    if around.years:
        return around.years
    y = article_date[:4]
    return frozenset({int(y), int(y) - 1}) if y.isdigit() else frozenset()


def _evidence_span(fig: Figure, periods: tuple[Period, ...], around: Setting) -> tuple[Span | None, bool]:
    """The figure's month span; without one (and without a year or plan of its own), its sentence's
    only span; a sentence with no period at all inherits its surroundings' only span."""
    span = period_span(fig.period)
    if span is not None or fig.period.year is not None or fig.period.plan:
        return span, False
    if not periods:
        return (next(iter(around.spans)) if len(around.spans) == 1 else None), True
    spans = {sp for p in periods if (sp := period_span(p)) is not None}
    return (next(iter(spans)) if len(spans) == 1 else None), False


def evidence_frames(
    sentence: str,
    figures: tuple[Figure, ...],
    periods: tuple[Period, ...],
    paragraph: str,
    article_date: str,
    years: frozenset[int],
    title: str = "",
    wide: str = "",
) -> tuple[Frame, ...]:
    """Frames of every figure of an evidence sentence (claim-independent: computed once per chunk)."""
    around = setting(paragraph, wide, title, article_date)
    out = []
    for fig, (near, own) in zip(figures, contexts(sentence, figures), strict=True):
        p = partner(near)
        narrowed = modifiers(near, fig.measure)
        span, inherited = _evidence_span(fig, periods, around)
        out.append(
            Frame(
                near=near, own=own, subject=resolve_anaphor(subject_place(sentence, fig.start), title),
                role=_role(p, narrowed), partner=p,
                indicators=indicators(near, sentence[: fig.start]), modifiers=narrowed, scope=scope(near),
                measure=fig.measure,
                unit=fig.unit, years=figure_years(fig, years, around, article_date),
                span=span, span_inherited=inherited, plan=fig.period.plan,
                status=evidence_status(sentence, paragraph, fig),
            )
        )
    return tuple(out)


def claim_frame(text: str, fig: Figure, near: str, years: frozenset[int]) -> Frame:
    """The frame of a claim figure (its years: its own period's, else the claim's)."""
    p = partner(near)
    narrowed = modifiers(near, fig.measure)
    return Frame(
        near=near, own=near, subject=subject_place(text, fig.start), role=_role(p, narrowed), partner=p,
        indicators=indicators(near, text[: fig.start]), modifiers=narrowed, scope=scope(near),
        measure=fig.measure, unit=fig.unit,
        years=years, span=period_span(fig.period), span_inherited=False, plan=fig.period.plan,
        status=figure_status(fig),
    )


@dataclass(frozen=True)
class Asked:
    """What a question asks a figure to be about, in a frame's terms: the indicator (出口 is not
    进出口) and the part of a flow (民营企业进出口 is not the city's)."""

    indicators: Indicators
    modifiers: tuple[str, ...] | None


def asked_frame(question: str) -> Asked:
    """The frame of what a question asks, read from its words before the interrogative."""
    m = _INTERROGATIVE.search(question)
    head = question[: m.start()] if m else question
    for _, start, end in reversed(extract_periods(head)):  # 自贸片区2023年进出口: the period is no word of it
        head = head[:start] + head[end:]
    if "占" in head:
        head = head[: head.rfind("占")]  # 出口占全市进出口总值的比重: the part asked about, not the base
    return Asked(indicators(head, ""), modifiers(head))


def answers_asked(asked: Asked, evidence: Frame, text: str) -> bool:
    """The evidence figure is about what was asked: the same indicators (出口 is not 进出口) and the
    same part of a flow (服务进出口 is not 进出口). A part the question names that the figure's own
    words do not must at least be in its sentence or paragraph (`text`): 自贸片区…约占全市的22% is the
    zone's, 2023年青岛完成进出口8760亿元 is not 民营企业's."""
    if not indicators_agree(asked.indicators, evidence.indicators):
        return False
    if evidence.modifiers:
        return modifiers_agree(asked.modifiers, evidence.modifiers)
    return all(w in text for w in asked.modifiers or ())


def periods_agree(claim: Frame, evidence: Frame) -> bool:
    """Same year, same month span (a year-to-date figure is not the annual one), same plan."""
    if (claim.plan or None) != (evidence.plan or None):
        return False
    if claim.years:
        if evidence.years and not (claim.years & evidence.years):
            return False
        if not evidence.years and not evidence.plan:
            return False
    if evidence.span_inherited and claim.span is None:
        return True  # a span only the paragraph names binds only a claim that names one
    if claim.span is not None and evidence.span is None and claim.span[0] == claim.span[1]:
        return True  # 2022年1月，…印发: the month of an event, not a reporting span
    return claim.span == evidence.span
