"""Claim verification: records (:mod:`.records`), claim figures (:mod:`.claim`), judging one figure
(:mod:`.judge`), the result and its explanation (:mod:`.explain`) and the checker (:mod:`.checker`).
Every weight is in :mod:`.weights`."""

from ..present import OUTCOME_ZH, VERDICT_ZH
from ..types import VERDICTS
from .checker import Checker
from .claim import extract_claim_figures
from .explain import render_results
from .records import CheckResult, Compared, FigureCheck
from .weights import WEIGHTS, CheckWeights

__all__ = [
    "OUTCOME_ZH", "VERDICTS", "VERDICT_ZH", "WEIGHTS", "CheckResult", "CheckWeights", "Checker", "Compared",
    "FigureCheck", "extract_claim_figures", "render_results",
]
