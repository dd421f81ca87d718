"""HTTP load on loopback: N concurrent clients posting distinct seed-corpus questions to /v1/ask.

    .venv/bin/python bench/bench_load.py                       # starts `rag serve` on index/, 32 × 30 s
    .venv/bin/python bench/bench_load.py -c 8 -d 10 --url http://127.0.0.1:8000   # an already running server
    .venv/bin/python bench/bench_load.py --questions ../shared/eval/dev_questions.jsonl --json

Questions come from --questions (JSONL with a "question" field, or one per line); without it they
are built from the served corpus itself (GET /v1/documents): each sentence that carries a figure
becomes "<the words before the figure>是多少？", so any corpus gives distinct, answerable-looking
questions. The server runs in its own process (`rag serve --no-ui`), so the load generator does not
share its GIL; the first seconds (--warmup) are not counted. Prints requests, req/s, latency
percentiles and errors. Clients cycle through the questions, so after the first round a question's
vector comes from the service's query cache; the latency of first-time questions is printed apart
(warm-up rounds use questions up too: use --warmup 0 to measure them). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIGURE = re.compile(r"\d+(?:\.\d+)?(?:%|万|亿|个|家|项|米|吨|标箱|元)")


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)  # a question's first time: no cached query vector
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def questions_from_file(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        out.append(json.loads(line)["question"] if line.startswith("{") else line)
    return list(dict.fromkeys(out))


def questions_from_corpus(client: httpx.Client, limit: int = 400) -> list[str]:
    """'<words before a figure>是多少？' for every sentence of the served corpus that carries a figure."""
    out: list[str] = []
    for doc in client.get("/v1/documents").json()["documents"]:
        text = client.get(f"/v1/documents/{doc['id']}").json()["text"]
        for sentence in re.split(r"[。！？\n]", text):
            m = FIGURE.search(sentence)
            if not m:
                continue
            head = re.split(r"[，、：；]", sentence[: m.start()])[-1].strip(' “”"')
            head = re.sub(r"(达到|达|为|超过|超|突破|增长|下降|约|近|共|累计|完成|实现)$", "", head)
            if 4 <= len(head) <= 40:
                out.append(f"{head}是多少？")
    return list(dict.fromkeys(out))[:limit]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(index: Path, port: int, api_key: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update({"RAG_API_KEY": api_key, "RAG_RATE_LIMIT_PER_MINUTE": "0", "HF_HUB_OFFLINE": "1"})
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--index", str(index), "--port", str(port), "--no-ui"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(url: str, proc: subprocess.Popen[bytes] | None, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"server exited with {proc.returncode}:\n{err[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server at {url} was not ready after {seconds} s")


async def run_load(
    url: str, questions: list[str], concurrency: int, duration: float, warmup: float, headers: dict[str, str]
) -> tuple[Tally, float]:
    """`concurrency` clients, each posting its own slice of the questions in turn, for warmup + duration."""
    tally = Tally()
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + duration
    # keep idle connections for less than uvicorn's 5 s keep-alive, or a reused one can be closed under us
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2
    )
    asked: set[str] = set()

    async def client(i: int, http: httpx.AsyncClient) -> None:
        k = i
        while time.monotonic() < stop_at:
            question = questions[k % len(questions)]
            k += concurrency
            t0 = time.monotonic()
            try:
                r = await http.post("/v1/ask", json={"question": question})
                status = str(r.status_code)
                body_ok = r.status_code == 200 and "answer" in r.json()
            except (httpx.HTTPError, ValueError) as exc:
                status, body_ok = type(exc).__name__, False
            t1 = time.monotonic()
            first = question not in asked
            asked.add(question)
            if t0 < measure_from:
                continue
            tally.statuses[status] += 1
            if body_ok:
                tally.latencies_ms.append((t1 - t0) * 1000)
                if first:
                    tally.first_ms.append((t1 - t0) * 1000)
            else:
                tally.errors.append(f"{status}: {question}")

    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits, headers=headers) as http:
        await asyncio.gather(*(client(i, http) for i in range(concurrency)))
    return tally, time.monotonic() - measure_from


def report(tally: Tally, elapsed: float, concurrency: int, n_questions: int) -> dict[str, Any]:
    lat = tally.latencies_ms
    total = sum(tally.statuses.values())
    return {
        "concurrency": concurrency,
        "seconds": round(elapsed, 1),
        "distinct_questions": n_questions,
        "requests": total,
        "req_per_s": round(total / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(lat, 50), 1),
        "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "max_ms": round(max(lat), 1) if lat else None,
        "mean_ms": round(statistics.fmean(lat), 1) if lat else None,
        "first_time_requests": len(tally.first_ms),
        "first_time_p50_ms": round(percentile(tally.first_ms, 50), 1),
        "errors": len(tally.errors),
        "statuses": dict(tally.statuses),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--concurrency", type=int, default=32, help="concurrent clients (default 32)")
    ap.add_argument("-d", "--duration", type=float, default=30.0, help="measured seconds (default 30)")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring (default 3)")
    ap.add_argument("--url", help="an already running server; otherwise one is started on --index")
    ap.add_argument("--index", type=Path, default=ROOT / "index", help="index folder for the started server")
    ap.add_argument("--questions", type=Path, help="JSONL with 'question' or one question per line")
    ap.add_argument("--api-key", default="", help="sent as a Bearer token (and set on a started server)")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = ap.parse_args(argv)

    proc = None
    url = args.url
    if url is None:
        if not (args.index / "CURRENT").is_file():
            raise SystemExit(f"no index in {args.index}; run `make index` first")
        url = f"http://127.0.0.1:{free_port()}"
        proc = start_server(args.index, int(url.rsplit(":", 1)[1]), args.api_key)
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    try:
        wait_ready(url, proc)
        with httpx.Client(base_url=url, timeout=60, headers=headers) as http:
            questions = questions_from_file(args.questions) if args.questions else questions_from_corpus(http)
        if not questions:
            raise SystemExit("no questions")
        tally, elapsed = asyncio.run(
            run_load(url, questions, args.concurrency, args.duration, args.warmup, headers)
        )
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    result = report(tally, elapsed, args.concurrency, len(questions))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(
            f"{result['concurrency']} clients × {result['seconds']} s, {result['distinct_questions']} distinct "
            f"questions: {result['requests']} requests, {result['req_per_s']} req/s; latency p50 "
            f"{result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms; "
            f"errors {result['errors']} {result['statuses']}; questions asked for the first time: "
            f"{result['first_time_requests']}, p50 {result['first_time_p50_ms']} ms"
        )
        for e in tally.errors[:10]:
            print("  error:", e)
    return 1 if tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
