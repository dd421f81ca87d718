"""One test per kind of answering mistake, on a small corpus written for these tests
(tests/data/answer_corpus.jsonl: a traditional-Chinese encyclopedia entry, a simplified one, and three
news pages), through `RagService.ask` with the real encoder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.service import RagService

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parent / "data" / "answer_corpus.jsonl"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> RagService:
    svc = RagService(tmp_path_factory.mktemp("answer-index"))
    svc.ingest_paths([CORPUS])
    return svc


def _ask(service: RagService, question: str):  # type: ignore[no-untyped-def]
    answer, _ = service.ask(question)
    return answer


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---- traditional Chinese: compared folded, quoted as written ------------------------------------
@pytest.mark.parametrize("question", ["淡水河全长多少公里？", "淡水河全長多少公里？"])
def test_traditional_page_is_answered_and_quoted_as_written(service: RagService, question: str) -> None:
    answer = _ask(service, question)
    assert answer.found, answer.answer
    assert "159公里" in answer.short_answer
    quote = answer.citations[0].quote
    assert "全長約159公里" in quote  # traditional characters, as the page writes them
    article = service.snapshot().index.articles[answer.citations[0].article_id]
    c = answer.citations[0]
    assert article.text[c.start - article.start : c.end - article.start] == quote


def test_traditional_year_question_gets_the_year(service: RagService) -> None:
    answer = _ask(service, "石门水库是哪一年开始兴建的？")
    assert answer.found and answer.short_answer == "1968年"
    assert "興建石門水庫" in answer.citations[0].quote


# ---- general (non-figure) questions: the sentence that aligns with the question ----------------
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("文昌阁是由谁出资修建的？", "周延年"),
        ("青石镇每年什么时候举办花灯节？", "农历三月"),
        ("淡水河最后在哪里注入台湾海峡？", "淡水"),
        ("石门水库的工程历时多久完工？", "六年"),
    ],
)
def test_general_question_quotes_the_aligned_sentence(service: RagService, question: str, expected: str) -> None:
    answer = _ask(service, question)
    assert answer.found, answer.answer
    assert expected in _squash(answer.answer)


# ---- answer type -------------------------------------------------------------------------------
def test_height_question_gets_a_height_not_a_floor_count(service: RagService) -> None:
    answer = _ask(service, "云顶塔有多高？")
    assert answer.found and answer.short_answer == "368米"


def test_which_year_question_gets_a_year(service: RagService) -> None:
    answer = _ask(service, "云顶塔是哪一年建成的？")
    assert answer.found and answer.short_answer == "2019年"


# ---- subject: a partner's figure is not the whole's -------------------------------------------
def test_partner_figure_is_not_given_for_the_whole(service: RagService) -> None:
    whole = _ask(service, "今年1-5月海川市外贸进出口总值是多少？")
    assert whole.short_answer == "3561.8亿元"
    partner = _ask(service, "今年1-5月海川市对东盟进出口多少？")
    assert partner.short_answer == "612.4亿元"


def test_a_province_figure_is_not_the_country_figure(service: RagService) -> None:
    answer = _ask(service, "今年上半年我国锂电池出口增长了多少？")
    assert "27.7%" not in answer.answer.split("据")[0]
    assert not answer.found or answer.short_answer != "27.7%"
    province = _ask(service, "今年上半年东江省锂电池出口增长了多少？")
    assert province.found and province.short_answer == "27.7%"


# ---- context: the sentence before gives the subject and period ---------------------------------
def test_sentence_inherits_subject_and_period_from_the_one_before(service: RagService) -> None:
    answer = _ask(service, "2024年1-5月海川市出口多少？")
    assert answer.found, answer.answer
    assert answer.short_answer == "2105.3亿元"


# ---- period: a part of the year is not the whole year -----------------------------------------
def test_part_of_the_year_is_an_honest_partial_answer(service: RagService) -> None:
    answer = _ask(service, "2024年海川市外贸进出口总值是多少？")
    assert not answer.found  # the whole year is not in the corpus
    assert answer.answer.startswith("资料中没有2024年全年的数据")
    assert "1-5月" in answer.answer and "3561.8亿元" in answer.answer  # what it does have, with its period
    assert answer.citations and "3561.8亿元" in answer.citations[0].quote


# ---- pairs: each asked year answered and cited, or named as missing ----------------------------
def test_two_years_each_answered_and_cited(service: RagService) -> None:
    answer = _ask(service, "海川港2022年和2023年集装箱吞吐量分别是多少？")
    assert answer.found
    text = _squash(answer.answer)
    assert "1200万标准箱" in text and "1350万标准箱" in text
    assert {c.quote.startswith(y) for c in answer.citations for y in ("2022年", "2023年") if c.quote.startswith(y)} == {True}
    assert len(answer.citations) == 2


def test_pair_with_a_missing_year_says_which_is_missing(service: RagService) -> None:
    answer = _ask(service, "海川港2021年和2023年集装箱吞吐量分别是多少？")
    assert not answer.found
    assert "2021年" in answer.answer.split("；")[0] and "资料中没有" in answer.answer
    assert "1350万标准箱" in answer.answer and "1200万标准箱" not in answer.answer


# ---- refusals ----------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["海川市2024年财政收入是多少？", "云顶塔的总投资是多少？", "青石镇的镇长是谁？"])
def test_refuses_what_the_corpus_does_not_say(service: RagService, question: str) -> None:
    answer = _ask(service, question)
    assert not answer.found, answer.answer
    assert answer.short_answer is None


# ---- answer type from the indicator: a rate asks for a percentage, 多少个百分点 for points --------
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("南岭市城镇调查失业率是多少？", "5.1%"),
        ("南岭电信上半年服务收入利润率是多少？", "18.5%"),
        ("南岭市规上工业企业利润降幅较一季度收窄了多少个百分点？", "3.6个百分点"),
    ],
)
def test_rate_question_gets_a_percentage_not_a_count_or_amount(service: RagService, question: str, expected: str) -> None:
    answer = _ask(service, question)
    assert answer.found, answer.answer
    assert answer.short_answer == expected


# ---- the restated question keeps the asked counter after a magnitude ---------------------------
def test_restated_answer_keeps_the_counter_after_wan(service: RagService) -> None:
    answer = _ask(service, "到2030年，南岭市数字产业预计将有多少个岗位空缺？")
    assert answer.found and answer.short_answer == "3.2万"
    assert "3.2万个岗位空缺" in answer.answer.split("据")[0]


# ---- 占比 names no base: the share is answered, not refused -------------------------------------
def test_share_question_without_a_base_is_answered(service: RagService) -> None:
    answer = _ask(service, "南岭市食品抽检中微生物污染的问题占比是多少？")
    assert answer.found, answer.answer
    assert answer.short_answer == "31.5%"


# ---- a change or a growth asked without a unit is answered by its percentage -------------------
@pytest.mark.parametrize(
    ("question", "expected"), [("南岭港的通行效率提升了多少？", "约18%"), ("南岭市今年经济增长预期是多少？", "6.5%")]
)
def test_change_or_growth_without_a_unit_gets_its_percentage(service: RagService, question: str, expected: str) -> None:
    answer = _ask(service, question)
    assert answer.found, answer.answer
    assert answer.short_answer == expected


# ---- a per-unit figure (每股0.35元) does not answer a total --------------------------------------
def test_per_share_figure_is_not_the_total(service: RagService) -> None:
    total = _ask(service, "南岭银行决定的中期派息金额约为多少元？")
    assert total.found and total.short_answer == "约12.6亿元"
    assert "金额约12.6亿元" in total.answer.split("据")[0]  # not 约约
    per_share = _ask(service, "南岭银行中期每股派息多少元？")
    assert per_share.found and per_share.short_answer == "0.35元"


# ---- the nation's figure is not a city's: 我国…增长106.9% does not answer 南岭市 ------------------
def test_national_figure_is_not_given_for_a_city(service: RagService) -> None:
    city = _ask(service, "今年上半年南岭市新能源汽车出口增长了多少？")
    assert city.found and city.short_answer == "35.2%"
    assert "106.9%" not in city.answer
    nation = _ask(service, "今年上半年我国新能源汽车出口金额增长了多少？")
    assert nation.found and nation.short_answer == "106.9%"


# ---- 有多少+group: a share of the group answers, the one of the asked group ---------------------
def test_how_many_of_a_group_gets_the_share_of_that_group(service: RagService) -> None:
    answer = _ask(service, "有多少司机完全不愿意分担停车费？")
    assert answer.found, answer.answer
    assert answer.short_answer == "9%"  # not 48% (的乘客) nor 120公里
    assert answer.answer.startswith("有9%的司机完全不愿意分担停车费。")
