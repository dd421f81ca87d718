"""The understanding layer: question analysis (types, times, places, terms), compound-aware matching,
frames of evidence figures and their stored annotations."""

from __future__ import annotations

import json

import pytest

from rag.answer import merge_follow_up
from rag.figures import extract_periods
from rag.types import Article, Chunk
from rag.understand import (
    ANNOTATION_VERSION,
    analyse,
    analyse_chunk,
    annotate_chunks,
    classify,
    core_term,
    evidence_from_annotation,
    evidence_of,
    head_noun,
    modifiers,
    subject_place,
    term_in,
    with_context_year,
)
from rag.understand.subject import resolve_anaphor


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
    assert analyse("已有2000多家运动门店参与").years == frozenset()


def test_follow_up_takes_the_previous_question() -> None:
    history = ["2022年青岛外贸进出口总值是多少？"]
    assert merge_follow_up("那2023年呢？", history) == "2023年青岛外贸进出口总值是多少？"
    assert merge_follow_up("青岛海关关长是谁？", history) == "青岛海关关长是谁？"


# ---- evidence, frames and their stored annotations -------------------------------------------------


_TEXT = (
    "今年1-5月，青州市外贸进出口总值1234.5亿元，同比增长3.2%。其中，出口801.2亿元。\n"
    "同期，青州市对東盟進出口210.6億元。青州市服务进出口95.7亿元。"
)


def _article_and_chunk(title: str = "前5月青州外贸进出口同比增长3.2%", text: str = _TEXT) -> tuple[Article, Chunk]:
    article = Article("a1", title, text, "src", date="2024-06-20", start=10, end=10 + len(text))
    return article, Chunk.make(article, text, 10, 10 + len(text), 0)


def test_frames_read_subject_partner_part_period_and_status() -> None:
    article, chunk = _article_and_chunk()
    evidence = analyse_chunk(chunk, article)
    by_raw = {ev.raw(f): (ev, fr) for ev in evidence for f, fr in zip(ev.figures, ev.frames, strict=True)}
    ev, total = by_raw["1234.5亿元"]
    assert total.years == {2024} and total.span == (1, 5) and total.status == "actual" and total.modifiers == ()
    _, export = by_raw["801.2亿元"]
    assert export.indicators["flow"] == {"export"} and export.span == (1, 5)  # 其中: the sentence before's period
    ev, partner = by_raw["210.6億元"]  # traditional: compared folded, quoted as written
    assert partner.partner == "东盟" and partner.role == "partner"
    assert partner.span == (1, 5) and partner.span_inherited  # 同期: the paragraph before, else the headline
    assert ev.written == "同期，青州市对東盟進出口210.6億元。" and ev.text == "同期，青州市对东盟进出口210.6亿元。"
    _, service = by_raw["95.7亿元"]
    assert service.modifiers == ("服务",) and service.role == "part"  # 服务进出口 is a part of 进出口
    assert total.role == "whole"


def test_annotations_round_trip_through_json() -> None:
    article, chunk = _article_and_chunk()
    (stored,) = annotate_chunks([chunk], {"a1": article})
    assert stored["version"] == ANNOTATION_VERSION
    loaded = evidence_from_annotation(chunk, article, json.loads(json.dumps(stored)))
    assert loaded == analyse_chunk(chunk, article)
    stale = dict(stored, version="understand-0", sentences=[])
    assert evidence_from_annotation(chunk, article, stale) == loaded  # another version is recomputed


def test_part_year_periods() -> None:
    (first5, _, _), = extract_periods("前5月青州外贸进出口增长3.2%")
    assert (first5.start_month, first5.end_month) == (1, 5)
    (upto, _, _), = extract_periods("截至5月底，外贸企业达3120家")
    assert (upto.start_month, upto.end_month) == (1, 5)  # the year so far, not the month of May
    (may, _, _), = extract_periods("5月底，公司发布年报")
    assert (may.start_month, may.end_month) == (5, 5)


def test_modifiers_name_the_part_of_a_flow() -> None:
    assert modifiers("青州市外贸进出口总值") == ()
    assert modifiers("民营企业进出口") == ("民营企业",)
    assert modifiers("今年1-5月，青州市对东盟进出口") == ()  # the partner is not a part
    assert modifiers("青州港货物吞吐量") is None


def test_headline_names_the_short_subject() -> None:
    assert resolve_anaphor("大桥", "青州跨海大桥正式通车") == "青州跨海大桥"
    assert resolve_anaphor("大桥", "") == "大桥"


def test_draft_year_is_inherited_only_by_a_sentence_that_continues() -> None:
    before = "2023年青州港货物吞吐量突破8亿吨。"
    assert with_context_year("其中，出口801.2亿元。", before) == "2023年，其中，出口801.2亿元。"
    assert with_context_year("集装箱吞吐量1020万标准箱。", before).startswith("2023年")
    assert with_context_year("“青州号”船长366米。", before) == "“青州号”船长366米。"


class _SegmentedIndex:
    """The reader contract of the segmented store: rows, stored annotations and their version."""

    def __init__(self, article: Article, chunk: Chunk, stored: dict, version: str) -> None:
        self.articles = {article.id: article}
        self.chunks = [chunk]
        self.annotation_version = version
        self.stored = stored
        self.reads = 0

    def row_of(self, chunk_id: str) -> int | None:
        return 0 if chunk_id == self.chunks[0].id else None

    def annotations(self, row: int) -> dict | None:
        self.reads += 1
        return self.stored


def test_evidence_is_read_from_stored_annotations_and_kept_by_the_snapshot() -> None:
    article, chunk = _article_and_chunk()
    (stored,) = annotate_chunks([chunk], {"a1": article})
    index = _SegmentedIndex(article, chunk, json.loads(json.dumps(stored)), ANNOTATION_VERSION)
    folded_copy = Chunk(**{**chunk.to_dict(), "text": chunk.text.replace("東盟進出口", "东盟进出口")})
    first = evidence_of(index, folded_copy)  # a copy of an index chunk is read as the index stores it
    assert first == analyse_chunk(chunk, article) and index.reads == 1
    assert evidence_of(index, chunk) is first and index.reads == 1  # kept by this snapshot
    other = _SegmentedIndex(article, chunk, stored, "understand-0")  # another version: computed, not read
    assert evidence_of(other, chunk) == first and other.reads == 0


def test_a_speaker_or_a_reporting_office_is_not_the_subject() -> None:
    assert subject_place("青州市商务局数据显示，全市进出口增长5%。", 15) == ""
    assert subject_place("青州市进出口增长5%。", 7) == "青州市"
    assert head_noun("海关关长王明介绍") == ""
    assert head_noun("青州自贸片区围绕") == "自贸片区"
