"""Request and response models: strict on the way in (extra fields, wrong types, invisible text
and lone surrogates are refused), open on the way out (records may grow fields)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from ..ingest import ARTICLE_ID
from ..retrieve import Filters
from ..settings import DEFAULT_LIMITS
from ..textzh import is_blank, strip_controls

MAX_TEXT_CHARS = DEFAULT_LIMITS.text_chars
MAX_DRAFT_CHARS = DEFAULT_LIMITS.draft_chars
MAX_ARTICLE_CHARS = DEFAULT_LIMITS.article_chars
MAX_HISTORY = DEFAULT_LIMITS.history
# At least one character that survives strip_controls and is not white space (JSON-schema regex).
VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff]"
DATE = r"^([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?$"

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _drop_surrogates(value: object) -> object:
    """Lone surrogates (JSON "\\ud800") are not text: drop them before a string is validated."""
    return _LONE_SURROGATE.sub("", value) if isinstance(value, str) else value


def _visible(value: str) -> str:
    if is_blank(value):
        raise ValueError("must contain visible text, not only white space or zero-width characters")
    return value


def _visible_text(max_chars: int) -> Any:
    return Field(strict=True, min_length=1, max_length=max_chars, json_schema_extra={"pattern": VISIBLE})


# Limits apply to the text as sent; then control and zero-width characters are stripped.
Clean = (BeforeValidator(_drop_surrogates), AfterValidator(strip_controls))
Question = Annotated[str, _visible_text(MAX_TEXT_CHARS), *Clean, AfterValidator(_visible)]
Draft = Annotated[str, _visible_text(MAX_DRAFT_CHARS), *Clean, AfterValidator(_visible)]
ArticleText = Annotated[str, _visible_text(MAX_ARTICLE_CHARS), *Clean, AfterValidator(_visible)]


def _not_null(schema: dict[str, Any]) -> None:
    """Document an optional field as "may be absent", not "may be null" (null is rejected)."""
    schema.pop("default", None)
    branches = [b for b in schema.pop("anyOf", []) if b.get("type") != "null"]
    if branches:
        schema.update(branches[0])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FilterModel(_Strict):
    """Restrict retrieval to some sources (page stems, prefix match) and a date range."""

    sources: list[Annotated[str, Field(strict=True, max_length=200), *Clean]] = Field(
        default_factory=list, max_length=50, description="来源（页面文件名前缀），如 000_4ec5dd5d5caa780e"
    )
    date_from: Annotated[str, Field(strict=True, pattern=DATE)] = ""
    date_to: Annotated[str, Field(strict=True, pattern=DATE)] = ""

    def to_filters(self) -> Filters:
        return Filters(tuple(self.sources), self.date_from, self.date_to)


def _whole(value: object) -> object:
    """20.0 is an integer in JSON Schema; 20.5, "20" and true are not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


TopK = Annotated[
    int, Field(strict=True, ge=1, le=50, description="检索的段落数（1–50）"), BeforeValidator(_whole)
]
HistoryItem = Annotated[str, Field(strict=True, max_length=MAX_TEXT_CHARS), *Clean]


class AskRequest(_Strict):
    question: Question = Field(description="中文问题")
    top_k: TopK = 8
    filters: FilterModel | None = None
    history: list[HistoryItem] = Field(
        default_factory=list, max_length=MAX_HISTORY, description="此前的用户提问，用于“那2023年呢？”这类追问"
    )


class SearchRequest(_Strict):
    query: Question = Field(description="检索词或问题")
    top_k: TopK = 5
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    filters: FilterModel | None = None


class CheckRequest(_Strict):
    """Exactly one of `claim` (one sentence) and `text` (a draft, checked claim by claim)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"oneOf": [{"required": ["claim"]}, {"required": ["text"]}]}
    )

    claim: Question | None = Field(default=None, description="待核查的一句话", json_schema_extra=_not_null)
    text: Draft | None = Field(
        default=None, description="待核查的稿件，逐句核查", json_schema_extra=_not_null
    )

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(data.get(k, "") is None for k in ("claim", "text")):
            raise ValueError("'claim' and 'text' are strings; leave out the one you do not use")
        return data

    @model_validator(mode="after")
    def _one_of(self) -> CheckRequest:
        if (self.claim is None) == (self.text is None):
            raise ValueError("give exactly one of 'claim' (one sentence) and 'text' (a draft)")
        return self


class ArticleIn(_Strict):
    """One article to add (an id that exists is a 409 unless the request says replace=true)."""

    id: Annotated[str, Field(strict=True, pattern=ARTICLE_ID, description="文章 id；已存在时需 replace=true 才替换")]
    text: ArticleText = Field(description="正文（纯文本）")
    title: Annotated[str, Field(strict=True, max_length=500), *Clean] | None = None
    date: Annotated[str, Field(strict=True, pattern=DATE)] | None = None
    source: Annotated[str, Field(strict=True, max_length=200), *Clean] | None = None
    url: Annotated[str, Field(strict=True, max_length=2000), *Clean] | None = None


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Annotated[str, Field(strict=True, max_length=50)]
    text: Annotated[str, Field(strict=True), *Clean] | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[str, Field(strict=True), *Clean] | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text or "" for p in self.content or [] if p.type in ("text", "input_text"))


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: Annotated[bool, Field(strict=True)] = False


class ChatRequest(BaseModel):
    """OpenAI's chat request; sampling parameters (temperature, …) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: Annotated[str, Field(strict=True, max_length=200), *Clean]
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: Annotated[bool, Field(strict=True)] = False
    stream_options: StreamOptions | None = None
    top_k: TopK = 8

