"""One error contract with a UI mounted at /: unknown /v1 paths and wrong methods still answer in
the API's JSON shape (404; 405 with Allow), /docs and /mcp are still the API's. The stand-in UI is
a real Gradio app mounted the way the CLI mounts the UI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rag.http import create_app
from rag.service import RagService
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def make_settings(index_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"index_dir": index_dir, "ui": True, "api_key": "", "rate_limit_per_minute": 0}
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="module", params=["ui", "no-ui"])
def client(request: pytest.FixtureRequest, seed_index_dir: Path, seed_service: RagService) -> TestClient:
    app = create_app(make_settings(seed_index_dir), seed_service)
    if request.param == "ui":
        import gradio as gr

        with gr.Blocks() as demo:
            gr.Markdown("资料库")
        gr.mount_gradio_app(app, demo, path="/")
    return TestClient(app)


def error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()["error"]
    assert body["code"] == code and body["message"]
    return body


def test_unknown_v1_paths_are_json_404(client: TestClient) -> None:
    for path in ("/v1/nope", "/v1/", "/v1", "/v1/documents-x/1", "/v1/jobs"):
        error(client.get(path), 404, "not_found")
    error(client.post("/v1/nope", json={}), 404, "not_found")


def test_wrong_methods_are_json_405_with_allow(client: TestClient) -> None:
    resp = client.get("/v1/ask")
    error(resp, 405, "method_not_allowed")
    assert resp.headers["allow"] == "POST"
    resp = client.put("/v1/documents/some-id", json={})
    error(resp, 405, "method_not_allowed")
    assert set(resp.headers["allow"].split(", ")) >= {"GET", "DELETE"}
    resp = client.delete("/v1/documents")
    assert set(resp.headers["allow"].split(", ")) >= {"GET", "POST"}
    error(client.post("/v1/jobs/x"), 405, "method_not_allowed")


def test_api_pages_stay_the_apis(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200 and "swagger" in client.get("/docs").text.lower()
    assert client.post("/v1/search", json={"query": "青岛"}).status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"


def test_rag_http_never_imports_the_ui() -> None:
    code = "import sys, rag.http; print(sorted(m for m in sys.modules if m == 'ui' or m.startswith(('ui.', 'gradio'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
