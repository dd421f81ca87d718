"""The Gradio front end over one `RagService`; `ui.mount.mount(app, service, guard)` puts it at "/"
of the HTTP app (the CLI composes the two; the library never imports ui)."""
