"""Chinese text handling: what every later stage relies on (normalised input, exact offsets, whole terms)."""

from __future__ import annotations

import pytest

from rag.textzh import (
    STOPWORDS,
    cut,
    domain_terms,
    fold,
    is_blank,
    normalize,
    split_sentences,
    strip_controls,
    tokenize,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("２０２３年青岛港集装箱吞吐量", "2023年青岛港集装箱吞吐量"),  # full-width digits
        ("ＡＢＣ　ｄｅｆ", "ABC def"),  # full-width Latin and ideographic space
        ("青島進出口總值", "青岛进出口总值"),  # traditional → simplified
        ("进\u200b出\u200c口\u200d值\ufeff", "进出口值"),  # zero-width characters
        ("进出口\x00值\x07\x1b", "进出口值"),  # control characters
        ("  多个   空格\t\t之间  ", "多个 空格 之间"),
        ("软\u00ad连字符", "软连字符"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_keeps_chinese_punctuation() -> None:
    """The sentence splitter relies on full-width 。？，；NFKC leaves them alone."""
    assert normalize("总值是多少？增长，下降。") == "总值是多少？增长，下降。"


def test_normalize_is_idempotent() -> None:
    once = normalize("２０２２年 青島\u200b進出口")
    assert normalize(once) == once


def test_strip_controls_keeps_structure() -> None:
    """Tabs and newlines carry layout for page cleaning; lone surrogates can never be encoded."""
    assert strip_controls("a\tb\nc\r\nd") == "a\tb\nc\r\nd"
    assert strip_controls("a\ud800b") == "ab"


def test_is_blank() -> None:
    assert is_blank(" \u200b\t\n\x00")
    assert not is_blank(" 进 ")


def test_split_sentences_offsets_point_into_text() -> None:
    text = "近日，青岛市2022年外贸数据出炉。其中：出口5361.1亿元；进口3756.1亿元！他说：“好。”\n\n下一段没有句号\n最后一句？"
    sentences = list(split_sentences(text))
    assert [s for s, _, _ in sentences] == [
        "近日，青岛市2022年外贸数据出炉。",
        "其中：出口5361.1亿元；",
        "进口3756.1亿元！",
        "他说：“好。”",  # the closing quote stays with its sentence
        "下一段没有句号",
        "最后一句？",
    ]
    for sentence, start, end in sentences:
        assert text[start:end] == sentence


def test_split_sentences_with_offset_and_whitespace() -> None:
    text = "  第一句。  第二句。 "
    out = list(split_sentences(text, offset=100))
    assert [(s, a - 100, b - 100) for s, a, b in out] == [("第一句。", 2, 6), ("第二句。", 8, 12)]
    assert list(split_sentences("")) == []
    assert list(split_sentences(" \n\n ")) == []


@pytest.mark.parametrize("term", ["进出口", "跨境电商", "上合示范区", "标准箱"])
def test_tokenize_keeps_domain_terms_whole(term: str) -> None:
    assert term in domain_terms()
    sentence = f"青岛{term}发展迅速"
    assert term in tokenize(sentence)
    assert term in cut(sentence)


def test_tokenize_search_mode_emits_parts_of_long_words() -> None:
    """A question's 进出口 must match a passage's 进出口总值."""
    tokens = tokenize("青岛外贸进出口总值")
    assert {"进出口", "进出口总值", "总值"} <= set(tokens)


def test_tokenize_drops_stop_words_and_punctuation() -> None:
    tokens = tokenize("青岛市2022年外贸进出口总值是多少？")
    assert not {"是", "多少", "？", "的"} & set(tokens)
    assert "2022" in tokens and "青岛" in tokens
    assert tokenize("的了吗") == []
    assert tokenize("？？！！，。") == []
    assert tokenize("") == []
    assert all(t not in STOPWORDS for t in tokenize("请问青岛的进出口有多少呢？"))


def test_tokenize_normalises_first() -> None:
    """Traditional characters, full-width digits and case all reach the same tokens."""
    assert tokenize("２０２２年青島進出口") == tokenize("2022年青岛进出口")
    assert "rcep" in tokenize("RCEP生效")


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("臺北市政府於１９９８年興建捷運，總經費約４８０億元。", "台北市政府于1998年兴建捷运，总经费约480亿元。"),
        ("「鄭成功」收復臺灣後，設立承天府。", "「郑成功」收复台湾后，设立承天府。"),
        ("进出口总值9117.2亿元", "进出口总值9117.2亿元"),  # simplified text stays as it is
    ],
)
def test_fold_compares_traditional_as_simplified_character_for_character(written: str, folded: str) -> None:
    assert fold(written) == folded
    assert len(fold(written)) == len(written)
    # an offset found in the folded text quotes the text as written
    at = fold(written).find("亿元") if "亿元" in folded else fold(written).find("台")
    assert at >= 0 and written[at] in "億亿臺"


def test_fold_keeps_the_length_of_any_text() -> None:
    """Even where a phrase conversion could change the length, each character maps to one."""
    text = "乾隆皇帝著作瞭解頭髮，於是鬆了口氣；ＡＢＣ　１２３％"
    assert len(fold(text)) == len(text)
    assert fold(fold(text)) == fold(text)
    assert "，" in fold(text) and "；" in fold(text)  # the splitter's punctuation stays full-width
