"""ui.handlers over a real service on a writable copy of the seed index, with the real encoder and
the API's real guard: chat, desk, corpus, and every write path (job progress, confirmations, the
rate limit) without a browser."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_samples import visible

from rag.http.guard import Guard
from rag.service import RagService
from rag.settings import Settings
from ui.handlers import JobView, UiHandlers

pytestmark = pytest.mark.slow

ARTICLE = (
    "# 胶州湾海底隧道二期工程完成主体施工\n\n"
    "本报讯 胶州湾海底隧道二期工程11月20日完成主体施工，隧道全长约14.37公里，"
    "其中海底段长约9.95公里，预计明年上半年通车。\n"
)
UNDATED = (
    "渔港码头改造完工\n\n2017年，西海岸渔港码头完成改造，新增泊位42个，可同时停靠渔船260艘，"
    "年卸港量预计达到8万吨。"
)


@pytest.fixture(scope="module")
def service(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> RagService:
    index = tmp_path_factory.mktemp("ui-handlers") / "index"
    shutil.copytree(seed_index_dir, index)
    svc = RagService(index)
    svc.load()
    return svc


@pytest.fixture
def handlers(service: RagService) -> UiHandlers:
    settings = Settings(index_dir=service.index_dir)
    return UiHandlers(service, settings.limits(), Guard(settings))


def finish(views: Iterator[JobView]) -> list[JobView]:
    """Every view of a job until it has finished."""
    return list(views)


def percents(views: list[JobView]) -> list[int]:
    return [int(m[1]) for v in views if (m := re.search(r'aria-valuenow="(\d+)"', v.html))]


def upload_file(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder = tmp_path / uuid.uuid4().hex[:6]
    folder.mkdir()
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


# ---- 问答 and 核查 --------------------------------------------------------------------------------
def test_ask_answers_with_a_card_and_keeps_the_history(handlers: UiHandlers) -> None:
    turn = handlers.ask("青岛市2022年外贸进出口总值是多少？", [])
    assert turn is not None
    assert "<mark>9117.2亿元</mark>" in turn.reply and "rag-card" in turn.reply
    assert "青岛外贸进出口总值何以创新高" in visible(turn.reply)
    assert turn.history == ["青岛市2022年外贸进出口总值是多少？"]
    follow = handlers.ask("那2023年呢？", turn.history)
    assert follow is not None and "8760亿元" in visible(follow.reply)
    assert handlers.ask("   ", []) is None


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_ask_answers_in_every_retrieval_mode(handlers: UiHandlers, mode: str) -> None:
    turn = handlers.ask("青岛市2022年外贸进出口总值是多少？", [], mode=mode, top_k=5)
    assert turn is not None and "<mark>9117.2亿元</mark>" in turn.reply


def test_ask_refuses_an_over_long_question_in_chinese(handlers: UiHandlers) -> None:
    turn = handlers.ask("问" * (handlers.limits.text_chars + 1), ["之前的问题"])
    assert turn is not None and "问题超过" in visible(turn.reply) and turn.history == ["之前的问题"]


def test_check_marks_a_refuted_figure_with_its_source(handlers: UiHandlers) -> None:
    result = handlers.check("2022年青岛外贸进出口总值达到9800亿元。")
    (row,) = [r for r in result.rows if r.figure == "9800亿元"]
    assert row.verdict == "refuted" and row.corpus_figure.endswith("9117.2亿元")
    assert "不符" in visible(result.html) and "青岛外贸进出口总值何以创新高" in visible(result.html)
    assert "请输入要核查" in visible(handlers.check("  ").html)


# ---- 资料库: reading ---------------------------------------------------------------------------------
def test_corpus_and_reader(handlers: UiHandlers) -> None:
    view = handlers.corpus()
    assert re.search(r"共 \d+ 篇文章", visible(view.table)) and view.selected is None
    first = view.choices[0][1]
    assert handlers.corpus(first).selected == first
    assert "<article" in handlers.read(first)
    assert "在上方选择" in visible(handlers.read(None))
    assert "找不到这篇文章" in visible(handlers.read("no-such-id"))
    assert "文章" in visible(view.info) and "索引版本" in visible(view.info)


# ---- 资料库: writing ---------------------------------------------------------------------------------
def test_upload_runs_as_a_job_whose_progress_reaches_100(handlers: UiHandlers, tmp_path: Path) -> None:
    path = upload_file(tmp_path, f"隧道-{uuid.uuid4().hex[:6]}.md", ARTICLE, "gb18030")
    start = handlers.upload(path, "10.0.0.1")
    assert start.job_id is not None and start.confirm is None
    views = finish(handlers.follow(start.job_id, start.titles, poll_s=0.05))
    last = views[-1]
    assert last.finished and percents(views)[-1] == 100
    assert percents(views) == sorted(percents(views))  # never goes back
    assert "新增 1 篇，替换 0 篇，删除 0 篇" in visible(last.html)
    assert "《胶州湾海底隧道二期工程完成主体施工》" in visible(last.html)
    assert last.first_id is not None and "14.37公里" in visible(handlers.read(last.first_id))
    assert path.name in visible(handlers.corpus().table)


def test_reupload_asks_first_and_then_replaces_showing_what_was_replaced(
    handlers: UiHandlers, service: RagService, tmp_path: Path
) -> None:
    name = f"港口-{uuid.uuid4().hex[:6]}.txt"
    first = handlers.upload(upload_file(tmp_path, name, UNDATED), "10.0.0.2")
    assert first.job_id is not None
    old = finish(handlers.follow(first.job_id, poll_s=0.05))[-1].first_id
    assert old is not None
    changed = UNDATED.replace("42个", "45个")
    again = handlers.upload(upload_file(tmp_path, name, changed), "10.0.0.2")
    assert again.job_id is None and again.confirm is not None  # nothing sent yet
    assert f"资料库中已有来自 {name} 的 1 篇文章" in visible(again.confirm)
    assert "渔港码头改造完工" in visible(again.confirm)
    assert "42个" in service.article(old).text  # the old article is untouched until confirmed
    confirmed = handlers.upload(upload_file(tmp_path, name, changed), "10.0.0.2", replace=True)
    assert confirmed.job_id is not None
    done = finish(handlers.follow(confirmed.job_id, confirmed.titles, poll_s=0.05))[-1]
    text = visible(done.html)
    job = service.job(confirmed.job_id)
    # the id follows the content: the changed article is new, the one it replaces is removed
    assert (
        job.state == "done" and job.replaced == [] and job.removed == [old] and job.added == [done.first_id]
    )
    assert "新增 1 篇，替换 0 篇，删除 1 篇" in text and "删除：《渔港码头改造完工》" in text
    assert "45个" in service.article(job.added[0]).text
    assert [d["id"] for d in service.documents()[0] if d.get("file") == name] == job.added


def test_inferred_date_is_marked_in_corpus_reader_and_answer(handlers: UiHandlers) -> None:
    start = handlers.paste("", "", UNDATED.replace("渔港码头", "中心渔港码头"), "10.0.0.3")
    assert start.job_id is not None
    done = finish(handlers.follow(start.job_id, poll_s=0.05))[-1]
    assert done.first_id is not None
    assert "（约2017年，据正文推断）" in visible(handlers.read(done.first_id))
    assert "（约2017年，据正文推断）" in visible(handlers.corpus().table)
    turn = handlers.ask("中心渔港码头改造新增泊位多少个？", [])
    assert turn is not None and "（约2017年，据正文推断）" in visible(turn.reply)


def test_pasting_the_same_article_twice_asks_before_replacing(handlers: UiHandlers) -> None:
    body = f"本报讯 第{uuid.uuid4().hex[:4]}届海洋科技论坛今天开幕，共有312家单位参会。"
    first = handlers.paste("海洋科技论坛开幕", "2024-09-01", body, "10.0.0.4")
    assert first.job_id is not None
    finish(handlers.follow(first.job_id, poll_s=0.05))
    again = handlers.paste("海洋科技论坛开幕", "2024-09-01", body, "10.0.0.4")
    assert again.job_id is None and again.confirm is not None and "海洋科技论坛开幕" in visible(again.confirm)
    bad = handlers.paste("标题", "2024-02-30", body, "10.0.0.4")
    assert bad.job_id is None and "不是有效日期" in visible(bad.message)


def test_delete_asks_first_then_removes(handlers: UiHandlers, service: RagService) -> None:
    body = f"本报讯 城阳区{uuid.uuid4().hex[:4]}号社区食堂开业，每天供应午餐600份。"
    start = handlers.paste("社区食堂开业", "2024-10-10", body, "10.0.0.5")
    assert start.job_id is not None
    aid = finish(handlers.follow(start.job_id, poll_s=0.05))[-1].first_id
    assert aid is not None
    confirm = handlers.ask_delete(aid)
    assert confirm.pending == aid and "确定要删除《社区食堂开业》吗？" in visible(confirm.message)
    assert service.article(aid).title == "社区食堂开业"  # asking deleted nothing
    assert "已删除《社区食堂开业》" in visible(handlers.delete(confirm.pending, "10.0.0.5"))
    assert aid not in {d["id"] for d in service.documents()[0]}
    assert "找不到这篇文章" in visible(handlers.delete(aid, "10.0.0.5"))
    assert handlers.ask_delete(None).pending is None


def test_writes_pass_the_api_rate_limit(service: RagService, tmp_path: Path) -> None:
    settings = Settings(index_dir=service.index_dir, rate_limit_per_minute=1)
    limited = UiHandlers(service, settings.limits(), Guard(settings))
    before = len(service.documents()[0])
    first = limited.ask_delete("no-such-id")
    assert first.pending is None  # reading costs nothing
    start = limited.paste("限流测试", "", f"正文{uuid.uuid4().hex[:6]}，共3项。", "10.9.9.9")
    assert start.job_id is not None
    finish(limited.follow(start.job_id, poll_s=0.05))
    refused = limited.upload(upload_file(tmp_path, "limit.md", ARTICLE), "10.9.9.9")
    assert refused.job_id is None and "操作过于频繁" in visible(refused.message)
    assert "操作过于频繁" in visible(limited.delete(start.job_id, "10.9.9.9"))
    assert len(service.documents()[0]) == before + 1
    other = limited.paste("别的客户端", "", f"正文{uuid.uuid4().hex[:6]}，共4项。", "10.9.9.8")
    assert other.job_id is not None  # the budget is per client
    finish(limited.follow(other.job_id, poll_s=0.05))
