"""The MCP tools through the SDK's own client: over streamable HTTP at /mcp of the API app (a real
server) and over stdio (`rag mcp` as a subprocess). Results carry their citations as structured content."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from serving import serve

from rag.http import create_app
from rag.service import RagService
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "青岛市2022年外贸进出口总值是多少？"
TOOLS = {"search", "ask", "check_claim", "check_draft"}


def settings(index_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"index_dir": index_dir, "ui": False, "api_key": "", "rate_limit_per_minute": 0}
    return Settings(**{**values, **overrides})


def assert_cited(citation: dict[str, Any]) -> None:
    assert {"title", "date", "quote", "start", "end", "article_id", "source"} <= set(citation)
    assert citation["title"] and citation["quote"] and 0 <= citation["start"] < citation["end"]
    assert citation["date_label"].startswith(citation["date"][:4])  # 2023-01 → 2023年1月


async def exercise(target: Any) -> dict[str, Any]:
    async with Client(target) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        ask = await client.call_tool("ask", {"question": QUESTION})
        search = await client.call_tool("search", {"query": "青岛 外贸 进出口 2022", "top_k": 3})
        claim = await client.call_tool("check_claim", {"claim": "2022年青岛外贸进出口总值为5000亿元。"})
        draft = await client.call_tool("check_draft", {"text": "2022年青岛外贸进出口总值为9117.2亿元。青岛港很大。"})
        bad = await client.call_tool("ask", {"question": ""})
    return {"tools": tools, "ask": ask, "search": search, "claim": claim, "draft": draft, "bad": bad}


def check_results(r: dict[str, Any]) -> None:
    assert r["tools"] >= TOOLS
    ask = r["ask"].structured_content
    assert not r["ask"].is_error and ask["found"] is True and "9117.2亿元" in ask["answer"]
    assert ask["citations"] and any("9117.2亿元" in c["quote"] for c in ask["citations"])
    for c in ask["citations"]:
        assert_cited(c)
    hits = r["search"].structured_content["hits"]
    assert 1 <= len(hits) <= 3 and all(assert_cited(h) is None for h in hits)
    claim = r["claim"].structured_content
    assert claim["verdict"] == "refuted" and claim["evidence"]
    assert any("9117.2亿元" in e["quote"] for e in claim["evidence"])
    results = r["draft"].structured_content["results"]
    assert results and results[0]["verdict"] == "supported"
    assert r["bad"].is_error  # an empty question is refused by the tool's schema, not answered


@pytest.mark.slow
def test_mcp_over_streamable_http_in_the_api_app(seed_index_dir: Path, seed_service: RagService) -> None:
    with serve(create_app(settings(seed_index_dir), seed_service), lifespan="on") as url:
        check_results(anyio.run(exercise, f"{url}/mcp"))


@pytest.mark.slow
def test_mcp_http_needs_the_key_when_one_is_set(seed_index_dir: Path, seed_service: RagService) -> None:
    with serve(create_app(settings(seed_index_dir, api_key="k3y"), seed_service), lifespan="on") as url:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        resp = httpx.post(f"{url}/mcp", json=body, headers={"Accept": "application/json, text/event-stream"})
        assert resp.status_code == 401 and resp.json()["error"]["code"] == "invalid_api_key"


@pytest.mark.slow
def test_rag_mcp_over_stdio(seed_index_dir: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "rag.cli", "mcp", "--index", str(seed_index_dir)],
        env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": os.environ.get("PATH", "")},
        cwd=str(ROOT),
    )
    check_results(anyio.run(exercise, params))
