"""Question/claim analysis and evidence sentences: what both the answerer and the checker align on.

A question is reduced to what an answer must agree with — its type, years and month spans, the places
and organisations it names, and its content terms. A retrieved chunk is split into evidence sentences
that carry their figures, the years they speak of (今年/去年 resolved against the article's date), and
the paragraph context before them (a sentence like 对韩国和日本分别进出口755.2亿元 takes its year
and its subject from the sentence before it).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from .figures import Figure, Period, extract_figures, extract_periods, resolve_year
from .store import Index
from .textzh import STOPWORDS, domain_terms, normalize, split_sentences, tokenize
from .types import Chunk

# Question words and fillers that carry no content for matching.
QUESTION_WORDS = frozenset(
    """多少 几 几个 哪些 哪几 哪几个 哪个 哪家 哪位 哪里 哪儿 哪 什么 谁 何时 什么时候 哪一年 哪年 如何 怎样 怎么
    为什么 为何 是否 是不是 吗 呢 多大 多长 多高 多远 第几 排第几 名次 请问 分别 一共 共 总共 共计 大约 约 左右 目前
    是 有 为 了 的 在 对 与 和 及 到 达 达到 完成 实现 情况 相关 信息 介绍 说说 告诉 我 时候 作者 时间""".split()
)
GENERIC_PLACES = frozenset(
    "中国 全国 全球 世界 国内 国际 国外 境外 海外 全省 全市 本市 我国 我市 海关 新区 市区 城区 园区 片区 全区 港区 地区".split()
)
# English question words → Chinese terms, so English questions still match Chinese evidence lexically.
EN_TERMS: dict[str, str] = {
    "qingdao": "青岛", "shandong": "山东", "shanghai": "上海", "shenzhen": "深圳", "ningbo": "宁波",
    "guangzhou": "广州", "xiamen": "厦门", "beijing": "北京", "china": "中国", "korea": "韩国",
    "japan": "日本", "asean": "东盟", "trade": "进出口", "foreign trade": "外贸进出口", "export": "出口",
    "exports": "出口", "import": "进口", "imports": "进口", "port": "港", "throughput": "吞吐量",
    "container": "集装箱", "teus": "标准箱", "handle": "吞吐量", "handled": "吞吐量", "containers": "集装箱", "teu": "标准箱", "cargo": "货物", "investment": "投资",
    "foreign investment": "利用外资", "growth": "增长", "increase": "增长", "grow": "增长", "grew": "增长",
    "rank": "排名", "ranked": "排名", "share": "占", "percent": "%", "percentage": "%", "enterprises": "企业",
    "companies": "企业", "company": "企业", "cross-border e-commerce": "跨境电商", "e-commerce": "电商",
    "free trade zone": "自贸片区", "population": "人口", "gdp": "GDP", "area": "面积", "projects": "项目",
    "project": "项目", "ship": "船", "vessel": "船", "length": "长", "director": "局长", "author": "作者",
    "total": "总值", "value": "值", "volume": "量", "service": "服务", "services": "服务",
    "overseas warehouses": "海外仓", "warehouse": "仓", "customs": "海关", "fortune 500": "世界500强",
}
_EN_WORD = re.compile(r"[a-z][a-z\-]*(?: [a-z][a-z\-]*)?")


QTYPES = ("fact", "duration", "amount", "percent", "rank", "count", "date", "person", "place", "list", "yesno", "entity", "summary")

_TYPE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("duration", re.compile(r"多久|多长时间|(?:多少|几)(?:个)?(?:年|月|天|日|小时|分钟|秒|周|星期|世纪)(?!级)|how long")),
    ("person", re.compile(r"谁|哪位|什么人|作者|记者是|\bwho\b")),
    ("date", re.compile(r"什么时候|何时|哪一年|哪年|哪一天|哪天|什么时间|几月|\bwhen\b|what year")),
    ("list", re.compile(r"哪些|哪几[个家项座种类]?|包括什么|包括哪|\bwhich (?:cities|countries|ones)\b")),
    ("rank", re.compile(r"第几|排名|名次|排第|居第|位列|排在|\brank")),
    ("place", re.compile(r"哪里|哪儿|在哪|什么地方|何处|位于|\bwhere\b")),
    (
        "percent",
        re.compile(r"增长了?多少|增速|增幅|增长率|同比|百分之|百分比|占.*(?:多少|比重|比例|几成)|比重|比例|占比|"
                   r"下降了?多少|提高了?多少|\bpercent|growth|grew|increase|share\b"),
    ),
    ("count", re.compile(r"多少(?:个|家|项|人|位|名|艘|列|条|座|场|批|件|套|次|户|台|辆|架|所|种|国家|港口|企业|项目)|"
                         r"几(?:个|家|项|人|位|名|艘|列|条|座|场)|\bhow many\b")),
    (
        "amount",
        re.compile(r"多少|多大|多长|多高|多重|多远|金额|总值|总额|规模|\bhow much\b|"
                   r"\bwhat (?:was|is|were|are)\b.*\b(?:value|volume|amount|total|size|area|throughput|output)\b"),
    ),
    ("yesno", re.compile(r"是否|是不是|有没有|能否|吗[？?]?$")),
    ("summary", re.compile(r"为什么|为何|如何|怎样|怎么|原因|\bwhy\b|\bhow\b")),
    ("entity", re.compile(r"什么|哪个|哪件|哪家|哪部|\bwhat\b|\bwhich\b")),
)
FALLBACK_TYPE = "fact"  # no question word (２０２３年青岛港集装箱吞吐量): a lookup, figures preferred

# What figure kinds answer each type.
WANTED_KINDS: dict[str, frozenset[str]] = {
    "amount": frozenset({"amount", "quantity"}),
    "duration": frozenset({"duration"}),
    "count": frozenset({"count", "quantity"}),
    "percent": frozenset({"percent", "pct_point", "multiple"}),
    "rank": frozenset({"rank"}),
}

_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?:年|(?=[^\d亿万千百元个家项人名位艘列条座场批件套次户台辆架所种米吨%.,]))")
MONEY_WORDS = r"总值|额|金额|收入|产值|规模|投资|资金|外资|价值|价格|成本|利润|营收|GDP|gdp|生产总值|元|美元|吞吐量|面积|重|长|高"
_ASK_FRAGMENT = re.compile(r"^是|是$|几|多少|哪|谁|什么")
_SPAN = re.compile(r"(\d{1,2})\s*(?:-|—|–|~|～|至|到)\s*(\d{1,2})月")
_QUOTED = re.compile(r"[《“\"「]([^》”\"」]{2,40})[》”\"」]")


@dataclass(frozen=True)
class Query:
    """A question or claim reduced to what evidence must agree with."""

    raw: str
    text: str  # normalised (simplified, half-width)
    qtype: str
    years: frozenset[int]
    spans: frozenset[tuple[int, int]]
    plans: frozenset[str]
    places: tuple[str, ...]  # place and organisation names the evidence must mention
    quoted: tuple[str, ...]  # titles and names in 《》 or quotes
    terms: tuple[str, ...]  # content terms, most specific first (places and years are constraints, not terms)
    relative: int | None = None  # 今年 (0), 去年 (-1) when no year is written
    asks: tuple[str, ...] = ()  # the type of each interrogative clause: 进口额是多少，同比增长多少 → amount, percent

    focus: tuple[str, ...] = ()  # terms next to the interrogative: 提供了多少个岗位 → 提供, 岗位
    match_text: str = ""  # the text plus the Chinese equivalents of its English words

    @property
    def wanted_kinds(self) -> frozenset[str] | None:
        """Figure kinds that answer the question (any clause), or None if it is not about a figure.
        贡献了全市多少进出口额 asks for a share as much as an amount."""
        kinds = [WANTED_KINDS[a] for a in self.asks if a in WANTED_KINDS]
        if not kinds:
            return None
        wanted = frozenset().union(*kinds)
        if "amount" in self.asks and re.search(r"占|全市|全省|全国|比重", self.text):
            wanted |= {"percent"}
        if "amount" in self.asks and not re.search(MONEY_WORDS, self.text):
            wanted |= {"count", "duration"}  # 在线上的课程有多少 asks for a count; 总值是多少 does not
        return wanted

    @property
    def subject(self) -> str:
        """The question as a noun phrase, for messages: 上海2022年外贸进出口总值是多少？ → 上海2022年外贸进出口总值."""
        s = re.sub(r"[？?。！!\s]+$", "", self.text)
        s = re.sub(r"(?:分别|一共|共|大约|约)?(?:是|有|为|达到?)?(?:多少|几|什么|哪些|哪里|谁|何时|什么时候|多大|多长|第几)"
                   r"[^，,]{0,6}$", "", s)
        s = re.sub(r"^(?:请问|请告诉我|告诉我)", "", s)
        return s.strip("，, ") or self.text


def _years(text: str) -> set[int]:
    return {int(y) for y in _YEAR.findall(text) if 1990 <= int(y) <= 2100}


def _posseg():  # type: ignore[no-untyped-def]
    import jieba.posseg

    from .textzh import _tokenizer

    return jieba.posseg.POSTokenizer(_tokenizer())


_pos_lock = threading.Lock()
_pos_tokenizer = None


@lru_cache(maxsize=50_000)
def pos_cut(text: str) -> tuple[tuple[str, str], ...]:
    """jieba words with part-of-speech flags (one shared tokenizer with our domain dictionary)."""
    global _pos_tokenizer
    with _pos_lock:
        if _pos_tokenizer is None:
            _pos_tokenizer = _posseg()
        return tuple((w, f) for w, f in _pos_tokenizer.lcut(text))


def places_in(text: str) -> frozenset[str]:
    """Place and organisation names jieba finds in a text (ns/nt), generic ones (全国, 中国) left out."""
    return frozenset(w for w, f in pos_cut(text) if f in ("ns", "nt") and len(w) >= 2 and w not in GENERIC_PLACES)


def _english_terms(text: str) -> list[str]:
    lower = text.lower()
    found = [zh for en, zh in EN_TERMS.items() if re.search(rf"\b{re.escape(en)}\b", lower)]
    return sorted(set(found), key=found.index)


def classify(text: str) -> str:
    lower = text.lower()
    for qtype, pattern in _TYPE_RULES:
        if pattern.search(lower):
            if qtype == "rank" and re.search(r"排在哪|之后|之前", text) and re.search(r"哪些|哪几", text):
                return "list"
            return qtype
    return FALLBACK_TYPE


def analyse(question: str) -> Query:
    """Normalise and analyse a question or claim."""
    text = normalize(question)
    english = _english_terms(text) if re.search(r"[a-zA-Z]{3,}", text) else []
    zh_text = text + "".join(english)
    years = _years(text)
    relative = None
    if re.search(r"今年|本年", text):
        relative = 0
    elif re.search(r"去年|上年", text):
        relative = -1
    spans = {(int(a), int(b)) for a, b in _SPAN.findall(text)}
    plans = set(re.findall(r"十[一二三四五六]五", text))
    quoted = tuple(q for q in _QUOTED.findall(text) if not re.fullmatch(r"十[一二三四五六]五", q))
    places = sorted(places_in(zh_text), key=lambda w: zh_text.find(w))
    terms = [
        t
        for t in dict.fromkeys(tokenize(zh_text))
        if t not in QUESTION_WORDS
        and not re.fullmatch(r"[\d.%年月日]+", t)
        and t not in STOPWORDS
        and not _ASK_FRAGMENT.search(t)  # jieba's 额是, 几人: pieces of the question word, not content
    ]
    # English words of an English question are matched through their Chinese equivalents (EN_TERMS)
    terms = [t for t in terms if not any(t in p for p in places) and not (english and t.isascii())]
    terms.sort(key=lambda t: -len(t))
    clauses = [c for c in re.split(r"[，,；;]", text) if c.strip()]
    focus_text = "".join(
        text[max(0, m.start() - 6) : m.end() + 6] for m in re.finditer(r"多少|几|多大|多长|第几|哪|谁|什么", text)
    )
    asks = tuple(dict.fromkeys(classify(c) for c in clauses if re.search(r"多少|几|多大|多长|第几|哪|谁|什么|何", c)))
    qtype = classify(text)
    if asks and asks[0] != qtype and asks[0] in WANTED_KINDS:
        qtype = asks[0]
    return Query(
        raw=question,
        text=text,
        qtype=qtype,
        years=frozenset(years),
        spans=frozenset(spans),
        plans=frozenset(plans),
        places=tuple(places),
        quoted=quoted,
        terms=tuple(terms),
        relative=relative,
        asks=asks or (qtype,),
        focus=tuple(t for t in terms if t in focus_text),
        match_text=zh_text,
    )


@dataclass(frozen=True)
class Evidence:
    """One sentence of a retrieved chunk, analysed once and cached by chunk."""

    chunk: Chunk
    text: str
    start: int  # offsets in the chunk text
    end: int
    years: frozenset[int]  # years this sentence speaks of, relative dates resolved
    context: str  # the paragraph before the sentence, plus the article title
    context_years: frozenset[int]
    figures: tuple[Figure, ...]
    periods: tuple[Period, ...]
    article_date: str

    @property
    def page_start(self) -> int:
        return self.chunk.start + self.start

    @property
    def page_end(self) -> int:
        return self.chunk.start + self.end


class EvidenceCache:
    """Evidence sentences per chunk id: splitting and figure parsing are done once per chunk."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[Evidence, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, index: Index, chunk: Chunk) -> tuple[Evidence, ...]:
        with self._lock:
            hit = self._items.get(chunk.id)
            if hit is not None:
                self._items.move_to_end(chunk.id)
                return hit
        value = tuple(_analyse_chunk(index, chunk))
        with self._lock:
            self._items[chunk.id] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


