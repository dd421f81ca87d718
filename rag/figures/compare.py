"""Comparing a claim figure with an evidence figure as intervals."""

from __future__ import annotations

import math

from ..types import Comparison
from .records import Figure

# ---------------------------------------------------------------------------------------------------
# Comparison

_BASE_UNITS = {"km": ("m", 1000.0), "km2": ("m2", 1e6)}
_LOOSE_KINDS = frozenset(["amount", "count", "quantity"])


def _base(fig: Figure) -> tuple[str, float]:
    """km and km2 compare with m and m2."""
    return _BASE_UNITS.get(fig.unit, (fig.unit, 1.0))


def _open_top(fig: Figure) -> bool:
    """Whether `high` itself is excluded: 突破7亿 is below 8亿."""
    finite = math.isfinite(fig.high) and fig.high > fig.low
    return finite and fig.kind != "rank" and fig.qualifier in ("gt", "range", "lt")


def compare(claim: Figure, evidence: Figure) -> Comparison:
    """Compare a claim's figure with an evidence figure: "supports", "refutes" or "incomparable".

    Different currencies refute; different dimensions (percent vs amount, ton vs TEU) or a growth
    against a level are incomparable; opposite growth directions refute. Otherwise the evidence
    supports when its value lies in the claim's interval or its interval lies inside the claim's (or
    half of it overlaps), refutes when the intervals are disjoint or only touch (2天 vs 1天), and is
    incomparable in between.
    """
    c_unit, c_factor = _base(claim)
    e_unit, e_factor = _base(evidence)
    if claim.kind == evidence.kind == "amount" and c_unit and e_unit and c_unit != e_unit:
        return "refutes"
    if claim.kind != evidence.kind or c_unit != e_unit:
        loose = {claim.kind, evidence.kind} <= _LOOSE_KINDS and "" in (c_unit, e_unit)
        if not loose:
            return "incomparable"
    if (claim.measure == "growth") != (evidence.measure == "growth"):
        return "incomparable"
    if claim.measure == "growth" and claim.direction * evidence.direction < 0:
        return "refutes"
    c_low, c_high = claim.low * c_factor, claim.high * c_factor
    e_low, e_high = evidence.low * e_factor, evidence.high * e_factor
    c_open, e_open = _open_top(claim), _open_top(evidence)
    if e_high < c_low or c_high < e_low or (e_high == c_low and e_open) or (c_high == e_low and c_open):
        return "refutes"
    if _within(c_low, c_high, c_open, e_low, e_high, evidence.value * e_factor):
        return "supports"
    touching = min(c_high, e_high) - max(c_low, e_low) <= 0
    if touching and claim.value != evidence.value and not _within(e_low, e_high, e_open, c_low, c_high, claim.value * c_factor):
        return "refutes"  # intervals that only touch: 2天 [1.5, 2.5] vs 1天 [0.5, 1.5]
    return "incomparable"


def _within(low: float, high: float, is_open: bool, o_low: float, o_high: float, o_value: float) -> bool:
    """The other figure's value lies in [low, high] (open at the top when is_open), or its interval lies
    inside, or half of its interval overlaps."""
    if low <= o_value and (o_value < high or (o_value == high and not is_open)):
        return True
    if low <= o_low and o_high <= high:
        return True
    width = o_high - o_low
    return math.isfinite(width) and width > 0 and (min(high, o_high) - max(low, o_low)) / width >= 0.5
