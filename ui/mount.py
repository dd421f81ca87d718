"""`mount(app, service, guard)`: the UI at "/" of the API's app, behind the same key and limits.

The CLI composes the two front ends (rag never imports ui). With `RAG_API_KEY` set, Gradio's own
login stands before every Gradio route (page config, queue, upload, files): without the key a
browser gets the login form and nothing of the corpus. Login attempts are rate-limited per address
by the guard's failed-attempt bucket, so guessing cannot use up the budget of a client holding the
key; UI writes pass `guard.admit` like API calls (see handlers.py).
"""

from __future__ import annotations

import math

import gradio as gr
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from rag.http.errors import error_response
from rag.http.guard import Guard
from rag.service import RagService

from .app import build_ui
from .handlers import UiHandlers
from .theme import stylesheet, ui_theme

MOUNT_PATH = "/"
LOGIN_PATHS = ("/login", "/login/")
AUTH_MESSAGE = (
    "<p>本资料库需要访问密钥。「用户名」填写您的姓名（必填，仅用于显示），"
    "「密码」填写管理员提供的访问密钥（RAG_API_KEY）。</p>"
)


class LoginThrottle:
    """Rate-limits POST /login per client address through the guard; a pure ASGI middleware."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in LOGIN_PATHS:
            client = scope.get("client")
            wait = self.guard.admit(client[0] if client else "unknown", False)
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                message = f"登录尝试过于频繁，请 {seconds} 秒后再试。"
                response = error_response(
                    scope["path"], 429, "rate_limited", message, headers={"Retry-After": str(seconds)}
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def mount(app: FastAPI, service: RagService, guard: Guard) -> None:
    """Mount the UI at "/"; call it after every API route is added (later routes would be shadowed)."""
    limits = guard.limits
    demo = build_ui(UiHandlers(service, limits, guard))
    login = guard.key_required
    if login:
        app.add_middleware(LoginThrottle, guard=guard)
    gr.mount_gradio_app(
        app,
        demo,
        path=MOUNT_PATH,
        auth=(lambda _user, key: guard.check_key(key)) if login else None,
        auth_message=AUTH_MESSAGE if login else None,
        max_file_size=limits.upload_bytes,
        theme=ui_theme(),
        css=stylesheet(),
        footer_links=[],
        ssr_mode=False,
    )
