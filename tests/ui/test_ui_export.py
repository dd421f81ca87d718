"""ui.export: the fact-check table as CSV and Markdown, faithful and inert."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ui_samples import CITATION, MD_IMAGE, XSS, check_result

from ui.export import md_cell, rows_to_csv, rows_to_markdown, write_exports
from ui.render.desk import FigureRow, figure_rows


def _rows() -> list[FigureRow]:
    res = check_result(
        claim=f'=HYPERLINK("http://x")2022年{XSS}达到9800亿元|。',
        explanation="-1+1 " + MD_IMAGE,
        evidence=[{**CITATION, "date": "2017", "date_inferred": True}],
    )
    return figure_rows([res])


def test_csv_export_round_trips_and_blocks_formulas() -> None:
    rows = list(csv.reader(io.StringIO(rows_to_csv(_rows()))))
    assert rows[0][:4] == ["原句", "数字", "结论", "资料中的数字"]
    assert rows[1][0].startswith("'=HYPERLINK")  # not a live formula
    assert rows[1][1:4] == ["9800亿元", "不符", "9117.2亿元"]
    assert rows[1][5] == "（约2017年，据正文推断）"
    assert rows[1][8].startswith("'-1+1")
    assert XSS in rows[1][0]  # data stays as written


def test_markdown_export_is_a_table_without_live_markup() -> None:
    lines = rows_to_markdown(_rows()).splitlines()
    assert lines[0] == "# 核查结果"
    table = [ln for ln in lines if ln.startswith("|")]
    assert len(table) == 3  # header, rule, one figure
    cells = re.split(r"(?<!\\)\|", table[2])[1:-1]
    assert len(cells) == 9  # the | in the claim is escaped, not a column break
    for cell in cells:
        assert not re.search(r"(?<!\\)[<>\[\]()!|`*_$]", cell), cell  # every Markdown trigger escaped
    assert "\\<script\\>" in table[2] and "不符" in table[2] and "9117.2亿元" in table[2]


def test_md_cell_flattens_lines_and_escapes() -> None:
    assert md_cell("a|b\n[c](d)") == "a\\|b \\[c\\]\\(d\\)"
    assert md_cell("") == "—"


def test_write_exports_writes_both_files_with_a_bom_for_spreadsheets(tmp_path: Path) -> None:
    csv_path, md_path = write_exports(_rows(), tmp_path)
    assert csv_path.suffix == ".csv" and md_path.suffix == ".md" and csv_path.parent.parent == tmp_path
    assert csv_path.read_bytes().startswith("\ufeff原句".encode())
    assert md_path.read_text(encoding="utf-8").startswith("# 核查结果")
