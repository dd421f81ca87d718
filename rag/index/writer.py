"""Writes generations: each write adds one segment of new articles and tombstones the removed ones.

A write costs what it adds (chunking, embedding and tokenizing the new articles, a small FAISS and
postings file), not the size of the index: adding one article to 100k chunks writes a segment of a
few chunks and a manifest. A tiered merge policy keeps the number of small segments bounded;
`compact()` merges every segment into one and drops tombstoned rows.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..chunk import ChunkSettings, chunk_article
from ..embed import Encoder, VectorCache
from ..errors import IndexMismatchError
from ..fsutil import atomic_write_bytes, fsync_dir, fsync_tree
from ..textzh import tokenize
from ..types import Article, Chunk, text_hash
from .bm25 import build_postings
from .dense import ANN_TYPES, EXACT_MAX_CHUNKS
from .layout import (
    BM25_PARAMS,
    GENERATIONS_KEPT,
    SCHEMA_VERSION,
    SEGMENTS,
    _gen_name,
    _generations,
    current_generation,
    read_manifest,
    rebuild_hint,
    referenced_segments,
    tokenizer_id,
    write_json,
    writer_lock,
)
from .reader import ArticleMap, SegmentView, open_segment, open_views
from .segment import (
    Annotate,
    Segment,
    SegmentParts,
    check_annotations,
    fresh_parts,
    merged_parts,
    write_segment,
)

Progress = Callable[[int, int], None]
# Tiered merging (Lucene's LogMergePolicy): segments of a tier hold 10^t..10^(t+1) live chunks; when
# a tier has this many, a write merges them into one of the next tier. Merges that would reach a
# size that needs an HNSW graph are left to `compact()`, so a write never pays a graph build.
SEGMENTS_PER_TIER = 10
AUTO_MERGE_MAX_CHUNKS = EXACT_MAX_CHUNKS


@dataclass(frozen=True)
class BuildReport:
    """What a write did, for the one-line summary the CLI prints. articles/chunks are live totals;
    written/removed count the chunks this write added and tombstoned."""

    generation: int
    articles: int
    chunks: int
    embedded: int
    cached: int
    seconds: float
    segments: int = 1
    written: int = 0
    removed: int = 0


def passage_text(chunk: Chunk) -> str:
    """What BM25 indexes: the headline gives a chunk's words its topic."""
    return chunk.text if not chunk.title or chunk.title in chunk.text else f"{chunk.title}\n{chunk.text}"


def dense_text(chunk: Chunk) -> str:
    """What is embedded: the chunk alone. A long feature's headline prefixed to each of its chunks
    pulls them all towards the headline's topic in vector space, so a query on one fact finds every
    chunk of that feature (dev questions, 220/60 chunks: dense top-5 41/45 with the headline, 45/45
    without; hybrid top-5 42/45 → 45/45)."""
    return chunk.text


@dataclass
class _Entry:
    """A segment in the generation being written, with its tombstones (deleted article rows)."""

    view: SegmentView | None
    segment: Any
    deleted: set[int]

    @property
    def live(self) -> int:
        seg = self.segment
        if not self.deleted:
            return seg.n_chunks
        return seg.n_chunks - int(np.diff(seg.article_chunks)[sorted(self.deleted)].sum())

    def keep(self) -> np.ndarray:
        keep = np.ones(self.segment.n_articles, dtype=bool)
        if self.deleted:
            keep[sorted(self.deleted)] = False
        return keep


