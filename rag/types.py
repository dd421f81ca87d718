"""Small immutable records that flow between the stages, with stable content-hash ids."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

# ---- vocabularies (one each: the checker, the API and the UI all use these words) ----------------
Verdict = Literal["supported", "refuted", "not_enough_info"]  # a claim or a draft sentence
Outcome = Literal["supported", "refuted", "not_found"]  # one figure of a claim
Comparison = Literal["supports", "refutes", "incomparable"]  # a claim figure against one evidence figure
Miss = Literal["period", "status"]  # why an evidence figure about the same thing was not compared
Status = Literal["actual", "forecast", "target", "unknown"]  # unknown: a plan's paragraph, no cue of its own
Measure = Literal["level", "growth", "share", "rank"]
Role = Literal["whole", "part", "partner"]  # what a figure's subject is to the place it names
QType = Literal[
    "fact", "duration", "amount", "percent", "rank", "count", "date", "person", "place", "list", "yesno", "entity", "summary"
]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
QTYPES: tuple[QType, ...] = get_args(QType)


def content_id(*parts: object, length: int = 16) -> str:
    """A stable id: sha256 over the JSON of the parts, so the same content always gets the same id."""
    payload = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:length]


def text_hash(text: str) -> str:
    """Full sha256 of a text: the key of the vector cache."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Article:
    """One news article: its text and where it came from.

    `start`/`end` are character offsets of `text` inside the cleaned page (`source`), so a quote can
    always be traced back to the page it was printed on.
    """

    id: str
    title: str
    text: str
    source: str  # page file stem, e.g. 000_4ec5dd5d5caa780e, or the JSONL source
    date: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD; "" when unknown
    date_inferred: bool = False
    byline: str = ""
    url: str = ""
    start: int = 0
    end: int = 0
    file: str = ""  # the file it was ingested from, name and extension (report.md); "" for records

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    """A retrieval unit: consecutive whole sentences of one article."""

    id: str
    article_id: str
    title: str
    date: str
    source: str
    text: str
    start: int  # offsets in the cleaned page, like Article.start
    end: int
    ordinal: int = 0  # position of the chunk inside its article

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def make(article: Article, text: str, start: int, end: int, ordinal: int) -> Chunk:
        cid = content_id(article.id, text, start)
        return Chunk(cid, article.id, article.title, article.date, article.source, text, start, end, ordinal)


@dataclass(frozen=True)
class Hit:
    """A chunk returned by retrieval with its fused score and the per-retriever ranks behind it."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None
    dense_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The passage as the API and CLI show a search hit."""
        c = self.chunk
        return {
            "source": c.source,
            "article_id": c.article_id,
            "chunk_id": c.id,
            "title": c.title,
            "date": c.date,
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "score": float(self.score),
        }


@dataclass(frozen=True)
class Citation:
    """What an answer points to with `[n]`: the passage, the sentence relied on, and its offsets."""

    n: int
    source: str
    article_id: str
    title: str
    date: str
    text: str
    quote: str
    start: int
    end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    answer: str
    short_answer: str | None
    found: bool
    question_type: str
    citations: tuple[Citation, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "short_answer": self.short_answer,
            "found": self.found,
            "question_type": self.question_type,
            "citations": [c.to_dict() for c in self.citations],
            "timings_ms": dict(self.timings_ms),
        }
