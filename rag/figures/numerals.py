"""The lexicon of figures (digits, scales, units, counters, qualifiers, growth and status cues) and
the numerals: Arabic and Chinese numbers as Decimals (cn2an only on the first Chinese numeral)."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from functools import lru_cache
from types import ModuleType

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
    "厘米": ("m", "quantity", "0.01", False),
    "公分": ("m", "quantity", "0.01", False),
    "英尺": ("m", "quantity", "0.3048", False),
    "英寸": ("m", "quantity", "0.0254", False),
    "cm": ("m", "quantity", "0.01", False),
    "mm": ("m", "quantity", "0.001", False),
    "km": ("km", "quantity", "1", False),
    "kg": ("ton", "quantity", "0.001", False),
    "km²": ("km2", "quantity", "1", False),
    "m²": ("m2", "quantity", "1", False),
    "㎞²": ("km2", "quantity", "1", False),
    "㎢": ("km2", "quantity", "1", False),
    "CM": ("m", "quantity", "0.01", False),
    "MM": ("m", "quantity", "0.001", False),
    "KM": ("km", "quantity", "1", False),
    "KG": ("ton", "quantity", "0.001", False),
    "Kg": ("ton", "quantity", "0.001", False),
    "毫米": ("m", "quantity", "0.001", False),
    "微米": ("m", "quantity", "0.000001", False),
    "纳米": ("m", "quantity", "0.000000001", False),
    "英里": ("km", "quantity", "1.609344", False),
    "克": ("ton", "quantity", "0.000001", False),
    "毫克": ("ton", "quantity", "0.000000001", False),
    "升": ("m3", "quantity", "0.001", False),
    "毫升": ("m3", "quantity", "0.000001", False),
    "千瓦时": ("kWh", "quantity", "1", False),
    "兆瓦时": ("kWh", "quantity", "1000", False),
    "吉瓦时": ("kWh", "quantity", "1000000", False),
    "太瓦时": ("kWh", "quantity", "1000000000", False),
    "千瓦": ("kW", "quantity", "1", False),
    "兆瓦": ("kW", "quantity", "1000", False),
    "吉瓦": ("kW", "quantity", "1000000", False),
    "太瓦": ("kW", "quantity", "1000000000", False),
    "秒": ("second", "duration", "1", False),
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
    "周岁": ("age", "quantity", "1", False),
    "岁": ("age", "quantity", "1", False),
    "摄氏度": ("celsius", "quantity", "1", False),
    "℃": ("celsius", "quantity", "1", False),
}
_COUNTERS = (
    "个 家 项 列 艘 条 座 场 批 件 套 份 次 户 台 辆 架 种 类 所 株 只 款 处 栋 幢 块 支 趟 组 宗 票 笔 箱 "
    "颗 枚 棵 张 篇 例 起 架次 车次 航次 班次 户次 批次"
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
    "起": "来床步草飞诉点源到始航跑",
    "岁": "月末",
    "克": "服隆拉里罗林制星",
    "升": "级高温值幅格至为到学",
    "秒": "杀针",
    "cm": "A-Za-z",
    "mm": "A-Za-z",
    "km": "A-Za-z",
    "kg": "A-Za-z",
    "CM": "A-Za-z",
    "MM": "A-Za-z",
    "KM": "A-Za-z",
    "KG": "A-Za-z",
    "Kg": "A-Za-z",
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
      (?:\x20(?=(?:{_SCALE})?(?:{_UNIT})))?(?P<scale>{_SCALE})?(?P<more2>余|多)?(?P<unit>{_UNIT})?(?P<post>{_POST})?
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


_CN_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}


def _cn_integer(text: str) -> int | None:
    """A whole Chinese numeral (三亿五千万, 一百零五, 二〇二三, 一万二 = 12000); None when it is not one
    this reads (三四: several digits in a row), for cn2an to try."""
    if len(text) > 1 and all(c in _CN_VALUE for c in text):
        return int("".join(str(_CN_VALUE[c]) for c in text))  # 二〇二三 is read digit by digit
    total = section = 0
    digit: int | None = None
    last_unit = 1
    for c in text:
        if c in "零〇":
            digit = None
        elif c in _CN_VALUE:
            if digit is not None:
                return None
            digit = _CN_VALUE[c]
        elif c in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[c]
            digit, last_unit = None, _CN_SMALL[c]
        elif c == "万":
            total += (section + (digit or 0)) * 10_000
            section, digit, last_unit = 0, None, 10_000
        elif c == "亿":
            total = (total + section + (digit or 0)) * 100_000_000
            section, digit, last_unit = 0, None, 100_000_000
        else:
            return None
    if digit is not None:
        section += digit * (last_unit // 10 if last_unit > 1 and text[-2] not in "零〇" else 1)  # 一万二, 三百五
    return total + section


@lru_cache(maxsize=4096)
def _cn_number(text: str) -> Decimal | None:
    """A Chinese numeral as a Decimal (三千 → 3000, 百万 → 1000000); None when it is none. Read here
    first: cn2an compiles a pattern per call once the regex cache has moved on (milliseconds)."""
    if text == "半":
        return Decimal("0.5")
    if text[0] in "百千万亿":
        text = "一" + text
    whole, _, fraction = text.partition("点")
    value = _cn_integer(whole) if whole else None
    if value is not None and all(c in _CN_VALUE for c in fraction):
        return Decimal(f"{value}.{''.join(str(_CN_VALUE[c]) for c in fraction)}") if fraction else Decimal(value)
    try:
        converted = _cn2an_module().cn2an(text, "smart")
    except Exception:  # cn2an raises several types on malformed numerals
        return None
    return Decimal(str(converted))


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
    if stripped and stripped != text and not re.search("[万亿]", stripped):
        return stripped, text[len(stripped) :]
    return text, ""  # 三亿五千万 is one numeral: its 万 belongs to 五千, not to the whole


def _unit_info(literal: str | None) -> tuple[str, str, Decimal, str]:
    """Unit, kind, factor to the base unit and measure word of a unit as written."""
    if not literal:
        return "", "quantity", Decimal(1), ""
    unit, kind, factor, is_counter = _UNITS[literal]
    return unit, kind, Decimal(factor), literal if is_counter else ""
