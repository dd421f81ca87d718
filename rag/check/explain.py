"""The result of a check and its explanation: citations numbered in order of use, the source
sentence quoted verbatim with ``[n]``, the source's figure named exactly as written; and the
command-line renderings (table, json, jsonl, csv, md)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence

from ..figures import Figure
from ..present import OUTCOME_ZH, VERDICT_ZH, render_markdown, render_table, source_label
from ..textzh import normalize
from ..types import VERDICTS, Citation, Outcome, Verdict
from .claim import ClaimFigure
from .judge import Match
from .literal import Literal
from .records import CheckResult, Compared, FigureCheck

NO_FIGURE = "该句没有可核查的数字。"
NOT_FOUND = "资料中没有找到可以核实该说法的信息。"

_GROWTH_VERB = re.compile(
    r"(?:同比|环比)?(?:增长|下降|增加|减少|提高|上升|提升|降低|下滑|回落|上涨|扩大|缩小|收窄|增|降|减|涨)(?:了|为|达)?$"
)


def _display(sentence: str, fig: Figure) -> str:
    """A figure as written; a growth keeps its verb (同比增长28.8%)."""
    if fig.measure == "growth" and fig.kind != "rank":
        i = fig.start if sentence[fig.start : fig.end] == fig.raw else sentence.find(fig.raw)
        m = _GROWTH_VERB.search(sentence[max(0, i - 8) : i]) if i >= 0 else None
        if m:
            return m.group() + fig.raw
    return fig.raw


Judged = tuple[ClaimFigure, Outcome, Match | None, list[Match]]


def compose(claim: str, judged: list[Judged], start: int, end: int) -> CheckResult:
    """Citations numbered in order of use, one record per claim figure, the verdict and explanation."""
    citations: list[Citation] = []
    numbers: dict[tuple[str, int], int] = {}

    def cite(m: Match) -> int:
        key = (m.ev.chunk.source, m.ev.page_start)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            c = m.ev.chunk
            citations.append(
                Citation(
                    n=numbers[key], source=c.source, article_id=c.article_id, title=c.title, date=c.date,
                    text=c.text, quote=m.ev.written, start=m.ev.page_start, end=m.ev.page_end, score=round(m.score, 4),
                )
            )
        return numbers[key]

    checks: list[FigureCheck] = []
    refuted: list[tuple[ClaimFigure, Match, int]] = []
    supported: list[tuple[ClaimFigure, Match, int]] = []
    missing: list[ClaimFigure] = []
    for cf, outcome, m, _ in judged:
        compared = None
        if m is not None:
            n = cite(m)
            compared = Compared(_source_display(m), m.ev.chunk.source, m.ev.written, n)
            (refuted if outcome == "refuted" else supported).append((cf, m, n))
        else:
            missing.append(cf)
        f = cf.written
        checks.append(FigureCheck(f.raw, f.value, f.unit, f.kind, f.measure, cf.period_label, compared, outcome))
    verdict: Verdict
    if refuted:
        verdict = "refuted"
    elif not missing:
        verdict = "supported"
    else:
        verdict = "not_enough_info"
    hints = [(cf, hint[0], cite(hint[0])) for cf, _, _, hint in judged if hint]
    explanation = _explain(claim, verdict, refuted, supported, missing, hints)
    return CheckResult(claim, verdict, explanation, tuple(checks), tuple(citations), start, end)


def _explain(
    claim: str,
    verdict: Verdict,
    refuted: list[tuple[ClaimFigure, Match, int]],
    supported: list[tuple[ClaimFigure, Match, int]],
    missing: list[ClaimFigure],
    hints: list[tuple[ClaimFigure, Match, int]],
) -> str:
    """Chinese explanation: the source sentence verbatim with [n], and the figure as the source wrote it."""
    if verdict == "supported":
        quotes: dict[int, str] = {}
        for _, m, n in supported:
            quotes.setdefault(n, m.ev.written)
        return "资料支持该说法：" + "".join(f"{q}[{n}]" for n, q in quotes.items())
    parts: list[str] = []
    if verdict == "refuted":
        quoted: set[int] = set()
        for cf, m, n in refuted:
            lead = "" if n in quoted else f"资料显示，{m.ev.written}[{n}]"
            quoted.add(n)
            parts.append(f"{lead}（核查：原文为“{_source_display(m)}”，声明为“{_claim_display(claim, cf)}”）")
        if supported:
            parts.append("其余数字与资料一致：" + "、".join(f"“{_claim_display(claim, cf)}”[{n}]" for cf, _, n in supported) + "。")
        if missing:
            parts.append("未找到可以核实" + "、".join(f"“{_claim_display(claim, cf)}”" for cf in missing) + "的数字。")
        return "".join(parts)
    looked = "、".join(f"“{_claim_display(claim, cf)}”" for cf in missing)
    parts.append(f"{NOT_FOUND}未找到与{looked}同一主体、同一时期、同一口径的数字。")
    for _, m, n in hints:
        what = {"status": "预计或目标数", "period": "其他时期的数字"}.get(m.outcome, "不足以核实的数字")
        parts.append(f"资料中相关的只有{what}“{_source_display(m)}”：{m.ev.written}[{n}]")
    if supported:
        parts.append("其中" + "、".join(f"“{_claim_display(claim, cf)}”[{n}]" for cf, _, n in supported) + "与资料一致。")
    return "".join(parts)


def _source_display(m: Match) -> str:
    """The evidence figure as the source wrote it (traditional stays traditional), growth verb included."""
    shown = _display(m.ev.text, m.fig)
    end = m.fig.end if m.ev.text[m.fig.start : m.fig.end] == m.fig.raw else -1
    if end >= len(shown) and m.ev.text[end - len(shown) : end] == shown:
        return m.ev.written[end - len(shown) : end]
    return shown


def _claim_display(claim: str, cf: ClaimFigure) -> str:
    """The claim's figure as the claim wrote it (a growth with its verb: 下降28.8%; 6.6億噸 stays traditional)."""
    norm = normalize(claim)
    shown = _display(norm, cf.written)
    at = norm.find(shown)
    return claim[at : at + len(shown)] if at >= 0 and len(norm) == len(claim) else shown


