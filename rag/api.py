"""FastAPI app factory: /healthz, /readyz and the /v1 endpoints; the Gradio UI is mounted at /."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from .errors import IndexBusyError, IndexMissingError, NotFoundError, RagError
from .retrieve import Filters
from .service import RagService
from .settings import Settings


class FilterModel(BaseModel):
    sources: list[str] = Field(default_factory=list, max_length=50)
    date_from: str = Field(default="", max_length=10)
    date_to: str = Field(default="", max_length=10)

    def to_filters(self) -> Filters:
        return Filters(tuple(self.sources), self.date_from, self.date_to)


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    top_k: int = Field(default=5, ge=1, le=50)
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    filters: FilterModel | None = None


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    top_k: int = Field(default=8, ge=1, le=50)
    filters: FilterModel | None = None


class CheckRequest(BaseModel):
    claim: str | None = Field(default=None, max_length=2000)
    text: str | None = Field(default=None, max_length=100_000)


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_app(settings: Settings | None = None, service: RagService | None = None) -> FastAPI:
    settings = settings or Settings()
    svc = service or RagService(settings.index_dir, settings.encoder)
    app = FastAPI(title="中文新闻问答 API", version="0.1.0")
    app.state.service = svc
    app.state.settings = settings

    def load_in_background() -> None:
        try:
            svc.load()
        except RagError:
            pass  # /readyz keeps answering 503 with the reason

    threading.Thread(target=load_in_background, daemon=True).start()

    def get_service() -> RagService:
        return svc

    Svc = Annotated[RagService, Depends(get_service)]

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error(422, "invalid_request", f"{where}: {first.get('msg', 'invalid value')}")

    @app.exception_handler(RagError)
    async def on_rag_error(_: Request, exc: RagError) -> JSONResponse:
        status = {IndexMissingError: 503, NotFoundError: 404, IndexBusyError: 409}.get(type(exc), 400)
        return error(status, exc.code, str(exc))

    @app.get("/healthz")
    def healthz(s: Svc) -> dict[str, Any]:
        try:
            return {"status": "ok", "index": s.health()}
        except RagError as exc:
            return {"status": "ok", "index": None, "detail": str(exc)}

    @app.get("/readyz")
    def readyz(s: Svc) -> JSONResponse:
        if not s.ready:
            return error(503, "not_ready", "the index is still loading or missing")
        return JSONResponse({"status": "ready", "index": s.health()})

    @app.post("/v1/search")
    def search(req: SearchRequest, s: Svc) -> dict[str, Any]:
        filters = req.filters.to_filters() if req.filters else None
        hits, gen = s.search(req.query, req.top_k, req.mode, filters)
        return {
            "generation": gen,
            "hits": [
                {
                    "source": h.chunk.source,
                    "article_id": h.chunk.article_id,
                    "chunk_id": h.chunk.id,
                    "title": h.chunk.title,
                    "date": h.chunk.date,
                    "text": h.chunk.text,
                    "start": h.chunk.start,
                    "end": h.chunk.end,
                    "score": h.score,
                }
                for h in hits
            ],
        }

    @app.post("/v1/ask")
    def ask(req: AskRequest, s: Svc) -> dict[str, Any]:
        filters = req.filters.to_filters() if req.filters else None
        answer, gen = s.ask(req.question, req.top_k, filters)
        return {**answer.to_dict(), "generation": gen}

    @app.post("/v1/check")
    def check(req: CheckRequest, s: Svc) -> Any:
        if req.claim:
            result, gen = s.check(req.claim)
            return {**result.to_dict(), "generation": gen}
        if req.text:
            results, gen = s.check_text(req.text)
            return {"results": [r.to_dict() for r in results], "generation": gen}
        return error(422, "invalid_request", "give 'claim' (one sentence) or 'text' (a draft)")

    return app
