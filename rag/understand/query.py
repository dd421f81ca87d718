"""Questions and claims reduced to what evidence must agree with: type, years, month spans, places,
quoted names and content terms (the question side of a frame)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property

from ..figures import extract_figures
from ..textzh import STOPWORDS, normalize, tokenize
from ..types import QType
from .context import years_in
from .frame import Asked, asked_frame
from .lexicon import ASKING, QUESTION_WORDS, SIZE_ASK, places_in, pos_cut
from .subject import partner

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



_TYPE_RULES: tuple[tuple[QType, re.Pattern[str]], ...] = (
    ("duration", re.compile(r"多久|多长时间|(?:多少|几)(?:个)?(?:年|月|天|日|小时|分钟|秒|周|星期|世纪)(?!级)|how long")),
    ("person", re.compile(r"谁|哪位|什么人|作者|记者是|\bwho\b")),
    ("date", re.compile(r"什么时候|何时|哪一年|哪年|哪一天|哪天|什么时间|几月|\bwhen\b|what year")),
    ("list", re.compile(r"哪些|哪几[个家项座种类]?|包括什么|包括哪|\bwhich (?:cities|countries|ones)\b")),
    ("rank", re.compile(r"第几|排名|名次|排第|居第|位列|排在|\brank")),
    ("place", re.compile(r"哪里|哪儿|在哪|什么地方|何处|位于|\bwhere\b")),
    (
        "percent",
        re.compile(r"增长了?多少|增速|增幅|增长率|同比|百分之|百分比|占(?!地).*(?:多少|比重|比例|几成)|比重|比例|占比|"
                   r"下降了?多少|提高了?多少|\bpercent|growth|grew|increase|share\b"),
    ),
    ("count", re.compile(r"多少(?:个|家|项|人|位|名|艘|列|条|座|场|批|件|套|次|户|台|辆|架|所|种|国家|港口|企业|项目)|"
                         r"几(?:个|家|项|人|位|名|艘|列|条|座|场)|\bhow many\b")),
    (
        "amount",
        re.compile(rf"多少|{SIZE_ASK}|金额|总值|总额|规模|\bhow much\b|"
                   r"\bwhat (?:was|is|were|are)\b.*\b(?:value|volume|amount|total|size|area|throughput|output)\b"),
    ),
    ("yesno", re.compile(r"是否|是不是|有没有|能否|吗[？?]?$")),
    ("summary", re.compile(r"为什么|为何|如何|怎样|怎么|原因|\bwhy\b|\bhow\b")),
    ("entity", re.compile(r"什么|哪个|哪件|哪家|哪部|\bwhat\b|\bwhich\b")),
)
FALLBACK_TYPE: QType = "fact"  # no question word (２０２３年青岛港集装箱吞吐量): a lookup, figures preferred

# What figure kinds answer each type.
WANTED_KINDS: dict[str, frozenset[str]] = {
    "amount": frozenset({"amount", "quantity"}),
    "duration": frozenset({"duration"}),
    "count": frozenset({"count", "quantity"}),
    "percent": frozenset({"percent", "pct_point", "multiple"}),
    "rank": frozenset({"rank"}),
}

MONEY_WORDS = r"总值|(?<![数比峰均])值|额|金额|收入|产值|规模|投资|资金|外资|价值|价格|成本|利润|营收|GDP|gdp|生产总值|元|美元|吞吐量|面积|重|长|高"
# Money asked for: a sum in a currency answers, a physical quantity does not.
_MONEY = re.compile(r"(?<![数比峰均])值|(?<![份])额|金额|[美欧日港]?元|资金|收入|产值|价格|成本|利润|营收|GDP|gdp|生产总值")
# A change asked without its measure: answered by a rate as much as by an amount.
_CHANGE_ASKED = re.compile(
    r"(?:缩短|减少|降低|压缩|缩减|缩小|节省|节约|扩大|增加|提升|提高|上升|下降|回落)了?(?:多少|几)"
)
# A share is asked: 占…多少, 比重, 比例, 占比, or a ratio noun (服务收入比是多少); 占地 is no share.
_SHARE_ASKED = re.compile(r"占(?!地)|比重|比例|占比|share|(?<![同环])比(?:是|为|有|达到?)?(?:多少|几)")
_RANK_MOVE_ASKED = re.compile(r"(?:上升|提升|前进|前移|跃升|下降|后退|下滑|后移)了?(?:多少|几)")
# What a size question measures, and the units of the figures that measure it.
_DIMENSIONS = (
    (re.compile(r"多高|高度|身高|海拔|多深|深度|多长(?!时间)|长度|全长|多宽|宽度|距离|多远|里程|半径|直径"), frozenset({"m", "km", "nmi"})),
    (re.compile(r"多重|体重|重量"), frozenset({"ton"})),
    (re.compile(r"面积|占地"), frozenset({"m2", "km2"})),
    (re.compile(r"温度|气温|水温|体温"), frozenset({"celsius"})),
)
_INTERROGATIVES = re.compile(
    "|".join(sorted((w for w in QUESTION_WORDS if len(w) >= 2 and re.search("哪|什么|多少|几|谁|何|怎|为什么|多[大长高重远深宽]", w)),
                    key=len, reverse=True))
)
_ASK_FRAGMENT = re.compile(r"^是|是$|几|多少|哪|谁|什么")
_SPAN = re.compile(r"(\d{1,2})\s*(?:-|—|–|~|～|至|到)\s*(\d{1,2})月")
_QUOTED = re.compile(r"[《“\"「]([^》”\"」]{2,40})[》”\"」]")


@dataclass(frozen=True)
class Query:
    """A question or claim reduced to what evidence must agree with."""

    raw: str
    text: str  # normalised (simplified, half-width)
    qtype: QType
    years: frozenset[int]
    spans: frozenset[tuple[int, int]]
    plans: frozenset[str]
    places: tuple[str, ...]  # place and organisation names the evidence must mention
    quoted: tuple[str, ...]  # titles and names in 《》 or quotes
    terms: tuple[str, ...]  # content terms, most specific first (places and years are constraints, not terms)
    relative: int | None = None  # 今年 (0), 去年 (-1) when no year is written
    asks: tuple[QType, ...] = ()  # the type of each interrogative clause: 进口额是多少，同比增长多少 → amount, percent

    focus: tuple[str, ...] = ()  # terms next to the interrogative: 提供了多少个岗位 → 提供, 岗位
    match_text: str = ""  # the text plus the Chinese equivalents of its English words
    names: tuple[str, ...] = ()  # people the question names (禹柯): evidence about someone else is no answer

    @cached_property
    def wanted_kinds(self) -> frozenset[str] | None:
        """Figure kinds that answer the question (any clause), or None if it is not about a figure.
        贡献了全市多少进出口额 asks for a share as much as an amount."""
        kinds = [WANTED_KINDS[a] for a in self.asks if a in WANTED_KINDS]
        if not kinds:
            return None
        wanted = frozenset().union(*kinds)
        if "amount" in self.asks and re.search(r"占(?!地)|全市|全省|全国|比重", self.text):
            wanted |= {"percent"}
        if "amount" in self.asks and not re.search(MONEY_WORDS, self.text):
            wanted |= {"count", "duration"}  # 在线上的课程有多少 asks for a count; 总值是多少 does not
        if "amount" in self.asks and _MONEY.search(self.text):
            wanted -= {"quantity"}  # 出口值是多少 asks for money, not 31万平方米
        if self.asks_change:
            wanted |= WANTED_KINDS["percent"]  # 时间缩短了多少: by 35% as much as to 1小时
        return wanted

    @cached_property
    def frame(self) -> Asked:
        """What the question asks a figure to be about (its indicator and part of a flow)."""
        return asked_frame(self.text)

    @cached_property
    def figures(self) -> tuple[str, ...]:
        """Figures the question itself writes (50亿元以上项目有多少个): they name what is asked about."""
        return tuple(f.raw for f in extract_figures(self.text))

    @cached_property
    def asks_change(self) -> bool:
        """The question asks by how much something changed (缩短了多少, 占比提高了多少), not its level."""
        return bool(_CHANGE_ASKED.search(self.text))

    @cached_property
    def measure(self) -> str | None:
        """The measure a rate question asks for: a share (占比, 服务收入比是多少) or a growth (增长了多少)."""
        if _SHARE_ASKED.search(self.text):
            return "share"
        return "growth" if re.search(r"增|降|提高|growth|grew|increase", self.text) else None

    @cached_property
    def asks_move(self) -> bool:
        """A rank question asks how far it moved (上升了几位), not the place (排第几位)."""
        return bool(_RANK_MOVE_ASKED.search(self.text))

    @cached_property
    def dimension(self) -> frozenset[str] | None:
        """The units that answer a size question (有多高: m, km; 体重: ton), or None when it asks no size."""
        return next((units for pattern, units in _DIMENSIONS if pattern.search(self.text)), None)

    @cached_property
    def size_word(self) -> str:
        """The dimension a size interrogative names (有多高 → 高), or ""."""
        m = re.search(r"多([高深长宽重远])", self.text)
        return m.group(1) if m else ""

    @cached_property
    def unit_words(self) -> str:
        """The words right after 多少/几, where the asked unit is (多少吉瓦时 → 吉瓦时), or ""."""
        m = re.search(r"(?:多少|几)([\u4e00-\u9fffA-Za-z]{1,4})", self.text)
        return m.group(1) if m else ""

    @cached_property
    def partner(self) -> str:
        """The trade partner asked about (对东盟出口多少 → 东盟); "" for a total."""
        return partner(self.text)

    @property
    def subject(self) -> str:
        """The question as a noun phrase, for messages: 上海2022年外贸进出口总值是多少？ → 上海2022年外贸进出口总值."""
        s = re.sub(r"[？?。！!\s]+$", "", self.text)
        s = re.sub(r"(?:分别|一共|共|大约|约)?(?:是|有|为|达到?)?(?:多少|几|什么|哪些|哪里|谁|何时|什么时候|" + SIZE_ASK + r"|第几)"
                   r"[^，,]{0,6}$", "", s)
        s = re.sub(r"^(?:请问|请告诉我|告诉我)", "", s)
        return s.strip("，, ") or self.text


def _english_terms(text: str) -> list[str]:
    lower = text.lower()
    found = [zh for en, zh in EN_TERMS.items() if re.search(rf"\b{re.escape(en)}\b", lower)]
    return sorted(set(found), key=found.index)


def classify(text: str) -> QType:
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
    years = years_in(text)
    relative = None
    if re.search(r"今年|本年", text):
        relative = 0
    elif re.search(r"(?<![较比与同])(?:去年|上年)", text):  # 较去年同期提高: a base, not the period asked
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
    asked = _INTERROGATIVES.sub("\x00", zh_text).lower()  # tokens are lower case
    terms = [t for t in terms if t in asked]  # 哪一年 leaves no 一年 behind
    # a person's name the search tokens cut into pieces (禹柯是 + …) is what the question is about
    names = [w for w, f in pos_cut(zh_text) if f == "nr" and len(w) >= 2 and w not in places]
    terms += [w for w in names if w not in terms]
    terms.sort(key=lambda t: -len(t))
    clauses = [c for c in re.split(r"[，,；;]", text) if c.strip()]
    focus_text = "".join(
        text[max(0, m.start() - 6) : m.end() + 6] for m in re.finditer(ASKING, text)
    )
    asks = tuple(dict.fromkeys(classify(c) for c in clauses if re.search(ASKING + "|何", c)))
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
        names=tuple(dict.fromkeys(names)),
    )




def named_by_titles(q: Query, titles: list[str]) -> Query:
    """The question with an article title it names as one term (纽西兰鸡毛松有什么用途 names the
    article 《纽西兰鸡毛松》): the words jieba cut across the name (鸡毛, 松有) are replaced by the name,
    so the corpus's own headlines segment the question where the tokenizer cannot. The name leaves
    the focus: 青石镇的镇长是谁 still asks for a 镇长."""
    terms, focus, places, text = list(q.terms), list(q.focus), list(q.places), q.match_text or q.text
    for title in titles:
        name = re.sub(r"\s*[（(][^）)]*[）)]\s*", "", title).strip()
        at = text.find(name) if len(name) >= 3 and not re.search(r"[，。：？?！!]", name) else -1
        if at < 0 or name in terms:
            continue
        end = at + len(name)
        cut = {t for t in terms if _overlaps(text, t, at, end)}
        if not cut:
            continue
        places = [p for p in places if p == name or not _overlaps(text, p, at, end)]  # 林永康 is a person, not 永康
        terms = [name] + [t for t in terms if t not in cut]
        # the article named is the topic, not what is asked, unless nothing else is asked (X是什么)
        focus = [t for t in focus if t not in cut] or ([name] if set(focus) & cut else focus)
    if terms == list(q.terms):
        return q
    return replace(q, terms=tuple(terms), focus=tuple(focus), places=tuple(places))


def _overlaps(text: str, word: str, start: int, end: int) -> bool:
    """Some occurrence of the word in the text overlaps text[start:end]."""
    return any(start < m.start() + len(word) and m.start() < end for m in re.finditer(re.escape(word), text))
