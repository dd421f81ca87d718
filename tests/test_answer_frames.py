"""Which figure of a sentence a question asks for, read from the sentence's structure: lists read
respectively (items before or after the figures, a head noun they share), a change from one level to
another, a class named by a threshold, a verb or status word the later clauses leave out, a scope
list, rank place and rank move, a share and its change, and the trade partner. On a corpus written
for these tests (tests/data/frames_corpus.jsonl), through `RagService` with the real encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.service import RagService

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parent / "data" / "frames_corpus.jsonl"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> RagService:
    svc = RagService(tmp_path_factory.mktemp("frames-index"))
    svc.ingest_paths([CORPUS])
    return svc


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # 纺织、家具、电子产品出口分别增长…: the list shares 出口 (jieba's one word 电子产品出口 is cut)
        ("2023年临川市电子产品出口增长了多少？", "21.4%"),
        ("2023年临川市家具出口增长多少？", "7.9%"),
        ("临川对欧盟进出口增长多少？", "4.6%"),
        # items after the figures: 总投资分别为5.6亿元和8000万元的甲项目、乙项目
        ("远航船舶配件产业园项目总投资多少？", "8000万元"),
        ("临川冷链物流园项目总投资是多少？", "5.6亿元"),
        # 由48小时压缩至6小时: the new level has the subject of the old one
        ("临川进口货物通关时间压缩到了多少小时？", "6小时"),
        # a class named by a threshold, and the verb the last clause leaves out
        ("临川力争引进多少个10亿元以上重大项目？", "25个"),
        ("临川全年力争引进多少个50亿元以上项目？", "6个"),
        # 高于全国3.8个、全省1.5个百分点: each scope has its own figure
        ("2023年临川市外贸增速比全省高多少？", "1.5个百分点"),
        # the figure inherits 出口 from the one before; the total's 6.2% is not the export's
        ("2023年临川市出口同比增长多少？", "8.1%"),
        # a change asked without its measure is answered by a rate
        ("临川出口货物查验时间缩短了多少？", "42%"),
        # rank place and rank move
        ("临川港集装箱吞吐量在全国沿海港口排第几位？", "第18位"),
        ("临川港集装箱吞吐量排名上升了几位？", "三位"),
        # a share and its change
        ("临川高新技术企业数量占比是多少？", "38.5%"),
        ("临川高新技术企业数量占比较上年提高了多少？", "4.2个百分点"),
        # 几年 asks for years; the partner named without 对 is still what the question is about
        ("东盟连续几年保持临川市第一大贸易伙伴地位？", "5年"),
    ],
)
def test_the_figure_the_sentence_gives_for_what_was_asked(service: RagService, question: str, expected: str) -> None:
    answer, _ = service.ask(question)
    assert answer.found, answer.answer
    assert answer.short_answer == expected, answer.answer


def test_a_partner_figure_is_asked_for_and_the_total_is_not_it(service: RagService) -> None:
    """The pages give no export figure for trade with 东盟: the total export is not that answer."""
    answer, _ = service.ask("2023年临川市对东盟出口额是多少？")
    assert "1320.4亿元" not in (answer.short_answer or "")
    assert not answer.found or "15.2%" in answer.answer


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("2023年临川市对日本进出口增长2.1%。", "supported"),
        ("2023年临川市对日本进出口增长4.6%。", "refuted"),
        ("远航船舶配件产业园项目总投资8000万元。", "supported"),
        ("远航船舶配件产业园项目总投资5.6亿元。", "refuted"),
        ("临川进口货物通关时间由48小时压缩至6小时。", "supported"),
    ],
)
def test_claims_read_the_same_structure(service: RagService, claim: str, verdict: str) -> None:
    result, _ = service.check(claim)
    assert result.verdict == verdict, result.explanation


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("柴文博是哪一年出生的？", "1979年"),  # not 1975年，画家万山出生…: that is someone else
        ("贺明远是什么时候参加工作的？", "1990年7月"),
        ("柴文博是什么时候参加工作的？", "2001年9月"),
    ],
)
def test_a_person_the_question_names_is_who_the_answer_is_about(
    service: RagService, question: str, expected: str
) -> None:
    answer, _ = service.ask(question)
    assert answer.found and expected in (answer.short_answer or ""), answer.answer


def test_latin_units_in_capitals_are_figures(service: RagService) -> None:
    answer, _ = service.ask("新款机械键盘的重量是多少？")
    assert answer.short_answer == "0.85KG", answer.answer


def test_a_unit_left_to_the_list_s_last_figure_is_said_in_the_answer(service: RagService) -> None:
    """高于全国3.8个、全省1.5个百分点: the answer says 3.8个百分点; the quote stays as written."""
    answer, _ = service.ask("2023年临川市外贸增速比全国高多少？")
    assert answer.short_answer == "3.8个"
    assert answer.answer.startswith("2023年临川市外贸增速比全国高3.8个百分点。"), answer.answer
    assert "全国3.8个、全省1.5个百分点" in answer.citations[0].quote


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("2023年临川市出口额是多少？", "1320.4亿元"),  # 出口 is not 进出口
        ("2023年临川市外贸进出口总值是多少？", "2140.6亿元"),
        ("2023年临川市工业投资额是多少？", "320亿元"),
    ],
)
def test_the_asked_indicator_is_the_figure_s(service: RagService, question: str, expected: str) -> None:
    answer, _ = service.ask(question)
    assert answer.found and answer.short_answer == expected, answer.answer


@pytest.mark.parametrize(
    ("question", "not_this"),
    [
        ("2023年临川市民营企业进出口额是多少？", "2140.6亿元"),  # a part of the flow is not the whole
        ("2024年临川市外贸出口额是多少？", "1500亿元"),  # a target (力争) is not a result
        ("2023年临川市新建标准厂房的投资额是多少？", "46.5万平方米"),  # money is not an area
        ("今年临川市外贸进出口总值是多少？", "2140.6亿元"),  # pages of 2024: 今年 is not 2023
    ],
)
def test_a_figure_of_another_frame_is_not_given(service: RagService, question: str, not_this: str) -> None:
    answer, _ = service.ask(question)
    assert not_this not in (answer.short_answer or ""), answer.answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("新款机械键盘有多重？", "0.85KG"),  # a weight, not the 30mm of its size
        ("滨湖公园的占地面积是多少？", "2.3km²"),  # an area, not the 1.8公里 of its length
        ("滨湖公园的湖泊有多深？", "约6米"),
    ],
)
def test_a_size_question_gets_a_figure_of_its_dimension(service: RagService, question: str, expected: str) -> None:
    answer, _ = service.ask(question)
    assert answer.found and answer.short_answer == expected, answer.answer
