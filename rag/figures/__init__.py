"""Figures in Chinese news sentences: extraction, periods and claim-vs-evidence comparison.

Every figure is a frozen :class:`Figure` with its raw text and offsets, a value in base units, the
unit and kind, the qualifier and an interval ``[low, high]`` built from the qualifier and the written
precision, what it measures (level, growth, share, rank), its status and the period that governs it.
The regexes are ours (no library reads 1-5月, 近七成 or 3000余个 correctly); cn2an only turns Chinese
numerals into numbers and is imported on first use, so ``import rag.figures`` stays cheap.

Interval rules (``N`` is the written number in base units; ``step`` is one unit of the last *written*
digit, ``sig`` one unit of the last *significant* digit: 9117.2亿 → step 0.1亿; 600亿 → step 1亿,
sig 100亿; 三千 → step = sig = 1000; 七成 → 10 percent):

* exact            ``[N - step/2, N + step/2]`` (9117亿 → ±0.5亿, 7亿吨 → [6.5亿, 7.5亿], 69.8% → ±0.05).
  Ranks, fractions and 翻番 are exact points ``[N, N]``.
* gt 超/超过/逾/突破/首破/过/高于/多于
                   ``[N, N + sig)``: the newspaper reading, 突破7亿 → [7亿, 8亿), 超600亿 → [600亿, 700亿).
* gt 以上/不少于/不低于/至少
                   ``[N, inf)`` (八成以上 → [80, inf)).
* lt 不到          ``[0.9·N, N)``; lt 不足/低于/少于/以下/以内 → ``[0, N)``, ``(-inf, N)`` for growth,
  percentage points and N ≤ 0.
* near 近/接近/将近 ``[0.9·N, N]`` (近七成 → [63, 70]).  Before a duration 近 means "the past" (近3年)
  and is left out of the figure.
* approx 约/大约/左右/上下
                   ``[min(N - step/2, 0.95·N), max(N + step/2, 1.05·N)]``.
* range N余/N多/N几 ``[N, N + sig)`` (3000余 → [3000, 4000), 170多 → [170, 180)); 数十/几百 →
  ``[2·u, 10·u)``, value = the low end; ``A至B`` (13000至15000载箱量) is *one* figure, value A,
  ``[A - stepA/2, B + stepB/2]``.
* 前N位 is a rank with qualifier lt and interval ``[1, N]``.

The high end is open (excluded) for finite gt, range and lt intervals except ranks; :func:`compare`
honours that, so 突破8亿吨 [8亿, 9亿) and 突破7亿吨 [7亿, 8亿) are disjoint.

Figures in a list (``A、B``, ``A和B``) share the first one's context, measure and prefix qualifier:
in 分别增长4.5%和4.8% both are growth; in 突破7000亿元、8000亿元 both are gt.

Other readings: N成 and fractions (1/4, 三分之一) are percentages, read as shares unless a growth word
precedes them; 增长1.5倍 is a growth multiple of 1.5 as written (not ×2.5); 上升两位 is a rank that
grew by 2; 亩/公顷 become m2 and 公斤 tons. Years, dates, months, quarters and 十三五 are periods, never
figures. A figure's period is the nearest one before it in its clause, else a period that is a clause of
its own (“十三五”期间，), else the nearest before it; comparison bases (较“十二五”末) never govern, and a
period without a year (全年) takes the year of an earlier one. Status (the one rule, read by
rag.understand): the nearest target (力争, 计划, 目标) or forecast (预计, 有望, 将) cue before the figure
in its clause, else in the rest of its clause; else a result word in its clause (实际, 累计, 已, 完成,
实现) makes it actual; else the nearest cue earlier in its sentence.

Modules: records (Figure, Period), numerals (lexicon and numbers), periods, extract, compare.
"""

from .compare import compare
from .extract import extract_figures
from .numerals import FORECAST_CUES, TARGET_CUES
from .periods import extract_periods, resolve_year
from .records import EMPTY_PERIOD, Figure, Period

__all__ = [
    "EMPTY_PERIOD",
    "FORECAST_CUES",
    "TARGET_CUES",
    "Figure",
    "Period",
    "compare",
    "extract_figures",
    "extract_periods",
    "resolve_year",
]
