"""Context: the periods a paragraph or a draft is about, for the sentences after it that name none
(其中，出口… after a sentence that named 2024年1-5月 is about 2024年1-5月)."""

from __future__ import annotations

import re
from functools import lru_cache

from ..figures import Period, extract_periods, resolve_year
from .lexicon import CLAUSE_SPLIT, tagged
from .subject import mentions

_BASE_BEFORE = re.compile(r"(?:自|从|较|比|与|相比|对比)[“\"]?$")
_BASE_AFTER = re.compile(r"^(?:起|以来|开始)")
# A year: 2023年, or 2023 before anything but a unit, a counter or an approximation (2000多家 is no year).
_YEAR = re.compile(
    r"(?<![\d.])((?:19|20)\d{2})(?:年|(?=[^\d亿万千百元个家项人名位艘列条座场批件套次户台辆架所种米吨%.,多余起岁度]))"
)

Span = tuple[int, int]


def years_in(text: str) -> set[int]:
    """Years written with digits (2023年, 2023 before a non-unit)."""
    return {int(y) for y in _YEAR.findall(text) if 1990 <= int(y) <= 2100}


def resolved_years(text: str, article_date: str) -> tuple[set[int], list[Period]]:
    """The years a text speaks of (今年/去年/二〇二三年 resolved against the article's date) and its periods."""
    periods = []
    years = years_in(text)
    for period, _s, _e in extract_periods(text):
        p = resolve_year(period, article_date, assume_current=False)
        periods.append(p)
        if p.year:
            years.add(p.year)
    return years, periods


def period_span(p: Period) -> Span | None:
    """Months of a period as (first, last); None for a whole year or an event's day (12月22日)."""
    if p.start_month is None or p.end_month is None or (p.start_month, p.end_month) == (1, 12):
        return None
    if re.search(r"\d日|[一二三四五六七八九十]日", p.label):
        return None
    return (p.start_month, p.end_month)


@lru_cache(maxsize=8192)
def topical(paragraph: str, article_date: str) -> tuple[frozenset[int], frozenset[Span]]:
    """Years and month spans a paragraph is about, for the sentences after it that name none:
    periods that open a sentence or are a clause of their own (今年1至11月，…), else any year;
    starting points and bases (自2020年起, 较2017年) never count."""
    years: set[int] = set()
    leading: set[int] = set()
    spans: set[Span] = set()
    for period, s, e in extract_periods(paragraph):
        if _BASE_BEFORE.search(paragraph[max(0, s - 3) : s]) or _BASE_AFTER.match(paragraph[e : e + 2]):
            continue
        year = resolve_year(period, article_date).year
        opens = s == 0 or paragraph[s - 1] in "。！？；\n" or paragraph[e : e + 1] in "，,"
        if opens and (span := period_span(period)) is not None:
            spans.add(span)
        if year is None:
            continue
        years.add(year)
        if opens:
            leading.add(year)
    return frozenset(leading or years), frozenset(spans)


_DRAFT_YEAR = re.compile(r"((?:19|20)\d{2})年")


_CONTINUES = re.compile(r"^[“\"]?(?:其中|同期|同时|此外|另外|而|全年|当年|分别|这|该|上述)")


def continues(sentence: str, before: str) -> bool:
    """Whether a sentence goes on about what the text before it was about: it opens with a connective
    (其中，出口…), or has no subject of its own (出口5361.1亿元), or its subject was named before
    (…货物吞吐量… then 集装箱吞吐量…); “乌奈札快航”船长366米 after a sentence about a port does not."""
    if _CONTINUES.match(sentence):
        return True
    opening = re.split(r"\d", CLAUSE_SPLIT.split(sentence, maxsplit=1)[0], maxsplit=1)[0]
    words = [w for w, flag in tagged(opening) if flag not in ("ns", "nt")]  # the city is every sentence's
    groups = mentions(before)
    return not words or any(w in before or w[-2:] in before or set(mentions(w)) & set(groups) for w in words)


def with_context_year(text: str, context: str) -> str:
    """其中出口5361.1亿元 after a sentence about 2022年 is about 2022: the year is prefixed for analysis,
    when the sentence continues what its paragraph was about (:func:`continues`)."""
    if not context or _DRAFT_YEAR.search(text) or re.search(r"今年|去年|上年|十[一二三四五六]五", text):
        return text
    paragraph = context.rsplit("\n\n", 1)[-1]
    years = _DRAFT_YEAR.findall(paragraph)
    return f"{years[-1]}年，{text}" if years and continues(text, paragraph) else text