EVIDENCE = EvidenceCache()


def _resolved_years(text: str, article_date: str) -> tuple[set[int], list[Period]]:
    periods = []
    years = _years(text)
    for period, _s, _e in extract_periods(text):
        p = resolve_year(period, article_date, assume_current=False)
        periods.append(p)
        if p.year:
            years.add(p.year)
    return years, periods


def _analyse_chunk(index: Index, chunk: Chunk) -> list[Evidence]:
    article = index.articles.get(chunk.article_id)
    date = chunk.date
    out: list[Evidence] = []
    for sentence, s, e in split_sentences(chunk.text):
        page_s = chunk.start + s
        para_start = page_s
        if article is not None:
            local = page_s - article.start
            para_start = article.start + article.text.rfind("\n", 0, local) + 1
            before = article.text[para_start - article.start : local]
        else:
            before = chunk.text[:s]
        context = f"{chunk.title}\n{before}"
        years, periods = _resolved_years(sentence, date)
        ctx_years, _ = _resolved_years(before, date)
        out.append(
            Evidence(
                chunk=chunk,
                text=sentence,
                start=s,
                end=e,
                years=frozenset(years),
                context=context,
                context_years=frozenset(ctx_years),
                figures=tuple(extract_figures(sentence)),
                periods=tuple(periods),
                article_date=date,
            )
        )
    return out


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
    return any(
        not set(range(m.start(), m.end())) <= covered for m in re.finditer(re.escape(term), text)
    )


