"""The shared understanding layer: what a figure, a question and a claim are about.

Answering and checking are frame matching plus evidence scoring over what this package computes:
questions and claims (:mod:`.query`), evidence sentences and their figures' frames (:mod:`.evidence`,
:mod:`.frame`: computed once per chunk), words (:mod:`.lexicon`), subjects, partners and indicators
(:mod:`.subject`), lists read respectively (:mod:`.lists`), status (:mod:`.status`), inherited context
(:mod:`.context`) and alignment (:mod:`.align`). Importing it stays light (jieba loads on first use).
"""

from .align import aligned, figure_year, names_agree, places_agree, spans_agree, years_agree
from .context import period_span, topical, with_context_year
from .evidence import (
    ANNOTATION_VERSION,
    EVIDENCE,
    Evidence,
    analyse_chunk,
    annotate_chunks,
    evidence_from_annotation,
    evidence_of,
    understanding,
)
from .frame import Asked, Frame, answers_asked, asked_frame, claim_frame, evidence_frames, periods_agree
from .lexicon import (
    GENERIC_PLACES,
    LEADING_FILLER,
    SOFT_TERMS,
    content_words,
    core_term,
    coverage,
    gap,
    head_noun,
    maximal,
    part_credit,
    places_in,
    pos_cut,
    tagged,
    term_credit,
    term_in,
    term_weight,
)
from .lists import contexts
from .query import Query, analyse, classify, named_by_titles
from .reading import read_figures
from .status import evidence_status, figure_status, status_agrees
from .subject import (
    indicators,
    indicators_agree,
    modifiers,
    modifiers_agree,
    partner,
    partners_agree,
    same_place,
    scope,
    subject_place,
    subject_places,
)

__all__ = [
    "ANNOTATION_VERSION",
    "EVIDENCE",
    "GENERIC_PLACES",
    "LEADING_FILLER",
    "SOFT_TERMS",
    "Asked",
    "Evidence",
    "Frame",
    "Query",
    "aligned",
    "analyse",
    "analyse_chunk",
    "annotate_chunks",
    "answers_asked",
    "asked_frame",
    "claim_frame",
    "classify",
    "content_words",
    "contexts",
    "core_term",
    "coverage",
    "evidence_frames",
    "evidence_from_annotation",
    "evidence_of",
    "evidence_status",
    "figure_status",
    "figure_year",
    "gap",
    "head_noun",
    "indicators",
    "indicators_agree",
    "maximal",
    "modifiers",
    "modifiers_agree",
    "named_by_titles",
    "names_agree",
    "part_credit",
    "partner",
    "partners_agree",
    "period_span",
    "periods_agree",
    "places_agree",
    "places_in",
    "pos_cut",
    "read_figures",
    "same_place",
    "scope",
    "spans_agree",
    "status_agrees",
    "subject_place",
    "subject_places",
    "tagged",
    "term_credit",
    "term_in",
    "term_weight",
    "topical",
    "understanding",
    "with_context_year",
    "years_agree",
]
