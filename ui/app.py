"""The Gradio UI over one `RagService`: 问答 (chat with source cards), 核查 (fact-check desk),
资料库 (corpus: list, read, add, remove) and 设置 (retrieval mode, top-k). rag.api mounts it at /.

Safety: everything that comes from an article, a question, a claim or an upload is escaped before it
is put into HTML. The chat renders Markdown, so each message is one single-line HTML block whose text
is written with HTML entities, Markdown punctuation included (`![x](http://…)` stays text and is
never fetched); the other panels are gr.HTML filled only from escaped strings. The functions that
build HTML, CSV and Markdown are pure and tested in tests/test_ui.py; the browser tests are in
tests/test_ui_browser.py.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.ingest import SUPPORTED_SUFFIXES, article_from_record
from rag.service import RagService
from rag.textzh import split_sentences
from rag.types import Answer, content_id

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_QUESTION_CHARS = 2000
MAX_DRAFT_CHARS = 20_000
MAX_ARTICLE_CHARS = 400_000
MAX_HISTORY = 10
DEFAULT_TOP_K = 8
EXPORT_KEEP_S = 3600  # exported tables older than this are deleted at the next export

MODE_CHOICES: list[tuple[str, str]] = [
    ("混合检索（向量 + 关键词，推荐）", "hybrid"),
    ("向量检索（语义）", "dense"),
    ("关键词检索（BM25）", "bm25"),
]
EXAMPLE_QUESTIONS = [
    "青岛市2022年外贸进出口总值是多少？",
    "青岛港的海上航线连接全球多少个港口？",
    "累计有多少家世界500强企业在青岛投资？",
]
CHAT_EXAMPLES = [*EXAMPLE_QUESTIONS, "那2023年呢？"]
EXAMPLE_CLAIMS = [
    "2022年青岛外贸进出口总值达到9800亿元。",
    "2022年青岛外贸进出口总值为9117.2亿元，同比增长7.4%。",
    "2023年青岛港货物吞吐量突破8亿吨。",
]

# verdict → (label, css class, inline colours: the colour must survive even without the stylesheet)
VERDICTS: dict[str, tuple[str, str, str]] = {
    "supported": ("符合", "rag-ok", "background:#15803d;color:#fff"),
    "refuted": ("不符", "rag-bad", "background:#b91c1c;color:#fff"),
    "not_enough_info": ("未找到", "rag-none", "background:#6b7280;color:#fff"),
}

# Characters written as numeric entities: HTML specials and every Markdown / LaTeX trigger.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'`!#$()*[\\]_{|}~"}
_ENTITY_TABLE = str.maketrans(_ENTITIES)
_REF = re.compile(r"\[(\d{1,3})\]")
_FIGURE_SPLIT = re.compile(r"[、，,；;/]|和|及|与")


# ---- escaping and inline text ------------------------------------------------------------------
def esc(text: object) -> str:
    """Text as inert HTML that no Markdown pass can turn into markup; line breaks become <br>."""
    s = str(text if text is not None else "").replace("\r\n", "\n").replace("\r", "\n")
    s = s.translate(_ENTITY_TABLE)
    s = re.sub(r"\n+", "\n", s.strip("\n"))
    return s.replace("\n", "<br>")


def figure_parts(short_answer: str | None) -> list[str]:
    """The figures of a short answer, e.g. '3756.1亿元、5.1%' → ['3756.1亿元', '5.1%']."""
    if not short_answer:
        return []
    parts = [p.strip() for p in _FIGURE_SPLIT.split(short_answer)]
    found = [p for p in parts if len(p) >= 1]
    return sorted(set(found) | {short_answer.strip()}, key=len, reverse=True)


def _spans(text: str, needles: Sequence[str]) -> list[tuple[int, int]]:
    """Non-overlapping occurrences of the needles in `text`, longest needle first."""
    taken: list[tuple[int, int]] = []
    for needle in sorted({n for n in needles if n}, key=len, reverse=True):
        start = text.find(needle)
        while start >= 0:
            end = start + len(needle)
            if all(end <= s or start >= e for s, e in taken):
                taken.append((start, end))
            start = text.find(needle, end)
    return sorted(taken)


def render_text(text: str, marks: Sequence[str] = (), refs: bool = False, quote: str = "") -> str:
    """Escape `text`; wrap the `marks` (figures) in <mark>, `quote` in a highlight span and, with
    `refs`, the [n] markers in <sup>."""
    if quote and quote in text:
        i = text.find(quote)
        inner = render_text(quote, marks, refs)
        return (
            render_text(text[:i], marks, refs)
            + f'<span class="rag-quoted">{inner}</span>'
            + render_text(text[i + len(quote) :], marks, refs)
        )
    pieces: list[tuple[int, int, str]] = [(s, e, "mark") for s, e in _spans(text, marks)]
    if refs:
        for m in _REF.finditer(text):
            if all(m.end() <= s or m.start() >= e for s, e, _ in pieces):
                pieces.append((m.start(), m.end(), "ref"))
    out: list[str] = []
    pos = 0
    for start, end, kind in sorted(pieces):
        out.append(esc(text[pos:start]))
        if kind == "mark":
            out.append(f"<mark>{esc(text[start:end])}</mark>")
        else:
            out.append(f'<sup class="rag-ref">{esc(text[start:end])}</sup>')
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def format_date(date: str) -> str:
    """2023-01 → 2023年1月; 2023-01-28 → 2023年1月28日; '' → 日期不详."""
    parts = [int(p) for p in (date or "").split("-") if p.isdigit()]
    if not parts:
        return "日期不详"
    return "".join(f"{v}{u}" for v, u in zip(parts, "年月日", strict=False))


# ---- chat ----------------------------------------------------------------------------------------
def source_card(citation: Mapping[str, Any], marks: Sequence[str] = (), compact: bool = False) -> str:
    """One source: [n] 《title》, date and page, the quoted sentence (figure in <mark>), the passage
    behind a <details>; `compact` puts title and page on one line and leaves the quote out."""
    n = citation.get("n", "")
    title = str(citation.get("title") or "（无标题）")
    quote = str(citation.get("quote") or "")
    text = str(citation.get("text") or "")
    meta = [format_date(str(citation.get("date") or "")), f"版面 {citation.get('source') or '未知'}"]
    start, end = citation.get("start"), citation.get("end")
    if isinstance(start, int) and isinstance(end, int) and end > start:
        meta.append(f"第 {start}–{end} 字")
    quote_html = (
        f'<blockquote class="rag-card-quote">{render_text(quote, marks)}</blockquote>' if quote else ""
    )
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
            f'<span class="rag-card-meta">{esc(" · ".join(meta))}</span></div>{passage}</div>'
        )
    return (
        f'<div class="rag-card"><div class="rag-card-head">{head}</div>'
        f'<div class="rag-card-meta">{esc(" · ".join(meta))}</div>'
        f"{quote_html}{passage}</div>"
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
        related = sources_html(citations, heading="相关段落（供参考，未直接回答这个问题）", compact=True)
        return f'<div class="rag-msg">{body}{related}</div>'
    marks = figure_parts(answer.get("short_answer"))
    body = f'<div class="rag-answer">{render_text(text, marks, refs=True)}</div>'
    return f'<div class="rag-msg">{body}{sources_html(citations, marks)}</div>'


def question_html(question: str) -> str:
    """A user message: the question as text."""
    return f'<span class="rag-question">{esc(question)}</span>'


def error_html(message: str) -> str:
    """A message that something went wrong, as text."""
    return f'<div class="rag-error">{esc(message)}</div>'


def ask_service(service: RagService, question: str, top_k: int, mode: str, history: Sequence[str]) -> Answer:
    """`service.ask` with the chosen retrieval mode and the last few questions as context."""
    return service.ask(question, top_k, None, list(history)[-MAX_HISTORY:], mode=mode)[0]


# ---- fact-check desk -----------------------------------------------------------------------------
@dataclass(frozen=True)
class FigureRow:
    """One checked figure of one sentence, and what the corpus says about it."""

    group: int  # index of the checked sentence
    sentence: str
    figure: str
    verdict: str  # supported | refuted | not_enough_info
    corpus_figure: str
    title: str
    date: str
    source: str
    quote: str
    explanation: str


def outcome_of(value: object) -> str:
    """A claim's verdict or a figure's outcome (supported | refuted | not_found) as a verdict key."""
    word = str(value or "").strip()
    return word if word in ("supported", "refuted") else "not_enough_info"


def _compared(value: object) -> tuple[str, dict[str, Any], object]:
    """(the corpus figure as written, the citation fields it carries, its citation n)."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None:
        return "", {}, None
    if isinstance(value, Mapping):
        raw = value.get("raw") or value.get("figure") or value.get("value") or ""
        n = value.get("n", value.get("citation"))
        fields = {k: value[k] for k in ("title", "date", "source", "quote", "text") if value.get(k)}
        return str(raw), fields, n
    return str(value), {}, None


