"""Answers that quote more than one sentence, cite every copy of a syndicated report, and read an
article the question names, on a corpus written for these tests (tests/data/passages_corpus.jsonl),
through `RagService.ask` with the real encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.service import RagService
from rag.types import Answer
from rag.understand import analyse, named_by_titles

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parent / "data" / "passages_corpus.jsonl"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> RagService:
    svc = RagService(tmp_path_factory.mktemp("passages-index"))
    svc.ingest_paths([CORPUS])
    return svc


def _ask(service: RagService, question: str) -> Answer:
    answer, _ = service.ask(question)
    return answer


def _quotes_are_the_page(service: RagService, answer: Answer) -> None:
    """Every citation's quote is the article's text at the citation's offsets, and lies in its passage."""
    articles = service.snapshot().index.articles
    for c in answer.citations:
        article = articles[c.article_id]
        assert article.text[c.start - article.start : c.end - article.start] == c.quote
        assert c.quote in c.text


def test_adjacent_sentences_are_one_quote(service: RagService) -> None:
    answer = _ask(service, "白鹭湾跨海大桥通车前两岸车辆怎么通行？")
    assert answer.found, answer.answer
    first = answer.citations[0]
    assert "大桥通车前，两岸车辆需要绕行环湾公路。绕行一次需要一个多小时" in first.quote
    assert first.quote.endswith("车程缩短到15分钟左右。")  # a how-answer runs on to the next but one sentence
    assert sum(c.article_id == "bay-bridge" for c in answer.citations) == 1  # one citation, not one per sentence
    assert answer.answer.count("据《白鹭湾跨海大桥》") == 1
    _quotes_are_the_page(service, answer)


def test_every_copy_of_a_syndicated_report_is_cited(service: RagService) -> None:
    answer = _ask(service, "今年上半年海州市新能源汽车出口量是多少？")
    assert answer.found and answer.short_answer == "18.6万辆", answer.answer
    cited = [c.article_id for c in answer.citations]
    assert {"wire-a", "wire-b"} <= set(cited)
    assert "wire-c" not in cited  # the same figure in another sentence is another fact (a port's work)
    assert "同一内容另见" in answer.answer
    _quotes_are_the_page(service, answer)


def test_a_date_answers_with_what_follows_it(service: RagService) -> None:
    answer = _ask(service, "星河航天计划在哪一年发射“探月-7”号着陆器？")
    assert answer.found and answer.short_answer == "2028年", answer.answer


def test_a_question_naming_an_article_reads_that_article(service: RagService) -> None:
    answer = _ask(service, "云杉岭冷杉有什么用途？")
    assert answer.found, answer.answer
    assert answer.citations[0].article_id == "yunshan-fir"
    assert "用途很广" in answer.citations[0].quote
    _quotes_are_the_page(service, answer)


def test_an_article_title_is_one_term() -> None:
    q = named_by_titles(analyse("云杉岭冷杉有什么用途？"), ["云杉岭冷杉"])
    assert q.terms[0] == "云杉岭冷杉" and "岭" not in q.terms
    assert q.focus == ("用途",)  # what is asked about the article, not the article itself
    assert named_by_titles(analyse("白鹭湾的大桥有多长？"), ["云杉岭冷杉"]).terms == analyse("白鹭湾的大桥有多长？").terms


@pytest.mark.parametrize(
    ("question", "lead", "short"),
    [
        ("今年上半年全国储能电池产量超过了多少吉瓦时？", "今年上半年全国储能电池产量超过120吉瓦时。", "超过120吉瓦时"),
        ("某通信公司上半年云服务收入是多少？", "", "2,486 亿元"),
    ],
)
def test_figures_with_new_units_and_spaces(service: RagService, question: str, lead: str, short: str) -> None:
    answer = _ask(service, question)
    assert answer.found and answer.short_answer == short, answer.answer
    assert answer.answer.startswith(lead)
    assert "超过了超过" not in answer.answer
