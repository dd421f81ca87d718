"""The service's write contract, without HTTP: jobs, file identity, conflicts and truthful reports."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rag.errors import ConflictError, IngestError, NotFoundError
from rag.jobs import WriteResult
from rag.present import date_label
from rag.service import RagService
from rag.types import Article
from rag.writes import plan_sync, plan_write, upload_name

PAGE = "胶州湾大桥车流量创新高\n\n7月15日，胶州湾大桥日均车流量达到5.2万辆次，同比增长8.1%。\n"


@pytest.fixture
def svc(writable_index_dir: Path) -> RagService:
    service = RagService(writable_index_dir)
    service.load()
    return service


def done(svc: RagService, job_id: str):  # type: ignore[no-untyped-def]
    status = svc.wait(job_id, 120)
    assert status.state == "done", status.error
    return status


def test_report_md_does_not_touch_report_txt(svc: RagService) -> None:
    """Data-loss path 1: uploading report.md removed report.txt's articles and said removed: []."""
    txt = done(svc, svc.submit_document(PAGE, "report.txt").id)
    md = done(svc, svc.submit_document(PAGE.replace("5.2万", "5.3万"), "report.md").id)
    assert md.removed == [] and md.replaced == [] and len(md.added) == 1
    articles = svc.snapshot().index.articles
    assert set(txt.added) | set(md.added) <= set(articles)
    assert svc.file_articles("report.txt") == txt.added and svc.file_articles("report.md") == md.added


def test_a_file_named_like_a_seed_page_removes_nothing(svc: RagService) -> None:
    """Data-loss path 1: a file whose stem is a seed page's source used to replace that page."""
    before = dict(svc.snapshot().index.articles)
    seed_source = next(iter(before.values())).source
    job = done(svc, svc.submit_document(PAGE, f"{seed_source}.txt").id)
    after = svc.snapshot().index.articles
    assert job.removed == [] and set(before) <= set(after) and len(after) == len(before) + 1


def test_the_same_file_again_is_a_conflict_unless_replace(svc: RagService) -> None:
    first = done(svc, svc.submit_document(PAGE, "bridge.txt").id)
    with pytest.raises(ConflictError) as err:
        svc.submit_document(PAGE.replace("5.2万", "6.0万"), "bridge.txt")
    assert err.value.existing == first.added and "replace=true" in str(err.value)
    assert svc.file_articles("bridge.txt") == first.added  # nothing was queued
    again = done(svc, svc.submit_document(PAGE.replace("5.2万", "6.0万"), "bridge.txt", replace=True).id)
    assert again.removed == first.added and again.replaced == [] and len(again.added) == 1
    same = done(svc, svc.submit_document(PAGE.replace("5.2万", "6.0万"), "bridge.txt", replace=True).id)
    assert same.replaced == again.added and same.added == [] and same.removed == []


def test_records_with_an_existing_id_conflict(svc: RagService) -> None:
    rec = Article(id="svc-001", title="标题", text="2024年，某港口吞吐量增长3%。", source="api")
    assert done(svc, svc.submit_articles([rec]).id).added == ["svc-001"]
    with pytest.raises(ConflictError) as err:
        svc.submit_articles([rec])
    assert err.value.existing == ["svc-001"]
    assert done(svc, svc.submit_articles([rec], replace=True).id).replaced == ["svc-001"]


def test_a_conflict_found_when_the_job_runs_fails_the_job(svc: RagService) -> None:
    """Two uploads of one new name queued back to back: the second finds the first's articles."""
    gate = threading.Event()
    svc.jobs.submit(lambda _: (gate.wait(60), WriteResult([], [], [], 0))[1])  # holds the worker
    first = svc.submit_document(PAGE, "twice.txt")
    second = svc.submit_document(PAGE.replace("5.2万", "7.0万"), "twice.txt")
    assert svc.job(second.id).state == "queued"
    gate.set()
    assert done(svc, first.id).added
    failed = svc.wait(second.id, 120)
    assert failed.state == "failed" and "twice.txt is already in the index" in (failed.error or "")
    assert failed.added == [] and svc.file_articles("twice.txt") == done(svc, first.id).added


