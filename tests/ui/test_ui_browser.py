"""The UI in a real browser: Playwright (Python, sync API) driving Debian's /usr/bin/chromium against
a real uvicorn server composed as `rag serve` composes it (rag.http app + ui.mount) on a writable
copy of the seed index; once without a key, once with RAG_API_KEY set. Screenshots go to
test-output/ui/. `make browser-deps` installs chromium and fonts-noto-cjk.

Gradio keeps a connection open, so pages are loaded to `domcontentloaded` and then the test waits for
the elements it needs, never for `networkidle`.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from serving import serve

from rag.http import create_app
from rag.settings import Settings
from ui.mount import mount

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Locator, Page, Request, ViewportSize

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "ui"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 60_000
JOB_WAIT_MS = 240_000  # a write embeds its passages: minutes on a loaded 2-core machine
TAKE_UP_MS = 15_000  # how long a sent question may take to leave the box
KEY = "newsroom-key-7f3a"
UPLOAD_LIMIT = 256 * 1024

NEW_ARTICLE = {
    "title": "青岛新能源汽车保有量突破35万辆",
    "date": "2024-08-15",
    "text": (
        "本报讯（记者 林海）记者8月14日从市公安局交通警察支队获悉，截至2024年7月底，青岛市新能源汽车"
        "保有量达到35.68万辆，同比增长41.2%。今年1-7月，全市新增新能源汽车6.93万辆，占新注册汽车总量的46.5%。"
    ),
    "question": "2024年1-7月青岛新增新能源汽车多少辆？",
    "figure": "6.93万辆",
}
UNDATED_ARTICLE = {
    "title": "老城区供热管网改造完成",
    "text": "2017年，老城区完成供热管网改造，更换老旧管道86公里，惠及居民3.2万户。",
}
HOSTILE_ARTICLE = {
    "title": "海滨社区志愿服务队<b>年度</b>盘点",
    "date": "2024-12-20",
    "text": (
        "本报讯 海滨社区志愿服务队今年共开展志愿活动368场次<script>window.__xss=1</script>，"
        '参与居民<img src=x onerror="window.__xss=2">超过5000人次。![logo](http://127.0.0.1:9/evil.png) '
        "服务队负责人表示，明年将新增“银龄课堂”等6个服务项目。"
    ),
    "question": '<img src=x onerror="window.__xss=3">海滨社区志愿服务队今年共开展志愿活动多少场次？',
}


# ---- servers and browser -------------------------------------------------------------------------
@contextmanager
def composed(seed_index_dir: Path, folder: Path, **settings: Any) -> Iterator[str]:
    """API + UI as `rag serve` composes them, on a private copy of the seed index."""
    index_dir = folder / "index"
    shutil.copytree(seed_index_dir, index_dir)
    app = create_app(Settings(index_dir=index_dir, max_upload_bytes=UPLOAD_LIMIT, **settings))
    mount(app, app.state.service, app.state.guard)
    with serve(app, lifespan="on") as url:
        yield url + "/"


@pytest.fixture(scope="module")
def server_url(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """No key: the UI is open (as on a journalist's own machine)."""
    with composed(seed_index_dir, tmp_path_factory.mktemp("ui-open")) as url:
        yield url


@pytest.fixture(scope="module")
def locked_url(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """RAG_API_KEY set: the UI asks for it."""
    with composed(seed_index_dir, tmp_path_factory.mktemp("ui-locked"), api_key=KEY) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian chromium through Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium fonts-noto-cjk)"
        )
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def new_page(browser: Browser, url: str) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    pg.goto(url, wait_until="domcontentloaded")
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, server_url: str) -> Iterator[Page]:
    """A fresh 1280×800 zh-CN page with the open UI loaded."""
    with new_page(browser, server_url) as pg:
        pg.locator("#rag-question textarea").wait_for()
        yield pg


