"""Status: whether a figure is a result (actual), a forecast (预计) or a target (力争) — the one rule
the answerer and the checker share. A forecast or target is never a result, nor the other way round.
"""

from __future__ import annotations

import re

from ..figures import FORECAST_CUES, TARGET_CUES, Figure
from ..types import Status
from .lexicon import CLAUSE_SPLIT

ANY_CUE = re.compile(TARGET_CUES.pattern + "|" + FORECAST_CUES.pattern)
_LEAD_CUE = re.compile(r"^[“\"]?(?:(?:19|20)\d{2}年[，,]?)?(?:预计|预期|有望|力争|计划|目标|争取|确保)")


def figure_status(sentence: str, fig: Figure) -> Status:
    """actual, forecast or target from a cue in the figure's own clause (预计2020年完成利用外资59亿美元
    does not make the next clause's 实际使用外资323亿美元 a forecast); a sentence that opens with a cue
    (预计2020年青岛进出口6200亿元，…，年均增长8%左右) is a forecast throughout."""
    start = max((m.end() for m in CLAUSE_SPLIT.finditer(sentence, 0, fig.start)), default=0)
    end_m = CLAUSE_SPLIT.search(sentence, fig.end)
    end = end_m.start() if end_m else len(sentence)
    before = sentence[start : fig.start]
    best: Status = "actual"
    pos = -1
    for regex, status in ((TARGET_CUES, "target"), (FORECAST_CUES, "forecast")):
        for m in regex.finditer(before):
            if m.start() > pos:
                best, pos = status, m.start()  # type: ignore[assignment]
    if pos >= 0:
        return best
    after = sentence[fig.end : end]
    if TARGET_CUES.search(after):
        return "target"
    if FORECAST_CUES.search(after):
        return "forecast"
    lead = _LEAD_CUE.match(sentence.lstrip())
    if lead:
        return "forecast" if FORECAST_CUES.search(lead.group()) else "target"
    return "actual"


def evidence_status(sentence: str, paragraph: str, fig: Figure) -> Status:
    """The status of an evidence figure; a figure with no cue in its clause, in a sentence or paragraph
    that has one (推动落实…行动计划，培育10个…; 今年将围绕…。持续抓好11个主题园区建设), is "unknown"."""
    status = figure_status(sentence, fig)
    if status == "actual" and (ANY_CUE.search(sentence) or ANY_CUE.search(paragraph)):
        return "unknown"
    return status


def status_agrees(claim: Status, evidence: Status) -> bool:
    """An actual figure is never judged by a forecast or a target, nor the other way round."""
    return evidence == "unknown" or (claim == "actual") == (evidence == "actual")
