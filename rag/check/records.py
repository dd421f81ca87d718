"""What the checker returns: one result per claim (or draft sentence), one record per claim figure.
The shapes (and their ``to_dict``) are the HTTP contract: change them by adding, never renaming."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..types import Citation, Outcome, Verdict


@dataclass(frozen=True)
class Compared:
    """The evidence figure a claim figure was judged against."""

    raw: str  # as the source wrote it (growth with its verb: 增长28.8%)
    source: str
    quote: str
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"raw": self.raw, "source": self.source, "quote": self.quote, "n": self.n}


@dataclass(frozen=True)
class FigureCheck:
    """One claim figure: what was parsed, what it was compared with, and the outcome."""

    raw: str
    value: float
    unit: str
    kind: str
    measure: str
    period: str
    compared_with: Compared | None
    outcome: Outcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "value": self.value,
            "unit": self.unit,
            "kind": self.kind,
            "measure": self.measure,
            "period": self.period,
            "compared_with": self.compared_with.to_dict() if self.compared_with else None,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one claim (or one sentence of a draft, with its offsets in the draft)."""

    claim: str
    verdict: Verdict
    explanation: str
    figures: tuple[FigureCheck, ...] = ()
    evidence: tuple[Citation, ...] = ()
    start: int = 0
    end: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "verdict": self.verdict,
            "explanation": self.explanation,
            "figures": [f.to_dict() for f in self.figures],
            "evidence": [c.to_dict() for c in self.evidence],
            "start": self.start,
            "end": self.end,
            "timings_ms": dict(self.timings_ms),
        }
