"""Incremental segments: a corpus written in one write or in a hundred, before or after compaction,
gives the same rankings; tombstones, the tiered merge, annotations, HNSW recall."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.embed import QueryCache, load_encoder
from rag.index import SEGMENTS_PER_TIER, IndexWriter, load_index
from rag.index.bm25 import build_postings, score
from rag.ingest import load_paths
from rag.retrieve import Filters, Retriever
from rag.types import Article, Chunk

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PLACES = ["临港", "东湖", "西岭", "南湾", "北塘", "金沙", "银滩", "青石", "白鹭", "红岩"]
GOODS = ["集装箱吞吐量", "新能源汽车产量", "跨境电商交易额", "接待游客人次", "海水淡化产能"]
QUERIES = [
    "2022年青岛外贸进出口总值", "青岛港集装箱吞吐量", "胶州剪纸亮相央视春晚", "上合示范区俄罗斯中心",
    "临港新区集装箱吞吐量", "白鹭湾接待游客人次", "金沙跨境电商交易额增长", "海水淡化产能是多少",
    "同一段通稿的文字", "港口 航线 国家",
]
FILTERS = [Filters(sources=("000",)), Filters(date_from="2024-01", date_to="2024-02"), Filters(sources=("own",))]


def own_article(i: int, title: str | None = None) -> Article:
    """Short made-up news of this test (never gold text): place, indicator, figure, growth."""
    place, goods = PLACES[i % len(PLACES)], GOODS[i % len(GOODS)]
    text = (f"{place}新区{2020 + i % 5}年{goods}达到{100 + 7 * i}万，同比增长{i % 9 + 1}.{i % 7}%。"
            f"{place}新区管委会表示，将继续扩大开放，新开{i % 6 + 2}条航线。")
    return Article(f"own-{i}", title or f"{place}新区{goods}创新高", text, f"own_{i % 4}", f"2024-0{i % 9 + 1}",
                   start=0, end=len(text))


def twin_articles() -> list[Article]:
    """The same wire copy printed by two papers: equal vectors, equal BM25, a tie to break."""
    text = "同一段通稿的文字出现在两家报纸上，港口开通了新的航线，连接多个国家和地区。"
    return [Article(f"twin-{k}", "通稿", text, f"own_twin{k}", "2024-03", start=0, end=len(text)) for k in (1, 2)]


def results(index_dir: Path, encoder: Any) -> list[Any]:
    r = Retriever(load_index(index_dir), QueryCache(encoder))
    out = []
    for q in QUERIES:
        for mode in ("hybrid", "dense", "bm25"):
            out.append([(h.chunk.id, h.score, h.dense_rank, h.bm25_rank) for h in r.search(q, 20, mode)])
            for f in FILTERS:
                out.append([(h.chunk.id, h.score) for h in r.search(q, 10, mode, f)])
    return out


@pytest.fixture(scope="module")
def corpora(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same final corpus written in one write, and in 100 writes (adds, removes, re-adds, a
    replaced source, articles added and removed again), with the tiered merge on."""
    encoder = load_encoder()
    seeds = load_paths([SEEDS])
    own = [own_article(i) for i in range(20)]
    removed = {f"own-{i}" for i in range(0, 20, 2)}
    readded = [own_article(i, title=f"更正：{own_article(i).title}") for i in range(0, 10, 2)]
    final = [*seeds, *(a for a in own if a.id not in removed), *readded, *twin_articles()]

    one = tmp_path_factory.mktemp("one-write") / "index"
    shutil.copytree(seed_index_dir / "cache", one / "cache")
    IndexWriter(one, encoder).apply(add=final)  # embeds the new texts once; a full write saves the cache

    many = tmp_path_factory.mktemp("many-writes") / "index"
    shutil.copytree(one / "cache", many / "cache")
    writer = IndexWriter(many, encoder)
    writes = 0

    def write(**kw: Any) -> None:
        nonlocal writes
        writer.apply(**kw)
        writes += 1

    for a in seeds:
        write(add=[a])
    for a in [*own, *twin_articles()]:
        write(add=[a])
    for aid in sorted(removed):
        write(remove_ids=[aid])
    for a in readded:
        write(add=[a])
    page = seeds[0].source
    write(add=[a for a in seeds if a.source == page], replace_sources=[page])
    k = 0
    while writes < 100:  # a seed article's text under another id: its vectors come from the live segments
        text = seeds[k % len(seeds)].text
        temp = Article(f"temp-{k}", "临时稿件", text, "temp", "2024-06", start=0, end=len(text))
        write(add=[temp])
        write(remove_ids=[temp.id])
        k += 1
    return {"one": one, "many": many}


