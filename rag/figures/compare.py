"""Comparing a claim figure with an evidence figure as intervals."""

from __future__ import annotations

import math

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


def compare(claim: Figure, evidence: Figure) -> str:
    """Compare a claim's figure with an evidence figure: "supports", "refutes" or "incomparable".

    Different currencies refute; different dimensions (percent vs amount, ton vs TEU) or a growth
    against a level are incomparable; opposite growth directions refute. Otherwise the evidence
    supports when its value lies in the claim's interval or its interval lies inside the claim's (or
    half of it overlaps), refutes when the intervals are disjoint, and is incomparable in between.
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
    value = evidence.value * e_factor
    c_open, e_open = _open_top(claim), _open_top(evidence)
    if e_high < c_low or c_high < e_low or (e_high == c_low and e_open) or (c_high == e_low and c_open):
        return "refutes"
    if c_low <= value and (value < c_high or (value == c_high and not c_open)):
        return "supports"
    if c_low <= e_low and e_high <= c_high:
        return "supports"
    width = e_high - e_low
    if math.isfinite(width) and width > 0 and (min(c_high, e_high) - max(c_low, e_low)) / width >= 0.5:
        return "supports"
    return "incomparable"
