"""The fact checker: rules on claims written from the seed text, drafts, and the CLI formats.

Claims here are written for this file (not the dev set) and cover every rule of the fact-check issue:
qualifier intervals (近七成, 八成以上, 超600亿元), 翻番, ranks, growth direction, currency, rounding,
another year, another place, forecast vs actual, another indicator (出口 vs 进口), several figures.
Tests that need the seed index are marked slow; the rest go through the public names of rag.check
and rag.understand.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rag.check import CheckResult, Compared, FigureCheck, extract_claim_figures, render_results
from rag.figures import compare, extract_figures
from rag.types import Citation
from rag.understand import contexts, figure_status, indicators

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev_claims.jsonl"
P000, P001, P002, P004 = "000_4ec5dd5d5caa780e", "001_95c7f2554f52cc0a", "002_a8aa19a4498b414d", "004_80a209c8730301f0"

# (claim, verdict, the source's figure the explanation must state when refuted, page it comes from)
CLAIMS = [
    # qualifiers as intervals
    ("2022年青岛民营企业进出口占全市进出口总值的近七成。", "supported", None, P000),
    ("2022年青岛民营企业进出口占全市进出口总值的八成以上。", "refuted", "69.8%", P000),
    ("2022年青岛跨境电商进出口值600亿元以上。", "supported", None, P000),
    ("2022年青岛跨境电商进出口值500亿元。", "refuted", "超600亿元", P000),
    ("2023年青岛港货物吞吐量突破8亿吨。", "refuted", "7亿吨", P004),
    ("2022年青岛民营企业进出口占全市进出口总值的一半。", "refuted", "69.8%", P000),
    ("2024年1-5月，青岛机电产品出口占全市出口的一半以上。", "supported", None, P002),
    ("2022年青岛外贸进出口总值不足9000亿元。", "refuted", "9117.2亿元", P000),
    # 翻番 = ×2 = a growth of 100%
    ("2022年青岛跨境电商进出口值同比翻番。", "supported", None, P000),
    ("2022年青岛跨境电商进出口值同比增长一倍。", "supported", None, P000),
    ("2022年青岛跨境电商进出口值同比增长50%。", "refuted", "翻番", P000),
    # ranks
    ("在全国15个副省级城市中，青岛进出口总值居第三位。", "refuted", "第五位", P000),
    ("2022年青岛港货物吞吐量居全球第二。", "refuted", "第四", P000),
    ("2023年青岛港集装箱吞吐量居全球第四位。", "refuted", "第五位", P004),
    # growth direction, with a figure or as a bare word after 同比
    ("2022年青岛跨境电商进出口值同比下降。", "refuted", "翻番", P000),
    ("2022年青岛对东盟进出口同比增长。", "supported", None, P000),
    ("2022年青岛对东盟进出口同比下降28.8%。", "refuted", "增长28.8%", P000),
    ("2020年1至11月，青岛高附加值机电产品出口1586.9亿元，下降16.8%。", "refuted", "增长16.8%", P001),
    # currency
    ("“十三五”期间青岛实际使用外资323亿元人民币。", "refuted", "323亿美元", P001),
    ("2024年1-5月，青岛高技术产业利用外资6.2亿元。", "refuted", "6.2亿美元", P002),
    # rounding to the written precision
    ("2022年青岛外贸进出口总值9117亿元。", "supported", None, P000),
    ("2022年青岛外贸进出口总值约9100亿元。", "supported", None, P000),
    # another year, another place, another period span: nothing to compare with
    ("2021年青岛对东盟进出口1743.3亿元。", "not_enough_info", None, None),
    ("2022年上海外贸进出口9117.2亿元。", "not_enough_info", None, None),
    ("2022年山东省外贸进出口总值9117.2亿元。", "not_enough_info", None, None),
    ("2023年1-5月，青岛完成进出口3561.8亿元。", "not_enough_info", None, None),
    ("2022年青岛港集装箱吞吐量2001万标准箱。", "not_enough_info", None, None),
    # forecast vs actual
    ("2020年青岛进出口6200亿元。", "not_enough_info", None, None),
    ("预计2020年青岛进出口6200亿元。", "supported", None, P001),
    ("2025年青岛外贸进出口总值将突破1万亿元。", "not_enough_info", None, None),
    # another indicator or subject
    ("2022年青岛进口5361.1亿元。", "refuted", "3756.1亿元", P000),
    ("2022年青岛服务进出口667亿元。", "not_enough_info", None, None),
    ("2022年青岛国有企业进出口值6366.1亿元。", "not_enough_info", None, None),
    ("青岛港2022年集装箱吞吐量全球排名第一。", "refuted", "第六", P000),
    # lists read respectively
    ("2022年青岛对日本进出口755.2亿元。", "refuted", "644.4亿元", P000),
    ("2022年青岛对日本进出口同比增长4.8%。", "supported", None, P000),
    ("港资和台资分居青岛市利用外资的第一位和第二位。", "refuted", "第五位", P001),
    # several figures: supported only if all are
    ("2024年1-5月，青岛完成进出口3561.8亿元，增长1.9%。", "supported", None, P002),
    ("“乌奈札快航”船长366米，设计载箱量15000标箱。", "refuted", "13500标箱", P004),
    ("2022年青岛外贸进出口同比增长7.4%，出口同比增长19%。", "refuted", "9%", P000),
]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---- the rules, on the seed corpus ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("claim", "verdict", "figure", "source"), CLAIMS)
def test_claims_from_the_seed_text(seed_service: Any, claim: str, verdict: str, figure: str | None, source: str | None) -> None:
    result, _ = seed_service.check(claim)
    assert result.verdict == verdict, result.explanation
    if verdict == "refuted":
        assert figure is not None and figure in _squash(result.explanation)
        assert any(c.source == source and figure in c.text for c in result.evidence)
    if verdict == "supported":
        assert result.explanation.startswith("资料支持")
        assert all(f.outcome == "supported" for f in result.figures)
    if verdict == "not_enough_info":
        assert result.explanation.startswith("资料中没有找到")


@pytest.mark.slow
def test_export_claim_is_judged_by_the_export_figure_not_the_import_one(seed_service: Any) -> None:
    """2022年青岛出口3756.1亿元: 3756.1亿元 is the import figure; the export figure refutes it."""
    result, _ = seed_service.check("2022年青岛出口3756.1亿元。")
    assert result.verdict == "refuted"
    (fig,) = result.figures
    assert fig.compared_with is not None and fig.compared_with.raw == "5361.1亿元"
    assert "5361.1亿元" in result.explanation


@pytest.mark.slow
def test_multi_figure_claim_reports_each_figure(seed_service: Any) -> None:
    result, _ = seed_service.check("“乌奈札快航”船长366米，设计载箱量15000标箱。")
    outcomes = {f.raw: f.outcome for f in result.figures}
    assert outcomes == {"366米": "supported", "15000标箱": "refuted"}
    refuted = next(f for f in result.figures if f.outcome == "refuted")
    assert refuted.compared_with is not None and refuted.compared_with.raw == "13500标箱"


@pytest.mark.slow
def test_result_shape_markers_and_quotes_point_into_the_page(seed_service: Any) -> None:
    result, _ = seed_service.check("2022年青岛外贸进出口总值达到9800亿元。")
    d = result.to_dict()
    assert set(d) >= {"claim", "verdict", "explanation", "figures", "evidence"}
    assert set(d["figures"][0]) == {"raw", "value", "unit", "kind", "measure", "period", "compared_with", "outcome"}
    assert set(d["figures"][0]["compared_with"]) == {"raw", "source", "quote", "n"}
    assert set(d["evidence"][0]) == {"n", "source", "article_id", "title", "date", "text", "quote", "start", "end", "score"}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", result.explanation)}
    assert markers == {c.n for c in result.evidence}
    for c in result.evidence:
        article = seed_service.article(c.article_id)
        assert article.text[c.start - article.start : c.end - article.start] == c.quote
        assert c.quote in c.text
    assert "9117.2亿元" in result.explanation and "9800亿元" in result.explanation
    json.dumps(d, ensure_ascii=False)


@pytest.mark.slow
def test_no_figure_and_blank_claims(seed_service: Any) -> None:
    for claim in ("青岛是一座开放的城市。", "", "   "):
        result, _ = seed_service.check(claim)
        assert result.verdict == "not_enough_info"
        assert result.figures == ()


@pytest.mark.slow
def test_same_claim_same_result(seed_service: Any) -> None:
    a, _ = seed_service.check("2022年青岛外贸进出口同比增长17.4%。")
    b, _ = seed_service.check("2022年青岛外贸进出口同比增长17.4%。")
    assert a.to_dict() | {"timings_ms": {}} == b.to_dict() | {"timings_ms": {}}
    assert a.verdict == "refuted" and "7.4%" in a.explanation


@pytest.mark.slow
def test_dev_claims_meet_the_targets(seed_service: Any) -> None:
    if not DEV.is_file():
        pytest.skip("shared/eval is not beside the checkout")
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    right = figure_right = refuted = 0
    for r in rows:
        result, _ = seed_service.check(r["claim"])
        right += result.verdict == r["verdict"]
        if r["verdict"] == "refuted":
            refuted += 1
            figure_right += r["figure"] in result.explanation and any(
                any(c.source.startswith(s) for s in r["sources"]) and r["figure"] in c.text for c in result.evidence
            )
    assert right / len(rows) >= 0.92
    assert figure_right / refuted >= 0.9


# ---- drafts ----------------------------------------------------------------------------------------

DRAFT = (
    "2022年，青岛外贸进出口总值达到9800亿元，同比增长7.4%。其中出口5361.1亿元。"
    "这是没有数字的一句话。\n\n"
    "青岛对东盟进出口同比下降28.8%。"
)


@pytest.mark.slow
def test_check_text_checks_every_sentence_with_a_figure(seed_service: Any) -> None:
    results, _ = seed_service.check_text(DRAFT)
    assert [r.claim for r in results] == [
        "2022年，青岛外贸进出口总值达到9800亿元，同比增长7.4%。",
        "其中出口5361.1亿元。",
        "青岛对东盟进出口同比下降28.8%。",
    ]
    for r in results:
        assert DRAFT[r.start : r.end] == r.claim
    assert [r.verdict for r in results] == ["refuted", "supported", "refuted"]
    # 其中出口5361.1亿元 borrows 2022 from the sentence before it
    assert results[1].figures[0].period == "2022年"


@pytest.mark.slow
def test_render_results_formats(seed_service: Any) -> None:
    results, _ = seed_service.check_text(DRAFT)
    table = render_results(results, "table")
    assert "不符" in table and "符合" in table and "9117.2亿元" in table and "共 3 句" in table
    rows = list(csv.reader(io.StringIO(render_results(results, "csv"))))
    assert rows[0] == ["句子", "数字", "结论", "资料中的数字", "来源"]
    assert len(rows) == 1 + sum(len(r.figures) for r in results)
    md = render_results(results, "md").splitlines()
    assert md[0].startswith("| 句子 |") and md[1].startswith("|---")
    assert [json.loads(line)["verdict"] for line in render_results(results, "jsonl").splitlines()] == [
        r.verdict for r in results
    ]
    assert len(json.loads(render_results(results, "json"))) == 3


@pytest.mark.slow
def test_cli_check_file_and_stdin(seed_index_dir: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "check", "--index", str(seed_index_dir), "--file", str(draft), "--format", "jsonl"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    assert [json.loads(line)["verdict"] for line in out.stdout.splitlines()] == ["refuted", "supported", "refuted"]
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "check", "--index", str(seed_index_dir), "--format", "csv"],
        input="2022年青岛出口5361.1亿元。\n2022年上海外贸进出口9117.2亿元。\n",
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert [r[2] for r in rows[1:]] == ["符合", "未找到"]


# ---- pure helpers (fast) -------------------------------------------------------------------------


def _result(verdict: str, outcome: str) -> CheckResult:
    cite = Citation(1, "000_x", "a1", "标题|竖线", "2023-01", "原文，含逗号", "原文", 0, 2, 0.9)
    compared = Compared("9117.2亿元", "000_x", "原文", 1) if outcome != "not_found" else None
    fig = FigureCheck("9800亿元", 9.8e11, "CNY", "amount", "level", "2022年", compared, outcome)
    return CheckResult("2022年，青岛进出口9800亿元。", verdict, "资料显示…[1]", (fig,), (cite,))


def test_render_results_without_an_index() -> None:
    results = [_result("refuted", "refuted"), _result("not_enough_info", "not_found")]
    table = render_results(results, "table").splitlines()
    assert table[0].split() == ["句子", "数字", "结论", "资料中的数字", "来源"]
    assert "不符" in table[2] and "未找到" in table[3]
    assert "共 2 句：符合 0，不符 1，未找到 1" in table[-1]
    rows = list(csv.reader(io.StringIO(render_results(results, "csv"))))
    assert rows[1][0] == "2022年，青岛进出口9800亿元。" and rows[1][4].startswith("[1]《标题|竖线》")
    assert "标题\\|竖线" in render_results(results, "md")
    assert render_results([], "table") == "没有找到含数字的句子。"
    with pytest.raises(ValueError):
        render_results(results, "xml")


def test_words_read_as_figures() -> None:
    half, over, near = (extract_claim_figures(t)[0] for t in ("占全市的一半", "占全市的过半", "占全市的近一半"))
    assert (half.raw, half.low, half.high) == ("一半", 45.0, 55.0)
    assert (over.raw, over.low, over.high) == ("过半", 50.0, 100.0)
    assert (near.low, near.high) == (45.0, 50.0)
    times = extract_claim_figures("进出口值同比增长一倍")[0]
    assert times.raw == "一倍" and times.measure == "growth"


def test_touching_intervals_refute() -> None:
    claim = extract_figures("准备时长压缩至2天")[0]
    source = extract_figures("准备时长压缩至1天")[0]
    assert compare(claim, source) == "refutes"
    assert compare(claim, claim) == "supports"


def test_status_is_read_in_the_figures_own_clause() -> None:
    s = "“十三五”期间，预计2020年完成利用外资59亿美元，实际使用外资323亿美元。"
    forecast, actual = (f for f in extract_figures(s) if f.unit == "USD")
    assert figure_status(forecast) == "forecast"
    assert figure_status(actual) == "actual"
    lead = "预计2020年青岛进出口6200亿元，比“十二五”末净增1840亿元左右。"
    assert {figure_status(f) for f in extract_figures(lead)} == {"forecast"}


def test_lists_are_read_respectively() -> None:
    s = "对韩国和日本分别进出口755.2亿元和644.4亿元，同比分别增长4.5%和4.8%。"
    figs = tuple(extract_figures(s))
    near = [n for n, _ in contexts(s, figs)]
    assert "日本" not in near[0] and "韩国" in near[0]
    assert "韩国" not in near[1] and "日本" in near[1]
    assert "日本" in near[3] and "韩国" not in near[3]
    s = "2023年货物吞吐量突破7亿吨，集装箱吞吐量首破3000万标准箱，稳居全球第四位、第五位。"
    figs = tuple(extract_figures(s))
    near = [n for n, _ in contexts(s, figs)]
    assert "货物" in near[2] and "集装箱" in near[3]


def test_indicators_tell_export_from_trade() -> None:
    assert indicators("外贸进出口", "")["flow"] == {"trade"}
    assert indicators("出口", "")["flow"] == {"export"}
    assert indicators("跃居全球", "货物吞吐量跃居全球第四，集装箱超越釜山港，")["cargo"] == {"container"}


# ---- mistake classes, on news written for these tests (tests/data/understand_news.jsonl) ----------

NEWS = ROOT / "tests" / "data" / "understand_news.jsonl"


@pytest.fixture(scope="module")
def news_service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A small index of news written for the checker's mistake classes (real encoder)."""
    from rag.embed import load_encoder
    from rag.ingest import load_paths
    from rag.service import RagService
    from rag.store import IndexWriter

    folder = tmp_path_factory.mktemp("understand-news")
    IndexWriter(folder, load_encoder()).apply(add=load_paths([NEWS]))
    svc = RagService(folder)
    svc.load()
    return svc


