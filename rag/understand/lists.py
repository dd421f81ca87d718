"""Lists and pairs: which words before a figure are its own subject. A run of figures read
respectively (对韩国和日本分别进出口755.2亿元和644.4亿元) gives each figure its own item; a figure
with no words of its own borrows the clause or figure before it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ..figures import Figure
from .lexicon import content_words, is_word, pos_cut
from .subject import mentions

_LIST_SPLIT = re.compile(r"[、和与及]")
_RESPECTIVELY = re.compile(r"分别|分居|分列|依次")
# 由/从 A (a verb) 至/到 B: B is the same thing's new level, and has A's subject (时长由6天压缩至1天).
_FROM = re.compile(r"(?:由|从)(?:[上去前今本]年的?|原来的?|原先的?)?$")
_CLASS_NOUN = re.compile(r"[\u4e00-\u9fff]{1,8}")
_TO = re.compile(r"[\u4e00-\u9fff]{0,6}?(?:至|到)$")


def after_noun(sentence: str, fig: Figure) -> str:
    """What a count counts (87个外资项目, 15个副省级城市): the words right after it."""
    if fig.kind not in ("count", "quantity") or not fig.counter:
        return ""
    return re.split(r"[，。；、,;：:的]", sentence[fig.end : fig.end + 8])[0]


def list_items(text: str) -> list[str]:
    """X、Y和Z before 分别 → [X, Y, Z], the outer ones trimmed to the word at the seam (对韩国 → 韩国)."""
    parts = _LIST_SPLIT.split(text)
    if len(parts) < 2 or any(not p.strip() for p in parts):
        return []
    first = [w for w, _ in pos_cut(parts[0]) if w.strip()]
    last = [w for w, _ in pos_cut(parts[-1]) if w.strip()]
    if not first or not last:
        return []
    items = [first[-1], *parts[1:-1]]
    # one jieba word for the whole last part (汽车出口) holds the noun the list shares; two (电子产品 出口) do not
    return [*items, _without_shared_head(last[0], items) if len(last) == 1 else last[0]]


def _without_shared_head(word: str, others: Sequence[str]) -> str:
    """The last item of 船舶、家电、汽车出口 is 汽车: jieba's one word 汽车出口 ends with the noun the
    whole list shares. A last word longer than every other item is cut before the shortest
    dictionary word it ends with that no other item ends with (电子产品出口 → 电子产品)."""
    if len(word) <= max(len(o) for o in others):
        return word
    for i in range(len(word) - 2, 1, -1):  # the shortest shared head (of two characters or more) first
        head, tail = word[:i], word[i:]
        if is_word(tail) and not any(o.endswith(tail) for o in others):
            return head
    return word


def items_after(sentence: str, end: int, k: int) -> list[str]:
    """The k items a run of figures read respectively is about when they follow it (分别为2.4亿美元和
    3000万美元的甲项目、乙项目 → [甲项目, 乙项目]); [] unless the clause after 的 lists exactly k."""
    m = re.match(r"的([^，,；;。：:]+)", sentence[end:])
    if not m:
        return []
    for split in ("、", _LIST_SPLIT):
        parts = re.split(split, m.group(1))
        if len(parts) == k and all(p.strip() for p in parts):
            return parts
    return []


def figure_runs(sentence: str, figs: Sequence[Figure]) -> list[list[int]]:
    """Runs of figures joined by 、/和/与/及 (755.2亿元和644.4亿元)."""
    runs: list[list[int]] = []
    for i, f in enumerate(figs):
        if i and runs and sentence[figs[i - 1].end : f.start] in ("、", "和", "与", "及", "以及"):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


@lru_cache(maxsize=20_000)
def contexts(sentence: str, figs: tuple[Figure, ...]) -> tuple[tuple[str, str], ...]:
    """Each figure's subject context (near) and the words written for it alone (own).

    A figure with no subject words of its own takes the clause before it (集装箱超越釜山港，跃居全球第六)
    or the figure before it (出口5361.1亿元，同比增长9%), with the item it names in place of the one
    before (高于全国4.4个、全省2.9个百分点); a share takes what the clause before it is
    about (“新三样”产品出口增长49.3%，占全省出口的42%). Lists read respectively: a run of k figures whose
    context names k items before 分别/分居 gets one item each (对韩国和日本分别进出口755.2亿元和644.4亿元 →
    韩国 / 日本); a run of k figures with no subject right after k figures of another measure takes
    theirs in order (货物…7亿吨，集装箱…3000万标准箱，稳居全球第四位、第五位); items may also follow
    the run (分别为2.4亿美元和3000万美元的甲项目、乙项目). The new level of a change
    from one figure to another takes the first one's words (时长由6天压缩至1天: 1天 is 时长's too), and
    a count of a class named by a threshold takes it (引进亿元以上重大项目230个).
    """
    out = [f.context + after_noun(sentence, f) for f in figs]
    own = [f.context for f in figs]
    for i in range(1, len(figs)):
        gap = sentence[figs[i - 1].end : figs[i].start]
        if _FROM.search(figs[i - 1].context) and _TO.match(gap):
            own[i] = own[i - 1] + gap  # 时长由6天压缩至1天: both are 时长's
            out[i] = own[i] + after_noun(sentence, figs[i])
            continue
        if figs[i].kind == "count" and figs[i - 1].qualifier in ("gt", "lt") and _CLASS_NOUN.fullmatch(gap):
            # 引进亿元以上重大项目230个: the threshold names the class counted, it is no subject of its own
            own[i] = own[i - 1] + sentence[figs[i - 1].start : figs[i - 1].end] + gap
            out[i] = own[i] + after_noun(sentence, figs[i])
            continue
        if content_words(figs[i].context):
            continue
        # words before the gap's first comma end the figure before (250.03亿元收入，同比增长17%)
        pieces = re.split(r"[，,]", gap, maxsplit=1)
        fresh = pieces[1] if len(pieces) == 2 else gap
        if content_words(fresh):
            out[i] = fresh.lstrip("，,、；;") + after_noun(sentence, figs[i])
        elif not re.search(r"[。！？!?；;\n]", gap):
            item = gap.lstrip("、和与及")
            words = [w for w, _ in pos_cut(out[i - 1])]
            if item and item != gap and words:  # 高于全国4.4个、全省2.9个百分点: 全省 in place of 全国
                out[i] = "".join(words[:-1]) + item
            else:
                out[i] = out[i - 1] + gap
    for i, f in enumerate(figs):
        if i and f.measure == "share" and re.match(r"[约均]?占", f.context):
            subject = out[i - 1]  # what the figure before is about, inherited words included
            out[i] = subject + "，" + out[i]
            own[i] = subject + "，" + own[i]
    runs = figure_runs(sentence, figs)
    for c, chain in enumerate(runs):
        k = len(chain)
        if k < 2:
            continue
        head = figs[chain[0]]
        ctx = head.context
        markers = [m.start() for m in _RESPECTIVELY.finditer(ctx)]
        if markers:
            items = list_items(ctx[: markers[-1]].split("，")[-1])
            named_after = items_after(sentence, figs[chain[-1]].end, k) if len(items) != k else []
            if named_after:  # 总投资分别为2.4亿美元和3000万美元的甲项目、乙项目
                for i, item in zip(chain, named_after, strict=True):
                    own[i] = ctx + item
                    out[i] = own[i]
                continue
            listed = ctx[: markers[-1]]
            a = listed.rfind(items[0]) if len(items) == k else -1
            b = listed.rfind(items[-1]) + len(items[-1]) if a >= 0 else -1
            if a >= 0 and b > a:
                for j, i in enumerate(chain):  # 对欧盟、东盟、美国出口分别增长 → 对东盟出口分别增长
                    mine = ctx[:a] + items[j] + ctx[b:]
                    out[i] = mine + after_noun(sentence, figs[i])
                    own[i] = mine
                continue
        if mentions(ctx) or c == 0:
            continue
        prev_run = [i for ch in runs[:c] for i in ch][-k:]
        if len(prev_run) == k and all(figs[p].measure != head.measure or figs[p].kind != head.kind for p in prev_run):
            for j, i in enumerate(chain):
                out[i] = out[prev_run[j]] + "，" + ctx
    return tuple(zip(out, own, strict=True))
