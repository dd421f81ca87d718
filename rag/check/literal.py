"""A claim that repeats a source sentence: when the claim and an evidence sentence are the same text
once their numbers are masked (years kept: 2023年 is not 2024年), the numbers are compared in place.
This reads what the figure extractor does not (8时30分, 777-200, 44.5:35, 3、4名, 10岁) and is the
strongest evidence there is: the sentence itself."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from ..understand import Evidence, places_in
from ..understand.status import ANY_CUE
from .weights import WEIGHTS

# Arabic numbers with their separators (84.5:35, 777-200, 1,234), and Chinese numerals of two or more
# characters (十五, 九五) or one before its unit (五成, 三个); a year before 年 is not masked: it must match as written.
_NUMBER = re.compile(
    r"(?<![\d.])(?!(?:19|20)\d{2}年)\d+(?:[.:：/\-,]\d+)*|[零〇一二两三四五六七八九十百千]{2,}"
    r"|[一二两三四五六七八九十](?=成|倍|个|名|位|次|项|家|座|条|年|月|日|天|周|分|届|人)"
)
_SKIP = re.compile(r"[\s“”\"'‘’「」]")
_UNIT_END = frozenset("的了是在和与及到至战胜")


@dataclass(frozen=True)
class Literal:
    """The evidence sentence a claim repeats, and the first number it differs in (None: all agree)."""

    ev: Evidence
    rank: int
    ratio: float
    claim_token: str | None = None
    source_token: str | None = None
    pairs: tuple[tuple[str, str], ...] = ()  # (claim number, source number) aligned in place


def _masked(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text with each number replaced by #, and the numbers with their offsets in the masked text."""
    out: list[str] = []
    numbers: list[tuple[int, str]] = []
    pos = 0
    for m in _NUMBER.finditer(text):
        out.append(text[pos : m.start()])
        at = sum(len(p) for p in out)
        numbers.append((at, _with_unit(text, m)))
        out.append("#")
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), numbers


@lru_cache(maxsize=50_000)
def _masked_sentence(text: str) -> tuple[str, tuple[tuple[int, str], ...]]:
    """An evidence sentence masked (cached by its text: sentences recur across claims)."""
    masked, numbers = _masked(_SKIP.sub("", text))
    return masked, tuple(numbers)


def _with_unit(text: str, m: re.Match[str]) -> str:
    """A number with the character after it when that is its unit (400起, 30分, 10岁)."""
    nxt = text[m.end() : m.end() + 1]
    return m.group() + nxt if re.fullmatch(r"[\u4e00-\u9fff%]", nxt) and nxt not in _UNIT_END else m.group()


def _bare(token: str) -> str:
    """The number of a token without its unit."""
    m = _NUMBER.match(token)
    return m.group() if m else token


_MEANINGFUL = re.compile(ANY_CUE.pattern + r"|不|未|非|无|没|年|季度|月|同比|环比|增|降|减|超|近|约|以上|以下|逾|过|突破")


def _harmless(a: str, b: str, matcher: SequenceMatcher[str]) -> bool:
    """The texts differ only in words that change no figure's frame: no status cue (预计2024年… is not
    2024年…), negation, period, direction or qualifier word, and no place."""
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        for part in (a[i1:i2], b[j1:j2]):
            if _MEANINGFUL.search(part) or places_in(part):
                return False
    return True


def has_numbers(text: str) -> bool:
    """Whether a claim holds a number a literal comparison could check."""
    return _NUMBER.search(text) is not None


def literal_match(claim: str, sentences: Sequence[tuple[Evidence, int]]) -> Literal | None:
    """The evidence sentence the claim repeats (masked texts at least ``literal_ratio`` alike, numbers
    aligned), with the first number that differs; None when no sentence is repeated."""
    text = _SKIP.sub("", claim)
    masked, numbers = _masked(text)
    if not numbers:
        return None
    best: Literal | None = None
    for ev, rank in sentences:
        other, other_numbers = _masked_sentence(ev.text)
        if not other_numbers or abs(len(other) - len(masked)) > 0.3 * len(masked):
            continue
        matcher = SequenceMatcher(None, masked, other, autojunk=False)
        if matcher.real_quick_ratio() < WEIGHTS.literal_ratio or matcher.quick_ratio() < WEIGHTS.literal_ratio:
            continue  # upper bounds first: most sentences are nothing like the claim
        ratio = matcher.ratio()
        if ratio < WEIGHTS.literal_ratio or (best is not None and ratio <= best.ratio):
            continue
        if not _harmless(masked, other, matcher):
            continue
        where = dict(other_numbers)
        pairs = []
        for a, b, size in matcher.get_matching_blocks():
            for at, token in numbers:
                if a <= at < a + size and (b + at - a) in where:
                    pairs.append((token, where[b + at - a]))
        if not pairs:
            continue
        differ = next(((c, s) for c, s in pairs if _bare(c) != _bare(s)), None)
        written = _SKIP.sub("", ev.written)
        source = differ[1] if differ else None
        if differ and len(written) == len(_SKIP.sub("", ev.text)):
            i = _SKIP.sub("", ev.text).find(differ[1])
            source = written[i : i + len(differ[1])] if i >= 0 else differ[1]  # as written (traditional)
        best = Literal(ev, rank, ratio, differ[0] if differ else None, source, tuple(pairs))
    return best