def figure_rows(results: Sequence[Mapping[str, Any]], claim: str = "") -> list[FigureRow]:
    """Flatten check results (CheckResult.to_dict()) into one row per claim figure."""
    rows: list[FigureRow] = []
    for group, res in enumerate(results):
        sentence = str(res.get("claim") or res.get("sentence") or res.get("text") or claim)
        evidence = [e for e in res.get("evidence") or [] if isinstance(e, Mapping)]
        by_n = {e.get("n"): e for e in evidence}
        explanation = str(res.get("explanation") or "")
        overall = outcome_of(res.get("verdict"))
        figures = [f for f in res.get("figures") or [] if isinstance(f, Mapping)]
        entries: list[tuple[str, str, str, Mapping[str, Any] | None]] = []
        for f in figures:
            raw = str(f.get("raw") or f.get("figure") or f.get("text") or f.get("value") or "")
            outcome = outcome_of(f.get("outcome") or f.get("verdict") or overall)
            corpus, fields, n = _compared(f.get("compared_with"))
            base = by_n.get(n) if n is not None else None
            if base is None and not fields and outcome != "not_enough_info" and evidence:
                base = evidence[0]
            cite = {**(base or {}), **fields} or None
            entries.append((raw, outcome, corpus, cite))
        if not entries:
            entries.append(
                ("—", overall, "", evidence[0] if evidence and overall != "not_enough_info" else None)
            )
        for raw, outcome, corpus, found in entries:
            c: Mapping[str, Any] = found or {}
            rows.append(
                FigureRow(
                    group=group,
                    sentence=sentence,
                    figure=raw,
                    verdict=outcome,
                    corpus_figure=corpus,
                    title=str(c.get("title") or ""),
                    date=str(c.get("date") or ""),
                    source=str(c.get("source") or ""),
                    quote=str(c.get("quote") or c.get("text") or ""),
                    explanation=explanation,
                )
            )
    return rows


