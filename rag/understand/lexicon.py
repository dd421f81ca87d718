"""Words: the one place that says which words carry content, how one text covers another's words,
and which compound a word belongs to (出口 is not in 进出口; 服务进出口 is not 进出口).

Both the answerer and the checker read subjects and indicators with these functions, so a word is
matched the same way whichever side asks.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache

from ..textzh import domain_terms, tokenize

# The size interrogatives (有多高, 多深): each asks for a measured figure.
SIZE_WORDS = ("多大", "多长", "多高", "多重", "多远", "多深", "多宽")
SIZE_ASK = "|".join(SIZE_WORDS)
# The interrogatives that mark where a question asks (a regex alternation).
ASKING = rf"多少|几|{SIZE_ASK}|第几|哪|谁|什么"
# Question words and fillers that carry no content for matching.
QUESTION_WORDS = frozenset(
    """多少 几 几个 哪些 哪几 哪几个 哪个 哪家 哪位 哪里 哪儿 哪 什么 谁 何时 什么时候 哪一年 哪年 如何 怎样 怎么
    为什么 为何 是否 是不是 吗 呢 多大 多长 多高 多重 多远 多深 多宽 第几 排第几 名次 请问 分别 一共 共 总共 共计 大约 约 左右 目前
    是 有 为 了 的 在 对 与 和 及 到 达 达到 完成 实现 情况 相关 信息 介绍 说说 告诉 我 时候 作者 时间""".split()
)
GENERIC_PLACES = frozenset(
    "中国 全国 全球 世界 国内 国际 国外 境外 海外 全省 全市 本市 我国 我市 海关 新区 市区 城区 园区 片区 全区 港区 地区".split()
)
# Words that frame an indicator without changing it: 外贸进出口总值 and 进出口 ask for the same figure.
SOFT_TERMS = frozenset(
    "外贸 总值 总额 总量 规模 累计 全年 完成 实现 达到 共计 合计 总共 数量 金额 数据 情况 期间".split()
    # nouns that name the kind of answer wanted (什么特点, 什么职务), not what the question is about
    + """特点 作用 职务 职位 颜色 形状 区别 不同 目标 目的 意思 含义 方面 用途 原因 方式 方法 级别 名字 名称
    别名 特征 功能 功效 影响 结果 内容 类型 种类 身份 工作 成就 贡献 意义 地位 样子 水平 规则 条件 要求 标准
    理由 问题 过程 经历 事情 东西 事件 部分 程度 关系 看法 评价""".split()
)
# Words about reporting or the measure, not the subject of a figure: left out of alignment.
FILLER = frozenset(
    """同比 环比 增长 下降 增加 减少 提高 上升 增速 增幅 达到 达 完成 实现 约 超过 突破 首次 首破 全年 期间 累计 共 其中
    分别 居 位居 位列 位于 排名 排在 保持 稳居 跃居 列 为 是 有 已 总计 合计 共计 超 比 较 上年 去年 今年 同期 以上 以下 左右 年均
    连续 创 历史 新高 数据 显示 统计 目前 截至 前后 当年 全市 全省 全国 本市 我市 近日 日前 同时 此外 另外 其他 各类 相关
    亿元 万元 美元 人民币 元 个 家 项 总值 总额 总量 规模 同比增长 同比下降 累计完成 实际 居于 排名第 第一 首位 之后 之前 均 值 额 量
    比重 比例 占比 份额""".split()
)
CONTENT_POS = ("n", "nr", "ns", "nt", "nz", "x", "j", "vn", "l", "v", "an", "eng")
ENTITY_POS = frozenset(["nr", "ns", "nt", "nz", "x", "j", "eng"])
NOUN_POS = ("n", "ns", "nt", "nz", "nr", "x", "j", "eng", "vn")
# What precedes a speaker's words or a report: 经理史田涛介绍，… / 青岛市商务局数据显示，…
REPORTING = re.compile(r"(?:介绍|表示|说|指出|透露|称|显示|认为|强调|获悉|了解到|报道)$")
# Openers before a clause's subject: times, connectives and reporting phrases.
LEADING_FILLER = re.compile(
    r"^(?:(?:19|20)\d{2}年|\d{1,2}月(?:\d{1,2}日)?|今年|去年|目前|其中|同时|此外|另外|近日|日前|据悉|据了解|[^，]{0,6}显示)*"
)
CLAUSE_SPLIT = re.compile(r"[，,；;：:。！？!?\n]")


def _posseg():  # type: ignore[no-untyped-def]
    import jieba.posseg

    from ..textzh import _tokenizer

    return jieba.posseg.POSTokenizer(_tokenizer())


_pos_lock = threading.Lock()
_pos_tokenizer = None


def _tagger():  # type: ignore[no-untyped-def]
    """The one part-of-speech tokenizer, made on first use."""
    global _pos_tokenizer
    with _pos_lock:
        if _pos_tokenizer is None:
            _pos_tokenizer = _posseg()
        return _pos_tokenizer


@lru_cache(maxsize=50_000)
def pos_cut(text: str) -> tuple[tuple[str, str], ...]:
    """jieba words with part-of-speech flags (one shared tokenizer with our domain dictionary)."""
    tagger = _tagger()
    with _pos_lock:
        return tuple((w, f) for w, f in tagger.lcut(text))


@lru_cache(maxsize=50_000)
def has_verb(text: str) -> bool:
    """Some word of `text` is a verb by the dictionary's own tag (引进, 增长; not 进出口, a verbal noun):
    a lookup per word, without part-of-speech tagging's HMM."""
    tags = _tagger().word_tag_tab
    from ..textzh import _tokenizer

    return any(tags.get(w, "").startswith("v") and tags.get(w) != "vn" for w in _tokenizer().lcut(text, HMM=False))


