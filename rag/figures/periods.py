"""Periods: years, month spans, quarters, halves, 十三五, relative years (今年, 前年) and 二〇二三年, with
the period that governs a figure and the masking that keeps them from being read as figures."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

from .numerals import _CN_CHARS, _FW
from .records import EMPTY_PERIOD, Period

# Periods

_REL_WORDS = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "前年": -2, "明年": 1}
_CN_MONTH = "十[一二]|[一二三四五六七八九十]"
_AR_MONTH = "1[0-2]|0?[1-9]"
_M = rf"(?<![\d.])(?:{_AR_MONTH})|(?:(?<![\u4e00-\u9fff])|(?<=年))(?:{_CN_MONTH})"
_PERIOD_RE = re.compile(
    rf"""
    (?<!\d)(?P<y1>(?:19|20)\d{{2}})\s*[-—–~至到]\s*(?P<y2>(?:19|20)\d{{2}})年
  | (?<!\d)(?P<iy>(?:19|20)\d{{2}})[-/](?P<im>{_AR_MONTH})(?:[-/](?:3[01]|[12]\d|0?[1-9]))?(?!\d)
  | (?<![{_CN_CHARS}])[“"‘']?(?P<plan>十[一二三四五六七八九]五)[”"’']?(?P<pe>期间|时期|末|初|以来)?
  | (?:(?P<year>(?<!\d)(?:19|20)\d{{2}}(?!\d)|(?<![{_CN_CHARS}])[〇零一二三四五六七八九]{{4}})
        年(?P<ys>度|底|末|初)?
      |(?P<rel>今年|本年|(?<!过)去年|(?<![以向])上年|(?<![此之以提目日当向空])前年|明年))?
    (?:(?P<ma>{_M})(?:月份?)?\s*[-~—–至到]\s*(?P<mb>{_M})月份?(?:底|末)?
      |前(?P<mn>\d{{1,2}}|十[一二]?|[一二三四五六七八九])个?月份?
      |(?P<m>{_M})月份?(?:[12]\d日|3[01]日|0?[1-9]日|底|末|初|上旬|中旬|下旬)?
      |第?(?P<q>[一二三四1-4])季度(?:末|底)?
      |前(?P<qn>[一二三1-3])季度
      |(?P<half>上|下)半年
      |(?P<whole>全年|(?<![\d{_CN_CHARS}几数多余半])年(?:内|初|底|末)))?
    (?P<suf>以来|同期)?
    """,
    re.VERBOSE | re.ASCII,
)
_BASE_BEFORE_RE = re.compile(r"(?:较|比|相比|对比|与)[“\"]?$")
_UP_TO_RE = re.compile(r"(?:截至|截止|截止到|到)$")
_TOPICAL_FILLER_RE = re.compile(r"期间|时期|以来|截至|截止|[在自从于到至时中间里\s“”\"'‘’()（）]")
_PART_END_RE = re.compile(r"[。！？!?\n]")
_CN_MONTHS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CN_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")



def _month(text: str) -> int:
    """1-12 from an Arabic or Chinese month number (十二 → 12)."""
    if text.isdigit():
        return int(text)
    return 10 + _CN_MONTHS[text[1]] if len(text) == 2 else _CN_MONTHS[text]


# ---------------------------------------------------------------------------------------------------
# Period extraction


@dataclass(frozen=True)
class _PeriodSpan:
    """A period with its offsets in the sentence."""

    period: Period
    start: int
    end: int
    base: bool  # a comparison base (较“十二五”末, 比上年): never governs a figure


def _period_of(m: re.Match[str]) -> Period | None:
    """The Period of one _PERIOD_RE match, or None for an empty or invalid match."""
    label = m.group()
    if m["y1"]:
        return Period(None, None, None, label, None, None)
    if m["iy"]:
        month = int(m["im"])
        return Period(int(m["iy"]), month, month, label, None, None)
    if m["plan"]:
        suffix = m["pe"] if m["pe"] in ("末", "初") else ""
        return Period(None, None, None, m["plan"] + suffix, None, m["plan"])
    year = int(m["year"].translate(_CN_YEAR_DIGITS)) if m["year"] else None
    relative = _REL_WORDS[m["rel"]] if m["rel"] else None
    start = end = None
    if m["ma"]:
        start, end = _month(m["ma"]), _month(m["mb"])
        if start > end:
            return None
    elif m["mn"]:
        start, end = 1, _month(m["mn"])
    elif m["m"]:
        start = end = _month(m["m"])
    elif m["q"]:
        quarter = int(m["q"]) if m["q"].isdigit() else _CN_MONTHS[m["q"]]
        start, end = 3 * quarter - 2, 3 * quarter
    elif m["qn"]:
        start, end = 1, 3 * (int(m["qn"]) if m["qn"].isdigit() else _CN_MONTHS[m["qn"]])
    elif m["half"]:
        start, end = (1, 6) if m["half"] == "上" else (7, 12)
    elif m["suf"] == "以来" and (year is not None or relative is not None):
        start = 1
    if year is None and relative is None and start is None and not m["whole"]:
        return None
    return Period(year, start, end, label, relative, None)


def _scan_periods(text: str) -> list[_PeriodSpan]:
    """Time expressions, each marked when it is a comparison base (较“十二五”末)."""
    spans: list[_PeriodSpan] = []
    for m in _PERIOD_RE.finditer(text):
        if m.end() == m.start():
            continue
        period = _period_of(m)
        if period is not None and period.start_month is not None and period.start_month == period.end_month:
            if m.group().endswith(("底", "末")) and _UP_TO_RE.search(text, max(0, m.start() - 3), m.start()):
                period = replace(period, start_month=1)  # 截至5月底: the year so far, not the month of May
        if period is not None:
            base = bool(_BASE_BEFORE_RE.search(text, max(0, m.start() - 3), m.start()))
            spans.append(_PeriodSpan(period, m.start(), m.end(), base))
    return spans


def extract_periods(sentence: str) -> list[tuple[Period, int, int]]:
    """Every time expression of a sentence with its offsets: 2022年, 今年1-5月, “十三五”期间, 全年."""
    return [(s.period, s.start, s.end) for s in _scan_periods(sentence.translate(_FW))]


def resolve_year(period: Period, article_date: str, assume_current: bool = False) -> Period:
    """Fill in the year of a relative period (今年, 去年) from the article's date (YYYY[-MM[-DD]]).

    With `assume_current`, a period with months but no year (1-5月) takes the article's year, or the
    year before when its last month is still ahead of the article's month (11月 in a 2024-02 article).
    """
    m = re.match(r"\s*(\d{4})(?:[-/.](\d{1,2}))?", article_date or "")
    if not m or period.year is not None or period.plan:
        return period
    year = int(m.group(1))
    if period.relative is not None:
        return replace(period, year=year + period.relative)
    if assume_current and period.label:
        month = int(m.group(2)) if m.group(2) else None
        behind = month is not None and period.end_month is not None and period.end_month > month
        return replace(period, year=year - 1 if behind else year)
    return period


def _governing_period(
    text: str, spans: list[_PeriodSpan], start: int, part_start: int, clause_start: int, bounds: list[int]
) -> Period:
    """The period in the figure's clause, else a sentence-level one (“十三五”期间，), else the nearest."""
    before = [s for s in spans if not s.base and part_start <= s.start and s.end <= start]
    if not before:
        return EMPTY_PERIOD
    chosen = next((s for s in reversed(before) if s.start >= clause_start), None)
    if chosen is None:
        chosen = next((s for s in reversed(before) if _topical(text, s, bounds)), before[-1])
    period = chosen.period
    if period.year is None and period.relative is None and period.plan is None:
        donor = next(
            (
                s.period
                for s in reversed(before)
                if s.start < chosen.start and (s.period.year is not None or s.period.relative is not None)
            ),
            None,
        )
        if donor is not None:
            period = replace(period, year=donor.year, relative=donor.relative)
    return period


def _topical(text: str, span: _PeriodSpan, bounds: list[int]) -> bool:
    """A period that is its whole clause (2022年，/ “十三五”期间，) sets the time of the sentence."""
    i = bisect.bisect_left(bounds, span.start)
    clause_start = bounds[i - 1] + 1 if i else 0
    clause_end = bounds[i] if i < len(bounds) else len(text)
    rest = text[clause_start : span.start] + text[span.end : clause_end]
    return not _TOPICAL_FILLER_RE.sub("", rest)


def _mask(text: str, spans: list[_PeriodSpan]) -> str:
    """Blank out time expressions so 2022年 and 1-5月 are never read as figures."""
    if not spans:
        return text
    chars = list(text)
    for s in spans:
        chars[s.start : s.end] = "\x00" * (s.end - s.start)
    return "".join(chars)