def verdict_badge(verdict: str) -> str:
    """A coloured 符合 / 不符 / 未找到 label."""
    label, cls, style = VERDICTS.get(verdict, VERDICTS["not_enough_info"])
    return f'<span class="rag-badge {cls}" style="{style}">{label}</span>'


def verdict_summary(rows: Sequence[FigureRow]) -> str:
    """共核查 N 个数字：符合 a · 不符 b · 未找到 c."""
    counts = {k: sum(1 for r in rows if r.verdict == k) for k in VERDICTS}
    parts = " · ".join(f"{VERDICTS[k][0]} {counts[k]}" for k in VERDICTS)
    return f"共核查 {len(rows)} 个数字：{parts}"


def verdict_table_html(rows: Sequence[FigureRow]) -> str:
    """The desk's table: sentence (figure marked), figure, coloured verdict, the corpus figure, its
    source (title, date, page, the sentence with the figure marked) and the explanation."""
    if not rows:
        return '<div class="rag-empty">没有找到可核查的数字：请输入含有数字的句子或稿件。</div>'
    head = "".join(f"<th>{h}</th>" for h in ("原句", "数字", "结论", "资料中的数字", "来源", "说明"))
    body: list[str] = []
    for i, r in enumerate(rows):
        first = i == 0 or rows[i - 1].group != r.group
        span = sum(1 for x in rows if x.group == r.group)
        cells: list[str] = []
        if first:
            marks = [x.figure for x in rows if x.group == r.group and x.figure != "—"]
            cells.append(
                f'<td rowspan="{span}" class="rag-col-sentence">{render_text(r.sentence, marks)}</td>'
            )
        cells.append(f'<td class="rag-col-figure">{esc(r.figure)}</td>')
        cells.append(f'<td class="rag-col-verdict">{verdict_badge(r.verdict)}</td>')
        cells.append(f'<td class="rag-col-corpus">{esc(r.corpus_figure) or "—"}</td>')
        if r.title or r.quote:
            meta = esc(
                " · ".join(x for x in (format_date(r.date), f"版面 {r.source}" if r.source else "") if x)
            )
            src = (
                f'<div class="rag-src-title">{esc(f"《{r.title}》")}</div>'
                f'<div class="rag-src-meta">{meta}</div>'
                f'<div class="rag-src-quote">{render_text(r.quote, [r.corpus_figure] if r.corpus_figure else [])}</div>'
            )
        else:
            src = '<span class="rag-muted">资料中没有相关内容</span>'
        cells.append(f'<td class="rag-col-source">{src}</td>')
        if first:
            cells.append(
                f'<td rowspan="{span}" class="rag-col-expl">{render_text(r.explanation, refs=True)}</td>'
            )
        body.append(
            f'<tr class="rag-row-{VERDICTS.get(r.verdict, VERDICTS["not_enough_info"])[1]}">{"".join(cells)}</tr>'
        )
    return (
        f'<div class="rag-desk"><div class="rag-desk-summary">{esc(verdict_summary(rows))}</div>'
        f'<table class="rag-verdicts"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    )


EXPORT_HEADERS = ["原句", "数字", "结论", "资料中的数字", "来源标题", "日期", "版面", "资料原句", "说明"]


def _export_values(r: FigureRow) -> list[str]:
    return [
        r.sentence,
        r.figure,
        VERDICTS.get(r.verdict, VERDICTS["not_enough_info"])[0],
        r.corpus_figure,
        r.title,
        r.date,
        r.source,
        r.quote,
        r.explanation,
    ]


def _csv_cell(value: str) -> str:
    """No spreadsheet formulas: a cell starting with = + - @ (or a tab/CR) is prefixed with '."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def rows_to_csv(rows: Sequence[FigureRow]) -> str:
    """The table as CSV (one row per figure)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADERS)
    for r in rows:
        writer.writerow([_csv_cell(v) for v in _export_values(r)])
    return buf.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~$&])")