# ---- helpers -------------------------------------------------------------------------------------
def ask(page: Page, question: str) -> Locator:
    """Type a question, send it, and return the locator of the new answer.

    A send the page's client never passes on leaves nothing to wait for. So the question must be
    taken up (the box is cleared: the answer is pending, or already there) within TAKE_UP_MS, or it is
    sent again another way: Enter, then the 发送 button, then the same on a reloaded page (a fresh
    connection to the server's queue). Only then is the answer itself waited for."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # optional: see `browser`

    answers = page.locator("#rag-chat .rag-msg")
    box = page.locator("#rag-question textarea")
    taken_up = """n => document.querySelectorAll('#rag-chat .rag-msg').length > n
                     || document.querySelector('#rag-question textarea').value === ''"""
    sends = ("enter", "button", "reload")
    for attempt, how in enumerate(sends):
        if how == "reload":
            page.reload(wait_until="domcontentloaded")
            box.wait_for()
        before = answers.count()
        box.fill(question)
        if how == "enter":
            box.press("Enter")
        else:
            page.locator("#rag-send").click()
        try:
            page.wait_for_function(taken_up, arg=before, timeout=TAKE_UP_MS)
            break
        except PlaywrightTimeout:
            if attempt == len(sends) - 1:
                raise
    page.wait_for_function(
        "n => document.querySelectorAll('#rag-chat .rag-msg').length > n", arg=before, timeout=JOB_WAIT_MS
    )
    return answers.nth(before)


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def add_pasted(page: Page, title: str, date: str, text: str) -> Locator:
    """Add an article through 资料库 → 粘贴正文; returns the finished job's view."""
    open_tab(page, "资料库")
    page.get_by_role("tab", name="粘贴正文").click()
    page.locator("#rag-new-title input, #rag-new-title textarea").first.fill(title)
    page.locator("#rag-new-date input, #rag-new-date textarea").first.fill(date)
    page.locator("#rag-new-text textarea").fill(text)
    page.locator("#rag-add").click()
    return finished_job(page)


def finished_job(page: Page) -> Locator:
    job = page.locator('#rag-add-status .rag-job[data-state="done"]')
    job.wait_for(timeout=JOB_WAIT_MS)
    return job


def upload(page: Page, path: Path) -> None:
    """Pick a file in 资料库 → 上传文件 and press 上传并添加."""
    open_tab(page, "资料库")
    page.get_by_role("tab", name="上传文件").click()
    page.locator("#rag-upload input[type=file]").set_input_files(str(path))
    page.locator(f'#rag-upload [aria-label="{path.name}"]').wait_for()  # the uploaded file is listed
    page.locator("#rag-upload-add").click()


def pick_article(page: Page, words: str) -> None:
    box = page.locator("#rag-pick input")
    box.click()
    box.fill(words)
    page.get_by_role("option", name=re.compile(re.escape(words))).first.click()
    page.locator("#rag-reader .rag-article").wait_for()


