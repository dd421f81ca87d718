"""Presentation shared by the answerer, the checker and the front ends: dates, verdict labels and
plain-text tables aligned for CJK (a CJK character takes two columns)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from .types import Outcome, Verdict

VERDICT_ZH: dict[Verdict, str] = {"supported": "符合", "refuted": "不符", "not_enough_info": "未找到"}
OUTCOME_ZH: dict[Outcome, str] = {"supported": "符合", "refuted": "不符", "not_found": "未找到"}


def format_date(date: str) -> str:
    """2023-01 → 2023年1月; 2023-01-28 → 2023年1月28日; '' → 日期不详."""
    parts = [int(p) for p in date.split("-") if p.isdigit()] if date else []
    if not parts:
        return "日期不详"
    return "".join(f"{v}{u}" for v, u in zip(parts, "年月日", strict=False))


def date_label(date: str, inferred: bool = False) -> str:
    """A date as a reader sees it; a date guessed from the text says so: 约2017年，据正文推断.

    Shown in brackets after a title: 《…》（约2017年，据正文推断）.
    """
    shown = format_date(date)
    return f"约{shown}，据正文推断" if inferred and date else shown


def source_label(n: int, title: str, date: str, source: str) -> str:
    """[n]《title》（date, page): enough to find the passage in the paper."""
    return f"[{n}]《{title}》（{format_date(date)}，{source}）"


def display_width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """Pad to a display width (str.ljust counts a CJK character as one column)."""
    return text + " " * (width - display_width(text))


def render_table(headers: Mapping[str, str], rows: Sequence[Mapping[str, str]]) -> str:
    """Rows as an aligned text table under the headers (keys in the headers' order)."""
    keys = list(headers)
    widths = {k: max(display_width(headers[k]), *(display_width(row[k]) for row in rows)) for k in keys}
    lines = ["  ".join(pad(headers[k], widths[k]) for k in keys).rstrip()]
    lines.append("  ".join("-" * widths[k] for k in keys))
    lines += ["  ".join(pad(row[k], widths[k]) for k in keys).rstrip() for row in rows]
    return "\n".join(lines)


def render_markdown(headers: Mapping[str, str], rows: Sequence[Mapping[str, str]]) -> str:
    """Rows as a Markdown table (| escaped, newlines folded)."""
    keys = list(headers)
    lines = ["| " + " | ".join(headers[k] for k in keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(row[k].replace("|", "\\|").replace("\n", " ") for k in keys) + " |" for row in rows]
    return "\n".join(lines)