# ---- rendering for the command line

_HEADERS = {"sentence": "句子", "figure": "数字", "verdict": "结论", "corpus": "资料中的数字", "source": "来源"}


def _rows(results: Iterable[CheckResult]) -> list[dict[str, str]]:
    """One row per claim figure (the sentence on its first row only); a sentence without figures gets one."""
    rows = []
    for r in results:
        if not r.figures:
            rows.append({"sentence": r.claim, "figure": "", "verdict": VERDICT_ZH[r.verdict], "corpus": "", "source": ""})
        for i, f in enumerate(r.figures):
            cw = f.compared_with
            rows.append(
                {
                    "sentence": r.claim if i == 0 else "",
                    "figure": f.raw,
                    "verdict": OUTCOME_ZH.get(f.outcome, f.outcome),
                    "corpus": cw.raw if cw else "",
                    "source": _source_label(r, cw.n) if cw else "",
                }
            )
    return rows


def _source_label(r: CheckResult, n: int) -> str:
    """[n]《title》（date, page): enough to find the passage in the paper."""
    c = next((c for c in r.evidence if c.n == n), None)
    return source_label(n, c.title, c.date, c.source) if c else f"[{n}]"


def render_results(results: Sequence[CheckResult], fmt: str = "table") -> str:
    """Results for the command line: table (aligned for CJK, with a summary line), json, jsonl, csv, md."""
    if fmt == "json":
        return json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2)
    if fmt == "jsonl":
        return "\n".join(json.dumps(r.to_dict(), ensure_ascii=False) for r in results)
    if fmt not in ("table", "csv", "md"):
        raise ValueError(f"unknown format {fmt!r}; use table, json, jsonl, csv or md")
    rows = _rows(results)
    keys = list(_HEADERS)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
        writer.writerow(_HEADERS)
        writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
    if fmt == "md":
        return render_markdown(_HEADERS, rows)
    if not rows:
        return "没有找到含数字的句子。"
    lines = [render_table(_HEADERS, rows)]
    counts = {v: sum(1 for r in results if r.verdict == v) for v in VERDICTS}
    lines.append(
        f"共 {len(results)} 句：{VERDICT_ZH['supported']} {counts['supported']}，"
        f"{VERDICT_ZH['refuted']} {counts['refuted']}，{VERDICT_ZH['not_enough_info']} {counts['not_enough_info']}"
    )
    return "\n".join(lines)


def _token_value(token: str) -> float:
    m = re.match(r"\d+(?:\.\d+)?", token)
    return float(m.group()) if m else 0.0


def compose_literal(claim: str, lit: Literal, start: int, end: int) -> CheckResult:
    """The verdict on a claim that repeats a source sentence: the numbers compared in place."""
    ev = lit.ev
    c = ev.chunk
    cite = Citation(1, c.source, c.article_id, c.title, c.date, c.text, ev.written, ev.page_start, ev.page_end, round(lit.ratio, 4))
    compared = Compared(lit.source_token or "", c.source, ev.written, 1)
    if lit.claim_token is not None:
        fig = FigureCheck(lit.claim_token, _token_value(lit.claim_token), "", "literal", "level", "", compared, "refuted")
        explanation = f"资料显示，{ev.written}[1]（核查：原文为“{lit.source_token}”，声明为“{lit.claim_token}”）"
        return CheckResult(claim, "refuted", explanation, (fig,), (cite,), start, end)
    figs = tuple(
        FigureCheck(t, _token_value(t), "", "literal", "level", "", Compared(s, c.source, ev.written, 1), "supported")
        for t, s in lit.pairs
    )
    return CheckResult(claim, "supported", f"资料支持该说法：{ev.written}[1]", figs, (cite,), start, end)
