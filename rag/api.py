"""FastAPI app factory: /healthz, /readyz, the /v1 endpoints and an OpenAI-compatible chat endpoint.

Layers, outermost first: CORS (only when `cors_origins` is set) → `GuardMiddleware` (rate limit, API
key, content type, body size; a pure ASGI middleware, so chunked bodies are counted as they stream)
→ FastAPI's routes, which are thin: validate, call `RagService`, shape the answer. Queries run on the
service's snapshot of one index generation and every response names it (`generation`). Writes are
serialised by a lock with a short wait (409 `index_busy` after it) and run in the threadpool.

Errors: `{"error": {"code", "message"}}` on our endpoints, OpenAI's `{"error": {"message", "type",
"param", "code"}}` on /v1/chat/completions and /v1/models. Nothing a client sends produces a 5xx.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import re
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .check import VERDICT_ZH
from .errors import (
    EncoderError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    IngestError,
    NotFoundError,
    RagError,
)
from .ingest import SUPPORTED_SUFFIXES, article_from_record
from .retrieve import Filters
from .service import RagService
from .settings import Settings
from .store import BuildReport
from .textzh import is_blank, split_sentences, strip_controls
from .types import Article

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2000  # a question, query or claim
MAX_DRAFT_CHARS = 20_000  # a draft checked claim by claim
MAX_ARTICLE_CHARS = 400_000
MAX_HISTORY = 10
WRITE_WAIT_S = 10.0  # a write waits this long for another one to finish, then 409
LOAD_WAIT_S = 60.0  # a query arriving during start-up waits this long for the index
UPLOAD_OVERHEAD = 64 * 1024  # multipart framing around an uploaded file
OPENAI_PATHS = ("/v1/chat/completions", "/v1/models")
OPEN_PATHS = ("/healthz", "/readyz")
JSON_ONLY_PATHS = ("/v1/ask", "/v1/search", "/v1/check", "/v1/chat/completions")
# At least one character that survives strip_controls and is not white space (JSON-schema regex).
VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff]"
DATE = r"^([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?$"
ARTICLE_ID = r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff._:@+-]{0,127}$"
WARM_UP_QUESTION = "青岛港2023年集装箱吞吐量是多少？"
WARM_UP_CLAIM = "2023年青岛港集装箱吞吐量为3000万标准箱。"


# ---- errors ------------------------------------------------------------------------------------
class ApiError(Exception):
    """An error a route raises on purpose; rendered in the endpoint's error shape."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.param = status, code, message, param


RAG_STATUS: dict[type[RagError], int] = {
    IndexMissingError: 503,
    IndexMismatchError: 503,
    EncoderError: 503,
    NotFoundError: 404,
    IndexBusyError: 409,
    IngestError: 422,
}


class SafeJSONResponse(JSONResponse):
    """JSON that can always be encoded: a lone surrogate in a message becomes U+FFFD, never a 500."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", errors="replace")


def is_openai_path(path: str) -> bool:
    return path.startswith(OPENAI_PATHS)


def _openai_type(status: int) -> str:
    if status == 401:
        return "authentication_error"
    if status == 429:
        return "rate_limit_error"
    return "server_error" if status >= 500 or status in (409,) else "invalid_request_error"


def error_response(
    path: str,
    status: int,
    code: str,
    message: str,
    param: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The error in the shape of the endpoint at `path`."""
    if is_openai_path(path):
        body: dict[str, Any] = {
            "error": {"message": message, "type": _openai_type(status), "param": param, "code": code}
        }
    else:
        body = {"error": {"code": code, "message": message}}
    return SafeJSONResponse(body, status_code=status, headers=dict(headers or {}))


# ---- request models ----------------------------------------------------------------------------
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _drop_surrogates(value: object) -> object:
    """Lone surrogates (JSON "\\ud800") are not text: drop them before a string is validated."""
    return _LONE_SURROGATE.sub("", value) if isinstance(value, str) else value


def _visible(value: str) -> str:
    if is_blank(value):
        raise ValueError("must contain visible text, not only white space or zero-width characters")
    return value


def _visible_text(max_chars: int) -> Any:
    return Field(strict=True, min_length=1, max_length=max_chars, json_schema_extra={"pattern": VISIBLE})


# Limits apply to the text as sent; then control and zero-width characters are stripped.
Clean = (BeforeValidator(_drop_surrogates), AfterValidator(strip_controls))
Question = Annotated[str, _visible_text(MAX_TEXT_CHARS), *Clean, AfterValidator(_visible)]
Draft = Annotated[str, _visible_text(MAX_DRAFT_CHARS), *Clean, AfterValidator(_visible)]
ArticleText = Annotated[str, _visible_text(MAX_ARTICLE_CHARS), *Clean, AfterValidator(_visible)]


