"""One immutable segment: the articles and chunks of one write (or one merge) with their vectors,
BM25 postings and annotations. Generations list segments; a segment never changes once written.

Files of a segment folder::

    meta.json        counts, dimension, dense index kind, annotation version, article ids,
                     the distinct sources and dates (articles refer to them by code)
    columns.npz      small per-row arrays: byte offsets of the JSON lines, each article's first chunk,
                     source/date codes and start of each article, chunk ids, vector keys, token counts
    articles.jsonl   one Article per line      chunks.jsonl   one Chunk per line
    annotations.jsonl (optional) one JSON object (or null) per chunk
    terms.json, postings-{indptr,docs,tfs}.npy   BM25 postings (bm25.py), memory-mapped
    dense.faiss      the FAISS index of the segment's vectors, memory-mapped

Records are parsed when asked for (an answer touches a few dozen chunks of 100k), so opening a
segment costs a few small reads whatever its size.
"""

from __future__ import annotations

import json
import mmap
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..types import Article, Chunk
from .bm25 import Postings
from .dense import build_dense, read_dense, vectors_of
from .layout import json_line, json_loads, record_row, write_json

SEGMENT_FORMAT = 1
Annotate = Callable[[Sequence[Chunk], Mapping[str, Article]], list[dict[str, Any]]]
_NULL = b"null\n"


@dataclass
class SegmentParts:
    """What a segment holds, in row order, before it is written. Chunks of article i are the rows
    article_chunks[i]:article_chunks[i+1]; a chunk's source and date are its article's."""

    article_lines: list[bytes]
    article_ids: list[str]
    article_sources: list[str]
    article_dates: list[str]
    article_starts: list[int]
    article_chunks: np.ndarray  # int64, articles + 1
    chunk_lines: list[bytes]
    chunk_ids: list[str]
    vec_keys: np.ndarray  # S64: sha256 (hex) of the embedded text of each chunk, the vector cache's key
    vectors: np.ndarray  # float32 (chunks, dim)
    postings: Postings
    annotation_lines: list[bytes] | None = None
    annotation_version: str | None = None
    article_files: list[str] = field(default_factory=list)  # the file each article was read from


def fresh_parts(
    articles: Sequence[Article],
    chunks: Sequence[Sequence[Chunk]],
    vec_keys: Sequence[str],
    vectors: np.ndarray,
    postings: Postings,
    annotations: Sequence[dict[str, Any] | None] | None,
    annotation_version: str | None,
) -> SegmentParts:
    """Parts of newly written articles; chunks[i] are the chunks of articles[i]."""
    flat = [c for cs in chunks for c in cs]
    starts = np.zeros(len(articles) + 1, dtype=np.int64)
    np.cumsum([len(cs) for cs in chunks], out=starts[1:])
    return SegmentParts(
        article_lines=[json_line(record_row(a)) for a in articles],
        article_ids=[a.id for a in articles],
        article_sources=[a.source for a in articles],
        article_dates=[a.date for a in articles],
        article_starts=[a.start for a in articles],
        article_chunks=starts,
        chunk_lines=[json_line(record_row(c)) for c in flat],
        chunk_ids=[c.id for c in flat],
        vec_keys=np.array([k.encode("ascii") for k in vec_keys], dtype="S64"),
        vectors=vectors,
        postings=postings,
        annotation_lines=None if annotations is None else [json_line(a) if a is not None else _NULL for a in annotations],
        annotation_version=annotation_version if annotations is not None else None,
        article_files=[a.file for a in articles],
    )


def write_segment(path: Path, parts: SegmentParts, ann: str, dim: int) -> dict[str, Any]:
    """Write `parts` into the (new, empty) folder `path`; the caller fsyncs and renames it."""
    n_articles, n_chunks = len(parts.article_ids), len(parts.chunk_ids)
    sources = sorted(set(parts.article_sources))
    dates = sorted(set(parts.article_dates))
    files = sorted(set(parts.article_files))
    source_code = {s: i for i, s in enumerate(sources)}
    file_code = {f: i for i, f in enumerate(files)}
    date_code = {d: i for i, d in enumerate(dates)}
    columns: dict[str, np.ndarray] = {
        "article_off": _write_lines(path / "articles.jsonl", parts.article_lines),
        "chunk_off": _write_lines(path / "chunks.jsonl", parts.chunk_lines),
        "article_chunks": np.asarray(parts.article_chunks, dtype=np.int64),
        "article_source": np.array([source_code[s] for s in parts.article_sources], dtype=np.int32),
        "article_file": np.array([file_code[f] for f in parts.article_files], dtype=np.int32),
        "article_date": np.array([date_code[d] for d in parts.article_dates], dtype=np.int32),
        "article_start": np.array(parts.article_starts, dtype=np.int64),
        "chunk_ids": np.array([c.encode("utf-8") for c in parts.chunk_ids], dtype="S"),
        "vec_keys": np.asarray(parts.vec_keys, dtype="S64"),
        "doclen": np.asarray(parts.postings.doclen, dtype=np.int32),
    }
    if parts.annotation_lines is not None:
        columns["annotation_off"] = _write_lines(path / "annotations.jsonl", parts.annotation_lines)
    np.savez(path / "columns.npz", **columns)
    post = parts.postings
    (path / "terms.json").write_bytes(json_line(list(post.terms)))
    np.save(path / "postings-indptr.npy", np.asarray(post.indptr, dtype=np.int64))
    np.save(path / "postings-docs.npy", np.asarray(post.docs, dtype=np.int32))
    np.save(path / "postings-tfs.npy", np.asarray(post.tfs, dtype=np.uint16))
    import faiss

    vectors = parts.vectors if n_chunks else np.zeros((0, dim), dtype=np.float32)
    dense = build_dense(vectors, ann)
    faiss.write_index(dense, str(path / "dense.faiss"))
    meta = {
        "format": SEGMENT_FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "counts": {"articles": n_articles, "chunks": n_chunks, "postings": len(post.docs), "terms": len(post.terms)},
        "dim": dim,
        "dense_index": type(dense).__name__,
        "annotation_version": parts.annotation_version,
        "sources": sources,
        "dates": dates,
        "article_ids": parts.article_ids,
        "files": files,
    }
    write_json(path / "meta.json", meta)
    return meta


