"""Inline markup every panel shares: escaping, highlighted text, dates, status lines.

Everything that comes from an article, a question, a claim or an upload passes through `esc` before
it is put into HTML. The chat renders Markdown, so text is written with HTML entities, Markdown
punctuation included (`![x](http://…)` stays text and is never fetched), and never with a newline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.present import date_label

# Characters written as numeric entities: HTML specials and every Markdown / LaTeX trigger.
_ENTITY_TABLE = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'`!#$()*[\\]_{|}~"})
_REF = re.compile(r"\[(\d{1,3})\]")
_FIGURE_SPLIT = re.compile(r"[、，,；;/]|和|及|与")


def esc(text: object) -> str:
    """Text as inert HTML that no Markdown pass can turn into markup; line breaks become <br>."""
    s = str(text if text is not None else "").replace("\r\n", "\n").replace("\r", "\n")
    s = s.translate(_ENTITY_TABLE)
    s = re.sub(r"\n+", "\n", s.strip("\n"))
    return s.replace("\n", "<br>")


def figure_parts(short_answer: str | None) -> list[str]:
    """The figures of a short answer, longest first: '3756.1亿元、5.1%' → ['3756.1亿元、5.1%', '3756.1亿元', '5.1%']."""
    if not short_answer:
        return []
    parts = {p.strip() for p in _FIGURE_SPLIT.split(short_answer) if p.strip()}
    return sorted(parts | {short_answer.strip()}, key=len, reverse=True)


def _spans(text: str, needles: Sequence[str]) -> list[tuple[int, int]]:
    """Non-overlapping occurrences of the needles in `text`, longest needle first."""
    taken: list[tuple[int, int]] = []
    for needle in sorted({n for n in needles if n}, key=len, reverse=True):
        start = text.find(needle)
        while start >= 0:
            end = start + len(needle)
            if all(end <= s or start >= e for s, e in taken):
                taken.append((start, end))
            start = text.find(needle, end)
    return sorted(taken)


def render_text(text: str, marks: Sequence[str] = (), refs: bool = False, quote: str = "") -> str:
    """Escape `text`; wrap the `marks` (figures) in <mark>, `quote` in a highlight span and, with
    `refs`, the [n] markers in <sup>."""
    if quote and quote in text:
        i = text.find(quote)
        inner = render_text(quote, marks, refs)
        return (
            render_text(text[:i], marks, refs)
            + f'<span class="rag-quoted">{inner}</span>'
            + render_text(text[i + len(quote) :], marks, refs)
        )
    pieces: list[tuple[int, int, str]] = [(s, e, "mark") for s, e in _spans(text, marks)]
    if refs:
        for m in _REF.finditer(text):
            if all(m.end() <= s or m.start() >= e for s, e, _ in pieces):
                pieces.append((m.start(), m.end(), "ref"))
    out: list[str] = []
    pos = 0
    for start, end, kind in sorted(pieces):
        out.append(esc(text[pos:start]))
        if kind == "mark":
            out.append(f"<mark>{esc(text[start:end])}</mark>")
        else:
            out.append(f'<sup class="rag-ref">{esc(text[start:end])}</sup>')
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def date_text(date: object, inferred: object = False) -> str:
    """A date as plain text; one guessed from the article's text says so: （约2017年，据正文推断）."""
    label = date_label(str(date or ""), bool(inferred))
    return f"（{label}）" if inferred and date else label


def date_html(date: object, inferred: object = False) -> str:
    """`date_text` as HTML; an inferred date is set apart in colour as well as in words."""
    text = esc(date_text(date, inferred))
    return f'<span class="rag-date-inferred">{text}</span>' if inferred and date else text


def status_html(message: str, ok: bool = True) -> str:
    """A one-line status under a form."""
    cls = "rag-status-ok" if ok else "rag-status-bad"
    return f'<div class="rag-status {cls}">{esc(message)}</div>'


def error_html(message: str) -> str:
    """A message in the chat that something went wrong."""
    return f'<div class="rag-error">{esc(message)}</div>'


def empty_html(message: str) -> str:
    """A muted placeholder in an empty panel."""
    return f'<div class="rag-empty">{esc(message)}</div>'
