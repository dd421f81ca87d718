"""Figure extraction: every figure of a sentence with its value, interval, unit, kind, measure,
status and governing period (rules in the package docstring)."""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from .numerals import (
    _BOUNDARY_CHARS,
    _DOWN,
    _FIG_RE,
    _FW,
    _GROWTH_RE,
    _GROWTH_REACH,
    _GROWTH_TAIL_RE,
    _GROWTH_WORDS,
    _GT_OPEN,
    _LIST_GAPS,
    _LT_NEAR,
    _PACE_RE,
    _PRE_QUALIFIERS,
    _PREFIXED,
    _RANK_END,
    _RANK_MOVE_RE,
    _RESULT_RE,
    _SCALES,
    _SHARE_RE,
    _SOME,
    _TO_LEVEL_RE,
    _UNITS,
    _UP,
    FORECAST_CUES,
    TARGET_CUES,
    _chinese,
    _numeral,
    _split_cn_scale,
    _unit_info,
)
from .periods import _PART_END_RE, _governing_period, _mask, _scan_periods
from .records import Figure


@dataclass
class _Draft:
    """A figure being assembled: what the match says, before context, measure and period."""

    start: int
    end: int
    number: str
    value: Decimal
    step: Decimal  # one unit of the last written digit, in base units
    sig: Decimal  # one unit of the last significant digit, in base units
    scale: str = ""
    unit: str = ""
    kind: str = "quantity"
    counter: str = ""
    qualifier: str = "exact"
    pre: str = ""
    post: str = ""
    interval: tuple[Decimal, Decimal] | None = None  # fixed by the form (ranks, A至B, 数十)
    measure: str = ""
    direction: int = 0
    open_top: bool = False  # gt with 以上: no upper bound


def _draft_rank(m: re.Match[str]) -> _Draft | None:
    """翻番 (×2), 首位 (rank 1), 第N位/第N大/居全省第一 (rank N) and 前N位 (rank ≤ N)."""
    if m["mult"]:
        exp = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4}.get(m["mexp"] or "", 1)
        value = Decimal(2**exp)
        return _Draft(
            m.start(),
            m.end(),
            m["mexp"] or "",
            value,
            Decimal(0),
            Decimal(0),
            unit="multiple",
            kind="multiple",
            interval=(value, value),
            measure="growth",
            direction=_UP,
        )
    if m["first"]:
        one = Decimal(1)
        return _Draft(m.start(), m.end(), "首", one, one, one, unit="rank", kind="rank", interval=(one, one))
    text = m["onum"] or m["tnum"]
    parsed = _numeral(text)
    if parsed is None or parsed[0] < 1 or parsed[0] != parsed[0].to_integral_value():
        return None
    value = parsed[0]
    if m["onum"] is not None:
        after = m.string[m.end() : m.end() + 1]
        if not m["osuf"] and after and after not in _RANK_END:
            return None  # an ordinal (第135届, 第一笔), not a rank
        return _Draft(
            m.start(),
            m.end(),
            text,
            value,
            Decimal(1),
            Decimal(1),
            unit="rank",
            kind="rank",
            interval=(value, value),
        )
    return _Draft(
        m.start(),
        m.end(),
        text,
        value,
        Decimal(1),
        Decimal(1),
        unit="rank",
        kind="rank",
        qualifier="lt",
        interval=(Decimal(1), value),
    )


def _draft_range(m: re.Match[str]) -> _Draft | None:
    """A written range, 13000至15000载箱量: one figure whose value is its low end."""
    first, second = _numeral(m["r1"]), _numeral(m["r2"])
    if first is None or second is None:
        return None
    unit, kind, factor, counter = _unit_info(m["ru2"])
    if m["ru1"] and _UNITS[m["ru1"]][0] != unit:
        return None
    scale2 = m["rs2"] or ""
    scale1 = m["rs1"] or scale2  # 3至5万吨: the scale written once applies to both
    low = first[0] * _SCALES.get(scale1, Decimal(1)) * factor
    high = second[0] * _SCALES.get(scale2, Decimal(1)) * factor
    if high <= low:
        return None
    step1 = first[1] * _SCALES.get(scale1, Decimal(1)) * factor
    step2 = second[1] * _SCALES.get(scale2, Decimal(1)) * factor
    number = m["r1"] + m["rsep"] + m["r2"]
    return _Draft(
        m.start(),
        m.end(),
        number,
        low,
        step1,
        first[2],
        scale=scale2,
        unit=unit,
        kind=kind,
        counter=counter,
        qualifier="range",
        interval=(low - step1 / 2, high + step2 / 2),
    )