MISTAKES = [
    # subject: a partner's, a part's or a district's figure is not the whole's
    ("2024年1-5月青州市外贸进出口总值210.6亿元。", "refuted", "1234.5亿元"),
    ("2023年青州市外贸进出口总值412.5亿元。", "refuted", "2890.3亿元"),
    ("2024年1-5月青州市服务进出口1234.5亿元。", "refuted", "95.7亿元"),
    # period: part of the year is not the year; 截至5月底 is not the year's end; 前年, 二〇二三年, 前三季度
    ("2024年青州市外贸进出口总值1234.5亿元。", "not_enough_info", None),
    ("2024年青州市有进出口实绩的外贸企业达3120家。", "not_enough_info", None),
    ("2021年青州市新建5G基站1800个。", "supported", None),
    ("2023年前三季度青州市规模以上工业增加值增长7.5%。", "supported", None),
    ("2023年青州市规模以上工业增加值增长7.5%。", "not_enough_info", None),
    # status: a forecast or a target is not a result
    ("2024年青州市外贸进出口突破3000亿元。", "not_enough_info", None),
    ("预计2024年青州市外贸进出口将突破3000亿元。", "supported", None),
    ("2025年青州市外贸进出口达到3300亿元。", "not_enough_info", None),
    # context: 其中，出口… takes 1-5月 and 青州市 from the sentence before; 大桥 is the headline's bridge
    ("2024年1-5月，青州市出口801.2亿元。", "supported", None),
    ("2024年1-5月，青州市出口901.2亿元。", "refuted", "801.2亿元"),
    ("青州跨海大桥全长约12公里。", "supported", None),
    ("青州跨海大桥全长约15公里。", "refuted", "约12公里"),
    # lists: 分别 aligned item by item
    ("2024年1-5月青州市对日本进出口144.4亿元。", "supported", None),
    ("2024年1-5月青州市对日本进出口155.2亿元。", "refuted", "144.4亿元"),
    # words are figures on both sides: 一半以上 in the source meets 过半 in the claim
    ("2023年青州市民营企业进出口占全市进出口过半。", "supported", None),
    ("2023年青州市民营企业进出口占全市进出口的三成。", "refuted", "一半以上"),
    # a claim that repeats a source sentence: numbers the extractor does not read are compared in place
    ("9月1日8时20分，首辆汽车驶上大桥。", "refuted", "8时30分"),
    ("9月1日8时30分，首辆汽车驶上大桥。", "supported", None),
    ("当晚的通车纪念赛上，青州队以86:80战胜临州队。", "refuted", "84:80"),
    # traditional characters: compared folded, quoted as written
    ("2022年青州港货物吞吐量5.6亿吨。", "supported", None),
    ("2022年青州港貨物吞吐量達到6.6億噸。", "refuted", "5.6億噸"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("claim", "verdict", "figure"), MISTAKES)
def test_mistake_classes(news_service: Any, claim: str, verdict: str, figure: str | None) -> None:
    result, _ = news_service.check(claim)
    assert result.verdict == verdict, result.explanation
    if figure is not None:
        assert figure in result.explanation
        assert any(figure in c.text for c in result.evidence)


@pytest.mark.slow
def test_traditional_evidence_is_quoted_as_written(news_service: Any) -> None:
    result, _ = news_service.check("2022年青州港货物吞吐量6.6亿吨。")
    assert result.verdict == "refuted"
    (fig,) = result.figures
    assert fig.compared_with is not None and fig.compared_with.raw == "5.6億噸"
    assert "貨物吞吐量達到5.6億噸" in result.explanation
    assert all(c.quote in c.text for c in result.evidence)
    written, _ = news_service.check("2022年青州港貨物吞吐量達到6.6億噸。")
    assert "声明为“6.6億噸”" in written.explanation  # the claim's figure as the claim wrote it


@pytest.mark.slow
def test_draft_sentences_inherit_the_year_only_when_they_continue(news_service: Any) -> None:
    draft = "2023年，青州市外贸进出口总值2890.3亿元。其中，北城区进出口412.5亿元。“青州跨海大桥”全长约12公里。"
    results, _ = news_service.check_text(draft)
    assert [r.verdict for r in results] == ["supported", "supported", "supported"]
    assert results[1].figures[0].period == "2023年"
    assert results[2].figures[0].period == ""
