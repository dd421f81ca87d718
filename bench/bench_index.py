"""Index build time and in-process search latency on the seed corpus.

    .venv/bin/python bench/bench_index.py [--seeds seeds] [--queries 150] [--json]

Measures, with the real default encoder:
- a cold build (empty vector cache: every chunk is embedded) and a warm rebuild (vector cache kept:
  nothing is embedded), with chunks/s and embedded characters/s;
- search latency p50/p95 for hybrid, dense and BM25 through `Retriever.search`, query embedding
  included: every query is distinct and each mode gets a fresh query cache, so no query vector is
  reused; then the same queries again with the cache warm ("cached": retrieval alone).

The machine is shared with other work: the load average before and after is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: with a few hundred samples, no interpolation needed."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "omp_threads": os.environ.get("OMP_NUM_THREADS", "default")}


def distinct_queries(index: Any, n: int) -> list[str]:
    """Dev questions and claims, headlines, then the opening clause of chunks: all different texts."""
    out: list[str] = []
    for name, key in (("dev_questions.jsonl", "question"), ("dev_claims.jsonl", "claim")):
        path = EVAL / name
        if path.is_file():
            out += [json.loads(line)[key] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out += [a.title for a in index.articles.values()]
    out += [c.text.split("。")[0][:40] for c in index.chunks]
    seen: dict[str, None] = {}
    for q in out:
        if q.strip():
            seen.setdefault(q.strip(), None)
    return list(seen)[:n]


def build(folder: Path, seeds: Path, cache_from: Path | None = None) -> dict[str, Any]:
    import shutil

    from rag.embed import load_encoder
    from rag.ingest import iter_files, load_paths
    from rag.store import IndexWriter, file_digest

    if cache_from is not None:
        shutil.copytree(cache_from / "cache", folder / "cache")
    t0 = time.perf_counter()
    articles = load_paths([seeds])
    files = {f.name: file_digest(f) for f in iter_files([seeds])}
    parse_s = time.perf_counter() - t0
    report = IndexWriter(folder, load_encoder()).apply(add=articles, files=files, rebuild=True)
    total = time.perf_counter() - t0
    from rag.store import load_index

    chars = sum(len(c.text) for c in load_index(folder).chunks)
    return {"seconds": round(total, 2), "parse_s": round(parse_s, 2), "articles": report.articles,
            "chunks": report.chunks, "embedded": report.embedded, "cached": report.cached,
            "chunks_per_s": round(report.chunks / total, 1), "chars_per_s": round(chars / total),
            "chars": chars}


def latency(folder: Path, queries: list[str], top_k: int) -> dict[str, dict[str, float]]:
    from rag.embed import QueryCache, load_encoder
    from rag.retrieve import Retriever
    from rag.store import load_index

    index = load_index(folder)
    encoder = load_encoder()
    encoder.encode_queries(["预热"])  # first call pays one-off setup
    out: dict[str, dict[str, float]] = {}
    for mode in ("hybrid", "dense", "bm25"):
        retriever = Retriever(index, QueryCache(encoder))  # fresh cache: every query is embedded
        for label in ("uncached", "cached"):
            times = []
            for q in queries:
                t0 = time.perf_counter()
                retriever.search(q, top_k=top_k, mode=mode)
                times.append((time.perf_counter() - t0) * 1000)
            key = mode if label == "uncached" else f"{mode} (cached)"
            out[key] = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2),
                        "mean_ms": round(statistics.fmean(times), 2), "n": len(times)}
            if mode == "bm25":
                break  # BM25 embeds nothing: cached would be the same figure
    embed_times = []
    for q in queries:
        t0 = time.perf_counter()
        encoder.encode_queries([q + "？"])
        embed_times.append((time.perf_counter() - t0) * 1000)
    out["query embedding alone"] = {"p50_ms": round(statistics.median(embed_times), 2),
                                    "p95_ms": round(percentile(embed_times, 95), 2),
                                    "mean_ms": round(statistics.fmean(embed_times), 2), "n": len(embed_times)}
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    p.add_argument("--queries", type=int, default=150, help="distinct queries per mode")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args()

    sys.path.insert(0, str(ROOT))
    from rag.embed import load_encoder

    load_before = os.getloadavg()
    t0 = time.perf_counter()
    load_encoder()
    encoder_load_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        cold_dir, warm_dir = Path(tmp) / "cold", Path(tmp) / "warm"
        cold = build(cold_dir, args.seeds)
        warm = build(warm_dir, args.seeds, cache_from=cold_dir)
        from rag.store import load_index

        queries = distinct_queries(load_index(warm_dir), args.queries)
        search = latency(warm_dir, queries, args.top_k)
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M"), "encoder_load_s": round(encoder_load_s, 2),
              "load_avg_before": [round(x, 2) for x in load_before],
              "load_avg_after": [round(x, 2) for x in os.getloadavg()],
              "build_cold": cold, "build_warm": warm, "search": search}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    m = result["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, OMP_NUM_THREADS={m['omp_threads']}")
    print(f"date: {result['date']}   load average before {result['load_avg_before']} after {result['load_avg_after']}")
    print(f"encoder load: {encoder_load_s:.2f}s")
    for name, b in (("cold (empty vector cache)", cold), ("warm (vector cache)", warm)):
        print(f"build {name}: {b['seconds']:.2f}s for {b['articles']} articles, {b['chunks']} chunks, "
              f"{b['chars']} chars ({b['embedded']} embedded, {b['cached']} cached; parse {b['parse_s']:.2f}s) → "
              f"{b['chunks_per_s']} chunks/s, {b['chars_per_s']} chars/s")
    print(f"search latency, top-{args.top_k}, {len(queries)} distinct queries:")
    for name, s in search.items():
        print(f"  {name:22s} p50 {s['p50_ms']:7.2f} ms   p95 {s['p95_ms']:7.2f} ms   mean {s['mean_ms']:7.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