def md_cell(value: str) -> str:
    """A Markdown table cell: punctuation backslash-escaped (no links, images, HTML), one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(value.split())) or "—"


def rows_to_markdown(rows: Sequence[FigureRow]) -> str:
    """The table as Markdown, with a title and the summary."""
    lines = ["# 核查结果", "", md_cell(verdict_summary(rows)), ""]
    lines.append("| " + " | ".join(EXPORT_HEADERS) + " |")
    lines.append("|" + "---|" * len(EXPORT_HEADERS))
    for r in rows:
        lines.append("| " + " | ".join(md_cell(v) for v in _export_values(r)) + " |")
    return "\n".join(lines) + "\n"


def check_service(service: RagService, text: str) -> list[dict[str, Any]]:
    """Check one claim, or a draft sentence by sentence; results as dicts."""
    sentences = [s for s, _, _ in split_sentences(text)]
    if len(sentences) <= 1:
        result, _ = service.check(text)
        d = dict(result.to_dict())
        d.setdefault("claim", text)
        return [d]
    results, _ = service.check_text(text)
    return [dict(r.to_dict()) for r in results]


# ---- corpus --------------------------------------------------------------------------------------
def corpus_table_html(docs: Sequence[Mapping[str, Any]]) -> str:
    """The articles: title, date, page, chunk and character counts."""
    if not docs:
        return '<div class="rag-empty">资料库是空的：在下方添加文章。</div>'
    rows = "".join(
        "<tr>"
        f'<td class="rag-col-title">{esc(d.get("title") or "（无标题）")}</td>'
        f'<td class="rag-nowrap">{esc(format_date(str(d.get("date") or "")))}{"（推断）" if d.get("date_inferred") else ""}</td>'
        f'<td class="rag-col-page">{esc(d.get("source") or "")}</td>'
        f'<td class="rag-num">{esc(d.get("chunks", 0))}</td>'
        f'<td class="rag-num">{esc(d.get("chars", ""))}</td>'
        "</tr>"
        for d in docs
    )
    head = "".join(f"<th>{h}</th>" for h in ("标题", "日期", "版面 / 来源", "段落块", "字数"))
    total = sum(int(d.get("chunks", 0) or 0) for d in docs)
    return (
        f'<div class="rag-corpus-summary">共 {len(docs)} 篇文章，{total} 个段落块</div>'
        f'<div class="rag-corpus-scroll"><table class="rag-corpus"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def doc_choices(docs: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Dropdown choices: (label shown, article id)."""
    return [
        (
            f"{d.get('title') or '（无标题）'}（{format_date(str(d.get('date') or ''))} · {d.get('source') or ''}）",
            str(d["id"]),
        )
        for d in docs
    ]


def article_html(article: Mapping[str, Any]) -> str:
    """An article to read: title, date, page, byline, the text in paragraphs."""
    meta = [format_date(str(article.get("date") or "")), f"版面 {article.get('source') or '未知'}"]
    if article.get("byline"):
        meta.append(str(article["byline"]))
    paras = [p.strip() for p in str(article.get("text") or "").split("\n") if p.strip()]
    body = "".join(f"<p>{esc(p)}</p>" for p in paras)
    return (
        f'<article class="rag-article"><h3>{esc(article.get("title") or "（无标题）")}</h3>'
        f'<div class="rag-card-meta">{esc(" · ".join(meta))}</div>{body}</article>'
    )


def status_html(message: str, ok: bool = True) -> str:
    """A one-line status under a form."""
    cls = "rag-status-ok" if ok else "rag-status-bad"
    return f'<div class="rag-status {cls}">{esc(message)}</div>'


DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def pasted_article_record(title: str, date: str, text: str) -> dict[str, str]:
    """The JSON record for a pasted article (id from its content); raises ValueError in Chinese."""
    title, date, text = (title or "").strip(), (date or "").strip(), (text or "").strip()
    if not text:
        raise ValueError("请粘贴文章正文。")
    if len(text) > MAX_ARTICLE_CHARS:
        raise ValueError(f"正文超过 {MAX_ARTICLE_CHARS} 字，请分篇添加。")
    if len(title) > 500:
        raise ValueError("标题太长（最多 500 字）。")
    if date and not DATE_RE.fullmatch(date):
        raise ValueError("日期格式应为 YYYY、YYYY-MM 或 YYYY-MM-DD，例如 2024-07-03。")
    aid = content_id("ui-paste", title, text)
    record = {"id": aid, "text": text, "source": f"paste_{aid[:8]}"}
    if title:
        record["title"] = title
    if date:
        record["date"] = date
    return record


def read_upload(path: str | Path) -> tuple[str, str]:
    """(text, file name) of an uploaded file, checked for type, size and UTF-8; ValueError in Chinese."""
    p = Path(path)
    name = p.name
    if p.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ValueError(
            f"不支持的文件类型：{p.suffix or '无后缀'}；请上传 .txt、.md、.jsonl 或 .html 文件。"
        )
    size = p.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"文件太大（{size / 1024 / 1024:.1f} MB），上限为 {MAX_UPLOAD_BYTES // 1024 // 1024} MB。"
        )
    data = p.read_bytes()
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError:
        raise ValueError("文件不是 UTF-8 编码的文本，请另存为 UTF-8 后再上传。") from None


