"""Alignment: does an evidence sentence speak of the same years, month span and places as a question
or claim? The one rule both the answerer and the checker apply before looking at figures."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..figures import Figure, resolve_year
from ..textzh import fold
from .evidence import Evidence
from .query import Query
from .subject import resolve_anaphor


@lru_cache(maxsize=2048)
def folded(text: str) -> str:
    """An article's title or text folded (traditional → simplified), cached by content."""
    return fold(text)


ANSWER_TYPES_WITH_PLACES = frozenset({"place", "list", "entity", "person"})  # their answer is itself a place


def years_agree(q: Query, ev: Evidence) -> bool:
    """The sentence's years (or, without any, its paragraph's; or the article's own year and the one
    before, which is what undated figures in a news report are about) include an asked year."""
    if not q.years:
        return True
    if ev.years:
        return bool(q.years & ev.years)
    if ev.context_years:
        return bool(q.years & ev.context_years)
    year = int(ev.article_date[:4]) if ev.article_date[:4].isdigit() else None
    return year is not None and bool(q.years & {year, year - 1})


def spans_agree(q: Query, ev: Evidence) -> bool:
    """1-5月 is not 1-11月: month spans must match when both sides state one."""
    if not q.spans:
        return True
    spans = {(p.start_month, p.end_month) for p in ev.periods if p.start_month and p.end_month}
    return not spans or bool(q.spans & spans)


def places_agree(q: Query, ev: Evidence, index: Any, answer_types_exempt: bool = True) -> bool:
    """Every place the question names is in the sentence, or — when the sentence does not open with
    another place of its own — in its paragraph or as the main place of its article (a bullet under
    a headline about 青岛)."""
    missing = [p for p in q.places if p not in ev.text]
    if not missing:
        return True
    article = index.articles.get(ev.chunk.article_id)
    title, text = (folded(article.title), folded(article.text)) if article is not None else ("", "")
    for p in missing:
        short = p[:-1] if len(p) > 2 and p[-1] in "市省" else p
        dominant = article is not None and (short in title or text.count(short) >= 3)
        if short not in ev.context and not dominant:
            return False
    if answer_types_exempt and q.qtype in ANSWER_TYPES_WITH_PLACES:
        return True
    title = ev.context.split("\n", 1)[0]
    own = (resolve_anaphor(p, title) for p in ev.subjects)  # 大桥 under 青州跨海大桥… is that bridge
    return all(any(p in a or a in p for a in q.places) for p in own)


def names_agree(q: Query, ev: Evidence, index: Any, known: frozenset[str], seen: dict[str, str]) -> bool:
    """Every person the question names that the retrieved passages mention (`known`) is named by the
    sentence's article (禹柯…1985年11月生, not 1964年，黄希松出生… from another page). A name no passage
    mentions is left to the refusal rules: jieba may have taken other words for one. `seen` keeps each
    article's folded text for the question's other sentences."""
    for name in q.names:
        if name not in known or name in ev.text or name in ev.context:
            continue
        aid = ev.chunk.article_id
        if aid not in seen:
            article = index.articles.get(aid)
            seen[aid] = folded(article.title + article.text) if article is not None else ""
        if name not in seen[aid]:
            return False
    return True


def aligned(q: Query, ev: Evidence, index: Any, answer_types_exempt: bool = True) -> bool:
    """Years, month span and places agree. A claim (``answer_types_exempt=False``) is never about
    another place, whatever its type."""
    return years_agree(q, ev) and spans_agree(q, ev) and places_agree(q, ev, index, answer_types_exempt)


def figure_year(fig: Figure, article_date: str) -> int | None:
    """The year a figure is about, 今年/去年 resolved against the article's date."""
    return resolve_year(fig.period, article_date).year