# ---- responses ---------------------------------------------------------------------------------
class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class IndexInfo(_Open):
    generation: int
    articles: int
    chunks: int
    encoder: str


class HealthResponse(BaseModel):
    status: Literal["ok"]
    ready: bool
    index: IndexInfo | None
    detail: str | None = None


class ReadyResponse(BaseModel):
    status: Literal["ready"]
    index: IndexInfo


class CitationOut(_Open):
    n: int
    source: str
    article_id: str
    title: str
    date: str
    date_label: str = Field(description="显示用日期；推断的日期标为“约…，据正文推断”")
    text: str
    quote: str
    start: int
    end: int
    score: float


class AskResponse(_Open):
    answer: str
    short_answer: str | None
    found: bool
    question_type: str
    citations: list[CitationOut]
    timings_ms: dict[str, float]
    generation: int


class HitOut(BaseModel):
    source: str
    article_id: str
    chunk_id: str
    title: str
    date: str
    date_label: str
    text: str
    start: int
    end: int
    score: float


class SearchResponse(BaseModel):
    generation: int
    hits: list[HitOut]


class CheckResultOut(_Open):
    claim: str
    verdict: Literal["supported", "refuted", "not_enough_info"]
    explanation: str
    figures: list[dict[str, Any]]
    evidence: list[CitationOut]


class ClaimCheckResponse(CheckResultOut):
    generation: int


class DraftCheckResponse(BaseModel):
    generation: int
    results: list[CheckResultOut]


class ArticlesIn(_Strict):
    """Several articles in one write (more than a few answer 202 with a job)."""

    articles: list[ArticleIn] = Field(min_length=1, max_length=10_000)


class DocumentOut(_Open):
    id: str
    title: str
    date: str
    date_inferred: bool
    date_label: str = Field(description="日期的显示形式；推断的日期标为“约…，据正文推断”")
    source: str
    file: str = Field(description="导入时的文件名（含扩展名）；以记录方式添加的为空")
    chunks: int


class DocumentList(BaseModel):
    generation: int
    documents: list[DocumentOut]


class ArticleOut(BaseModel):
    generation: int
    id: str
    title: str
    text: str
    source: str
    date: str
    date_inferred: bool
    date_label: str
    byline: str
    url: str
    file: str


class WriteResponse(BaseModel):
    """A finished write: the ids it added, replaced (same id, new content) and removed."""

    generation: int
    added: list[str]
    replaced: list[str]
    removed: list[str]
    articles: int = Field(description="文章总数（写入后）")
    chunks: int
    embedded: int
    seconds: float
    job: str | None = Field(default=None, description="写入任务的 id（GET /v1/jobs/{id}）")


class JobOut(BaseModel):
    """A write job: queued → running → done | failed; progress is chunks embedded of total."""

    id: str
    state: Literal["queued", "running", "done", "failed"]
    done: int
    total: int
    progress: float = Field(description="0–1")
    added: list[str]
    replaced: list[str]
    removed: list[str]
    error: str | None
    filename: str
    generation: int | None
    queued_at: float
    started_at: float | None
    finished_at: float | None


class JobAccepted(BaseModel):
    job: JobOut
    location: str = Field(description="GET 此地址查看进度")


class ChatChoiceMessage(BaseModel):
    role: Literal["assistant"]
    content: str


class ChatChoice(BaseModel):
    index: int
    message: ChatChoiceMessage
    finish_reason: str
    logprobs: None = None


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage
    citations: list[dict[str, Any]] = Field(description="正文中 [n] 所指的来源（结构化）")
    generation: int


class ModelCard(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelCard]

