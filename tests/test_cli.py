"""The command line on copies of the real seed index: ingest, search, remove, --index / RAG_INDEX_DIR,
errors with exit code 2, plain output off a terminal and a progress bar on one."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.cli import ProgressBar, main
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
    assert code == 0 and lines[0].startswith("[1] ") and "青岛外贸进出口总值何以创新高（2023-01，000_4ec5dd5d5caa780e）" in lines[0]
    assert "9117.2亿元" in lines[1] and lines[2].startswith("[2] ")

    code, out, _ = run(capsys, "search", "--index", idx, "的了吗")
    assert code == 0 and out.strip() == "没有找到相关段落。"


def test_ingest_and_remove(writable_index_dir: Path, note: Path, capsys: pytest.CaptureFixture[str]) -> None:
    idx = str(writable_index_dir)
    g0 = current_generation(writable_index_dir) or 0
    code, out, err = run(capsys, "ingest", "--index", idx, str(note))
    assert code == 0 and err == ""
    assert out.startswith(f"ingested 1 articles from 1 files → index {idx} generation {g0 + 1}: 25 articles, ")
    assert "new vectors" in out and "cached" in out and len(out.splitlines()) == 1
    index = load_index(writable_index_dir)
    (new,) = [a for a in index.articles.values() if a.source == "note"]
    assert new.title == "测试港口年报"
    assert index.manifest["files"]["note.md"]

    # ingesting the same file again replaces its article instead of adding a second one
    code, out, _ = run(capsys, "ingest", "--index", idx, "--quiet", str(note))
    assert code == 0 and "25 articles" in out and "(0 new vectors" in out

    code, out, _ = run(capsys, "search", "--index", idx, "--json", "测试港口集装箱吞吐量")
    assert json.loads(out)["hits"][0]["article_id"] == new.id

    code, out, _ = run(capsys, "remove", "--index", idx, new.id)
    assert code == 0 and out.strip() == f"removed 1 article(s); generation {g0 + 3}: 24 articles"
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

    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("青岛进出口".encode("gbk"))
    code, _, err = run(capsys, "ingest", "--index", idx, str(gbk))
    assert code == 2 and str(gbk) in err and "UTF-8" in err

    code, _, err = run(capsys, "ingest", "--index", idx, str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt: no such file or folder" in err

    assert current_generation(writable_index_dir) == before  # nothing partial was written


def test_ingest_is_plain_when_not_a_terminal(writable_index_dir: Path, note: Path) -> None:
    """A real process with piped output: one summary line, no progress bar."""
    env = {**os.environ, "RAG_INDEX_DIR": str(writable_index_dir)}
    proc = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(note)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1 and proc.stdout.startswith("ingested 1 articles from 1 files")
    assert "\r" not in proc.stdout + proc.stderr and "嵌入" not in proc.stderr


def test_progress_bar_on_a_terminal(
    writable_index_dir: Path, note: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tty = Terminal()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["ingest", "--index", str(writable_index_dir), str(note)]) == 0
    bar = tty.getvalue()
    assert bar.startswith("\r嵌入 [") and "chunks" in bar and "剩余" in bar and bar.endswith("\n")
    assert "ingested 1 articles" in capsys.readouterr().out

    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main(["ingest", "--index", str(writable_index_dir), "--quiet", str(note)]) == 0
    assert quiet.getvalue() == ""  # --quiet: no bar, only the summary
    assert "ingested 1 articles" in capsys.readouterr().out


def test_progress_bar_rendering() -> None:
    out = io.StringIO()
    bar = ProgressBar(out)
    bar(0, 10)
    bar(4, 10)
    bar(10, 10)
    text = out.getvalue()
    assert text.count("\r") == 3 and "4/10 chunks" in text and "10/10 chunks" in text
    assert "█" * 30 in text and text.endswith("\n")


def test_build_if_stale(seed_index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    from rag import build_if_stale

    monkeypatch.setattr(sys, "argv", ["build_if_stale", "--index", str(seed_index_dir), str(SEEDS)])
    assert build_if_stale.main() == 0
    assert capsys.readouterr().out.strip() == f"index {seed_index_dir} is up to date"

    monkeypatch.setattr(sys, "argv", ["build_if_stale", "--index", str(tmp_path / "i"), str(tmp_path / "no-seeds")])
    assert build_if_stale.main() == 2
    assert "no such file or folder" in capsys.readouterr().err
