"""BM25 postings per segment, scored with statistics over the live chunks of every segment.

A segment stores, for each term, the rows that hold it and how often (CSR by term). Nothing of a
score is precomputed: N, the document frequencies and the average length are taken over the live
rows of all segments at query time, so a chunk's score is the same whether the corpus was written in
one write or in a hundred, before or after a compaction (bm25s bakes them into its matrix, which is
why the previous store rebuilt BM25 on every write).

Lucene's BM25 as bm25s computes it: idf = ln(1 + (N − df + 0.5) / (df + 0.5)),
tf part = tf / (tf + k1 · (1 − b + b · dl / avgdl)); a query term given twice counts twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Postings:
    """Inverted lists of one segment: rows of term t are docs[indptr[t]:indptr[t+1]] (ascending)."""

    terms: Sequence[str]  # term id → term
    indptr: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray  # int32 local rows
    tfs: np.ndarray  # uint16 term frequencies
    doclen: np.ndarray  # int32 tokens per local row


def build_postings(token_lists: Sequence[Sequence[str]]) -> Postings:
    """Postings of freshly tokenized chunks (row i = token_lists[i])."""
    vocab: dict[str, int] = {}
    flat = [vocab.setdefault(t, len(vocab)) for tokens in token_lists for t in tokens]
    lens = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    n, v = len(token_lists), len(vocab)
    if not flat:
        return Postings(list(vocab), np.zeros(v + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint16),
                        lens.astype(np.int32))
    term = np.asarray(flat, dtype=np.int64)
    doc = np.repeat(np.arange(n, dtype=np.int64), lens)
    keys, tf = np.unique(term * n + doc, return_counts=True)  # sorted by term, then row
    return _from_sorted(list(vocab), keys // n, keys % n, tf, lens.astype(np.int32))


def _from_sorted(terms: Sequence[str], term: np.ndarray, doc: np.ndarray, tf: np.ndarray, doclen: np.ndarray) -> Postings:
    indptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(np.bincount(term, minlength=len(terms)), out=indptr[1:])
    return Postings(terms, indptr, doc.astype(np.int32), np.minimum(tf, 65535).astype(np.uint16), doclen.astype(np.int32))


def merge_postings(parts: Sequence[tuple[Postings, np.ndarray]]) -> Postings:
    """One segment's postings from several: `parts` = (postings, new row of each old row or −1 if
    dropped); new rows must be 0..n−1 without gaps. No text is tokenized again."""
    vocab: dict[str, int] = {}
    terms_out, docs_out, tfs_out, lens_out = [], [], [], []
    n = 0
    for post, new_row in parts:
        remap = np.fromiter((vocab.setdefault(t, len(vocab)) for t in post.terms), dtype=np.int64, count=len(post.terms))
        term_of = np.repeat(np.arange(len(post.terms), dtype=np.int64), np.diff(post.indptr))
        rows = new_row[post.docs] if len(post.docs) else np.zeros(0, np.int64)
        keep = rows >= 0
        terms_out.append(remap[term_of[keep]])
        docs_out.append(rows[keep].astype(np.int64))
        tfs_out.append(np.asarray(post.tfs)[keep])
        kept = new_row >= 0
        lens = np.zeros(int(kept.sum()), dtype=np.int32)
        lens[new_row[kept] - n] = np.asarray(post.doclen)[kept]
        lens_out.append(lens)
        n += len(lens)
    term = np.concatenate(terms_out) if terms_out else np.zeros(0, np.int64)
    doc = np.concatenate(docs_out) if docs_out else np.zeros(0, np.int64)
    tf = np.concatenate(tfs_out) if tfs_out else np.zeros(0, np.uint16)
    order = np.lexsort((doc, term))
    doclen = np.concatenate(lens_out) if lens_out else np.zeros(0, np.int32)
    return _from_sorted(list(vocab), term[order], doc[order], tf[order], doclen)


class ScoredSegment(Protocol):
    """What scoring needs of a segment as one generation sees it."""

    def term_id(self, term: str) -> int | None: ...

    @property
    def postings(self) -> Postings: ...

    @property
    def global_rows(self) -> np.ndarray: ...  # int32 local row → global live row, −1 if deleted


def score(segments: Sequence[ScoredSegment], tokens: Sequence[str], n_live: int, avgdl: float,
          k1: float, b: float) -> np.ndarray:
    """BM25 of every live row (float64, global row order) for the query tokens."""
    out = np.zeros(n_live, dtype=np.float64)
    if not n_live or not tokens:
        return out
    weight: dict[str, int] = {}
    for t in tokens:
        weight[t] = weight.get(t, 0) + 1
    rows_all, contrib_all = [], []
    norm = k1 * (1.0 - b)
    slope = k1 * b / max(avgdl, 1e-9)
    for term, w in weight.items():
        rows_t, tf_t, dl_t = [], [], []
        for seg in segments:
            tid = seg.term_id(term)
            if tid is None:
                continue
            post = seg.postings
            lo, hi = int(post.indptr[tid]), int(post.indptr[tid + 1])
            docs = np.asarray(post.docs[lo:hi])
            rows = seg.global_rows[docs]
            live = rows >= 0
            rows_t.append(rows[live])
            tf_t.append(np.asarray(post.tfs[lo:hi])[live])
            dl_t.append(np.asarray(post.doclen)[docs[live]])
        if not rows_t:
            continue
        rows = np.concatenate(rows_t)
        df = len(rows)
        if not df:
            continue
        tf = np.concatenate(tf_t).astype(np.float64)
        dl = np.concatenate(dl_t).astype(np.float64)
        idf = np.log(1.0 + (n_live - df + 0.5) / (df + 0.5))
        rows_all.append(rows)
        contrib_all.append(w * idf * tf / (tf + norm + slope * dl))
    if rows_all:
        # bincount adds in array order: each row's terms in query order, however the corpus is split
        out = np.bincount(np.concatenate(rows_all), weights=np.concatenate(contrib_all), minlength=n_live)
    return out
