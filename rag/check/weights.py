"""Every weight and threshold the checker scores with, in one place (hand-set on the development pool;
the figures each was checked against are in the closing notes of the fact-check issues)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckWeights:
    """How evidence figures are scored against a claim figure, and when a score decides."""

    top_k: int = 10  # retrieved chunks per claim
    min_score: float = 0.45  # alignment an evidence figure needs to count at all
    min_refute: float = 0.6  # a refutation needs a closer alignment than a support: a loose match contradicts nothing
    tier: float = 0.12  # evidence within this much of the best alignment counts as equally good
    yearless_tier: float = 0.3  # for a claim that names no period, another year's figure within this much
    sentence: float = 0.15  # weight of the whole claim's words found in the evidence sentence
    colocated: float = 0.3  # bonus for a sentence that also supports another figure of the claim
    rank: float = 0.02  # retrieval rank, as 0.02 / (1 + rank): breaks ties only
    unscored: float = 0.5  # a claim figure with no subject words: enough to support, never to refute
    topic_word: float = 0.5  # a claim word outside the figure's own clause counts half
    # where a claim word is found, relative to the evidence figure
    at_figure: float = 1.0
    before_figure: float = 0.8
    in_sentence: float = 0.5
    in_paragraph: float = 0.4
    in_wide: float = 0.3
    # penalties: claim words the evidence never mentions, by part of speech (entity, noun, other)
    missing_entity: float = 0.25
    missing_noun: float = 0.2
    missing_other: float = 0.05
    # evidence words for the figure alone that the claim lacks (服务进出口 when 进出口 is claimed)
    extra_entity: float = 0.2
    extra_noun: float = 0.15
    extra_other: float = 0.1
    other_subject: float = 0.25  # the sentence opens with a subject the claim does not name
    max_penalty: float = 0.4
    # a claim that repeats a source sentence: how alike the two must be once numbers are masked
    literal_ratio: float = 0.9
    # the claim's words in the evidence: the paragraph counts this much of the sentence
    coverage_paragraph: float = 0.5


WEIGHTS = CheckWeights()
