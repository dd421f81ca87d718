"""Dense, BM25 and hybrid (reciprocal-rank fusion) retrieval over a loaded index, with filters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .store import Index
from .textzh import tokenize
from .types import Hit

MODES = ("hybrid", "dense", "bm25")
RRF_K = 60


@dataclass(frozen=True)
class Filters:
    """Restrict results to some sources and a date range (dates compare as YYYY[-MM[-DD]] prefixes)."""

    sources: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""

    def allows(self, source: str, date: str) -> bool:
        if self.sources and not any(source == s or source.startswith(s) for s in self.sources):
            return False
        if self.date_from and (not date or date[: len(self.date_from)] < self.date_from):
            return False
        return not (self.date_to and (not date or date[: len(self.date_to)] > self.date_to))

    @property
    def active(self) -> bool:
        return bool(self.sources or self.date_from or self.date_to)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int = RRF_K) -> dict[int, float]:
    """Fuse ranked lists of row ids: score = Σ weight / (k + rank)."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, row in enumerate(ranking, 1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return fused


class Retriever:
    """Searches one index generation; `embed_query` is usually a `QueryCache`."""

    def __init__(self, index: Index, embed_query: Callable[[str], np.ndarray]) -> None:
        self.index = index
        self.embed_query = embed_query

    def _mask(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or not filters.active:
            return None
        return np.array([filters.allows(c.source, c.date) for c in self.index.chunks], dtype=bool)

    def dense(self, query: str, depth: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss

        n = len(self.index.chunks)
        if n == 0 or depth <= 0:
            return []
        vec = self.embed_query(query).reshape(1, -1).astype(np.float32)
        params = None
        if mask is not None:
            allowed = np.flatnonzero(mask).astype(np.int64)
            if not len(allowed):
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
            depth = min(depth, len(allowed))
        scores, rows = self.index.dense.search(vec, min(depth, n), params=params)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def bm25(self, query: str, depth: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        tokens = tokenize(query)
        if not tokens or not self.index.chunks:
            return []
        scores = self.index.bm25.get_scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        depth = min(depth, len(scores))
        top = np.argpartition(-scores, depth - 1)[:depth] if depth < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]

    def search(
        self,
        query: str,
        top_k: int = 5,
        mode: str = "hybrid",
        filters: Filters | None = None,
        weights: tuple[float, float] = (1.0, 1.0),
        depth: int | None = None,
    ) -> list[Hit]:
        """Top chunks for a query. Empty or stop-word-only queries give no hits in any mode (dense
        search would return whatever is nearest to nothing); top_k is capped at the corpus size."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        if top_k <= 0 or not tokenize(query):
            return []  # empty or only stop words/punctuation (的了吗): nothing to look for in any mode
        mask = self._mask(filters)
        depth = depth or max(top_k * 4, 40)
        chunks = self.index.chunks
        dense = self.dense(query, depth, mask) if mode in ("hybrid", "dense") else []
        sparse = self.bm25(query, depth, mask) if mode in ("hybrid", "bm25") else []
        dense_rank = {r: i for i, (r, _) in enumerate(dense, 1)}
        dense_score = dict(dense)
        sparse_rank = {r: i for i, (r, _) in enumerate(sparse, 1)}
        if mode == "dense":
            scored = dense
        elif mode == "bm25":
            scored = sparse
        else:
            fused = reciprocal_rank_fusion([[r for r, _ in dense], [r for r, _ in sparse]], weights)
            scored = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        return [
            Hit(chunks[r], round(float(s), 6), dense_rank.get(r), sparse_rank.get(r), dense_score.get(r))
            for r, s in scored[:top_k]
        ]
