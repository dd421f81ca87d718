"""The 核查 (fact-check) desk: one row per checked figure, coloured by verdict, with its source.

Input: `CheckResult.to_dict()` dicts; a claim's verdict is supported | refuted | not_enough_info and a
figure's outcome supported | refuted | not_found, so both are read through `outcome_of`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .markup import date_html, esc, render_text

Verdict = Literal["supported", "refuted", "not_enough_info"]

# verdict → (label, css class, inline colours: the colour must survive even without the stylesheet)
VERDICTS: dict[Verdict, tuple[str, str, str]] = {
    "supported": ("符合", "rag-ok", "background:#15803d;color:#fff"),
    "refuted": ("不符", "rag-bad", "background:#b91c1c;color:#fff"),
    "not_enough_info": ("未找到", "rag-none", "background:#6b7280;color:#fff"),
}
HEADERS = ("原句", "数字", "结论", "资料中的数字", "来源", "说明")
NO_FIGURES = "没有找到可核查的数字：请输入含有数字的句子或稿件。"


@dataclass(frozen=True)
class FigureRow:
    """One checked figure of one sentence, and what the corpus says about it."""

    group: int  # index of the checked sentence
    sentence: str
    figure: str
    verdict: Verdict
    corpus_figure: str
    title: str
    date: str
    date_inferred: bool
    source: str
    quote: str
    explanation: str


def outcome_of(value: object) -> Verdict:
    """A claim's verdict or a figure's outcome as a verdict key (not_found → not_enough_info)."""
    word = str(value or "").strip()
    if word == "supported" or word == "refuted":
        return word
    return "not_enough_info"


def verdict_label(verdict: Verdict) -> str:
    """符合 / 不符 / 未找到."""
    return VERDICTS[verdict][0]


def _row(
    group: int,
    sentence: str,
    figure: str,
    verdict: Verdict,
    corpus: str,
    cite: Mapping[str, Any],
    explanation: str,
) -> FigureRow:
    return FigureRow(
        group=group,
        sentence=sentence,
        figure=figure,
        verdict=verdict,
        corpus_figure=corpus,
        title=str(cite.get("title") or ""),
        date=str(cite.get("date") or ""),
        date_inferred=bool(cite.get("date_inferred")),
        source=str(cite.get("source") or ""),
        quote=str(cite.get("quote") or cite.get("text") or ""),
        explanation=explanation,
    )


def figure_rows(results: Sequence[Mapping[str, Any]]) -> list[FigureRow]:
    """Flatten check results into one row per claim figure; a claim without figures gives one row
    with the figure '—'. A figure's source is the evidence its comparison names by `n` (the first
    piece of evidence when it names none)."""
    rows: list[FigureRow] = []
    for group, res in enumerate(results):
        sentence = str(res.get("claim") or "")
        explanation = str(res.get("explanation") or "")
        evidence = [e for e in res.get("evidence") or [] if isinstance(e, Mapping)]
        by_n = {e.get("n"): e for e in evidence}
        figures = [f for f in res.get("figures") or [] if isinstance(f, Mapping)]
        for f in figures:
            verdict = outcome_of(f.get("outcome"))
            compared = f.get("compared_with")
            if isinstance(compared, Mapping):
                base = by_n.get(compared.get("n")) or (evidence[0] if evidence else {})
                cite = {**base, **{k: compared[k] for k in ("source", "quote") if compared.get(k)}}
                corpus = str(compared.get("raw") or "")
            else:
                cite, corpus = {}, ""
            rows.append(_row(group, sentence, str(f.get("raw") or ""), verdict, corpus, cite, explanation))
        if not figures:
            verdict = outcome_of(res.get("verdict"))
            cite = evidence[0] if evidence and verdict != "not_enough_info" else {}
            rows.append(_row(group, sentence, "—", verdict, "", cite, explanation))
    return rows


def verdict_badge(verdict: Verdict) -> str:
    """A coloured 符合 / 不符 / 未找到 label."""
    label, cls, style = VERDICTS[verdict]
    return f'<span class="rag-badge {cls}" style="{style}">{label}</span>'


def verdict_summary(rows: Sequence[FigureRow]) -> str:
    """共核查 N 个数字：符合 a · 不符 b · 未找到 c."""
    parts = " · ".join(
        f"{label} {sum(1 for r in rows if r.verdict == k)}" for k, (label, _, _) in VERDICTS.items()
    )
    return f"共核查 {len(rows)} 个数字：{parts}"


def _source_cell(r: FigureRow) -> str:
    if not (r.title or r.quote):
        return '<span class="rag-muted">资料中没有相关内容</span>'
    meta = [date_html(r.date, r.date_inferred)] if r.date else []
    if r.source:
        meta.append(esc(f"版面 {r.source}"))
    marks = [r.corpus_figure] if r.corpus_figure else []
    return (
        f'<div class="rag-src-title">{esc(f"《{r.title}》")}</div>'
        f'<div class="rag-src-meta">{" · ".join(meta)}</div>'
        f'<div class="rag-src-quote">{render_text(r.quote, marks)}</div>'
    )


def verdict_table_html(rows: Sequence[FigureRow]) -> str:
    """The desk's table: sentence (figures marked), figure, coloured verdict, the corpus figure, its
    source (title, date, page, the sentence with the figure marked) and the explanation."""
    if not rows:
        return f'<div class="rag-empty">{esc(NO_FIGURES)}</div>'
    head = "".join(f"<th>{h}</th>" for h in HEADERS)
    body: list[str] = []
    for i, r in enumerate(rows):
        first = i == 0 or rows[i - 1].group != r.group
        group = [x for x in rows if x.group == r.group]
        cells: list[str] = []
        if first:
            marks = [x.figure for x in group if x.figure != "—"]
            cells.append(
                f'<td rowspan="{len(group)}" class="rag-col-sentence">{render_text(r.sentence, marks)}</td>'
            )
        cells.append(f'<td class="rag-col-figure">{esc(r.figure)}</td>')
        cells.append(f'<td class="rag-col-verdict">{verdict_badge(r.verdict)}</td>')
        cells.append(f'<td class="rag-col-corpus">{esc(r.corpus_figure) or "—"}</td>')
        cells.append(f'<td class="rag-col-source">{_source_cell(r)}</td>')
        if first:
            cells.append(
                f'<td rowspan="{len(group)}" class="rag-col-expl">{render_text(r.explanation, refs=True)}</td>'
            )
        body.append(f'<tr class="rag-row-{VERDICTS[r.verdict][1]}">{"".join(cells)}</tr>')
    return (
        f'<div class="rag-desk"><div class="rag-desk-summary">{esc(verdict_summary(rows))}</div>'
        f'<table class="rag-verdicts"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    )
