"""A real uvicorn server on loopback, talked to with the official `openai` client; and schemathesis
over the OpenAPI schema (zero server errors, zero schema violations)."""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serving import serve

from rag.http import create_app
from rag.service import RagService
from rag.settings import Settings

MODEL = "rag-news-zh"
KEY = "x"


def make_settings(index_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"index_dir": index_dir, "ui": False, "api_key": "", "rate_limit_per_minute": 0}
    values.update(overrides)
    return Settings(**values)




@pytest.fixture(scope="module")
def base_url(seed_index_dir: Path, seed_service: RagService) -> Iterator[str]:
    with serve(create_app(make_settings(seed_index_dir, api_key=KEY), seed_service)) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url: str) -> Any:
    import openai

    return openai.OpenAI(base_url=f"{base_url}/v1", api_key=KEY, max_retries=0, timeout=60)


def markers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


# ---- the official client -----------------------------------------------------------------------
@pytest.mark.slow
def test_models(client: Any) -> None:
    ids = [m.id for m in client.models.list().data]
    assert ids == [MODEL, f"{MODEL}-factcheck"]


@pytest.mark.slow
def test_chat_non_stream(client: Any) -> None:
    resp = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "青岛市2022年外贸进出口总值是多少？"}]
    )
    content = resp.choices[0].message.content
    assert resp.choices[0].finish_reason == "stop" and resp.model == MODEL
    assert "9117.2亿元" in content
    answer, _, sources = content.partition("\n\n来源：\n")
    assert sources, content
    citations = resp.model_extra["citations"]
    assert citations and markers(answer) <= {c["n"] for c in citations}
    for c in citations:
        assert f"[{c['n']}] 《{c['title']}》" in sources
        assert {"source", "article_id", "quote", "text", "start", "end"} <= set(c)
    assert isinstance(resp.model_extra["generation"], int)
    assert resp.usage is not None and resp.usage.completion_tokens == len(content)


@pytest.mark.slow
def test_chat_stream(client: Any) -> None:
    messages = [{"role": "user", "content": "青岛港的海上航线连接全球多少个港口？"}]
    stream = client.chat.completions.create(
        model=MODEL, messages=messages, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(chunks) >= 3 and chunks[0].choices[0].delta.role == "assistant"
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["citations"] and isinstance(last.model_extra["generation"], int)
    assert last.usage is not None and last.usage.completion_tokens == len(content)
    assert markers(content) and "来源：" in content
    whole = client.chat.completions.create(model=MODEL, messages=messages)
    assert whole.choices[0].message.content == content


@pytest.mark.slow
def test_raw_sse_framing(base_url: str) -> None:
    payload = {
        "model": MODEL,
        "stream": True,
        "messages": [{"role": "user", "content": "青岛海关关长是谁？"}],
    }
    with httpx.stream(
        "POST", f"{base_url}/v1/chat/completions", json=payload, headers={"Authorization": f"Bearer {KEY}"}
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    for e in events[:-1]:
        assert json.loads(e[6:])["object"] == "chat.completion.chunk"


@pytest.mark.slow
def test_follow_up_uses_earlier_user_turns(client: Any) -> None:
    messages = [
        {"role": "system", "content": "你是新闻助手。"},
        {"role": "user", "content": "青岛市2022年外贸进出口总值是多少？"},
        {"role": "assistant", "content": "9117.2亿元[1]"},
        {"role": "user", "content": "那2023年呢？"},
    ]
    resp = client.chat.completions.create(model=MODEL, messages=messages)
    content = resp.choices[0].message.content
    assert markers(content) and "来源：" in content
    assert "进出口" in content and "2023" in content


@pytest.mark.slow
def test_factcheck_model(client: Any) -> None:
    resp = client.chat.completions.create(
        model=f"{MODEL}-factcheck",
        messages=[{"role": "user", "content": "2022年青岛外贸进出口总值超过1万亿元。"}],
    )
    content = resp.choices[0].message.content
    assert content.startswith("核查结论：")
    assert any(label in content for label in ("符合", "不符", "未找到"))
    if resp.model_extra["citations"]:
        assert "来源：" in content
    draft = "2022年青岛外贸进出口总值为9117.2亿元。2023年青岛港集装箱吞吐量为3000万标准箱。"
    stream = client.chat.completions.create(
        model=f"{MODEL}-factcheck", messages=[{"role": "user", "content": draft}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.startswith("1. ")


@pytest.mark.slow
def test_openai_errors(client: Any, base_url: str) -> None:
    import openai

    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "青岛"}])
    assert missing.value.code == "model_not_found" and missing.value.param == "model"
    with pytest.raises(openai.UnprocessableEntityError) as blank:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "\u200b "}])
    assert blank.value.type == "invalid_request_error"
    wrong = openai.OpenAI(base_url=f"{base_url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as denied:
        wrong.models.list()
    assert denied.value.code == "invalid_api_key"


# ---- schemathesis ------------------------------------------------------------------------------
import schemathesis  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

# The app is built at import (schemathesis parametrizes from its schema); its index folder is filled
# from the seed index by the fixture below, and the service loads it on the first request.
SCHEMA_DIR = Path(tempfile.mkdtemp(prefix="rag-schemathesis-")) / "index"
atexit.register(shutil.rmtree, SCHEMA_DIR.parent, True)
SCHEMA_APP = create_app(make_settings(SCHEMA_DIR), RagService(SCHEMA_DIR))
schema = schemathesis.openapi.from_asgi("/openapi.json", SCHEMA_APP)


@pytest.fixture(scope="module")
def schema_index(seed_index_dir: Path) -> Iterator[Path]:
    """A private copy of the seed index for the run (it adds and deletes documents)."""
    shutil.copytree(seed_index_dir, SCHEMA_DIR)
    yield SCHEMA_DIR
    shutil.rmtree(SCHEMA_DIR.parent, ignore_errors=True)


# Valid-by-schema requests the schema cannot tell from bad ones: an uploaded file's bytes must be
# UTF-8 text with a known suffix, and a chat's *last* user message must have visible text.
UNDESCRIBABLE = {("POST", "/v1/chat/completions"), ("POST", "/v1/documents", "multipart/form-data")}


@pytest.mark.slow
@pytest.mark.usefixtures("schema_index")
@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_schemathesis(case: Any) -> None:
    key = (case.method.upper(), case.path)
    excluded = []
    if key in UNDESCRIBABLE or (*key, case.media_type) in UNDESCRIBABLE:
        excluded.append(positive_data_acceptance)
    response = case.call_and_validate(excluded_checks=excluded)
    assert response.status_code < 500
