"""Milvus as the index backend, for archives that outgrow one machine, and the backend factory.

`--backend milvus://[USER:PASSWORD@]HOST:PORT[/PREFIX]` (or RAG_BACKEND) keeps the index in three
Milvus collections instead of an index folder:

    PREFIX_chunks    chunk text and metadata, the dense vector (HNSW, inner product) and the BM25
                     sparse vector that Milvus's BM25 function derives from the passage text with
                     the jieba analyzer (the same domain terms and stop words as the embedded index)
    PREFIX_articles  the articles (text split into parts of PART_CHARS) and the files they came
                     from, so the service lists them and knows an upload's name
    PREFIX_meta      CURRENT (the live generation) and each generation's manifest

This module reads (MilvusIndex, MilvusRetriever) and picks the backend (open_backend);
rag/index/milvus_writer.py writes.

Generations work like the folder's: every row carries `gen_added` and `gen_removed`, and a reader of
generation G sees the rows with gen_added ≤ G < gen_removed. A writer adds rows of G+1 and tombstones
rows (gen_removed = G+1), then publishes by upserting the one CURRENT row; queries in flight keep
reading G, and a writer killed before that publication leaves G untouched (the next writer first
removes what it left). Rows removed by a generation published over a minute ago are then deleted
(never those the previous generation sees; milvus_writer.RETAIN_S). One writer at a time: Milvus has no lock, so a writer
that finds CURRENT moved under it refuses to publish.

Hybrid search is Milvus's own: `hybrid_search` over the dense and BM25 routes with RRFRanker(k=60),
server-side. Only non-default fusion weights are fused here, from the two routes' rankings.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import numpy as np

from ..errors import IndexMismatchError, IndexMissingError
from ..retrieve import MODES, RRF_K, Filters, Retriever, reciprocal_rank_fusion
from ..textzh import STOPWORDS, domain_terms, normalize, tokenize
from ..types import Article, Chunk, Hit
from .dense import HNSW_EF_SEARCH

if TYPE_CHECKING:
    pass

# The collections' layout (fields, row keys, generations), independent of the folder's schema;
# 2: articles carry the file they were ingested from
SCHEMA = 2
CONNECT_TIMEOUT_S = 10.0
CHUNK_FIELDS = ["chunk_id", "article_id", "title", "date", "source", "text", "start", "end", "ordinal"]
ARTICLE_FIELDS = [
    "article_id",
    "part",
    "title",
    "text",
    "source",
    "date",
    "date_inferred",
    "byline",
    "url",
    "start",
    "end",
    "file",
]


# Milvus Lite ignores the removepunct filter: the common punctuation is in the stop-word list too
PUNCTUATION = frozenset("，。、；：？！“”‘’（）《》〈〉【】—…·「」『』〔〕,.;:?!()[]{}<>\"'-/%+*~|")


def analyzer_params() -> dict[str, Any]:
    """Milvus's jieba analyzer with the embedded tokenizer's domain terms (kept whole) and stop words."""
    return {
        "tokenizer": {"type": "jieba", "mode": "search", "hmm": True, "dict": ["_default_", *domain_terms()]},
        "filter": ["removepunct", {"type": "stop", "stop_words": sorted(STOPWORDS | PUNCTUATION)}],
    }


def _lit(value: str) -> str:
    """A string literal for a Milvus filter expression (json's escapes are the C-style ones it reads)."""
    return json.dumps(value, ensure_ascii=False)


def _visible(gen: int) -> str:
    return f"gen_added <= {gen} and gen_removed > {gen}"


def _in(field: str, values: Iterable[str]) -> str:
    return f"{field} in [{', '.join(_lit(v) for v in values)}]"


@dataclass(frozen=True)
class MilvusTarget:
    """Where the index lives: the server's URI, credentials and the collections' name prefix."""

    uri: str
    prefix: str = "rag"
    token: str = ""

    @staticmethod
    def parse(spec: str) -> MilvusTarget:
        parts = urlsplit(spec)
        prefix = parts.path.strip("/") or "rag"
        if parts.scheme != "milvus" or not parts.hostname or not parts.port or not prefix.isidentifier():
            raise ValueError(
                f"bad backend {spec!r}: use milvus://HOST:PORT or milvus://USER:PASSWORD@HOST:PORT/PREFIX "
                "(PREFIX: letters, digits and _), or leave it empty for the index folder"
            )
        token = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}" if parts.username else ""
        return MilvusTarget(f"http://{parts.hostname}:{parts.port}", prefix, token)

    @property
    def display(self) -> str:
        return f"milvus://{self.uri.removeprefix('http://')}/{self.prefix}"

    def collection(self, kind: str) -> str:
        return f"{self.prefix}_{kind}"


