"""Writes generations into the Milvus collections (layout and generations: rag/index/milvus.py).

A write adds rows of the next generation, tombstones the rows it replaces, seals the segments and
only then publishes by upserting CURRENT; a writer killed before that leaves the live generation as
it was, and the next writer clears what it left.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..chunk import ChunkSettings, chunk_article
from ..embed import Encoder, VectorCache
from ..errors import IndexBusyError, IndexMismatchError, IndexMissingError, IngestError
from ..textzh import normalize
from ..types import Article, Chunk
from .dense import HNSW_EF_CONSTRUCTION, HNSW_M
from .layout import BM25_PARAMS
from .milvus import (
    CHUNK_FIELDS,
    SCHEMA,
    MilvusTarget,
    _chunk,
    _in,
    _query_all,
    _reaching,
    _read_articles,
    _read_manifest,
    _visible,
    analyzer_params,
    client_for,
    live_generation,
)
from .writer import BuildReport, Progress, dense_text, passage_text

LIVE = 2**62  # gen_removed of a row no generation has removed yet
PART_CHARS = 16_000  # article text per row: VARCHAR holds 65,535 bytes, a CJK character takes 3-4
TEXT_MAX = 65_535
FIELD_BYTES = {
    "article_id": 64,
    "chunk_id": 64,
    "title": 4096,
    "date": 32,
    "source": 2048,
    "byline": 4096,
    "url": 4096,
    "file": 4096,
}
BATCH = 500
# Rows a write removes stay this long after it is published, for queries still on the generation
# before (a request takes milliseconds; the service moves to the live generation on the next one).
RETAIN_S = 60.0


def _check_fits(article: Article) -> None:
    for name, limit in FIELD_BYTES.items():
        value = article.id if name == "article_id" else getattr(article, name, "")
        if len(str(value).encode("utf-8")) > limit:
            raise IngestError(
                f"article {article.id[:64]!r}: its {name} is over {limit} bytes, the most the Milvus backend "
                "stores; shorten it (nothing was ingested)"
            )


class MilvusWriter:
    """Writes generations to Milvus: add/replace/remove articles, or rebuild; same `apply` as IndexWriter."""

    def __init__(
        self,
        target: MilvusTarget,
        encoder: Encoder,
        chunk_settings: ChunkSettings | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.target = target
        self.encoder = encoder
        self.chunk_settings = chunk_settings or ChunkSettings()
        self.cache_dir = cache_dir
        self.client = client_for(target)

    # ---- schema --------------------------------------------------------------------------------
    def _ensure_collections(self) -> None:
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        c, t = self.client, self.target

        def base(schema: Any, key_len: int = 128) -> Any:
            schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=key_len)
            return schema

        if not c.has_collection(t.collection("chunks")):
            s = base(MilvusClient.create_schema(auto_id=False))
            for name in ("chunk_id", "article_id", "title", "date", "source"):
                s.add_field(name, DataType.VARCHAR, max_length=FIELD_BYTES[name])
            s.add_field("text", DataType.VARCHAR, max_length=TEXT_MAX)
            s.add_field(
                "passage",
                DataType.VARCHAR,
                max_length=TEXT_MAX,
                enable_analyzer=True,
                analyzer_params=analyzer_params(),
            )
            for name in ("start", "end", "ordinal", "gen_added", "gen_removed"):
                s.add_field(name, DataType.INT64)
            s.add_field("dense", DataType.FLOAT_VECTOR, dim=self.encoder.dim)
            s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            s.add_function(
                Function(
                    name="bm25",
                    function_type=FunctionType.BM25,
                    input_field_names=["passage"],
                    output_field_names=["sparse"],
                )
            )
            ip = c.prepare_index_params()
            ip.add_index(
                field_name="dense",
                index_type="HNSW",
                metric_type="IP",
                params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION},
            )
            ip.add_index(
                field_name="sparse",
                index_type="SPARSE_INVERTED_INDEX",
                metric_type="BM25",
                params={"bm25_k1": BM25_PARAMS["k1"], "bm25_b": BM25_PARAMS["b"]},
            )
            c.create_collection(t.collection("chunks"), schema=s, index_params=ip, consistency_level="Strong")
        for kind, fields in (
            (
                "articles",
                [(n, FIELD_BYTES[n]) for n in ("article_id", "title", "source", "date", "byline", "url", "file")]
                + [("text", TEXT_MAX)],
            ),
            ("meta", [("value", TEXT_MAX)]),
        ):
            if c.has_collection(t.collection(kind)):
                continue
            s = base(MilvusClient.create_schema(auto_id=False))
            for name, size in fields:
                s.add_field(name, DataType.VARCHAR, max_length=size)
            ints = ("part", "start", "end", "gen_added", "gen_removed") if kind == "articles" else ("gen",)
            for name in ints:
                s.add_field(name, DataType.INT64)
            if kind == "articles":
                s.add_field("date_inferred", DataType.BOOL)
            s.add_field("_v", DataType.FLOAT_VECTOR, dim=2)  # Milvus needs a vector field in every collection
            ip = c.prepare_index_params()
            ip.add_index(field_name="_v", index_type="FLAT", metric_type="L2")
            c.create_collection(t.collection(kind), schema=s, index_params=ip, consistency_level="Strong")
        for kind in ("chunks", "articles", "meta"):
            c.load_collection(t.collection(kind))

    # ---- rows ----------------------------------------------------------------------------------
    def _upsert(self, kind: str, rows: Sequence[dict[str, Any]], partial: bool = False) -> None:
        for i in range(0, len(rows), BATCH):
            part = list(rows[i : i + BATCH])
            if partial:
                self.client.upsert(self.target.collection(kind), part, partial_update=True)
            else:
                self.client.upsert(self.target.collection(kind), part)

    def _tombstone(self, kind: str, expr: str, gen: int) -> int:
        pks = [r["pk"] for r in _query_all(self.client, self.target.collection(kind), expr, ["pk"])]
        self._upsert(kind, [{"pk": pk, "gen_removed": gen} for pk in pks], partial=True)
        return len(pks)

    def _recover(self, live: int) -> None:
        """Undo what a writer killed before publishing left: rows of later generations, tombstones."""
        for kind in ("chunks", "articles"):
            self.client.delete(self.target.collection(kind), filter=f"gen_added > {live}")
            self._tombstone(kind, f"gen_removed > {live} and gen_removed < {LIVE}", LIVE)
        self.client.delete(self.target.collection("meta"), filter=f"gen > {live}")

    def _check_encoder(self, live: int) -> dict[str, Any]:
        manifest = _read_manifest(self.client, self.target, live)
        hint = f"run `rag ingest --rebuild --backend {self.target.display} PATH...`"
        if manifest.get("schema_version") != SCHEMA:
            raise IndexMismatchError(
                f"index {self.target.display} has schema {manifest.get('schema_version')}, this version writes "
                f"{SCHEMA} (other collection fields); nothing was written: {hint}"
            )
        if manifest.get("encoder") != self.encoder.name:
            raise IndexMismatchError(
                f"index {self.target.display} was built with encoder {manifest.get('encoder')!r}; adding to it "
                f"with {self.encoder.name!r} would mix vector spaces: {hint}"
            )
        return manifest

    def _chunk_rows(
        self, chunks: list[Chunk], gen: int, progress: Progress | None
    ) -> tuple[list[dict[str, Any]], int]:
        texts = [dense_text(c) for c in chunks]
        if self.cache_dir is not None:
            cache = VectorCache(self.cache_dir, self.encoder.name)
            vectors, embedded = cache.embed(texts, self.encoder.encode_passages, progress=progress)
            cache.save()
        else:
            vectors = self.encoder.encode_passages(texts) if texts else np.zeros((0, self.encoder.dim))
            embedded = len(texts)
        rows = []
        for c, v in zip(chunks, vectors, strict=True):
            row = {k: getattr(c, k) for k in CHUNK_FIELDS if k != "chunk_id"}
            passage = normalize(passage_text(c))
            if len(passage.encode("utf-8")) > TEXT_MAX:
                raise IngestError(
                    f"chunk {c.id} of article {c.article_id} is over {TEXT_MAX} bytes; use a smaller --chunk-size"
                )
            row |= {
                "pk": f"{c.id}.{gen}",
                "chunk_id": c.id,
                "passage": passage,
                "dense": np.asarray(v, dtype=np.float32).tolist(),
                "gen_added": gen,
                "gen_removed": LIVE,
            }
            rows.append(row)
        return rows, embedded

    @staticmethod
    def _article_rows(a: Article, gen: int) -> list[dict[str, Any]]:
        pieces = [a.text[i : i + PART_CHARS] for i in range(0, len(a.text), PART_CHARS)] or [""]
        meta = {k: v for k, v in asdict(a).items() if k not in ("id", "text")}
        return [
            meta
            | {
                "pk": f"{a.id}.{gen}.{n}",
                "article_id": a.id,
                "part": n,
                "text": piece,
                "gen_added": gen,
                "gen_removed": LIVE,
                "_v": [0.0, 0.0],
            }
            for n, piece in enumerate(pieces)
        ]

    def _publish(self, gen: int, manifest: dict[str, Any]) -> None:
        text = json.dumps(manifest, ensure_ascii=False)
        pieces = [text[i : i + PART_CHARS] for i in range(0, len(text), PART_CHARS)]
        self._upsert(
            "meta",
            [
                {
                    "pk": f"manifest.{gen}.{n}",
                    "value": p,
                    "gen": gen,
                    "_v": [0.0, 0.0],
                }
                for n, p in enumerate(pieces)
            ],
        )
        self._upsert(
            "meta", [{"pk": f"published.{gen}", "value": repr(time.time()), "gen": gen, "_v": [0.0, 0.0]}]
        )
        self._upsert("meta", [{"pk": "CURRENT", "value": str(gen), "gen": 0, "_v": [0.0, 0.0]}])

    # ---- writes --------------------------------------------------------------------------------
    def apply(
        self,
        add: Sequence[Article] = (),
        remove_ids: Iterable[str] = (),
        replace_sources: Iterable[str] = (),
        files: dict[str, str] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> BuildReport:
        """Publish the next generation: live articles − removed − those of replaced sources + added.
        Chunks that stay the same keep their rows and vectors; only new chunks are embedded."""
        with _reaching(self.target):
            return self._apply(add, set(remove_ids), set(replace_sources), files or {}, rebuild, progress)

    def _apply(
        self,
        add: Sequence[Article],
        remove_ids: set[str],
        replace_sources: set[str],
        files: dict[str, str],
        rebuild: bool,
        progress: Progress | None,
    ) -> BuildReport:
        t0 = time.perf_counter()
        c, t = self.client, self.target
        live = live_generation(t) or 0
        if rebuild:  # start afresh (perhaps with another encoder's dimension): drop, then recreate
            for kind in ("chunks", "articles", "meta"):
                c.drop_collection(t.collection(kind))
        self._ensure_collections()
        self._recover(0 if rebuild else live)
        old_manifest = self._check_encoder(live) if live and not rebuild else {}
        gen = live + 1
        seen = _visible(live)
        # the live articles' ids and sources (not their text) decide what goes
        owners = {
            r["article_id"]: r["source"]
            for r in _query_all(
                c, t.collection("articles"), f"{seen} and part == 0", ["article_id", "source"]
            )
        }
        drop_sources, drop_ids, adding = replace_sources, remove_ids, {a.id: a for a in add}
        gone = {i for i, s in owners.items() if s in drop_sources or i in drop_ids}
        again = set(adding) & set(owners)
        old = _read_articles(c, t, f"{seen} and {_in('article_id', again)}") if again else {}
        same = {i for i in again if old.get(i) == adding[i]}  # re-added unchanged: its rows stay
        new_articles = [a for i, a in adding.items() if i not in same]
        redo = (gone | again) - same  # live articles whose rows are replaced or removed
        for art in new_articles:  # refused before anything is written
            _check_fits(art)
        old_chunks: dict[str, tuple[str, Chunk]] = {}  # chunk id → (pk, chunk), of those articles
        if redo:
            for r in _query_all(
                c, t.collection("chunks"), f"{seen} and {_in('article_id', redo)}", ["pk", *CHUNK_FIELDS]
            ):
                old_chunks[r["chunk_id"]] = (r["pk"], _chunk(r))
        chunks = [
            ch
            for a in sorted(new_articles, key=lambda a: (a.source, a.start, a.id))
            for ch in chunk_article(a, self.chunk_settings)
        ]
        keep = {ch.id for ch in chunks if ch.id in old_chunks and old_chunks[ch.id][1] == ch}
        fresh = [ch for ch in chunks if ch.id not in keep]
        rows, embedded = self._chunk_rows(fresh, gen, progress)
        self._upsert("chunks", rows)
        stale = [pk for cid, (pk, _) in old_chunks.items() if cid not in keep]
        self._upsert("chunks", [{"pk": pk, "gen_removed": gen} for pk in stale], partial=True)
        if redo:
            self._tombstone("articles", f"{seen} and {_in('article_id', redo)}", gen)
        self._upsert("articles", [row for a in new_articles for row in self._article_rows(a, gen)])

        counts = old_manifest.get("counts", {"articles": 0, "chunks": 0})
        n_articles = len((set(owners) - gone) | set(adding))
        n_chunks = counts["chunks"] - len(stale) + len(fresh)
        file_digests = {} if rebuild else dict(old_manifest.get("files", {}))
        file_digests.update(files)
        manifest = {
            "schema_version": SCHEMA,
            "generation": gen,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "backend": "milvus",
            "encoder": self.encoder.name,
            "dim": self.encoder.dim,
            "analyzer": "milvus-jieba-search+domain",
            "chunk": asdict(self.chunk_settings),
            "bm25": BM25_PARAMS,
            "dense_index": f"HNSW(M={HNSW_M},efConstruction={HNSW_EF_CONSTRUCTION})",
            "counts": {"articles": n_articles, "chunks": n_chunks},
            "files": dict(sorted(file_digests.items())),
        }
        if (live_generation(t) or 0) != (0 if rebuild else live):
            self._recover(live)
            raise IndexBusyError(
                f"another writer published to {t.display} meanwhile; nothing was written, try again"
            )
        self._seal()
        self._publish(gen, manifest)
        self._prune(gen)
        return BuildReport(gen, n_articles, n_chunks, embedded, n_chunks - embedded, time.perf_counter() - t0)

    def _seal(self) -> None:
        """Flush what was written: sealed segments are searched through their indexes, growing ones
        row by row (in Lite, in Python: 10k chunks, ~1.7 s a query against 73 ms sealed). Only an
        optimisation (reads are strongly consistent either way), so a cluster's flush rate limit is
        no reason to fail the write."""
        from pymilvus.exceptions import MilvusException

        for kind in ("chunks", "articles"):
            try:
                self.client.flush(self.target.collection(kind))
            except MilvusException:
                pass

    def compact(self, progress: Progress | None = None) -> BuildReport:
        """Ask Milvus to merge the collections' segments and drop deleted rows; the generation and
        its content stay as they are (Milvus also compacts on its own)."""
        t0 = time.perf_counter()
        with _reaching(self.target):
            live = live_generation(self.target)
            if live is None:
                raise IndexMissingError(f"no index in {self.target.display} to compact")
            counts = _read_manifest(self.client, self.target, live)["counts"]
            for kind in ("chunks", "articles"):
                self.client.compact(self.target.collection(kind))
        return BuildReport(
            live, counts["articles"], counts["chunks"], 0, counts["chunks"], time.perf_counter() - t0
        )

    def _prune(self, live: int) -> None:
        """Delete the rows no reader can still be on: those removed by a generation published over
        RETAIN_S ago (the one before it stopped being live then), never what the previous one sees."""
        meta = self.target.collection("meta")
        published = {
            int(r["gen"]): float(r["value"])
            for r in _query_all(self.client, meta, "pk like 'published.%'", ["gen", "value"])
        }
        done = [g for g, at in published.items() if g < live and at < time.time() - RETAIN_S]
        if not done:
            return
        cutoff = max(done)  # generations before it are unreadable from here on
        for kind in ("chunks", "articles"):
            self.client.delete(self.target.collection(kind), filter=f"gen_removed <= {cutoff}")
        self.client.delete(meta, filter=f"gen > 0 and gen < {cutoff}")
