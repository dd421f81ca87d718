"""Errors whose messages say what went wrong and how to fix it."""

from __future__ import annotations


class RagError(Exception):
    """Base of every error this package raises on purpose; the message is meant for the user."""

    code = "rag_error"


class IngestError(RagError):
    """A file could not be read or parsed; nothing from the batch was ingested."""

    code = "bad_document"


class IndexMissingError(RagError):
    code = "index_missing"


class IndexMismatchError(RagError):
    """The index on disk was built with another encoder or schema, or is damaged."""

    code = "index_mismatch"


class IndexBusyError(RagError):
    """Another writer holds the index lock."""

    code = "index_busy"


class NotFoundError(RagError):
    code = "not_found"


class EncoderError(RagError):
    code = "encoder_error"


class ConflictError(RagError):
    """A write would overwrite articles the caller did not ask to replace."""

    code = "conflict"

    def __init__(self, message: str, existing: list[str], filename: str = "") -> None:
        super().__init__(message)
        self.existing = existing
        self.filename = filename


class QueueFullError(RagError):
    """Too many writes are waiting; the caller should retry later."""

    code = "queue_full"


class WriteFailedError(RagError):
    """A queued write failed; its message says why (nothing of it was written)."""

    code = "write_failed"