_clients: dict[MilvusTarget, Any] = {}
_clients_lock = threading.Lock()


def client_for(target: MilvusTarget) -> Any:
    """One MilvusClient per target and process (it is thread-safe and holds the gRPC channel)."""
    with _clients_lock:
        client = _clients.get(target)
        if client is None:
            import logging

            try:
                from pymilvus import MilvusClient
                from pymilvus.exceptions import MilvusException
            except ImportError as exc:
                raise IndexMissingError(
                    f"the Milvus backend ({target.display}) needs pymilvus: pip install -e '.[milvus]'"
                ) from exc

            # Milvus Lite returns no MVCC timestamp for iterators and pymilvus warns on every one;
            # the client's own timestamp is as good on these strongly consistent collections
            logging.getLogger("pymilvus.client.iterator.query_iterator").setLevel(logging.ERROR)

            try:
                client = MilvusClient(uri=target.uri, token=target.token, timeout=CONNECT_TIMEOUT_S)
            except MilvusException as exc:
                raise IndexMissingError(
                    f"cannot reach Milvus at {target.display} ({exc.message}); start it or fix --backend / RAG_BACKEND"
                ) from exc
            _clients[target] = client
        return client


@contextmanager
def _reaching(target: MilvusTarget) -> Iterator[None]:
    """A failing or unreachable server is a 503 that names it, not a stack trace."""
    import grpc
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except (MilvusException, grpc.RpcError) as exc:
        detail = getattr(exc, "message", None) or str(exc)
        raise IndexMissingError(
            f"Milvus at {target.display} failed ({detail}); check that it is running and reachable, "
            "or fix --backend / RAG_BACKEND"
        ) from exc


def _query_all(client: Any, collection: str, expr: str, fields: list[str]) -> Iterator[dict[str, Any]]:
    """Every row matching `expr` (a plain query stops at 16,384 rows)."""
    it = client.query_iterator(collection, batch_size=2000, filter=expr, output_fields=fields)
    try:
        while batch := it.next():
            yield from batch
    finally:
        it.close()


def _meta_get(client: Any, target: MilvusTarget, key: str) -> str | None:
    rows = client.get(target.collection("meta"), ids=[key], output_fields=["value"])
    return str(rows[0]["value"]) if rows else None


def live_generation(target: MilvusTarget) -> int | None:
    """The generation CURRENT names, or None when the collections do not exist yet."""
    client = client_for(target)
    with _reaching(target):
        if not client.has_collection(target.collection("meta")):
            return None
        value = _meta_get(client, target, "CURRENT")
    return int(value) if value else None


def _read_manifest(client: Any, target: MilvusTarget, gen: int) -> dict[str, Any]:
    rows = list(
        _query_all(
            client, target.collection("meta"), f"gen == {gen} and pk like 'manifest.%'", ["pk", "value"]
        )
    )
    text = "".join(r["value"] for r in sorted(rows, key=lambda r: int(r["pk"].rsplit(".", 1)[1])))
    try:
        return dict(json.loads(text))
    except ValueError as exc:
        raise IndexMismatchError(
            f"the manifest of generation {gen} in {target.display} is unreadable ({exc}); "
            f"rebuild it with `rag ingest --rebuild --backend {target.display} PATH...`"
        ) from exc


def _article(rows: list[dict[str, Any]]) -> Article:
    rows = sorted(rows, key=lambda r: r["part"])
    r = rows[0]
    return Article(
        r["article_id"],
        r["title"],
        "".join(p["text"] for p in rows),
        r["source"],
        r["date"],
        bool(r["date_inferred"]),
        r["byline"],
        r["url"],
        int(r["start"]),
        int(r["end"]),
        r["file"],
    )


def _chunk(row: dict[str, Any]) -> Chunk:
    return Chunk(
        row["chunk_id"],
        row["article_id"],
        row["title"],
        row["date"],
        row["source"],
        row["text"],
        int(row["start"]),
        int(row["end"]),
        int(row["ordinal"]),
    )


