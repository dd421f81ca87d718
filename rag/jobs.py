"""Writes to the index as jobs: queued in the order they came, run one at a time, observable.

A front end submits a write and gets a `JobStatus` at once; `JobQueue.get` reports its state,
the embedding progress (chunks embedded of total) and, when done, the ids it added, replaced and
removed. A second writer waits its turn in the queue instead of being turned away.
"""

from __future__ import annotations

import itertools
import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .errors import NotFoundError, QueueFullError, RagError

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WriteResult:
    """What one write did: the ids it added, replaced (same id, new content) and removed."""

    added: list[str]
    replaced: list[str]
    removed: list[str]
    generation: int
    articles: int = 0  # in the index after the write
    chunks: int = 0
    embedded: int = 0  # passages newly embedded (the rest came from the vector cache)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class JobStatus:
    id: str
    state: JobState
    done: int  # chunks embedded so far
    total: int  # chunks to embed; 0 until the job has chunked its articles
    added: list[str]
    replaced: list[str]
    removed: list[str]
    error: str | None
    filename: str = ""
    generation: int | None = None
    queued_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["progress"] = 1.0 if self.state == "done" else (self.done / self.total if self.total else 0.0)
        return data


@dataclass
class _Job:
    id: str
    work: Callable[[Progress], WriteResult]
    filename: str
    listener: Progress | None
    status: JobStatus
    result: WriteResult | None = None
    exception: RagError | None = None
    finished: threading.Event = field(default_factory=threading.Event)


class JobQueue:
    """One worker thread applies the writes in order; the last `keep` jobs stay observable."""

    def __init__(self, max_queued: int = 64, keep: int = 1000) -> None:
        self.max_queued = max_queued
        self.keep = keep
        self._queue: queue.Queue[_Job] = queue.Queue()
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._serial = itertools.count(1)

    def submit(
        self, work: Callable[[Progress], WriteResult], filename: str = "", listener: Progress | None = None
    ) -> JobStatus:
        """Queue `work(progress)`; `listener` also receives the progress (e.g. a terminal bar)."""
        with self._lock:
            if self._queue.qsize() >= self.max_queued:
                raise QueueFullError(f"{self._queue.qsize()} writes are already waiting; try again in a minute")
            job_id = f"job-{next(self._serial)}-{secrets.token_hex(4)}"
            status = JobStatus(job_id, "queued", 0, 0, [], [], [], None, filename, queued_at=time.time())
            job = _Job(job_id, work, filename, listener, status)
            self._jobs[job_id] = job
            while len(self._jobs) > self.keep:
                oldest = next(iter(self._jobs.values()))
                if not oldest.finished.is_set():
                    break
                self._jobs.popitem(last=False)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="rag-writer", daemon=True)
                self._worker.start()
            self._queue.put(job)
            return status

    def get(self, job_id: str) -> JobStatus:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no job with id '{job_id}'; job ids are kept for the last {self.keep} writes")
        return job.status

    def wait(self, job_id: str, timeout: float | None = None) -> JobStatus:
        """The job's status once it has finished, or as it is when `timeout` seconds have passed."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            return self.get(job_id)
        job.finished.wait(timeout)
        return job.status

    def _update(self, job: _Job, **changes: Any) -> None:
        with self._lock:
            job.status = JobStatus(**{**asdict(job.status), **changes})

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            self._update(job, state="running", started_at=time.time())

            def progress(done: int, total: int, job: _Job = job) -> None:
                self._update(job, done=done, total=total)
                if job.listener is not None:
                    job.listener(done, total)

            try:
                result = job.work(progress)
            except RagError as exc:
                job.exception = exc
                self._update(job, state="failed", error=str(exc), finished_at=time.time())
            except Exception as exc:  # a bug must not kill the worker: later jobs still run
                log.exception("write job %s failed", job.id)
                self._update(
                    job, state="failed", error=f"internal error ({type(exc).__name__}); nothing was written",
                    finished_at=time.time(),
                )
            else:
                total = job.status.total
                self._update(
                    job,
                    state="done",
                    done=total,
                    added=result.added,
                    replaced=result.replaced,
                    removed=result.removed,
                    generation=result.generation,
                    finished_at=time.time(),
                )
                job.result = result
            finally:
                job.finished.set()
                self._queue.task_done()

    def outcome(self, job_id: str) -> tuple[WriteResult | None, RagError | None]:
        """The full result of a finished job (counts, timing) or the error it failed with."""
        with self._lock:
            job = self._jobs.get(job_id)
        return (job.result, job.exception) if job is not None else (None, None)