def _draft_generic(m: re.Match[str]) -> _Draft | None:
    """A number with its qualifiers, scale and unit: 超600亿元, 3000余个, 近七成, 百分之五."""
    num = m["num"]
    pre, post = m["pre"] or "", m["post"] or ""
    more = m["more1"] or m["more2"] or ""
    unit_literal = m["unit"]
    start = m.start()
    scale = m["scale"] or ""
    if num.startswith("百分之"):
        parsed, number = _numeral(num[3:]), num[3:]
        unit_literal, scale = "%", ""
    elif "分之" in num or "/" in num:
        return _draft_fraction(m, num, pre)
    else:
        number = num
        if num[0] not in "0123456789" and num != "半":
            number, cn_scale = _split_cn_scale(num)
            scale = cn_scale + scale if cn_scale else scale
        parsed = _numeral(number)
    chinese = num[0] not in "0123456789"
    if parsed is None or (m["neg"] and (chinese or pre)):
        return None  # a minus sign belongs to a bare Arabic number only: 增长-3.5%
    value, step, sig = parsed
    unit, kind, factor, counter = _unit_info(unit_literal)
    if pre in _SOME and not (chinese and number[0] in "十百千万亿"):
        start, pre = m.start("num"), ""
    qualified = bool(pre or post or more)
    if not unit_literal and not scale and not num.startswith("百分之"):
        return None  # a bare number: a name (204国道), a code (5G) or noise
    if chinese and not qualified and (number == "一" or number[0] in "百千万亿"):
        return None  # 一批, 一家, 千家万户: an article or an idiom, not a figure
    if num == "半" and kind != "duration":
        return None
    if unit_literal == "成" and (value > 10 or scale):
        return None
    if unit == "year" and not chinese and "." not in number and 1000 <= value <= 2999:
        return None  # a year written without a period we recognise
    if kind == "duration" and pre == "近":
        start, pre = m.start("num"), ""  # 近3年: the past three years
    mult = _SCALES.get(scale, Decimal(1)) * factor
    if m["neg"]:
        value = -value
    draft = _Draft(
        start,
        m.end(),
        number,
        value * mult,
        step * mult,
        sig * mult,
        scale=scale,
        unit=unit,
        kind=kind,
        counter=counter,
        pre=pre,
        post=post,
    )
    if pre in _SOME:
        draft.interval = (2 * draft.value, 10 * draft.value)
        draft.value *= 2
        draft.qualifier = "range"
    else:
        draft.qualifier = _qualifier(pre, post, more)
        draft.open_top = post == "以上" or pre in _GT_OPEN
    if unit_literal == "成":
        draft.measure = "share"  # 近七成: N成 is read as a share unless a growth word says otherwise
    return draft


def _draft_fraction(m: re.Match[str], num: str, pre: str) -> _Draft | None:
    """1/4 and 三分之一 are shares written as fractions: 25 percent, an exact point."""
    if "/" in num:
        numerator, denominator = (Decimal(x) for x in num.split("/"))
    else:
        den_text, num_text = num.split("分之")
        den, nom = _chinese(den_text), _chinese(num_text)
        if den is None or nom is None:
            return None
        numerator, denominator = nom[0], den[0]
    if not 0 < numerator < denominator:
        return None
    value = numerator / denominator * 100
    return _Draft(
        m.start(),
        m.start("num") + len(num),
        num,
        value,
        Decimal(0),
        Decimal(0),
        unit="percent",
        kind="percent",
        qualifier=_qualifier(pre, "", ""),
        pre=pre,
        interval=(value, value) if not pre else None,
    )


