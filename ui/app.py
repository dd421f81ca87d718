"""The Gradio layout over `UiHandlers`: 问答 (chat with source cards), 核查 (fact-check desk),
资料库 (read, add, replace, delete) and 设置 (retrieval mode, top-k). Layout and wiring only: what a
button does is in handlers.py, what it shows in render/.

Events are private (the HTTP API under /v1 is the programmatic interface). Writes show a progress bar
that follows the service's job; a delete and a replacing upload each ask first.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag.ingest import SUPPORTED_SUFFIXES

from .export import write_exports
from .forms import size_text
from .handlers import UiHandlers, WriteStart
from .render.chat import pending_html, question_html
from .render.markup import empty_html, status_html

TITLE = "中文新闻问答与核查"
DEFAULT_TOP_K = 8
MODE_CHOICES: list[tuple[str, str]] = [
    ("混合检索（向量 + 关键词，推荐）", "hybrid"),
    ("向量检索（语义）", "dense"),
    ("关键词检索（BM25）", "bm25"),
]
CHAT_EXAMPLES = [
    "青岛市2022年外贸进出口总值是多少？",
    "青岛港的海上航线连接全球多少个港口？",
    "累计有多少家世界500强企业在青岛投资？",
    "那2023年呢？",
]
EXAMPLE_CLAIMS = [
    "2022年青岛外贸进出口总值达到9800亿元。",
    "2022年青岛外贸进出口总值为9117.2亿元，同比增长7.4%。",
    "2023年青岛港货物吞吐量突破8亿吨。",
]
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def hidden() -> Any:
    """An update that hides a component (a fresh dict each time: Gradio may change the one it gets)."""
    return gr.update(visible=False)


def client_of(request: gr.Request | None) -> str:
    """The address the guard counts a client's writes by."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "unknown")


