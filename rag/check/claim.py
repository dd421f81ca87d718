"""Claim figures: the figures of a claim (read by :func:`rag.understand.reading.read_figures`, words
included), each with its frame and the subject words evidence must carry."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..figures import Figure
from ..understand import Frame, Query, claim_frame, contexts, tagged, term_weight
from ..understand.reading import read_figures
from ..understand.subject import is_place
from .weights import WEIGHTS


def extract_claim_figures(text: str) -> list[Figure]:
    """Every figure of a claim, words and bare growth included."""
    return read_figures(text)


def as_growth_percent(fig: Figure) -> Figure:
    """翻番 (×2) and 增长1倍 are a growth of 100%: compare them with percentages on one scale."""
    if fig.kind != "multiple" or fig.measure != "growth":
        return fig
    if "番" in fig.raw or fig.raw.startswith("翻"):
        low, value, high = ((x - 1) * 100 for x in (fig.low, fig.value, fig.high))
    else:
        low, value, high = (x * 100 for x in (fig.low, fig.value, fig.high))
    return replace(fig, value=value, low=low, high=high, unit="percent", kind="percent")


@dataclass(frozen=True)
class ClaimFigure:
    """A claim figure with what evidence must agree on."""

    fig: Figure  # growth multiples (翻番) as percentages
    written: Figure  # as extracted
    words: tuple[tuple[str, float, str, bool], ...]  # (word, weight, part of speech, in its own clause)
    frame: Frame

    @property
    def period_label(self) -> str:
        """The period as the claim wrote it, or the claim's one year (for the figures list)."""
        if self.written.period.label:
            return self.written.period.label
        return f"{next(iter(self.frame.years))}年" if len(self.frame.years) == 1 else ""


def claim_figures(text: str, q: Query) -> list[ClaimFigure]:
    """Every checkable figure of a (normalised) claim, with its frame and subject words."""
    figs = extract_claim_figures(text)
    near_of = [near for near, _ in contexts(text, tuple(figs))]
    out = []
    for f, near in zip(figs, near_of, strict=True):
        if f.kind == "duration" and f.measure == "level" and re.search(r"[近过去]$", f.context):
            continue  # 近3年: a time frame, not a claim
        topic = text[: f.start].replace(f.context, "")
        for other in figs:
            topic = topic.replace(other.raw, "")
        words = [(w, term_weight(w), flag, True) for w, flag in tagged(near) if not is_place(w, q.places)]
        seen = {w for w, _, _, _ in words}
        words += [
            (w, WEIGHTS.topic_word * term_weight(w), flag, False)
            for w, flag in tagged(topic)
            if w not in seen and not any(w in s for s in seen) and not is_place(w, q.places)
        ]
        years = frozenset({f.period.year}) if f.period.year else (q.years if not f.period.plan else frozenset())
        out.append(ClaimFigure(as_growth_percent(f), f, tuple(words), claim_frame(text, f, near, years)))
    return out