# Words that frame an indicator without changing it: 外贸进出口总值 and 进出口 ask for the same figure.
SOFT_TERMS = frozenset(
    "外贸 总值 总额 总量 规模 累计 全年 完成 实现 达到 共计 合计 总共 数量 金额 数据 情况 期间".split()
    # nouns that name the kind of answer wanted (什么特点, 什么职务), not what the question is about
    + """特点 作用 职务 职位 颜色 形状 区别 不同 目标 目的 意思 含义 方面 用途 原因 方式 方法 级别 名字 名称
    别名 特征 功能 功效 影响 结果 内容 类型 种类 身份 工作 成就 贡献 意义 地位 样子 水平 规则 条件 要求 标准
    理由 问题 过程 经历 事情 东西 事件 部分 程度 关系 看法 评价""".split()
)


def term_weight(term: str) -> float:
    """Longer terms are more specific: 进出口总值 counts more than 总值; framing words count little."""
    if term in SOFT_TERMS:
        return 0.5
    return 1.0 + 0.5 * min(len(term), 6)


def core_term(term: str) -> str:
    """A term without its framing words: 进出口总值 → 进出口, 外贸进出口 → 进出口."""
    for soft in SOFT_TERMS:
        if term.endswith(soft) and len(term) - len(soft) >= 2:
            term = term[: -len(soft)]
        if term.startswith(soft) and len(term) - len(soft) >= 2:
            term = term[len(soft) :]
    return term