def _not_null(schema: dict[str, Any]) -> None:
    """Document an optional field as "may be absent", not "may be null" (null is rejected)."""
    schema.pop("default", None)
    branches = [b for b in schema.pop("anyOf", []) if b.get("type") != "null"]
    if branches:
        schema.update(branches[0])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FilterModel(_Strict):
    """Restrict retrieval to some sources (page stems, prefix match) and a date range."""

    sources: list[Annotated[str, Field(strict=True, max_length=200), *Clean]] = Field(
        default_factory=list, max_length=50, description="来源（页面文件名前缀），如 000_4ec5dd5d5caa780e"
    )
    date_from: Annotated[str, Field(strict=True, pattern=DATE)] = ""
    date_to: Annotated[str, Field(strict=True, pattern=DATE)] = ""

    def to_filters(self) -> Filters:
        return Filters(tuple(self.sources), self.date_from, self.date_to)


def _whole(value: object) -> object:
    """20.0 is an integer in JSON Schema; 20.5, "20" and true are not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


TopK = Annotated[
    int, Field(strict=True, ge=1, le=50, description="检索的段落数（1–50）"), BeforeValidator(_whole)
]
HistoryItem = Annotated[str, Field(strict=True, max_length=MAX_TEXT_CHARS), *Clean]


class AskRequest(_Strict):
    question: Question = Field(description="中文问题")
    top_k: TopK = 8
    filters: FilterModel | None = None
    history: list[HistoryItem] = Field(
        default_factory=list, max_length=MAX_HISTORY, description="此前的用户提问，用于“那2023年呢？”这类追问"
    )


class SearchRequest(_Strict):
    query: Question = Field(description="检索词或问题")
    top_k: TopK = 5
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    filters: FilterModel | None = None


class CheckRequest(_Strict):
    """Exactly one of `claim` (one sentence) and `text` (a draft, checked claim by claim)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"oneOf": [{"required": ["claim"]}, {"required": ["text"]}]}
    )

    claim: Question | None = Field(default=None, description="待核查的一句话", json_schema_extra=_not_null)
    text: Draft | None = Field(
        default=None, description="待核查的稿件，逐句核查", json_schema_extra=_not_null
    )

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(data.get(k, "") is None for k in ("claim", "text")):
            raise ValueError("'claim' and 'text' are strings; leave out the one you do not use")
        return data

    @model_validator(mode="after")
    def _one_of(self) -> CheckRequest:
        if (self.claim is None) == (self.text is None):
            raise ValueError("give exactly one of 'claim' (one sentence) and 'text' (a draft)")
        return self


class ArticleIn(_Strict):
    """One article to add (or replace, by id)."""

    id: Annotated[str, Field(strict=True, pattern=ARTICLE_ID, description="文章 id，已存在则替换")]
    text: ArticleText = Field(description="正文（纯文本）")
    title: Annotated[str, Field(strict=True, max_length=500), *Clean] | None = None
    date: Annotated[str, Field(strict=True, pattern=DATE)] | None = None
    source: Annotated[str, Field(strict=True, max_length=200), *Clean] | None = None
    url: Annotated[str, Field(strict=True, max_length=2000), *Clean] | None = None


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Annotated[str, Field(strict=True, max_length=50)]
    text: Annotated[str, Field(strict=True), *Clean] | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[str, Field(strict=True), *Clean] | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text or "" for p in self.content or [] if p.type in ("text", "input_text"))


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: Annotated[bool, Field(strict=True)] = False


