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
