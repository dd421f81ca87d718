"""ui.mount without a browser: with a key, every Gradio route needs the login; login attempts are
rate-limited; the upload limit, stylesheet and theme are the UI's own; /v1 is left to the API."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rag.http.guard import Guard
from rag.service import RagService
from rag.settings import Settings
from ui.mount import mount
from ui.theme import stylesheet

pytestmark = pytest.mark.slow
KEY = "s3cret-key"


@pytest.fixture(scope="module")
def service(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> RagService:
    index = tmp_path_factory.mktemp("ui-mount") / "index"
    shutil.copytree(seed_index_dir, index)
    return RagService(index)


def client_for(service: RagService, **settings: object) -> Iterator[TestClient]:
    app = FastAPI()

    @app.get("/v1/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    mount(app, service, Guard(Settings(index_dir=service.index_dir, **settings)))  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client


@pytest.fixture
def locked(service: RagService) -> Iterator[TestClient]:
    yield from client_for(service, api_key=KEY)


@pytest.fixture
def open_ui(service: RagService) -> Iterator[TestClient]:
    yield from client_for(service, max_upload_bytes=4096)


def test_without_the_key_nothing_of_the_ui_is_served(locked: TestClient) -> None:
    page = locked.get("/")
    assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
    assert '"components":[]' in page.text  # the login form only: no tab, no corpus, no article
    assert "删除这篇" not in page.text and "青岛" not in page.text and "9117.2" not in page.text
    assert locked.get("/config").status_code == 401
    upload = locked.post("/gradio_api/upload", files={"files": ("a.md", b"# x\n\ny", "text/markdown")})
    assert upload.status_code == 401
    join = locked.post("/gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": "x"})
    assert join.status_code == 401
    assert locked.post("/login", data={"username": "编辑", "password": "wrong"}).status_code == 400
    assert locked.get("/v1/ping").json() == {"pong": "yes"}  # the API's own routes are the API's


def test_with_the_key_the_ui_opens(locked: TestClient) -> None:
    assert locked.post("/login", data={"username": "编辑", "password": KEY}).status_code == 200
    config = locked.get("/config")
    assert config.status_code == 200 and "资料库" in config.text
    assert locked.get("/").status_code == 200 and '"auth_required":true' not in locked.get("/").text


def test_login_attempts_are_rate_limited_per_address(locked: TestClient) -> None:
    codes = [
        locked.post("/login", data={"username": "x", "password": f"guess{i}"}).status_code for i in range(40)
    ]
    assert codes[0] == 400 and codes[-1] == 429
    refused = locked.post("/login", data={"username": "x", "password": KEY})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "登录尝试过于频繁" in refused.json()["error"]["message"]


def test_without_a_key_the_ui_is_open_with_its_own_limit_and_look(open_ui: TestClient) -> None:
    config = open_ui.get("/config").json()
    assert config["max_file_size"] == 4096
    assert stylesheet() in config["css"]
    assert "Noto Sans CJK SC" in open_ui.get("/theme.css").text  # local CJK fonts, no web fonts
    big = open_ui.post("/gradio_api/upload", files={"files": ("big.txt", b"a" * 5000, "text/plain")})
    assert big.status_code == 413