def post_upload(url: str, payload: bytes, cookie: str = "") -> int:
    """POST a file to Gradio's upload route; the status code."""
    boundary = "----ragtest"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if cookie:
        headers["Cookie"] = cookie
    req = urllib.request.Request(url + "gradio_api/upload", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


# ---- with RAG_API_KEY set --------------------------------------------------------------------------
def test_without_the_key_the_ui_shows_no_corpus_and_cannot_write(browser: Browser, locked_url: str) -> None:
    with new_page(browser, locked_url) as pg:
        password = pg.locator("input[type=password]")
        password.wait_for()
        pg.screenshot(path=str(SHOTS / "login.png"))
        body = pg.locator("body").inner_text()
        assert "访问密钥" in body and "登录" in body
        for secret in ("资料库\n", "青岛", "删除这篇", "9117.2"):
            assert secret not in body, secret
        assert pg.locator("#rag-corpus, #rag-question, #rag-upload").count() == 0
        pg.locator("input:not([type=password])").first.fill("编辑甲")
        password.fill("wrong-key")
        pg.get_by_role("button", name="登录").click()
        pg.get_by_text("凭据不正确").wait_for()
        assert pg.locator("#rag-corpus").count() == 0
        pg.screenshot(path=str(SHOTS / "login-wrong-key.png"))
    assert post_upload(locked_url, b"x") == 401  # no write through Gradio's routes either
    assert get_status(locked_url + "config") == 401  # nor the page's components


def test_with_the_key_the_ui_works(browser: Browser, locked_url: str, tmp_path: Path) -> None:
    with new_page(browser, locked_url) as pg:
        pg.locator("input:not([type=password])").first.fill("编辑甲")
        pg.locator("input[type=password]").fill(KEY)
        pg.get_by_role("button", name="登录").click()
        pg.locator("#rag-question textarea").wait_for()
        answer = ask(pg, "青岛市2022年外贸进出口总值是多少？")
        assert "9117.2亿元" in answer.locator(".rag-answer").inner_text()
        path = tmp_path / f"登录后上传-{uuid.uuid4().hex[:6]}.md"
        path.write_text(
            "# 登录后上传的稿件\n\n本报讯 新建社区公园12座，新增绿地面积46.8万平方米。\n", encoding="utf-8"
        )
        upload(pg, path)
        job = finished_job(pg)
        assert "新增 1 篇" in job.inner_text()
        assert "登录后上传的稿件" in pg.locator("#rag-corpus").inner_text()
        pg.evaluate("() => window.scrollTo(0, 0)")
        pg.screenshot(path=str(SHOTS / "after-login.png"))


# ---- the open UI ------------------------------------------------------------------------------------
def test_chat_answer_with_source_card_and_follow_up(page: Page) -> None:
    answer = ask(page, "青岛市2022年外贸进出口总值是多少？")
    assert "9117.2亿元" in answer.locator(".rag-answer").inner_text()
    card = answer.locator(".rag-card").first
    assert "青岛外贸进出口总值何以创新高" in card.locator(".rag-card-title").inner_text()
    assert card.locator(".rag-card-quote mark").first.inner_text() == "9117.2亿元"
    assert "000_4ec5dd5d5caa780e" in card.locator(".rag-card-meta").inner_text()
    card.locator("summary").click()
    assert card.locator(".rag-card-passage").is_visible()
    page.screenshot(path=str(SHOTS / "chat.png"))
    follow = ask(page, "那2023年呢？")
    assert "8760亿元" in follow.locator(".rag-answer").inner_text()


def test_chat_not_found_shows_message_and_related(page: Page) -> None:
    answer = ask(page, "上海2022年外贸进出口总值是多少？")
    assert "资料中没有找到" in answer.locator(".rag-notfound").inner_text()
    assert answer.locator(".rag-card").count() >= 1
    page.screenshot(path=str(SHOTS / "chat-not-found.png"))


def test_example_question_runs_on_click(page: Page) -> None:
    page.locator("#rag-chat-examples").get_by_text("青岛市2022年外贸进出口总值是多少？").click()
    answer = page.locator("#rag-chat .rag-msg").first
    answer.wait_for()
    assert "9117.2亿元" in answer.inner_text()


def test_factcheck_marks_refuted_figure(page: Page) -> None:
    open_tab(page, "核查")
    page.locator("#rag-claim textarea").fill("2022年青岛外贸进出口总值达到9800亿元")
    page.locator("#rag-check").click()
    table = page.locator("#rag-verdicts table.rag-verdicts")
    table.wait_for()
    row = table.locator("tbody tr").first
    assert row.locator(".rag-badge").inner_text() == "不符"
    assert "9117.2亿元" in row.locator(".rag-col-corpus").inner_text()
    assert "青岛外贸进出口总值何以创新高" in row.locator(".rag-col-source").inner_text()
    exports = page.locator("#rag-exports")
    exports.locator('a[download$=".csv"]').wait_for()
    assert exports.locator('a[download$=".md"]').count() == 1
    page.screenshot(path=str(SHOTS / "factcheck.png"))


def test_add_article_ask_then_delete_after_confirmation(page: Page) -> None:
    job = add_pasted(page, NEW_ARTICLE["title"], NEW_ARTICLE["date"], NEW_ARTICLE["text"])
    assert "新增 1 篇" in job.inner_text() and NEW_ARTICLE["title"] in job.inner_text()
    assert NEW_ARTICLE["title"] in page.locator("#rag-corpus").inner_text()
    assert "35.68万辆" in page.locator("#rag-reader").inner_text()
    open_tab(page, "问答")
    answer = ask(page, NEW_ARTICLE["question"])
    assert NEW_ARTICLE["figure"] in answer.locator(".rag-answer").inner_text()
    open_tab(page, "资料库")
    page.locator("#rag-remove").click()
    question = page.locator("#rag-delete-question")
    question.get_by_text(f"确定要删除《{NEW_ARTICLE['title']}》吗？").wait_for()
    page.screenshot(path=str(SHOTS / "delete-confirm.png"))
    page.locator("#rag-delete-no").click()  # cancel: nothing happens
    page.get_by_text("已取消删除").wait_for()
    assert NEW_ARTICLE["title"] in page.locator("#rag-corpus").inner_text()
    page.locator("#rag-remove").click()
    page.locator("#rag-delete-yes").click()
    page.get_by_text(f"已删除《{NEW_ARTICLE['title']}》").wait_for()
    assert NEW_ARTICLE["title"] not in page.locator("#rag-corpus").inner_text()


def test_upload_progress_reaches_100_and_reupload_asks_before_replacing(page: Page, tmp_path: Path) -> None:
    name = f"专题-{uuid.uuid4().hex[:6]}.jsonl"
    path = tmp_path / name
    rows = [
        {"id": f"t{i:02d}", "title": f"街道服务站第{i}站启用", "date": "2024-06-01",
         "text": f"本报讯 第{i}个街道便民服务站今天启用，可办理{20 + i}项事务。" * 3}
        for i in range(24)
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    page.evaluate(
        """() => { window.__seen = []; new MutationObserver(() => {
             for (const b of document.querySelectorAll('#rag-add-status [role=progressbar]'))
               window.__seen.push(Number(b.getAttribute('aria-valuenow'))); })
           .observe(document.body, {subtree: true, childList: true, attributes: true}); }"""
    )
    upload(page, path)
    bar = page.locator("#rag-add-status [role=progressbar]")
    bar.wait_for()
    bar.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "upload-progress.png"))  # the bar as first shown (queued or running)
    job = finished_job(page)
    assert job.locator('[role=progressbar][aria-valuenow="100"]').count() == 1
    assert "新增 24 篇，替换 0 篇，删除 0 篇" in job.inner_text()
    seen = page.evaluate("() => window.__seen")
    assert seen[0] < 100 and seen[-1] == 100 and seen == sorted(seen), seen  # queued → done, only forward
    job.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "upload-done.png"))

    rows[0]["text"] = "本报讯 第0个街道便民服务站今天启用，可办理25项事务。"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:3]), encoding="utf-8")
    page.locator(
        "#rag-upload button[aria-label='Clear'], #rag-upload button[aria-label='清除']"
    ).first.click()
    upload(page, path)
    box = page.locator("#rag-replace-question")
    box.get_by_text(f"资料库中已有来自 {name} 的 24 篇文章").wait_for()
    page.locator("#rag-replace-yes").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "replace-confirm.png"))
    assert "街道服务站第23站启用" in page.locator("#rag-corpus").inner_text()  # nothing replaced yet
    page.locator("#rag-replace-yes").click()
    page.wait_for_function(
        "() => { const j = document.querySelector('#rag-add-status .rag-job[data-state=done]');"
        " return j && j.innerText.includes('删除 21 篇'); }",
        timeout=JOB_WAIT_MS,
    )
    text = page.locator("#rag-add-status").inner_text()
    assert "新增 0 篇，替换 3 篇，删除 21 篇" in text
    assert "替换：《街道服务站第0站启用》" in text and "《街道服务站第23站启用》" in text
    page.locator("#rag-add-status").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "replace-done.png"))


