"""/v1/ask, /v1/search and /v1/check: read-only queries over one index generation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from ...service import RagService
from ..deps import Svc
from ..errors import COMMON, documented
from ..examples import ASK_EXAMPLES, CHECK_EXAMPLES, SEARCH_EXAMPLES
from ..schemas import (
    AskRequest,
    AskResponse,
    CheckRequest,
    CheckResultOut,
    ClaimCheckResponse,
    DraftCheckResponse,
    HitOut,
    SearchRequest,
    SearchResponse,
)

router = APIRouter(tags=["query"], responses=documented(*COMMON, 503))


def dated(s: RagService, passages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each cited passage with `date_label`: its date as shown, marked when inferred from the text."""
    return [{**p, "date_label": s.date_shown(str(p.get("article_id", "")), str(p.get("date", "")))} for p in passages]


@router.post("/v1/ask")
def ask(req: Annotated[AskRequest, Body(openapi_examples=ASK_EXAMPLES)], s: Svc) -> AskResponse:
    """Answer a question from the corpus, in Chinese, with [n] citations."""
    filters = req.filters.to_filters() if req.filters else None
    answer, gen = s.ask(req.question, req.top_k, filters, req.history or None)
    data = answer.to_dict()
    return AskResponse(**{**data, "citations": dated(s, data["citations"])}, generation=gen)


@router.post("/v1/search")
def search(req: Annotated[SearchRequest, Body(openapi_examples=SEARCH_EXAMPLES)], s: Svc) -> SearchResponse:
    """The passages retrieval finds for a query (hybrid, dense or BM25)."""
    filters = req.filters.to_filters() if req.filters else None
    hits, gen = s.search(req.query, req.top_k, req.mode, filters)
    return SearchResponse(generation=gen, hits=[HitOut(**h) for h in dated(s, [h.to_dict() for h in hits])])


@router.post("/v1/check")
def check(
    req: Annotated[CheckRequest, Body(openapi_examples=CHECK_EXAMPLES)], s: Svc
) -> ClaimCheckResponse | DraftCheckResponse:
    """Check a claim (or each claim of a draft) against the corpus: supported, refuted or not enough info."""
    if req.claim is not None:
        result, gen = s.check(req.claim)
        return ClaimCheckResponse(**with_dates(s, result.to_dict()), generation=gen)
    assert req.text is not None
    results, gen = s.check_text(req.text)
    return DraftCheckResponse(generation=gen, results=[CheckResultOut(**with_dates(s, r.to_dict())) for r in results])


def with_dates(s: RagService, result: dict[str, Any]) -> dict[str, Any]:
    return {**result, "evidence": dated(s, result["evidence"])}
