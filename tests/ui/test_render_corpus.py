"""ui.render.corpus: the article list, the reader, the job progress bar and the confirmations."""

from __future__ import annotations

import re
from typing import Any

from ui_samples import MD_IMAGE, XSS, assert_inert, visible

from ui.render.corpus import (
    article_html,
    confirm_delete_html,
    confirm_replace_html,
    corpus_table_html,
    doc_choices,
    job_html,
    job_percent,
)

DOC = {
    "id": "abc",
    "title": f"标题{XSS}",
    "date": "2024-12-20",
    "date_inferred": False,
    "source": "paste_1234",
    "file": "",
    "chunks": 3,
    "chars": 120,
}


def job(**over: Any) -> dict[str, Any]:
    base = {"id": "job-1", "state": "running", "done": 3, "total": 12, "added": [], "replaced": [],
            "removed": [], "error": None, "filename": "稿件.md"}  # fmt: skip
    return {**base, **over}


def test_corpus_table_lists_articles_as_text_with_inferred_dates_marked() -> None:
    inferred = {**DOC, "id": "def", "title": "第二篇", "chunks": 2, "date": "2017", "date_inferred": True}
    out = corpus_table_html([DOC, {**inferred, "file": "报告.md"}])
    assert_inert(out)
    text = visible(out)
    assert "共 2 篇文章，5 个段落块" in text and XSS in text and "2024年12月20日" in text
    assert "（约2017年，据正文推断）" in text and "报告.md" in text
    assert doc_choices([DOC]) == [(f"标题{XSS}（2024年12月20日 · paste_1234）", "abc")]
    assert doc_choices([inferred])[0][0] == "第二篇（约2017年，据正文推断 · paste_1234）"


def test_article_html_escapes_every_paragraph() -> None:
    out = article_html({"title": XSS, "date": "2024", "source": "s", "text": f"第一段{XSS}\n{MD_IMAGE}"})
    assert_inert(out)
    assert out.count("<p>") == 2 and MD_IMAGE in visible(out)


def test_job_progress_bar_follows_chunks_embedded_of_total() -> None:
    assert job_percent(job(state="queued", done=0, total=0)) == 0
    assert job_percent(job(done=3, total=12)) == 25
    assert job_percent(job(done=12, total=12)) == 99  # running: not finished until it says done
    assert job_percent(job(state="done", done=0, total=0)) == 100
    out = job_html(job(done=3, total=12))
    assert 'aria-valuenow="25"' in out and "width:25%" in out
    assert "已编码 3/12 段（25%）" in visible(out)


def test_finished_job_lists_added_replaced_and_removed_by_title_and_id() -> None:
    done = job(state="done", done=12, added=["a1"], replaced=["r1"], removed=["x1", "x2"])
    out = job_html(done, {"a1": "新文章", "r1": "旧文章", "x1": f"删掉的{XSS}"})
    assert_inert(out)
    text = visible(out)
    assert 'aria-valuenow="100"' in out
    assert "新增 1 篇，替换 1 篇，删除 2 篇" in text
    assert "新增：《新文章》" in text and "替换：《旧文章》" in text
    assert f"删除：《删掉的{XSS}》、x2" in text  # a title no longer known shows its id
    assert re.search(r"id r1", text)


def test_failed_job_says_nothing_was_written() -> None:
    text = visible(job_html(job(state="failed", error="bad line 3")))
    assert "没有写入任何内容" in text and "bad line 3" in text


def test_confirmations_name_what_would_be_lost() -> None:
    assert "确定要删除《标题》吗？" in visible(confirm_delete_html("标题"))
    same = [
        {"id": "a1", "title": f"旧{XSS}", "file": "报告.md"},
        {"id": "a2", "title": "", "file": "报告.md"},
    ]
    out = confirm_replace_html("报告.md", same)
    assert_inert(out)
    text = visible(out)
    assert (
        "资料库中已有来自 报告.md 的 2 篇文章" in text and f"《旧{XSS}》 a1" in text and "确认替换吗" in text
    )
    other = visible(confirm_replace_html("新.jsonl", [{"id": "t1", "title": "甲", "file": "旧.jsonl"}]))
    assert "资料库中已有 1 篇 id 相同的文章" in other and "《甲》 t1（旧.jsonl）" in other
    many = visible(
        confirm_replace_html(
            "多.md", [{"id": f"m{i}", "title": f"第{i}篇", "file": "多.md"} for i in range(13)]
        )
    )
    assert (
        "的 13 篇文章" in many and "《第9篇》" in many and "《第10篇》" not in many and "……另有 3 篇" in many
    )
