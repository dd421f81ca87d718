"""Ingest as a job over HTTP: a 60-article upload answers at once with a job id, GET /v1/jobs/{id}
follows it to 100%; the timings are printed (run with -s to see them)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from rag.http import create_app
from rag.service import RagService
from rag.settings import Settings


def make_settings(index_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"index_dir": index_dir, "ui": False, "api_key": "", "rate_limit_per_minute": 0}
    return Settings(**{**values, **overrides})


def feed(n: int, tag: str) -> bytes:
    rows = [
        {
            "id": f"{tag}-{i:03d}",
            "title": f"测试区第{i}号码头完成改造",
            "date": "2024-05-01",
            "text": f"4月30日，测试区第{i}号码头完成自动化改造，设计年通过能力{100 + i}万标准箱，"
            f"较改造前提高{i % 9 + 1}成。码头配备{i % 7 + 3}台岸桥，作业效率每小时{30 + i % 11}自然箱。",
        }
        for i in range(n)
    ]
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


def test_a_60_article_upload_answers_within_a_second_and_reaches_100(writable_index_dir: Path) -> None:
    svc = RagService(writable_index_dir)
    svc.load()
    with TestClient(create_app(make_settings(writable_index_dir), svc)) as c:
        t0 = time.perf_counter()
        resp = c.post("/v1/documents", files={"file": ("feed-60.jsonl", feed(60, "dock"))})
        answered = time.perf_counter() - t0
        assert resp.status_code == 202, resp.text
        assert answered < 1.0, f"answered in {answered:.2f}s"
        location = resp.headers["location"]
        seen: list[float] = []
        while True:
            job = c.get(location).json()
            seen.append(job["progress"])
            if job["state"] in ("done", "failed"):
                break
            time.sleep(0.05)
        total = time.perf_counter() - t0
        assert job["state"] == "done", job["error"]
        assert job["progress"] == 1.0 and job["done"] == job["total"] > 0
        assert len(job["added"]) == 60 and job["replaced"] == [] and job["removed"] == []
        assert seen == sorted(seen)  # progress only goes forward
        print(f"\n60-article upload: 202 in {answered * 1000:.0f} ms, done in {total:.1f} s, "
              f"{job['total']} chunks, {len(seen)} polls")
        ids = {d["id"] for d in c.get("/v1/documents").json()["documents"]}
        assert {f"dock-{i:03d}" for i in range(60)} <= ids


def test_more_than_a_few_json_articles_are_a_job(writable_index_dir: Path) -> None:
    svc = RagService(writable_index_dir)
    svc.load()
    articles = [json.loads(line) for line in feed(5, "json").decode().splitlines()]
    with TestClient(create_app(make_settings(writable_index_dir), svc)) as c:
        resp = c.post("/v1/documents", json={"articles": articles})
        assert resp.status_code == 202, resp.text
        job = svc.wait(resp.json()["job"]["id"], 120)
        assert job.state == "done" and sorted(job.added) == [f"json-{i:03d}" for i in range(5)]
        assert c.get("/v1/jobs/job-0-unknown").status_code == 404
        small = c.post("/v1/documents", json={"articles": articles[:2]})
        assert small.status_code == 409 and small.json()["error"]["existing"] == ["json-000", "json-001"]


def test_a_full_queue_is_a_503_with_retry_after(writable_index_dir: Path) -> None:
    import threading

    from rag.jobs import WriteResult

    svc = RagService(writable_index_dir, max_queued=1)
    svc.load()
    gate = threading.Event()
    holder = svc.jobs.submit(lambda _: (gate.wait(60), WriteResult([], [], [], 0))[1])  # holds the worker
    with TestClient(create_app(make_settings(writable_index_dir), svc)) as c:
        while svc.job(holder.id).state == "queued":
            time.sleep(0.01)
        queued = c.post("/v1/documents", files={"file": ("one.jsonl", feed(1, "q1"))})
        assert queued.status_code == 202
        full = c.post("/v1/documents", files={"file": ("two.jsonl", feed(1, "q2"))})
        assert full.status_code == 503 and full.json()["error"]["code"] == "queue_full"
        assert int(full.headers["retry-after"]) >= 1
        gate.set()
        assert svc.wait(queued.json()["job"]["id"], 120).state == "done"
