"""The UI's pure rendering functions: hostile text stays text, figures are highlighted, exports are
faithful and inert; plus the upload/paste checks and the pinned upload limit."""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from ui.app import (
    CSS,
    MAX_UPLOAD_BYTES,
    FigureRow,
    NewsBlocks,
    answer_html,
    article_html,
    ask_service,
    build_ui,
    corpus_table_html,
    doc_choices,
    esc,
    figure_parts,
    figure_rows,
    md_cell,
    outcome_of,
    pasted_article_record,
    question_html,
    read_upload,
    render_text,
    rows_to_csv,
    rows_to_markdown,
    source_card,
    verdict_table_html,
)

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
MD_IMAGE = "![logo](http://evil.example/x.png)"
HOSTILE = f"青岛{XSS}外贸{MD_IMAGE}[链接](javascript:alert(1)) *强调* $$x$$ `code` | 管道"
QUOTE = "近日，青岛市2022年外贸数据出炉：外贸进出口9117.2亿元，同比增长7.4%。"
CITATION: dict[str, Any] = {
    "n": 1,
    "source": "000_4ec5dd5d5caa780e",
    "article_id": "65c554917f49d1da",
    "title": "青岛外贸进出口总值何以创新高",
    "date": "2023-01",
    "text": "青岛外贸进出口总值何以创新高\n\n" + QUOTE + "其中：出口5361.1亿元。",
    "quote": QUOTE,
    "start": 44,
    "end": 103,
    "score": 1.6,
}


