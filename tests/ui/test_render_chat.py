"""ui.render.chat: answers with highlighted figures and source cards, not-found messages, all inert."""

from __future__ import annotations

from ui_samples import CITATION, HOSTILE, MD_IMAGE, QUOTE, XSS, assert_inert, visible

from ui.render.chat import answer_html, question_html, source_card


def test_source_card_shows_title_date_page_quote_with_highlight_and_passage() -> None:
    out = source_card(CITATION, ["9117.2亿元"])
    text = visible(out)
    assert "《青岛外贸进出口总值何以创新高》" in text
    assert "2023年1月" in text and "000_4ec5dd5d5caa780e" in text and "第 44–103 字" in text
    assert out.count("<mark>9117.2亿元</mark>") == 2  # the quote and the passage
    assert "<details" in out and "展开原文段落" in out
    assert '<span class="rag-quoted">' in out  # the quote is located in the passage
    assert "据正文推断" not in text


def test_source_card_marks_an_inferred_date() -> None:
    out = source_card({**CITATION, "date": "2017", "date_inferred": True})
    assert "（约2017年，据正文推断）" in visible(out)
    assert 'class="rag-date-inferred"' in out


def test_source_card_with_hostile_article_is_inert() -> None:
    hostile = {**CITATION, "title": f"标题{XSS}", "text": HOSTILE + QUOTE, "quote": f"{XSS}{QUOTE}{MD_IMAGE}"}
    out = source_card(hostile, ["9117.2亿元"])
    assert_inert(out)
    assert "<mark>9117.2亿元</mark>" in out
    assert XSS in visible(out) and MD_IMAGE in visible(out)


def test_answer_html_found_has_answer_refs_and_cards_on_one_line() -> None:
    answer = {
        "answer": f"青岛市2022年外贸进出口总值是9117.2亿元。据《青岛外贸进出口总值何以创新高》（2023年1月）：{QUOTE}[1]",
        "short_answer": "9117.2亿元",
        "found": True,
        "citations": [CITATION],
    }
    out = answer_html(answer)
    assert "\n" not in out  # one HTML block for the chat's Markdown renderer
    assert '<div class="rag-answer">' in out and "rag-card" in out
    assert "<mark>9117.2亿元</mark>" in out and 'class="rag-ref"' in out
    assert "来源" in visible(out)


def test_answer_html_not_found_shows_message_and_related_passages() -> None:
    answer = {
        "answer": "资料中没有找到上海2022年外贸进出口总值的相关信息。",
        "short_answer": None,
        "found": False,
        "citations": [CITATION],
    }
    out = answer_html(answer)
    assert 'class="rag-notfound"' in out
    assert "资料中没有找到" in visible(out)
    assert "相关段落" in visible(out) and "rag-card-compact" in out
    assert "<mark>" not in out


def test_hostile_question_and_answer_are_inert() -> None:
    assert_inert(question_html(HOSTILE))
    out = answer_html({"answer": HOSTILE, "short_answer": "外贸", "found": True, "citations": [CITATION]})
    assert_inert(out)
    assert visible(question_html(HOSTILE)) == HOSTILE
