"""The command line on copies of the real seed index: ingest, search, remove, --index / RAG_INDEX_DIR,
errors with exit code 2, plain output off a terminal and a progress bar on one."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rag.cli import ProgressBar, main
from rag.service import RagService
from rag.store import current_generation, load_index

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUERY = "2022年青岛外贸进出口总值"

NOTE = "# 测试港口年报\n\n2024年，测试港口完成集装箱吞吐量321万标准箱，同比增长6.5%。\n\n港口新开航线12条。\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def note(tmp_path: Path) -> Path:
    path = tmp_path / "note.md"
    path.write_text(NOTE, encoding="utf-8")
    return path


def test_search_json(seed_index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "--index", str(seed_index_dir), "--json", QUERY)
    assert code == 0
    payload = json.loads(out)
    assert payload["generation"] == current_generation(seed_index_dir)
    hits = payload["hits"]
    assert len(hits) == 5
    assert set(hits[0]) == {"chunk_id", "source", "article_id", "title", "date", "text", "start", "end", "score"}
    assert "9117.2亿元" in hits[0]["text"]
    assert (hits[0]["source"], hits[0]["title"], hits[0]["date"]) == (
        "000_4ec5dd5d5caa780e", "青岛外贸进出口总值何以创新高", "2023-01"
    )


def test_search_modes_filters_and_plain_output(seed_index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    idx = str(seed_index_dir)
    code, out, _ = run(capsys, "search", "--index", idx, "--json", "--mode", "bm25", "--top-k", "3",
                       "--source", "001", "--date-from", "2020", "--date-to", "2020-12", QUERY)
    hits = json.loads(out)["hits"]
    assert code == 0 and len(hits) == 3 and {h["source"][:3] for h in hits} == {"001"}

    code, out, _ = run(capsys, "search", "--index", idx, "--mode", "dense", "--top-k", "2", QUERY)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("[1] ") and "青岛外贸进出口总值何以创新高（2023年1月，000_4ec5dd5d5caa780e）" in lines[0]
    assert "9117.2亿元" in lines[1] and lines[2].startswith("[2] ")

    code, out, _ = run(capsys, "search", "--index", idx, "的了吗")
    assert code == 0 and out.strip() == "没有找到相关段落。"


def test_ingest_and_remove(writable_index_dir: Path, note: Path, capsys: pytest.CaptureFixture[str]) -> None:
    idx = str(writable_index_dir)
    g0 = current_generation(writable_index_dir) or 0
    code, out, err = run(capsys, "ingest", "--index", idx, str(note))
    assert code == 0 and err == ""
    assert out.startswith(f"1 added, 0 replaced, 0 removed → index {idx} generation {g0 + 1}: 25 articles, ")
    assert "new vectors" in out and len(out.splitlines()) == 1
    index = load_index(writable_index_dir)
    (new,) = [a for a in index.articles.values() if a.source == "note"]
    assert new.title == "测试港口年报" and new.file == "note.md"
    assert index.manifest["files"]["note.md"]

    # ingesting the same file again (the command names it) replaces its article, and says so
    code, out, _ = run(capsys, "ingest", "--index", idx, "--quiet", str(note))
    assert code == 0 and out.startswith("0 added, 1 replaced, 0 removed") and "25 articles" in out
    assert "(0 new vectors" in out

    code, out, _ = run(capsys, "search", "--index", idx, "--json", "测试港口集装箱吞吐量")
    assert json.loads(out)["hits"][0]["article_id"] == new.id
    code, out, _ = run(capsys, "search", "--index", idx, "--top-k", "1", "测试港口集装箱吞吐量")
    assert "测试港口年报（约2024年，据正文推断，note）" in out.splitlines()[0]  # the date came from the text

    code, out, _ = run(capsys, "remove", "--index", idx, new.id)
    assert code == 0 and out.strip() == f"removed {new.id}; generation {g0 + 3}: 24 articles"
    assert new.id not in load_index(writable_index_dir).articles

    code, _, err = run(capsys, "remove", "--index", idx, new.id)
    assert code == 2 and f"no article with id {new.id}" in err


def test_rag_index_dir_and_index_flag(
    seed_index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RAG_INDEX_DIR", str(seed_index_dir))
    code, out, _ = run(capsys, "search", "--json", QUERY)
    assert code == 0 and "9117.2亿元" in json.loads(out)["hits"][0]["text"]

    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "elsewhere"))
    code, _, err = run(capsys, "search", QUERY)
    assert code == 2 and f"no index in {tmp_path / 'elsewhere'}" in err and "rag ingest" in err
    code, out, _ = run(capsys, "search", "--index", str(seed_index_dir), "--json", QUERY)  # the flag wins
    assert code == 0 and json.loads(out)["hits"]

    monkeypatch.delenv("RAG_INDEX_DIR")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "search", QUERY)
    assert code == 2 and "no index in index" in err  # the default folder, relative to the working directory


def test_bad_file_exits_2_naming_it_and_ingests_nothing(
    writable_index_dir: Path, note: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    idx = str(writable_index_dir)
    before = current_generation(writable_index_dir)
    bad = tmp_path / "feed.jsonl"
    bad.write_text('{"id": "ok", "text": "第一行没问题。"}\n{"id": "broken", "text": \n', encoding="utf-8")
    code, out, err = run(capsys, "ingest", "--index", idx, str(note), str(bad))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and f"{bad}:2" in err and "invalid JSON" in err

    binary = tmp_path / "scan.txt"
    binary.write_bytes(bytes([0x80, 0xFF, 0x00, 0x13, 0x9F] * 50))
    code, _, err = run(capsys, "ingest", "--index", idx, str(binary))
    assert code == 2 and str(binary) in err and "UTF-8" in err

    code, _, err = run(capsys, "ingest", "--index", idx, str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt: no such file or folder" in err

    assert current_generation(writable_index_dir) == before  # nothing partial was written


def test_ingest_is_plain_when_not_a_terminal(writable_index_dir: Path, note: Path) -> None:
    """A real process with piped output: one summary line, no progress bar."""
    env = {**os.environ, "RAG_INDEX_DIR": str(writable_index_dir)}
    proc = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(note)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1 and proc.stdout.startswith("1 added, 0 replaced, 0 removed")
    assert "\r" not in proc.stdout + proc.stderr and "嵌入" not in proc.stderr


def test_progress_bar_on_a_terminal(
    writable_index_dir: Path, note: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tty = Terminal()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["ingest", "--index", str(writable_index_dir), str(note)]) == 0
    bar = tty.getvalue()
    assert bar.startswith("\r嵌入 [") and "chunks" in bar and "剩余" in bar and bar.endswith("\n")
    assert "1 added" in capsys.readouterr().out

    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main(["ingest", "--index", str(writable_index_dir), "--quiet", str(note)]) == 0
    assert quiet.getvalue() == ""  # --quiet: no bar, only the summary
    assert "1 replaced" in capsys.readouterr().out


def test_progress_bar_rendering() -> None:
    out = io.StringIO()
    bar = ProgressBar(out)
    bar(0, 10)
    bar(4, 10)
    bar(10, 10)
    text = out.getvalue()
    assert text.count("\r") == 3 and "4/10 chunks" in text and "10/10 chunks" in text
    assert "█" * 30 in text and text.endswith("\n")


def _copy_seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    return seeds


def test_if_stale_keeps_what_users_added_when_seeds_change(
    writable_index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Data-loss path 2: `make run` after a seed page changed (one newline is enough) used to rebuild
    from the seeds alone. Now the changed page is re-ingested and the uploaded article stays."""
    idx = str(writable_index_dir)
    seeds = _copy_seeds(tmp_path)
    assert run(capsys, "ingest", "--if-stale", "--index", idx, str(seeds))[0] == 0  # adopt this copy
    svc = RagService(writable_index_dir)
    job = svc.wait(svc.submit_document(NOTE, "user-note.md").id, 60)
    assert job.state == "done"
    (user_id,) = job.added

    code, out, _ = run(capsys, "ingest", "--if-stale", "--index", idx, str(seeds))
    assert code == 0 and out.strip() == f"index {idx} is up to date with {seeds}/"

    page = seeds / "001_95c7f2554f52cc0a.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "ingest", "--if-stale", "--index", idx, str(seeds))
    assert code == 0 and "up to date" in out  # a newline changes no article: nothing is written

    before = load_index(writable_index_dir).articles
    page.write_text(page.read_text(encoding="utf-8").replace("青岛", "青島", 1), encoding="utf-8")
    code, out, _ = run(capsys, "ingest", "--if-stale", "--index", idx, str(seeds))
    assert code == 0 and "re-ingested 1 changed or new file(s): seeds/001_95c7f2554f52cc0a.txt" in out
    assert "kept 1 article(s) added through the API, UI or other folders" in out
    after = load_index(writable_index_dir).articles
    assert user_id in after and after[user_id].file == "user-note.md"
    untouched = {i for i, a in before.items() if a.file != "seeds/001_95c7f2554f52cc0a.txt"}
    assert untouched <= set(after)
    assert any("青島" in a.text for a in after.values() if a.file == "seeds/001_95c7f2554f52cc0a.txt")