def build_ui(handlers: UiHandlers) -> gr.Blocks:
    """The Blocks app; `ui.mount` mounts it next to the HTTP API."""
    limits = handlers.limits
    export_base = Path(tempfile.gettempdir()) / "rag-ui-exports"

    # -- chat --
    def respond(
        question: str, messages: list[dict[str, Any]], asked: list[str], mode: str, top_k: float
    ) -> Iterator[tuple[list[dict[str, Any]], list[str], str]]:
        if not (question or "").strip():
            yield messages, asked, ""
            return
        asking = {"role": "user", "content": question_html(question.strip())}
        yield [*messages, asking, {"role": "assistant", "content": pending_html()}], asked, ""
        turn = handlers.ask(question, asked, mode or "hybrid", int(top_k))
        if turn is None:
            yield messages, asked, ""
            return
        exchange = [{"role": "user", "content": turn.question}, {"role": "assistant", "content": turn.reply}]
        yield [*messages, *exchange], turn.history, ""

    # -- desk --
    def run_check(text: str) -> tuple[str, Any]:
        result = handlers.check(text)
        if not result.rows:
            return result.html, hidden()
        files = [str(p) for p in write_exports(result.rows, export_base)]
        return result.html, gr.update(value=files, visible=True)

    # -- corpus --
    def refresh(selected: str | None = None) -> tuple[str, Any, str, str]:
        view = handlers.corpus(selected)
        dropdown = gr.update(choices=view.choices, value=view.selected)
        return view.table, dropdown, handlers.read(view.selected), view.info

    def track(start: WriteStart, kind: str) -> Iterator[tuple[Any, ...]]:
        """Outputs: status, replace box, replace question, pending write, table, dropdown, reader, info."""
        skip = (gr.skip(),) * 4
        if start.confirm:
            yield "", gr.update(visible=True), start.confirm, kind, *skip
            return
        yield start.message, hidden(), "", "", *skip
        if start.job_id is None:
            return
        for view in handlers.follow(start.job_id, start.titles):
            if view.finished:
                yield view.html, hidden(), "", "", *refresh(view.first_id)
            else:
                yield view.html, hidden(), "", "", *skip

    def add_pasted(title: str, date: str, text: str, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        yield from track(handlers.paste(title, date, text, client_of(request)), "paste")

    def add_uploaded(path: str | None, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        yield from track(handlers.upload(path, client_of(request)), "upload")

    def confirm_replace(
        kind: str, path: str | None, title: str, date: str, text: str, request: gr.Request
    ) -> Iterator[tuple[Any, ...]]:
        client = client_of(request)
        if kind == "upload":
            yield from track(handlers.upload(path, client, replace=True), kind)
        elif kind == "paste":
            yield from track(handlers.paste(title, date, text, client, replace=True), kind)
        else:
            yield from track(WriteStart(status_html("没有待确认的替换。", ok=False)), "")

    def cancel_replace() -> tuple[Any, ...]:
        return status_html("已取消，没有写入任何内容。"), hidden(), "", ""

    def ask_delete(article_id: str | None) -> tuple[Any, ...]:
        confirm = handlers.ask_delete(article_id)
        if confirm.pending is None:
            return confirm.message, hidden(), "", None
        return "", gr.update(visible=True), confirm.message, confirm.pending

    def confirm_delete(pending: str | None, request: gr.Request) -> tuple[Any, ...]:
        message = handlers.delete(pending, client_of(request))
        return message, hidden(), "", None, *refresh(None)

    def cancel_delete() -> tuple[Any, ...]:
        return status_html("已取消删除。"), hidden(), "", None

    # -- layout --
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.HTML(
            f'<div id="rag-header"><h1>{TITLE}</h1>'
            "<p>答案只来自资料库中的新闻原文，每个数字都标明出处。</p></div>",
            padding=False,
        )
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chatbot = gr.Chatbot(
                    label="对话",
                    height=470,
                    sanitize_html=True,
                    render_markdown=True,
                    latex_delimiters=[],
                    allow_tags=False,
                    feedback_options=None,
                    line_breaks=False,
                    buttons=[],
                    elem_id="rag-chat",
                    placeholder="向资料库提问，例如：青岛市2022年外贸进出口总值是多少？",
                )
                asked = gr.State([])
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="输入问题，按回车发送；可以追问，如「那2023年呢？」",
                        max_length=limits.text_chars,
                        scale=8,
                        container=False,
                        elem_id="rag-question",
                        submit_btn=False,
                    )
                    send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="rag-send")
                    clear = gr.Button("清空", scale=1, min_width=80)
                chat_examples = gr.Dataset(
                    components=[question],
                    samples=[[q] for q in CHAT_EXAMPLES],
                    type="index",
                    label="示例问题（点击即问，最后一个是追问）",
                    elem_id="rag-chat-examples",
                )
            with gr.Tab("核查", id="check"):
                claim = gr.Textbox(
                    label="待核查的句子或整篇稿件（逐句找出数字，与资料库原文核对）",
                    lines=3,
                    max_lines=12,
                    max_length=limits.draft_chars,
                    placeholder="例如：2022年青岛外贸进出口总值达到9800亿元。",
                    elem_id="rag-claim",
                )
                with gr.Row():
                    check_btn = gr.Button(
                        "核查", variant="primary", elem_id="rag-check", scale=0, min_width=140
                    )
                    claim_examples = gr.Dataset(
                        components=[claim],
                        samples=[[c] for c in EXAMPLE_CLAIMS],
                        type="index",
                        label="示例（点击即核查）",
                        elem_id="rag-claim-examples",
                        scale=1,
                    )
                verdicts = gr.HTML(empty_html("核查结果会显示在这里。"), elem_id="rag-verdicts")
                exports = gr.File(
                    label="导出核查表（CSV / Markdown）",
                    file_count="multiple",
                    interactive=False,
                    visible=False,
                    elem_id="rag-exports",
                )
            with gr.Tab("资料库", id="corpus"):
                with gr.Row():
                    with gr.Column(scale=3):
                        corpus_table = gr.HTML(elem_id="rag-corpus")
                    with gr.Column(scale=2):
                        pick = gr.Dropdown(label="选择文章", choices=[], value=None, elem_id="rag-pick")
                        with gr.Row():
                            gr.HTML('<span class="rag-muted">选中后在下方阅读全文。</span>', padding=False)
                            remove_btn = gr.Button(
                                "删除这篇",
                                variant="stop",
                                size="sm",
                                scale=0,
                                min_width=110,
                                elem_id="rag-remove",
                            )
                        with gr.Group(visible=False, elem_id="rag-delete-box") as delete_box:
                            delete_msg = gr.HTML(elem_id="rag-delete-question")
                            with gr.Row():
                                delete_yes = gr.Button(
                                    "确认删除", variant="stop", size="sm", elem_id="rag-delete-yes"
                                )
                                delete_no = gr.Button("取消", size="sm", elem_id="rag-delete-no")
                        pending_delete = gr.State(None)
                        corpus_status = gr.HTML(elem_id="rag-corpus-status")
                        reader = gr.HTML(empty_html("在上方选择一篇文章阅读。"), elem_id="rag-reader")
                with gr.Accordion("添加文章（粘贴正文或上传文件）", open=True), gr.Tabs():
                    with gr.Tab("粘贴正文", id="paste"):
                        with gr.Row():
                            new_title = gr.Textbox(
                                label="标题", max_length=500, scale=3, elem_id="rag-new-title"
                            )
                            new_date = gr.Textbox(
                                label="日期（YYYY-MM-DD）", max_length=10, scale=1, elem_id="rag-new-date"
                            )
                        new_text = gr.Textbox(
                            label="正文",
                            lines=4,
                            max_lines=14,
                            max_length=limits.article_chars,
                            elem_id="rag-new-text",
                        )
                        add_btn = gr.Button("添加到资料库", variant="primary", elem_id="rag-add")
                    with gr.Tab("上传文件", id="upload"):
                        kinds = " / ".join(SUPPORTED_SUFFIXES)
                        upload = gr.File(
                            label=f"上传 {kinds}（不超过 {size_text(limits.upload_bytes)}；GBK、UTF-16 编码也可）",
                            file_types=list(SUPPORTED_SUFFIXES),
                            file_count="single",
                            type="filepath",
                            height=120,
                            elem_id="rag-upload",
                        )
                        upload_btn = gr.Button("上传并添加", variant="primary", elem_id="rag-upload-add")
                with gr.Group(visible=False, elem_id="rag-replace-box") as replace_box:
                    replace_msg = gr.HTML(elem_id="rag-replace-question")
                    with gr.Row():
                        replace_yes = gr.Button(
                            "确认替换", variant="stop", size="sm", elem_id="rag-replace-yes"
                        )
                        replace_no = gr.Button("取消", size="sm", elem_id="rag-replace-no")
                pending_write = gr.State("")
                add_status = gr.HTML(elem_id="rag-add-status")
            with gr.Tab("设置", id="settings"):
                mode = gr.Radio(
                    MODE_CHOICES, value="hybrid", label="检索方式（问答使用）", elem_id="rag-mode"
                )
                top_k = gr.Slider(
                    1, 20, value=DEFAULT_TOP_K, step=1, label="检索段落数（top-k）", elem_id="rag-topk"
                )
                gr.Markdown("##### 索引")
                info = gr.HTML(elem_id="rag-info")

        # -- events --
        chat_io: dict[str, Any] = {
            "inputs": [question, chatbot, asked, mode, top_k],
            "outputs": [chatbot, asked, question],
            "concurrency_limit": 4,  # reads work on a snapshot: several users can ask at once
            **PRIVATE,
        }
        question.submit(respond, **chat_io)
        send.click(respond, **chat_io)
        clear.click(lambda: ([], [], ""), outputs=[chatbot, asked, question], **PRIVATE)
        chatbot.clear(lambda: [], outputs=asked, **PRIVATE)  # the chat's own 🗑 button
        chat_examples.click(
            lambda i: CHAT_EXAMPLES[i], inputs=chat_examples, outputs=question, **PRIVATE
        ).then(respond, **chat_io)

        check_io: dict[str, Any] = {
            "inputs": claim,
            "outputs": [verdicts, exports],
            "concurrency_limit": 4,
            **PRIVATE,
        }
        check_btn.click(run_check, **check_io)
        claim.submit(run_check, **check_io)
        claim_examples.click(
            lambda i: EXAMPLE_CLAIMS[i], inputs=claim_examples, outputs=claim, **PRIVATE
        ).then(run_check, **check_io)

        corpus_out = [corpus_table, pick, reader, info]
        pick.input(handlers.read, inputs=pick, outputs=reader, **PRIVATE)
        write_out = [add_status, replace_box, replace_msg, pending_write, *corpus_out]
        add_btn.click(add_pasted, inputs=[new_title, new_date, new_text], outputs=write_out, **PRIVATE)
        upload_btn.click(add_uploaded, inputs=upload, outputs=write_out, **PRIVATE)
        replace_yes.click(
            confirm_replace,
            inputs=[pending_write, upload, new_title, new_date, new_text],
            outputs=write_out,
            **PRIVATE,
        )
        replace_no.click(cancel_replace, outputs=write_out[:4], **PRIVATE)
        delete_out = [corpus_status, delete_box, delete_msg, pending_delete]
        remove_btn.click(ask_delete, inputs=pick, outputs=delete_out, **PRIVATE)
        delete_yes.click(confirm_delete, inputs=pending_delete, outputs=[*delete_out, *corpus_out], **PRIVATE)
        delete_no.click(cancel_delete, outputs=delete_out, **PRIVATE)

        demo.load(lambda: refresh(None), outputs=corpus_out, **PRIVATE)
    return demo