class ChatRequest(BaseModel):
    """OpenAI's chat request; sampling parameters (temperature, …) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: Annotated[str, Field(strict=True, max_length=200), *Clean]
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: Annotated[bool, Field(strict=True)] = False
    stream_options: StreamOptions | None = None
    top_k: TopK = 8


# ---- response models ---------------------------------------------------------------------------
class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIErrorResponse(BaseModel):
    error: OpenAIErrorDetail


class IndexInfo(_Open):
    generation: int
    articles: int
    chunks: int
    encoder: str


class HealthResponse(BaseModel):
    status: Literal["ok"]
    ready: bool
    index: IndexInfo | None
    detail: str | None = None


class ReadyResponse(BaseModel):
    status: Literal["ready"]
    index: IndexInfo


class CitationOut(_Open):
    n: int
    source: str
    article_id: str
    title: str
    date: str
    text: str
    quote: str
    start: int
    end: int
    score: float


class AskResponse(_Open):
    answer: str
    short_answer: str | None
    found: bool
    question_type: str
    citations: list[CitationOut]
    timings_ms: dict[str, float]
    generation: int


class HitOut(BaseModel):
    source: str
    article_id: str
    chunk_id: str
    title: str
    date: str
    text: str
    start: int
    end: int
    score: float


class SearchResponse(BaseModel):
    generation: int
    hits: list[HitOut]


class CheckResultOut(_Open):
    claim: str
    verdict: Literal["supported", "refuted", "not_enough_info"]
    explanation: str
    figures: list[dict[str, Any]]
    evidence: list[CitationOut]


class ClaimCheckResponse(CheckResultOut):
    generation: int


class DraftCheckResponse(BaseModel):
    generation: int
    results: list[CheckResultOut]


class DocumentOut(_Open):
    id: str
    title: str
    date: str
    source: str
    chunks: int


class DocumentList(BaseModel):
    generation: int
    documents: list[DocumentOut]


class ArticleOut(BaseModel):
    generation: int
    id: str
    title: str
    text: str
    source: str
    date: str
    date_inferred: bool
    byline: str
    url: str


class ArticleBrief(BaseModel):
    id: str
    title: str
    date: str
    source: str


class WriteResponse(BaseModel):
    generation: int
    added: list[ArticleBrief] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    articles: int = Field(description="文章总数（写入后）")
    chunks: int
    embedded: int
    seconds: float


class ChatChoiceMessage(BaseModel):
    role: Literal["assistant"]
    content: str


class ChatChoice(BaseModel):
    index: int
    message: ChatChoiceMessage
    finish_reason: str
    logprobs: None = None


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage
    citations: list[dict[str, Any]] = Field(description="正文中 [n] 所指的来源（结构化）")
    generation: int


class ModelCard(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelCard]


# ---- examples (Chinese) ------------------------------------------------------------------------
ASK_EXAMPLES: dict[str, Any] = {
    "fact": {"summary": "数字事实", "value": {"question": "青岛市2022年外贸进出口总值是多少？"}},
    "filtered": {
        "summary": "限定日期",
        "value": {"question": "青岛港集装箱吞吐量是多少？", "top_k": 5, "filters": {"date_from": "2024"}},
    },
    "follow_up": {
        "summary": "追问",
        "value": {"question": "那2023年呢？", "history": ["青岛市2022年外贸进出口总值是多少？"]},
    },
}
SEARCH_EXAMPLES: dict[str, Any] = {
    "hybrid": {"summary": "混合检索", "value": {"query": "青岛 海外仓 面积", "top_k": 3}},
    "bm25": {"summary": "关键词检索", "value": {"query": "上合组织", "mode": "bm25"}},
}
CHECK_EXAMPLES: dict[str, Any] = {
    "claim": {"summary": "核查一句话", "value": {"claim": "2022年青岛外贸进出口总值超过1万亿元。"}},
    "draft": {
        "summary": "核查稿件",
        "value": {"text": "2022年青岛外贸进出口总值为9117.2亿元。青岛港货物吞吐量全球第一。"},
    },
}
ARTICLE_EXAMPLE: dict[str, Any] = {
    "id": "demo-001",
    "title": "青岛港开通新航线",
    "date": "2024-06-01",
    "source": "api-demo",
    "text": "青岛港开通新航线\n\n6月1日，青岛港开通至东南亚的集装箱新航线，每周一班，预计年运量10万标箱。",
}
CHAT_EXAMPLES: dict[str, Any] = {
    "ask": {
        "summary": "问答",
        "value": {
            "model": "rag-news-zh",
            "messages": [{"role": "user", "content": "青岛港的海上航线连接全球多少个港口？"}],
        },
    },
    "follow_up": {
        "summary": "追问",
        "value": {
            "model": "rag-news-zh",
            "messages": [
                {"role": "user", "content": "2022年青岛外贸进出口总值是多少？"},
                {"role": "assistant", "content": "9117.2亿元[1]"},
                {"role": "user", "content": "那2023年呢？"},
            ],
        },
    },
    "factcheck": {
        "summary": "事实核查",
        "value": {
            "model": "rag-news-zh-factcheck",
            "messages": [{"role": "user", "content": "2022年青岛外贸进出口总值超过1万亿元。"}],
            "stream": True,
        },
    },
}


SSE_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {"type": "string", "description": "一个 chat.completion.chunk（JSON），最后是 [DONE]"},
        "event": {"type": "string"},
    },
}


def _errors(*statuses: int, openai: bool = False) -> dict[int | str, dict[str, Any]]:
    model = OpenAIErrorResponse if openai else ErrorResponse
    text = {
        400: "请求体不是合法的 JSON / UTF-8",
        401: "缺少或错误的 API key",
        404: "不存在",
        409: "索引正在写入，请稍后重试",
        413: "请求体过大",
        415: "不支持的 Content-Type",
        422: "参数不合法",
        429: "请求过于频繁",
        503: "索引尚未加载",
    }
    return {s: {"model": model, "description": text[s]} for s in statuses}


COMMON = (400, 401, 413, 415, 422, 429)


# ---- guard middleware --------------------------------------------------------------------------
class RateLimiter:
    """A token bucket per client: `per_minute` requests a minute, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait_time(self, client: str) -> float:
        """Take a token; 0 when allowed, else the seconds until one is free."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if len(self._buckets) > 10_000:
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate


class GuardMiddleware:
    """Rate limit, API key, content type and body size for /v1/*; a pure ASGI middleware.

    The body is read here, counted as it streams (chunked bodies too), and replayed to the app; once
    it passes the limit the rest is drained (up to a cap) and 413 answered without buffering it.
    """

    def __init__(self, app: ASGIApp, settings: Settings, limiter: RateLimiter | None) -> None:
        self.app = app
        self.settings = settings
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/v1" or path.startswith("/v1/")):
            await self.app(scope, receive, send)
            return
        problem = self._check_headers(scope)
        if problem is not None:
            await problem(scope, receive, send)
            return
        limit = self._limit(scope)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                if message.get("more_body", False):
                    await self._drain(receive, 4 * limit)
                await self._reject(scope, 413, "body_too_large", f"request body over {limit} bytes")(
                    scope, receive, send
                )
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and self._is_json(scope):
            try:
                body.decode("utf-8")  # strict: encoded surrogates and stray bytes are not UTF-8
            except UnicodeDecodeError as exc:
                message = f"the body is not valid UTF-8 (byte {exc.start})"
                await self._reject(scope, 400, "invalid_utf8", message)(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _is_json(scope: Scope) -> bool:
        ctype = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
        return not ctype or ctype == "application/json" or ctype.endswith("+json")

    def _limit(self, scope: Scope) -> int:
        ctype = Headers(scope=scope).get("content-type", "")
        if scope["path"] == "/v1/documents" and ctype.startswith("multipart/form-data"):
            return self.settings.max_upload_bytes + UPLOAD_OVERHEAD
        return self.settings.max_body_bytes

    def _check_headers(self, scope: Scope) -> JSONResponse | None:
        headers = Headers(scope=scope)
        if self.limiter is not None:
            client = scope.get("client")
            wait = self.limiter.wait_time(client[0] if client else "unknown")
            if wait > 0:
                retry = {"Retry-After": str(max(1, math.ceil(wait)))}
                return self._reject(scope, 429, "rate_limited", "too many requests; slow down", retry)
        key = self.settings.api_key
        if key:
            given = headers.get("authorization", "")
            token = given[7:].strip() if given[:7].lower() == "bearer " else ""
            if not hmac.compare_digest(token.encode("utf-8", "replace"), key.encode("utf-8")):
                message = "missing or wrong API key; send 'Authorization: Bearer <key>'"
                return self._reject(scope, 401, "invalid_api_key", message, {"WWW-Authenticate": "Bearer"})
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return self._reject(scope, 400, "invalid_body", "Content-Length is not a number")
            if int(length) > self._limit(scope):
                return self._reject(
                    scope,
                    413,
                    "body_too_large",
                    f"request body over {self._limit(scope)} bytes",
                    {"Connection": "close"},
                )
        if scope["method"] == "POST":
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            is_json = self._is_json(scope)
            multipart_ok = scope["path"] == "/v1/documents" and ctype == "multipart/form-data"
            if scope["path"] in (*JSON_ONLY_PATHS, "/v1/documents") and not (is_json or multipart_ok):
                accepted = (
                    "application/json or multipart/form-data"
                    if scope["path"] == "/v1/documents"
                    else "application/json"
                )
                return self._reject(scope, 415, "unsupported_media_type", f"Content-Type must be {accepted}")
        return None

    @staticmethod
    def _reject(
        scope: Scope, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> JSONResponse:
        return error_response(scope["path"], status, code, message, headers=headers)

    @staticmethod
    async def _drain(receive: Receive, cap: int) -> None:
        """Read and drop the rest of an oversized body so the client can read the 413."""
        drained = 0
        while drained < cap:
            message = await receive()
            if message["type"] != "http.request":
                return
            drained += len(message.get("body", b""))
            if not message.get("more_body", False):
                return


# ---- app state ---------------------------------------------------------------------------------
@dataclass
class ApiState:
    """What the routes share: settings, the service, start-up loading and the write gate."""

    settings: Settings
    service: RagService
    loaded: threading.Event = field(default_factory=threading.Event)
    load_error: str = ""
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    write_wait: float = WRITE_WAIT_S

    def start_loading(self) -> None:
        if self.service.ready or self.service.backend.current_generation() is None:
            if not self.service.ready:
                self.load_error = f"no index in {self.service.backend.name} yet; build one or POST /v1/documents"
            self.loaded.set()
            return
        threading.Thread(target=self._load, name="rag-index-load", daemon=True).start()

    def _load(self) -> None:
        try:
            self.service.load()
            self._warm_up()
        except RagError as exc:
            self.load_error = str(exc)  # /readyz answers 503 with it; a write can still create the index
        except Exception:
            log.exception("loading the index failed")
            self.load_error = "loading the index failed; see the server log"
        finally:
            self.loaded.set()

    def _warm_up(self) -> None:
        """One query of each kind, so jieba, OpenCC and the answerer load before the first client
        (cold, the first ask takes seconds); /readyz says ready only after this."""
        try:
            self.service.search(WARM_UP_QUESTION, 1)
            self.service.ask(WARM_UP_QUESTION, 1)
            self.service.check(WARM_UP_CLAIM)
        except Exception:  # a warm-up failure must not keep the API down; the query will say why
            log.warning("warm-up query failed", exc_info=True)

    @contextmanager
    def writing(self) -> Iterator[float]:
        """Hold the write gate; yields the time left for the index folder's own lock."""
        self.loaded.wait(LOAD_WAIT_S)  # start-up loading first, so it cannot swap an older snapshot in
        t0 = time.monotonic()
        if not self.write_lock.acquire(timeout=self.write_wait):
            raise IndexBusyError("another upload or removal is being applied; try again in a few seconds")
        try:
            yield max(0.5, self.write_wait - (time.monotonic() - t0))
        finally:
            self.write_lock.release()


def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.rag
    return state


def ready_service(request: Request) -> RagService:
    """The service once start-up loading has finished (or failed: the call then says why)."""
    state = get_state(request)
    if not state.loaded.wait(LOAD_WAIT_S):
        raise ApiError(503, "not_ready", "the index is still loading; try again shortly")
    return state.service


State = Annotated[ApiState, Depends(get_state)]
Svc = Annotated[RagService, Depends(ready_service)]


# ---- shaping -----------------------------------------------------------------------------------
def brief(article: Article) -> dict[str, Any]:
    return {"id": article.id, "title": article.title, "date": article.date, "source": article.source}


def write_result(
    report: BuildReport, added: Sequence[Article] = (), removed: Sequence[str] = ()
) -> dict[str, Any]:
    return {
        "generation": report.generation,
        "added": [brief(a) for a in added],
        "removed": list(removed),
        "articles": report.articles,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "seconds": round(report.seconds, 3),
    }


def source_line(c: Mapping[str, Any]) -> str:
    """[n] 《title》（date）"""
    title = c.get("title") or c.get("source") or ""
    date = f"（{c['date']}）" if c.get("date") else ""
    return f"[{c.get('n', '?')}] 《{title}》{date}"


def with_sources(text: str, citations: list[dict[str, Any]]) -> str:
    text = text.strip()
    if not citations:
        return text
    return text + "\n\n来源：\n" + "\n".join(source_line(c) for c in citations)


def renumber(text: str, evidence: list[dict[str, Any]], offset: int) -> tuple[str, list[dict[str, Any]]]:
    """Shift [n] markers and citation numbers by `offset`, so several results share one 来源 list."""
    numbered = [{**c, "n": int(c.get("n", i + 1))} for i, c in enumerate(evidence)]
    mapping = {c["n"]: c["n"] + offset for c in numbered}
    text = re.sub(r"\[(\d+)\]", lambda m: f"[{mapping.get(int(m[1]), int(m[1]))}]", text)
    return text, [{**c, "n": mapping[c["n"]]} for c in numbered]


def is_draft(text: str) -> bool:
    return len(text) > MAX_TEXT_CHARS or sum(1 for _ in split_sentences(text)) > 1


# ---- chat (OpenAI-compatible) ------------------------------------------------------------------
@dataclass(frozen=True)
class ChatReply:
    content: str
    citations: list[dict[str, Any]]
    generation: int


class ChatService:
    """Turns an OpenAI chat request into an ask or a fact-check, and the result into message text."""

    def __init__(self, service: RagService, model_name: str) -> None:
        self.service = service
        self.model_name = model_name
        self.factcheck_name = f"{model_name}-factcheck"

    def reply(self, req: ChatRequest) -> ChatReply:
        if req.model not in (self.model_name, self.factcheck_name):
            raise ApiError(
                404,
                "model_not_found",
                f"model '{req.model}' does not exist; GET /v1/models lists them",
                "model",
            )
        users = [m.text() for m in req.messages if m.role == "user"]
        users = [u for u in users if not is_blank(u)]
        if not users:
            raise ApiError(422, "invalid_request", "messages: no user message with visible text", "messages")
        question = users[-1].strip()
        if req.model == self.factcheck_name:
            return self._check(question)
        if len(question) > MAX_TEXT_CHARS:
            raise ApiError(
                422,
                "invalid_request",
                f"messages: the question is over {MAX_TEXT_CHARS} characters",
                "messages",
            )
        history = [u.strip()[-MAX_TEXT_CHARS:] for u in users[:-1]][-MAX_HISTORY:]
        answer, gen = self.service.ask(question, req.top_k, None, history)
        data = answer.to_dict()
        return ChatReply(with_sources(data["answer"], data["citations"]), data["citations"], gen)

    def _check(self, text: str) -> ChatReply:
        if len(text) > MAX_DRAFT_CHARS:
            raise ApiError(
                422,
                "invalid_request",
                f"messages: the draft is over {MAX_DRAFT_CHARS} characters",
                "messages",
            )
        if not is_draft(text):
            result, gen = self.service.check(text)
            d = result.to_dict()
            body = f"核查结论：{VERDICT_ZH.get(d['verdict'], d['verdict'])}\n\n{d['explanation']}"
            return ChatReply(with_sources(body, d["evidence"]), d["evidence"], gen)
        results, gen = self.service.check_text(text)
        lines: list[str] = []
        citations: list[dict[str, Any]] = []
        for i, r in enumerate(results, 1):
            d = r.to_dict()
            explanation, evidence = renumber(d["explanation"], d["evidence"], len(citations))
            claim = f"「{d['claim']}」" if d.get("claim") else ""
            lines.append(f"{i}. {claim}{VERDICT_ZH.get(d['verdict'], d['verdict'])}：{explanation}")
            citations.extend(evidence)
        body = "\n".join(lines) if lines else "稿件中没有找到可核查的数字或事实陈述。"
        return ChatReply(with_sources(body, citations), citations, gen)


def _usage(req: ChatRequest, content: str) -> dict[str, int]:
    prompt = sum(len(m.text()) for m in req.messages)
    return {"prompt_tokens": prompt, "completion_tokens": len(content), "total_tokens": prompt + len(content)}


def completion(req: ChatRequest, reply: ChatReply) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": req.model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": reply.content}, "finish_reason": "stop"}
        ],
        "usage": _usage(req, reply.content),
        "citations": reply.citations,
        "generation": reply.generation,
    }


def pieces(text: str) -> list[str]:
    """The content cut after sentence ends and line breaks, for streaming."""
    return [p for p in re.findall(r"[^。！？；\n]*[。！？；\n]*", text) if p]


def sse_events(req: ChatRequest, reply: ChatReply) -> Iterator[str]:
    """chat.completion.chunk events: role, content pieces, then finish_reason with citations; [DONE]."""
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": req.model,
    }

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        chunk = {
            **base,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    for piece in pieces(reply.content):
        yield event({"content": piece})
    extra: dict[str, Any] = {"citations": reply.citations, "generation": reply.generation}
    if req.stream_options is not None and req.stream_options.include_usage:
        extra["usage"] = _usage(req, reply.content)
    yield event({}, "stop", **extra)
    yield "data: [DONE]\n\n"


# ---- routes ------------------------------------------------------------------------------------
router = APIRouter()


@router.get("/healthz", tags=["health"])
def healthz(state: State) -> HealthResponse:
    """Liveness; says which index generation is served once it is loaded (never needs a key)."""
    if not state.service.ready:
        return HealthResponse(status="ok", ready=False, index=None, detail=state.load_error or "loading")
    try:
        return HealthResponse(status="ok", ready=True, index=IndexInfo(**state.service.health()))
    except RagError as exc:
        return HealthResponse(status="ok", ready=False, index=None, detail=str(exc))


@router.get("/readyz", tags=["health"], responses=_errors(503))
def readyz(state: State) -> ReadyResponse:
    """503 until the index is loaded (one built after start-up is picked up here)."""
    svc = state.service
    if not svc.ready and state.loaded.is_set() and svc.backend.current_generation() is not None:
        svc.snapshot()
    if not (svc.ready and state.loaded.is_set()):
        raise ApiError(503, "not_ready", state.load_error or "the index is still loading")
    return ReadyResponse(status="ready", index=IndexInfo(**state.service.health()))


@router.post("/v1/ask", tags=["query"], responses=_errors(*COMMON, 503))
def ask(req: Annotated[AskRequest, Body(openapi_examples=ASK_EXAMPLES)], s: Svc) -> AskResponse:
    """Answer a question from the corpus, in Chinese, with [n] citations."""
    filters = req.filters.to_filters() if req.filters else None
    answer, gen = s.ask(req.question, req.top_k, filters, req.history or None)
    return AskResponse(**answer.to_dict(), generation=gen)


@router.post("/v1/search", tags=["query"], responses=_errors(*COMMON, 503))
def search(req: Annotated[SearchRequest, Body(openapi_examples=SEARCH_EXAMPLES)], s: Svc) -> SearchResponse:
    """The passages retrieval finds for a query (hybrid, dense or BM25)."""
    filters = req.filters.to_filters() if req.filters else None
    hits, gen = s.search(req.query, req.top_k, req.mode, filters)
    return SearchResponse(generation=gen, hits=[HitOut(**h.to_dict()) for h in hits])


@router.post("/v1/check", tags=["query"], responses=_errors(*COMMON, 503))
def check(
    req: Annotated[CheckRequest, Body(openapi_examples=CHECK_EXAMPLES)], s: Svc
) -> ClaimCheckResponse | DraftCheckResponse:
    """Check a claim (or each claim of a draft) against the corpus: supported, refuted or not enough info."""
    if req.claim is not None:
        result, gen = s.check(req.claim)
        return ClaimCheckResponse(**result.to_dict(), generation=gen)
    assert req.text is not None
    results, gen = s.check_text(req.text)
    return DraftCheckResponse(generation=gen, results=[CheckResultOut(**r.to_dict()) for r in results])


@router.get("/v1/documents", tags=["documents"], responses=_errors(401, 429, 503))
def list_documents(s: Svc) -> DocumentList:
    """Every article in the index: id, title, date, source and chunk count."""
    docs, gen = s.documents()
    return DocumentList(generation=gen, documents=[DocumentOut(**d) for d in docs])


@router.get("/v1/documents/{article_id:path}", tags=["documents"], responses=_errors(401, 404, 429, 503))
def get_document(article_id: Annotated[str, Field(max_length=300), *Clean], s: Svc) -> ArticleOut:
    """One article's full text and metadata (plain text, as stored)."""
    snap = s.snapshot()
    art = snap.index.articles.get(article_id)
    if art is None:
        raise NotFoundError(f"no article with id '{article_id}'; GET /v1/documents lists the ids")
    data = art.to_dict()
    return ArticleOut(
        generation=snap.generation, **{k: data[k] for k in ArticleOut.model_fields if k in data}
    )


DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": ArticleIn.model_json_schema(),
                "examples": {"article": {"summary": "添加一篇文章", "value": ARTICLE_EXAMPLE}},
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": f"UTF-8 文本文件：{'、'.join(SUPPORTED_SUFFIXES)}",
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
    tags=["documents"],
    openapi_extra=DOCUMENT_BODY,
    responses=_errors(*COMMON, 409),
)
async def add_document(request: Request, state: State) -> WriteResponse:
    """Add or replace articles: a JSON article, or an uploaded .txt/.md/.jsonl/.html file (multipart,
    field `file`; a re-upload of the same file name replaces what it gave). Applied atomically."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        raw, filename = await read_upload(request, state.settings.max_upload_bytes)
        return WriteResponse(**await run_in_threadpool(write_upload, state, raw, filename))
    article = parse_article(await request.body())
    return WriteResponse(**await run_in_threadpool(write_articles, state, [article]))


def parse_article(body: bytes) -> Article:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "the body is not valid UTF-8 JSON") from exc
    try:
        record = ArticleIn.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_input=False)) from None
    return article_from_record(record.model_dump(exclude_none=True), "article", "api")


async def read_upload(request: Request, max_bytes: int) -> tuple[str, str]:
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiError(
            422, "invalid_request", "file: send the document as the multipart field 'file'", "file"
        )
    name = Path(strip_controls(upload.filename or "")).name.strip()
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"file: the name must end in one of {', '.join(SUPPORTED_SUFFIXES)}",
        )
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ApiError(413, "body_too_large", f"file: over {max_bytes} bytes")
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_utf8", f"file: not UTF-8 text (byte {exc.start})") from None


def write_articles(state: ApiState, articles: list[Article]) -> dict[str, Any]:
    with state.writing() as wait:
        report = state.service.add_articles(articles, lock_timeout=wait)
    return write_result(report, added=articles)


def write_upload(state: ApiState, raw: str, filename: str) -> dict[str, Any]:
    with state.writing() as wait:
        articles, report = state.service.add_document(raw, filename, lock_timeout=wait)
    return write_result(report, added=articles)


@router.delete("/v1/documents/{article_id:path}", tags=["documents"], responses=_errors(401, 404, 409, 429))
def delete_document(article_id: Annotated[str, Field(max_length=300), *Clean], state: State) -> WriteResponse:
    """Remove one article; the new generation no longer has it."""
    with state.writing() as wait:
        report = state.service.remove([article_id], lock_timeout=wait)
    return WriteResponse(**write_result(report, removed=[article_id]))


@router.post(
    "/v1/chat/completions",
    response_model=ChatCompletion,
    tags=["openai"],
    responses={
        200: {
            "content": {"text/event-stream": {"itemSchema": SSE_EVENT}},
            "description": "JSON 或 SSE 流",
        },
        **_errors(*COMMON, 404, 503, openai=True),
    },
)
def chat_completions(
    req: Annotated[ChatRequest, Body(openapi_examples=CHAT_EXAMPLES)], s: Svc, state: State
) -> ChatCompletion | StreamingResponse:
    """OpenAI-compatible chat: the last user message is the question (or, with the `-factcheck`
    model, the claim or draft to check); the answer carries [n] markers, a 来源 list and `citations`."""
    reply = ChatService(s, state.settings.model_name).reply(req)
    if req.stream:
        return StreamingResponse(
            sse_events(req, reply),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return ChatCompletion(**completion(req, reply))


@router.get("/v1/models", tags=["openai"], responses=_errors(401, 429, openai=True))
def list_models(state: State) -> ModelList:
    """The model names /v1/chat/completions answers to."""
    name = state.settings.model_name
    created = int(time.time())
    cards = [
        ModelCard(id=n, object="model", created=created, owned_by="rag-news-zh")
        for n in (name, f"{name}-factcheck")
    ]
    return ModelList(object="list", data=cards)


# ---- exception handlers ------------------------------------------------------------------------
def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc if p != "body")


async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(request.url.path, 400, "invalid_json", "the body is not valid JSON")
    first = errors[0] if errors else {}
    where = _loc(first.get("loc", ()))
    message = (
        f"{where}: {first.get('msg', 'invalid value')}" if where else str(first.get("msg", "invalid request"))
    )
    return error_response(request.url.path, 422, "invalid_request", message, param=where or None)


async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(request.url.path, exc.status, exc.code, exc.message, exc.param)


async def on_rag_error(request: Request, exc: RagError) -> JSONResponse:
    status = next((s for t, s in RAG_STATUS.items() if isinstance(exc, t)), 400)
    return error_response(request.url.path, status, exc.code, str(exc))


def _methods(routes: Sequence[Any], scope: Scope) -> set[str]:
    found: set[str] = set()
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        methods = getattr(route, "methods", None)
        # a mounted router, or FastAPI's wrapper around an included one
        nested = getattr(route, "routes", None) or getattr(
            getattr(route, "original_router", None), "routes", None
        )
        if methods:
            found |= set(methods)
        elif nested is not None:
            found |= _methods(nested, {**scope, **child})
    return found


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    return ", ".join(sorted(_methods(request.app.router.routes, {**request.scope, "method": "\x00"})))


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
    if exc.status_code == 405:
        exc.headers = {**(exc.headers or {}), "Allow": allowed_methods(request)}
    message = (
        str(exc.detail)
        if exc.status_code != 400
        else "the body could not be parsed (invalid JSON, UTF-8 or form)"
    )
    return error_response(
        request.url.path,
        exc.status_code,
        codes.get(exc.status_code, "http_error"),
        message,
        headers=exc.headers,
    )


async def on_bug(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s", request.url.path, exc_info=exc)
    return error_response(
        request.url.path, 500, "internal_error", "internal error; the server log has the details"
    )


# ---- factory -----------------------------------------------------------------------------------
def create_app(
    settings: Settings | None = None, service: RagService | None = None, write_wait: float = WRITE_WAIT_S
) -> FastAPI:
    """The API (and, with `settings.ui`, the Gradio UI at /) over one index folder."""
    settings = settings or Settings()
    svc = service or RagService(settings.index_dir, settings.encoder, backend=settings.backend)
    app = FastAPI(
        title="中文新闻问答 API",
        version="0.1.0",
        description="基于中文新闻语料的检索增强问答与数字事实核查；兼容 OpenAI 的 /v1/chat/completions。",
        strict_content_type=False,
    )
    state = ApiState(settings, svc, write_wait=write_wait)
    app.state.rag = state
    app.state.service = svc
    app.state.settings = settings
    app.include_router(router)
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(RagError, on_rag_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_bug)
    limiter = RateLimiter(settings.rate_limit_per_minute) if settings.rate_limit_per_minute > 0 else None
    app.add_middleware(GuardMiddleware, settings=settings, limiter=limiter)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=False,  # bearer keys, no cookies: never `*` with credentials
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
        )
    if settings.ui:
        mount_ui(app, svc)
    state.start_loading()
    return app


def mount_ui(app: FastAPI, service: RagService) -> None:
    """Mount the Gradio UI at / after every API route; skipped when ui/app.py is not there."""
    try:
        from ui.app import build_ui  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError as exc:
        if exc.name in ("ui", "ui.app"):
            return  # the UI is not installed here
        raise
    import gradio as gr

    gr.mount_gradio_app(app, build_ui(service), path="/")
