"""The facade every front end uses: load the index, search, ask, check, add and remove articles.

Queries take a snapshot (index generation + retriever) and work on it alone, so an ingest that swaps
in a new generation never changes the ground under a request in flight; every response names the
generation it was answered from.

Writes are jobs (rag.jobs), applied one at a time in the order they came. Nothing a user added is
overwritten unless they ask: an article is known by its id, a file by its exact name (report.md is
not report.txt); writing a name or id that exists without `replace` is a ConflictError naming
the articles, and every write reports the ids it added, replaced and removed.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .backend import open_backend
from .chunk import ChunkSettings
from .embed import DEFAULT_ENCODER, Encoder, QueryCache, load_encoder
from .errors import (
    IndexBusyError,
    IndexMismatchError,
    IngestError,
    NotFoundError,
    WriteFailedError,
)
from .ingest import SUPPORTED_SUFFIXES, decode_text, labelled_files, load_paths, parse_document
from .jobs import JobQueue, JobStatus, Progress, WriteResult
from .present import date_label
from .retrieve import Filters, Retriever
from .store import BuildReport, Index, IndexWriter, is_stale, load_index
from .types import Answer, Article, Hit
from .understand import ANNOTATION_VERSION, annotate_chunks
from .writes import SyncReport, check_conflict, file_digests, plan_sync, plan_write, upload_name

# The job worker waits this long for another process's writer (e.g. `rag ingest`) to finish.
WRITER_WAIT_S = 600.0


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
        max_queued: int = 64,
        writer_wait: float = WRITER_WAIT_S,
        backend: str = "",
    ) -> None:
        self.index_dir = Path(index_dir)
        self.backend = open_backend(backend, self.index_dir)  # "" → the folder; milvus://HOST:PORT
        self.encoder_spec = encoder
        self.chunk_settings = chunk_settings
        self.ann = ann
        self.jobs = JobQueue(max_queued)
        self.writer_wait = writer_wait  # seconds a write waits for another process's writer
        self._snapshot: Snapshot | None = None
        self._swap_lock = threading.RLock()
        self._reload_lock = threading.Lock()
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
        counts = snap.index.chunk_counts()
        docs = [
            {
                "id": a.id,
                "title": a.title,
                "date": a.date,
                "date_inferred": a.date_inferred,
                "source": a.source,
                "file": a.file,
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
            raise NotFoundError(f"no article with id '{article_id}'; the document list shows the ids")
        return art

    def date_shown(self, article_id: str, date: str = "") -> str:
        """The date of an article as a reader sees it, marked when it was inferred from the text
        (约2017年，据正文推断); `date` is used when the article is no longer in the index."""
        art = self.snapshot().index.articles.get(article_id)
        return date_label(art.date, art.date_inferred) if art is not None else date_label(date)

    def file_articles(self, filename: str) -> list[str]:
        """Ids of the articles ingested from exactly this file name (name and extension)."""
        return sorted(a.id for a in self.snapshot().index.articles.values() if a.file == filename)

    # ---- writes: queued jobs, one at a time -----------------------------------------------------
    def job(self, job_id: str) -> JobStatus:
        return self.jobs.get(job_id)

    def wait(self, job_id: str, timeout: float | None = None) -> JobStatus:
        return self.jobs.wait(job_id, timeout)

    def submit_document(self, raw: str | bytes, filename: str, replace: bool = False) -> JobStatus:
        """Queue an uploaded file (.txt/.md/.jsonl/.html, any encoding charset-normalizer knows).

        It is parsed and checked now: bad input raises IngestError, and a file name already in
        the index raises ConflictError naming its articles unless `replace` is true."""
        name = upload_name(filename)
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise IngestError(f"{name or '(no name)'}: unsupported file type; use one of {', '.join(SUPPORTED_SUFFIXES)}")
        text = decode_text(raw, name) if isinstance(raw, bytes) else raw
        articles = parse_document(text, name, suffix)
        return self._submit(articles, name, replace)

    def submit_articles(self, articles: Sequence[Article], replace: bool = False) -> JobStatus:
        """Queue articles given as records; an id already in the index is a ConflictError unless
        `replace` is true."""
        if not articles:
            raise IngestError("no articles to add")
        return self._submit(list(articles), "", replace)

    def submit_remove(self, article_ids: Sequence[str]) -> JobStatus:
        """Queue the removal of articles by id; NotFoundError names ids that are not there."""
        ids = list(dict.fromkeys(article_ids))
        self._known(ids)

        def work(progress: Progress) -> WriteResult:
            self._known(ids)  # again: a write queued before may have removed them
            return self._apply(WriteResult([], [], ids, 0), remove_ids=ids, progress=progress)

        return self.jobs.submit(work)

    def remove(self, article_ids: Sequence[str]) -> WriteResult:
        """Remove articles by id, after the writes queued before; returns what was removed."""
        return self._finish(self.submit_remove(article_ids), None)

    def result(self, job_id: str) -> WriteResult | None:
        """The full result of a finished job (ids, counts, timing); None while it runs or if it failed."""
        return self.jobs.outcome(job_id)[0]

    def raise_failure(self, job_id: str) -> None:
        """Raise the error a failed job failed with (ConflictError, NotFoundError, ...)."""
        status = self.jobs.get(job_id)
        error = self.jobs.outcome(job_id)[1]
        if error is not None:
            raise error
        if status.state == "failed":
            raise WriteFailedError(status.error or "the write failed")

    def ingest_paths(
        self, paths: Sequence[Path], rebuild: bool = False, progress: Progress | None = None
    ) -> WriteResult:
        """`rag ingest`: add the files' articles, replacing what the same files gave before
        (the command names them, which is the ask); `rebuild` starts a fresh index."""
        files = list(labelled_files(paths))
        articles = load_paths(paths)
        labels = {label for _, label in files}
        digests = file_digests(files)

        def work(report: Progress) -> WriteResult:
            known = {} if rebuild else self._articles_on_disk()
            old = [i for i, a in known.items() if a.file in labels]
            plan = plan_write(articles, old, known)
            return self._apply(plan, add=articles, remove_ids=plan.removed, files=digests, rebuild=rebuild, progress=report)

        return self._finish(self.jobs.submit(work, listener=progress), None)

    def sync_folder(self, folder: Path, progress: Progress | None = None) -> SyncReport:
        """`rag ingest --if-stale`: make the index hold the current files of `folder`, touching
        nothing else: changed files are re-ingested, removed files' articles removed, articles
        added any other way (API, UI, other folders) stay. Also re-indexes everything when the
        index was built with other chunk, tokenizer or BM25 settings, without dropping an article."""
        files = list(labelled_files([folder]))
        digests = file_digests(files)
        labels = [label for _, label in files]
        if not is_stale(self.index_dir, digests, self.encoder.name):
            return SyncReport([], [], None, None)
        reports: list[SyncReport] = []

        def work(progress: Progress) -> WriteResult:
            report, result = self._sync(folder, labels, digests, progress)
            reports.append(report)
            return result

        result = self._finish(self.jobs.submit(work, listener=progress), None)
        return replace(reports[0], write=result if reports[0].write is not None else None)

    def compact(self) -> BuildReport:
        """`rag compact`: merge the index's segments into one (deleted rows dropped), queued after
        the writes before it like any other write."""
        reports: list[BuildReport] = []

        def work(progress: Progress) -> WriteResult:
            report = self._writer().compact()
            reports.append(report)
            self.load()
            return WriteResult([], [], [], report.generation, report.articles, report.chunks, 0, round(report.seconds, 3))

        self._finish(self.jobs.submit(work), None)
        return reports[0]

    # ---- internals of writing ------------------------------------------------------------------
    def _sync(
        self, folder: Path, labels: list[str], digests: dict[str, str], progress: Progress
    ) -> tuple[SyncReport, WriteResult]:
        known: dict[str, Article] = {}
        rebuild = False
        if self.backend.current_generation() is not None:
            try:
                index = load_index(self.index_dir)
            except IndexMismatchError as exc:
                raise IndexMismatchError(
                    f"{exc}. Nothing was changed: `rag ingest --rebuild --index {self.index_dir} {folder}` "
                    "rebuilds from these files alone and drops the articles added through the API or UI"
                ) from None
            known = index.articles
            # another encoder, tokenizer, chunking or BM25: every article is indexed again, none dropped
            rebuild = is_stale(self.index_dir, dict(index.manifest.get("files", {})), self.encoder.name)
        sync = plan_sync(f"{folder.resolve().name}/", labels, load_paths([folder]), known)
        changed, gone, add, others = sync.changed, sync.gone, sync.add, sync.others
        plan = plan_write(add, sync.drop, known)
        if rebuild:
            dropped = set(plan.removed)
            kept = [a for i, a in known.items() if i not in dropped and i not in {a.id for a in add}]
            result = self._apply(plan, add=[*kept, *add], files=digests, rebuild=True, progress=progress)
        elif changed or gone or not known:
            result = self._apply(plan, add=add, remove_ids=plan.removed, files=digests, progress=progress)
        else:
            return SyncReport([], [], others, None), plan
        return SyncReport(changed, gone, others, result), result

    def _submit(self, articles: list[Article], filename: str, replace: bool) -> JobStatus:
        ids = [a.id for a in articles]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise IngestError(f"article id {', '.join(dup)} appears more than once; ids must be unique")
        known = self._articles_now()
        check_conflict(articles, filename, known, replace)

        def work(progress: Progress) -> WriteResult:
            known = self._articles_on_disk()
            old = check_conflict(articles, filename, known, replace)  # again: a queued write came first
            plan = plan_write(articles, old, known)
            return self._apply(plan, add=articles, remove_ids=plan.removed, progress=progress)

        return self.jobs.submit(work, filename)

    def _finish(self, status: JobStatus, timeout: float | None) -> WriteResult:
        self.jobs.wait(status.id, timeout)
        self.raise_failure(status.id)
        result = self.result(status.id)
        if result is None:
            raise IndexBusyError(f"the write is still queued or running (job {status.id}); ask for it later")
        return result

    def _articles_now(self) -> dict[str, Article]:
        """The articles of the live generation ({} before the first one)."""
        if self.backend.current_generation() is None:
            return {}
        return self.snapshot().index.articles

    def _articles_on_disk(self) -> dict[str, Article]:
        if self.backend.current_generation() is None:
            return {}
        return self.load().index.articles

    def _known(self, ids: Sequence[str]) -> None:
        known = self._articles_now()
        missing = [i for i in ids if i not in known]
        if missing:
            raise NotFoundError(f"no article with id {', '.join(missing)}; the document list shows the ids")

    def _writer(self) -> IndexWriter:
        # frames of figures are computed once per new chunk and stored with its segment
        return self.backend.writer(  # type: ignore[no-any-return]
            self.encoder, self.chunk_settings, self.ann, self.writer_wait, annotate_chunks, ANNOTATION_VERSION
        )

    def _apply(
        self,
        plan: WriteResult,
        add: Sequence[Article] = (),
        remove_ids: Sequence[str] = (),
        files: dict[str, str] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> WriteResult:
        report = self._writer().apply(add=add, remove_ids=remove_ids, files=files, rebuild=rebuild, progress=progress)
        self.load()
        return replace(
            plan,
            generation=report.generation,
            articles=report.articles,
            chunks=report.chunks,
            embedded=report.embedded,
            seconds=round(report.seconds, 3),
        )
