"""ui.render.desk: one row per checked figure, coloured by verdict, with the corpus figure and source."""

from __future__ import annotations

import re

import pytest
from ui_samples import CITATION, HOSTILE, MD_IMAGE, QUOTE, XSS, assert_inert, check_result, visible

from ui.render.desk import figure_rows, outcome_of, verdict_table_html


def test_figure_rows_take_the_corpus_figure_and_its_citation() -> None:
    (row,) = figure_rows([check_result()])
    assert (row.figure, row.verdict, row.corpus_figure) == ("9800亿元", "refuted", "9117.2亿元")
    assert row.title == "青岛外贸进出口总值何以创新高" and row.date == "2023-01"
    assert row.source == CITATION["source"] and row.quote == QUOTE
    assert row.sentence == "2022年青岛外贸进出口总值达到9800亿元。"


def test_figure_rows_without_comparison_or_figures() -> None:
    res = check_result(
        verdict="not_enough_info", figures=[{"raw": "7%", "compared_with": None, "outcome": "not_found"}]
    )
    rows = figure_rows([res, check_result(figures=[], verdict="not_enough_info", evidence=[])])
    assert [(r.figure, r.verdict, r.title) for r in rows] == [
        ("7%", "not_enough_info", ""),
        ("—", "not_enough_info", ""),
    ]
    assert [r.group for r in rows] == [0, 1]


@pytest.mark.parametrize(
    ("word", "verdict"),
    [
        ("supported", "supported"),
        ("refuted", "refuted"),
        ("not_found", "not_enough_info"),
        ("not_enough_info", "not_enough_info"),
        ("", "not_enough_info"),
    ],
)
def test_outcome_words(word: str, verdict: str) -> None:
    assert outcome_of(word) == verdict


def test_verdict_table_colours_each_figure_and_marks_the_corpus_figure() -> None:
    res = check_result()
    res["figures"].append({"raw": "7%", "compared_with": None, "outcome": "not_found"})
    ok = check_result(
        claim="2022年青岛外贸进出口总值为9117.2亿元。",
        verdict="supported",
        figures=[
            {"raw": "9117.2亿元", "compared_with": {"raw": "9117.2亿元", "n": 1}, "outcome": "supported"}
        ],
    )
    out = verdict_table_html(figure_rows([res, ok]))
    for label, colour in (("不符", "#b91c1c"), ("未找到", "#6b7280"), ("符合", "#15803d")):
        assert re.search(rf'style="background:{colour};color:#fff">{label}<', out), label
    assert "<mark>9117.2亿元</mark>" in out  # in the source sentence
    assert "<mark>9800亿元</mark>" in out  # in the claim
    assert 'rowspan="2"' in out  # two figures of one sentence share the sentence cell
    assert "共核查 3 个数字：符合 1 · 不符 1 · 未找到 1" in visible(out)
    assert "资料中没有相关内容" in visible(out)


def test_verdict_table_marks_an_inferred_source_date() -> None:
    res = check_result(evidence=[{**CITATION, "date": "2017", "date_inferred": True}])
    assert "（约2017年，据正文推断）" in visible(verdict_table_html(figure_rows([res])))


def test_verdict_table_is_inert_with_hostile_claim_and_evidence() -> None:
    bad_cite = {**CITATION, "title": XSS, "quote": HOSTILE}
    res = check_result(claim=HOSTILE, explanation=HOSTILE, evidence=[bad_cite])
    res["figures"][0]["compared_with"] = {"raw": f"{XSS}9117.2亿元", "n": 1}
    res["figures"][0]["raw"] = MD_IMAGE
    out = verdict_table_html(figure_rows([res]))
    assert_inert(out)
    assert XSS in visible(out)


def test_verdict_table_empty() -> None:
    assert "没有找到可核查的数字" in verdict_table_html([])
