"""One contract, two backends: the embedded index folder (FAISS + BM25) and Milvus (here Milvus Lite
started as a local gRPC server). Every test runs against both through `RagService`, on the seed
corpus or on small articles written here; asserts are on ranks and contents, never on raw scores
(Milvus Lite's BM25 scores differ in scale and sign)."""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from conftest import SEEDS, VECTOR_CACHE
from milvus_server import free_port, milvus_lite_server

from rag.errors import ConflictError, IndexMismatchError, IndexMissingError, IngestError, NotFoundError
from rag.ingest import load_paths
from rag.jobs import JobStatus, WriteResult
from rag.retrieve import Filters
from rag.service import RagService
from rag.types import Article

pytestmark = pytest.mark.slow
BACKENDS = ["folder", "milvus"]
_prefixes = itertools.count()


@pytest.fixture(scope="session")
def milvus_spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Milvus Lite server for the session, on a free loopback port."""
    with milvus_lite_server(tmp_path_factory.mktemp("milvus") / "data") as spec:
        yield spec


def _service(kind: str, folder: Path, milvus_spec: str) -> RagService:
    """An empty index of this kind: a folder, or fresh collections (a new prefix) in Milvus."""
    if VECTOR_CACHE.is_dir():  # the seeds' vectors, embedded once (conftest keeps them)
        shutil.copytree(VECTOR_CACHE, folder / "cache", dirs_exist_ok=True)
    backend = f"{milvus_spec}/t{next(_prefixes)}" if kind == "milvus" else ""
    return RagService(folder, backend=backend)


def _done(svc: RagService, job: JobStatus) -> WriteResult:
    """A queued write's result once it has run; the error it failed with is raised here."""
    svc.wait(job.id, 300)
    svc.raise_failure(job.id)
    result = svc.result(job.id)
    assert result is not None, svc.job(job.id)
    return result


def _add(svc: RagService, articles: Sequence[Article], replace: bool = False) -> WriteResult:
    return _done(svc, svc.submit_articles(articles, replace=replace))