ALLOWED_TAGS = {
    "div", "span", "mark", "sup", "details", "summary", "blockquote", "br", "p", "h3", "article",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


class _Tags(HTMLParser):
    """Collects every tag and attribute the browser would build from a string."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_inert(out: str) -> None:
    """Only our own tags and attributes (no script, img, event handler, link); no Markdown link or
    image syntax and no LaTeX delimiters left for the chat's Markdown pass."""
    parser = _Tags()
    parser.feed(out)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, _ in attrs:
            assert name in ("class", "style", "rowspan"), (tag, name)
    for md in ("![", "](", "[链接]", "$$", "`", "*强调*"):
        assert md not in out, md


def visible(out: str) -> str:
    """The text a browser shows for rendered HTML (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", out.replace("<br>", "\n")))


# ---- escaping ------------------------------------------------------------------------------------
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


def test_figure_parts_splits_a_compound_short_answer() -> None:
    assert set(figure_parts("3756.1亿元、5.1%")) >= {"3756.1亿元", "5.1%"}
    assert figure_parts(None) == []


# ---- chat ----------------------------------------------------------------------------------------
def test_source_card_shows_title_date_page_quote_with_highlight_and_passage() -> None:
    out = source_card(CITATION, ["9117.2亿元"])
    text = visible(out)
    assert "《青岛外贸进出口总值何以创新高》" in text
    assert "2023年1月" in text and "000_4ec5dd5d5caa780e" in text
    assert out.count("<mark>9117.2亿元</mark>") == 2  # the quote and the passage
    assert "<details" in out and "展开原文段落" in out
    assert '<span class="rag-quoted">' in out  # the quote is located in the passage


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
        "answer": "资料中没有找到上海2022年外贸进出口总值的相关信息。相关资料：《青岛外贸进出口总值何以创新高》（2023年1月）[1]。",
        "short_answer": None,
        "found": False,
        "citations": [CITATION],
    }
    out = answer_html(answer)
    assert 'class="rag-notfound"' in out
    assert "资料中没有找到" in visible(out)
    assert "相关段落" in visible(out) and "rag-card" in out
    assert "<mark>" not in out


def test_hostile_question_and_answer_are_inert() -> None:
    assert_inert(question_html(HOSTILE))
    out = answer_html({"answer": HOSTILE, "short_answer": "外贸", "found": True, "citations": [CITATION]})
    assert_inert(out)


# ---- fact-check desk -----------------------------------------------------------------------------
def check_result(**over: Any) -> dict[str, Any]:
    """A CheckResult.to_dict() as rag/check.py returns it."""
    result: dict[str, Any] = {
        "claim": "2022年青岛外贸进出口总值达到9800亿元。",
        "verdict": "refuted",
        "explanation": "资料显示，外贸进出口9117.2亿元[1]（核查：原文为“9117.2亿元”，声明为“9800亿元”）",
        "figures": [
            {
                "raw": "9800亿元",
                "value": 9.8e11,
                "unit": "CNY",
                "kind": "amount",
                "measure": "level",
                "period": "2022",
                "compared_with": {"raw": "9117.2亿元", "source": CITATION["source"], "quote": QUOTE, "n": 1},
                "outcome": "refuted",
            }
        ],
        "evidence": [CITATION],
        "start": 0,
        "end": 21,
    }
    result.update(over)
    return result


def test_figure_rows_take_the_corpus_figure_and_its_citation() -> None:
    (row,) = figure_rows([check_result()])
    assert (row.figure, row.verdict, row.corpus_figure) == ("9800亿元", "refuted", "9117.2亿元")
    assert row.title == "青岛外贸进出口总值何以创新高" and row.date == "2023-01"
    assert row.source == CITATION["source"] and row.quote == QUOTE


def test_figure_rows_accept_other_shapes() -> None:
    res = check_result(
        verdict="not_enough_info",
        figures=[
            {"raw": "7%", "compared_with": None, "outcome": "not_found"},
            {"raw": "9117亿元", "compared_with": "9117.2亿元", "outcome": "supported"},
        ],
    )
    rows = figure_rows([res, check_result(figures=[], verdict="not_enough_info", evidence=[])])
    assert [r.verdict for r in rows] == ["not_enough_info", "supported", "not_enough_info"]
    assert rows[0].title == "" and rows[1].corpus_figure == "9117.2亿元"
    assert rows[1].title == CITATION["title"]  # no citation number: the first piece of evidence
    assert rows[2].figure == "—"


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


def _rows() -> list[FigureRow]:
    res = check_result(
        claim=f'=HYPERLINK("http://x")2022年{XSS}达到9800亿元|。', explanation="-1+1 " + MD_IMAGE
    )
    return figure_rows([res])


def test_csv_export_round_trips_and_blocks_formulas() -> None:
    text = rows_to_csv(_rows())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["原句", "数字", "结论", "资料中的数字"]
    assert rows[1][0].startswith("'=HYPERLINK")  # not a live formula
    assert rows[1][1:4] == ["9800亿元", "不符", "9117.2亿元"]
    assert rows[1][8].startswith("'-1+1")
    assert XSS in rows[1][0]  # data stays as written


def test_markdown_export_is_a_table_without_live_markup() -> None:
    md = rows_to_markdown(_rows())
    lines = md.splitlines()
    assert lines[0] == "# 核查结果"
    table = [ln for ln in lines if ln.startswith("|")]
    assert len(table) == 3  # header, rule, one figure
    cells = re.split(r"(?<!\\)\|", table[2])[1:-1]
    assert len(cells) == 9  # the | in the claim is escaped, not a column break
    for cell in cells:
        assert not re.search(r"(?<!\\)[<>\[\]()!|`*_$]", cell), cell  # every Markdown trigger escaped
    assert "\\<script\\>" in table[2] and "不符" in table[2] and "9117.2亿元" in table[2]


def test_md_cell_flattens_lines_and_escapes() -> None:
    assert md_cell("a|b\n[c](d)") == "a\\|b \\[c\\]\\(d\\)"
    assert md_cell("") == "—"


# ---- corpus --------------------------------------------------------------------------------------
DOC = {
    "id": "abc",
    "title": f"标题{XSS}",
    "date": "2024-12-20",
    "date_inferred": False,
    "source": "paste_1234",
    "chunks": 3,
    "chars": 120,
}


def test_corpus_table_lists_articles_as_text() -> None:
    out = corpus_table_html([DOC, {**DOC, "id": "def", "title": "第二篇", "chunks": 2}])
    assert_inert(out)
    text = visible(out)
    assert "共 2 篇文章，5 个段落块" in text and XSS in text and "2024年12月20日" in text
    assert doc_choices([DOC]) == [(f"标题{XSS}（2024年12月20日 · paste_1234）", "abc")]


def test_article_html_escapes_every_paragraph() -> None:
    out = article_html({"title": XSS, "date": "2024", "source": "s", "text": f"第一段{XSS}\n{MD_IMAGE}"})
    assert_inert(out)
    assert out.count("<p>") == 2 and MD_IMAGE in visible(out)


def test_pasted_article_record_validates_in_chinese() -> None:
    rec = pasted_article_record(" 标题 ", "2024-08-15", " 正文9117.2亿元。 ")
    assert rec["title"] == "标题" and rec["date"] == "2024-08-15" and rec["text"] == "正文9117.2亿元。"
    assert (
        rec["source"].startswith("paste_")
        and rec["id"] == pasted_article_record("标题", "2024-08-15", "正文9117.2亿元。")["id"]
    )
    with pytest.raises(ValueError, match="正文"):
        pasted_article_record("t", "", "  ")
    with pytest.raises(ValueError, match="日期格式"):
        pasted_article_record("t", "2024/8/15", "x")


def test_read_upload_checks_type_size_and_encoding(tmp_path: Path) -> None:
    good = tmp_path / "稿件.md"
    good.write_text("# 标题\n\n正文。", encoding="utf-8")
    assert read_upload(good) == ("# 标题\n\n正文。", "稿件.md")
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(ValueError, match="不支持"):
        read_upload(exe)
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(ValueError, match="太大"):
        read_upload(big)
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("中文".encode("gbk"))
    with pytest.raises(ValueError, match="UTF-8"):
        read_upload(gbk)


# ---- app -----------------------------------------------------------------------------------------
def test_mounting_keeps_the_upload_limit_and_stylesheet(tmp_path: Path) -> None:
    import gradio as gr
    from fastapi import FastAPI

    from rag.service import RagService

    demo = build_ui(RagService(tmp_path / "index"))
    assert isinstance(demo, NewsBlocks)
    gr.mount_gradio_app(FastAPI(), demo, path="/")  # as rag.api does: no css, no max_file_size
    assert demo.max_file_size == MAX_UPLOAD_BYTES
    assert CSS in demo.css
    assert "Noto Sans CJK SC" in str(demo.theme.font)
    demo.max_file_size = 50 * MAX_UPLOAD_BYTES
    assert demo.max_file_size == MAX_UPLOAD_BYTES  # a larger limit from the mount cannot widen it


class _FakeService:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def ask(
        self, question: str, top_k: int = 8, filters: Any = None, history: Any = None, mode: str = "hybrid"
    ) -> tuple[str, int]:
        self.calls.append((question, top_k, history, mode))
        return "answer", 1


def test_ask_service_passes_mode_and_history_when_the_service_takes_them() -> None:
    svc = _FakeService()
    assert ask_service(svc, "问题", 5, "bm25", [f"q{i}" for i in range(15)]) == "answer"  # type: ignore[arg-type]
    question, top_k, history, mode = svc.calls[0]
    assert (question, top_k, mode) == ("问题", 5, "bm25")
    assert history == [f"q{i}" for i in range(5, 15)]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_ask_service_answers_in_every_mode(seed_service: Any, mode: str) -> None:
    answer = ask_service(seed_service, "青岛市2022年外贸进出口总值是多少？", 8, mode, [])
    assert answer.found and answer.short_answer == "9117.2亿元"