def _qualifier(pre: str, post: str, more: str) -> str:
    """A written postfix (以上, 左右) outranks 余/多, which outranks a prefix (超, 近, 约)."""
    if post in ("以下", "以内"):
        return "lt"
    if post == "以上":
        return "gt"
    if post in ("左右", "上下"):
        return "approx"
    if more or post == "有余":
        return "range"
    for words, qualifier in _PRE_QUALIFIERS:
        if pre in words:
            return qualifier
    return "exact"


def _draft(m: re.Match[str]) -> _Draft | None:
    """The draft of one _FIG_RE match, or None when the match is no figure."""
    if m["num"] is not None:
        return _draft_generic(m)
    if m["r1"] is not None:
        return _draft_range(m)
    return _draft_rank(m)


def _drafts(masked: str) -> list[_Draft]:
    """All figure drafts, left to right.

    A match that is no figure gives its text back (约3 in 约3至5万吨 must not swallow the range), except an
    ordinal, whose number must not be read again (第七批 is no count of 七批).
    """
    drafts: list[_Draft] = []
    pos = 0
    while (m := _FIG_RE.search(masked, pos)) is not None:
        draft = _draft(m)
        if draft is not None:
            drafts.append(draft)
            pos = m.end()
        else:
            pos = m.end() if m["onum"] is not None else m.start() + 1
    return drafts


def _interval(d: _Draft) -> tuple[float, float]:
    """The [low, high] of a figure from its qualifier and precision (rules in the module docstring)."""
    if d.interval is not None:
        low, high = d.interval
        return float(low), float(high)
    v, q = d.value, d.qualifier
    if q == "gt":
        return float(v), math.inf if d.open_top else float(v + d.sig)
    if q == "lt":
        if d.pre in _LT_NEAR:
            return float(v * Decimal("0.9")), float(v)
        floor = -math.inf if d.measure == "growth" or d.kind == "pct_point" or v <= 0 else 0.0
        return floor, float(v)
    if q == "near":
        return float(min(v * Decimal("0.9"), v)), float(max(v * Decimal("0.9"), v))
    if q == "approx":
        low = min(v - d.step / 2, v * Decimal("0.95"), v * Decimal("1.05"))
        high = max(v + d.step / 2, v * Decimal("1.05"), v * Decimal("0.95"))
        return float(low), float(high)
    if q == "range":
        return float(v), float(v + d.sig)
    return float(v - d.step / 2), float(v + d.step / 2)


def _measure(context: str, d: _Draft) -> tuple[str, int]:
    """Growth (with its direction), share or level, from the words before the figure."""
    if d.kind == "rank":
        return "rank", 0
    if d.measure == "growth":
        return d.measure, d.direction
    hits = list(_GROWTH_RE.finditer(context))
    tail = _GROWTH_TAIL_RE.search(context)
    last = hits[-1].end() if hits else 0
    if hits and (len(context) - last > _GROWTH_REACH or _TO_LEVEL_RE.match(context, last)):
        hits = []  # too far to govern the figure, or 提高到/增长至: the new level, not the change
    pace = _PACE_RE.search(context)
    if pace:
        return "growth", _UP if pace["up"] else _DOWN
    if hits or tail:
        direction = 0
        for h in hits:
            direction = _GROWTH_WORDS.get(h.group(), 0) or direction
        if tail:
            direction = _UP if tail["up"] else _DOWN
        return "growth", direction
    if d.measure == "share" or _SHARE_RE.search(context):
        return "share", 0
    return "level", 0


def _status(text: str, part_start: int, clause_start: int, start: int, end: int, clause_end: int) -> str:
    """actual, forecast or target — the one status rule (rag.understand reads it from here): a cue in
    the figure's own clause, the nearest before it first; else a result word in that clause (实际, 累计,
    已: 预计2020年完成利用外资59亿美元，实际使用外资323亿美元 — the second is a result); else the
    nearest cue earlier in the sentence (项目建成达产后，年产值可达6亿元，年利税5000万元: both forecasts)."""
    best, best_pos = "actual", -1
    for lo in (clause_start, part_start):
        for regex, status in ((TARGET_CUES, "target"), (FORECAST_CUES, "forecast")):
            for hit in regex.finditer(text, lo, start):
                if hit.start() > best_pos:
                    best, best_pos = status, hit.start()
        if best_pos >= 0:
            return best
        if lo == clause_start:
            if TARGET_CUES.search(text, end, clause_end):
                return "target"
            if FORECAST_CUES.search(text, end, clause_end):
                return "forecast"
            if _RESULT_RE.search(text, clause_start, start):
                return "actual"
    return "actual"


