"""Evidence sentences: each chunk split into sentences that carry their figures, the frames of those
figures, the years they speak of (今年/去年 resolved against the article's date) and the paragraph
before them (a sentence like 对韩国和日本分别进出口755.2亿元 takes its year and subject from there).

This is computed once per chunk: :func:`annotate_chunks` at index build time (stored with the chunk,
JSON-serialisable, versioned by :data:`ANNOTATION_VERSION`), or lazily on first use and then kept by
the index snapshot itself (:func:`evidence_of`), never in a process-wide cache keyed outside it.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..figures import Figure, Period
from ..textzh import fold, split_sentences
from ..types import Article, Chunk
from .context import resolved_years
from .frame import Frame, evidence_frames
from .reading import read_figures
from .subject import subject_places

# Bump whenever what an annotation holds, or how it is computed, changes: stored annotations of
# another version are ignored and recomputed.
ANNOTATION_VERSION = "understand-11"
CACHE_CHUNKS = 20_000  # analysed chunks an index snapshot keeps when its annotations are not stored


@dataclass(frozen=True)
class Evidence:
    """One sentence of a chunk, analysed once."""

    chunk: Chunk  # as the index stores it (as written)
    text: str  # the sentence folded (simplified, half-width): what is compared
    start: int  # offsets in the chunk text
    end: int
    years: frozenset[int]  # years this sentence speaks of, relative dates resolved
    context: str  # the article title, a newline, then the paragraph before the sentence
    context_years: frozenset[int]
    figures: tuple[Figure, ...]
    periods: tuple[Period, ...]
    article_date: str
    wide: str = ""  # the paragraph before the sentence's own (本场招聘会… follows 首场…招聘会举行)
    frames: tuple[Frame, ...] = ()  # one per figure
    subjects: tuple[str, ...] = ()  # places that open a clause as its subject (subject_places), read at write time

    @property
    def written(self) -> str:
        """The sentence as written (traditional stays traditional): what is quoted."""
        return self.chunk.text[self.start : self.end]

    def raw(self, fig: Figure) -> str:
        """A figure of this sentence as written (its offsets are the folded sentence's, the same)."""
        return self.written[fig.start : fig.end] if self.text[fig.start : fig.end] == fig.raw else fig.raw

    @property
    def paragraph(self) -> str:
        """The paragraph before the sentence (its context without the title line)."""
        return self.context.split("\n", 1)[-1]

    @property
    def page_start(self) -> int:
        return self.chunk.start + self.start

    @property
    def page_end(self) -> int:
        return self.chunk.start + self.end


# ---- computing ------------------------------------------------------------------------------------


def _wide_bounds(article: Article, local: int) -> tuple[int, int]:
    """Article-local bounds of the paragraph before the one holding offset `local` (blank lines skipped)."""
    para = article.text.rfind("\n", 0, max(local, 0))
    prev = article.text.rfind("\n", 0, para) if para > 0 else -1
    while para > 0 and prev >= 0 and not article.text[prev + 1 : para].strip():
        para = prev
        prev = article.text.rfind("\n", 0, para)
    return (prev + 1, para) if para > 0 else (0, 0)


def _sentences(chunk: Chunk, article: Article | None) -> list[dict[str, Any]]:
    """The annotation of a chunk: per sentence, offsets and where its context lies in the article."""
    out = []
    for _sentence, s, e in split_sentences(chunk.text):
        row: dict[str, Any] = {"s": s, "e": e, "before": -1, "wide": [0, 0]}
        if article is not None:
            local = chunk.start + s - article.start
            row["before"] = article.text.rfind("\n", 0, local) + 1
            row["wide"] = list(_wide_bounds(article, local))
        out.append(row)
    return out


def _build(chunk: Chunk, article: Article | None, folded: _Folded, row: dict[str, Any], stored: dict[str, Any] | None) -> Evidence:
    """One sentence's evidence; `folded` is the article's text folded (once per chunk, not per sentence)."""
    s, e = row["s"], row["e"]
    sentence = fold(chunk.text[s:e])
    date = chunk.date
    if article is not None and row["before"] >= 0:
        local = chunk.start + s - article.start
        before = folded[row["before"] : local]
        a, b = row["wide"]
        wide = folded[a:b]
    else:
        before, wide = fold(chunk.text[:s]), ""
    context = f"{fold(chunk.title)}\n{before}"
    if stored is not None:
        figures = tuple(figure_from_dict(f) for f in stored["figures"])
        periods = tuple(Period(**p) for p in stored["periods"])
        years, ctx_years = frozenset(stored["years"]), frozenset(stored["context_years"])
        frames = tuple(Frame.from_dict(f) for f in stored["frames"])
        subjects = tuple(stored["subjects"])
    else:
        y, plist = resolved_years(sentence, date)
        cy, _ = resolved_years(before, date)
        years, ctx_years, periods = frozenset(y), frozenset(cy), tuple(plist)
        figures = tuple(read_figures(sentence, bare_growth=False))
        frames = evidence_frames(sentence, figures, periods, before, date, years, fold(chunk.title), wide)
        subjects = tuple(subject_places(sentence))
    return Evidence(chunk, sentence, s, e, years, context, ctx_years, figures, periods, date, wide, frames, subjects)


class _Folded:
    """The stretch of an article that a chunk's sentences read as context, folded once (same offsets)."""

    def __init__(self, article: Article | None, chunk: Chunk, rows: list[dict[str, Any]]) -> None:
        starts = [r["before"] for r in rows if r["before"] >= 0] + [r["wide"][0] for r in rows if r["wide"][1] > 0]
        self.offset = min(starts, default=0)
        end = chunk.end - article.start if article is not None else 0
        self.text = fold(article.text[self.offset : end]) if article is not None else ""

    def __getitem__(self, key: slice) -> str:
        return self.text[key.start - self.offset : key.stop - self.offset]


def analyse_chunk(chunk: Chunk, article: Article | None) -> tuple[Evidence, ...]:
    """Every sentence of a chunk as evidence, with its figures and their frames."""
    rows = _sentences(chunk, article)
    folded = _Folded(article, chunk, rows)
    return tuple(_build(chunk, article, folded, row, None) for row in rows)


# ---- storing --------------------------------------------------------------------------------------


def _finite(x: float) -> float | str:
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")


def figure_to_dict(fig: Figure) -> dict[str, Any]:
    """A figure as JSON (infinite interval ends as "inf"/"-inf", which strict JSON writers keep)."""
    d = asdict(fig)
    d["low"], d["high"] = _finite(fig.low), _finite(fig.high)
    return d


def figure_from_dict(d: dict[str, Any]) -> Figure:
    d = dict(d)
    d["period"] = Period(**d["period"])
    d["low"], d["high"] = float(d["low"]), float(d["high"])
    return Figure(**d)


def _annotation(chunk: Chunk, article: Article | None) -> dict[str, Any]:
    rows = _sentences(chunk, article)
    folded = _Folded(article, chunk, rows)
    sentences = []
    for row, ev in zip(rows, (_build(chunk, article, folded, r, None) for r in rows), strict=True):
        sentences.append(
            {
                **row,
                "years": sorted(ev.years),
                "context_years": sorted(ev.context_years),
                "figures": [figure_to_dict(f) for f in ev.figures],
                "periods": [asdict(p) for p in ev.periods],
                "frames": [f.to_dict() for f in ev.frames],
                "subjects": list(ev.subjects),
            }
        )
    return {"version": ANNOTATION_VERSION, "sentences": sentences}


def annotate_chunks(chunks: Sequence[Chunk], articles: Mapping[str, Article]) -> list[dict[str, Any]]:
    """The index builder's annotator: one JSON-serialisable dict per chunk, stored with it."""
    return [_annotation(c, articles.get(c.article_id)) for c in chunks]


def evidence_from_annotation(chunk: Chunk, article: Article | None, data: Mapping[str, Any]) -> tuple[Evidence, ...]:
    """A stored annotation back into evidence sentences (the article supplies the paragraph text)."""
    if data.get("version") != ANNOTATION_VERSION:
        return analyse_chunk(chunk, article)
    rows = [dict(r) for r in data["sentences"]]
    folded = _Folded(article, chunk, rows)
    return tuple(_build(chunk, article, folded, row, row) for row in rows)


# ---- the snapshot's own cache -------------------------------------------------------------------


class Understanding:
    """Evidence per chunk for one index snapshot: read from its stored annotations when it has them
    (``index.annotations(row)``, the segmented store's per-chunk dicts, written by
    :func:`annotate_chunks` under ``ANNOTATION_VERSION``), else computed on first use and kept here."""

    def __init__(self, index: Any, size: int = CACHE_CHUNKS) -> None:
        self.index = index
        self.size = size
        self._items: OrderedDict[str, tuple[Evidence, ...]] = OrderedDict()
        self._lock = threading.Lock()
        stored = getattr(index, "annotations", None)
        version = getattr(index, "annotation_version", None)
        self._stored = stored if callable(stored) and version == ANNOTATION_VERSION else None

    def _row(self, chunk: Chunk) -> int | None:
        row_of = getattr(self.index, "row_of", None)
        if callable(row_of):
            return row_of(chunk.id)
        rows = getattr(self.index, "chunk_row", None)
        return rows.get(chunk.id) if rows is not None else None

    def evidence(self, chunk: Chunk) -> tuple[Evidence, ...]:
        """The chunk's sentences; a copy of an index chunk (folded, say) is read as the index stores it."""
        with self._lock:
            hit = self._items.get(chunk.id)
            if hit is not None:
                self._items.move_to_end(chunk.id)
                return hit
        row = self._row(chunk)
        if row is not None and row < len(self.index.chunks):
            chunk = self.index.chunks[row]
        article = self.index.articles.get(chunk.article_id)
        data = self._stored(row) if self._stored is not None and row is not None else None
        value = evidence_from_annotation(chunk, article, data) if data is not None else analyse_chunk(chunk, article)
        with self._lock:
            self._items[chunk.id] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


_BY_ID: dict[int, Understanding] = {}  # for an index that takes no attributes: dropped with the index


def understanding(index: Any) -> Understanding:
    """The understanding owned by this index snapshot (created on first use, dropped with the index)."""
    try:
        state = vars(index)
    except TypeError:
        found = _BY_ID.get(id(index))
        if found is None or found.index is not index:
            found = _BY_ID[id(index)] = Understanding(index)
            weakref.finalize(index, _BY_ID.pop, id(index), None)
        return found
    found = state.get("_understanding")
    if found is None:
        found = state.setdefault("_understanding", Understanding(index))
    return found


def evidence_of(index: Any, chunk: Chunk) -> tuple[Evidence, ...]:
    """Evidence sentences of a chunk of this index snapshot."""
    return understanding(index).evidence(chunk)


class _EvidenceAccess:
    """``EVIDENCE.get(index, chunk)``: the answerer's spelling of :func:`evidence_of` (no state here)."""

    def get(self, index: Any, chunk: Chunk) -> tuple[Evidence, ...]:
        return evidence_of(index, chunk)


EVIDENCE = _EvidenceAccess()
