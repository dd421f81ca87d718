"""Other reports of the answer: the same sentence, with the same figure, in another retrieved article.

News is syndicated: one agency story runs under several outlets' names, and a newsroom checking a
figure wants to see every page that states it, not whichever copy ranked first. A sentence of another
article counts as the same report when it carries the answer as written and many of the answering
sentence's character pairs (at least W.corroboration of them): the same fact in another wording
still counts, the same figure in a sentence about something else does not.
"""

from __future__ import annotations

from ..present import format_date
from ..textzh import fold
from .scoring import Candidate, Sentence
from .weights import WEIGHTS as W


def _bare(text: str) -> str:
    """Compared without white space: one outlet writes 17 项, another 17项."""
    return "".join(text.split())


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def also_reported(chosen: list[Candidate], answer: str | None, sentences: list[Sentence]) -> list[Candidate]:
    """Up to W.corroborations sentences of articles not already cited that repeat the best sentence
    and hold the answer (`answer`: the short answer as written; none, nothing is added)."""
    if not answer or W.corroborations < 1:
        return []
    best = chosen[0].evidence
    wanted = _bare(fold(answer))
    own = _pairs(_bare(best.text))
    if not own or wanted not in _bare(best.text):
        return []
    cited = {c.evidence.chunk.article_id for c in chosen}
    found: list[Candidate] = []
    for ev, hit, rank in sentences:
        article = ev.chunk.article_id
        bare = _bare(ev.text)
        if article in cited or wanted not in bare:
            continue
        if len(own & _pairs(bare)) / len(own) < W.corroboration:
            continue
        cited.add(article)
        found.append(Candidate(ev, hit, rank, chosen[0].score))
        if len(found) == W.corroborations:
            break
    return found


def also_line(first_n: int, others: list[Candidate]) -> str:
    """同一内容另见《标题》（2023年7月21日）[2]、《标题》（…）[3]。"""
    if not others:
        return ""
    items = []
    for n, cand in enumerate(others, first_n):
        c = cand.evidence.chunk
        items.append(f"《{c.title}》（{format_date(c.date)}）[{n}]" if c.title else f"资料（{format_date(c.date)}）[{n}]")
    return "同一内容另见" + "、".join(items) + "。"
