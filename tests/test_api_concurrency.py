"""8 clients ask while an article is ingested and another removed, over a real uvicorn server: zero
errors, and every citation is a chunk of the index generation its response names."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from serving import serve

from rag.http import create_app
from rag.service import RagService
from rag.settings import Settings
from rag.store import load_index

QUESTIONS = [
    "青岛市2022年外贸进出口总值是多少？",
    "2022年青岛进口额是多少，同比增长多少？",
    "青岛公共海外仓的总面积有多大？",
    "莱西市33位市领导牵头多少个顶格协调事项？",
    "胶州剪纸哪件作品亮相了2023年央视春晚？",
    "西海岸新区首场退役军人招聘会提供了多少个岗位？",
    "青岛港的海上航线连接全球多少个港口？",
    "“十三五”期间青岛与多少个国家（地区）有贸易往来？",
    "2023年青岛市进出口总值是多少？",
    "2024年1-5月青岛完成进出口多少？",
    "青岛海关关长是谁？",
    "2023年青岛港集装箱吞吐量是多少？",
    "“乌奈札快航”货轮船长多少米？",
    "青岛都市圈什么时候获得批复？",
    "莱西市力争年内消化多少工业地产？",
    "胶州湾海底隧道日均车流量是多少？",
]
NEW_ARTICLE = {
    "id": "concurrency-001",
    "title": "胶州湾海底隧道日均车流量创新高",
    "date": "2024-07-15",
    "source": "api-test",
    "text": "胶州湾海底隧道日均车流量创新高\n\n7月15日，记者获悉，今年上半年胶州湾海底隧道日均车流量达到8.6万辆次，同比增长12.3%。",
}
CLIENTS = 8




def generation_chunks(folder: Path, gen: int) -> dict[tuple[str, str], tuple[int, int]]:
    """(article id, chunk text) → (start, end) for every chunk of one generation on disk."""
    return {(c.article_id, c.text): (c.start, c.end) for c in load_index(folder, generation=gen).chunks}


@pytest.mark.slow
def test_queries_during_ingest_and_removal(writable_index_dir: Path) -> None:
    svc = RagService(writable_index_dir)
    svc.load()
    gen0 = svc.health()["generation"]
    chunks = {gen0: generation_chunks(writable_index_dir, gen0)}  # pruned once two newer ones exist
    settings = Settings(index_dir=writable_index_dir, ui=False, api_key="", rate_limit_per_minute=0)
    results: list[tuple[float, dict[str, Any]]] = []  # (finished at, body)
    failures: list[str] = []
    writes_done = threading.Event()
    warm = threading.Semaphore(0)

    with serve(create_app(settings, svc)) as url:
        victim = httpx.post(f"{url}/v1/search", json={"query": "莱西 顶格协调事项"}).json()["hits"][0][
            "article_id"
        ]

        def client(i: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as http:
                k = i
                while True:
                    stop = writes_done.is_set()
                    question = QUESTIONS[k % len(QUESTIONS)]
                    k += CLIENTS
                    try:
                        r = http.post("/v1/ask", json={"question": question})
                    except httpx.HTTPError as exc:
                        failures.append(f"{question}: {exc!r}")
                        continue
                    if r.status_code != 200:
                        failures.append(f"{question}: {r.status_code} {r.text[:200]}")
                    else:
                        results.append((time.monotonic(), r.json()))
                    if k == i + CLIENTS:
                        warm.release()  # the first answer: jieba, OpenCC and caches are loaded
                    if stop:
                        return

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for _ in range(CLIENTS):
            assert warm.acquire(timeout=60)
        with httpx.Client(base_url=url, timeout=120) as http:
            t0 = time.monotonic()
            added = http.post("/v1/documents", json=NEW_ARTICLE)
            t1 = time.monotonic()
            removed = http.delete(f"/v1/documents/{victim}")
        time.sleep(0.3)
        writes_done.set()
        for t in threads:
            t.join(120)
        final = httpx.post(
            f"{url}/v1/ask", json={"question": "莱西市33位市领导牵头多少个顶格协调事项？"}
        ).json()

    assert failures == []
    assert added.status_code == 201, added.text
    assert removed.status_code == 200, removed.text
    assert added.json()["generation"] == gen0 + 1 and removed.json()["generation"] == gen0 + 2
    for gen in (gen0 + 1, gen0 + 2):
        chunks[gen] = generation_chunks(writable_index_dir, gen)

    seen = {body["generation"] for _, body in results}
    assert seen <= {gen0, gen0 + 1, gen0 + 2} and len(results) >= 3 * CLIENTS
    # queries kept being answered, from the previous generation, while the article was ingested
    during = [body["generation"] for at, body in results if t0 < at < t1]
    assert during and gen0 in during
    cited = 0
    for _, body in results:
        gen_chunks = chunks[body["generation"]]
        for c in body["citations"]:
            span = gen_chunks.get((c["article_id"], c["text"]))
            assert span is not None, (
                f"citation of {c['article_id']} is not a chunk of generation {body['generation']}"
            )
            assert span[0] <= c["start"] <= c["end"] <= span[1]
            cited += 1
    assert cited > 0
    assert final["generation"] == gen0 + 2
    assert all(c["article_id"] != victim for c in final["citations"])


def _article(n: int) -> dict[str, str]:
    return {
        "id": f"parallel-{n:03d}",
        "title": f"青岛第{n}批重点项目集中开工",
        "date": "2024-08-01",
        "text": f"青岛第{n}批重点项目集中开工\n\n8月1日，青岛第{n}批重点项目集中开工，共{n + 10}个项目，总投资{n * 7}亿元。",
    }


@pytest.mark.slow
def test_concurrent_uploads_wait_in_the_queue_and_are_both_applied(writable_index_dir: Path) -> None:
    """Two writes at once: the second waits its turn (no 409), both are applied, one generation each."""
    svc = RagService(writable_index_dir)
    svc.load()
    gen0 = svc.health()["generation"]
    settings = Settings(index_dir=writable_index_dir, ui=False, api_key="", rate_limit_per_minute=0)
    responses: dict[int, httpx.Response] = {}
    with serve(create_app(settings, svc)) as url:

        def upload(n: int) -> None:
            responses[n] = httpx.post(f"{url}/v1/documents", json=_article(n), timeout=120)

        threads = [threading.Thread(target=upload, args=(n,)) for n in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        ids = {d["id"] for d in httpx.get(f"{url}/v1/documents").json()["documents"]}
    assert sorted(r.status_code for r in responses.values()) == [201, 201]
    assert sorted(r.json()["generation"] for r in responses.values()) == [gen0 + 1, gen0 + 2]
    assert {r.json()["added"][0] for r in responses.values()} == {"parallel-001", "parallel-002"}
    assert {"parallel-001", "parallel-002"} <= ids
