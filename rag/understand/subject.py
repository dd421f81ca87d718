"""What a figure is about: its indicator (mutually exclusive words such as 出口/进口/进出口), the
scope of a rank or share, the trade partner (对东盟进出口 is not the city's total) and the place it is
about (a place that opens its clause, never a partner, a base, a destination or the city's own office).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import (
    CLAUSE_SPLIT,
    GENERIC_PLACES,
    LEADING_FILLER,
    REPORTING,
    content_words,
    part_credit,
    places_in,
    pos_cut,
)
from .lexicon import (
    SOFT_TERMS as SOFT,
)

# ---- indicators: mutually exclusive words. A figure's value for a group is the members named in the
# nearest clause before it that names any; a claim and an evidence figure must share one.
GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    # 进出口 first: 出口 and 进口 inside it are not separate mentions
    "flow": (("进出口", "trade"), ("出口", "export"), ("进口", "import")),
    "cargo": (("货物", "cargo"), ("货运", "cargo"), ("集装箱", "container"), ("标准箱", "container"), ("旅客", "passenger")),
    "capital": (("外资", "foreign"), ("外商", "foreign"), ("内资", "domestic")),
    "basis": (("增速", "rate"), ("增幅", "rate"), ("增长率", "rate"), ("总值", "total"), ("总额", "total"), ("规模", "total"), ("总量", "total")),
}
# The scope of a rank or a share: 全球第六 is not 全省第一; 占全市 is not 占全省.
SCOPES = (
    ("全球", "world"), ("世界", "world"), ("全国", "nation"), ("国内", "nation"), ("我国", "nation"),
    ("副省级城市", "subprov"), ("全省", "province"), ("山东省", "province"), ("全市", "city"),
)
_PARTNER = re.compile(r"对([^，,；;。对]{1,16}?)(?:分别)?(?:进出口|出口|进口|贸易|投资)")
_ABROAD = frozenset({"外", "外的"})  # 对外贸易, 对外投资: the city's own foreign trade, not a partner

Indicators = dict[str, frozenset[str]]


def mentions(text: str) -> Indicators:
    """Group values named in a stretch of text (出口 inside 进出口 is not an export)."""
    out: Indicators = {}
    for group, members in GROUPS.items():
        masked = text
        found: set[str] = set()
        for word, value in members:
            if word in masked:
                found.add(value)
                masked = masked.replace(word, "\x00" * len(word))
        if found:
            out[group] = frozenset(found)
    return out


def indicators(near: str, before: str) -> Indicators:
    """Per group, the members of the nearest clause that names any: the figure's own context first,
    then the clauses before it in the sentence (集装箱超越釜山港，跃居全球第六 → container)."""
    out = mentions(near)
    for clause in reversed([c for c in CLAUSE_SPLIT.split(before) if c]):
        for group, values in mentions(clause).items():
            out.setdefault(group, values)
    return out


def indicators_agree(claim: Indicators, evidence: Indicators) -> bool:
    """Every group both name has a member in common (出口 is not 进口; 货物 is not 集装箱)."""
    return all(g not in evidence or bool(v & evidence[g]) for g, v in claim.items())


# ---- the maximal indicator term: 服务进出口 is a part of 进出口, 外贸进出口 is 进出口 itself
_FLOW_HEAD = re.compile(r"进出口|(?<!进)出口|进口")
_WHOLE_WORDS = frozenset("外贸 货物 货物贸易 商品 对外贸易 贸易总额 全市 全省 全国 本市 我市 企业 公司".split())
_MODIFIER_POS = ("n", "vn", "l", "j", "nz", "a", "eng", "x")


def modifiers(near: str, measure: str = "level") -> tuple[str, ...] | None:
    """The words that narrow a trade flow to a part of it, read back from the flow word nearest the
    figure (青州市服务进出口 → (服务,); 民营企业进出口 → (民营企业,); 外贸进出口总值 → ()), stopping at a
    place, a preposition or a verb (for a share, before its 占); None when the context names no flow."""
    if measure == "share" and "占" in near:
        near = near[: near.rfind("占")]  # 民营企业进出口占全市进出口的七成: the part, not the base
    heads = list(_FLOW_HEAD.finditer(near))
    if not heads:
        return None
    head = heads[-1]
    clause = CLAUSE_SPLIT.split(near[: head.start()])[-1]
    to_partner = re.search(r"对[^，,；;。对]{1,16}?(?:分别)?$", clause)
    if to_partner:
        clause = clause[: to_partner.start()]  # 对东盟进出口: the partner is read by partner()
    out: list[str] = []
    for w, flag in reversed(pos_cut(clause)):
        if w in _WHOLE_WORDS or w in SOFT:
            continue
        chinese = re.fullmatch(r"[\u4e00-\u9fff]+", w) is not None
        if not chinese or not flag.startswith(_MODIFIER_POS) or w in GENERIC_PLACES or flag in ("ns", "nt"):
            break
        out.append(w)
    return tuple(reversed(out))


def modifiers_agree(claim: tuple[str, ...] | None, evidence: tuple[str, ...] | None) -> bool:
    """A part of a flow is not the flow (服务进出口 ≠ 进出口), nor another part (民营企业 ≠ 国有企业)."""
    if claim is None or evidence is None:
        return True
    c, e = "".join(claim), "".join(evidence)
    return all(part_credit(w, e) >= 0.5 for w in claim) and all(part_credit(w, c) >= 0.5 for w in evidence)


def partner(near: str) -> str:
    """The trade partner a figure is about (对东盟进出口 → 东盟); "" for the city's own total."""
    found = [f for f in _PARTNER.findall(near) if f not in _ABROAD]
    return re.sub(r"[和与及、]$", "", found[-1]) if found else ""


