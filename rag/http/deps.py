"""What the routes share (settings, service, guard, start-up loading) and their dependencies."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from ..errors import RagError
from ..service import RagService
from ..settings import Settings
from .errors import ApiError
from .guard import Guard

log = logging.getLogger(__name__)

LOAD_WAIT_S = 60.0  # a query arriving during start-up waits this long for the index
WARM_UP_QUESTION = "青岛港2023年集装箱吞吐量是多少？"
WARM_UP_CLAIM = "2023年青岛港集装箱吞吐量为3000万标准箱。"


@dataclass
class ApiState:
    settings: Settings
    service: RagService
    guard: Guard
    loaded: threading.Event = field(default_factory=threading.Event)
    load_error: str = ""

    def start_loading(self) -> None:
        if self.service.ready or self.service.backend.current_generation() is None:
            if not self.service.ready:
                self.load_error = f"no index in {self.service.index_dir} yet; build one or POST /v1/documents"
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