def _write_lines(path: Path, lines: Sequence[bytes]) -> np.ndarray:
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    if lines:
        np.cumsum([len(b) for b in lines], out=offsets[1:])
    with path.open("wb") as fh:
        fh.write(b"".join(lines))
    return offsets


def _map(path: Path) -> bytes | mmap.mmap:
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""


class Segment:
    """A segment opened for reading: small columns in memory, records and postings memory-mapped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != SEGMENT_FORMAT:
            raise ValueError(f"segment format {meta.get('format')}, this version reads {SEGMENT_FORMAT}")
        self.meta = meta
        self.n_articles = int(meta["counts"]["articles"])
        self.n_chunks = int(meta["counts"]["chunks"])
        self.annotation_version: str | None = meta.get("annotation_version")
        self.article_ids: list[str] = list(meta["article_ids"])
        self.sources: list[str] = list(meta["sources"])
        self.dates: list[str] = list(meta["dates"])
        with np.load(path / "columns.npz") as data:
            cols = {k: data[k] for k in data.files}
        self.article_off = cols["article_off"]
        self.chunk_off = cols["chunk_off"]
        self.article_chunks = cols["article_chunks"]
        self.article_source = cols["article_source"]
        self.article_date = cols["article_date"]
        self.article_start = cols["article_start"]
        self._article_file = cols.get("article_file")
        self.chunk_ids = cols["chunk_ids"]
        self.vec_keys = cols["vec_keys"]
        self._articles = _map(path / "articles.jsonl")
        self._chunks = _map(path / "chunks.jsonl")
        self.annotation_off = cols.get("annotation_off")
        self._annotations = _map(path / "annotations.jsonl") if self.annotation_off is not None else b""
        self.doclen = cols["doclen"]
        self._check_records()

    @cached_property
    def postings(self) -> Postings:
        path = self.path
        return Postings(
            json_loads((path / "terms.json").read_bytes()),
            np.load(path / "postings-indptr.npy", mmap_mode="r"),
            np.load(path / "postings-docs.npy", mmap_mode="r"),
            np.load(path / "postings-tfs.npy", mmap_mode="r"),
            self.doclen,
        )

    @cached_property
    def article_files(self) -> list[str]:
        """The file each article was read from ("" for records sent as JSON); segments written before
        the meta listed them have it in their records only."""
        if self._article_file is None:
            return [self.article(r).file for r in range(self.n_articles)]
        files = self.meta["files"]
        return [files[c] for c in self._article_file.tolist()]

    @cached_property
    def vocab(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.postings.terms)}

    @cached_property
    def dense(self) -> Any:
        return read_dense(self.path / "dense.faiss")

    def _check_records(self) -> None:
        a, c = self.n_articles, self.n_chunks
        problems = [
            len(self.article_ids) != a, len(self.article_off) != a + 1, len(self.article_chunks) != a + 1,
            len(self.article_source) != a, len(self.article_date) != a, len(self.article_start) != a,
            len(self.chunk_off) != c + 1, len(self.chunk_ids) != c, len(self.vec_keys) != c, len(self.doclen) != c,
            int(self.article_chunks[-1]) != c, len(self._articles) != int(self.article_off[-1]),
            len(self._chunks) != int(self.chunk_off[-1]),
            self._article_file is not None and len(self._article_file) != a,
            self.annotation_off is not None and (len(self.annotation_off) != c + 1
                                                 or len(self._annotations) != int(self.annotation_off[-1])),
        ]
        if any(problems):
            raise ValueError(f"segment {self.name} is incomplete: its files disagree with its meta.json {self.meta['counts']}")

    def verify(self) -> None:
        """Open the postings and the dense index too (readers do, before they answer anything)."""
        post, counts = self.postings, self.meta["counts"]
        if (len(post.terms) != counts["terms"] or len(post.indptr) != len(post.terms) + 1
                or len(post.docs) != counts["postings"] or len(post.tfs) != len(post.docs)
                or int(post.indptr[-1]) != len(post.docs)):
            raise ValueError(f"segment {self.name} is incomplete: its postings disagree with its meta.json {counts}")
        if self.dense.ntotal != self.n_chunks or self.dense.d != self.meta["dim"]:
            raise ValueError(f"segment {self.name} is incomplete: {self.dense.ntotal} vectors for {self.n_chunks} chunks")
        _ = self.vocab

    # ---- records ---------------------------------------------------------------------------------
    def article_line(self, row: int) -> bytes:
        return bytes(self._articles[int(self.article_off[row]) : int(self.article_off[row + 1])])

    def chunk_line(self, row: int) -> bytes:
        return bytes(self._chunks[int(self.chunk_off[row]) : int(self.chunk_off[row + 1])])

    def annotation_line(self, row: int) -> bytes:
        if self.annotation_off is None:
            return _NULL
        return bytes(self._annotations[int(self.annotation_off[row]) : int(self.annotation_off[row + 1])])

    def article(self, row: int) -> Article:
        return Article(**json_loads(self.article_line(row)))

    def chunk(self, row: int) -> Chunk:
        return Chunk(**json_loads(self.chunk_line(row)))

    def annotation(self, row: int) -> dict[str, Any] | None:
        value = json_loads(self.annotation_line(row))
        return value if isinstance(value, dict) else None

    def term_id(self, term: str) -> int | None:
        return self.vocab.get(term)

    def chunk_article(self) -> np.ndarray:
        """Local article row of every chunk."""
        return np.repeat(np.arange(self.n_articles, dtype=np.int64), np.diff(self.article_chunks))

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return vectors_of(self.dense, rows)

    @cached_property
    def key_order(self) -> np.ndarray:
        """Rows sorted by vector key, to find the vector of a known text."""
        return np.argsort(self.vec_keys, kind="stable")


def merged_parts(
    segments: Sequence[tuple[Segment, np.ndarray]],
    annotation_version: str | None,
    annotate: Annotate | None,
) -> SegmentParts:
    """Parts of one segment made of the live articles of several (`keep` = bool per article row),
    in their order: records, vectors and postings are copied, nothing is tokenized or embedded.
    Annotations of `annotation_version` are copied; others are computed with `annotate` when given,
    else left out."""
    from .bm25 import merge_postings

    article_lines: list[bytes] = []
    ids: list[str] = []
    sources: list[str] = []
    files: list[str] = []
    dates: list[str] = []
    starts: list[int] = []
    counts: list[int] = []
    chunk_lines: list[bytes] = []
    chunk_ids: list[str] = []
    keys, vectors, post_parts = [], [], []
    annotations: list[bytes] = []
    n_new = 0
    for seg, keep in segments:
        chunk_keep = np.repeat(keep, np.diff(seg.article_chunks))
        rows = np.flatnonzero(chunk_keep)
        for a in np.flatnonzero(keep):
            article_lines.append(seg.article_line(a))
            ids.append(seg.article_ids[a])
            sources.append(seg.sources[seg.article_source[a]])
            files.append(seg.article_files[a])
            dates.append(seg.dates[seg.article_date[a]])
            starts.append(int(seg.article_start[a]))
            counts.append(int(seg.article_chunks[a + 1] - seg.article_chunks[a]))
        chunk_lines.extend(seg.chunk_line(r) for r in rows)
        chunk_ids.extend(seg.chunk_ids[rows].astype(str).tolist() if len(rows) else [])
        keys.append(seg.vec_keys[rows])
        vectors.append(seg.vectors(rows))
        new_row = np.full(seg.n_chunks, -1, dtype=np.int64)
        new_row[rows] = np.arange(n_new, n_new + len(rows))
        post_parts.append((seg.postings, new_row))
        n_new += len(rows)
        if annotation_version is not None and seg.annotation_version == annotation_version:
            annotations.extend(seg.annotation_line(r) for r in rows)
        elif annotation_version is not None and annotate is not None and len(rows):
            chunks = [seg.chunk(r) for r in rows]
            arts = {seg.article_ids[a]: seg.article(a) for a in np.flatnonzero(keep)}
            annotations.extend(json_line(d) for d in check_annotations(annotate(chunks, arts), len(chunks)))
        else:
            annotations.extend([_NULL] * len(rows))
    article_chunks = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=article_chunks[1:])
    dim = segments[0][0].dense.d if segments else 0
    return SegmentParts(
        article_lines, ids, sources, dates, starts, article_chunks, chunk_lines, chunk_ids,
        np.concatenate(keys) if keys else np.zeros(0, "S64"),
        np.concatenate(vectors) if vectors else np.zeros((0, dim), np.float32),
        merge_postings(post_parts),
        annotations if annotation_version is not None else None,
        annotation_version,
        files,
    )


def check_annotations(values: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """What `annotate` returned, if it is one dict per chunk."""
    if not isinstance(values, list) or len(values) != n or not all(isinstance(v, dict) for v in values):
        raise ValueError(f"annotate must return a list of one dict per chunk ({n}), got {type(values).__name__}")
    return values
