"""The Gradio UI in a real browser: Playwright (Python, sync API) driving Debian's /usr/bin/chromium
against a real uvicorn server (API + UI, as `make run` serves them) on a writable copy of the seed
index. Screenshots go to test-output/ui/. `make browser-deps` installs chromium and fonts-noto-cjk.

Gradio keeps a connection open, so pages are loaded to `domcontentloaded` and then the test waits for
the elements it needs, never for `networkidle`.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from serving import serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Locator, Page, Request, ViewportSize

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
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


# ---- server and browser --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server_url(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """API + UI served by uvicorn on a free loopback port over a private copy of the seed index."""
    from rag.api import create_app
    from rag.settings import Settings

    index_dir = tmp_path_factory.mktemp("ui-index") / "index"
    shutil.copytree(seed_index_dir, index_dir)
    app = create_app(Settings(index_dir=index_dir, ui=True))
    with serve(app, lifespan="on") as url:
        yield url + "/"


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


@pytest.fixture
def page(browser: Browser, server_url: str) -> Iterator[Page]:
    """A fresh 1280×800 zh-CN page with the UI loaded."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    pg.goto(server_url, wait_until="domcontentloaded")
    pg.locator("#rag-question textarea").wait_for()
    try:
        yield pg
    finally:
        context.close()


# ---- helpers -----------------------------------------------------------------------------------------
def ask(page: Page, question: str) -> Locator:
    """Type a question, send it, and return the locator of the new answer."""
    answers = page.locator("#rag-chat .rag-msg")
    before = answers.count()
    box = page.locator("#rag-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#rag-chat .rag-msg').length > n", arg=before, timeout=WAIT_MS
    )
    return answers.nth(before)


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def add_pasted(page: Page, title: str, date: str, text: str) -> str:
    """Add an article through 资料库 → 粘贴正文; returns the status text."""
    open_tab(page, "资料库")
    page.locator("#rag-new-title input, #rag-new-title textarea").first.fill(title)
    page.locator("#rag-new-date input, #rag-new-date textarea").first.fill(date)
    page.locator("#rag-new-text textarea").fill(text)
    page.locator("#rag-add").click()
    status = page.locator("#rag-add-status .rag-status")
    status.wait_for()
    return str(status.inner_text())


# ---- tests -------------------------------------------------------------------------------------------
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
    notice = answer.locator(".rag-notfound")
    assert "资料中没有找到" in notice.inner_text()
    assert answer.locator(".rag-card").count() >= 1
    page.screenshot(path=str(SHOTS / "chat-not-found.png"))


def test_example_question_runs_on_click(page: Page) -> None:
    answers = page.locator("#rag-chat .rag-msg")
    page.locator("#rag-chat-examples").get_by_text("青岛市2022年外贸进出口总值是多少？").click()
    answers.first.wait_for()
    assert "9117.2亿元" in answers.first.inner_text()


def test_factcheck_marks_refuted_figure(page: Page) -> None:
    if importlib.util.find_spec("rag.check") is None:
        pytest.skip("rag/check.py (the fact-check module) is not in this checkout yet")
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


def test_add_article_then_ask_and_remove(page: Page) -> None:
    status = add_pasted(page, NEW_ARTICLE["title"], NEW_ARTICLE["date"], NEW_ARTICLE["text"])
    assert "已添加" in status, status
    assert NEW_ARTICLE["title"] in page.locator("#rag-corpus").inner_text()
    assert "35.68万辆" in page.locator("#rag-reader").inner_text()
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "corpus.png"))

    open_tab(page, "问答")
    answer = ask(page, NEW_ARTICLE["question"])
    assert NEW_ARTICLE["figure"] in answer.locator(".rag-answer").inner_text()
    assert NEW_ARTICLE["title"] in answer.locator(".rag-card-title").first.inner_text()
    page.screenshot(path=str(SHOTS / "chat-new-article.png"))

    open_tab(page, "资料库")
    page.locator("#rag-remove").click()
    page.get_by_text(f"已删除《{NEW_ARTICLE['title']}》").wait_for()
    assert NEW_ARTICLE["title"] not in page.locator("#rag-corpus").inner_text()


def test_upload_file_is_indexed(page: Page, tmp_path: Path) -> None:
    name = f"upload-{uuid.uuid4().hex[:6]}.md"
    path = tmp_path / name
    path.write_text(
        "# 西海岸新区冷链物流园一期投用\n\n本报讯 西海岸新区冷链物流园一期项目12月18日正式投用，"
        "新增冷库库容18.6万吨，可满足每年约120万吨进口冻品的储存需求。\n",
        encoding="utf-8",
    )
    open_tab(page, "资料库")
    page.get_by_role("tab", name="上传文件").click()
    page.locator("#rag-upload input[type=file]").set_input_files(str(path))
    page.locator(f'#rag-upload [aria-label="{name}"]').wait_for()  # the uploaded file is listed
    page.locator("#rag-upload-add").click()
    status = page.locator("#rag-add-status .rag-status")
    status.wait_for()
    assert "已从" in status.inner_text() and "冷链物流园" in status.inner_text(), status.inner_text()
    assert "冷链物流园" in page.locator("#rag-corpus").inner_text()


def test_upload_over_the_limit_is_refused(server_url: str) -> None:
    from ui.app import MAX_UPLOAD_BYTES

    boundary = "----ragtest"
    payload = b"a" * (MAX_UPLOAD_BYTES + 1024)
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    req = urllib.request.Request(
        server_url + "gradio_api/upload",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code == 413


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
    status = add_pasted(page, HOSTILE_ARTICLE["title"], HOSTILE_ARTICLE["date"], HOSTILE_ARTICLE["text"])
    assert "已添加" in status, status
    corpus = page.locator("#rag-corpus")
    assert "<b>年度</b>" in corpus.inner_text()
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
    box = page.locator("#rag-pick input")
    box.click()
    box.fill("莱西发出")
    page.get_by_role("option", name=re.compile("莱西发出攻坚克难动员令")).first.click()
    reader = page.locator("#rag-reader .rag-article")
    reader.wait_for()
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