def _read_articles(client: Any, target: MilvusTarget, expr: str) -> dict[str, Article]:
    parts: dict[str, list[dict[str, Any]]] = {}
    for row in _query_all(client, target.collection("articles"), expr, ARTICLE_FIELDS):
        parts.setdefault(row["article_id"], []).append(row)
    return {k: _article(v) for k, v in parts.items()}


class _Chunks(Sequence[Chunk]):
    """The generation's chunks: counted from the manifest (health checks), read only when iterated."""

    def __init__(self, index: MilvusIndex) -> None:
        self.index = index

    @cached_property
    def _rows(self) -> list[Chunk]:
        ix = self.index
        rows = _query_all(ix.client, ix.target.collection("chunks"), _visible(ix.generation), CHUNK_FIELDS)
        return sorted((_chunk(r) for r in rows), key=lambda c: (c.source, c.start, c.id))

    def __len__(self) -> int:
        return int(self.index.manifest["counts"]["chunks"])

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        return self._rows[i]

    def __iter__(self) -> Iterator[Chunk]:
        return iter(self._rows)


class MilvusIndex:
    """One generation in Milvus, shaped like the folder's `Index` where the answerer, checker and
    service look (`generation`, `manifest`, `articles`, `chunks`, `encoder_name`, `chunks_of`):
    articles are read at load, chunks only when asked for (listing documents); searches go to Milvus."""

    def __init__(
        self, target: MilvusTarget, generation: int, manifest: dict[str, Any], articles: dict[str, Article]
    ):
        self.target = target
        self.folder = Path(target.display)
        self.generation = generation
        self.manifest = manifest
        self.articles = articles
        self.client = client_for(target)

    @property
    def encoder_name(self) -> str:
        return str(self.manifest["encoder"])

    @cached_property
    def chunks(self) -> _Chunks:
        return _Chunks(self)

    def chunks_of(self, article_id: str) -> list[Chunk]:
        expr = f"{_visible(self.generation)} and article_id == {_lit(article_id)}"
        rows = self.client.query(self.target.collection("chunks"), filter=expr, output_fields=CHUNK_FIELDS)
        return sorted((_chunk(r) for r in rows), key=lambda c: c.ordinal)

    def chunk_counts(self) -> dict[str, int]:
        """Chunks per live article, reading only the chunks' article ids (no text, no vectors)."""
        out: dict[str, int] = {}
        with _reaching(self.target):
            for row in _query_all(self.client, self.target.collection("chunks"), _visible(self.generation), ["article_id"]):
                out[row["article_id"]] = out.get(row["article_id"], 0) + 1
        return out


def load_milvus_index(target: MilvusTarget, encoder_name: str | None = None) -> MilvusIndex:
    with _reaching(target):
        return _load(target, encoder_name)


def _load(target: MilvusTarget, encoder_name: str | None) -> MilvusIndex:
    gen = live_generation(target)
    if gen is None:
        raise IndexMissingError(
            f"no index in {target.display}; build one with `rag ingest --backend {target.display} seeds/`"
        )
    client = client_for(target)
    manifest = _read_manifest(client, target, gen)
    hint = f"rebuild it with `rag ingest --rebuild --backend {target.display} PATH...`"
    if manifest.get("schema_version") != SCHEMA:
        raise IndexMismatchError(
            f"index {target.display} has schema {manifest.get('schema_version')}, this version reads {SCHEMA}; {hint}"
        )
    if encoder_name and manifest.get("encoder") != encoder_name:
        raise IndexMismatchError(
            f"index {target.display} was built with encoder {manifest.get('encoder')!r}, not {encoder_name!r}; "
            f"use --encoder {manifest.get('encoder')} or {hint}"
        )
    return MilvusIndex(target, gen, manifest, _read_articles(client, target, _visible(gen)))


def _filter_expr(index: MilvusIndex, filters: Filters | None) -> str | None:
    """The generation's rows, narrowed by the filters; None when no source matches. Source prefixes
    are resolved against the generation's sources here (a LIKE pattern would need escaping)."""
    expr = _visible(index.generation)
    if filters is None or not filters.active:
        return expr
    if filters.sources:
        by_source = Filters(sources=filters.sources)
        sources = sorted({a.source for a in index.articles.values() if by_source.allows(a.source, "")})
        if not sources:
            return None
        expr += f" and {_in('source', sources)}"
    # a YYYY[-MM[-DD]] prefix compares like the whole date for ≥; for ≤ every date that starts
    # with date_to counts, and '~' sorts after every digit and '-'
    if filters.date_from:
        expr += f" and date >= {_lit(filters.date_from)}"
    if filters.date_to:
        expr += f" and date != '' and date < {_lit(filters.date_to + '~')}"
    return expr


