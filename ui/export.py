"""The fact-check table as files a newsroom opens elsewhere: CSV (spreadsheets) and Markdown.

Both are inert: no spreadsheet formula and no live Markdown (links, images, HTML) survive.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .render.desk import FigureRow, verdict_label, verdict_summary
from .render.markup import date_text

HEADERS = ["原句", "数字", "结论", "资料中的数字", "来源标题", "日期", "版面", "资料原句", "说明"]
KEEP_S = 3600  # exported tables older than this are deleted at the next export
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~$&])")


def _values(r: FigureRow) -> list[str]:
    return [
        r.sentence,
        r.figure,
        verdict_label(r.verdict),
        r.corpus_figure,
        r.title,
        date_text(r.date, r.date_inferred) if r.date else "",
        r.source,
        r.quote,
        r.explanation,
    ]


def _csv_cell(value: str) -> str:
    """No spreadsheet formulas: a cell starting with = + - @ (or a tab/CR) is prefixed with '."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def rows_to_csv(rows: Sequence[FigureRow]) -> str:
    """The table as CSV (one row per figure)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for r in rows:
        writer.writerow([_csv_cell(v) for v in _values(r)])
    return buf.getvalue()


def md_cell(value: str) -> str:
    """A Markdown table cell: punctuation backslash-escaped (no links, images, HTML), one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(value.split())) or "—"


def rows_to_markdown(rows: Sequence[FigureRow]) -> str:
    """The table as Markdown, with a title and the summary."""
    lines = ["# 核查结果", "", md_cell(verdict_summary(rows)), ""]
    lines.append("| " + " | ".join(HEADERS) + " |")
    lines.append("|" + "---|" * len(HEADERS))
    for r in rows:
        lines.append("| " + " | ".join(md_cell(v) for v in _values(r)) + " |")
    return "\n".join(lines) + "\n"


def write_exports(rows: Sequence[FigureRow], base: Path) -> list[Path]:
    """Write the table as CSV and Markdown into a fresh folder under `base`; prune old folders."""
    base.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in base.iterdir():
        if old.is_dir() and now - old.stat().st_mtime > KEEP_S:
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix="check-", dir=base))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    csv_path = folder / f"factcheck-{stamp}.csv"
    md_path = folder / f"factcheck-{stamp}.md"
    csv_path.write_text(rows_to_csv(rows), encoding="utf-8-sig")  # BOM: spreadsheets read it as UTF-8
    md_path.write_text(rows_to_markdown(rows), encoding="utf-8")
    return [csv_path, md_path]