def partners_agree(claim: str, evidence: str, text: str = "") -> bool:
    """Trade with 东盟 is not the total, nor trade with 日本; but an evidence partner that the asking
    `text` names without 对 (东盟连续3年保持第一大贸易伙伴) is what it is about."""
    if evidence and not claim and text and partners_agree(evidence, text):
        return True
    if not claim or not evidence:
        return claim == evidence
    return max(part_credit(w, evidence) for w in content_words(claim) or [claim]) >= 0.5


def scope(near: str) -> str | None:
    """The scope a rank or share is within, from its own clause (跃居全球 → world)."""
    best, pos = None, -1
    for word, value in SCOPES:
        i = near.rfind(word)
        if i > pos:
            best, pos = value, i
    return best


# ---- places ---------------------------------------------------------------------------------------

_NOT_SUBJECT_BEFORE = ("和", "、", "及", "至", "到", "越", "赴", "往", "达", "市", "省")
_BASE_WINDOW = re.compile(r"[对占较比与同向在居]")


@lru_cache(maxsize=20_000)
def place_marks(text: str) -> tuple[tuple[str, int], ...]:
    """Places in a text that can be a figure's subject, with offsets: not partners, bases, list tails or
    destinations (对东盟, 占山东省, 居深圳、宁波…之后, 在新加坡), nor the city's own offices (市税务局)."""
    marks = []
    pos = 0
    for w, flag in pos_cut(text):
        i = text.find(w, pos)
        if i < 0:
            continue
        pos = i + len(w)
        if flag not in ("ns", "nt") or len(w) < 2 or w in GENERIC_PLACES:
            continue
        if text[max(0, i - 2) : i].endswith(_NOT_SUBJECT_BEFORE) or _BASE_WINDOW.search(text[max(0, i - 4) : i]):
            continue
        marks.append((w, i))
    return tuple(marks)


def subject_place(text: str, end: int) -> str:
    """The place a figure at `end` is about: a place in its own clause, else the place that heads the
    sentence's subject (山东港口青岛港作为… → 青岛港), else "". A reporting office (青岛市商务局数据显示)
    is who reports, not what."""
    clause_start = max((m.end() for m in CLAUSE_SPLIT.finditer(text, 0, end)), default=0)
    marks = [w for w, i in place_marks(text) if clause_start <= i < end]
    if marks:
        return marks[-1]
    for clause in CLAUSE_SPLIT.split(text[:clause_start]):
        if REPORTING.search(clause):
            continue
        place = ""
        for w, flag in pos_cut(LEADING_FILLER.sub("", clause.strip())):
            if flag not in ("n", "ns", "nt", "nz", "x", "j"):
                break
            if flag == "ns" and len(w) >= 2 and w not in GENERIC_PLACES:
                place = w
        if place:
            return place
    return ""


def same_place(a: str, b: str) -> bool:
    """青岛 is 青岛市 and the city of 青岛港; 山东省 is not 青岛市."""
    a, b = a.rstrip("市省"), b.rstrip("市省")
    return a in b or b in a


def is_place(word: str, places: tuple[str, ...] | list[str]) -> bool:
    """A claim's place is checked by alignment, not scored as a subject word (青岛 vs 全市)."""
    return any(word in p or p in word for p in places)


def subject_places(sentence: str) -> list[str]:
    """Places that open a clause as its subject (青岛进出口总值突破6000亿元), which override a place
    named only in the paragraph before; not partners (对韩国和日本分别进出口) nor the city's own
    offices (市税务局)."""
    out = []
    for clause in re.split(r"[，；：,;:]", sentence):
        head = LEADING_FILLER.sub("", clause.strip())[:6]
        for p in places_in(clause):
            at = clause.find(p)
            if p[0] in "市省区县" or (at > 0 and clause[at - 1] in "市省区县"):
                continue
            i = head.find(p)
            if i == 0 or (i == 1 and head[0] not in "对与同向和及"):
                out.append(p)
    return out


_NAME_POS = ("n", "ns", "nt", "nz", "j", "x")


def resolve_anaphor(word: str, title: str) -> str:
    """A short name that the headline spells out (大桥 under 青州跨海大桥正式通车 → 青州跨海大桥): the
    noun phrase of the headline that ends with the word; the word itself when there is none."""
    if not word or not title or word not in title:
        return word
    end = title.find(word) + len(word)
    start, pos = end - len(word), 0
    spans = []
    for w, flag in pos_cut(title):
        i = title.find(w, pos)
        pos = i + len(w)
        spans.append((i, pos, flag))
    for i, j, flag in reversed(spans):
        if not (flag.startswith(_NAME_POS) and re.fullmatch(r"[\u4e00-\u9fff]+", title[i:j])):
            continue
        if i < start < j or j == start:  # the token the word begins inside, then the names before it
            start = i
    return title[start:end]
