"""The 资料库 panel: the article list, an article to read, index facts, the progress of a write job
and the questions asked before a delete or a replace.

Inputs are plain dicts: `RagService.documents()` rows, `Article.to_dict()`, `JobStatus.to_dict()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .markup import date_html, date_text, esc

UNTITLED = "（无标题）"
MAX_LISTED = 10  # articles named in a confirmation; the rest are counted
STATE_WORDS = {"queued": "排队等待写入…", "running": "正在切分并编码段落…", "done": "完成", "failed": "失败"}


def corpus_table_html(docs: Sequence[Mapping[str, Any]]) -> str:
    """The articles: title, date (inferred ones marked), page or file, chunk and character counts."""
    if not docs:
        return '<div class="rag-empty">资料库是空的：在下方添加文章。</div>'
    rows = "".join(
        "<tr>"
        f'<td class="rag-col-title">{esc(d.get("title") or UNTITLED)}</td>'
        f'<td class="rag-nowrap">{date_html(d.get("date"), d.get("date_inferred"))}</td>'
        f'<td class="rag-col-page">{esc(d.get("file") or d.get("source") or "")}</td>'
        f'<td class="rag-num">{esc(d.get("chunks", 0))}</td>'
        f'<td class="rag-num">{esc(d.get("chars", ""))}</td>'
        "</tr>"
        for d in docs
    )
    head = "".join(f"<th>{h}</th>" for h in ("标题", "日期", "版面 / 文件", "段落块", "字数"))
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
            f"{d.get('title') or UNTITLED}（{date_text(d.get('date'), d.get('date_inferred')).strip('（）')}"
            f" · {d.get('file') or d.get('source') or ''}）",
            str(d["id"]),
        )
        for d in docs
    ]


def article_html(article: Mapping[str, Any]) -> str:
    """An article to read: title, date, page, byline, the text in paragraphs."""
    meta = [
        date_html(article.get("date"), article.get("date_inferred")),
        esc(f"版面 {article.get('source') or '未知'}"),
    ]
    if article.get("file"):
        meta.append(esc(f"文件 {article['file']}"))
    if article.get("byline"):
        meta.append(esc(article["byline"]))
    paras = [p.strip() for p in str(article.get("text") or "").split("\n") if p.strip()]
    body = "".join(f"<p>{esc(p)}</p>" for p in paras)
    return (
        f'<article class="rag-article"><h3>{esc(article.get("title") or UNTITLED)}</h3>'
        f'<div class="rag-card-meta">{" · ".join(meta)}</div>{body}</article>'
    )


def index_info_html(health: Mapping[str, Any]) -> str:
    """Articles, chunks, generation and encoder of the live index."""
    rows = [
        ("文章", health.get("articles")),
        ("段落块", health.get("chunks")),
        ("索引版本", health.get("generation")),
        ("向量模型", health.get("encoder")),
    ]
    cells = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="rag-corpus rag-info">{cells}</table>'


def _titled(ids: Sequence[str], titles: Mapping[str, str]) -> str:
    """《title》 for each id whose title is known, else the id."""
    return "、".join(f"《{titles[i]}》" if i in titles else i for i in ids)


def job_percent(job: Mapping[str, Any]) -> int:
    """Chunks embedded of total, 0–100; a finished job is 100 whatever it counted."""
    if job.get("state") == "done":
        return 100
    total = int(job.get("total") or 0)
    return min(99, int(100 * int(job.get("done") or 0) / total)) if total else 0


def job_html(job: Mapping[str, Any], titles: Mapping[str, str] | None = None) -> str:
    """A write job: a progress bar (role=progressbar, aria-valuenow = percent), what it is doing and,
    once done, the added, replaced and removed articles by title with their ids."""
    state = str(job.get("state") or "queued")
    pct = job_percent(job)
    what = job.get("filename") or "粘贴的文章"
    line = f"{what}：{STATE_WORDS.get(state, state)}"
    if state in ("queued", "running") and job.get("total"):
        line += f" 已编码 {job.get('done', 0)}/{job.get('total')} 段（{pct}%）"
    details: list[str] = []
    if state == "failed":
        line += f"，没有写入任何内容。原因：{job.get('error') or '未知'}"
    if state == "done":
        groups = (("新增", "added"), ("替换", "replaced"), ("删除", "removed"))
        counts = "，".join(f"{word} {len(job.get(key) or [])} 篇" for word, key in groups)
        line += f"：{counts}。现在就可以在「问答」页提问。"
        for word, key in groups:
            ids = [str(i) for i in job.get(key) or []]
            if ids:
                details.append(
                    f'<div class="rag-job-list" data-kind="{key}">{esc(f"{word}：{_titled(ids, titles or {})}")}'
                    f'<div class="rag-ids">{esc("id " + "、".join(ids))}</div></div>'
                )
    bar = (
        f'<div class="rag-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        f'aria-valuenow="{pct}"><div class="rag-progress-fill" style="width:{pct}%"></div></div>'
    )
    return (
        f'<div class="rag-job" data-state="{esc(state)}">{bar}'
        f'<div class="rag-job-text">{esc(line)}</div>{"".join(details)}</div>'
    )


def confirm_delete_html(title: str) -> str:
    """The question before a delete."""
    return (
        f'<div class="rag-confirm">{esc(f"确定要删除《{title}》吗？")}'
        '<div class="rag-muted">删除后这篇文章不再参与问答和核查；如需恢复，要重新添加。</div></div>'
    )


def confirm_replace_html(name: str, existing: Sequence[Mapping[str, Any]]) -> str:
    """The question before a write replaces articles: those an earlier upload of the file `name`
    gave, or (for records) those that already have the same ids."""
    same_file = all(a.get("file") == name for a in existing)
    lead = (
        f"资料库中已有来自 {name} 的 {len(existing)} 篇文章："
        if same_file
        else f"资料库中已有 {len(existing)} 篇 id 相同的文章："
    )
    items = "".join(
        "<li>"
        + esc(
            f"《{a.get('title') or UNTITLED}》 {a.get('id')}"
            + ("" if same_file else f"（{a.get('file') or '无文件名'}）")
        )
        + "</li>"
        for a in existing[:MAX_LISTED]
    )
    if len(existing) > MAX_LISTED:
        items += f"<li>{esc(f'……另有 {len(existing) - MAX_LISTED} 篇')}</li>"
    return (
        f'<div class="rag-confirm">{esc(lead)}<ul class="rag-confirm-list">{items}</ul>'
        f"<div>{esc('确认替换吗？替换后，这些文章由新内容取代；同一文件原有、新文件中没有的文章会被删除。')}</div></div>"
    )
