"""Reading figures: rag.figures' extraction plus the words it does not read as figures (一半, 过半,
增长一倍, a bare 同比下降) — the one reader for claims and evidence."""

from __future__ import annotations

import math
import re
from dataclasses import replace

from ..figures import EMPTY_PERIOD, Figure, extract_figures, extract_periods
from .lexicon import CLAUSE_SPLIT

_CN_SMALL = {"一": "1", "两": "2", "二": "2", "三": "3", "四": "4", "五": "5"}
# Words for shares the extractor does not read, as (pattern, low, high) in percent; each is rewritten
# to 五成 of the same length (offsets stay put) and given the interval the word means.
_WORD_FIGURES: tuple[tuple[re.Pattern[str], float, float], ...] = (
    (re.compile(r"(?:超过|多于)一半|(?:一半|半数)以上|(?<![一两三四五六七八九十])(?:过半|大半)(?!年)"), 50.0, 100.0),
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


def read_figures(text: str, bare_growth: bool = True) -> list[Figure]:
    """Figures of a text, words included: 一半 (≈50%), 过半 and 一半以上 (over 50%), 近一半, 增长一倍
    (+100%), and (for a claim) a bare 增长 or 下降 (a change in that direction). Claims and evidence
    are read with this one reader, so a word figure on one side meets its figure on the other."""
    chars = list(text)
    fixes: dict[int, tuple[str, float, float, int, int]] = {}
    for regex, low, high in _WORD_FIGURES:
        for m in regex.finditer(text):
            if any(m.start() < e and s < m.end() for _, _, _, s, e in fixes.values()):
                continue  # 一半以上 is read once, not also as 一半
            n = m.end() - m.start()
            chars[m.start() : m.end()] = "五成".rjust(n, "约")
            fixes[m.start() + n - 2 if n > 2 else m.start()] = (m.group(), low, high, m.start(), m.end())
    for m in _GROWTH_TIMES.finditer(text):
        chars[m.start(1)] = _CN_SMALL[m.group(1)]
    figs = []
    for f in extract_figures("".join(chars)):
        fix = next((v for k, v in fixes.items() if f.start <= k < f.end), None)
        if fix is None:
            figs.append(replace(f, raw=text[f.start : f.end]))
            continue
        word, low, high, start, end = fix
        value = (low + high) / 2 if high < 100 else low
        qualifier = "approx" if high < 100 else "gt"
        context = f.context[: len(f.context) - (f.start - start)] if f.start > start else f.context
        figs.append(
            replace(f, raw=word, start=start, end=end, value=value, low=low, high=high, qualifier=qualifier, context=context)
        )
    extra = _bare_growth(text, figs) if bare_growth else []
    return sorted(figs + extra, key=lambda f: f.start)