class MilvusRetriever(Retriever):
    """Dense, BM25 and server-side hybrid (RRF) search in Milvus, returning the same `Hit`s."""

    def __init__(self, index: MilvusIndex, embed_query: Callable[[str], np.ndarray]) -> None:
        self.index: MilvusIndex = index  # type: ignore[assignment]
        self.embed_query = embed_query

    def _route(self, kind: str, query: str, depth: int) -> tuple[Any, str, dict[str, Any]]:
        if kind == "dense":
            vec = np.asarray(self.embed_query(query), dtype=np.float32).reshape(-1).tolist()
            return vec, "dense", {"metric_type": "IP", "params": {"ef": max(HNSW_EF_SEARCH, depth)}}
        return normalize(query), "sparse", {"metric_type": "BM25", "params": {}}

    def _search(self, kind: str, query: str, depth: int, expr: str) -> list[tuple[Chunk, float]]:
        data, field, params = self._route(kind, query, depth)
        res = self.index.client.search(
            self.index.target.collection("chunks"),
            data=[data],
            anns_field=field,
            limit=depth,
            filter=expr,
            search_params=params,
            output_fields=CHUNK_FIELDS,
        )
        # Milvus Lite reports BM25 scores negated (smaller is better there); a cluster, positive
        return [(_chunk(h["entity"]), abs(float(h["distance"]))) for h in res[0]]

    def _hybrid(self, query: str, depth: int, top_k: int, expr: str) -> list[tuple[Chunk, float]]:
        from pymilvus import AnnSearchRequest, RRFRanker

        requests = []
        for kind in ("dense", "bm25"):
            data, field, params = self._route(kind, query, depth)
            requests.append(
                AnnSearchRequest(data=[data], anns_field=field, param=params, limit=depth, expr=expr)
            )
        res = self.index.client.hybrid_search(
            self.index.target.collection("chunks"),
            requests,
            RRFRanker(RRF_K),
            limit=top_k,
            output_fields=CHUNK_FIELDS,
        )
        return [(_chunk(h["entity"]), float(h["distance"])) for h in res[0]]

    def search(
        self,
        query: str,
        top_k: int = 5,
        mode: str = "hybrid",
        filters: Filters | None = None,
        weights: tuple[float, float] = (1.0, 1.0),
        depth: int | None = None,
    ) -> list[Hit]:
        """As `Retriever.search`: no hits for empty or stop-word-only queries, top_k capped by the corpus."""
        with _reaching(self.index.target):
            return self._hits(query, top_k, mode, filters, weights, depth)

    def _hits(
        self,
        query: str,
        top_k: int,
        mode: str,
        filters: Filters | None,
        weights: tuple[float, float],
        depth: int | None,
    ) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        if top_k <= 0 or not tokenize(query):
            return []
        expr = _filter_expr(self.index, filters)
        if expr is None:
            return []
        depth = depth or max(top_k * 4, 40)
        if mode == "hybrid" and tuple(weights) == (1.0, 1.0):
            return [Hit(c, round(s, 6)) for c, s in self._hybrid(query, depth, top_k, expr)]
        dense = self._search("dense", query, depth, expr) if mode in ("hybrid", "dense") else []
        sparse = self._search("bm25", query, depth, expr) if mode in ("hybrid", "bm25") else []
        by_id = {c.id: c for c, _ in [*dense, *sparse]}
        dense_rank = {c.id: i for i, (c, _) in enumerate(dense, 1)}
        sparse_rank = {c.id: i for i, (c, _) in enumerate(sparse, 1)}
        dense_score = {c.id: s for c, s in dense}
        if mode == "hybrid":  # client-side only for non-default weights
            order = list(by_id)
            row = {cid: n for n, cid in enumerate(order)}
            fused = reciprocal_rank_fusion(
                [[row[c.id] for c, _ in dense], [row[c.id] for c, _ in sparse]], weights
            )
            scored = [(order[r], s) for r, s in sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))]
        else:
            scored = [(c.id, s) for c, s in (dense or sparse)]
        return [
            Hit(by_id[i], round(s, 6), dense_rank.get(i), sparse_rank.get(i), dense_score.get(i))
            for i, s in scored[:top_k]
        ]
