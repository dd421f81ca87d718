"""Chinese text handling shared by every stage: normalisation, sentence splitting, tokenisation.

jieba and OpenCC are loaded lazily and once per process: both cost hundreds of milliseconds to set up.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# C0/C1 control characters except tab and newlines, which carry structure.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")

SENTENCE_END = "。！？；!?;"
_SENTENCE_RE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)]*|\n|$)")

_jieba_lock = threading.Lock()
_jieba = None
_opencc = None


def _converter():  # type: ignore[no-untyped-def]
    global _opencc
    if _opencc is None:
        import opencc

        _opencc = opencc.OpenCC("t2s")
    return _opencc


def to_simplified(text: str) -> str:
    """Traditional → simplified, so 進出口 matches 进出口."""
    if not text or text.isascii():
        return text
    return _converter().convert(text)


# Full-width ASCII forms folded one for one (２０２３ → 2023, ％ → %), except the punctuation Chinese is
# written with, which the sentence splitter and the templates rely on (see _KEEP_WIDE).
_HALF = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if chr(c) not in "，。？！：；（）～"}
_HALF[0x3000] = ord(" ")


def _fold_chars(text: str) -> str:
    """t2s character by character: each character becomes exactly one character."""
    out = []
    for ch in text:
        one = _fold_char(ch)
        out.append(one if len(one) == 1 else ch)
    return "".join(out)


@lru_cache(maxsize=65_536)
def _fold_char(ch: str) -> str:
    return _converter().convert(ch) if not ch.isascii() else ch


def fold(text: str) -> str:
    """The form text is compared in, with the same length as the text: traditional → simplified
    (進出口 → 进出口, 億 → 亿) and full-width digits and letters → half-width, character for
    character, so an offset into the folded text is the same offset into the text as written — what
    is compared is folded, what is quoted is the original.

    OpenCC's t2s converts phrases as well as characters; should a phrase ever convert to another
    length, the text is converted character by character instead.
    """
    if not text or text.isascii():
        return text
    text = text.translate(_HALF)
    simplified = _converter().convert(text)
    return simplified if len(simplified) == len(text) else _fold_chars(text)


def strip_controls(text: str) -> str:
    """Remove zero-width and control characters and lone surrogates (never valid in UTF-8)."""
    text = _LONE_SURROGATE.sub("", text)
    return _CONTROL.sub("", text.translate(ZERO_WIDTH))


# Full-width punctuation that Chinese text is written with: kept as is, since NFKC would turn
# ，？：；（） into ASCII and the sentence splitter and the answer templates rely on them.
_KEEP_WIDE = frozenset("，。？！：；（）〔〕【】「」『』《》“”‘’、·—…～")


def _nfkc(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c if c in _KEEP_WIDE else unicodedata.normalize("NFKC", c) for c in text)


def normalize(text: str) -> str:
    """Normalise a question or claim: NFKC for digits, letters and compatibility forms (２０２３ →
    2023, ％ → %), no zero-width or control characters, traditional → simplified, single spaces;
    Chinese punctuation stays full-width.
    """
    text = strip_controls(text)
    text = _nfkc(text)
    text = to_simplified(text)
    return re.sub(r"[ \t\u3000]+", " ", text).strip()


def is_blank(text: str) -> bool:
    """True for text with nothing but white space, zero-width or control characters."""
    return not strip_controls(text).strip()


def split_sentences(text: str, offset: int = 0) -> Iterator[tuple[str, int, int]]:
    """Yield (sentence, start, end) with offsets into `text` (+ offset).

    A sentence ends at 。！？； (keeping a closing quote with it) or a line break; white space around
    it is trimmed from the offsets so `text[start:end] == sentence`.
    """
    for m in _SENTENCE_RE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            yield text[s:e], s + offset, e + offset


@lru_cache(maxsize=1)
def domain_terms() -> tuple[str, ...]:
    """Domain terms kept whole by the tokenizer (one per line in rag/data/domain_terms.txt)."""
    raw = resources.files("rag").joinpath("data/domain_terms.txt").read_text(encoding="utf-8")
    return tuple(t.strip() for t in raw.splitlines() if t.strip() and not t.startswith("#"))


def _tokenizer():  # type: ignore[no-untyped-def]
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                for term in domain_terms():
                    tk.add_word(term, freq=200000)
                _jieba = tk
    return _jieba


STOPWORDS = frozenset(
    """的 了 是 在 和 与 及 或 等 也 都 就 而 之 其 这 那 个 有 为 对 被 把 从 向 到 以 于 中 上 下 将 已 又 并 但
    吗 呢 吧 啊 呀 么 什么 多少 哪些 哪个 哪里 哪儿 哪 几 怎么 怎样 如何 为什么 是否 请问 请 一下 你好 您好 谁
    是不是 有没有 一个 一些 我 我们 你 你们 他 她 它 他们 此 该 每 各 所 着 过 呢 多 少 吗 么 the a an of in to
    is are was were what how many much which who when where why does do did""".split()
)
_PUNCT = re.compile(r"^[\W_]+$")


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens of normalised text, without stop words and punctuation.

    Search mode also emits the parts of long words (进出口总值 → 进出口, 总值, 进出口总值), which
    lets a question's 进出口 match a passage's 进出口总值.
    """
    text = normalize(text).lower()
    return [t for t in _tokenizer().cut_for_search(text) if t.strip() and t not in STOPWORDS and not _PUNCT.match(t)]


def cut(text: str) -> list[str]:
    """Plain (precise-mode) jieba words, for question analysis."""
    return [t for t in _tokenizer().lcut(text) if t.strip()]
