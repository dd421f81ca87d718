"""The understanding layer: question analysis (types, times, places, terms), compound-aware matching,
frames of evidence figures and their stored annotations."""

from __future__ import annotations

import pytest

from rag.answer import merge_follow_up
from rag.understand import analyse, classify, core_term, term_in


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("青岛市2022年外贸进出口总值是多少？", "amount"),
        ("2022年青岛对上合组织其他成员国进出口增长了多少？", "percent"),
        ("2022年山东港口青岛港货物吞吐量全球排第几？", "rank"),
        ("莱西市33位市领导牵头多少个顶格协调事项？", "count"),
        ("青岛都市圈什么时候获得批复？", "date"),
        ("青岛海关关长是谁？", "person"),
        ("中国—上合组织技术转移中心位于哪里？", "place"),
        ("青岛市科协“六大行动”包括哪些？", "list"),
        ("青岛进出口总值排在哪几个副省级城市之后？", "list"),
        ("青岛外贸为什么能创新高？", "summary"),
        ("How many TEUs did Qingdao Port handle in 2023?", "count"),
        ("What was Qingdao's total foreign trade value in 2022?", "amount"),
        ("２０２３年青岛港集装箱吞吐量", "fact"),
    ],
)
def test_question_types(question: str, qtype: str) -> None:
    assert analyse(question).qtype == qtype


def test_multi_part_question_asks_for_each_kind() -> None:
    q = analyse("2022年青岛进口额是多少，同比增长多少？")
    assert q.asks == ("amount", "percent")
    assert q.wanted_kinds is not None and {"amount", "percent"} <= q.wanted_kinds


def test_times_places_and_terms() -> None:
    q = analyse("2024年1-5月青岛“新三样”产品出口增长了多少？")
    assert q.years == {2024} and q.spans == {(1, 5)}
    assert q.places == ("青岛",)
    assert "新三样" in q.terms and "青岛" not in q.terms
    assert analyse("“十三五”期间青岛实际使用外资多少？").plans == {"十三五"}


def test_normalisation_of_traditional_and_full_width() -> None:
    q = analyse("２０２２年青島外貿進出口總值是多少？")
    assert q.text == "2022年青岛外贸进出口总值是多少？"
    assert q.years == {2022}


def test_english_words_map_to_chinese_terms() -> None:
    q = analyse("How many TEUs did Qingdao Port handle in 2023?")
    assert any(p.startswith("青岛") for p in q.places) and q.years == {2023}
    assert "标准箱" in q.match_text and "吞吐量" in q.match_text


def test_subject_drops_the_question_word() -> None:
    assert analyse("上海2022年外贸进出口总值是多少？").subject == "上海2022年外贸进出口总值"


def test_compound_terms_are_not_matched_inside_longer_ones() -> None:
    assert not term_in("出口", "外贸进出口9117.2亿元")
    assert term_in("出口", "其中：出口5361.1亿元，进出口…")
    assert core_term("进出口总值") == "进出口"


def test_year_without_nian_is_read_but_counts_are_not_years() -> None:
    assert analyse("2024首发货轮计划装卸多少标箱？").years == {2024}
    assert classify("累计有多少家世界500强企业在青岛投资？") == "count"
    assert analyse("上合示范区已集聚贸易主体突破2000家").years == frozenset()


def test_follow_up_takes_the_previous_question() -> None:
    history = ["2022年青岛外贸进出口总值是多少？"]
    assert merge_follow_up("那2023年呢？", history) == "2023年青岛外贸进出口总值是多少？"
    assert merge_follow_up("青岛海关关长是谁？", history) == "青岛海关关长是谁？"
