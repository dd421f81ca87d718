"""The MCP server: tools `search`, `ask`, `check_claim` and `check_draft` over the service, whose
results carry their citations (title, date, quote, offsets) as structured content.

The same server runs over streamable HTTP at /mcp inside the API app (behind the same key and rate
limit) and over stdio for `rag mcp`. Built on the official SDK (`mcp.server.mcpserver.MCPServer`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.types import Receive, Scope, Send

from ..service import RagService
from ..settings import DEFAULT_LIMITS, LOOPBACK_HOSTS, Settings
from .guard import MCP_PATH

Text = Annotated[str, Field(min_length=1, max_length=DEFAULT_LIMITS.text_chars)]
Draft = Annotated[str, Field(min_length=1, max_length=DEFAULT_LIMITS.draft_chars)]
TopK = Annotated[int, Field(ge=1, le=50)]


class Citation(BaseModel):
    """A passage an answer or a verdict relies on; `quote` is the sentence, `start`/`end` its
    offsets in the page (`source`) it was printed on."""

    model_config = ConfigDict(extra="ignore")

    n: int = 0
    title: str
    date: str
    date_label: str = Field(default="", description="显示用日期；推断的日期标为“约…，据正文推断”")
    source: str
    article_id: str
    quote: str
    start: int
    end: int


class SearchResult(BaseModel):
    generation: int
    hits: list[Citation]


class AskResult(BaseModel):
    answer: str = Field(description="中文回答，[n] 指向 citations")
    short_answer: str | None
    found: bool
    citations: list[Citation]
    generation: int


class ClaimResult(BaseModel):
    claim: str
    verdict: Literal["supported", "refuted", "not_enough_info"]
    explanation: str
    evidence: list[Citation]


class ClaimCheck(ClaimResult):
    generation: int


class DraftCheck(BaseModel):
    results: list[ClaimResult]
    generation: int


def build_server(service: RagService) -> Any:
    """An MCPServer with the four tools over `service` (imported here: `mcp` loads only when used)."""
    from mcp.server.mcpserver import MCPServer

    def cite(data: Mapping[str, Any], n: int = 0) -> Citation:
        values = {**data, "quote": data.get("quote") or data.get("text", "")}
        values.setdefault("n", n)
        shown = service.date_shown(str(data.get("article_id", "")), str(data.get("date", "")))
        return Citation(**values, date_label=shown)

    def claim_of(data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "claim": data["claim"],
            "verdict": data["verdict"],
            "explanation": data["explanation"],
            "evidence": [cite(c) for c in data.get("evidence", [])],
        }


    server = MCPServer(
        "rag-news-zh",
        log_level="WARNING",  # the SDK logs every session start at INFO; `rag serve` keeps its console quiet
        instructions="中文新闻问答与数字核查：search 检索段落，ask 回答问题，check_claim 核查一句话，check_draft 逐句核查稿件。"
        "每个结果都带引用（标题、日期、原句、偏移）。",
    )

    @server.tool(title="检索段落")
    def search(query: Text, top_k: TopK = 5) -> SearchResult:
        """The passages of the news corpus that best match a query (hybrid dense + BM25)."""
        hits, gen = service.search(query, top_k)
        return SearchResult(generation=gen, hits=[cite(h.to_dict(), i) for i, h in enumerate(hits, 1)])

    @server.tool(title="回答问题")
    def ask(question: Text, top_k: TopK = 8) -> AskResult:
        """Answer a Chinese question from the corpus, citing the sentences it relies on; says so
        (found=false) when the corpus does not hold the answer."""
        answer, gen = service.ask(question, top_k)
        data = answer.to_dict()
        return AskResult(
            answer=data["answer"],
            short_answer=data["short_answer"],
            found=data["found"],
            citations=[cite(c) for c in data["citations"]],
            generation=gen,
        )

    @server.tool(title="核查一句话")
    def check_claim(claim: Text) -> ClaimCheck:
        """Check one claim against the corpus: supported, refuted (with the right figure) or not enough info."""
        result, gen = service.check(claim)
        return ClaimCheck(**claim_of(result.to_dict()), generation=gen)

    @server.tool(title="核查稿件")
    def check_draft(text: Draft) -> DraftCheck:
        """Check every claim of a draft, sentence by sentence."""
        results, gen = service.check_text(text)
        return DraftCheck(results=[ClaimResult(**claim_of(r.to_dict())) for r in results], generation=gen)

    return server


class McpEndpoint:
    """The ASGI endpoint at /mcp: streamable HTTP (stateless, JSON responses) of one MCPServer.

    Each run of the app's lifespan gets a fresh session manager (the SDK's runs only once), so the
    same app can start and stop more than once (tests, schemathesis). Served on a loopback address
    without a key, it refuses other Host/Origin headers (DNS rebinding); with a key, the key guards
    it like /v1."""

    def __init__(self, server: Any, settings: Settings) -> None:
        self.server = server
        self.settings = settings

    def _fresh_manager(self) -> Any:
        from mcp.server.transport_security import TransportSecuritySettings

        local = self.settings.host in LOOPBACK_HOSTS and not self.settings.api_key
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=local,
            allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*", "testserver"],
            allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
        )
        self.server.streamable_http_app(
            streamable_http_path=MCP_PATH, stateless_http=True, json_response=True, transport_security=security
        )
        return self.server.session_manager

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The session manager's task group, for the app's lifespan."""
        async with self._fresh_manager().run():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.server.session_manager.asgi_app(scope, receive, send)
