"""The Gradio front end (问答 · 核查 · 资料库 · 设置); `ui.app.build_ui(service)` builds it."""
