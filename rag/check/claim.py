"""Claim figures: the figures of a claim (words included: 一半, 过半, 增长一倍, a bare 同比下降), each
with its frame and the subject words evidence must carry."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from ..figures import EMPTY_PERIOD, Figure, extract_figures, extract_periods
from ..understand import Frame, Query, claim_frame, contexts, tagged, term_weight
from ..understand.lexicon import CLAUSE_SPLIT
from ..understand.subject import is_place
from .weights import WEIGHTS

_CN_SMALL = {"一": "1", "两": "2", "二": "2", "三": "3", "四": "4", "五": "5"}
# Words for shares the extractor does not read, as (pattern, low, high) in percent; each is rewritten
# to 五成 of the same length (offsets stay put) and given the interval the word means.
_WORD_FIGURES: tuple[tuple[re.Pattern[str], float, float], ...] = (
    (re.compile(r"(?:超过|多于)一半|(?<![一两三四五六七八九十])(?:过半|大半)(?!年)"), 50.0, 100.0),
    (re.compile(r"(?:接近|将近)一半|近一半"), 45.0, 50.0),
    (re.compile(r"一半|半数"), 45.0, 55.0),
)
_GROWTH_TIMES = re.compile(r"(?<=增长|增加|提高|上升)(?:了)?([一两二三四五])倍")


_BARE_GROWTH = re.compile(
    r"(?:同比|环比|比上年|较上年|比去年|较去年)(?:(?P<up>增长|增加|上升|上涨|提高)|(?P<down>下降|减少|下滑|回落|降低))(?=[，。；,;！!]|$)"
)


def _bare_growth(text: str, taken: list[Figure]) -> list[Figure]:
    """A growth word with no number after a base (同比下降。) is a figure too: a change in that direction
    of any size. (正增长 alone is no figure: 连续33个月保持正增长.)"""
    out = []
    for m in _BARE_GROWTH.finditer(text):
        if any(f.start <= m.start() < f.end or m.start() <= f.start < m.end() for f in taken):
            continue
        clause_start = max((c.end() for c in CLAUSE_SPLIT.finditer(text, 0, m.start())), default=0)
        periods = [p for p, _, e in extract_periods(text) if e <= m.start()]
        out.append(
            Figure(
                raw=m.group(), start=m.start(), end=m.end(), number="", value=0.0, low=0.0, high=math.inf,
                unit="percent", counter="", scale="", qualifier="gt", kind="percent", measure="growth",
                direction=1 if m["up"] else -1, status="actual", period=periods[-1] if periods else EMPTY_PERIOD,
                context=text[clause_start : m.start()].strip(),
            )
        )
    return out


def extract_claim_figures(text: str) -> list[Figure]:
    """Figures of a claim, words included: 一半 (≈50%), 过半 (over 50%), 近一半, 增长一倍 (+100%), and a
    bare 增长 or 下降 (a change in that direction)."""
    chars = list(text)
    fixes: dict[int, tuple[str, float, float]] = {}
    for regex, low, high in _WORD_FIGURES:
        for m in regex.finditer(text):
            if any(m.start() <= k < m.end() for k in fixes):
                continue
            n = m.end() - m.start()
            chars[m.start() : m.end()] = "五成".rjust(n, "约")
            fixes[m.start() + n - 2 if n > 2 else m.start()] = (m.group(), low, high)
    for m in _GROWTH_TIMES.finditer(text):
        chars[m.start(1)] = _CN_SMALL[m.group(1)]
    figs = []
    for f in extract_figures("".join(chars)):
        fix = next(((w, lo, hi) for k, (w, lo, hi) in fixes.items() if f.start <= k < f.end), None)
        if fix is None:
            figs.append(replace(f, raw=text[f.start : f.end]))
            continue
        word, low, high = fix
        value = (low + high) / 2 if high < 100 else low
        figs.append(replace(f, raw=word, value=value, low=low, high=high, qualifier="approx" if high < 100 else "gt"))
    return sorted(figs + _bare_growth(text, figs), key=lambda f: f.start)


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
