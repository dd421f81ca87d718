"""ui.render.markup: hostile text stays text, figures are highlighted, inferred dates say so."""

from __future__ import annotations

import html

from ui_samples import HOSTILE, XSS, assert_inert, visible

from ui.render.markup import date_html, date_text, esc, figure_parts, render_text, status_html


def test_esc_makes_markup_and_markdown_inert_but_keeps_the_text() -> None:
    out = esc(HOSTILE)
    assert_inert(out)
    assert html.unescape(out) == HOSTILE


def test_esc_turns_line_breaks_into_br_and_never_leaves_a_newline() -> None:
    out = esc("第一段\n\n\n\n第二段\r\n第三段")
    assert "\n" not in out
    assert out == "第一段<br>第二段<br>第三段"


def test_render_text_marks_figures_and_refs() -> None:
    out = render_text("外贸进出口9117.2亿元[1]，同比增长7.4%[2]。", ["9117.2亿元"], refs=True)
    assert "<mark>9117.2亿元</mark>" in out
    assert '<sup class="rag-ref">&#91;1&#93;</sup>' in out
    assert visible(out) == "外贸进出口9117.2亿元[1]，同比增长7.4%[2]。"


def test_render_text_escapes_inside_and_around_a_mark() -> None:
    out = render_text(f"{XSS}9117.2亿元{XSS}", ["9117.2亿元"])
    assert_inert(out)
    assert "<mark>9117.2亿元</mark>" in out


def test_render_text_highlights_the_quote_inside_the_passage() -> None:
    out = render_text("前文。外贸进出口9117.2亿元。后文。", ["9117.2亿元"], quote="外贸进出口9117.2亿元。")
    assert '<span class="rag-quoted">外贸进出口<mark>9117.2亿元</mark>。</span>' in out


def test_figure_parts_splits_a_compound_short_answer() -> None:
    assert figure_parts("3756.1亿元、5.1%") == ["3756.1亿元、5.1%", "3756.1亿元", "5.1%"]
    assert figure_parts(None) == []


def test_inferred_dates_are_marked_and_given_dates_are_not() -> None:
    assert date_text("2017", True) == "（约2017年，据正文推断）"
    assert date_text("2023-01-28") == "2023年1月28日"
    assert date_text("", True) == "日期不详"
    assert date_html("2017", True) == '<span class="rag-date-inferred">（约2017年，据正文推断）</span>'
    assert date_html("2023-01") == "2023年1月"


def test_status_html_is_inert() -> None:
    out = status_html(HOSTILE, ok=False)
    assert_inert(out)
    assert "rag-status-bad" in out and visible(out) == HOSTILE