# ---- the app -------------------------------------------------------------------------------------
CSS = """
.gradio-container { max-width: 1240px !important; }
#rag-header h1 { font-size: 1.45rem; margin: 0 0 2px 0; }
#rag-header p { margin: 0; color: var(--body-text-color-subdued); font-size: 0.9rem; }
.rag-msg { line-height: 1.65; }
.rag-answer { font-size: 1rem; }
.rag-answer mark, .rag-card mark, .rag-verdicts mark {
  background: #fde68a; color: #111827; padding: 0 2px; border-radius: 3px; font-weight: 600; }
.rag-ref { color: #1d4ed8; font-weight: 600; margin: 0 1px; }
.rag-notfound { border-left: 4px solid #d97706; background: rgba(217,119,6,0.08); padding: 8px 12px; border-radius: 6px; }
.rag-error { border-left: 4px solid #b91c1c; background: rgba(185,28,28,0.08); padding: 8px 12px; border-radius: 6px; }
.rag-sources { margin-top: 10px; display: flex; flex-direction: column; gap: 8px; }
.rag-sources-head { font-weight: 600; font-size: 0.85rem; color: var(--body-text-color-subdued); letter-spacing: 0.05em; }
.rag-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px;
  background: var(--background-fill-secondary); }
.rag-card-head { display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; }
.rag-card-compact { padding: 4px 12px; }
.rag-card-compact .rag-card-meta { margin: 0 0 0 6px; }
.rag-nowrap { white-space: nowrap; }
.rag-card-n { color: #1d4ed8; font-weight: 700; }
.rag-card-title { font-weight: 600; }
.rag-card-meta { font-size: 0.8rem; color: var(--body-text-color-subdued); margin: 2px 0 4px 0; }
.rag-card-quote { margin: 4px 0 !important; padding: 2px 0 2px 10px !important; border-left: 3px solid #93c5fd !important;
  font-size: 0.92rem; }
.rag-card-more summary { cursor: pointer; font-size: 0.82rem; color: #1d4ed8; }
.rag-card-passage { font-size: 0.88rem; margin-top: 4px; color: var(--body-text-color); }
.rag-quoted { background: rgba(147,197,253,0.25); border-radius: 3px; }
.rag-badge { display: inline-block; padding: 1px 10px; border-radius: 999px; font-weight: 700; font-size: 0.85rem; white-space: nowrap; }
.rag-desk-summary { font-weight: 600; margin: 4px 0 8px 0; }
table.rag-verdicts, table.rag-corpus { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
.rag-verdicts th, .rag-verdicts td, .rag-corpus th, .rag-corpus td {
  border: 1px solid var(--border-color-primary); padding: 6px 8px; vertical-align: top; text-align: left; }
.rag-verdicts th, .rag-corpus th { background: var(--background-fill-secondary); font-weight: 600; white-space: nowrap; }
.rag-col-sentence { width: 26%; } .rag-col-source { width: 30%; } .rag-col-expl { width: 22%; font-size: 0.85rem; }
.rag-col-figure, .rag-col-corpus { white-space: nowrap; font-weight: 600; }
.rag-src-title { font-weight: 600; } .rag-src-meta { font-size: 0.78rem; color: var(--body-text-color-subdued); }
.rag-src-quote { font-size: 0.85rem; margin-top: 2px; }
.rag-muted, .rag-empty { color: var(--body-text-color-subdued); }
.rag-corpus-summary { font-weight: 600; margin-bottom: 6px; }
.rag-corpus-scroll { max-height: 330px; overflow-y: auto; }
.rag-num { text-align: right !important; white-space: nowrap; }
.rag-col-page { font-family: var(--font-mono); font-size: 0.8rem; white-space: nowrap; }
.rag-article { max-height: 420px; overflow-y: auto; line-height: 1.7; }
.rag-article h3 { margin: 0 0 2px 0; }
.rag-article p { margin: 0 0 8px 0; text-indent: 2em; }
.rag-status { padding: 6px 10px; border-radius: 6px; }
.rag-status-ok { background: rgba(21,128,61,0.1); border-left: 4px solid #15803d; }
.rag-status-bad { background: rgba(185,28,28,0.1); border-left: 4px solid #b91c1c; }
table.rag-info { width: auto; min-width: 320px; }
"""

CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
MONO_FONTS = ["Noto Sans Mono CJK SC", "ui-monospace", "monospace"]


def ui_theme() -> gr.themes.Base:
    """The default theme with local CJK fonts (no web-font requests)."""
    return gr.themes.Default(primary_hue="blue", font=CJK_FONTS, font_mono=MONO_FONTS)


