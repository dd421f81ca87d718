"""The UI's look: the default Gradio theme with local CJK fonts (no web-font requests) and
style.css; `ui.mount` hands both to Gradio when it mounts the app."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import gradio as gr

STYLESHEET = Path(__file__).with_name("style.css")
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
MONO_FONTS = ["Noto Sans Mono CJK SC", "ui-monospace", "monospace"]


def ui_theme() -> gr.themes.Base:
    """The default theme, blue, with fonts every newsroom desktop has locally."""
    return gr.themes.Default(primary_hue="blue", font=CJK_FONTS, font_mono=MONO_FONTS)


@cache
def stylesheet() -> str:
    """The CSS of style.css."""
    return STYLESHEET.read_text(encoding="utf-8")
