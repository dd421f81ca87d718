"""The records: a figure with its interval, measure, status and period; a period."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    """A time expression: absolute year, relative year (今年 = 0), month span and five-year plan."""

    year: int | None
    start_month: int | None
    end_month: int | None
    label: str
    relative: int | None
    plan: str | None


EMPTY_PERIOD = Period(None, None, None, "", None, None)


@dataclass(frozen=True)
class Figure:
    """One figure of a sentence; see the module docstring for the interval rules."""

    raw: str
    start: int
    end: int
    number: str
    value: float
    low: float
    high: float
    unit: str
    counter: str
    scale: str
    qualifier: str
    kind: str
    measure: str
    direction: int
    status: str
    period: Period
    context: str