def extract_figures(sentence: str) -> list[Figure]:
    """Every figure of a Chinese sentence, in order of appearance (see the module docstring)."""
    text = sentence.translate(_FW)
    spans = _scan_periods(text)
    drafts = _drafts(_mask(text, spans))
    bounds = [i for i, c in enumerate(text) if c in _BOUNDARY_CHARS]
    parts = [m.start() for m in _PART_END_RE.finditer(text)]
    figures: list[Figure] = []
    prev: _Draft | None = None
    prev_context = ""
    for i, d in enumerate(drafts):
        b = bisect.bisect_left(bounds, d.start)
        clause_start = bounds[b - 1] + 1 if b else 0
        clause_end = bounds[b] if b < len(bounds) else len(text)
        p = bisect.bisect_left(parts, d.start)
        part_start = parts[p - 1] + 1 if p else 0
        own = sentence[max(clause_start, prev.end if prev else 0) : d.start].strip()
        chained = prev is not None and text[prev.end : d.start] in _LIST_GAPS
        context = prev_context if chained else own
        if chained and prev is not None:
            _inherit(d, prev)
        move = _RANK_MOVE_RE.search(own) if d.counter in ("位", "名") else None
        if move:
            d.unit, d.kind, d.counter = "rank", "rank", ""
            measure, direction = "growth", _UP if move.group(1) else _DOWN
        else:
            measure, direction = _measure(context, d)
        if d.qualifier == "exact" and "约占" in own:
            d.qualifier = "approx"
        nxt = drafts[i + 1] if i + 1 < len(drafts) else None
        if d.counter == "个" and nxt is not None and nxt.kind == "pct_point" and _loose_gap(text, d, nxt):
            d.unit, d.kind, d.counter = "pct_point", "pct_point", ""  # 高于全国4.4个、全省2.9个百分点
            measure, direction = _measure(context, d)
        if prev is not None and measure == "level" and _loose_gap(text, prev, d) and prev.kind == d.kind:
            measure, direction = prev.measure, prev.direction  # 增速高于全国4.4个、全省2.9个百分点
        if d.kind == "percent" and measure == "level" and text.startswith("的", d.end):
            measure = "share"  # 贡献了全市73%的进出口额: N% of something
        if measure == "growth" and d.value < 0 and d.qualifier not in ("gt", "lt"):
            d.value, direction = -d.value, -direction if direction else _DOWN  # 增长-3.5%: a 3.5% decline
        d.measure, d.direction = measure, direction
        low, high = _interval(d)
        figures.append(
            Figure(
                raw=sentence[d.start : d.end],
                start=d.start,
                end=d.end,
                number=d.number,
                value=float(d.value),
                low=low,
                high=high,
                unit=d.unit,
                counter=d.counter,
                scale=d.scale,
                qualifier=d.qualifier,
                kind=d.kind,
                measure=measure,
                direction=direction,
                status=_status(text, part_start, clause_start, d.start, d.end, clause_end),
                period=_governing_period(text, spans, d.start, part_start, clause_start, bounds),
                context=context,
            )
        )
        prev, prev_context = d, context
    return figures


def _inherit(d: _Draft, prev: _Draft) -> None:
    """A list item without its own prefix qualifier takes its head's: 突破7000亿元、8000亿元."""
    if not d.pre and not d.post and d.qualifier == "exact" and prev.pre and prev.qualifier in _PREFIXED:
        d.pre, d.qualifier, d.open_top = prev.pre, prev.qualifier, prev.open_top


def _loose_gap(text: str, first: _Draft, second: _Draft) -> bool:
    """Two figures in one list with a short subject between: 全国4.4个、全省2.9个百分点."""
    gap = text[first.end : second.start]
    return 0 < len(gap) <= 8 and gap[0] in "、和与及" and not any(c in _BOUNDARY_CHARS for c in gap)