def test_one_write_and_a_hundred_writes_give_the_same_results(corpora: dict[str, Path]) -> None:
    encoder = load_encoder()
    one, many = load_index(corpora["one"]), load_index(corpora["many"])
    assert one.generation == 1 and many.generation >= 100
    assert len(one.segments) == 1 and len(many.segments) > 1
    assert sorted(c.id for c in one.chunks) == sorted(c.id for c in many.chunks)
    assert one.manifest["corpus_hash"] == many.manifest["corpus_hash"]
    assert one.manifest["counts"] == many.manifest["counts"]
    assert dict(one.articles.items()) == dict(many.articles.items())
    expected = results(corpora["one"], encoder)
    assert sum(len(r) for r in expected) > 500
    assert results(corpora["many"], encoder) == expected  # same ids, order, scores and ranks


def test_ties_follow_document_order(corpora: dict[str, Path]) -> None:
    for folder in corpora.values():
        r = Retriever(load_index(folder), QueryCache(load_encoder()))
        for mode in ("dense", "bm25"):
            hits = [h for h in r.search("同一段通稿的文字", 5, mode) if h.chunk.article_id.startswith("twin")]
            assert [h.chunk.article_id for h in hits] == ["twin-1", "twin-2"]
            assert hits[0].score == hits[1].score


