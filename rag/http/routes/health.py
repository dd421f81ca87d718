"""/healthz (liveness, never needs a key) and /readyz (503 until the index is loaded)."""

from __future__ import annotations

from fastapi import APIRouter

from ...errors import RagError
from ..deps import State
from ..errors import ApiError, documented
from ..schemas import HealthResponse, IndexInfo, ReadyResponse

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(state: State) -> HealthResponse:
    """Liveness; says which index generation is served once it is loaded (never needs a key)."""
    if not state.service.ready:
        return HealthResponse(status="ok", ready=False, index=None, detail=state.load_error or "loading")
    try:
        return HealthResponse(status="ok", ready=True, index=IndexInfo(**state.service.health()))
    except RagError as exc:
        return HealthResponse(status="ok", ready=False, index=None, detail=str(exc))


@router.get("/readyz", responses=documented(503))
def readyz(state: State) -> ReadyResponse:
    """503 until the index is loaded (one built after start-up is picked up here)."""
    svc = state.service
    if not svc.ready and state.loaded.is_set() and svc.backend.current_generation() is not None:
        svc.snapshot()
    if not (svc.ready and state.loaded.is_set()):
        raise ApiError(503, "not_ready", state.load_error or "the index is still loading")
    return ReadyResponse(status="ready", index=IndexInfo(**state.service.health()))
