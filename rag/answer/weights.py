"""Every weight and threshold the answerer scores with, in one place.

The values were set by hand on the seed pages; the ones of the general (non-figure) path —
pair_overlap, general_min_overlap, figure_min_overlap — were then chosen by a grid search
(bench/fit_answer_weights.py) on the seed dev questions, seed questions written for the tests, and
the first 400 questions of the CMRC 2018 trial and DRCD test sets: the seed sets stayed at 1.0 for
every value tried, so the values that do best on CMRC/DRCD were kept, with a margin above the
plateau for the refusal floors. A change is kept only when no set of the pool loses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    # ---- refusal: is the corpus about the question at all? ----
    min_coverage: float = 0.3  # share of the question's content weight the evidence must carry
    max_absent: float = 0.4  # refuse when this share of the content weight appears nowhere in the hits
    missing_noun_coverage: float = 0.6  # a noun no passage mentions is forgiven only above this coverage
    context_credit: float = 0.5  # a question word in the paragraph before counts this much (coverage)

    # ---- sentence score ----
    context_term: float = 0.4  # a question word found only in the paragraph before
    off_topic: float = 0.3  # the question names an article's topic; the sentence is from elsewhere
    rank_bonus: float = 0.12  # retrieval rank r adds rank_bonus / (1 + r)
    rank_figure: float = 0.1  # a rank question and a rank figure
    quoted_in_sentence: float = 0.3  # a 《title》 or “name” of the question, in the sentence
    quoted_in_context: float = 0.15  # ... in its paragraph
    plan_match: float = 0.1  # 十四五 named by both
    year_match: float = 0.1  # an asked year in the sentence itself
    span_match: float = 0.1  # an asked month span (1-5月) in the sentence itself
    list_item: float = 0.05  # per 、 in the sentence, for a list question (up to list_items_max)
    list_items_max: int = 6
    list_intro: float = 0.2  # a question word followed by 包括/分别是/：
    entity_title: float = 0.15  # a 《title》 in the sentence, for a 什么 question
    subject_place: float = 0.15  # per name in the opening clause that the question does not use
    subject_noun: float = 0.05  # per common noun there
    subject_max: float = 0.3
    other_measure: float = 0.5  # a rate question (a share, a growth) and a sentence with rates of the other measure
    figure_alignment: float = 0.6  # the best-aligned figure of the question gets this bonus
    pair_overlap: float = 0.5  # × the share of the question's character pairs in the sentence (general questions)
    focus_credit: float = 0.5  # a word next to the question word must be at least this much in the window
    window_overlap: float = 0.5  # × the share of the question's pairs in the sentence and its neighbours
    type_cue: float = 0.1  # the general sentence has a cue of the answer's type (a date for 何时)
    light_pair: float = 0.3  # a pair with a function character (的, 是, 在) counts this much
    figure_min_overlap: float = 0.45  # ... and a figure question, with a figure of the asked kind, above this
    general_min_overlap: float = 0.15  # a general question is answered from its best-aligned sentence above this

    # ---- figure alignment (how well a figure is about what was asked) ----
    focus_term: float = 3.0  # a question word next to the interrogative, in the words before the figure
    other_term: float = 0.5  # any other question word there
    counter_match: float = 3.0  # 多少个 and 87个; 几年 and 3年
    question_figure: float = 6.0  # a figure the question writes (50亿元以上项目) in the words before the figure
    asked_noun: float = 6.0  # 多少个岗位 and …个岗位 (× the noun's weight)
    precision: float = 2.0  # share of the words before the figure the question uses
    precision_unknown: float = 0.5
    short_alignment: float = 2.0  # figures of a list answer must align at least this well

    # ---- more than one sentence ----
    topic_chunks: int = 8  # chunks of the article a question's topic heads, read beyond the retrieved ones
    neighbours: int = 2  # a general answer quotes up to this many neighbours of its sentence
    reason_sentences: int = 3  # ... and a why/how answer up to this many (the next but one as well)
    runner_up: float = 0.85  # a second sentence of the same article this close is quoted too
    other_date_align: float = 0.8  # a figure on a page of another date, aligned this well ...
    other_date_score: float = 0.75  # ... and scored this close, is reported too
    corroboration: float = 0.5  # another article's sentence holding this share of the answer's pairs repeats it
    corroborations: int = 2  # ... and up to this many such reports are cited too


WEIGHTS = Weights()
