"""What a user typed or picked, checked before anything is sent to the service; every refusal is a
`FormError` whose message (Chinese) says what to change. The limits are the one `Limits` of the
settings, the same the HTTP API enforces; decoding and parsing an upload are the service's."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from rag.ingest import SUPPORTED_SUFFIXES
from rag.settings import Limits
from rag.types import content_id

MAX_TITLE_CHARS = 500
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class FormError(ValueError):
    """Input the UI refuses; the message is shown to the user as it is."""


def size_text(size: int) -> str:
    """A byte count as a reader reads it: 5 MB, 256 KB, 1.5 MB."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def question_text(question: str | None, limits: Limits) -> str:
    """The question stripped; '' when empty; FormError when over the limit."""
    q = (question or "").strip()
    if len(q) > limits.text_chars:
        raise FormError(f"问题超过 {limits.text_chars} 字，请缩短后再问。")
    return q


def draft_text(text: str | None, limits: Limits) -> str:
    """A claim or a draft to check, stripped; FormError when empty or over the limit."""
    t = (text or "").strip()
    if not t:
        raise FormError("请输入要核查的句子或稿件。")
    if len(t) > limits.draft_chars:
        raise FormError(f"稿件超过 {limits.draft_chars} 字，请分段核查。")
    return t


def check_date(date: str) -> str:
    """'' or a real calendar date written YYYY, YYYY-MM or YYYY-MM-DD."""
    m = _DATE.fullmatch(date)
    try:
        if m is None:
            raise ValueError(date)
        dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        raise FormError(
            f"日期「{date}」不是有效日期：格式应为 YYYY、YYYY-MM 或 YYYY-MM-DD，例如 2024-07-03。"
        ) from None
    return date


def pasted_article_record(
    title: str | None, date: str | None, text: str | None, limits: Limits
) -> dict[str, str]:
    """The JSON record of a pasted article, its id from its content (pasting the same article twice
    asks before replacing it)."""
    title, date, text = (title or "").strip(), (date or "").strip(), (text or "").strip()
    if not text:
        raise FormError("请粘贴文章正文。")
    if len(text) > limits.article_chars:
        raise FormError(f"正文超过 {limits.article_chars} 字，请分篇添加。")
    if len(title) > MAX_TITLE_CHARS:
        raise FormError(f"标题太长（最多 {MAX_TITLE_CHARS} 字）。")
    aid = content_id("ui-paste", title, text)
    record = {"id": aid, "text": text, "source": f"paste_{aid[:8]}"}
    if title:
        record["title"] = title
    if date:
        record["date"] = check_date(date)
    return record


def read_upload(path: str | Path | None, limits: Limits) -> tuple[bytes, str]:
    """(bytes, file name) of an uploaded file, checked for type and size."""
    if not path:
        raise FormError("请先选择要上传的文件。")
    p = Path(path)
    if p.suffix.lower() not in SUPPORTED_SUFFIXES:
        kinds = "、".join(SUPPORTED_SUFFIXES)
        raise FormError(f"不支持的文件类型：{p.suffix or '无后缀'}；请上传 {kinds} 文件。")
    size = p.stat().st_size
    if size > limits.upload_bytes:
        raise FormError(f"文件太大（{size_text(size)}），上限为 {size_text(limits.upload_bytes)}。")
    return p.read_bytes(), p.name
