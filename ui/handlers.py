"""What each button of the UI does, over one `RagService`, without Gradio: plain arguments in,
HTML strings and small records out, so every path is tested without a browser (tests/ui/).

Writes go through the same gate as the HTTP API (`Gate.admit`: the rate limit per client) and
through the service's job queue: an upload returns at once with a job, `follow` reports its progress
until it is done. A write that would replace articles is never sent without `replace=True`, which
the UI only sets after the user confirmed; a delete is only sent after its confirmation.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rag.errors import ConflictError, RagError
from rag.ingest import article_from_record
from rag.jobs import JobStatus
from rag.service import RagService
from rag.settings import Limits
from rag.textzh import split_sentences

from .forms import FormError, draft_text, pasted_article_record, question_text, read_upload
from .render.chat import answer_html, question_html
from .render.corpus import (
    article_html,
    confirm_delete_html,
    confirm_replace_html,
    corpus_table_html,
    doc_choices,
    index_info_html,
    job_html,
)
from .render.desk import FigureRow, figure_rows, verdict_table_html
from .render.markup import empty_html, error_html, status_html

POLL_S = 0.25  # how often `follow` looks at a running job
PASTED = "粘贴的文章"

# What a library error means to a reader, by its code; the library's own message follows as detail.
ERROR_ZH = {
    "bad_document": "内容无法解析，没有添加任何内容",
    "conflict": "资料库中已有同样的文章",
    "index_missing": "还没有索引：请先添加文章",
    "index_mismatch": "索引与当前向量模型不匹配，请重建索引",
    "index_busy": "资料库正在写入，请稍后再试",
    "queue_full": "等待写入的任务太多，请一分钟后再试",
    "not_found": "找不到这篇文章（可能已被删除），请刷新列表",
    "write_failed": "写入失败，没有写入任何内容",
    "encoder_error": "向量模型无法加载",
}


class Gate(Protocol):
    """The API's guard as the UI uses it: may this client write now?"""

    def admit(self, client: str, authenticated: bool) -> float | None:
        """None when allowed, else the seconds to wait."""


def explain(exc: RagError) -> str:
    """A library error as one Chinese sentence with the library's detail."""
    lead = ERROR_ZH.get(exc.code, "操作失败")
    return f"{lead}。（详情：{exc}）"


@dataclass(frozen=True)
class ChatTurn:
    """One exchange: the two chat messages and the questions asked so far (for follow-ups)."""

    question: str
    reply: str
    history: list[str]


@dataclass(frozen=True)
class DeskResult:
    html: str
    rows: list[FigureRow]


@dataclass(frozen=True)
class CorpusView:
    """Everything the 资料库 panel shows after a refresh."""

    table: str
    choices: list[tuple[str, str]]
    selected: str | None
    info: str


@dataclass(frozen=True)
class Confirm:
    """A question before a write; `pending` is what the confirm button will act on (None: nothing
    to confirm, `message` says why)."""

    message: str
    pending: str | None


@dataclass(frozen=True)
class WriteStart:
    """The answer to an upload or paste: a queued job, a replace to confirm, or a refusal."""

    message: str
    job_id: str | None = None
    confirm: str | None = None  # HTML of the question when the write would replace articles
    titles: dict[str, str] = field(default_factory=dict)  # id → title of articles it may replace


@dataclass(frozen=True)
class JobView:
    html: str
    finished: bool
    first_id: str | None = None  # an article the job added or replaced, to open in the reader