def test_compaction_keeps_every_result(corpora: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "index"
    shutil.copytree(corpora["many"], folder)
    encoder = load_encoder()
    before = results(folder, encoder)
    index = load_index(folder)
    assert any(s["deleted"] for s in index.manifest["segments"])  # tombstones to drop
    report = IndexWriter(folder, encoder).compact()
    after = load_index(folder)
    assert (report.segments, len(after.segments)) == (1, 1)
    assert after.manifest["segments"][0]["deleted"] == []
    assert after.manifest["corpus_hash"] == index.manifest["corpus_hash"]
    assert results(folder, encoder) == before == results(corpora["one"], encoder)
    again = IndexWriter(folder, encoder).compact()  # nothing left to do: no new generation
    assert again.generation == report.generation


def test_bm25_uses_statistics_of_the_live_corpus() -> None:
    """Scores equal the textbook formula over all rows, wherever the rows are."""
    docs = [["港口", "航线"], ["港口", "港口", "吞吐量"], ["航线"], ["吞吐量", "增长", "港口"]]
    n, avgdl, k1, b = len(docs), sum(map(len, docs)) / len(docs), 1.2, 0.75

    def textbook(query: list[str], doc: list[str]) -> float:
        total = 0.0
        for t in query:
            df = sum(t in d for d in docs)
            tf = doc.count(t)
            if tf:
                total += np.log(1 + (n - df + 0.5) / (df + 0.5)) * tf / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        return total

    class Part:
        def __init__(self, rows: list[int]) -> None:
            self.postings = build_postings([docs[r] for r in rows])
            self.vocab = {t: i for i, t in enumerate(self.postings.terms)}
            self.global_rows = np.array(rows, dtype=np.int64)

        def term_id(self, term: str) -> int | None:
            return self.vocab.get(term)

    query = ["港口", "吞吐量", "港口"]
    want = [2 * textbook(["港口"], d) + textbook(["吞吐量"], d) for d in docs]
    for split in ([[0, 1, 2, 3]], [[0, 1], [2, 3]], [[3], [1], [0, 2]]):
        got = score([Part(rows) for rows in split], query, n, avgdl, k1, b)
        assert np.allclose(got, want, rtol=1e-12)


def test_a_small_write_adds_one_small_segment_and_readers_reuse_the_others(writable_index_dir: Path) -> None:
    encoder = load_encoder()
    first = load_index(writable_index_dir)
    report = IndexWriter(writable_index_dir, encoder).apply(add=[own_article(3)])
    assert (report.written, report.removed, report.segments) == (1, 0, 2)
    second = load_index(writable_index_dir)
    assert second.segments[0].segment is first.segments[0].segment  # opened once, shared
    assert [c.id for c in second.chunks][: len(first.chunks)] == [c.id for c in first.chunks]
    hit = Retriever(second, QueryCache(encoder)).search("南湾新区接待游客人次", 1)[0]
    assert hit.chunk.article_id == "own-3" and second.chunks_of("own-3") == [hit.chunk]
    counts = second.chunk_counts()
    assert counts["own-3"] == 1 and sum(counts.values()) == len(second.chunks) and set(counts) == set(second.articles)


def test_an_unchanged_article_is_kept_in_place(writable_index_dir: Path) -> None:
    seeds = load_paths([SEEDS])
    before = load_index(writable_index_dir)
    report = IndexWriter(writable_index_dir, load_encoder()).apply(
        add=seeds, replace_sources=sorted({a.source for a in seeds}))
    after = load_index(writable_index_dir)
    assert (report.written, report.removed, report.embedded) == (0, 0, 0)
    assert [s["name"] for s in after.manifest["segments"]] == [s["name"] for s in before.manifest["segments"]]


def test_the_tiered_merge_bounds_the_segments(writable_index_dir: Path) -> None:
    writer = IndexWriter(writable_index_dir, load_encoder())
    counts = []
    for i in range(2 * SEGMENTS_PER_TIER + 3):
        counts.append(writer.apply(add=[own_article(i)]).segments)
    assert max(counts) <= SEGMENTS_PER_TIER + 1  # the seed segment plus at most one full tier
    assert counts[-1] == 1 + 2 + 3  # seeds; two merged tiers of ten; three single writes
    index = load_index(writable_index_dir)
    assert len(index.chunks) == 155 + len(counts) and {f"own-{i}" for i in range(len(counts))} <= set(index.articles)


# ---- annotations -----------------------------------------------------------------------------


class Annotator:
    """Counts what it is asked to annotate."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.seen: list[str] = []

    def __call__(self, chunks: Sequence[Chunk], articles: Mapping[str, Article]) -> list[dict[str, Any]]:
        self.seen += [c.id for c in chunks]
        return [{"tag": self.tag, "chars": len(c.text), "title": articles[c.article_id].title} for c in chunks]


def test_annotations_are_computed_for_new_chunks_only_and_copied_by_compaction(writable_index_dir: Path) -> None:
    folder, encoder = writable_index_dir, load_encoder()
    seed_rows = len(load_index(folder).chunks)
    v1 = Annotator("v1")
    IndexWriter(folder, encoder, annotate=v1, annotation_version="v1").apply(add=[own_article(1), own_article(2)])
    index = load_index(folder)
    assert index.annotation_version == "v1" and len(v1.seen) == 2
    assert index.annotations(0) is None  # the seed segment was written without annotations
    row = index.row_of(index.chunks_of("own-1")[0].id)
    assert row is not None
    assert index.annotations(row) == {"tag": "v1", "chars": len(own_article(1).text), "title": own_article(1).title}

    IndexWriter(folder, encoder).apply(add=[own_article(3)])  # a writer without annotate keeps the version
    index = load_index(folder)
    assert index.annotation_version == "v1"
    assert index.annotations(index.row_of(index.chunks_of("own-1")[0].id)) is not None
    assert index.annotations(index.row_of(index.chunks_of("own-3")[0].id)) is None

    IndexWriter(folder, encoder).compact()  # copies what is of the live version
    index = load_index(folder)
    assert len(index.segments) == 1
    assert index.annotations(index.row_of(index.chunks_of("own-2")[0].id))["tag"] == "v1"  # type: ignore[index]

    v2 = Annotator("v2")
    IndexWriter(folder, encoder, annotate=v2, annotation_version="v2").apply(add=[own_article(4)])
    index = load_index(folder)
    assert index.annotation_version == "v2" and len(v2.seen) == 1
    assert index.annotations(index.row_of(index.chunks_of("own-1")[0].id)) is None  # of another version
    IndexWriter(folder, encoder, annotate=v2, annotation_version="v2").compact()  # brings every chunk to v2
    index = load_index(folder)
    assert len(v2.seen) == seed_rows + 4  # each chunk annotated once
    assert all(index.annotations(r)["tag"] == "v2" for r in range(len(index.chunks)))  # type: ignore[index]


def test_a_rebuild_annotates_again_what_it_keeps_in_place(writable_index_dir: Path) -> None:
    folder, encoder = writable_index_dir, load_encoder()
    articles = [own_article(1), own_article(2)]
    IndexWriter(folder, encoder, annotate=Annotator("v1"), annotation_version="v1").apply(add=articles, rebuild=True)
    v2 = Annotator("v2")
    report = IndexWriter(folder, encoder, annotate=v2, annotation_version="v2").apply(add=articles, rebuild=True)
    index = load_index(folder)
    assert report.embedded == 0 and len(v2.seen) == len(index.chunks)  # same articles: read again, not embedded
    assert all(index.annotations(r)["tag"] == "v2" for r in range(len(index.chunks)))  # type: ignore[index]
    again = Annotator("v2")
    IndexWriter(folder, encoder, annotate=again, annotation_version="v2").apply(add=articles, rebuild=True)
    assert again.seen == []  # nothing stale: nothing read again


def test_annotate_must_return_one_dict_per_chunk(writable_index_dir: Path) -> None:
    before = load_index(writable_index_dir).generation
    with pytest.raises(ValueError, match="one dict per chunk"):
        IndexWriter(writable_index_dir, load_encoder(), annotate=lambda c, a: [], annotation_version="x").apply(
            add=[own_article(1)])
    with pytest.raises(ValueError, match="annotation_version"):
        IndexWriter(writable_index_dir, load_encoder(), annotate=lambda c, a: [])
    assert load_index(writable_index_dir).generation == before
    assert not list((writable_index_dir / "segments").glob(".tmp-*"))


# ---- approximate search across segments ------------------------------------------------------

DIM = 64


class ClusterEncoder:
    """Deterministic vectors in 40 clusters (a hash of the text picks the cluster and the noise), so
    nearest neighbours are close together and HNSW has real work to do."""

    name = "test-clusters"
    dim = DIM

    def __init__(self) -> None:
        self.centres = np.random.default_rng(3).standard_normal((40, DIM)).astype(np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode("utf-8")).digest()[:8], "little")
            rng = np.random.default_rng(seed)
            out[i] = self.centres[seed % 40] + 0.6 * rng.standard_normal(DIM)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    encode_queries = encode_passages


def synthetic(i: int) -> Article:
    text = f"第{i}号合成稿件，编号{i * 7919 % 10007}。"
    return Article(f"syn-{i}", f"合成{i}", text, "syn", "2024-01", start=0, end=len(text))


def test_hnsw_segments_recall_at_10_against_exact(tmp_path: Path) -> None:
    encoder = ClusterEncoder()
    arts = [synthetic(i) for i in range(3000)]
    exact_dir, approx_dir = tmp_path / "exact", tmp_path / "approx"
    IndexWriter(exact_dir, encoder, ann="flat").apply(add=arts)
    approx = IndexWriter(approx_dir, encoder, ann="hnsw", auto_merge=False)
    approx.apply(add=arts[:2500])  # one HNSW segment ...
    for k in range(5):  # ... and five small exact ones
        approx.apply(add=arts[2500 + 100 * k : 2600 + 100 * k])
    approx.apply(remove_ids=[f"syn-{i}" for i in range(0, 3000, 50)])  # tombstones in every segment
    IndexWriter(exact_dir, encoder, ann="flat").apply(remove_ids=[f"syn-{i}" for i in range(0, 3000, 50)])
    exact_index, approx_index = load_index(exact_dir), load_index(approx_dir)
    assert "IndexHNSWFlat" in approx_index.manifest["dense_index"] and len(approx_index.segments) == 6
    rng = np.random.default_rng(5)
    queries = {f"q{i}": v for i, v in enumerate(encoder.centres[rng.integers(0, 40, 200)]
                                                 + 0.6 * rng.standard_normal((200, DIM)).astype(np.float32))}
    exact = Retriever(exact_index, queries.__getitem__)
    near = Retriever(approx_index, queries.__getitem__)
    removed = {f"syn-{i}" for i in range(0, 3000, 50)}
    found = total = 0
    for q in queries:
        truth = {exact_index.chunks[r].id for r, _ in exact.dense(q, 10)}
        hits = [approx_index.chunks[r] for r, _ in near.dense(q, 10)]
        assert not {c.article_id for c in hits} & removed
        found += len(truth & {c.id for c in hits})
        total += len(truth)
    assert found / total >= 0.99
    compacted = IndexWriter(approx_dir, encoder, ann="hnsw").compact()
    assert compacted.segments == 1