class NewsBlocks(gr.Blocks):
    """gr.Blocks that keeps its stylesheet, theme and upload limit when mounted: `gr.mount_gradio_app`
    overwrites all three with its own arguments (None unless given)."""

    pinned_css = CSS
    upload_limit = MAX_UPLOAD_BYTES

    @property  # type: ignore[override]
    def css(self) -> str:
        return self.pinned_css + (getattr(self, "_extra_css", "") or "")

    @css.setter
    def css(self, value: str | None) -> None:
        self._extra_css = value or ""

    @property  # type: ignore[override]
    def max_file_size(self) -> int:
        given = getattr(self, "_given_max_file_size", None)
        return self.upload_limit if given is None else min(int(given), self.upload_limit)

    @max_file_size.setter
    def max_file_size(self, value: int | float | None) -> None:
        self._given_max_file_size = value

    @property  # type: ignore[override]
    def theme(self) -> gr.themes.Base:
        pinned = getattr(self, "_pinned_theme", None)
        if pinned is None:
            pinned = self._pinned_theme = ui_theme()
        return pinned

    @theme.setter
    def theme(self, value: object) -> None:
        pass  # the UI's look is its own


def _call_with_progress(fn: Callable[..., Any], progress: gr.Progress, *args: Any) -> Any:
    """Call a service write with an embedding progress callback that drives the progress bar."""

    def report(done: int, total: int) -> None:
        progress(0.2 + 0.75 * (done / total if total else 1.0), desc=f"向量编码 {done}/{total} 段…")

    return fn(*args, progress=report)


def _export_files(rows: Sequence[FigureRow], base: Path) -> list[str]:
    """Write the table as CSV and Markdown into a fresh folder under `base`; prune old folders."""
    base.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in base.iterdir():
        if old.is_dir() and now - old.stat().st_mtime > EXPORT_KEEP_S:
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix="check-", dir=base))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    csv_path = folder / f"factcheck-{stamp}.csv"
    md_path = folder / f"factcheck-{stamp}.md"
    csv_path.write_text(rows_to_csv(rows), encoding="utf-8-sig")  # BOM: spreadsheets read it as UTF-8
    md_path.write_text(rows_to_markdown(rows), encoding="utf-8")
    return [str(csv_path), str(md_path)]


