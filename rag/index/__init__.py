"""The embedded index: immutable segments (vectors, BM25 postings, records, annotations) listed by
atomic generations. layout: the folder, CURRENT, the lock; segment: one segment's files; bm25 and
dense: search within segments; reader: a generation as one corpus; writer: writes and compaction."""

from .bm25 import Postings
from .dense import ANN_TYPES, EXACT_MAX_CHUNKS, build_dense, read_dense
from .layout import (
    BM25_PARAMS,
    GENERATIONS_KEPT,
    SCHEMA_VERSION,
    _gen_name,
    current_generation,
    file_digest,
    is_stale,
    rebuild_hint,
    tokenizer_id,
    writer_lock,
)
from .reader import ArticleMap, ChunkList, Index, SegmentView, load_index
from .segment import Annotate
from .writer import SEGMENTS_PER_TIER, BuildReport, IndexWriter, Progress, dense_text, passage_text

__all__ = [
    "ANN_TYPES", "BM25_PARAMS", "EXACT_MAX_CHUNKS", "GENERATIONS_KEPT", "SCHEMA_VERSION", "SEGMENTS_PER_TIER", "Annotate", "ArticleMap",
    "BuildReport", "ChunkList", "Index", "IndexWriter", "Postings", "Progress", "SegmentView", "_gen_name",
    "build_dense", "current_generation", "dense_text", "file_digest", "is_stale", "load_index", "passage_text",
    "read_dense", "rebuild_hint", "tokenizer_id", "writer_lock",
]
