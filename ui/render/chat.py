"""The 问答 panel's messages: the question, the answer with [n] markers and its source cards.

Each message is one single-line HTML block (the chat's Markdown pass leaves it alone) built only from
escaped text; inputs are the dicts of `Answer.to_dict()` and its citations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .markup import date_html, esc, figure_parts, render_text

NOT_FOUND_HEADING = "相关段落（供参考，未直接回答这个问题）"


def _meta(citation: Mapping[str, Any]) -> str:
    """日期 · 版面 · 第 a–b 字, as HTML (an inferred date is marked)."""
    parts = [
        date_html(citation.get("date"), citation.get("date_inferred")),
        esc(f"版面 {citation.get('source') or '未知'}"),
    ]
    start, end = citation.get("start"), citation.get("end")
    if isinstance(start, int) and isinstance(end, int) and end > start:
        parts.append(esc(f"第 {start}–{end} 字"))
    return " · ".join(parts)


def source_card(citation: Mapping[str, Any], marks: Sequence[str] = (), compact: bool = False) -> str:
    """One source: [n] 《title》, date and page, the quoted sentence (figure in <mark>), the passage
    behind a <details>; `compact` puts title and page on one line and leaves the quote out."""
    n = citation.get("n", "")
    title = str(citation.get("title") or "（无标题）")
    quote = str(citation.get("quote") or "")
    text = str(citation.get("text") or "")
    passage = (
        '<details class="rag-card-more"><summary>展开原文段落</summary>'
        f'<div class="rag-card-passage">{render_text(text, marks, quote=quote)}</div></details>'
        if text
        else ""
    )
    head = (
        f'<span class="rag-card-n">{esc(f"[{n}]")}</span>'
        f'<span class="rag-card-title">{esc(f"《{title}》")}</span>'
    )
    if compact:
        return (
            f'<div class="rag-card rag-card-compact"><div class="rag-card-head">{head}'
            f'<span class="rag-card-meta">{_meta(citation)}</span></div>{passage}</div>'
        )
    quote_html = (
        f'<blockquote class="rag-card-quote">{render_text(quote, marks)}</blockquote>' if quote else ""
    )
    return (
        f'<div class="rag-card"><div class="rag-card-head">{head}</div>'
        f'<div class="rag-card-meta">{_meta(citation)}</div>{quote_html}{passage}</div>'
    )


def sources_html(
    citations: Sequence[Mapping[str, Any]],
    marks: Sequence[str] = (),
    heading: str = "来源",
    compact: bool = False,
) -> str:
    """The cards under an answer, under a heading."""
    if not citations:
        return ""
    cards = "".join(source_card(c, marks, compact) for c in citations)
    return f'<div class="rag-sources"><div class="rag-sources-head">{esc(heading)}</div>{cards}</div>'


def answer_html(answer: Mapping[str, Any]) -> str:
    """An assistant message: the answer with [n] markers and the figure marked, then its sources;
    when the corpus does not say, the not-found message and the related passages."""
    citations = list(answer.get("citations") or [])
    text = str(answer.get("answer") or "")
    if not answer.get("found", False):
        body = f'<div class="rag-notfound">{render_text(text, refs=True)}</div>'
        return f'<div class="rag-msg">{body}{sources_html(citations, heading=NOT_FOUND_HEADING, compact=True)}</div>'
    marks = figure_parts(answer.get("short_answer"))
    body = f'<div class="rag-answer">{render_text(text, marks, refs=True)}</div>'
    return f'<div class="rag-msg">{body}{sources_html(citations, marks)}</div>'


def question_html(question: str) -> str:
    """A user message: the question as text."""
    return f'<span class="rag-question">{esc(question)}</span>'


def pending_html() -> str:
    """The placeholder while an answer is being looked up."""
    return '<span class="rag-muted">正在检索资料…</span>'
