"""Who may call, how often, and with what: the API key, rate limits, content types and body sizes.

`Guard` is the policy (one per app, shared with the UI so its writes pass the same checks);
`GuardMiddleware` applies it to /v1 and /mcp as a pure ASGI middleware, so chunked bodies are
counted as they stream.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections.abc import Mapping

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import Limits, Settings
from .errors import error_response

UPLOAD_OVERHEAD = 64 * 1024  # multipart framing around an uploaded file
MCP_PATH = "/mcp"
GUARDED = ("/v1", MCP_PATH)
JSON_ONLY_PATHS = ("/v1/ask", "/v1/search", "/v1/check", "/v1/chat/completions")


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


class Guard:
    """The access policy of one app: the API key and the per-client rate limits."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limits: Limits = settings.limits()
        per_minute = self.limits.rate_per_minute
        self._limiter = RateLimiter(per_minute) if per_minute > 0 else None
        self._failures = RateLimiter(self.limits.failed_auth_per_minute)

    @property
    def key_required(self) -> bool:
        return bool(self.settings.api_key)

    def check_key(self, presented: str | None) -> bool:
        """True when no key is configured, or `presented` is the key (constant-time compare)."""
        key = self.settings.api_key
        if not key:
            return True
        given = (presented or "").encode("utf-8", "replace")
        return hmac.compare_digest(given, key.encode("utf-8"))

    def admit(self, client: str, authenticated: bool) -> float | None:
        """None when `client` may go on, else the seconds it should wait (Retry-After).

        Failed attempts draw on their own bucket (`failed_auth_per_minute`), so someone guessing
        keys from the same address cannot exhaust the budget of the client that holds the key."""
        limiter = self._limiter if authenticated else self._failures
        if limiter is None:
            return None
        wait = limiter.wait_time(client)
        return wait if wait > 0 else None


class GuardMiddleware:
    """API key and rate limit for /v1 and /mcp; content type and body size for /v1.

    The body is read here, counted as it streams (chunked bodies too), and replayed to the app; once
    it passes the limit the rest is drained (up to a cap) and 413 answered without buffering it.
    """

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard
        self.settings = guard.settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not any(path == p or path.startswith(p + "/") for p in GUARDED):
            await self.app(scope, receive, send)
            return
        problem = self._admit(scope)
        if problem is None and not path.startswith("/v1"):
            await self.app(scope, receive, send)  # the MCP transport checks its own bodies
            return
        problem = problem or self._check_headers(scope)
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
            return self.guard.limits.upload_bytes + UPLOAD_OVERHEAD
        return self.guard.limits.body_bytes

    def _admit(self, scope: Scope) -> JSONResponse | None:
        """Key first, then the rate limit: a wrong key is counted in its own bucket, so it never
        uses up the budget of a client that sends the right one."""
        client = scope.get("client")
        address = client[0] if client else "unknown"
        given = Headers(scope=scope).get("authorization", "")
        token = given[7:].strip() if given[:7].lower() == "bearer " else None
        authenticated = self.guard.check_key(token)
        wait = self.guard.admit(address, authenticated)
        if wait is not None:
            retry = {"Retry-After": str(max(1, math.ceil(wait)))}
            return self._reject(scope, 429, "rate_limited", "too many requests; slow down", retry)
        if not authenticated:
            message = "missing or wrong API key; send 'Authorization: Bearer <key>'"
            return self._reject(scope, 401, "invalid_api_key", message, {"WWW-Authenticate": "Bearer"})
        return None

    def _check_headers(self, scope: Scope) -> JSONResponse | None:
        headers = Headers(scope=scope)
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
