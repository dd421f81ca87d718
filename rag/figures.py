"""Figures in Chinese news sentences: extraction, periods and claim-vs-evidence comparison.

Every figure is a frozen :class:`Figure` with its raw text and offsets, a value in base units, the
unit and kind, the qualifier and an interval ``[low, high]`` built from the qualifier and the written
precision, what it measures (level, growth, share, rank), its status and the period that governs it.
The regexes are ours (no library reads 1-5月, 近七成 or 3000余个 correctly); cn2an only turns Chinese
numerals into numbers and is imported on first use, so ``import rag.figures`` stays cheap.

Interval rules (``N`` is the written number in base units; ``step`` is one unit of the last *written*
digit, ``sig`` one unit of the last *significant* digit: 9117.2亿 → step 0.1亿; 600亿 → step 1亿,
sig 100亿; 三千 → step = sig = 1000; 七成 → 10 percent):

* exact            ``[N - step/2, N + step/2]`` (9117亿 → ±0.5亿, 7亿吨 → [6.5亿, 7.5亿], 69.8% → ±0.05).
  Ranks, fractions and 翻番 are exact points ``[N, N]``.
* gt 超/超过/逾/突破/首破/过/高于/多于
                   ``[N, N + sig)``: the newspaper reading, 突破7亿 → [7亿, 8亿), 超600亿 → [600亿, 700亿).
* gt 以上/不少于/不低于/至少
                   ``[N, inf)`` (八成以上 → [80, inf)).
* lt 不到          ``[0.9·N, N)``; lt 不足/低于/少于/以下/以内 → ``[0, N)``, ``(-inf, N)`` for growth,
  percentage points and N ≤ 0.
* near 近/接近/将近 ``[0.9·N, N]`` (近七成 → [63, 70]).  Before a duration 近 means "the past" (近3年)
  and is left out of the figure.
* approx 约/大约/左右/上下
                   ``[min(N - step/2, 0.95·N), max(N + step/2, 1.05·N)]``.
* range N余/N多/N几 ``[N, N + sig)`` (3000余 → [3000, 4000), 170多 → [170, 180)); 数十/几百 →
  ``[2·u, 10·u)``, value = the low end; ``A至B`` (13000至15000载箱量) is *one* figure, value A,
  ``[A - stepA/2, B + stepB/2]``.
* 前N位 is a rank with qualifier lt and interval ``[1, N]``.

The high end is open (excluded) for finite gt, range and lt intervals except ranks; :func:`compare`
honours that, so 突破8亿吨 [8亿, 9亿) and 突破7亿吨 [7亿, 8亿) are disjoint.

Figures in a list (``A、B``, ``A和B``) share the first one's context, measure and prefix qualifier:
in 分别增长4.5%和4.8% both are growth; in 突破7000亿元、8000亿元 both are gt.

Other readings: N成 and fractions (1/4, 三分之一) are percentages, read as shares unless a growth word
precedes them; 增长1.5倍 is a growth multiple of 1.5 as written (not ×2.5); 上升两位 is a rank that
grew by 2; 亩/公顷 become m2 and 公斤 tons. Years, dates, months, quarters and 十三五 are periods, never
figures. A figure's period is the nearest one before it in its clause, else a period that is a clause of
its own (“十三五”期间，), else the nearest before it; comparison bases (较“十二五”末) never govern, and a
period without a year (全年) takes the year of an earlier one. Status is the nearest target (力争, 计划,
目标) or forecast (预计, 有望, 将) cue before the figure in its sentence, else in the rest of its clause.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from types import ModuleType

__all__ = [
    "EMPTY_PERIOD",
    "FORECAST_CUES",
    "TARGET_CUES",
    "Figure",
    "Period",
    "compare",
    "extract_figures",
    "extract_periods",
    "resolve_year",
]


@dataclass(frozen=True)
class Period:
    """A time expression: absolute year, relative year (今年 = 0), month span and five-year plan."""

    year: int | None
    start_month: int | None
    end_month: int | None
    label: str
    relative: int | None
    plan: str | None


EMPTY_PERIOD = Period(None, None, None, "", None, None)


@dataclass(frozen=True)
class Figure:
    """One figure of a sentence; see the module docstring for the interval rules."""

    raw: str
    start: int
    end: int
    number: str
    value: float
    low: float
    high: float
    unit: str
    counter: str
    scale: str
    qualifier: str
    kind: str
    measure: str
    direction: int
    status: str
    period: Period
    context: str


# ---------------------------------------------------------------------------------------------------
# Lexicon

# Full-width digits and signs → ASCII, one character for one, so offsets do not move.
_FW = str.maketrans("０１２３４５６７８９．％－～／，", "0123456789.%-~/,")

_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_CHARS = _CN_DIGITS + "十百千万亿"
_AR = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?"
_CN = rf"[{_CN_CHARS}]+(?:点[{_CN_DIGITS}]+)?"

_SCALES = {
    "万亿": Decimal("1e12"),
    "千亿": Decimal("1e11"),
    "百亿": Decimal("1e10"),
    "亿": Decimal("1e8"),
    "千万": Decimal("1e7"),
    "百万": Decimal("1e6"),
    "万": Decimal("1e4"),
    "千": Decimal("1e3"),
    "百": Decimal("1e2"),
}
_SCALE = r"万亿|千亿|百亿|亿|千万|百万|万|千(?![米克瓦])|百(?!分)"

# literal → (unit, kind, factor to the base unit, is a measure word kept in `counter`)
_UNITS: dict[str, tuple[str, str, str, bool]] = {
    "元人民币": ("CNY", "amount", "1", False),
    "人民币": ("CNY", "amount", "1", False),
    "元": ("CNY", "amount", "1", False),
    "美元": ("USD", "amount", "1", False),
    "美金": ("USD", "amount", "1", False),
    "欧元": ("EUR", "amount", "1", False),
    "日元": ("JPY", "amount", "1", False),
    "港元": ("HKD", "amount", "1", False),
    "港币": ("HKD", "amount", "1", False),
    "韩元": ("KRW", "amount", "1", False),
    "英镑": ("GBP", "amount", "1", False),
    "卢布": ("RUB", "amount", "1", False),
    "新台币": ("TWD", "amount", "1", False),
    "%": ("percent", "percent", "1", False),
    "‰": ("percent", "percent", "0.1", False),
    "成": ("percent", "percent", "10", False),
    "个百分点": ("pct_point", "pct_point", "1", False),
    "百分点": ("pct_point", "pct_point", "1", False),
    "吨": ("ton", "quantity", "1", False),
    "公斤": ("ton", "quantity", "0.001", False),
    "千克": ("ton", "quantity", "0.001", False),
    "标准箱": ("TEU", "quantity", "1", False),
    "标箱": ("TEU", "quantity", "1", False),
    "TEU": ("TEU", "quantity", "1", False),
    "载箱量": ("TEU", "quantity", "1", False),
    "平方米": ("m2", "quantity", "1", False),
    "平米": ("m2", "quantity", "1", False),
    "㎡": ("m2", "quantity", "1", False),
    "亩": ("m2", "quantity", str(Decimal(10000) / Decimal(15)), False),
    "公顷": ("m2", "quantity", "10000", False),
    "平方公里": ("km2", "quantity", "1", False),
    "平方千米": ("km2", "quantity", "1", False),
    "立方米": ("m3", "quantity", "1", False),
    "米": ("m", "quantity", "1", False),
    "公里": ("km", "quantity", "1", False),
    "千米": ("km", "quantity", "1", False),
    "海里": ("nmi", "quantity", "1", False),
    "千瓦时": ("kWh", "quantity", "1", False),
    "千瓦": ("kW", "quantity", "1", False),
    "兆瓦": ("kW", "quantity", "1000", False),
    "人次": ("person", "count", "1", True),
    "人": ("person", "count", "1", True),
    "名": ("person", "count", "1", True),
    "位": ("person", "count", "1", True),
    "倍": ("multiple", "multiple", "1", False),
    "周年": ("year", "duration", "1", False),
    "年": ("year", "duration", "1", False),
    "个月": ("month", "duration", "1", False),
    "个季度": ("quarter", "duration", "1", False),
    "个工作日": ("day", "duration", "1", False),
    "工作日": ("day", "duration", "1", False),
    "天": ("day", "duration", "1", False),
    "个小时": ("hour", "duration", "1", False),
    "小时": ("hour", "duration", "1", False),
    "分钟": ("minute", "duration", "1", False),
    "周": ("week", "duration", "1", False),
}
_COUNTERS = (
    "个 家 项 列 艘 条 座 场 批 件 套 份 次 户 台 辆 架 种 类 所 株 只 款 处 栋 幢 块 支 趟 组 宗 票 笔 箱 "
    "颗 枚 棵 张 篇 例 架次 车次 航次 班次 户次 批次"
).split()
_UNITS.update({c: ("count", "count", "1", True) for c in _COUNTERS})
# A measure word that starts a longer word is not a measure word: 3元素, 5天然, 2台湾.
_UNIT_GUARDS = {
    "元": "素旦宵首老件器化",
    "米": "饭粮",
    "年": "度级代货画龄份轻纪薪会",
    "天": "然津空下气地",
    "周": "年边末期刊",
    "倍": "数增速率",
    "成": "为功果长员本交立熟型都效绩品就年人",
    "名": "单额义称片字牌列次",
    "位": "数置于次",
    "家": "乡电居具族长园属",
    "台": "湾资商胞港企州",
    "项": "目",
    "列": "入为出举车",
    "次": "数序要",
    "场": "景地所馆",
    "批": "准复发",
    "支": "持付出撑",
    "种": "植子",
    "所": "属有在得以",
    "处": "理长于置",
    "条": "件例款约",
    "箱": "包",
    "类": "似型别",
}
_UNIT = "|".join(
    re.escape(u) + (f"(?![{_UNIT_GUARDS[u]}])" if u in _UNIT_GUARDS else "")
    for u in sorted(_UNITS, key=len, reverse=True)
)

_GT_BOUNDED = frozenset("首次突破 突破了 突破 首破 超过了 超过 超出 超 逾 过 多于 高于 大于".split())
_GT_OPEN = frozenset("不少于 不低于 至少 最少".split())
_LT_NEAR = frozenset(["不到"])
_LT = frozenset("不足 低于 少于 小于 未满 未达 最多 至多".split())
_NEAR = frozenset("接近 将近 逼近 近".split())
_APPROX = frozenset("大约 约为 约 大概".split())
_SOME = frozenset("数 几".split())
_PRE_QUALIFIERS = (
    (_GT_BOUNDED | _GT_OPEN, "gt"),
    (_LT | _LT_NEAR, "lt"),
    (_NEAR, "near"),
    (_APPROX, "approx"),
)
_PREFIXED = frozenset(q for _, q in _PRE_QUALIFIERS)
_PRE = (
    "首次突破|突破了|突破|首破|超过了|超过|超出|超|逾|(?<![通经度越跨穿错路走不])过|多于|高于|大于|"
    "不少于|不低于|至少|最少|最多|至多|不到|不足|低于|少于|小于|未满|未达|接近|将近|逼近|(?<![最附邻靠临就亲贴])近|"
    "大约|约为|(?<![签制节合特契预违履公邀条婉协])约|大概|(?<![人总次指户件岁分系倍函变参常])数|几"
)
_POST = r"以上|以下|以内|左右|上下(?=[，。；、,;:：)）”\"\s]|$)|有余"

_BOUNDARY_CHARS = "，,；;：:。！？!?\n"
_RANK_END = '，,；;：:。！？!?\n、)）”"和与及'
_NUM = rf"百分之(?:{_AR}|{_CN})|{_CN}分之{_CN}|\d{{1,3}}/\d{{1,3}}(?![\d/])|{_AR}|{_CN}|半"

_FIG_RE = re.compile(
    rf"""
    (?P<mult>翻(?:了)?(?P<mexp>一|两|二|三|四)?番|翻(?:了)?一?倍)
  | (?P<first>首位|榜首|(?<=居)首(?!位))
  | 第(?P<onum>{_AR}|{_CN})(?P<osuf>位|名|大(?=[\u4e00-\u9fff]))?
  | (?<![目此提当之以空超向日年])前(?P<tnum>{_AR}|{_CN})(?:(?P<tsuf>位|名|强)|(?=[{_RANK_END}]|$))
  | (?<![\d.A-Za-z])(?P<r1>{_AR}|{_CN})(?P<rs1>{_SCALE})?(?P<ru1>{_UNIT})?(?P<rsep>至|到|-|~|—|–)
      (?P<r2>{_AR}|{_CN})(?P<rs2>{_SCALE})?(?P<ru2>{_UNIT})
  | (?P<pre>{_PRE})?(?P<neg>(?<![\dA-Za-z])[-−])?(?<![\d.A-Za-z])(?P<num>{_NUM})(?P<more1>余|多|几)?
      (?P<scale>{_SCALE})?(?P<more2>余|多)?(?P<unit>{_UNIT})?(?P<post>{_POST})?
    """,
    re.VERBOSE | re.ASCII,
)

# Measure, direction and status cues, read from the text before a figure.
_UP, _DOWN = 1, -1
_GROWTH_WORDS = {
    **dict.fromkeys("增长 增加 提高 上升 提升 上涨 攀升 扩大 净增 高于 涨幅".split(), _UP),
    **dict.fromkeys("下降 减少 回落 下滑 降低 下跌 压缩 缩短 缩减 缩小 收窄 低于 降幅 跌幅".split(), _DOWN),
    **dict.fromkeys("同比 环比 年均 增速 增幅 增长率".split(), 0),
}
_GROWTH_RE = re.compile(
    "增长率|增长(?![点极])|增加(?!值)|"
    + "|".join(sorted(set(_GROWTH_WORDS) - {"增长", "增加", "增长率"}, key=len, reverse=True))
)
# A one-character verb right before the figure: 同比增5%, 下降了3个 (but not 新增 or 净增).
_GROWTH_TAIL_RE = re.compile(r"(?:(?<![新净])(?P<up>[增涨升多])|(?P<down>[减降跌少]))(?:了|为|达|分别|约)*$")
_TO_LEVEL_RE = re.compile(r"了?[至到]")
# 加快/放缓 are a change only against a base: 比上年同期加快0.8个百分点, not 加快建设12个.
_PACE_RE = re.compile(r"[比较]\w{0,8}?(?:(?P<up>加快)|放缓)了?$")
_RANK_MOVE_RE = re.compile(r"(上升|提升|前进|前移|跃升|攀升)了?$|(下降|后退|下滑|回落|后移)了?$")
_SHARE_RE = re.compile(r"(?<![抢侵霸独攻])占(?![地用领据线道])|比重|份额|占有率|全[国省市区球]\w{0,10}的$")
_GROWTH_REACH = 6  # a growth word counts only this close to the figure: 同比分别增长, 增速高于全国
# The one list of status cues: figures and rag.understand.status both read these.
TARGET_CUES = re.compile(r"力争|争取|计划|目标|确保|力求|规划|拟|努力")
FORECAST_CUES = re.compile(r"预计|预期|有望|预测|估计|可望|可达|将(?!近)")
_RESULT_RE = re.compile(r"实际|累计|已经|已|完成|实现")  # a result, whatever the sentence forecast before it
_LIST_GAPS = frozenset(["、", "和", "与", "及", "以及", "或"])

# ---------------------------------------------------------------------------------------------------
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

_cn2an: ModuleType | None = None
_cn2an_lock = threading.Lock()


def _cn2an_module() -> ModuleType:
    """cn2an costs ~130 ms to import: load it on the first Chinese numeral, not at import."""
    global _cn2an
    if _cn2an is None:
        with _cn2an_lock:
            if _cn2an is None:
                import cn2an

                _cn2an = cn2an
    return _cn2an


@lru_cache(maxsize=4096)
def _cn_number(text: str) -> Decimal | None:
    """A Chinese numeral as a Decimal (三千 → 3000, 百万 → 1000000); None when cn2an rejects it."""
    if text == "半":
        return Decimal("0.5")
    if text[0] in "百千万亿":
        text = "一" + text
    try:
        value = _cn2an_module().cn2an(text, "smart")
    except Exception:  # cn2an raises several types on malformed numerals
        return None
    return Decimal(str(value))


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


# ---------------------------------------------------------------------------------------------------
# Figure extraction


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


def _arabic(text: str) -> tuple[Decimal, Decimal, Decimal]:
    """Value, written step and significant step of an Arabic numeral (9,117.2 → 9117.2, 0.1, 0.1)."""
    text = text.replace(",", "")
    value = Decimal(text)
    if "." in text:
        step = Decimal(1).scaleb(-len(text.split(".")[1]))
        return value, step, step
    zeros = len(text) - len(text.rstrip("0")) if value else 0
    return value, Decimal(1), Decimal(1).scaleb(zeros)


def _chinese(text: str) -> tuple[Decimal, Decimal, Decimal] | None:
    """Value and precision of a Chinese numeral; its written precision is its last significant digit."""
    value = _cn_number(text)
    if value is None:
        return None
    if "点" in text:
        step = Decimal(1).scaleb(-len(text.split("点")[1]))
        return value, step, step
    if value == value.to_integral_value() and value:
        digits = str(int(value))
        step = Decimal(1).scaleb(len(digits) - len(digits.rstrip("0")))
    else:
        step = Decimal("0.5") if text == "半" else Decimal(1)
    return value, step, step


def _numeral(text: str) -> tuple[Decimal, Decimal, Decimal] | None:
    """Value, written step and significant step of an Arabic or Chinese numeral."""
    return _arabic(text) if text[0] in "0123456789" else _chinese(text)


def _split_cn_scale(text: str) -> tuple[str, str]:
    """三千万 → (三千, 万); 千亿 → (千, 亿); 万 → (万, ""): the trailing 万/亿 is the scale as written."""
    stripped = text.rstrip("万亿")
    if stripped and stripped != text:
        return stripped, text[len(stripped) :]
    return text, ""


def _unit_info(literal: str | None) -> tuple[str, str, Decimal, str]:
    """Unit, kind, factor to the base unit and measure word of a unit as written."""
    if not literal:
        return "", "quantity", Decimal(1), ""
    unit, kind, factor, is_counter = _UNITS[literal]
    return unit, kind, Decimal(factor), literal if is_counter else ""


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


# ---------------------------------------------------------------------------------------------------
# Comparison

_BASE_UNITS = {"km": ("m", 1000.0), "km2": ("m2", 1e6)}
_LOOSE_KINDS = frozenset(["amount", "count", "quantity"])


def _base(fig: Figure) -> tuple[str, float]:
    """km and km2 compare with m and m2."""
    return _BASE_UNITS.get(fig.unit, (fig.unit, 1.0))


def _open_top(fig: Figure) -> bool:
    """Whether `high` itself is excluded: 突破7亿 is below 8亿."""
    finite = math.isfinite(fig.high) and fig.high > fig.low
    return finite and fig.kind != "rank" and fig.qualifier in ("gt", "range", "lt")


def compare(claim: Figure, evidence: Figure) -> str:
    """Compare a claim's figure with an evidence figure: "supports", "refutes" or "incomparable".

    Different currencies refute; different dimensions (percent vs amount, ton vs TEU) or a growth
    against a level are incomparable; opposite growth directions refute. Otherwise the evidence
    supports when its value lies in the claim's interval or its interval lies inside the claim's (or
    half of it overlaps), refutes when the intervals are disjoint, and is incomparable in between.
    """
    c_unit, c_factor = _base(claim)
    e_unit, e_factor = _base(evidence)
    if claim.kind == evidence.kind == "amount" and c_unit and e_unit and c_unit != e_unit:
        return "refutes"
    if claim.kind != evidence.kind or c_unit != e_unit:
        loose = {claim.kind, evidence.kind} <= _LOOSE_KINDS and "" in (c_unit, e_unit)
        if not loose:
            return "incomparable"
    if (claim.measure == "growth") != (evidence.measure == "growth"):
        return "incomparable"
    if claim.measure == "growth" and claim.direction * evidence.direction < 0:
        return "refutes"
    c_low, c_high = claim.low * c_factor, claim.high * c_factor
    e_low, e_high = evidence.low * e_factor, evidence.high * e_factor
    value = evidence.value * e_factor
    c_open, e_open = _open_top(claim), _open_top(evidence)
    if e_high < c_low or c_high < e_low or (e_high == c_low and e_open) or (c_high == e_low and c_open):
        return "refutes"
    if c_low <= value and (value < c_high or (value == c_high and not c_open)):
        return "supports"
    if c_low <= e_low and e_high <= c_high:
        return "supports"
    width = e_high - e_low
    if math.isfinite(width) and width > 0 and (min(c_high, e_high) - max(c_low, e_low)) / width >= 0.5:
        return "supports"
    return "incomparable"
