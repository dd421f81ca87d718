"""One error contract: `{"error": {"code", "message"}}` on our endpoints, OpenAI's `{"error":
{"message", "type", "param", "code"}}` on /v1/chat/completions and /v1/models; the same with the UI
mounted or not. Transient refusals (busy, rate limited, not ready) carry Retry-After."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from ..errors import (
    ConflictError,
    EncoderError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    IngestError,
    NotFoundError,
    QueueFullError,
    RagError,
    WriteFailedError,
)

log = logging.getLogger(__name__)

OPENAI_PATHS = ("/v1/chat/completions", "/v1/models")
RETRY_AFTER_S = {409: 5, 429: 1, 503: 5}  # seconds a client should wait after a transient refusal

RAG_STATUS: dict[type[RagError], int] = {
    IndexMissingError: 503,
    IndexMismatchError: 503,
    EncoderError: 503,
    QueueFullError: 503,
    NotFoundError: 404,
    ConflictError: 409,
    IndexBusyError: 409,
    IngestError: 422,
    WriteFailedError: 500,
}


class ApiError(Exception):
    """An error a route raises on purpose; rendered in the endpoint's error shape."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.param = status, code, message, param


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
    return "server_error" if status >= 500 or status == 409 else "invalid_request_error"


def error_response(
    path: str,
    status: int,
    code: str,
    message: str,
    param: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """The error in the shape of the endpoint at `path`; `extra` adds fields (e.g. `existing`)."""
    if is_openai_path(path):
        body: dict[str, Any] = {
            "error": {"message": message, "type": _openai_type(status), "param": param, "code": code}
        }
    else:
        body = {"error": {"code": code, "message": message, **(extra or {})}}
    headers = dict(headers or {})
    if status in RETRY_AFTER_S and code != "conflict":  # a conflict does not go away by waiting
        headers.setdefault("Retry-After", str(RETRY_AFTER_S[status]))
    return SafeJSONResponse(body, status_code=status, headers=headers)


class ErrorDetail(BaseModel):
    code: str
    message: str
    existing: list[str] | None = None  # on a 409 conflict: the article ids that already exist


class ErrorResponse(BaseModel):
    error: ErrorDetail


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIErrorResponse(BaseModel):
    error: OpenAIErrorDetail


_STATUS_TEXT = {
    400: "请求体不是合法的 JSON / UTF-8",
    401: "缺少或错误的 API key",
    404: "不存在",
    409: "冲突：文件名或文章 id 已存在（replace=true 可替换）",
    413: "请求体过大",
    415: "不支持的 Content-Type",
    422: "参数不合法",
    429: "请求过于频繁（见 Retry-After）",
    503: "索引尚未加载或写入队列已满（见 Retry-After）",
}


def documented(*statuses: int, openai: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses."""
    model = OpenAIErrorResponse if openai else ErrorResponse
    return {s: {"model": model, "description": _STATUS_TEXT[s]} for s in statuses}


COMMON = (400, 401, 413, 415, 422, 429)


# ---- handlers ----------------------------------------------------------------------------------
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
    extra = {"existing": exc.existing} if isinstance(exc, ConflictError) else None
    return error_response(request.url.path, status, exc.code, str(exc), extra=extra)


def _methods(routes: Sequence[Any], scope: Scope) -> set[str]:
    found: set[str] = set()
    for route in routes:
        if getattr(route, "name", "") == UNMATCHED:
            continue
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


UNMATCHED = "unmatched-api-path"
API_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def unmatched(request: Request) -> JSONResponse:
    """Any /v1 path or method no route serves: 405 with Allow when the path exists, else 404 —
    answered here so that a UI mounted at / never answers an API path in its own shape."""
    allow = allowed_methods(request)
    if allow:
        raise StarletteHTTPException(405, f"{request.method} is not allowed on {request.url.path}; use {allow}")
    raise StarletteHTTPException(404, f"no endpoint {request.url.path}; /docs lists them")


def install(app: FastAPI) -> None:
    """The handlers, and the catch-all for unknown /v1 paths (add it after every API route)."""
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(RagError, on_rag_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_bug)
    for path in ("/v1", "/v1/{rest:path}"):
        app.add_api_route(
            path, unmatched, methods=API_METHODS, include_in_schema=False, name=UNMATCHED
        )
