"""HTTP contract of the API over the real seed index: shapes, documents round trip, auth, CORS, limits."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rag.http import create_app
from rag.service import RagService
from rag.settings import Settings

QUESTION = "青岛市2022年外贸进出口总值是多少？"
NEW_ARTICLE = {
    "id": "api-test-001",
    "title": "胶州湾海底隧道日均车流量创新高",
    "date": "2024-07-15",
    "source": "api-test",
    "text": (
        "胶州湾海底隧道日均车流量创新高\n\n"
        "7月15日，记者从青岛市交通运输局获悉，今年上半年胶州湾海底隧道日均车流量达到8.6万辆次，"
        "同比增长12.3%，创开通以来新高。"
    ),
}


def make_settings(index_dir: Path, **overrides: Any) -> Settings:
    """Settings isolated from the environment (RAG_API_KEY and friends)."""
    values: dict[str, Any] = {
        "index_dir": index_dir,
        "ui": False,
        "api_key": "",
        "rate_limit_per_minute": 0,
        "cors_origins": "",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def client(seed_index_dir: Path, seed_service: RagService) -> TestClient:
    return TestClient(create_app(make_settings(seed_index_dir), seed_service))


def assert_error(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


# ---- health ------------------------------------------------------------------------------------
def test_healthz_and_readyz(client: TestClient, seed_service: RagService) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["ready"] is True
    assert set(body["index"]) >= {"generation", "articles", "chunks", "encoder"}
    assert body["index"]["generation"] == seed_service.health()["generation"]
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_readyz_is_503_without_an_index(tmp_path: Path) -> None:
    empty = tmp_path / "no-index"
    with TestClient(create_app(make_settings(empty), RagService(empty))) as c:
        app_state = c.app.state.rag  # type: ignore[attr-defined]
        assert app_state.loaded.wait(30)
        not_ready = c.get("/readyz")
        assert_error(not_ready, 503, "not_ready")
        assert int(not_ready.headers["retry-after"]) >= 1
        health = c.get("/healthz")
        assert health.status_code == 200 and health.json()["ready"] is False
        assert_error(c.post("/v1/search", json={"query": "青岛"}), 503, "index_missing")


# ---- queries -----------------------------------------------------------------------------------
def test_ask_contract(client: TestClient) -> None:
    resp = client.post("/v1/ask", json={"question": QUESTION})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert {
        "answer",
        "short_answer",
        "found",
        "question_type",
        "citations",
        "timings_ms",
        "generation",
    } <= set(body)
    assert body["found"] is True and isinstance(body["generation"], int)
    assert "9117.2亿元" in body["answer"]
    assert body["citations"]
    for c in body["citations"]:
        assert {
            "n",
            "source",
            "article_id",
            "title",
            "date",
            "text",
            "quote",
            "start",
            "end",
            "score",
        } <= set(c)
        assert c["quote"] in c["text"]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    assert markers and markers <= {c["n"] for c in body["citations"]}


def test_ask_refuses_what_the_corpus_does_not_say(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "上海2022年外贸进出口总值是多少？"}).json()
    assert body["found"] is False and isinstance(body["answer"], str) and body["answer"]


def test_search_contract_modes_and_filters(client: TestClient) -> None:
    for mode in ("hybrid", "dense", "bm25"):
        resp = client.post("/v1/search", json={"query": "青岛 海外仓 面积", "top_k": 3, "mode": mode})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert isinstance(body["generation"], int) and 1 <= len(body["hits"]) <= 3
        for h in body["hits"]:
            assert {
                "source",
                "article_id",
                "chunk_id",
                "title",
                "date",
                "text",
                "start",
                "end",
                "score",
            } <= set(h)
    source = "001_95c7f2554f52cc0a"
    hits = client.post("/v1/search", json={"query": "青岛 外贸", "filters": {"sources": [source]}}).json()[
        "hits"
    ]
    assert hits and all(h["source"] == source for h in hits)
    dated = client.post("/v1/search", json={"query": "青岛 外贸", "filters": {"date_from": "2024"}}).json()[
        "hits"
    ]
    assert all(h["date"] >= "2024" for h in dated)


def test_check_claim_and_draft(client: TestClient) -> None:
    claim = client.post("/v1/check", json={"claim": "2022年青岛外贸进出口总值为9117.2亿元。"})
    assert claim.status_code == 200, claim.text
    body = claim.json()
    assert body["verdict"] in ("supported", "refuted", "not_enough_info")
    assert isinstance(body["explanation"], str) and isinstance(body["figures"], list)
    assert isinstance(body["evidence"], list) and isinstance(body["generation"], int)
    draft = client.post(
        "/v1/check", json={"text": "2022年青岛外贸进出口总值为9117.2亿元。青岛港货物吞吐量全球第一。"}
    )
    assert draft.status_code == 200, draft.text
    results = draft.json()["results"]
    assert isinstance(results, list)
    assert all(r["verdict"] in ("supported", "refuted", "not_enough_info") for r in results)


# ---- documents ---------------------------------------------------------------------------------
def test_documents_list_and_get(client: TestClient, seed_service: RagService) -> None:
    resp = client.get("/v1/documents")
    assert resp.status_code == 200
    docs = resp.json()["documents"]
    assert len(docs) == seed_service.health()["articles"]
    for d in docs:
        assert {"id", "title", "date", "source", "chunks"} <= set(d) and d["chunks"] >= 1
    one = client.get(f"/v1/documents/{docs[0]['id']}")
    assert one.status_code == 200
    art = one.json()
    assert art["id"] == docs[0]["id"] and art["text"] and isinstance(art["generation"], int)
    assert_error(client.get("/v1/documents/no-such-article"), 404, "not_found")


@pytest.mark.slow
def test_documents_round_trip(writable_index_dir: Path) -> None:
    """Add an article, find it, ask about it, remove it: each write is a new generation."""
    svc = RagService(writable_index_dir)
    svc.load()
    with TestClient(create_app(make_settings(writable_index_dir), svc)) as c:
        gen0 = c.get("/healthz").json()["index"]["generation"]
        added = c.post("/v1/documents", json=NEW_ARTICLE)
        assert added.status_code == 201, added.text
        body = added.json()
        assert body["generation"] == gen0 + 1 and body["added"] == [NEW_ARTICLE["id"]]
        assert body["replaced"] == [] and body["removed"] == []
        ids = {d["id"] for d in c.get("/v1/documents").json()["documents"]}
        assert NEW_ARTICLE["id"] in ids
        assert c.get(f"/v1/documents/{NEW_ARTICLE['id']}").json()["text"] == NEW_ARTICLE["text"]
        answer = c.post("/v1/ask", json={"question": "胶州湾海底隧道日均车流量是多少？"}).json()
        assert answer["generation"] == gen0 + 1
        assert any(cit["article_id"] == NEW_ARTICLE["id"] for cit in answer["citations"])
        removed = c.delete(f"/v1/documents/{NEW_ARTICLE['id']}")
        assert removed.status_code == 200 and removed.json()["removed"] == [NEW_ARTICLE["id"]]
        assert removed.json()["generation"] == gen0 + 2
        assert_error(c.get(f"/v1/documents/{NEW_ARTICLE['id']}"), 404, "not_found")
        assert_error(c.delete(f"/v1/documents/{NEW_ARTICLE['id']}"), 404, "not_found")
        hits = c.post("/v1/search", json={"query": "胶州湾海底隧道 车流量"}).json()["hits"]
        assert all(h["article_id"] != NEW_ARTICLE["id"] for h in hits)


def test_upload_is_a_job_and_a_reupload_needs_replace(writable_index_dir: Path) -> None:
    svc = RagService(writable_index_dir)
    svc.load()
    page = "# 青岛地铁新线开通\n\n12月26日，青岛地铁6号线一期开通运营，全长30.8公里，设车站21座。\n"
    with TestClient(create_app(make_settings(writable_index_dir), svc)) as c:
        resp = c.post("/v1/documents", files={"file": ("metro-news.md", page.encode(), "text/markdown")})
        assert resp.status_code == 202, resp.text
        assert resp.headers["location"] == resp.json()["location"] == f"/v1/jobs/{resp.json()['job']['id']}"
        job = svc.wait(resp.json()["job"]["id"], 60)
        done = c.get(resp.headers["location"]).json()
        assert done["state"] == "done" and done["progress"] == 1.0 and len(done["added"]) == 1
        first = done["added"][0]
        assert c.get(f"/v1/documents/{first}").json()["file"] == "metro-news.md"
        changed = page.replace("30.8", "31.0").encode()
        conflict = c.post("/v1/documents", files={"file": ("metro-news.md", changed)})
        assert conflict.status_code == 409, conflict.text
        assert conflict.json()["error"]["existing"] == [first] and first in conflict.json()["error"]["message"]
        again = c.post("/v1/documents?replace=true", files={"file": ("metro-news.md", changed)})
        assert again.status_code == 202
        job = svc.wait(again.json()["job"]["id"], 60)
        assert job.state == "done" and job.removed == [first] and len(job.added) == 1
        files = [d["file"] for d in c.get("/v1/documents").json()["documents"]]
        assert files.count("metro-news.md") == 1
        assert "31.0公里" in c.get(f"/v1/documents/{job.added[0]}").json()["text"]


def test_an_existing_id_is_a_409_unless_replace(writable_index_dir: Path) -> None:
    svc = RagService(writable_index_dir)
    svc.load()
    with TestClient(create_app(make_settings(writable_index_dir), svc)) as c:
        assert c.post("/v1/documents", json=NEW_ARTICLE).status_code == 201
        again = {**NEW_ARTICLE, "text": NEW_ARTICLE["text"].replace("8.6万", "8.7万")}
        conflict = c.post("/v1/documents", json=again)
        assert conflict.status_code == 409 and conflict.json()["error"]["existing"] == [NEW_ARTICLE["id"]]
        assert "retry-after" not in conflict.headers  # waiting does not resolve a conflict
        replaced = c.post("/v1/documents?replace=true", json=again)
        assert replaced.status_code == 201, replaced.text
        body = replaced.json()
        assert body["replaced"] == [NEW_ARTICLE["id"]] and body["added"] == [] and body["removed"] == []
        assert "8.7万" in c.get(f"/v1/documents/{NEW_ARTICLE['id']}").json()["text"]


# ---- auth, rate limit, CORS --------------------------------------------------------------------
def test_api_key(seed_index_dir: Path, seed_service: RagService) -> None:
    c = TestClient(create_app(make_settings(seed_index_dir, api_key="s3cret-key"), seed_service))
    body = {"query": "青岛"}
    missing = c.post("/v1/search", json=body)
    assert_error(missing, 401, "invalid_api_key")
    assert missing.headers["www-authenticate"] == "Bearer"
    assert_error(c.post("/v1/search", json=body, headers={"Authorization": "Bearer wrong"}), 401)
    assert_error(c.post("/v1/search", json=body, headers={"Authorization": "s3cret-key"}), 401)
    ok = c.post("/v1/search", json=body, headers={"Authorization": "Bearer s3cret-key"})
    assert ok.status_code == 200
    # the OpenAI endpoints answer in OpenAI's error shape
    models = c.get("/v1/models")
    assert models.status_code == 401
    assert set(models.json()["error"]) == {"message", "type", "param", "code"}
    assert c.get("/v1/models", headers={"Authorization": "Bearer s3cret-key"}).status_code == 200
    # health stays open; an unauthenticated bad body is a 401, not a parse error
    assert c.get("/healthz").status_code == 200 and c.get("/readyz").status_code == 200
    assert_error(c.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"}), 401)


def test_failed_auth_does_not_use_a_valid_clients_budget(seed_index_dir: Path, seed_service: RagService) -> None:
    """Same address, wrong keys first: the client with the key still gets its full budget."""
    settings = make_settings(seed_index_dir, api_key="s3cret-key", rate_limit_per_minute=3)
    c = TestClient(create_app(settings, seed_service))
    for _ in range(10):
        assert_error(c.get("/v1/documents", headers={"Authorization": "Bearer guess"}), 401)
    good = {"Authorization": "Bearer s3cret-key"}
    assert [c.get("/v1/documents", headers=good).status_code for _ in range(3)] == [200, 200, 200]
    assert_error(c.get("/v1/documents", headers=good), 429, "rate_limited")
    # guessing has its own, bounded budget
    statuses = {c.get("/v1/documents", headers={"Authorization": "Bearer guess"}).status_code for _ in range(40)}
    assert statuses == {401, 429}


def test_no_api_key_means_open(client: TestClient) -> None:
    assert client.post("/v1/search", json={"query": "青岛港"}).status_code == 200


def test_rate_limit(seed_index_dir: Path, seed_service: RagService) -> None:
    c = TestClient(create_app(make_settings(seed_index_dir, rate_limit_per_minute=3), seed_service))
    statuses = [c.get("/v1/documents").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = c.get("/v1/documents")
    assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert c.get("/healthz").status_code == 200  # health is never limited


def test_cors_off_by_default(client: TestClient) -> None:
    resp = client.post("/v1/search", json={"query": "青岛"}, headers={"Origin": "https://evil.example"})
    assert resp.status_code == 200 and "access-control-allow-origin" not in resp.headers
    preflight = client.options(
        "/v1/search",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_when_configured(seed_index_dir: Path, seed_service: RagService) -> None:
    c = TestClient(
        create_app(make_settings(seed_index_dir, cors_origins="https://app.example"), seed_service)
    )
    ok = c.post("/v1/search", json={"query": "青岛"}, headers={"Origin": "https://app.example"})
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    other = c.post("/v1/search", json={"query": "青岛"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    star = TestClient(create_app(make_settings(seed_index_dir, cors_origins="*"), seed_service))
    resp = star.get("/v1/models", headers={"Origin": "https://any.example"})
    assert resp.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in resp.headers  # never * with credentials


# ---- schema and docs ---------------------------------------------------------------------------
def test_openapi_has_chinese_examples_and_docs(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/v1/ask", "/v1/search", "/v1/check", "/v1/documents", "/v1/chat/completions", "/v1/models"):
        assert path in schema["paths"]
    ask_examples = schema["paths"]["/v1/ask"]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ]
    assert any("青岛" in str(e["value"]) for e in ask_examples.values())
    upload = schema["paths"]["/v1/documents"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(upload)
    docs = client.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]


def test_docs_work_offline(client: TestClient) -> None:
    """/docs and /redoc load every script and style from this server: no external host."""
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", html)
        urls = [u for pair in urls for u in pair if u]
        assert urls and all(u.startswith("/") for u in urls), urls
        assert "http://" not in html and "https://" not in html
        for u in urls:
            assert client.get(u).status_code == 200, u


def test_every_query_response_names_its_generation(client: TestClient) -> None:
    gen = client.get("/healthz").json()["index"]["generation"]
    assert client.post("/v1/search", json={"query": "青岛"}).json()["generation"] == gen
    assert client.get("/v1/documents").json()["generation"] == gen


def test_background_load_serves_queries_once_ready(seed_index_dir: Path) -> None:
    """A fresh app loads the index in the background; a query that arrives first waits for it."""
    svc = RagService(seed_index_dir)
    results: list[int] = []
    with TestClient(create_app(make_settings(seed_index_dir), svc)) as c:
        threads = [
            threading.Thread(
                target=lambda: results.append(c.post("/v1/search", json={"query": "青岛"}).status_code)
            )
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200, 200, 200]
        assert c.get("/readyz").status_code == 200


def test_a_bug_is_a_500_in_our_shape_without_a_trace(
    seed_index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = RagService(seed_index_dir)
    svc.load()

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(svc, "search", broken)
    c = TestClient(create_app(make_settings(seed_index_dir), svc), raise_server_exceptions=False)
    resp = c.post("/v1/search", json={"query": "青岛"})
    err = assert_error(resp, 500, "internal_error")
    assert "secret" not in err["message"] and "RuntimeError" not in resp.text


def test_inferred_dates_are_marked_wherever_a_date_is_shown(writable_index_dir: Path) -> None:
    svc = RagService(writable_index_dir)
    svc.load()
    undated = {"id": "undated-001", "text": "海湾大桥通车\n\n2019年，海湾大桥日均车流量达到3.3万辆次。"}
    with TestClient(create_app(make_settings(writable_index_dir), svc)) as c:
        assert c.post("/v1/documents", json=undated).status_code == 201
        label = "约2019年，据正文推断"
        assert c.get("/v1/documents/undated-001").json()["date_label"] == label
        (doc,) = [d for d in c.get("/v1/documents").json()["documents"] if d["id"] == "undated-001"]
        assert doc["date_inferred"] is True and doc["date_label"] == label
        hits = c.post("/v1/search", json={"query": "海湾大桥 日均车流量", "top_k": 3}).json()["hits"]
        assert any(h["article_id"] == "undated-001" and h["date_label"] == label for h in hits)
        answer = c.post("/v1/ask", json={"question": "海湾大桥日均车流量是多少？"}).json()
        assert any(ci["article_id"] == "undated-001" and ci["date_label"] == label for ci in answer["citations"])
        seed = next(ci for ci in c.post("/v1/ask", json={"question": QUESTION}).json()["citations"])
        assert seed["date_label"] == "2023年1月"  # a page date from the manifest is not marked
