"""Status: whether a figure is a result (actual), a forecast (预计) or a target (力争) — the one rule
the answerer and the checker share. A forecast or target is never a result, nor the other way round.
"""

from __future__ import annotations

import re

from ..figures import FORECAST_CUES, TARGET_CUES, Figure
from ..types import Status

ANY_CUE = re.compile(TARGET_CUES.pattern + "|" + FORECAST_CUES.pattern)


def figure_status(fig: Figure) -> Status:
    """actual, forecast or target, as :func:`rag.figures.extract_figures` read it (the one rule: a cue
    in the figure's own clause, else a cue that opens the sentence)."""
    return fig.status  # type: ignore[return-value]


def evidence_status(sentence: str, paragraph: str, fig: Figure) -> Status:
    """The status of an evidence figure; a figure with no cue in its clause, in a sentence or paragraph
    that has one (推动落实…行动计划，培育10个…; 今年将围绕…。持续抓好11个主题园区建设), is "unknown"."""
    status = figure_status(fig)
    if status == "actual" and (ANY_CUE.search(sentence) or ANY_CUE.search(paragraph)):
        return "unknown"
    return status


def status_agrees(claim: Status, evidence: Status) -> bool:
    """An actual figure is never judged by a forecast or a target, nor the other way round."""
    return evidence == "unknown" or (claim == "actual") == (evidence == "actual")