def test_bad_input_fails_at_submit(svc: RagService) -> None:
    with pytest.raises(IngestError, match="no text"):
        svc.submit_document(b"  \n", "blank.txt")
    with pytest.raises(IngestError, match="unsupported file type"):
        svc.submit_document(b"%PDF", "scan.pdf")
    with pytest.raises(NotFoundError):
        svc.job("job-0-nothing")
    with pytest.raises(NotFoundError, match="no-such-id"):
        svc.remove(["no-such-id"])


def test_gbk_bytes_ingest(svc: RagService) -> None:
    job = done(svc, svc.submit_document(PAGE.encode("gbk"), "gbk-page.txt").id)
    assert "5.2万辆次" in svc.article(job.added[0]).text


def test_writers_wait_in_order_and_progress_reaches_the_total(svc: RagService) -> None:
    gen0 = svc.health()["generation"]
    jobs = [svc.submit_document(PAGE.replace("5.2", f"5.{n}"), f"q{n}.txt") for n in range(3, 7)]
    finished = [done(svc, j.id) for j in jobs]
    assert [j.generation for j in finished] == [gen0 + 1, gen0 + 2, gen0 + 3, gen0 + 4]
    assert all(j.total > 0 and j.done == j.total and j.to_dict()["progress"] == 1.0 for j in finished)
    assert [j.started_at for j in finished] == sorted(j.started_at for j in finished)  # type: ignore[type-var]


def test_remove_reports_what_it_removed_and_waits_behind_a_write(svc: RagService) -> None:
    job = svc.submit_document(PAGE, "to-remove.txt")
    results: list[list[str]] = []
    # the removal is asked for while the upload may still be queued: it runs after it
    t = threading.Thread(target=lambda: results.append(svc.remove(done(svc, job.id).added).removed))
    t.start()
    t.join(120)
    assert results == [done(svc, job.id).added] and svc.file_articles("to-remove.txt") == []


def test_documents_show_file_names_and_inferred_dates_are_marked(svc: RagService) -> None:
    job = done(svc, svc.submit_document("新闻\n\n2017年，某地进出口增长。", "old.txt").id)
    (doc,) = [d for d in svc.documents()[0] if d["id"] == job.added[0]]
    assert doc["file"] == "old.txt" and doc["date"] == "2017" and doc["date_inferred"] is True
    assert f"（{date_label(doc['date'], doc['date_inferred'])}）" == "（约2017年，据正文推断）"
    assert date_label("2023-01-28") == "2023年1月28日" and date_label("", True) == "日期不详"


def _art(i: str, file: str, source: str, text: str = "正文。") -> Article:
    return Article(id=i, title="标题", text=text, source=source, file=file)


def test_plan_sync_touches_only_the_folders_files() -> None:
    known = {
        "s1": _art("s1", "seeds/a.txt", "a"),
        "s2": _art("s2", "seeds/b.txt", "b"),
        "gone": _art("gone", "seeds/c.txt", "c"),
        "up": _art("up", "a.txt", "a"),  # an upload named like a seed file: not the folder's
        "old": _art("old", "", "b"),  # an older index's article of seeds/b.txt (no file name yet)
        "rec": _art("rec", "", "api:rec"),  # a record added through the API
    }
    wanted = [_art("s1", "seeds/a.txt", "a"), _art("s2", "seeds/b.txt", "b", "新正文。")]
    plan = plan_sync("seeds/", ["seeds/a.txt", "seeds/b.txt"], wanted, known)
    assert plan.changed == ["seeds/b.txt"] and plan.gone == ["seeds/c.txt"]
    assert sorted(plan.drop) == ["gone", "old", "s2"] and [a.id for a in plan.add] == ["s2"]
    assert plan.others == 2  # "up" and "rec" stay
    report = plan_write(plan.add, plan.drop, known)
    assert report.added == [] and report.replaced == ["s2"] and sorted(report.removed) == ["gone", "old"]


def test_upload_names_are_the_last_path_part() -> None:
    assert upload_name("C:\\Users\\编辑\\report.md") == "report.md"
    assert upload_name("../../etc/passwd.txt") == "passwd.txt"
    assert upload_name("re\u200bport.txt") == "report.txt"
