"""/v1/chat/completions and /v1/models: the OpenAI-compatible face of ask and check."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import StreamingResponse

from ..deps import State, Svc
from ..errors import COMMON, documented
from ..examples import CHAT_EXAMPLES
from ..openai_compat import ChatService, completion, sse_events
from ..schemas import ChatCompletion, ChatRequest, ModelCard, ModelList

router = APIRouter(tags=["openai"])

SSE_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {"type": "string", "description": "一个 chat.completion.chunk（JSON），最后是 [DONE]"},
        "event": {"type": "string"},
    },
}


@router.post(
    "/v1/chat/completions",
    response_model=ChatCompletion,
    responses={
        200: {"content": {"text/event-stream": {"itemSchema": SSE_EVENT}}, "description": "JSON 或 SSE 流"},
        **documented(*COMMON, 404, 503, openai=True),
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


@router.get("/v1/models", responses=documented(401, 429, openai=True))
def list_models(state: State) -> ModelList:
    """The model names /v1/chat/completions answers to."""
    name = state.settings.model_name
    created = int(time.time())
    cards = [
        ModelCard(id=n, object="model", created=created, owned_by="rag-news-zh")
        for n in (name, f"{name}-factcheck")
    ]
    return ModelList(object="list", data=cards)
