"""How a record is shown to a reader, the same way in every front end (API text, UI, CLI, MCP)."""

from __future__ import annotations


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