def is_word(text: str) -> bool:
    """`text` is a word of the tokenizer's dictionary (ours included)."""
    from ..textzh import _tokenizer

    return bool(_tokenizer().FREQ.get(text))


def places_in(text: str) -> frozenset[str]:
    """Place and organisation names jieba finds in a text (ns/nt), generic ones (全国, 中国) left out."""
    return frozenset(w for w, f in pos_cut(text) if f in ("ns", "nt") and len(w) >= 2 and w not in GENERIC_PLACES)


def maximal(words: Iterable[str]) -> list[str]:
    """Words that are not part of a longer one in the list (进出口总值, not also 进出口 and 总值)."""
    items = list(words)
    return [w for w in items if not any(w != u and w in u for u in items)]


# ---- compound-aware occurrence -------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _containers(term: str) -> tuple[str, ...]:
    """Domain terms that contain `term` without being it: 出口 → 进出口, 外贸进出口 …"""
    return tuple(d for d in domain_terms() if term in d and d != term)


def term_in(term: str, text: str, question: str = "") -> bool:
    """`term` occurs in `text` on its own, not only inside a longer domain term the question did not
    use: 出口 is not in 外贸进出口9117.2亿元 (a figure for 进出口), but it is in 其中：出口5361.1亿元."""
    if term not in text:
        return False
    containers = [d for d in _containers(term) if d not in question and d in text]
    if not containers:
        return True
    covered: set[int] = set()
    for d in containers:
        for m in re.finditer(re.escape(d), text):
            covered.update(range(m.start(), m.end()))
    return any(not set(range(m.start(), m.end())) <= covered for m in re.finditer(re.escape(term), text))


def has_flow(term: str, text: str) -> bool:
    """`term` occurs in `text`; 出口 and 进口 only outside 进出口 (an export is not the trade total),
    while other longer words still contain it (外贸进出口 holds 进出口)."""
    if term not in text:
        return False
    if "进出口" not in term and ("出口" in term or "进口" in term):
        return term in text.replace("进出口", "\x00")
    return True


# ---- weights and coverage ------------------------------------------------------------------------


def term_weight(term: str) -> float:
    """Longer terms are more specific: 进出口总值 counts more than 总值; framing words count little."""
    if term in SOFT_TERMS:
        return 0.5
    return 1.0 + 0.5 * min(len(term), 6)


@lru_cache(maxsize=8192)
def core_term(term: str) -> str:
    """A term without its framing words: 进出口总值 → 进出口, 外贸进出口 → 进出口."""
    for soft in SOFT_TERMS:
        if term.endswith(soft) and len(term) - len(soft) >= 2:
            term = term[: -len(soft)]
        if term.startswith(soft) and len(term) - len(soft) >= 2:
            term = term[len(soft) :]
    return term


def coverage(terms: Sequence[str], text: str) -> float:
    """Share of the terms' weight found in the text (substring match: 进出口 in 外贸进出口)."""
    if not terms:
        return 0.0
    total = sum(term_weight(t) for t in terms)
    return sum(term_weight(t) for t in terms if t in text) / total


