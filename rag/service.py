"""The facade every front end uses: load the index, search, ask, check, add and remove articles.

Queries take a snapshot (index generation + retriever) and work on it alone, so an ingest that swaps
in a new generation never changes the ground under a request in flight; every response names the
generation it was answered from.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .chunk import ChunkSettings
from .embed import DEFAULT_ENCODER, Encoder, QueryCache, load_encoder
from .errors import IndexBusyError, NotFoundError
from .index.milvus import open_backend
from .ingest import parse_document
from .retrieve import Filters, Retriever
from .store import BuildReport, Index, IndexWriter, Progress
from .types import Answer, Article, Hit


@dataclass(frozen=True)
class Snapshot:
    index: Index
    retriever: Retriever

    @property
    def generation(self) -> int:
        return self.index.generation


class RagService:
    """One index folder, loaded once, swapped atomically after each write."""

    def __init__(
        self,
        index_dir: Path,
        encoder: str = DEFAULT_ENCODER,
        chunk_settings: ChunkSettings | None = None,
        ann: str = "auto",
        backend: str = "",
    ) -> None:
        self.index_dir = Path(index_dir)
        self.backend = open_backend(backend, self.index_dir)  # "" → the folder; milvus://HOST:PORT
        self.encoder_spec = encoder
        self.chunk_settings = chunk_settings
        self.ann = ann
        self._snapshot: Snapshot | None = None
        self._swap_lock = threading.RLock()
        self._reload_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._encoder: Encoder | None = None
        self._query_cache: QueryCache | None = None

    @property
    def encoder(self) -> Encoder:
        with self._swap_lock:  # one model load, however many threads ask at start-up
            if self._encoder is None:
                self._encoder = load_encoder(self.encoder_spec)
                self._query_cache = QueryCache(self._encoder)
            return self._encoder

    # ---- loading -------------------------------------------------------------------------------
    def load(self) -> Snapshot:
        """Load (or reload) the live generation; the encoder must match the one it was built with."""
        with self._reload_lock:
            return self._load_locked()

    def _load_locked(self) -> Snapshot:
        encoder = self.encoder
        current = self._snapshot
        if current is not None and current.generation == self.backend.current_generation():
            return current  # another thread reloaded while this one waited
        index = self.backend.load(encoder.name)
        assert self._query_cache is not None
        snap = Snapshot(index, self.backend.retriever(index, self._query_cache))
        with self._swap_lock:
            self._snapshot = snap
        return snap

    @property
    def ready(self) -> bool:
        return self._snapshot is not None

    def snapshot(self) -> Snapshot:
        snap = self._snapshot
        if snap is None:
            if self.backend.current_generation() is None:
                raise self.backend.missing()
            snap = self.load()
        elif self.backend.current_generation() != snap.generation and self._reload_lock.acquire(blocking=False):
            # another process (e.g. `rag ingest`) published a new generation: one thread reloads,
            # the others go on answering from the snapshot they have
            try:
                snap = self._load_locked()
            finally:
                self._reload_lock.release()
        return snap

    def health(self) -> dict[str, Any]:
        snap = self.snapshot()
        return {
            "generation": snap.generation,
            "articles": len(snap.index.articles),
            "chunks": len(snap.index.chunks),
            "encoder": snap.index.encoder_name,
        }

    # ---- queries -------------------------------------------------------------------------------
    def search(
        self, query: str, top_k: int = 5, mode: str = "hybrid", filters: Filters | None = None
    ) -> tuple[list[Hit], int]:
        snap = self.snapshot()
        return snap.retriever.search(query, top_k=top_k, mode=mode, filters=filters), snap.generation

    def ask(
        self,
        question: str,
        top_k: int = 8,
        filters: Filters | None = None,
        history: list[str] | None = None,
        mode: str = "hybrid",
    ) -> tuple[Answer, int]:
        from .answer import Answerer

        snap = self.snapshot()
        answer = Answerer(snap.retriever).ask(question, top_k=top_k, filters=filters, history=history, mode=mode)
        return answer, snap.generation

    def check(self, claim: str) -> tuple[Any, int]:
        from .check import Checker

        snap = self.snapshot()
        return Checker(snap.retriever).check(claim), snap.generation

    def check_text(self, text: str) -> tuple[list[Any], int]:
        from .check import Checker

        snap = self.snapshot()
        return Checker(snap.retriever).check_text(text), snap.generation

    # ---- corpus --------------------------------------------------------------------------------
    def documents(self) -> tuple[list[dict[str, Any]], int]:
        snap = self.snapshot()
        counts: dict[str, int] = {}
        for c in snap.index.chunks:
            counts[c.article_id] = counts.get(c.article_id, 0) + 1
        docs = [
            {
                "id": a.id,
                "title": a.title,
                "date": a.date,
                "date_inferred": a.date_inferred,
                "source": a.source,
                "byline": a.byline,
                "chars": len(a.text),
                "chunks": counts.get(a.id, 0),
            }
            for a in sorted(snap.index.articles.values(), key=lambda a: (a.source, a.start))
        ]
        return docs, snap.generation

    def article(self, article_id: str) -> Article:
        art = self.snapshot().index.articles.get(article_id)
        if art is None:
            raise NotFoundError(f"no article with id '{article_id}'; GET /v1/documents lists the ids")
        return art

    @contextmanager
    def _writing(self, lock_timeout: float) -> Iterator[None]:
        """One writer per process at a time; a second waits `lock_timeout` seconds, then is told."""
        if not self._write_lock.acquire(timeout=max(lock_timeout, 0.0)):
            raise IndexBusyError(f"another write to the index {self.index_dir} is in progress; try again shortly")
        try:
            yield
        finally:
            self._write_lock.release()

    def _writer(self, lock_timeout: float) -> IndexWriter:
        return self.backend.writer(self.encoder, self.chunk_settings, self.ann, lock_timeout)  # type: ignore[return-value]

    def add_articles(
        self,
        articles: list[Article],
        replace_sources: tuple[str, ...] = (),
        lock_timeout: float = 30.0,
        progress: Progress | None = None,
    ) -> BuildReport:
        """Add or replace articles (by id, and every article of `replace_sources`), then swap in;
        `progress(done, total)` follows the embedding."""
        with self._writing(lock_timeout):
            report = self._writer(lock_timeout).apply(
                add=articles, replace_sources=replace_sources, progress=progress
            )
            self.load()
        return report

    def add_document(
        self, raw: str, filename: str, lock_timeout: float = 30.0, progress: Progress | None = None
    ) -> tuple[list[Article], BuildReport]:
        """Parse an uploaded file (.txt/.md/.jsonl/.html) and add its articles; a re-upload of the same
        file name replaces what it gave before."""
        suffix = Path(filename).suffix.lower()
        articles = parse_document(raw, filename, suffix)
        replace = () if suffix == ".jsonl" else (Path(filename).stem,)
        return articles, self.add_articles(articles, replace, lock_timeout, progress)

    def remove(self, article_ids: list[str], lock_timeout: float = 30.0) -> BuildReport:
        with self._writing(lock_timeout):
            known = self.snapshot().index.articles
            missing = [i for i in article_ids if i not in known]
            if missing:
                raise NotFoundError(f"no article with id {', '.join(missing)}; GET /v1/documents lists the ids")
            report = self._writer(lock_timeout).apply(remove_ids=article_ids)
            self.load()
        return report
