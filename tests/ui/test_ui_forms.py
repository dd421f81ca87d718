"""ui.forms: what the user typed or picked is checked against the one Limits, in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.settings import Limits, Settings
from ui.forms import FormError, draft_text, pasted_article_record, question_text, read_upload, size_text

LIMITS = Limits(text_chars=20, draft_chars=40, article_chars=60, upload_bytes=100)


def test_pasted_article_record_validates_in_chinese() -> None:
    rec = pasted_article_record(" 标题 ", "2024-08-15", " 正文9117.2亿元。 ", LIMITS)
    assert rec["title"] == "标题" and rec["date"] == "2024-08-15" and rec["text"] == "正文9117.2亿元。"
    same = pasted_article_record("标题", "2024-08-15", "正文9117.2亿元。", LIMITS)
    assert rec["source"].startswith("paste_") and rec["id"] == same["id"]
    with pytest.raises(FormError, match="请粘贴文章正文"):
        pasted_article_record("t", "", "  ", LIMITS)
    with pytest.raises(FormError, match="正文超过 60 字"):
        pasted_article_record("t", "", "字" * 61, LIMITS)


@pytest.mark.parametrize("date", ["2024/8/15", "2023-02-30", "2024-13", "24-01-01"])
def test_pasted_dates_must_be_real_calendar_dates(date: str) -> None:
    with pytest.raises(FormError, match="不是有效日期"):
        pasted_article_record("t", date, "正文", LIMITS)


def test_question_and_draft_limits_come_from_the_settings() -> None:
    assert question_text("  问题  ", LIMITS) == "问题" and question_text(None, LIMITS) == ""
    with pytest.raises(FormError, match="问题超过 20 字"):
        question_text("问" * 21, LIMITS)
    with pytest.raises(FormError, match="请输入要核查"):
        draft_text(" ", LIMITS)
    with pytest.raises(FormError, match="稿件超过 40 字"):
        draft_text("稿" * 41, LIMITS)
    settings = Settings(max_upload_bytes=1234, max_text_chars=77)
    assert settings.limits().upload_bytes == 1234 and settings.limits().text_chars == 77


def test_read_upload_checks_type_and_size_and_keeps_the_bytes(tmp_path: Path) -> None:
    good = tmp_path / "稿件.md"
    good.write_bytes("# 标题\n\n正文。".encode("gbk"))  # decoding is the service's job
    assert read_upload(good, LIMITS) == ("# 标题\n\n正文。".encode("gbk"), "稿件.md")
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(FormError, match=r"不支持的文件类型：\.exe"):
        read_upload(exe, LIMITS)
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 101)
    with pytest.raises(FormError, match="文件太大"):
        read_upload(big, LIMITS)
    with pytest.raises(FormError, match="请先选择"):
        read_upload(None, LIMITS)


def test_size_text_reads_like_a_person_writes_it() -> None:
    assert [size_text(n) for n in (5 * 1024 * 1024, 1536 * 1024, 256 * 1024, 10)] == [
        "5 MB",
        "1.5 MB",
        "256 KB",
        "1 KB",
    ]
