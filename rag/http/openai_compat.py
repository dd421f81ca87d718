"""The OpenAI-compatible chat: a chat request becomes an ask or a fact-check, the result message text
with [n] markers, a 来源 list and structured `citations`; streamed as chat.completion.chunk events."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..check import VERDICT_ZH
from ..service import RagService
from ..textzh import is_blank, split_sentences
from .errors import ApiError
from .schemas import MAX_DRAFT_CHARS, MAX_HISTORY, MAX_TEXT_CHARS, ChatRequest


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