def term_credit(word: str, text: str, question: str = "") -> float:
    """How far a question's term is in a text: 1 when it (or its core, 进出口 for 进出口总值) is;
    else the longest part of it that is (出口额 → 出口: 2/3), or 0.8 × the share of its character
    pairs when most of them are. Compound-aware through :func:`term_in`."""
    if term_in(word, text, question) or term_in(core_term(word), text, question):
        return 1.0
    n = len(word)
    part = max(
        (j - i for i in range(n) for j in range(i + 2, n + 1) if j - i < n and term_in(word[i:j], text, question)),
        default=0,
    )
    pairs = [word[i : i + 2] for i in range(n - 1)]
    share = sum(p in text for p in pairs) / len(pairs) if pairs else 0.0
    return max(part / n, 0.8 * share if share >= 0.5 else 0.0)


def _covered(word: str, text: str) -> list[bool]:
    """Which characters of `word` its parts found in `text` (two characters or more) cover."""
    n = len(word)
    covered = [False] * n
    for i in range(n):
        for j in range(n, i + 1, -1):
            if j - i < n and not all(covered[i:j]) and word[i:j] not in FILLER and has_flow(word[i:j], text):
                covered[i:j] = [True] * (j - i)
                break
    return covered


def part_credit(word: str, text: str) -> float:
    """How far a figure's subject word is in a text: 1 when it is; else the share of its characters
    covered by parts of it that are (集装箱吞吐量 against 集装箱…货物吞吐量 → 1; against 集装箱 alone → 0.5)."""
    if not text:
        return 0.0
    if has_flow(word, text):
        return 1.0
    return sum(_covered(word, text)) / len(word)


def gap(word: str, text: str) -> int:
    """The longest run of the word's characters nothing in the text covers: 国有企业 against 民营企业
    leaves 国有 (2), 进出口值 against 进出口总值 leaves 值 (1)."""
    if has_flow(word, text):
        return 0
    best = run = 0
    for c in _covered(word, text):
        run = 0 if c else run + 1
        best = max(best, run)
    return best


# ---- content words -------------------------------------------------------------------------------


def is_content(w: str) -> bool:
    """A word that can name a subject: Chinese (or a Latin name), two characters or more, no filler,
    number or period."""
    if len(w) < 2 or not re.search(r"[\u4e00-\u9fff]|^[A-Za-z]{2,}$", w) or re.search(r"\d", w):
        return False
    if w in FILLER or w in GENERIC_PLACES:
        return False
    return not re.fullmatch(r"十[一二三四五六]五|[上下]半年|春节|年底|年末|年初", w)


@lru_cache(maxsize=8192)
def _parts(word: str) -> tuple[str, ...]:
    """Search-mode parts of a word (集装箱吞吐量 → 集装箱, 吞吐量, …)."""
    return tuple(t for t in tokenize(word) if len(t) >= 2)


def tagged(text: str) -> list[tuple[str, str]]:
    """Content words with their part of speech, each once; a compound with a filler inside is kept as
    its content parts (进出口总值 → 进出口, 全球排名 → nothing)."""
    words: dict[str, str] = {}
    for w, flag in pos_cut(text):
        if not is_content(w) or not flag.startswith(CONTENT_POS):
            continue
        parts = _parts(w)
        if any(p in FILLER for p in parts):
            for p in maximal(p for p in parts if is_content(p) and p != w):
                words.setdefault(p, flag)
        else:
            words.setdefault(w, flag)
    return list(words.items())


def content_words(text: str) -> list[str]:
    """Content words of a stretch of text."""
    return [w for w, _ in tagged(text)]


def head_noun(clause: str) -> str:
    """The head of the noun phrase a clause opens with (Chinese compounds are head-final):
    青岛自贸片区围绕… → 自贸片区; 山东港口青岛港作为… → 青岛港; "" for no noun, or a speaker."""
    if REPORTING.search(clause):
        return ""  # 经理史田涛介绍，…: who said it, not what it is about
    last, last_flag = "", ""
    for w, flag in pos_cut(LEADING_FILLER.sub("", clause.strip())):
        if not flag.startswith(NOUN_POS) or w in FILLER:
            break
        last, last_flag = w, flag
    return last if last and last_flag != "nr" and is_content(last) else ""