@pytest.fixture(scope="session", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> RagService:
    """The seed corpus in each backend, read-only for the session."""
    if request.param == "folder":
        return request.getfixturevalue("seed_service")  # type: ignore[no-any-return]
    svc = _service("milvus", tmp_path_factory.mktemp("seeds-milvus"), request.getfixturevalue("milvus_spec"))
    svc.ingest_paths([SEEDS])
    return svc


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> RagService:
    spec = request.getfixturevalue("milvus_spec") if request.param == "milvus" else ""
    return _service(request.param, tmp_path / "index", spec)


# Questions written for these tests, each with the seed page that answers it.
QUESTIONS = [
    ("青岛跨境电商产业园能为企业提供哪些服务？", "000_4ec5dd5d5caa780e"),
    ("从青岛港口出发的海上航线连接多少个国家和地区？", "001_95c7f2554f52cc0a"),
    ("世界500强企业在青岛投资了多少个项目？", "002_a8aa19a4498b414d"),
    ("青岛海关关长谈全省高水平开放暨高质量招商引资大会", "003_3c2d5bc57e912340"),
    ("乌奈札快航货轮的设计载箱量是多少标箱？", "004_80a209c8730301f0"),
]


def _sources(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.chunk.source for h in hits]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
@pytest.mark.parametrize(("question", "source"), QUESTIONS)
def test_top_hits_come_from_the_page_that_answers(seeded: RagService, question: str, source: str, mode: str) -> None:
    hits, _ = seeded.search(question, top_k=3, mode=mode)
    assert len(hits) == 3
    assert source in _sources(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_backends_agree_on_dense_ranking(tmp_path: Path, milvus_spec: str) -> None:
    """Milvus's HNSW over 155 vectors finds what exact search finds, in the same order."""
    folder = _service("folder", tmp_path / "f", milvus_spec)
    milvus = _service("milvus", tmp_path / "m", milvus_spec)
    articles = load_paths([SEEDS])
    _add(folder, articles)
    _add(milvus, articles)
    for question, _ in QUESTIONS:
        a = [h.chunk.id for h in folder.search(question, top_k=5, mode="dense")[0]]
        b = [h.chunk.id for h in milvus.search(question, top_k=5, mode="dense")[0]]
        assert a == b, question


def test_ask_answers_with_the_figure_and_its_citation(seeded: RagService) -> None:
    answer, generation = seeded.ask("青岛市2022年外贸进出口总值是多少？")
    assert answer.found
    assert answer.short_answer == "9117.2亿元"
    assert "9117.2亿元" in answer.citations[0].quote
    assert answer.citations[0].source == "000_4ec5dd5d5caa780e"
    assert generation == seeded.health()["generation"]


def test_ask_refuses_what_the_corpus_does_not_say(seeded: RagService) -> None:
    answer, _ = seeded.ask("上海2022年外贸进出口总值是多少？")
    assert not answer.found
    assert answer.short_answer is None


@pytest.mark.parametrize("query", ["", "   ", "的了吗？", "。，！"])
@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_empty_and_stopword_queries_find_nothing(seeded: RagService, query: str, mode: str) -> None:
    assert seeded.search(query, top_k=5, mode=mode)[0] == []


def test_unknown_mode_is_refused(seeded: RagService) -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        seeded.search("青岛外贸", mode="fuzzy")


def test_top_k_is_capped_by_the_corpus(seeded: RagService) -> None:
    hits, _ = seeded.search("青岛", top_k=500, mode="dense")
    assert len(hits) == seeded.health()["chunks"] == 155
    assert len({h.chunk.id for h in hits}) == 155


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_source_filter_keeps_only_that_page(seeded: RagService, mode: str) -> None:
    hits, _ = seeded.search("青岛外贸进出口", top_k=8, mode=mode, filters=Filters(sources=("001_",)))
    assert hits
    assert set(_sources(hits)) == {"001_95c7f2554f52cc0a"}


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_date_filter_is_inclusive_by_prefix(seeded: RagService, mode: str) -> None:
    hits, _ = seeded.search("青岛外贸进出口", top_k=20, mode=mode, filters=Filters(date_from="2024-01", date_to="2024-02"))
    assert hits
    assert {h.chunk.date for h in hits} <= {"2024-01", "2024-02"}
    assert {"004_80a209c8730301f0", "003_3c2d5bc57e912340"} & set(_sources(hits))


def test_filters_that_match_nothing_give_nothing(seeded: RagService) -> None:
    assert seeded.search("青岛外贸", filters=Filters(sources=("no-such-page",)))[0] == []
    assert seeded.search("青岛外贸", filters=Filters(date_from="2030"))[0] == []


def test_documents_list_every_article_with_its_chunks(seeded: RagService) -> None:
    docs, _ = seeded.documents()
    assert len(docs) == 24
    assert sum(d["chunks"] for d in docs) == 155
    first = seeded.article(docs[0]["id"])
    assert len(first.text) == docs[0]["chars"]
    assert {(d["source"], d["file"]) for d in docs} == {(p.stem, f"seeds/{p.name}") for p in SEEDS.glob("*.txt")}
    assert first.file == docs[0]["file"]


# ---- writes --------------------------------------------------------------------------------------
def _article(aid: str, text: str, title: str = "胶州湾大桥车流量", source: str = "notes", date: str = "2025-03") -> Article:
    return Article(aid, title, text, source, date)


BRIDGE = "2025年一季度，胶州湾跨海大桥日均通行车辆4.2万辆次，同比增长6.3%，货车占比三成。"
FERRY = "2025年一季度，青岛至黄岛轮渡共运送旅客58万人次，比去年同期减少12%。"


def test_an_empty_index_says_how_to_build_one(empty: RagService) -> None:
    with pytest.raises(IndexMissingError, match="rag ingest"):
        empty.search("胶州湾")


def test_add_then_search_then_remove(empty: RagService) -> None:
    r1 = _add(empty, [_article("bridge", BRIDGE), _article("ferry", FERRY, title="轮渡客运")])
    assert (r1.articles, r1.chunks, r1.added) == (2, 2, ["bridge", "ferry"])
    hits, gen = empty.search("胶州湾跨海大桥日均通行车辆", top_k=1)
    assert (hits[0].chunk.article_id, gen) == ("bridge", r1.generation)
    r2 = empty.remove(["bridge"])
    assert r2.generation == r1.generation + 1
    assert (r2.articles, r2.removed) == (1, ["bridge"])
    hits, gen = empty.search("胶州湾跨海大桥日均通行车辆", top_k=5)
    assert gen == r2.generation
    assert [h.chunk.article_id for h in hits] == ["ferry"]
    assert [d["id"] for d in empty.documents()[0]] == ["ferry"]
    with pytest.raises(NotFoundError):
        empty.remove(["bridge"])


def test_re_adding_an_id_replaces_its_text_only_when_asked(empty: RagService) -> None:
    first = _add(empty, [_article("bridge", BRIDGE)])
    with pytest.raises(ConflictError, match="bridge") as refused:
        empty.submit_articles([_article("bridge", BRIDGE.replace("4.2万", "4.5万"))])
    assert refused.value.existing == ["bridge"]
    assert empty.health()["generation"] == first.generation
    assert empty.article("bridge").text == BRIDGE
    report = _add(empty, [_article("bridge", BRIDGE.replace("4.2万", "4.5万"))], replace=True)
    assert (report.articles, report.chunks, report.replaced, report.added) == (1, 1, ["bridge"], [])
    hits, _ = empty.search("胶州湾跨海大桥日均通行车辆", top_k=5, mode="bm25")
    assert [h.chunk.text for h in hits] == [BRIDGE.replace("4.2万", "4.5万")]
    assert empty.article("bridge").text == BRIDGE.replace("4.2万", "4.5万")


def _jsonl(*articles: Article) -> str:
    return "".join(json.dumps({"id": a.id, "title": a.title, "text": a.text}, ensure_ascii=False) + "\n" for a in articles)


def test_replacing_a_file_drops_its_other_articles(empty: RagService) -> None:
    bridge, ferry = _article("bridge", BRIDGE), _article("ferry", FERRY, title="轮渡客运")
    _done(empty, empty.submit_document(_jsonl(bridge, ferry), "page1.jsonl"))
    report = _done(empty, empty.submit_document(_jsonl(ferry), "page1.jsonl", replace=True))
    assert (report.articles, report.chunks, report.removed, report.replaced) == (1, 1, ["bridge"], ["ferry"])
    assert report.embedded == 0  # the unchanged article keeps its vector
    assert [d["id"] for d in empty.documents()[0]] == ["ferry"]
    assert all(h.chunk.article_id == "ferry" for h in empty.search("胶州湾跨海大桥", top_k=5)[0])


def test_a_query_in_flight_keeps_its_generation(empty: RagService) -> None:
    """A snapshot taken before a write answers from its own generation after the write."""
    _add(empty, [_article("bridge", BRIDGE)])
    before = empty.snapshot()
    empty.remove(["bridge"])
    _add(empty, [_article("ferry", FERRY, title="轮渡客运")])
    old = before.retriever.search("胶州湾跨海大桥日均通行车辆", top_k=5)
    assert [h.chunk.article_id for h in old] == ["bridge"]
    assert before.index.articles.keys() == {"bridge"}
    new = empty.snapshot()
    assert new.generation == before.generation + 2
    assert [h.chunk.article_id for h in new.retriever.search("胶州湾跨海大桥日均通行车辆", top_k=5)] == ["ferry"]


def test_upload_of_the_same_file_replaces_it_only_when_asked(empty: RagService) -> None:
    first = _done(empty, empty.submit_document(f"胶州湾大桥车流量\n\n{BRIDGE}\n", "traffic.txt"))
    assert empty.file_articles("traffic.txt") == first.added
    assert empty.file_articles("traffic.md") == []  # a file is known by its exact name
    with pytest.raises(ConflictError, match=r"traffic\.txt") as refused:
        empty.submit_document(f"轮渡客运\n\n{FERRY}\n", "traffic.txt")
    assert refused.value.existing == first.added
    report = _done(empty, empty.submit_document(f"轮渡客运\n\n{FERRY}\n", "traffic.txt", replace=True))
    assert (report.articles, report.removed) == (1, first.added)
    assert [(d["source"], d["file"]) for d in empty.documents()[0]] == [("traffic", "traffic.txt")]
    assert empty.file_articles("traffic.txt") == report.added
    assert "轮渡" in empty.article(report.added[0]).text


@pytest.mark.parametrize("kind", BACKENDS)
def test_http_api_from_settings_writes_and_answers(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """RAG_BACKEND (Settings.backend) reaches the service the API builds: start empty, upload, ask."""
    from fastapi.testclient import TestClient

    from rag.http import create_app
    from rag.settings import Settings

    spec = f"{request.getfixturevalue('milvus_spec')}/api{next(_prefixes)}" if kind == "milvus" else ""
    settings = Settings(index_dir=tmp_path / "index", backend=spec, ui=False, api_key="", rate_limit_per_minute=0, cors_origins="")
    with TestClient(create_app(settings)) as c:
        assert c.get("/readyz").status_code == 503
        article = {"id": "bridge", "title": "胶州湾大桥车流量", "date": "2025-03", "source": "notes", "text": BRIDGE}
        added = c.post("/v1/documents", json=article)
        assert added.status_code == 201, added.text
        assert c.get("/readyz").status_code == 200
        answer = c.post("/v1/ask", json={"question": "2025年一季度胶州湾跨海大桥日均通行车辆多少万辆次？"}).json()
        assert answer["found"], answer
        assert answer["short_answer"].startswith("4.2万辆")
        assert answer["generation"] == added.json()["generation"]
        assert [d["id"] for d in c.get("/v1/documents").json()["documents"]] == ["bridge"]


# ---- Milvus only: what its generations promise ----------------------------------------------------
@pytest.fixture
def milvus(tmp_path: Path, milvus_spec: str) -> RagService:
    return _service("milvus", tmp_path / "index", milvus_spec)


def _rows(svc: RagService, kind: str) -> int:
    from rag.index.milvus import client_for

    target = svc.backend.target
    assert target is not None
    return len(client_for(target).query(target.collection(kind), filter="gen_added >= 0", output_fields=["pk"]))


def test_a_writer_killed_before_publishing_changes_nothing(milvus: RagService, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.index.milvus_writer import MilvusWriter

    first = _add(milvus, [_article("bridge", BRIDGE)])

    def killed(self: MilvusWriter, gen: int, manifest: dict) -> None:  # type: ignore[type-arg]
        raise KeyboardInterrupt  # dies after writing rows and tombstones, before CURRENT moves

    with monkeypatch.context() as m:
        m.setattr(MilvusWriter, "_publish", killed)
        writer = milvus.backend.writer(milvus.encoder, None, "auto", 30)  # as `rag ingest` in another process
        with pytest.raises(KeyboardInterrupt):
            writer.apply(add=[_article("bridge", FERRY, title="轮渡客运")])
    assert milvus.backend.current_generation() == first.generation
    fresh = RagService(milvus.index_dir, backend=milvus.backend.target.display)  # type: ignore[union-attr]
    assert [h.chunk.text for h in fresh.search("胶州湾跨海大桥日均通行车辆", top_k=5)[0]] == [BRIDGE]
    report = _add(fresh, [_article("ferry", FERRY, title="轮渡客运")])
    assert (report.generation, report.articles, report.chunks) == (first.generation + 1, 2, 2)
    assert (_rows(fresh, "chunks"), _rows(fresh, "articles")) == (2, 2)  # nothing left of the dead write


def test_removed_rows_are_deleted_once_no_reader_can_see_them(milvus: RagService, monkeypatch: pytest.MonkeyPatch) -> None:
    import rag.index.milvus_writer as writer

    _add(milvus, [_article("bridge", BRIDGE)])
    _add(milvus, [_article("bridge", FERRY)], replace=True)
    assert _rows(milvus, "chunks") == 2  # the old text stays for readers of the generation before
    monkeypatch.setattr(writer, "RETAIN_S", 0.0)
    _add(milvus, [_article("ferry", FERRY, title="轮渡客运")])
    assert _rows(milvus, "chunks") == 2  # BRIDGE's row (removed by generation 2) is gone: nobody sees it
    _add(milvus, [_article("ferry", BRIDGE, title="大桥")], replace=True)
    assert _rows(milvus, "chunks") == 3  # the replaced ferry row stays: generation 3 still sees it


def test_a_bad_backend_spec_says_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="milvus://HOST:PORT"):
        RagService(tmp_path, backend="milvus:/nohost")


def test_an_unreachable_server_is_named_in_the_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rag.index.milvus as backend

    monkeypatch.setattr(backend, "CONNECT_TIMEOUT_S", 1.0)
    svc = RagService(tmp_path, backend=f"milvus://127.0.0.1:{free_port()}")
    with pytest.raises(IndexMissingError, match=r"Milvus at milvus://127\.0\.0\.1:\d+/rag"):
        svc.search("青岛外贸")


def test_cli_ingests_rebuilds_and_searches_through_milvus(
    tmp_path: Path, milvus_spec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.cli import main

    page = tmp_path / "docs" / "traffic.jsonl"
    page.parent.mkdir()
    rows = [{"id": "bridge", "title": "胶州湾大桥车流量", "text": BRIDGE}, {"id": "ferry", "title": "轮渡客运", "text": FERRY}]
    page.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    spec = f"{milvus_spec}/cli{next(_prefixes)}"
    common = ["--index", str(tmp_path / "index"), "--backend", spec]
    assert main(["ingest", *common, "--quiet", str(page.parent)]) == 0
    assert main(["ingest", *common, "--quiet", "--rebuild", str(page.parent)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"2 added, 0 replaced, 0 removed → index {spec} generation 1:")
    assert out[1].startswith(f"2 added, 0 replaced, 0 removed → index {spec} generation 2: 2 articles, 2 chunks ")
    assert main(["search", *common, "轮渡运送旅客", "--top-k", "1", "--json"]) == 0
    assert "58万人次" in capsys.readouterr().out


def test_compaction_keeps_the_generation_and_its_answers(milvus: RagService) -> None:
    _add(milvus, [_article("bridge", BRIDGE)])
    last = _add(milvus, [_article("bridge", FERRY, title="轮渡客运"), _article("b2", BRIDGE)], replace=True)
    before = [h.chunk.id for h in milvus.search("胶州湾跨海大桥", top_k=5)[0]]
    report = milvus.compact()
    assert (report.generation, report.articles, report.chunks) == (last.generation, 2, 2)
    assert [h.chunk.id for h in milvus.search("胶州湾跨海大桥", top_k=5)[0]] == before


def test_an_article_milvus_cannot_store_is_refused_before_any_write(milvus: RagService) -> None:
    first = _add(milvus, [_article("bridge", BRIDGE)])
    with pytest.raises(IngestError, match="title is over 4096 bytes"):
        _add(milvus, [_article("ferry", FERRY), _article("long", FERRY, title="长" * 2000)])
    assert milvus.backend.current_generation() == first.generation
    assert _rows(milvus, "chunks") == 1


def test_collections_of_an_older_layout_are_refused_with_the_rebuild_command(
    milvus: RagService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.index.milvus as reader
    import rag.index.milvus_writer as writer

    with monkeypatch.context() as m:  # as a version before articles carried their file wrote them
        m.setattr(writer, "SCHEMA", 1)
        m.setattr(reader, "SCHEMA", 1)
        first = _add(milvus, [_article("bridge", BRIDGE)])
    rebuild = f"rag ingest --rebuild --backend {milvus.backend.name}"
    fresh = RagService(milvus.index_dir, backend=milvus.backend.name)
    with pytest.raises(IndexMismatchError, match="schema 1") as refused:
        fresh.search("胶州湾跨海大桥")
    assert rebuild in str(refused.value)
    with pytest.raises(IndexMismatchError, match="has schema 1, this version writes 2") as refused:
        writer.MilvusWriter(milvus.backend.target, milvus.encoder).apply(add=[_article("ferry", FERRY)])  # type: ignore[arg-type]
    assert rebuild in str(refused.value)
    assert milvus.backend.current_generation() == first.generation