class IndexWriter:
    """Writes generations: full builds and incremental add/replace/remove of articles."""

    def __init__(
        self,
        folder: Path,
        encoder: Encoder,
        chunk_settings: ChunkSettings | None = None,
        ann: str = "auto",
        lock_timeout: float = 30.0,
        *,
        annotate: Annotate | None = None,
        annotation_version: str | None = None,
        auto_merge: bool = True,
    ) -> None:
        if ann not in ANN_TYPES:
            raise ValueError(f"unknown ann type {ann!r}; use one of {ANN_TYPES}")
        if annotate is not None and not annotation_version:
            raise ValueError("annotate needs an annotation_version, so readers can tell stale annotations")
        self.folder = Path(folder)
        self.encoder = encoder
        self.chunk_settings = chunk_settings or ChunkSettings()
        self.ann = ann
        self.lock_timeout = lock_timeout
        self.annotate = annotate
        self.annotation_version = annotation_version
        self.auto_merge = auto_merge

    # ---- the live generation ---------------------------------------------------------------------
    def _live(self, rebuild: bool) -> tuple[dict[str, Any] | None, list[SegmentView]]:
        """The live manifest and its segments; (None, segments) on rebuild, where the old segments only
        lend their vectors (and are skipped if they cannot be read)."""
        gen = current_generation(self.folder)
        if gen is None:
            return None, []
        if rebuild:
            try:
                manifest = read_manifest(self.folder, gen)
                if manifest.get("schema_version") == SCHEMA_VERSION and manifest.get("encoder") == self.encoder.name:
                    return None, open_views(self.folder, manifest, verify=False)
            except IndexMismatchError:
                pass
            return None, []
        manifest = read_manifest(self.folder, gen)
        if manifest.get("schema_version") != SCHEMA_VERSION or manifest.get("encoder") != self.encoder.name:
            raise IndexMismatchError(
                f"index {self.folder} was built with encoder {manifest.get('encoder')!r} "
                f"(schema {manifest.get('schema_version')}); adding to it with {self.encoder.name!r} would mix "
                f"vector spaces (or formats): {rebuild_hint(self.folder)}"
            )
        return manifest, open_views(self.folder, manifest, verify=False)

    def apply(
        self,
        add: Sequence[Article] = (),
        remove_ids: Iterable[str] = (),
        replace_sources: Iterable[str] = (),
        files: dict[str, str] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> BuildReport:
        """Write the next generation: current articles − removed − those of replaced sources + added.
        An added article equal to the live one of its id is kept where it is (nothing is rewritten)."""
        t0 = time.perf_counter()
        with writer_lock(self.folder, self.lock_timeout):
            self._prune(None)
            manifest, views = self._live(rebuild)
            adds = {a.id: a for a in add}
            remove, sources = set(remove_ids), set(replace_sources)
            digests = dict(manifest.get("files", {})) if manifest is not None else {}
            digests.update(files or {})
            entries: list[_Entry] = []
            full = manifest is None or self._layout_changed(manifest)
            if manifest is not None and full:
                # other chunking or tokens: every live article is written again, as on rebuild
                live = ArticleMap(views)
                kept = {k: live[k] for k in live if k not in remove}
                adds = {**{k: a for k, a in kept.items() if a.source not in sources}, **adds}
                removed = sum(len(v) for v in views)
            else:
                entries = [_Entry(v, v.segment, set(np.flatnonzero(~v.live_articles).tolist())) for v in views]
                _tombstone(entries, adds, remove, sources)
                removed = sum(len(e.view) - e.live for e in entries if e.view is not None)
            return self._publish(manifest, entries, list(adds.values()), views, digests, progress, t0, removed, full)

    def _stale_annotations(self, segment: Segment) -> bool:
        """The segment's chunks were annotated under another version than this writer's (or not at all)."""
        return self.annotate is not None and segment.annotation_version != self.annotation_version

    def _layout_changed(self, manifest: dict[str, Any]) -> bool:
        return manifest.get("tokenizer") != tokenizer_id() or manifest.get("chunk") != asdict(self.chunk_settings)

    # ---- writing ---------------------------------------------------------------------------------
    def _publish(
        self,
        manifest: dict[str, Any] | None,
        entries: list[_Entry],
        new_articles: list[Article],
        vector_views: list[SegmentView],
        digests: dict[str, str],
        progress: Progress | None,
        t0: float,
        removed: int,
        full: bool,
    ) -> BuildReport:
        previous = _generations(self.folder)
        gen = (previous[-1] if previous else 0) + 1
        written = embedded = 0
        cache = VectorCache(self.folder / "cache", self.encoder.name)
        made: list[str] = []
        try:
            if new_articles:
                parts, embedded = self._fresh(new_articles, vector_views, cache, progress)
                written = len(parts.chunk_ids)
                name = self._write(parts, gen, len(made))
                made.append(name)
                entries.append(_Entry(None, open_segment(self.folder / SEGMENTS / name), set()))
            entries = [e for e in entries if e.live > 0]
            stale = [i for i, e in enumerate(entries) if self._stale_annotations(e.segment)]
            if full and stale:  # a rebuild keeps equal articles in place, but reads them again
                entries = self._merge(entries, stale, gen, made, (manifest or {}).get("annotation_version"))
            if self.auto_merge:
                group = _tier_merge(entries)
                if group:
                    entries = self._merge(entries, group, gen, made, (manifest or {}).get("annotation_version"))
            self._write_generation(gen, manifest, entries, digests)
        except BaseException:
            for name in made:
                shutil.rmtree(self.folder / SEGMENTS / name, ignore_errors=True)
            raise
        atomic_write_bytes(self.folder / "CURRENT", _gen_name(gen).encode("ascii"))
        if full and embedded:  # what a full write embedded, for the next rebuild (small writes leave the
            cache.save()  # cache alone: their vectors are in their segments; compaction collects them)
        self._prune(gen)
        live = sum(e.live for e in entries)
        articles = sum(e.segment.n_articles - len(e.deleted) for e in entries)
        return BuildReport(gen, articles, live, embedded, live - embedded, time.perf_counter() - t0,
                           len(entries), written, removed)

    def _fresh(
        self, articles: list[Article], vector_views: list[SegmentView], cache: VectorCache, progress: Progress | None
    ) -> tuple[SegmentParts, int]:
        ordered = sorted(articles, key=lambda a: (a.source, a.start, a.id))
        chunks = [chunk_article(a, self.chunk_settings) for a in ordered]
        flat = [c for cs in chunks for c in cs]
        texts = [dense_text(c) for c in flat]
        keys = [text_hash(t) for t in texts]
        _lend_vectors(cache, keys, vector_views)
        vectors, embedded = cache.embed(texts, self.encoder.encode_passages, progress=progress)
        if not flat:
            vectors = np.zeros((0, self.encoder.dim), dtype=np.float32)
        postings = build_postings([tokenize(passage_text(c)) for c in flat])
        annotations = None
        if self.annotate is not None:
            annotations = check_annotations(self.annotate(flat, {a.id: a for a in ordered}), len(flat))
        parts = fresh_parts(ordered, chunks, keys, vectors, postings, annotations, self.annotation_version)
        return parts, embedded

    def _write(self, parts: SegmentParts, gen: int, k: int) -> str:
        """Write one segment: temp folder, fsync, rename. Returns its name."""
        seg_dir = self.folder / SEGMENTS
        seg_dir.mkdir(parents=True, exist_ok=True)
        name = f"seg-{gen:06d}-{k}"
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-seg-", dir=seg_dir))
        try:
            write_segment(tmp, parts, self.ann, self.encoder.dim)
            fsync_tree(tmp)
            os.rename(tmp, seg_dir / name)
            fsync_dir(seg_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return name

    def _merge(
        self, entries: list[_Entry], group: list[int], gen: int, made: list[str], live_version: str | None
    ) -> list[_Entry]:
        """Replace the entries of `group` by one merged segment, placed where the first of them was.
        It keeps the annotations of the writer's version, else of the index's (`live_version`)."""
        picked = [entries[i] for i in group]
        version = self.annotation_version if self.annotate is not None else live_version
        parts = merged_parts([(e.segment, e.keep()) for e in picked], version, self.annotate)
        name = self._write(parts, gen, len(made))
        made.append(name)
        merged = _Entry(None, open_segment(self.folder / SEGMENTS / name), set())
        out = [e for i, e in enumerate(entries) if i not in group]
        out.insert(min(group), merged)
        return out

    def _write_generation(self, gen: int, manifest: dict[str, Any] | None, entries: list[_Entry],
                          digests: dict[str, str]) -> None:
        digests = _live_digests(entries, digests)
        ids = [e.segment.chunk_ids[_live_rows(e)] for e in entries]
        corpus = np.sort(np.concatenate(ids).astype("S16")) if ids else np.zeros(0, "S16")
        kinds = sorted({e.segment.meta["dense_index"] for e in entries}) or ["IndexFlatIP"]
        previous_version = (manifest or {}).get("annotation_version")
        out = {
            "schema_version": SCHEMA_VERSION,
            "generation": gen,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "encoder": self.encoder.name,
            "dim": self.encoder.dim,
            "tokenizer": tokenizer_id(),
            "chunk": asdict(self.chunk_settings),
            "bm25": BM25_PARAMS,
            "ann": self.ann,
            "dense_index": "+".join(kinds),
            "annotation_version": self.annotation_version if self.annotate is not None else previous_version,
            "corpus_hash": hashlib.sha256(corpus.tobytes()).hexdigest(),  # the sorted live chunk ids
            "counts": {"articles": sum(e.segment.n_articles - len(e.deleted) for e in entries),
                       "chunks": sum(e.live for e in entries)},
            "files": dict(sorted(digests.items())),
            "segments": [
                {"name": e.segment.name, "articles": e.segment.n_articles, "chunks": e.segment.n_chunks,
                 "deleted": sorted(e.deleted)}
                for e in entries
            ],
        }
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-gen-", dir=self.folder))
        try:
            write_json(tmp / "manifest.json", out)
            fsync_tree(tmp)
            os.rename(tmp, self.folder / _gen_name(gen))
            fsync_dir(self.folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    # ---- compaction ------------------------------------------------------------------------------
    def compact(self, progress: Progress | None = None) -> BuildReport:
        """Merge every live segment into one, without tombstones; annotations of another version are
        computed again when this writer has `annotate`. Nothing to do → the live generation, unchanged."""
        t0 = time.perf_counter()
        with writer_lock(self.folder, self.lock_timeout):
            self._prune(None)
            manifest, views = self._live(rebuild=False)
            if manifest is None:
                raise IndexMismatchError(f"no index in {self.folder} to compact; build one with `rag ingest`")
            entries = [_Entry(v, v.segment, set(np.flatnonzero(~v.live_articles).tolist())) for v in views]
            entries = [e for e in entries if e.live > 0]
            stale = any(self._stale_annotations(e.segment) for e in entries)
            if len(entries) <= 1 and not any(e.deleted for e in entries) and not stale:
                live = sum(e.live for e in entries)
                return BuildReport(int(manifest["generation"]), int(manifest["counts"]["articles"]), live, 0, live,
                                   time.perf_counter() - t0, len(entries))
            gen = (_generations(self.folder)[-1]) + 1
            made: list[str] = []
            try:
                entries = (self._merge(entries, list(range(len(entries))), gen, made, manifest.get("annotation_version"))
                           if entries else [])
                self._write_generation(gen, manifest, entries, dict(manifest.get("files", {})))
            except BaseException:
                for name in made:
                    shutil.rmtree(self.folder / SEGMENTS / name, ignore_errors=True)
                raise
            atomic_write_bytes(self.folder / "CURRENT", _gen_name(gen).encode("ascii"))
            cache = VectorCache(self.folder / "cache", self.encoder.name)
            added = 0
            for e in entries:  # the vectors small writes left in their segments, so a rebuild embeds nothing
                rows = _live_rows(e)
                new = [i for i, k in enumerate(e.segment.vec_keys[rows].tolist()) if k.decode() not in cache]
                for i, v in zip(new, e.segment.vectors(rows[new]), strict=True):
                    cache.put(e.segment.vec_keys[rows[i]].decode(), v)
                added += len(new)
            if added:
                cache.save()
            self._prune(gen)
            live = sum(e.live for e in entries)
            articles = sum(e.segment.n_articles - len(e.deleted) for e in entries)
            return BuildReport(gen, articles, live, 0, live, time.perf_counter() - t0, len(entries))

    # ---- clean-up --------------------------------------------------------------------------------
    def _prune(self, live: int | None) -> None:
        """Keep the live generation and the one before it; remove what killed writers left behind
        (temp folders, temp files of CURRENT and the vector cache, segments no generation lists).
        Runs under the lock; with `live` None (before a write) only the leftovers go."""
        if live is not None:
            for g in _generations(self.folder):
                if g <= live - GENERATIONS_KEPT:
                    shutil.rmtree(self.folder / _gen_name(g), ignore_errors=True)
        for tmp in [*self.folder.glob(".tmp-gen-*"), *(self.folder / SEGMENTS).glob(".tmp-seg-*")]:
            shutil.rmtree(tmp, ignore_errors=True)
        for tmp in [*self.folder.glob(".CURRENT.*.tmp"), *(self.folder / "cache").glob(".*.tmp")]:
            tmp.unlink(missing_ok=True)
        seg_dir = self.folder / SEGMENTS
        if seg_dir.is_dir():
            keep = referenced_segments(self.folder)
            for path in seg_dir.glob("seg-*"):
                if path.name not in keep:
                    shutil.rmtree(path, ignore_errors=True)


def _tombstone(entries: list[_Entry], adds: dict[str, Article], remove: set[str], sources: set[str]) -> None:
    """Mark removed, replaced and re-added articles deleted; an added article equal to the live one
    stays where it is (and leaves `adds`), even when its source is replaced."""
    refs: dict[str, tuple[int, int]] = {}
    for i, e in enumerate(entries):
        seg = e.segment
        live = e.keep()
        codes = [c for c, s in enumerate(seg.sources) if s in sources]
        if codes:
            e.deleted.update(np.flatnonzero(np.isin(seg.article_source, codes) & live).tolist())
        ids = seg.article_ids
        for a in np.flatnonzero(live).tolist():
            refs[ids[a]] = (i, a)
    for aid in remove:
        if aid in refs:
            i, a = refs[aid]
            entries[i].deleted.add(a)
    for aid, article in list(adds.items()):
        if aid not in refs:
            continue
        i, a = refs[aid]
        if article == entries[i].segment.article(a):
            entries[i].deleted.discard(a)
            del adds[aid]
        else:
            entries[i].deleted.add(a)


def _live_digests(entries: Sequence[_Entry], digests: dict[str, str]) -> dict[str, str]:
    """The digests of the files the generation still holds articles of, so that a file whose articles
    are all gone reads as changed. Articles name their file; those of old indexes may not, and a page
    file is its own source, a JSONL file's records sources "stem:id"."""
    files = {os.path.basename(e.segment.article_files[r]) for e in entries for r in np.flatnonzero(e.keep()).tolist()}
    sources = {e.segment.sources[c] for e in entries for c in np.unique(e.segment.article_source[e.keep()]).tolist()}
    stems = sources | {s.split(":", 1)[0] for s in sources}
    return {
        k: v for k, v in digests.items() if os.path.basename(k) in files or os.path.splitext(os.path.basename(k))[0] in stems
    }


def _live_rows(e: _Entry) -> np.ndarray:
    return np.flatnonzero(np.repeat(e.keep(), np.diff(e.segment.article_chunks)))


def _lend_vectors(cache: VectorCache, keys: Sequence[str], views: Sequence[SegmentView]) -> None:
    """Vectors of texts the live segments already hold (a re-added or retitled article), into the cache."""
    wanted = {k for k in keys if k not in cache}
    if not wanted or not views:
        return
    needle = np.array(sorted(k.encode("ascii") for k in wanted), dtype="S64")
    for view in views:
        seg = view.segment
        if not len(needle) or not seg.n_chunks:
            continue
        order = seg.key_order
        pos = np.searchsorted(seg.vec_keys[order], needle)
        pos = np.minimum(pos, len(order) - 1)
        found = seg.vec_keys[order][pos] == needle
        if found.any():
            rows = order[pos[found]]
            for k, v in zip(needle[found].tolist(), seg.vectors(rows), strict=True):
                cache.put(k.decode(), v)
            needle = needle[~found]


def _tier_merge(entries: Sequence[_Entry]) -> list[int]:
    """Indices of the segments to merge now (a full tier of small ones), or none."""
    tiers: dict[int, list[int]] = {}
    for i, e in enumerate(entries):
        tiers.setdefault(len(str(max(e.live, 1))) - 1, []).append(i)
    for tier in sorted(tiers):
        group = tiers[tier]
        if len(group) >= SEGMENTS_PER_TIER and sum(entries[i].live for i in group) <= AUTO_MERGE_MAX_CHUNKS:
            return group
    return []