class UiHandlers:
    """The UI's actions over `service`, within `limits`, writes let through by `gate`."""

    def __init__(self, service: RagService, limits: Limits, gate: Gate) -> None:
        self.service = service
        self.limits = limits
        self.gate = gate

    # ---- 问答 ---------------------------------------------------------------------------------
    def ask(
        self, question: str | None, history: Sequence[str], mode: str = "hybrid", top_k: int = 8
    ) -> ChatTurn | None:
        """Answer a question with the last few questions as context; None for an empty question."""
        try:
            q = question_text(question, self.limits)
        except FormError as exc:
            return ChatTurn(
                question_html(str(question or "")[:80] + "…"), error_html(str(exc)), list(history)
            )
        if not q:
            return None
        recent = list(history)[-self.limits.history :]
        try:
            answer, _ = self.service.ask(q, top_k, None, recent, mode=mode)
            reply = answer_html(self._dated(answer.to_dict()))
        except RagError as exc:
            reply = error_html(f"出错了：{explain(exc)}")
        return ChatTurn(question_html(q), reply, [*recent, q][-self.limits.history :])

    def _dated(self, record: dict[str, Any], key: str = "citations") -> dict[str, Any]:
        """The record with `date_inferred` on each citation, from the article it cites."""
        cites = []
        for c in record.get(key) or []:
            try:
                art = self.service.article(str(c.get("article_id")))
                inferred = art.date_inferred and art.date == c.get("date")
            except RagError:  # removed since the answer was given: shown as the citation has it
                inferred = False
            cites.append({**c, "date_inferred": inferred})
        return {**record, key: cites}

    # ---- 核查 ---------------------------------------------------------------------------------
    def check(self, text: str | None) -> DeskResult:
        """Check one claim, or a draft sentence by sentence; the table and its rows (for export)."""
        try:
            t = draft_text(text, self.limits)
            if len(list(split_sentences(t))) <= 1:
                result, _ = self.service.check(t)
                results = [result.to_dict()]
            else:
                many, _ = self.service.check_text(t)
                results = [r.to_dict() for r in many]
        except FormError as exc:
            return DeskResult(status_html(str(exc), ok=False), [])
        except RagError as exc:
            return DeskResult(status_html(f"核查失败：{explain(exc)}", ok=False), [])
        rows = figure_rows([self._dated(r, "evidence") for r in results])
        return DeskResult(verdict_table_html(rows), rows)

    # ---- 资料库: reading -------------------------------------------------------------------------
    def corpus(self, selected: str | None = None) -> CorpusView:
        """The article list, the dropdown (keeping `selected` if it still exists) and index facts."""
        try:
            docs, _ = self.service.documents()
            info = index_info_html(self.service.health())
        except RagError as exc:
            message = status_html(f"资料库无法读取：{explain(exc)}", ok=False)
            return CorpusView(message, [], None, message)
        choices = doc_choices(docs)
        keep = selected if selected in {v for _, v in choices} else None
        return CorpusView(corpus_table_html(docs), choices, keep, info)

    def read(self, article_id: str | None) -> str:
        """An article to read, or a hint to pick one."""
        if not article_id:
            return empty_html("在上方选择一篇文章阅读。")
        try:
            return article_html(self.service.article(article_id).to_dict())
        except RagError as exc:
            return status_html(explain(exc), ok=False)

    # ---- 资料库: writing -------------------------------------------------------------------------
    def _refused(self, client: str) -> str | None:
        """Why this client may not write now (the API's rate limit), or None."""
        wait = self.gate.admit(client, True)
        if wait is None:
            return None
        return f"操作过于频繁，请 {max(1, math.ceil(wait))} 秒后再试。没有写入任何内容。"

    def ask_delete(self, article_id: str | None) -> Confirm:
        """The question before deleting the selected article."""
        if not article_id:
            return Confirm(status_html("请先在上方选择要删除的文章。", ok=False), None)
        try:
            title = self.service.article(article_id).title
        except RagError as exc:
            return Confirm(status_html(explain(exc), ok=False), None)
        return Confirm(confirm_delete_html(title), article_id)

    def delete(self, article_id: str | None, client: str) -> str:
        """Delete a confirmed article; the status line."""
        if not article_id:
            return status_html("没有待确认的删除。", ok=False)
        refused = self._refused(client)
        if refused:
            return status_html(refused, ok=False)
        try:
            title = self.service.article(article_id).title
            result = self.service.remove([article_id])
        except RagError as exc:
            return status_html(f"删除失败：{explain(exc)}", ok=False)
        return status_html(f"已删除《{title}》（id {'、'.join(result.removed)}）。")

    def _titles(self, ids: Sequence[str]) -> dict[str, str]:
        """id → title of those ids that are in the index now."""
        titles: dict[str, str] = {}
        for i in ids:
            try:
                titles[i] = self.service.article(i).title
            except RagError:
                continue
        return titles

    def _briefs(self, ids: Sequence[str]) -> list[dict[str, str]]:
        """id, title and file of each id (title and file empty for one no longer there)."""
        briefs = []
        for i in ids:
            try:
                art = self.service.article(i)
                briefs.append({"id": i, "title": art.title, "file": art.file})
            except RagError:
                briefs.append({"id": i, "title": "", "file": ""})
        return briefs

    def _file_titles(self, name: str) -> dict[str, str]:
        """id → title of the articles an earlier upload of `name` gave (before they are replaced)."""
        try:
            return self._titles(self.service.file_articles(name))
        except RagError:  # no index yet: nothing to replace
            return {}

    def _started(
        self, submit: Callable[[bool], JobStatus], name: str, client: str, replace: bool
    ) -> WriteStart:
        """Submit a write (`submit(replace)`); a conflict becomes a question, never a silent replace."""
        refused = self._refused(client)
        if refused:
            return WriteStart(status_html(refused, ok=False))
        before = self._file_titles(name) if replace else {}
        try:
            job = submit(replace)
        except ConflictError as exc:
            existing = self._briefs(exc.existing)
            titles = {a["id"]: a["title"] for a in existing}
            return WriteStart("", confirm=confirm_replace_html(exc.filename or name, existing), titles=titles)
        except RagError as exc:
            return WriteStart(status_html(f"添加失败：{explain(exc)}", ok=False))
        return WriteStart(job_html(job.to_dict()), job.id, titles=before)

    def upload(self, path: str | Path | None, client: str, replace: bool = False) -> WriteStart:
        """Queue an uploaded file; re-uploading a file name that exists asks first (replace=False)."""
        try:
            data, name = read_upload(path, self.limits)
        except FormError as exc:
            return WriteStart(status_html(str(exc), ok=False))
        return self._started(
            lambda r: self.service.submit_document(data, name, replace=r), name, client, replace
        )

    def paste(
        self, title: str | None, date: str | None, text: str | None, client: str, replace: bool = False
    ) -> WriteStart:
        """Queue a pasted article; pasting the same article again asks first."""
        try:
            record = pasted_article_record(title, date, text, self.limits)
            article = article_from_record(record, PASTED, "ui")
        except FormError as exc:
            return WriteStart(status_html(str(exc), ok=False))
        except RagError as exc:
            return WriteStart(status_html(f"添加失败：{explain(exc)}", ok=False))
        return self._started(
            lambda r: self.service.submit_articles([article], replace=r), PASTED, client, replace
        )

    def job_view(self, job_id: str, titles: Mapping[str, str] | None = None) -> JobView:
        """The progress of a job now; once done, what it added, replaced and removed by title (the
        titles of replaced and removed articles are those from before the write, `titles`)."""
        try:
            job = self.service.job(job_id).to_dict()
        except RagError as exc:
            return JobView(status_html(explain(exc), ok=False), True)
        finished = job["state"] in ("done", "failed")
        if not finished:
            return JobView(job_html(job), False)
        ids = [*job.get("added", []), *job.get("replaced", [])]
        known = {**(titles or {}), **self._titles(ids)}
        return JobView(job_html(job, known), True, ids[0] if ids else None)

    def follow(
        self, job_id: str, titles: Mapping[str, str] | None = None, poll_s: float = POLL_S
    ) -> Iterator[JobView]:
        """Views of a job from now until it has finished (the last one is the finished view)."""
        while True:
            view = self.job_view(job_id, titles)
            yield view
            if view.finished:
                return
            time.sleep(poll_s)
