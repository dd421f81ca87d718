"""/v1/documents: list, read, add (JSON records or an uploaded file) and remove articles.

Writes are jobs. A small JSON write (a few articles) or a removal waits for its job and answers
201/200 with the ids added, replaced and removed; an upload or a larger write answers 202 at once
with the job (`GET /v1/jobs/{id}` follows it). A name or id that exists is a 409 naming the
articles unless the request says `replace=true`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError

from ...ingest import SUPPORTED_SUFFIXES, article_from_record
from ...jobs import JobStatus
from ...present import date_label
from ...service import RagService
from ...types import Article
from ...writes import upload_name
from ..deps import State, Svc
from ..errors import COMMON, ApiError, SafeJSONResponse, documented
from ..examples import ARTICLE_EXAMPLE, ARTICLES_EXAMPLE
from ..schemas import (
    ArticleIn,
    ArticleOut,
    ArticlesIn,
    Clean,
    DocumentList,
    DocumentOut,
    JobAccepted,
    JobOut,
    WriteResponse,
)

router = APIRouter(tags=["documents"])

ArticleId = Annotated[str, Field(max_length=300), *Clean]
Replace = Annotated[bool, Query(description="替换同名文件（或同 id 文章）已有的内容；否则 409")]


@router.get("/v1/documents", responses=documented(401, 429, 503))
def list_documents(s: Svc) -> DocumentList:
    """Every article in the index: id, title, date (marked when inferred), source, file and chunks."""
    docs, gen = s.documents()
    return DocumentList(
        generation=gen,
        documents=[DocumentOut(**d, date_label=date_label(d["date"], d["date_inferred"])) for d in docs],
    )


@router.get("/v1/documents/{article_id:path}", responses=documented(401, 404, 429, 503))
def get_document(article_id: ArticleId, s: Svc) -> ArticleOut:
    """One article's full text and metadata (plain text, as stored)."""
    snap = s.snapshot()
    art = s.article(article_id)
    data = art.to_dict()
    return ArticleOut(
        generation=snap.generation,
        date_label=date_label(art.date, art.date_inferred),
        **{k: data[k] for k in ArticleOut.model_fields if k in data},
    )


DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [ArticleIn.model_json_schema(), ArticlesIn.model_json_schema()]},
                "examples": {
                    "article": {"summary": "添加一篇文章", "value": ARTICLE_EXAMPLE},
                    "articles": {"summary": "添加多篇文章（多于 3 篇时返回 202 和任务）", "value": ARTICLES_EXAMPLE},
                },
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": f"文本文件（UTF-8、GB18030/GBK、UTF-16）：{'、'.join(SUPPORTED_SUFFIXES)}",
                        }
                    },
                    "required": ["file"],
                }
            },
        },
    }
}


@router.post(
    "/v1/documents",
    status_code=201,
    openapi_extra=DOCUMENT_BODY,
    responses={202: {"model": JobAccepted, "description": "已排队：GET location 查看进度"}, **documented(*COMMON, 409, 503)},
)
async def add_documents(request: Request, s: Svc, state: State, replace: Replace = False) -> Any:
    """Add articles: a JSON article, `{"articles": [...]}`, or an uploaded .txt/.md/.jsonl/.html file
    (multipart, field `file`). A file name already ingested, or an id that exists, is a 409 naming
    the articles unless `replace=true`."""
    limits = state.guard.limits
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        raw, filename = await read_upload(request, limits.upload_bytes)
        job = await run_in_threadpool(s.submit_document, raw, filename, replace)
        return accepted(job)
    articles = parse_articles(await request.body())
    job = await run_in_threadpool(s.submit_articles, articles, replace)
    if len(articles) > limits.sync_articles:
        return accepted(job)
    return await run_in_threadpool(finished, s, job, limits.sync_wait_s, 201)


@router.delete("/v1/documents/{article_id:path}", responses=documented(401, 404, 429, 503))
async def delete_document(article_id: ArticleId, s: Svc, state: State) -> Any:
    """Remove one article (after the writes queued before it); the new generation no longer has it."""
    job = await run_in_threadpool(s.submit_remove, [article_id])
    return await run_in_threadpool(finished, s, job, state.guard.limits.sync_wait_s, 200)


def accepted(job: JobStatus) -> JSONResponse:
    location = f"/v1/jobs/{job.id}"
    body = JobAccepted(job=JobOut(**job.to_dict()), location=location)
    return SafeJSONResponse(body.model_dump(), status_code=202, headers={"Location": location})


def finished(s: RagService, job: JobStatus, wait: float, status: int) -> JSONResponse:
    """The write's result once its job is done (`status`), or 202 with the job if it still waits."""
    done = s.wait(job.id, wait)
    if not done.finished:
        return accepted(done)
    result = s.result(job.id)
    if result is None:  # failed: raise what it failed with (conflict, not found, ...)
        s.raise_failure(job.id)
    assert result is not None
    body = WriteResponse(**result.to_dict(), job=job.id)
    return SafeJSONResponse(body.model_dump(), status_code=status)


def parse_articles(body: bytes) -> list[Article]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "the body is not valid UTF-8 JSON") from exc
    try:
        if isinstance(data, dict) and "articles" in data:
            records = ArticlesIn.model_validate(data).articles
        else:
            records = [ArticleIn.model_validate(data)]
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_input=False)) from None
    return [
        article_from_record(r.model_dump(exclude_none=True), f"articles.{i}" if len(records) > 1 else "article", "api")
        for i, r in enumerate(records)
    ]


async def read_upload(request: Request, max_bytes: int) -> tuple[bytes, str]:
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiError(422, "invalid_request", "file: send the document as the multipart field 'file'", "file")
    name = upload_name(upload.filename or "")
    if not name or not name.lower().endswith(SUPPORTED_SUFFIXES):
        raise ApiError(
            415, "unsupported_media_type", f"file: the name must end in one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ApiError(413, "body_too_large", f"file: over {max_bytes} bytes")
    return data, name