def test_inferred_date_is_marked_in_the_corpus(page: Page) -> None:
    add_pasted(page, UNDATED_ARTICLE["title"], "", UNDATED_ARTICLE["text"])
    assert "（约2017年，据正文推断）" in page.locator("#rag-reader").inner_text()
    row = page.locator("#rag-corpus tr", has_text=UNDATED_ARTICLE["title"])
    assert "（约2017年，据正文推断）" in row.inner_text()
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "corpus-inferred-date.png"))


def test_upload_over_the_limit_is_refused(server_url: str) -> None:
    assert post_upload(server_url, b"a" * (UPLOAD_LIMIT + 1024)) == 413


def test_hostile_article_and_question_render_as_text(page: Page) -> None:
    outside: list[str] = []

    def on_request(request: Request) -> None:
        if ":9/" in request.url or "evil" in request.url:
            outside.append(request.url)

    def on_dialog(dialog: Dialog) -> None:
        outside.append("dialog:" + dialog.message)
        dialog.dismiss()

    page.on("request", on_request)
    page.on("dialog", on_dialog)
    add_pasted(page, HOSTILE_ARTICLE["title"], HOSTILE_ARTICLE["date"], HOSTILE_ARTICLE["text"])
    assert "<b>年度</b>" in page.locator("#rag-corpus").inner_text()
    reader = page.locator("#rag-reader")
    assert "<script>window.__xss=1</script>" in reader.inner_text()
    assert '<img src=x onerror="window.__xss=2">' in reader.inner_text()
    assert "![logo](http://127.0.0.1:9/evil.png)" in reader.inner_text()
    assert reader.locator("img, script, b").count() == 0
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "corpus-hostile.png"))

    open_tab(page, "问答")
    answer = ask(page, HOSTILE_ARTICLE["question"])
    question = page.locator("#rag-chat .rag-question").last
    assert '<img src=x onerror="window.__xss=3">' in question.inner_text()
    assert "368场" in answer.locator(".rag-answer").inner_text()
    card = answer.locator(".rag-card").first
    assert "<b>年度</b>" in card.locator(".rag-card-title").inner_text()
    card.locator("summary").click()
    passage = card.locator(".rag-card-passage").inner_text()
    assert "<script>window.__xss=1</script>" in passage and "![logo](http://127.0.0.1:9/evil.png)" in passage
    assert page.locator("#rag-chat .rag-msg img, #rag-chat .rag-msg script").count() == 0
    page.screenshot(path=str(SHOTS / "chat-hostile.png"))
    assert page.evaluate("() => window.__xss") is None
    assert outside == []


def test_read_article_from_corpus(page: Page) -> None:
    open_tab(page, "资料库")
    page.locator("#rag-corpus .rag-corpus-summary").wait_for()
    pick_article(page, "莱西发出")
    reader = page.locator("#rag-reader .rag-article")
    assert "莱西发出攻坚克难动员令" in reader.locator("h3").inner_text()
    assert "顶格协调" in reader.inner_text()


def test_settings_mode_and_top_k_are_used_by_the_chat(page: Page) -> None:
    open_tab(page, "设置")
    page.locator("#rag-mode").get_by_text("关键词检索（BM25）").click()
    info = page.locator("#rag-info table")  # filled by the on-load refresh
    info.wait_for()
    assert "文章" in info.inner_text()
    page.screenshot(path=str(SHOTS / "settings.png"))
    open_tab(page, "问答")
    answer = ask(page, "青岛市2022年外贸进出口总值是多少？")
    assert "9117.2亿元" in answer.locator(".rag-answer").inner_text()