def build_ui(service: RagService) -> gr.Blocks:
    """The Blocks app over `service`; rag.api mounts it at / next to the HTTP API."""
    export_base = Path(tempfile.gettempdir()) / "rag-ui-exports"

    # -- handlers --
    def respond(
        question: str, messages: list[dict[str, Any]], asked: list[str], mode: str, top_k: float
    ) -> Iterator[tuple[list[dict[str, Any]], list[str], str]]:
        q = (question or "").strip()
        if not q:
            yield messages, asked, ""
            return
        q = q[:MAX_QUESTION_CHARS]
        messages = [*messages, {"role": "user", "content": question_html(q)}]
        yield (
            [*messages, {"role": "assistant", "content": '<span class="rag-muted">正在检索资料…</span>'}],
            asked,
            "",
        )
        try:
            answer = ask_service(service, q, int(top_k), mode or "hybrid", asked)
            reply = answer_html(answer.to_dict())
        except RagError as exc:
            reply = error_html(f"出错了：{exc}")
        yield [*messages, {"role": "assistant", "content": reply}], [*asked, q][-MAX_HISTORY:], ""

    def clear_chat() -> tuple[list[dict[str, Any]], list[str], str]:
        return [], [], ""

    def run_check(text: str) -> tuple[str, Any]:
        hidden = gr.update(value=None, visible=False)
        t = (text or "").strip()
        if not t:
            return status_html("请输入要核查的句子或稿件。", ok=False), hidden
        if len(t) > MAX_DRAFT_CHARS:
            return status_html(f"稿件超过 {MAX_DRAFT_CHARS} 字，请分段核查。", ok=False), hidden
        try:
            results = check_service(service, t)
        except ModuleNotFoundError as exc:
            if exc.name == "rag.check":
                return status_html("核查模块尚未安装（rag/check.py）。", ok=False), hidden
            raise
        except RagError as exc:
            return status_html(f"出错了：{exc}", ok=False), hidden
        rows = figure_rows(results, claim=t)
        if not rows:
            return verdict_table_html(rows), hidden
        return verdict_table_html(rows), gr.update(value=_export_files(rows, export_base), visible=True)

    def corpus_view(selected: str | None = None) -> tuple[str, Any]:
        try:
            docs, _ = service.documents()
        except RagError as exc:
            return status_html(f"资料库无法读取：{exc}", ok=False), gr.update(choices=[], value=None)
        choices = doc_choices(docs)
        ids = {v for _, v in choices}
        return corpus_table_html(docs), gr.update(
            choices=choices, value=selected if selected in ids else None
        )

    def read_article(article_id: str | None) -> str:
        if not article_id:
            return '<div class="rag-empty">在上方选择一篇文章阅读。</div>'
        try:
            return article_html(service.article(article_id).to_dict())
        except RagError as exc:
            return status_html(f"找不到这篇文章：{exc}", ok=False)

    def after_write(message: str, selected: str | None) -> tuple[str, str, Any, str, str]:
        table, dropdown = corpus_view(selected)
        return status_html(message), table, dropdown, read_article(selected), index_info()

    def failed_write(message: str) -> tuple[str, Any, Any, Any, Any]:
        return status_html(message, ok=False), gr.skip(), gr.skip(), gr.skip(), gr.skip()

    def add_pasted(
        title: str,
        date: str,
        text: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        progress(0.05, desc="解析文章…")
        try:
            record = pasted_article_record(title, date, text)
            article = article_from_record(record, "粘贴的文章", "ui")
            progress(0.2, desc="切分段落并写入索引…")
            report = _call_with_progress(service.add_articles, progress, [article])
        except ValueError as exc:
            return failed_write(str(exc))
        except RagError as exc:
            return failed_write(f"添加失败：{exc}")
        progress(1.0, desc="完成")
        msg = (
            f"已添加《{article.title}》（{format_date(article.date)}），索引共 {report.articles} 篇、"
            f"{report.chunks} 个段落块，用时 {report.seconds:.1f} 秒。现在就可以在「问答」页提问。"
        )
        return after_write(msg, article.id)

    def add_uploaded(path: str | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not path:
            return failed_write("请先选择要上传的文件。")
        progress(0.05, desc="读取文件…")
        try:
            raw, name = read_upload(path)
            progress(0.2, desc="解析文章并写入索引…")
            articles, report = _call_with_progress(service.add_document, progress, raw, name)
        except ValueError as exc:
            return failed_write(str(exc))
        except RagError as exc:
            return failed_write(f"添加失败：{exc}")
        progress(1.0, desc="完成")
        titles = "、".join(f"《{a.title}》" for a in articles[:5]) + ("等" if len(articles) > 5 else "")
        msg = (
            f"已从 {name} 添加 {len(articles)} 篇：{titles}；索引共 {report.articles} 篇，"
            f"用时 {report.seconds:.1f} 秒。现在就可以在「问答」页提问。"
        )
        return after_write(msg, articles[0].id if articles else None)

    def remove_article(article_id: str | None) -> tuple[Any, ...]:
        if not article_id:
            return failed_write("请先在上方选择要删除的文章。")
        try:
            title = service.article(article_id).title
            service.remove([article_id])
        except RagError as exc:
            return failed_write(f"删除失败：{exc}")
        return after_write(f"已删除《{title}》。", None)

    def index_info() -> str:
        try:
            h = service.health()
        except RagError as exc:
            return status_html(f"索引不可用：{exc}", ok=False)
        rows = [
            ("文章", h.get("articles")),
            ("段落块", h.get("chunks")),
            ("索引版本", h.get("generation")),
            ("向量模型", h.get("encoder")),
        ]
        cells = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
        return f'<table class="rag-corpus rag-info">{cells}</table>'

    # -- layout --
    with NewsBlocks(title="中文新闻问答与核查", analytics_enabled=False) as demo:
        gr.HTML(
            '<div id="rag-header"><h1>中文新闻问答与核查</h1>'
            "<p>答案只来自资料库中的新闻原文，每个数字都标明出处。</p></div>",
            padding=False,
        )
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chatbot = gr.Chatbot(
                    label="对话",
                    height=470,
                    sanitize_html=True,
                    render_markdown=True,
                    latex_delimiters=[],
                    allow_tags=False,
                    feedback_options=None,
                    line_breaks=False,
                    buttons=[],
                    elem_id="rag-chat",
                    placeholder="向资料库提问，例如：青岛市2022年外贸进出口总值是多少？",
                )
                asked = gr.State([])
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="输入问题，按回车发送；可以追问，如「那2023年呢？」",
                        max_length=MAX_QUESTION_CHARS,
                        scale=8,
                        container=False,
                        elem_id="rag-question",
                        submit_btn=False,
                    )
                    send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="rag-send")
                    clear = gr.Button("清空", scale=1, min_width=80)
                chat_examples = gr.Dataset(
                    components=[question],
                    samples=[[q] for q in CHAT_EXAMPLES],
                    type="index",
                    label="示例问题（点击即问，最后一个是追问）",
                    elem_id="rag-chat-examples",
                )
            with gr.Tab("核查", id="check"):
                claim = gr.Textbox(
                    label="待核查的句子或整篇稿件（逐句找出数字，与资料库原文核对）",
                    lines=3,
                    max_lines=12,
                    max_length=MAX_DRAFT_CHARS,
                    placeholder="例如：2022年青岛外贸进出口总值达到9800亿元。",
                    elem_id="rag-claim",
                )
                with gr.Row():
                    check_btn = gr.Button(
                        "核查", variant="primary", elem_id="rag-check", scale=0, min_width=140
                    )
                    claim_examples = gr.Dataset(
                        components=[claim],
                        samples=[[c] for c in EXAMPLE_CLAIMS],
                        type="index",
                        label="示例（点击即核查）",
                        elem_id="rag-claim-examples",
                        scale=1,
                    )
                verdicts = gr.HTML(
                    '<div class="rag-empty">核查结果会显示在这里。</div>', elem_id="rag-verdicts"
                )
                exports = gr.File(
                    label="导出核查表（CSV / Markdown）",
                    file_count="multiple",
                    interactive=False,
                    visible=False,
                    elem_id="rag-exports",
                )
            with gr.Tab("资料库", id="corpus"):
                with gr.Row():
                    with gr.Column(scale=3):
                        corpus_table = gr.HTML(elem_id="rag-corpus")
                    with gr.Column(scale=2):
                        pick = gr.Dropdown(label="选择文章", choices=[], value=None, elem_id="rag-pick")
                        with gr.Row():
                            gr.HTML('<span class="rag-muted">选中后在下方阅读全文。</span>', padding=False)
                            remove_btn = gr.Button(
                                "删除这篇",
                                variant="stop",
                                size="sm",
                                scale=0,
                                min_width=110,
                                elem_id="rag-remove",
                            )
                        reader = gr.HTML(
                            '<div class="rag-empty">在上方选择一篇文章阅读。</div>', elem_id="rag-reader"
                        )
                with gr.Accordion("添加文章（粘贴正文或上传文件）", open=True), gr.Tabs():
                    with gr.Tab("粘贴正文", id="paste"):
                        with gr.Row():
                            new_title = gr.Textbox(
                                label="标题", max_length=500, scale=3, elem_id="rag-new-title"
                            )
                            new_date = gr.Textbox(
                                label="日期（YYYY-MM-DD）", max_length=10, scale=1, elem_id="rag-new-date"
                            )
                        new_text = gr.Textbox(
                            label="正文",
                            lines=4,
                            max_lines=14,
                            max_length=MAX_ARTICLE_CHARS,
                            elem_id="rag-new-text",
                        )
                        add_btn = gr.Button("添加到资料库", variant="primary", elem_id="rag-add")
                    with gr.Tab("上传文件", id="upload"):
                        upload = gr.File(
                            label=f"上传 .txt / .md / .jsonl / .html（不超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）",
                            file_types=list(SUPPORTED_SUFFIXES),
                            file_count="single",
                            type="filepath",
                            height=120,
                            elem_id="rag-upload",
                        )
                        upload_btn = gr.Button("上传并添加", variant="primary", elem_id="rag-upload-add")
                add_status = gr.HTML(elem_id="rag-add-status")
            with gr.Tab("设置", id="settings"):
                mode = gr.Radio(
                    MODE_CHOICES, value="hybrid", label="检索方式（问答使用）", elem_id="rag-mode"
                )
                top_k = gr.Slider(
                    1, 20, value=DEFAULT_TOP_K, step=1, label="检索段落数（top-k）", elem_id="rag-topk"
                )
                gr.Markdown("##### 索引")
                info = gr.HTML(elem_id="rag-info")

        # -- events (private: the HTTP API under /v1 is the programmatic interface) --
        chat_io: dict[str, Any] = {
            "inputs": [question, chatbot, asked, mode, top_k],
            "outputs": [chatbot, asked, question],
            "api_visibility": "private",
            "concurrency_limit": 4,  # reads work on a snapshot: several users can ask at once
        }
        question.submit(respond, **chat_io)
        send.click(respond, **chat_io)
        clear.click(clear_chat, outputs=[chatbot, asked, question], api_visibility="private")
        chatbot.clear(lambda: [], outputs=asked, api_visibility="private")  # the chat's own 🗑 button
        chat_examples.click(
            lambda i: CHAT_EXAMPLES[i], inputs=chat_examples, outputs=question, api_visibility="private"
        ).then(respond, **chat_io)

        check_io: dict[str, Any] = {
            "inputs": claim,
            "outputs": [verdicts, exports],
            "api_visibility": "private",
            "concurrency_limit": 4,
        }
        check_btn.click(run_check, **check_io)
        claim.submit(run_check, **check_io)
        claim_examples.click(
            lambda i: EXAMPLE_CLAIMS[i], inputs=claim_examples, outputs=claim, api_visibility="private"
        ).then(run_check, **check_io)

        write_out = [add_status, corpus_table, pick, reader, info]
        pick.input(read_article, inputs=pick, outputs=reader, api_visibility="private")
        add_btn.click(
            add_pasted, inputs=[new_title, new_date, new_text], outputs=write_out, api_visibility="private"
        )
        upload_btn.click(add_uploaded, inputs=upload, outputs=write_out, api_visibility="private")
        remove_btn.click(remove_article, inputs=pick, outputs=write_out, api_visibility="private")

        demo.load(
            lambda: (*corpus_view(), index_info()),
            outputs=[corpus_table, pick, info],
            api_visibility="private",
        )
    return demo