def test_if_stale_removes_a_deleted_seed_files_articles_only(
    writable_index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    idx = str(writable_index_dir)
    seeds = _copy_seeds(tmp_path)
    assert run(capsys, "ingest", "--if-stale", "--index", idx, str(seeds))[0] == 0
    svc = RagService(writable_index_dir)
    (user_id,) = svc.wait(svc.submit_document(NOTE, "000_4ec5dd5d5caa780e.md").id, 60).added
    gone = [i for i, a in load_index(writable_index_dir).articles.items() if a.file == "seeds/004_80a209c8730301f0.txt"]
    (seeds / "004_80a209c8730301f0.txt").unlink()
    code, out, _ = run(capsys, "ingest", "--if-stale", "--index", idx, str(seeds))
    assert code == 0 and "removed the articles of 1 deleted file(s): seeds/004_80a209c8730301f0.txt" in out
    after = load_index(writable_index_dir).articles
    assert gone and not set(gone) & set(after) and user_id in after


def test_if_stale_knows_a_jsonl_file_whose_records_name_their_own_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records that carry their own `source` (an agency feed) do not name their file: the index must
    still remember the file, or every `--if-stale` writes a generation that changes nothing."""
    feed = tmp_path / "feed"
    feed.mkdir()
    rows = [
        {"id": "wire-1", "source": "通讯社", "date": "2024-03-02", "text": "某港口1-2月完成货物吞吐量1.2亿吨。"},
        {"id": "wire-2", "source": "通讯社", "date": "2024-03-03", "text": "某市新增就业岗位3.6万个。"},
    ]
    (feed / "wire.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    idx = str(tmp_path / "index")
    assert run(capsys, "ingest", "--if-stale", "--index", idx, str(feed))[0] == 0
    generation = current_generation(Path(idx))
    code, out, _ = run(capsys, "ingest", "--if-stale", "--index", idx, str(feed))
    assert code == 0 and out.strip() == f"index {idx} is up to date with {feed}/"
    assert current_generation(Path(idx)) == generation  # nothing written

    (feed / "wire.jsonl").unlink()
    (feed / "other.jsonl").write_text(json.dumps(rows[1], ensure_ascii=False) + "\n", "utf-8")
    code, out, _ = run(capsys, "ingest", "--if-stale", "--index", idx, str(feed))
    assert code == 0 and "wire.jsonl" in out
    manifest = load_index(Path(idx)).manifest
    assert list(manifest["files"]) == ["other.jsonl"]
    assert run(capsys, "ingest", "--if-stale", "--index", idx, str(feed))[1].strip().endswith(f"up to date with {feed}/")


def test_if_stale_builds_a_missing_index_and_refuses_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    idx = tmp_path / "fresh"
    shutil.copytree(ROOT / ".cache" / "test-vectors", idx / "cache")  # the session's vectors: no re-embedding
    code, out, _ = run(capsys, "ingest", "--if-stale", "--index", str(idx), str(SEEDS))
    assert code == 0 and "re-ingested 5 changed or new file(s)" in out
    assert len(load_index(idx).articles) == 24
    code, _, err = run(capsys, "ingest", "--if-stale", "--index", str(idx), str(tmp_path / "no-seeds"))
    assert code == 2 and "no-seeds is not a folder" in err


def _serve_until_ready(
    index: Path, *extra: str, key: str = "", probe: Any = None
) -> tuple[list[str], str]:
    """Run `rag serve` until it says it is ready (then `probe(base_url)`); its stdout lines and stderr."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_API_KEY": key, "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--index", str(index), "--port", str(port), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith(("ready:", "not ready:")):
                break
        if probe is not None:
            probe(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    return [line.replace(str(port), "PORT") for line in lines], err


@pytest.mark.slow
def test_serve_says_where_it_listens_and_when_it_is_ready(seed_index_dir: Path) -> None:
    lines, err = _serve_until_ready(seed_index_dir, "--no-ui")
    assert lines[0] == "no RAG_API_KEY: serving on 127.0.0.1 only (this machine); set RAG_API_KEY to serve others"
    assert lines[1] == "serving http://127.0.0.1:PORT (API /v1, docs /docs, MCP /mcp); loading the index…"
    assert lines[2].startswith("ready: http://127.0.0.1:PORT — index generation ") and "24 articles" in lines[2]
    assert "warning" not in err

    lines, err = _serve_until_ready(seed_index_dir, "--host", "0.0.0.0", "--no-ui")
    assert "warning: serving on 0.0.0.0 without RAG_API_KEY" in err and "set RAG_API_KEY" in err
    assert lines[0].startswith("serving http://0.0.0.0:PORT") and lines[-1].startswith("ready:")

    lines, err = _serve_until_ready(seed_index_dir, "--host", "0.0.0.0", "--no-ui", key="k3y")
    assert "warning" not in err and lines[0].startswith("serving http://0.0.0.0:PORT")


@pytest.mark.slow
def test_serve_composes_the_ui_and_the_api(seed_index_dir: Path) -> None:
    """The CLI mounts the UI at / on the API app; /v1 keeps the API's error contract."""
    import httpx

    seen: dict[str, Any] = {}

    def probe(url: str) -> None:
        seen["ui"] = httpx.get(f"{url}/", timeout=30)
        seen["missing"] = httpx.get(f"{url}/v1/nope", timeout=30)

    lines, _ = _serve_until_ready(seed_index_dir, probe=probe)
    assert lines[1].startswith("serving http://127.0.0.1:PORT (UI /, API /v1, docs /docs, MCP /mcp)")
    assert seen["ui"].status_code == 200 and "text/html" in seen["ui"].headers["content-type"]
    assert seen["missing"].status_code == 404 and seen["missing"].json()["error"]["code"] == "not_found"
