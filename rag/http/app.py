"""The app factory: /healthz, /readyz, the /v1 endpoints, the OpenAI-compatible chat, /mcp and
offline /docs over one index folder.

Layers, outermost first: CORS (only when `cors_origins` is set) → `GuardMiddleware` (API key, rate
limit, content type, body size) → the routes, which are thin. The UI is not part of this package:
the CLI mounts it on the app (`ui.mount(app, service, guard)`) with `app.state.guard`, so UI writes
pass the same key and limits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.routing import Route

from ..service import RagService
from ..settings import Settings
from . import docs, errors, mcp
from .deps import ApiState
from .guard import MCP_PATH, Guard, GuardMiddleware
from .routes import documents, health, jobs, openai, query


def create_app(settings: Settings | None = None, service: RagService | None = None) -> FastAPI:
    """The API over `settings.index_dir` (or `service`); start-up loading begins at once."""
    settings = settings or Settings()
    svc = service or RagService(
        settings.index_dir, settings.encoder, max_queued=settings.limits().queued_jobs, backend=settings.backend
    )
    guard = Guard(settings)
    endpoint = mcp.McpEndpoint(mcp.build_server(svc), settings) if settings.mcp else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if endpoint is not None:
                await stack.enter_async_context(endpoint.running())
            yield

    app = FastAPI(
        title="中文新闻问答 API",
        version="0.2.0",
        description="基于中文新闻语料的检索增强问答与数字事实核查；兼容 OpenAI 的 /v1/chat/completions；MCP 在 /mcp。",
        strict_content_type=False,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    state = ApiState(settings, svc, guard)
    app.state.rag = state
    app.state.service = svc
    app.state.settings = settings
    app.state.guard = guard
    for module in (health, query, documents, jobs, openai):
        app.include_router(module.router)
    if endpoint is not None:
        app.router.routes.append(Route(MCP_PATH, endpoint, methods=["GET", "POST", "DELETE"]))
    docs.install(app)
    errors.install(app)  # last: its catch-all answers /v1 paths no route above serves
    app.add_middleware(GuardMiddleware, guard=guard)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=False,  # bearer keys, no cookies: never `*` with credentials
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Mcp-Session-Id", "Mcp-Protocol-Version"],
        )
    state.start_loading()
    return app
