"""Figure extraction and comparison, on real sentences from the seed pages and on generated text."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.figures import EMPTY_PERIOD, Figure, Period, compare, extract_figures, extract_periods, resolve_year
from rag.textzh import normalize, split_sentences

ROOT = Path(__file__).resolve().parents[1]
INF = math.inf


def fig(sentence: str, raw: str) -> Figure:
    """The one figure of `sentence` written as `raw`."""
    found = [f for f in extract_figures(sentence) if f.raw == raw]
    assert len(found) == 1, [f.raw for f in extract_figures(sentence)]
    return found[0]


def check(figure: Figure, **expected: Any) -> None:
    """Assert the named fields; `period` may be given as its label, floats are compared approximately."""
    for name, want in expected.items():
        got = figure.period.label if name == "period" else getattr(figure, name)
        if isinstance(want, float) and math.isfinite(want):
            assert got == pytest.approx(want, rel=1e-12), (figure.raw, name, got, want)
        else:
            assert got == want, (figure.raw, name, got, want)


# ---------------------------------------------------------------------------------------------------
# Table tests: sentences from seeds/*.txt, every figure checked.

FULL_YEAR = (
    "近日，青岛市2022年外贸数据出炉：外贸进出口9117.2亿元，同比增长7.4%，占同期山东省进出口总值的27.4%。"
)
EXPORTS = "其中：出口5361.1亿元，同比增长9%；进口3756.1亿元，同比增长5.1%。"
CROSS_BORDER = "2022年青岛跨境电商进出口值超600亿元，同比翻番。"
FIFTH = "在全国15个副省级城市中，进出口总值居深圳、宁波、广州和厦门之后，保持第五位。"
PORT = "2023年货物吞吐量突破7亿吨，集装箱吞吐量首破3000万标准箱，稳居全球第四位、第五位"
OUTSOURCING = "预计2020年青岛离岸服务外包执行额43亿美元左右，较“十二五”末增长77%左右"
LAIXI = (
    "力争年内引进新能源汽车配套零部件项目和优质生物医药产业项目各20个以上，"
    "年内消化工业地产11万平方米以上，吸引投资主体，将204国道沿线打造成支撑莱西发展的“黄金经济走廊”。"
)
JAN_MAY = "今年1-5月，全市完成进出口3561.8亿元、增长1.9%，规模占全省比重27%，居副省级城市第五位。"
PLAN = (
    "“十三五”期间，青岛利用外资稳居十五个副省级城市第一梯队，预计2020年完成利用外资59亿美元，"
    "五年间累计引进外商投资项目4100个，实际使用外资323亿美元，超额完成“十三五”规划300亿美元的目标。"
)
PRIVATE = "青岛市2022年民营企业进出口值6366.1亿元，同比增长11.6%，占全市进出口总值的69.8%。"

TABLE: list[tuple[str, list[dict[str, Any]]]] = [
    (
        FULL_YEAR,
        [
            dict(
                raw="9117.2亿元",
                number="9117.2",
                value=9117.2e8,
                low=9117.15e8,
                high=9117.25e8,
                unit="CNY",
                scale="亿",
                qualifier="exact",
                kind="amount",
                measure="level",
                direction=0,
                status="actual",
                period="2022年",
                context="外贸进出口",
            ),
            dict(
                raw="7.4%",
                value=7.4,
                low=7.35,
                high=7.45,
                unit="percent",
                kind="percent",
                measure="growth",
                direction=1,
                context="同比增长",
                period="2022年",
            ),
            dict(
                raw="27.4%",
                value=27.4,
                unit="percent",
                kind="percent",
                measure="share",
                direction=0,
                context="占同期山东省进出口总值的",
            ),
        ],
    ),
    (
        EXPORTS,
        [
            dict(raw="5361.1亿元", value=5361.1e8, unit="CNY", measure="level", context="出口", period=""),
            dict(raw="9%", value=9.0, low=8.5, high=9.5, measure="growth", direction=1, context="同比增长"),
            dict(raw="3756.1亿元", value=3756.1e8, unit="CNY", measure="level", context="进口"),
            dict(raw="5.1%", value=5.1, measure="growth", direction=1, context="同比增长"),
        ],
    ),
    (
        CROSS_BORDER,
        [
            dict(
                raw="超600亿元",
                number="600",
                value=600e8,
                low=600e8,
                high=700e8,
                unit="CNY",
                qualifier="gt",
                kind="amount",
                measure="level",
                period="2022年",
                context="2022年青岛跨境电商进出口值",
            ),
            dict(
                raw="翻番",
                value=2.0,
                low=2.0,
                high=2.0,
                unit="multiple",
                kind="multiple",
                measure="growth",
                direction=1,
                context="同比",
            ),
        ],
    ),
    (
        FIFTH,
        [
            dict(raw="15个", value=15.0, unit="count", counter="个", kind="count", measure="level"),
            dict(
                raw="第五位",
                number="五",
                value=5.0,
                low=5.0,
                high=5.0,
                unit="rank",
                kind="rank",
                measure="rank",
                qualifier="exact",
                context="保持",
            ),
        ],
    ),
    (
        PORT,
        [
            dict(
                raw="突破7亿吨",
                value=7e8,
                low=7e8,
                high=8e8,
                unit="ton",
                scale="亿",
                qualifier="gt",
                kind="quantity",
                period="2023年",
                context="2023年货物吞吐量",
            ),
            dict(
                raw="首破3000万标准箱",
                value=3e7,
                low=3e7,
                high=4e7,
                unit="TEU",
                scale="万",
                qualifier="gt",
                kind="quantity",
                period="2023年",
                context="集装箱吞吐量",
            ),
            dict(raw="第四位", value=4.0, kind="rank", measure="rank"),
            dict(raw="第五位", value=5.0, kind="rank", measure="rank"),
        ],
    ),
    (
        OUTSOURCING,
        [
            dict(
                raw="43亿美元左右",
                value=43e8,
                low=40.85e8,
                high=45.15e8,
                unit="USD",
                qualifier="approx",
                kind="amount",
                measure="level",
                status="forecast",
                period="2020年",
            ),
            # The period after 较 is a comparison base, so 2020年 still governs the growth.
            dict(
                raw="77%左右",
                value=77.0,
                qualifier="approx",
                measure="growth",
                direction=1,
                status="forecast",
                period="2020年",
                context="较“十二五”末增长",
            ),
        ],
    ),
    (
        LAIXI,
        [
            dict(
                raw="20个以上",
                value=20.0,
                low=20.0,
                high=INF,
                counter="个",
                qualifier="gt",
                kind="count",
                status="target",
                period="年内",
            ),
            dict(
                raw="11万平方米以上",
                value=110000.0,
                low=110000.0,
                high=INF,
                unit="m2",
                scale="万",
                qualifier="gt",
                kind="quantity",
                status="target",
                period="年内",
                context="年内消化工业地产",
            ),
        ],
    ),
    (
        JAN_MAY,
        [
            dict(raw="3561.8亿元", value=3561.8e8, unit="CNY", measure="level", period="今年1-5月"),
            dict(raw="1.9%", value=1.9, measure="growth", direction=1, context="、增长"),
            dict(raw="27%", value=27.0, measure="share", context="规模占全省比重"),
            dict(raw="第五位", value=5.0, kind="rank", measure="rank", context="居副省级城市"),
        ],
    ),
    (
        PLAN,
        [
            dict(raw="十五个", number="十五", value=15.0, counter="个", kind="count", period="十三五"),
            dict(raw="59亿美元", value=59e8, unit="USD", status="forecast", period="2020年"),
            dict(raw="五年", number="五", value=5.0, unit="year", kind="duration", period="十三五"),
            dict(raw="4100个", value=4100.0, kind="count", status="actual", period="十三五"),  # 累计: a result
            dict(
                raw="323亿美元",
                value=323e8,
                unit="USD",
                status="actual",
                period="十三五",
                context="实际使用外资",
            ),
            dict(raw="300亿美元", value=300e8, unit="USD", status="target", period="十三五"),
        ],
    ),
    (
        PRIVATE,
        [
            dict(raw="6366.1亿元", value=6366.1e8, measure="level", period="2022年"),
            dict(raw="11.6%", value=11.6, measure="growth", direction=1),
            dict(raw="69.8%", value=69.8, low=69.75, high=69.85, measure="share"),
        ],
    ),
    (
        "本场招聘会参与招聘企业200余家，提供招聘岗位3000余个，涵盖生产制造、财务会计等多个领域。",
        [
            dict(
                raw="200余家",
                value=200.0,
                low=200.0,
                high=300.0,
                counter="家",
                qualifier="range",
                kind="count",
            ),
            dict(
                raw="3000余个",
                number="3000",
                value=3000.0,
                low=3000.0,
                high=4000.0,
                counter="个",
                qualifier="range",
                kind="count",
                context="提供招聘岗位",
            ),
        ],
    ),
    (
        "全市共走访慰问困境儿童4390余人，向困境儿童发放春节慰问金81.7万元、发放各类生活物资和防疫物资折价约125万元。",
        [
            dict(
                raw="4390余人",
                value=4390.0,
                low=4390.0,
                high=4400.0,
                unit="person",
                counter="人",
                qualifier="range",
                kind="count",
            ),
            dict(raw="81.7万元", value=817000.0, low=816500.0, high=817500.0, unit="CNY", scale="万"),
            dict(raw="约125万元", value=1250000.0, low=1187500.0, high=1312500.0, qualifier="approx"),
        ],
    ),
    (
        "西海岸新区近期将陆续举行十余场退役军人招聘活动。",
        [
            dict(
                raw="十余场",
                number="十",
                value=10.0,
                low=10.0,
                high=20.0,
                counter="场",
                qualifier="range",
                kind="count",
                status="forecast",
            )
        ],
    ),
    (
        "莱西市召开全市“攻坚克难年”动员大会，对全年“双招双引”等七个方面的重点工作进行强调部署。",
        [dict(raw="七个", number="七", value=7.0, counter="个", kind="count", period="全年")],
    ),
    (
        "近日，总投资分别为2.4亿美元和3000万美元的青岛人工智能创智谷项目通过“云签约”落户青岛。",
        [
            dict(raw="2.4亿美元", value=2.4e8, unit="USD", scale="亿", context="总投资分别为"),
            # A list item shares its head's context.
            dict(raw="3000万美元", value=3e7, unit="USD", scale="万", context="总投资分别为"),
        ],
    ),
    (
        "上合示范区全年开行中欧班列775列，同比增长24.8%，居全省第一。",
        [
            dict(raw="775列", value=775.0, counter="列", kind="count", period="全年"),
            dict(raw="24.8%", value=24.8, measure="growth", direction=1),
            dict(raw="第一", value=1.0, kind="rank", measure="rank", context="居全省"),
        ],
    ),
    (
        "伴随着新年的钟声响起，船长366米、设计载箱量13500标箱的“乌奈札快航”顺利靠泊前湾自动化码头105泊位。",
        [
            dict(raw="366米", value=366.0, unit="m", kind="quantity", context="船长"),
            dict(raw="13500标箱", value=13500.0, unit="TEU", kind="quantity"),
        ],
    ),
    (
        "航线计划共投入12艘13000至15000载箱量的集装箱船舶运营。",
        [
            dict(raw="12艘", value=12.0, counter="艘", kind="count", status="target"),
            # A written range is one figure: value is the low end, the interval spans both ends.
            dict(
                raw="13000至15000载箱量",
                number="13000至15000",
                value=13000.0,
                low=12999.5,
                high=15000.5,
                unit="TEU",
                qualifier="range",
                kind="quantity",
            ),
        ],
    ),
    (
        "目前，青岛关区进出口整体通关时间持续下降，较2017年基准值分别压缩57%和78%；",
        [
            dict(raw="57%", value=57.0, measure="growth", direction=-1, period=""),
            dict(raw="78%", value=78.0, measure="growth", direction=-1),
        ],
    ),
    (
        "今年1-5月，高技术产业利用外资6.2亿美元，占比49.8%，较去年同期提高18个百分点。",
        [
            dict(raw="6.2亿美元", value=6.2e8, unit="USD", period="今年1-5月"),
            dict(raw="49.8%", value=49.8, measure="share", context="占比"),
            dict(
                raw="18个百分点",
                value=18.0,
                unit="pct_point",
                kind="pct_point",
                measure="growth",
                direction=1,
                period="今年1-5月",
            ),
        ],
    ),
    (
        "2023年，青岛市完成进出口8760亿元，增长4.6%，增速高于全国4.4个、全省2.9个百分点。",
        [
            dict(raw="8760亿元", value=8760e8, period="2023年"),
            dict(raw="4.6%", value=4.6, measure="growth", direction=1),
            dict(
                raw="4.4个",
                value=4.4,
                unit="pct_point",
                kind="pct_point",
                counter="",
                measure="growth",
                direction=1,
            ),
            dict(
                raw="2.9个百分点",
                value=2.9,
                unit="pct_point",
                kind="pct_point",
                measure="growth",
                direction=1,
            ),
        ],
    ),
    (
        "在前5位副省级城市中，青岛市进出口增速列首位，出口、进口增速均居第二位。",
        [
            dict(raw="前5位", value=5.0, low=1.0, high=5.0, kind="rank", qualifier="lt"),
            dict(raw="首位", value=1.0, low=1.0, high=1.0, kind="rank", measure="rank"),
            dict(raw="第二位", value=2.0, kind="rank"),
        ],
    ),
    (
        "全省首个航空物流超级货站获批，青岛机场货运量在全国机场排名第2021年上升两位，列第13位。",
        [
            dict(
                raw="两位",
                value=2.0,
                unit="rank",
                kind="rank",
                measure="growth",
                direction=1,
                period="2021年",
            ),
            dict(raw="第13位", number="13", value=13.0, kind="rank", measure="rank"),
        ],
    ),
    (
        "2022年外贸进出口总值首次突破2000亿元，三年实现翻一番，约占全市外贸进出口总值的22%。",
        [
            dict(raw="首次突破2000亿元", value=2000e8, low=2000e8, high=3000e8, qualifier="gt"),
            dict(raw="三年", value=3.0, unit="year", kind="duration"),
            dict(raw="翻一番", number="一", value=2.0, kind="multiple", measure="growth", direction=1),
            dict(raw="22%", value=22.0, measure="share", qualifier="approx"),
        ],
    ),
    (
        "在谈项目36个，总投资约250亿元人民币。",
        [
            dict(raw="36个", value=36.0, kind="count"),
            dict(raw="约250亿元人民币", value=250e8, unit="CNY", qualifier="approx", kind="amount"),
        ],
    ),
    (
        "市税务局出台支持外贸发展政策，全市出口规模占全省的1/4，办理出口退税达到全省的1/3。",
        [
            dict(raw="1/4", value=25.0, low=25.0, high=25.0, unit="percent", measure="share"),
            dict(raw="1/3", value=100 / 3, unit="percent", measure="share"),
        ],
    ),
    (
        "项目建成达产后，年产值可达6亿元，年利税5000万元，可解决就业1000人。",
        [
            dict(raw="6亿元", value=6e8, low=5.5e8, high=6.5e8, status="forecast"),
            dict(raw="5000万元", value=5e7, status="forecast"),
            dict(raw="1000人", value=1000.0, unit="person", counter="人", status="forecast"),
        ],
    ),
    (
        "原产地证书审签时长由原来半个工作日缩短至1小时以内，超过2成的原产地证书实现系统自动智能化“秒审”。",
        [
            dict(raw="半个工作日", number="半", value=0.5, unit="day", kind="duration"),
            # 缩短至 gives the new level, not a change.
            dict(raw="1小时以内", value=1.0, low=0.0, high=1.0, unit="hour", qualifier="lt", measure="level"),
            dict(
                raw="超过2成",
                value=20.0,
                low=20.0,
                high=30.0,
                unit="percent",
                qualifier="gt",
                measure="share",
            ),
        ],
    ),
    (
        "上合经贸综合服务平台入驻企业过万家，国际能源中心交易额突破千亿元。",
        [
            dict(raw="过万家", number="万", value=1e4, low=1e4, high=2e4, counter="家", qualifier="gt"),
            dict(raw="突破千亿元", number="千", scale="亿", value=1e11, low=1e11, high=2e11, unit="CNY"),
        ],
    ),
    (
        "12家省级以上经济开发区贡献了全市73%的进出口额、67%的实际利用外资。",
        [
            dict(raw="12家", value=12.0, counter="家"),
            dict(raw="73%", value=73.0, measure="share"),
            dict(raw="67%", value=67.0, measure="share"),
        ],
    ),
    # Written with Chinese numerals and 成 (not in the seeds: written for the claims we must read).
    (
        "民营企业进出口占全市近七成，全市共有三千家外贸企业、一百二十个项目。",
        [
            dict(
                raw="近七成",
                number="七",
                value=70.0,
                low=63.0,
                high=70.0,
                unit="percent",
                qualifier="near",
                kind="percent",
                measure="share",
            ),
            dict(raw="三千家", number="三千", value=3000.0, low=2500.0, high=3500.0, counter="家"),
            dict(raw="一百二十个", number="一百二十", value=120.0, counter="个"),
        ],
    ),
    (
        "八成以上的企业实现盈利，百分之五的企业亏损。",
        [
            dict(
                raw="八成以上",
                value=80.0,
                low=80.0,
                high=INF,
                qualifier="gt",
                kind="percent",
                measure="share",
            ),
            dict(raw="百分之五", number="五", value=5.0, low=4.5, high=5.5, unit="percent"),
        ],
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), TABLE, ids=[s[:14] for s, _ in TABLE])
def test_seed_sentences(sentence: str, expected: list[dict[str, Any]]) -> None:
    figures = extract_figures(sentence)
    assert [f.raw for f in figures] == [e["raw"] for e in expected]
    for figure, want in zip(figures, expected, strict=True):
        assert sentence[figure.start : figure.end] == figure.raw
        check(figure, **want)


@pytest.mark.parametrize(("sentence", "expected"), TABLE, ids=[s[:14] for s, _ in TABLE])
def test_normalised_sentences_give_the_same_figures(sentence: str, expected: list[dict[str, Any]]) -> None:
    """Callers pass normalised text (，→ , and ：→ :); the figures must not change."""
    before = [(f.raw, f.value, f.measure, f.period.label) for f in extract_figures(sentence)]
    assert [
        (f.raw, f.value, f.measure, f.period.label) for f in extract_figures(normalize(sentence))
    ] == before


def test_period_fields_of_a_relative_month_span() -> None:
    period = fig(JAN_MAY, "3561.8亿元").period
    assert period == Period(year=None, start_month=1, end_month=5, label="今年1-5月", relative=0, plan=None)


def test_plan_period_governs_cumulative_figures() -> None:
    assert fig(PLAN, "323亿美元").period == Period(None, None, None, "十三五", None, "十三五")


def test_full_year_inherits_the_year_of_the_sentence() -> None:
    sentence = "2023年，储能新业务预计将为企业带来1亿元的出口增幅，全年出口目标10亿元，与国内市场齐平。"
    check(fig(sentence, "1亿元"), status="forecast", period="2023年")
    target = fig(sentence, "10亿元")
    assert target.status == "target"
    assert (target.period.label, target.period.year) == ("全年", 2023)


@pytest.mark.parametrize(
    "sentence",
    [
        "本报莱西讯 1月28日，莱西市召开全市动员大会。",
        "2022年1月1日，RCEP正式生效。",
        "将204国道沿线打造成“黄金经济走廊”，精心筹备第五届跨国公司领导人青岛峰会。",
        "世界500强企业，第135届广交会，第七批改革试点经验，“十三五”期间，2.0版。",
        "《国家新型城镇化规划（2021—2035年）》，集中谋划、精准引进一批百亿级项目。",
        "一件件商品从这里发往国内各地，推动“一带一路”建设，千家万户。",
    ],
)
def test_dates_names_and_ordinals_are_not_figures(sentence: str) -> None:
    assert extract_figures(sentence) == []


def test_growth_word_must_be_near_the_figure() -> None:
    sentence = (
        "重点抓好打造现代产业体系、加速区域品质提升、守牢安全稳定底线和持续彰显品牌形象等“六个创新突破”。"
    )
    check(fig(sentence, "六个"), measure="level", direction=0)


def test_pace_words_are_growth_only_against_a_base() -> None:
    sentence = "上半年增长5.3%，比上年同期加快0.8个百分点，加快建设12个国家外贸转型升级基地。"
    check(fig(sentence, "0.8个百分点"), measure="growth", direction=1)
    check(fig(sentence, "12个"), measure="level")


def test_rise_to_a_level_is_not_growth() -> None:
    sentence = "混矿准备时长由6天压缩至1天，工业增加值增长至500亿元，出口下降3.2%。"
    check(fig(sentence, "1天"), measure="level", unit="day")
    check(fig(sentence, "500亿元"), measure="level")
    check(fig(sentence, "3.2%"), measure="growth", direction=-1)


def test_negative_growth_is_a_decline() -> None:
    check(fig("同比增长-3.5%。", "-3.5%"), value=3.5, measure="growth", direction=-1)


def test_thousands_separators_and_full_width_digits() -> None:
    sentence = "跨境电商进出口9,117.2亿元，同比增长１２．５％。"
    check(fig(sentence, "9,117.2亿元"), number="9,117.2", value=9117.2e8)
    check(fig(sentence, "１２．５％"), number="12.5", value=12.5, measure="growth")


def test_multiples() -> None:
    sentence = "利润增长1.5倍，三年翻两番，是去年的3倍。"
    check(fig(sentence, "1.5倍"), value=1.5, kind="multiple", measure="growth", direction=1)
    check(fig(sentence, "翻两番"), value=4.0, kind="multiple")
    check(fig(sentence, "3倍"), value=3.0, kind="multiple", measure="level")


def test_several_tens_and_lower_bounds() -> None:
    sentence = "数十家企业参展，不到10%，不足5亿元，同比下降不足2个百分点。"
    check(fig(sentence, "数十家"), value=20.0, low=20.0, high=100.0, qualifier="range")
    check(fig(sentence, "不到10%"), qualifier="lt", low=9.0, high=10.0)
    check(fig(sentence, "不足5亿元"), qualifier="lt", low=0.0, high=5e8)
    check(fig(sentence, "不足2个百分点"), qualifier="lt", low=-INF, high=2.0, measure="growth")
    check(fig("增速在-5%以下。", "-5%以下"), value=-5.0, low=-INF, high=-5.0, measure="growth")


def test_area_in_mu_is_square_metres() -> None:
    check(fig("该项目占地面积约74亩。", "约74亩"), unit="m2", value=74 * 10000 / 15, qualifier="approx")


# ---------------------------------------------------------------------------------------------------
# Periods


@pytest.mark.parametrize(
    ("sentence", "label", "year", "start", "end", "relative", "plan"),
    [
        ("今年1-5月，全市完成进出口3561.8亿元。", "今年1-5月", None, 1, 5, 0, None),
        ("今年1至11月，青岛高附加值机电产品出口1586.9亿元。", "今年1至11月", None, 1, 11, 0, None),
        ("2022年10月份，企业获得了订单。", "2022年10月份", 2022, 10, 10, None, None),
        ("“十三五”期间，青岛企业境外上市募集资金超过20亿美元。", "十三五", None, None, None, None, "十三五"),
        ("较“十二五”末增长77%左右。", "十二五末", None, None, None, None, "十二五"),
        ("上合示范区全年开行中欧班列775列。", "全年", None, None, None, None, None),
        ("今年前10个月，青岛关区进口铁矿砂增长25%。", "今年前10个月", None, 1, 10, 0, None),
        ("较去年同期提高18个百分点。", "去年同期", None, None, None, -1, None),
        ("2023年一季度增长5%。", "2023年一季度", 2023, 1, 3, None, None),
        ("《国家新型城镇化规划（2021—2035年）》", "2021—2035年", None, None, None, None, None),
        ("12月22日，青岛科学技术奖励大会召开。", "12月22日", None, 12, 12, None, None),
    ],
)
def test_extract_periods(
    sentence: str,
    label: str,
    year: int | None,
    start: int | None,
    end: int | None,
    relative: int | None,
    plan: str | None,
) -> None:
    periods = extract_periods(sentence)
    assert len(periods) == 1
    period, s, e = periods[0]
    assert period == Period(year, start, end, label, relative, plan)
    assert label.replace("十二五", "") in sentence[s:e]


def test_resolve_year() -> None:
    this_year = Period(None, 1, 5, "今年1-5月", 0, None)
    assert resolve_year(this_year, "2024-07").year == 2024
    assert resolve_year(Period(None, None, None, "去年", -1, None), "2024-07-03").year == 2023
    months = Period(None, 1, 5, "1-5月", None, None)
    assert resolve_year(months, "2024-07") == months
    assert resolve_year(months, "2024-07", assume_current=True).year == 2024
    # 11月 read in a February article is last year's November.
    assert resolve_year(Period(None, 11, 11, "11月", None, None), "2024-02", assume_current=True).year == 2023
    assert resolve_year(this_year, "") == this_year
    assert resolve_year(EMPTY_PERIOD, "2024-07", assume_current=True) == EMPTY_PERIOD


# ---------------------------------------------------------------------------------------------------
# compare


@pytest.mark.parametrize(
    ("claim", "evidence", "verdict"),
    [
        (("民营企业进出口占全市近七成", "近七成"), (PRIVATE, "69.8%"), "supports"),
        (("民营企业进出口占全市八成以上", "八成以上"), (PRIVATE, "69.8%"), "refutes"),
        (("跨境电商进出口值600亿元以上", "600亿元以上"), (CROSS_BORDER, "超600亿元"), "supports"),
        (("跨境电商进出口值500亿元", "500亿元"), (CROSS_BORDER, "超600亿元"), "refutes"),
        (("外贸进出口9117亿元", "9117亿元"), (FULL_YEAR, "9117.2亿元"), "supports"),
        (("外贸进出口9800亿元", "9800亿元"), (FULL_YEAR, "9117.2亿元"), "refutes"),
        (("进出口总值保持第三位", "第三位"), (FIFTH, "第五位"), "refutes"),
        (("实际使用外资323亿元", "323亿元"), (PLAN, "323亿美元"), "refutes"),
        (("货物吞吐量突破8亿吨", "突破8亿吨"), (PORT, "突破7亿吨"), "refutes"),
        (("货物吞吐量突破7亿吨", "突破7亿吨"), (PORT, "突破7亿吨"), "supports"),
        (("设计载箱量13500标箱", "13500标箱"), ("设计载箱量13500标箱", "13500标箱"), "supports"),
        (("船长366米", "366米"), ("船长366米、设计载箱量13500标箱", "366米"), "supports"),
        (("跨境电商进出口翻番", "翻番"), (CROSS_BORDER, "翻番"), "supports"),
        (("外贸进出口同比增长17.4%", "17.4%"), (FULL_YEAR, "7.4%"), "refutes"),
        (
            ("进出口超6000亿元", "超6000亿元"),
            ("预计2020年青岛进出口6200亿元左右", "6200亿元左右"),
            "supports",
        ),
        (("外贸进出口同比下降7.4%", "7.4%"), (FULL_YEAR, "7.4%"), "refutes"),
        (("外贸进出口9117.2%", "9117.2%"), (FULL_YEAR, "9117.2亿元"), "incomparable"),
        (("货物吞吐量7亿标准箱", "7亿标准箱"), (PORT, "突破7亿吨"), "incomparable"),
        (("外贸进出口7.4%", "7.4%"), (FULL_YEAR, "7.4%"), "incomparable"),
        (("总面积3公里", "3公里"), ("总长3000米", "3000米"), "supports"),
        (("进出口总值居前5位", "前5位"), (FIFTH, "第五位"), "supports"),
        (("外贸进出口9117亿", "9117亿"), (FULL_YEAR, "9117.2亿元"), "supports"),
    ],
)
def test_compare(claim: tuple[str, str], evidence: tuple[str, str], verdict: str) -> None:
    assert compare(fig(*claim), fig(*evidence)) == verdict


# ---------------------------------------------------------------------------------------------------
# Properties

SCALES = {"": Decimal(1), "万": Decimal("1e4"), "亿": Decimal("1e8"), "万亿": Decimal("1e12")}


@given(
    x=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2),
    scale=st.sampled_from(sorted(SCALES)),
)
def test_amount_round_trip(x: Decimal, scale: str) -> None:
    written = f"{x:f}{scale}元"
    figures = extract_figures(f"全市进出口{written}，")
    assert len(figures) == 1
    figure = figures[0]
    assert figure.raw == written
    assert figure.value == pytest.approx(float(x * SCALES[scale]), rel=1e-12)
    assert figure.low <= figure.value <= figure.high
    assert figure.high - figure.low == pytest.approx(float(SCALES[scale]) / 100, rel=1e-9)
    assert (figure.unit, figure.kind, figure.scale, figure.qualifier) == ("CNY", "amount", scale, "exact")


QUALIFIED = {  # (prefix, suffix) → the qualifier they write
    ("超过", ""): "gt",
    ("突破", ""): "gt",
    ("", "以上"): "gt",
    ("近", ""): "near",
    ("约", ""): "approx",
    ("", "左右"): "approx",
    ("不到", ""): "lt",
    ("", "以下"): "lt",
    ("余", ""): "range",
}


@given(n=st.integers(min_value=1, max_value=99999), form=st.sampled_from(sorted(QUALIFIED)))
def test_qualifier_intervals(n: int, form: tuple[str, str]) -> None:
    prefix, suffix = form
    written = f"{n}余亿元" if prefix == "余" else f"{prefix}{n}亿元{suffix}"
    figure = fig(f"交易额{written}。", written)
    value = n * 1e8
    digits = str(n)
    sig = 10 ** (len(digits) - len(digits.rstrip("0"))) * 1e8  # one unit of the last significant digit
    assert figure.qualifier == QUALIFIED[form]
    assert figure.value == pytest.approx(value)
    assert figure.low <= figure.value <= figure.high
    if figure.qualifier in ("gt", "range"):
        assert figure.low == pytest.approx(value)
        expected_high = INF if suffix == "以上" else value + sig
        assert figure.high == pytest.approx(expected_high)
    elif figure.qualifier in ("lt", "near"):
        assert figure.high == pytest.approx(value)
    else:  # approx: at least the rounding interval of the bare number, and ±5 %
        bare = fig(f"交易额{n}亿元。", f"{n}亿元")
        assert figure.low <= min(bare.low, 0.95 * value) + 1e-6
        assert figure.high >= max(bare.high, 1.05 * value) - 1e-6


NEWSY = st.text(
    alphabet=st.sampled_from(
        list(
            "0123456789.,%-至亿万千百十一二两三五七八九零余多几数超过近约以上下左右第前位个家元美吨标箱米年月日今去成翻番倍占同比增长下降，。、“”"
        )
    ),
    max_size=40,
)


def _well_formed(sentence: str) -> None:
    figures = extract_figures(sentence)
    end = 0
    for figure in figures:
        assert sentence[figure.start : figure.end] == figure.raw
        assert figure.start >= end
        end = figure.end
        assert figure.low <= figure.high
        assert not math.isnan(figure.value)
        assert compare(figure, figure) == "supports"


@given(st.text())
def test_arbitrary_text_never_raises(sentence: str) -> None:
    _well_formed(sentence)
    extract_periods(sentence)


@settings(max_examples=300)
@given(NEWSY)
def test_newsy_text_gives_well_formed_figures(sentence: str) -> None:
    _well_formed(sentence)


# ---------------------------------------------------------------------------------------------------
# Cost


def _seed_sentences() -> list[str]:
    sentences: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = normalize(path.read_text(encoding="utf-8"))
        sentences += [s for s, _, _ in split_sentences(text)]
    return sentences


def test_a_sentence_parses_well_under_a_millisecond() -> None:
    sentences = _seed_sentences()
    assert len(sentences) > 500
    for s in sentences:  # warm the numeral cache
        extract_figures(s)
    begin = time.perf_counter()
    for s in sentences:
        extract_figures(s)
    assert (time.perf_counter() - begin) / len(sentences) < 1e-3


def test_import_is_light() -> None:
    code = "import sys, rag.figures; print('cn2an' in sys.modules, 'jieba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("text", "raw", "unit", "value"),
    [
        ("上半年产量超过120吉瓦时，", "超过120吉瓦时", "kWh", Decimal("120000000")),
        ("装机容量达到3.5太瓦", "3.5太瓦", "kW", Decimal("3500000000")),
        ("收入达到人民币 2,486 亿元，同比增长", "2,486 亿元", "CNY", Decimal("248600000000")),
        ("体长可达45公分", "45公分", "m", Decimal("0.45")),
        ("叶长约2厘米", "约2厘米", "m", Decimal("0.02")),
        ("全长只有3cm", "3cm", "m", Decimal("0.03")),
        ("每瓶容量500毫升", "500毫升", "m3", Decimal("0.0005")),
        ("每包重250克", "250克", "ton", Decimal("0.00025")),
        ("用时9.58秒", "9.58秒", "second", Decimal("9.58")),
        ("陆地面积为1.6km²", "1.6km²", "km2", Decimal("1.6")),
        ("展厅面积120m²", "120m²", "m2", Decimal("120")),
        ("重量：0.85KG", "0.85KG", "ton", Decimal("0.00085")),
    ],
)
def test_units_of_energy_length_volume_mass_and_time(text: str, raw: str, unit: str, value: Decimal) -> None:
    figs = extract_figures(text)
    assert [f.raw for f in figs] == [raw]
    assert figs[0].unit == unit and Decimal(str(figs[0].value)) == value


@pytest.mark.parametrize("text", ["克服了困难", "价格升级换代", "秒杀活动", "3kmh"])
def test_unit_words_inside_other_words_are_not_units(text: str) -> None:
    assert extract_figures(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("投资三亿五千万元", Decimal("350000000")),
        ("接待游客一百零五人", Decimal("105")),
        ("新增岗位一万二千个", Decimal("12000")),
        ("总投资一亿零五百万元", Decimal("105000000")),
        ("增长百分之五点二", Decimal("5.2")),
        ("建成二十万零三百平方米", Decimal("200300")),
    ],
)
def test_chinese_numerals_are_read(text: str, value: Decimal) -> None:
    (fig,) = extract_figures(text)
    assert Decimal(str(fig.value)) == value or Decimal(str(fig.low)) == value
