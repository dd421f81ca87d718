"""A loaded generation: its live segments seen as one corpus with global row numbers.

Rows are numbered over the live chunks of the segments in manifest order. Segments are opened once
per process and shared by the generations that list them (a reload after a small write opens only
the new segment), so a server picks up a write in milliseconds.
"""

from __future__ import annotations

import threading
import weakref
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, overload

import numpy as np

from ..errors import IndexMismatchError, IndexMissingError
from ..types import Article, Chunk
from .layout import _gen_name, check_schema, current_generation, read_manifest, rebuild_hint
from .segment import Segment

_ORDINAL_BITS = 20  # chunks per article are far fewer than 2**20
_open: weakref.WeakValueDictionary[tuple[str, int, int], Segment] = weakref.WeakValueDictionary()
_open_lock = threading.Lock()


def open_segment(path: Path) -> Segment:
    """The segment at `path`, opened once per process while some index uses it."""
    st = (path / "meta.json").stat()
    key = (str(path.resolve()), st.st_ino, st.st_mtime_ns)
    with _open_lock:
        seg = _open.get(key)
        if seg is None:
            seg = Segment(path)
            _open[key] = seg
        return seg


class SegmentView:
    """One segment as a generation sees it: which of its rows are live and their global rows."""

    def __init__(self, segment: Segment, deleted: Sequence[int], base: int) -> None:
        self.segment = segment
        self.live_articles = np.ones(segment.n_articles, dtype=bool)
        if len(deleted):
            self.live_articles[np.asarray(deleted, dtype=np.int64)] = False
        self.deleted_articles = len(deleted)
        self.live_chunks = np.repeat(self.live_articles, np.diff(segment.article_chunks))
        self.rows = np.flatnonzero(self.live_chunks)  # live local rows, ascending
        self.base = base
        self.global_rows = np.full(segment.n_chunks, -1, dtype=np.int64)
        self.global_rows[self.rows] = np.arange(base, base + len(self.rows))
        self.complete = len(self.rows) == segment.n_chunks

    def __len__(self) -> int:
        return len(self.rows)

    # what bm25.score needs (ScoredSegment)
    def term_id(self, term: str) -> int | None:
        return self.segment.vocab.get(term)

    @property
    def postings(self) -> Any:
        return self.segment.postings


class ArticleMap(Mapping[str, Article]):
    """Article id → Article over the live articles; records are parsed when asked for."""

    def __init__(self, views: Sequence[SegmentView]) -> None:
        self._views = views
        self.refs: dict[str, tuple[int, int]] = {}
        for v, view in enumerate(views):
            ids = view.segment.article_ids
            for a in np.flatnonzero(view.live_articles).tolist():
                self.refs[ids[a]] = (v, a)
        self._cache: dict[str, Article] = {}

    def __getitem__(self, article_id: str) -> Article:
        art = self._cache.get(article_id)
        if art is None:
            v, a = self.refs[article_id]
            art = self._views[v].segment.article(a)
            if len(self._cache) >= 4096:
                self._cache.clear()
            self._cache[article_id] = art
        return art

    def __contains__(self, article_id: object) -> bool:
        return article_id in self.refs

    def __iter__(self) -> Iterator[str]:
        return iter(self.refs)

    def __len__(self) -> int:
        return len(self.refs)


class ChunkList(Sequence[Chunk]):
    """The live chunks by global row; a record is parsed when asked for."""

    def __init__(self, views: Sequence[SegmentView]) -> None:
        self._views = views
        self._bases = np.array([v.base for v in views], dtype=np.int64)
        self._n = sum(len(v) for v in views)

    def __len__(self) -> int:
        return self._n

    def locate(self, row: int) -> tuple[SegmentView, int]:
        if not 0 <= row < self._n:
            raise IndexError(f"row {row} out of range (0..{self._n - 1})")
        view = self._views[int(np.searchsorted(self._bases, row, side="right")) - 1]
        return view, int(view.rows[row - view.base])

    @overload
    def __getitem__(self, row: int) -> Chunk: ...

    @overload
    def __getitem__(self, row: slice) -> list[Chunk]: ...

    def __getitem__(self, row: int | slice) -> Chunk | list[Chunk]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(self._n))]
        if row < 0:
            row += self._n
        view, local = self.locate(int(row))
        return view.segment.chunk(local)

    def __iter__(self) -> Iterator[Chunk]:
        for view in self._views:
            seg = view.segment
            for local in view.rows.tolist():
                yield seg.chunk(local)


