"""Chunking on the real seeds: whole sentences, one article each, offsets that lead back to the page."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from rag.chunk import ChunkSettings, chunk_article
from rag.ingest import clean_page, load_paths
from rag.textzh import split_sentences
from rag.types import Article, Chunk

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SETTINGS = [ChunkSettings(), ChunkSettings(120, 40), ChunkSettings(400, 0), ChunkSettings(60, 30)]


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_paths([SEEDS])


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return {p.stem: clean_page(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}


def boundaries(article: Article) -> tuple[set[int], set[int]]:
    spans = list(split_sentences(article.text, offset=article.start))
    return {s for _, s, _ in spans}, {e for _, _, e in spans}


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: f"{s.size}-{s.overlap}")
def test_chunks_stay_inside_their_article_and_point_into_the_page(
    settings: ChunkSettings, articles: list[Article], pages: dict[str, str]
) -> None:
    for art in articles:
        chunks = chunk_article(art, settings)
        assert chunks, art.title
        for n, c in enumerate(chunks):
            assert (c.article_id, c.title, c.date, c.source, c.ordinal) == (art.id, art.title, art.date, art.source, n)
            assert art.start <= c.start < c.end <= art.end
            assert pages[c.source][c.start : c.end] == c.text


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: f"{s.size}-{s.overlap}")
def test_chunks_are_whole_sentences_within_size(settings: ChunkSettings, articles: list[Article]) -> None:
    """A chunk starts and ends on sentence boundaries, unless one sentence alone exceeds the size."""
    for art in articles:
        starts, ends = boundaries(art)
        long_sentences = [(s, e) for _, s, e in split_sentences(art.text, art.start) if e - s > settings.size]
        for c in chunk_article(art, settings):
            assert len(c.text) <= settings.size
            inside_long = any(s <= c.start < e or s < c.end <= e for s, e in long_sentences)
            if not inside_long:
                assert c.start in starts and c.end in ends, (c.text[:20], c.text[-20:])


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: f"{s.size}-{s.overlap}")
def test_consecutive_chunks_overlap_by_at_most_the_setting_and_cover_everything(
    settings: ChunkSettings, articles: list[Article]
) -> None:
    for art in articles:
        chunks = chunk_article(art, settings)
        for a, b in itertools.pairwise(chunks):
            assert a.start < b.start and a.end < b.end  # always moves forward
            assert b.start <= a.end + 2  # no gap beyond the white space between sentences
            assert a.end - b.start <= settings.overlap
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        for _, s, e in split_sentences(art.text, art.start):
            assert set(range(s, e)) <= covered


def test_overlap_repeats_the_last_sentences() -> None:
    text = "".join(f"第{i}句话有十来个字。" for i in range(10))  # 10 sentences of 10 characters
    art = Article("a", "标题", text, "src")
    chunks = chunk_article(art, ChunkSettings(size=40, overlap=20))
    assert [c.text for c in chunks[:2]] == [text[0:40], text[20:60]]
    no_overlap = chunk_article(art, ChunkSettings(size=40, overlap=0))
    assert "".join(c.text for c in no_overlap) == text


def test_a_sentence_longer_than_the_limit_is_cut_at_commas_then_hard() -> None:
    clause = "青岛外贸进出口连续增长，"  # 12 characters ending in a comma
    text = clause * 10 + "完。" + "长" * 100 + "。"
    art = Article("a", "标题", text, "src")
    chunks = chunk_article(art, ChunkSettings(size=50, overlap=0))
    assert all(len(c.text) <= 50 for c in chunks)
    assert chunks[0].text.endswith("，")  # cut after a comma, not inside a word
    assert "".join(c.text for c in chunks) == text


def test_chunk_ids_are_stable_content_hashes(articles: list[Article]) -> None:
    first = [c for a in articles for c in chunk_article(a)]
    again = [c for a in load_paths([SEEDS]) for c in chunk_article(a)]
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    art = articles[0]
    changed = Article(art.id, art.title, art.text.replace("9117.2", "9117.3"), art.source, art.date, start=art.start,
                      end=art.end)
    ids, changed_ids = [c.id for c in chunk_article(art)], [c.id for c in chunk_article(changed)]
    assert ids[0] != changed_ids[0]  # the chunk that changed gets a new id
    assert ids[-1] == changed_ids[-1]  # the others keep theirs


def test_never_across_articles(articles: list[Article]) -> None:
    chunks: list[Chunk] = [c for a in articles for c in chunk_article(a)]
    spans = {a.id: (a.start, a.end, a.source) for a in articles}
    for c in chunks:
        start, end, source = spans[c.article_id]
        assert c.source == source and start <= c.start and c.end <= end


def test_empty_article_gives_no_chunks() -> None:
    assert chunk_article(Article("a", "t", "", "s")) == []


@pytest.mark.parametrize(("size", "overlap"), [(10, 0), (100, 100), (100, -1), (100, 150)])
def test_settings_are_validated(size: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="chunk"):
        ChunkSettings(size, overlap)