def coverage(terms: tuple[str, ...], text: str) -> float:
    """Share of the terms' weight found in the text (substring match: 进出口 in 外贸进出口)."""
    if not terms:
        return 0.0
    total = sum(term_weight(t) for t in terms)
    return sum(term_weight(t) for t in terms if t in text) / total


# ---- alignment: does a sentence speak of the same year, span and place as the question? ----------


def years_agree(q: Query, ev: Evidence) -> bool:
    """The sentence's years (or, without any, its paragraph's; or the article's own year and the one
    before, which is what undated figures in a news report are about) include an asked year."""
    if not q.years:
        return True
    if ev.years:
        return bool(q.years & ev.years)
    if ev.context_years:
        return bool(q.years & ev.context_years)
    year = int(ev.article_date[:4]) if ev.article_date[:4].isdigit() else None
    return year is not None and bool(q.years & {year, year - 1})


def spans_agree(q: Query, ev: Evidence) -> bool:
    """1-5月 is not 1-11月: month spans must match when both sides state one."""
    if not q.spans:
        return True
    spans = {(p.start_month, p.end_month) for p in ev.periods if p.start_month and p.end_month}
    return not spans or bool(q.spans & spans)


def places_agree(q: Query, ev: Evidence, index: Index, answer_types_exempt: bool = True) -> bool:
    """Every place the question names is in the sentence, or — when the sentence does not open with
    another place of its own — in its paragraph or as the main place of its article (a bullet under
    a headline about 青岛)."""
    missing = [p for p in q.places if p not in ev.text]
    if not missing:
        return True
    article = index.articles.get(ev.chunk.article_id)
    for p in missing:
        short = p[:-1] if len(p) > 2 and p[-1] in "市省" else p
        dominant = article is not None and (short in article.title or article.text.count(short) >= 3)
        if short not in ev.context and not dominant:
            return False
    if answer_types_exempt and q.qtype in ("place", "list", "entity", "person"):
        return True  # the answer to 位于哪里 is itself another place
    return all(any(p in a or a in p for a in q.places) for p in subject_places(ev.text))


def aligned(q: Query, ev: Evidence, index: Index) -> bool:
    return years_agree(q, ev) and spans_agree(q, ev) and places_agree(q, ev, index)


def figure_year(fig: Figure, article_date: str) -> int | None:
    """The year a figure is about, 今年/去年 resolved against the article's date."""
    return resolve_year(fig.period, article_date).year


LEADING_FILLER = re.compile(r"^(?:(?:19|20)\d{2}年|\d{1,2}月(?:\d{1,2}日)?|今年|去年|目前|其中|同时|此外|另外|近日|日前|据悉|据了解|[^，]{0,6}显示)*")


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


