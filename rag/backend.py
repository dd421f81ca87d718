"""Where the service's index lives: the embedded folder (rag.index, the default) or a Milvus
cluster (rag.index.milvus), chosen by one spec string (`RAG_BACKEND`, `--backend`). Both give the
service the same four things: the live generation, a loaded index, a retriever over it and a writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .chunk import ChunkSettings
from .embed import Encoder
from .errors import IndexMissingError
from .index.milvus import MilvusIndex, MilvusRetriever, MilvusTarget, live_generation, load_milvus_index
from .index.segment import Annotate
from .retrieve import Retriever
from .store import Index, IndexWriter, current_generation, load_index

if TYPE_CHECKING:
    from .index.milvus_writer import MilvusWriter


class Backend:
    """Where the service's index lives: the embedded folder (default) or Milvus."""

    def __init__(self, spec: str, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.target = MilvusTarget.parse(spec) if spec else None

    @property
    def name(self) -> str:
        return self.target.display if self.target else str(self.index_dir)

    def current_generation(self) -> int | None:
        return live_generation(self.target) if self.target else current_generation(self.index_dir)

    def missing(self) -> IndexMissingError:
        flag = f"--backend {self.target.display}" if self.target else f"--index {self.index_dir}"
        return IndexMissingError(f"no index in {self.name}; build one with `rag ingest {flag} seeds/`")

    def load(self, encoder_name: str) -> Index:
        return (
            load_milvus_index(self.target, encoder_name)
            if self.target
            else load_index(self.index_dir, encoder_name)
        )

    def retriever(self, index: Index, embed_query: Callable[[str], np.ndarray]) -> Retriever:
        if isinstance(index, MilvusIndex):
            return MilvusRetriever(index, embed_query)
        return Retriever(index, embed_query)

    def writer(
        self,
        encoder: Encoder,
        chunk_settings: ChunkSettings | None,
        ann: str,
        lock_timeout: float,
        annotate: Annotate | None = None,
        annotation_version: str | None = None,
    ) -> IndexWriter | MilvusWriter:
        """The writer of this backend; the folder stores `annotate`'s per-chunk records with each new
        segment (Milvus does not: its readers compute them on first use)."""
        if self.target:  # the folder's vector cache serves Milvus too: vectors keyed by (encoder, text)
            from .index.milvus_writer import MilvusWriter

            return MilvusWriter(self.target, encoder, chunk_settings, cache_dir=self.index_dir / "cache")
        return IndexWriter(
            self.index_dir, encoder, chunk_settings, ann, lock_timeout=lock_timeout,
            annotate=annotate, annotation_version=annotation_version,
        )


def open_backend(spec: str, index_dir: Path) -> Backend:
    """`""` → the index folder; `milvus://HOST:PORT[/PREFIX]` → Milvus (ValueError says the form)."""
    return Backend(spec.strip(), index_dir)