class Index:
    """One loaded, read-only generation."""

    def __init__(self, folder: Path, generation: int, manifest: dict[str, Any], views: list[SegmentView]) -> None:
        self.folder = folder
        self.generation = generation
        self.manifest = manifest
        self.segments = views
        self.articles = ArticleMap(views)
        self.chunks: ChunkList = ChunkList(views)
        lengths = sum(int(v.segment.doclen[v.rows].sum()) for v in views)
        self.avgdl = lengths / len(self.chunks) if len(self.chunks) else 0.0

    @property
    def encoder_name(self) -> str:
        return str(self.manifest["encoder"])

    @property
    def annotation_version(self) -> str | None:
        value = self.manifest.get("annotation_version")
        return str(value) if value is not None else None

    def chunks_of(self, article_id: str) -> list[Chunk]:
        ref = self.articles.refs.get(article_id)
        if ref is None:
            return []
        seg = self.segments[ref[0]].segment
        return [seg.chunk(r) for r in range(int(seg.article_chunks[ref[1]]), int(seg.article_chunks[ref[1] + 1]))]

    def chunk_counts(self) -> dict[str, int]:
        """Chunks per live article, without reading any chunk."""
        out: dict[str, int] = {}
        for view in self.segments:
            seg = view.segment
            sizes = np.diff(seg.article_chunks).tolist()
            for a in np.flatnonzero(view.live_articles).tolist():
                out[seg.article_ids[a]] = sizes[a]
        return out

    def annotations(self, row: int) -> dict[str, Any] | None:
        """The annotations stored for a chunk by the writer's `annotate`, if of this index's version."""
        view, local = self.chunks.locate(row)
        version = self.annotation_version
        if version is None or view.segment.annotation_version != version:
            return None
        return view.segment.annotation(local)

    def row_of(self, chunk_id: str) -> int | None:
        return self._rows_by_id.get(chunk_id)

    @cached_property
    def _rows_by_id(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for view in self.segments:
            ids = view.segment.chunk_ids[view.rows].astype(str).tolist()
            out.update(zip(ids, range(view.base, view.base + len(ids)), strict=True))
        return out

    @cached_property
    def order(self) -> np.ndarray:
        """A key per row in document order (source, start, article id, chunk ordinal): ties between equal
        scores go by it, so rankings do not depend on which segment holds a chunk. For an index written
        in one write it is the row order."""
        keys = []
        for v, view in enumerate(self.segments):
            seg = view.segment
            for a in np.flatnonzero(view.live_articles).tolist():
                keys.append((seg.sources[seg.article_source[a]], int(seg.article_start[a]), seg.article_ids[a], v, a))
        keys.sort()
        rank = [np.full(view.segment.n_articles, -1, dtype=np.int64) for view in self.segments]
        for i, (_s, _st, _id, v, a) in enumerate(keys):
            rank[v][a] = i
        parts = []
        for v, view in enumerate(self.segments):
            seg = view.segment
            owner = seg.chunk_article()
            ordinal = np.arange(seg.n_chunks, dtype=np.int64) - seg.article_chunks[:-1][owner]
            parts.append(((rank[v][owner] << _ORDINAL_BITS) + ordinal)[view.rows])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def load_index(folder: Path, encoder_name: str | None = None, generation: int | None = None) -> Index:
    """Open the live generation (or another one still on disk); every inconsistency is an error that
    says how to rebuild."""
    folder = Path(folder)
    gen = generation if generation is not None else current_generation(folder) if folder.is_dir() else None
    if gen is None:
        raise IndexMissingError(f"no index in {folder}; build one with `rag ingest --index {folder} seeds/`")
    manifest = read_manifest(folder, gen)
    check_schema(folder, manifest)
    if encoder_name and manifest.get("encoder") != encoder_name:
        raise IndexMismatchError(
            f"index {folder} was built with encoder {manifest.get('encoder')!r}, not {encoder_name!r}; "
            f"use --encoder {manifest.get('encoder')} or {rebuild_hint(folder)}"
        )
    return Index(folder, gen, manifest, open_views(folder, manifest))


def open_views(folder: Path, manifest: dict[str, Any], verify: bool = True) -> list[SegmentView]:
    """The segments of a manifest; `verify` also opens their postings and dense indexes (a writer that
    only adds tombstones and a segment needs neither)."""
    gdir = folder / _gen_name(int(manifest.get("generation", 0)))
    views: list[SegmentView] = []
    base = 0
    try:
        for entry in manifest["segments"]:
            seg = open_segment(folder / "segments" / entry["name"])
            if verify:
                seg.verify()
            if (seg.n_articles, seg.n_chunks) != (entry["articles"], entry["chunks"]) or seg.meta["dim"] != manifest["dim"]:
                raise IndexMismatchError(
                    f"index {gdir} is incomplete: segment {seg.name} holds {seg.n_articles} articles, {seg.n_chunks} "
                    f"chunks, the manifest says {entry['articles']}, {entry['chunks']}; {rebuild_hint(folder)}"
                )
            view = SegmentView(seg, entry.get("deleted", ()), base)
            views.append(view)
            base += len(view)
    except IndexMismatchError:
        raise
    except (OSError, ValueError, TypeError, KeyError, IndexError, RuntimeError, EOFError, zipfile.BadZipFile) as exc:
        raise IndexMismatchError(f"index {gdir} is damaged ({exc}); {rebuild_hint(folder)}") from exc
    counts = manifest.get("counts", {})
    articles = sum(int(v.live_articles.sum()) for v in views)
    if base != counts.get("chunks") or articles != counts.get("articles"):
        raise IndexMismatchError(
            f"index {gdir} is incomplete: manifest says {counts} but found {articles} articles, "
            f"{base} chunks; {rebuild_hint(folder)}"
        )
    return views
