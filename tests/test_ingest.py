"""Loaders and page cleaning on the real seed pages: the text every answer quotes comes from here."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest

from rag.errors import IngestError
from rag.ingest import (
    clean_page,
    decode_text,
    infer_date,
    iter_files,
    load_paths,
    paragraphs,
    parse_document,
    parse_jsonl,
    read_manifest,
)
from rag.types import Article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PAGES = {p.name[:3]: p for p in sorted(SEEDS.glob("*.txt"))}


def cleaned(page: str) -> str:
    return clean_page(PAGES[page].read_text(encoding="utf-8"))


def paras(page: str) -> list[str]:
    return cleaned(page).split("\n\n")


@pytest.fixture(scope="module")
def seed_articles() -> list[Article]:
    return load_paths([SEEDS])


def by_page(articles: list[Article]) -> dict[str, list[Article]]:
    out: dict[str, list[Article]] = {}
    for a in articles:
        out.setdefault(a.source[:3], []).append(a)
    return out


# ---- page cleaning ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "broken", "joined"),
    [
        ("000", "首家跨境\n\n电商产业园", "首家跨境电商产业园"),
        ("000", "民营企业进\n\n出口值", "民营企业进出口值"),
        ("000", "帮助\n\n外贸企业", "帮助外贸企业"),
        ("001", "“十三\n\n五”期间", "“十三五”期间"),
        ("001", "服务外包企\n\n业1600余家", "服务外包企业1600余家"),
        ("002", "跨国公司领\n\n导人青岛峰会", "跨国公司领导人青岛峰会"),
        ("003", "京东超\n\n级体验店", "京东超级体验店"),
        ("001", "“先期\n\n机检+智能审图”", "“先期机检+智能审图”"),  # an open quote cannot end a paragraph
    ],
)
def test_column_breaks_are_joined(page: str, broken: str, joined: str) -> None:
    assert broken in PAGES[page].read_text(encoding="utf-8"), "the raw page has the break"
    text = cleaned(page)
    assert joined in text
    assert broken not in text


def test_hard_wraps_are_joined() -> None:
    """004 wraps every ~25 characters: “乌\\n奈札快航” must read as one name."""
    raw = PAGES["004"].read_text(encoding="utf-8")
    assert "“乌\n奈札快航”" in raw
    text = cleaned("004")
    assert "“乌奈札快航”顺利靠泊前湾自动化码头105泊位" in text
    assert "满载山东货物的新年首艘货轮缓缓驶离青岛港前湾港区集装箱自动化码头" in text


@pytest.mark.parametrize("page", sorted(PAGES))
def test_cleaned_page_is_one_paragraph_per_block(page: str) -> None:
    """No single line break survives, and every paragraph is trimmed, non-empty text."""
    text = cleaned(page)
    for p in text.split("\n\n"):
        assert p and "\n" not in p and p == p.strip()
    assert "\u3000" not in text and "\r" not in text


@pytest.mark.parametrize(
    ("page", "paragraph"),
    [
        ("000", "3年跨越4个千亿元台阶"),
        ("000", "青岛外贸进出口总值何以创新高"),
        ("000", "□ 本报记者 白晓 杨国胜"),
        ("000", "拓展外贸新赛道"),
        ("000", "民营企业成外贸“稳定器”"),
        ("000", "莱西发出攻坚克难动员令"),
        ("001", "融入全球价值链"),
        ("001", "青岛口岸获评中国十大海运集装箱口岸营商环境第二"),
        ("002", "亮出“新招式” 培育外贸新动能"),
        ("003", "打造“投资青岛”招商品牌"),
        ("004", "“好品山东 鲁贸全球”2024首发货轮在青起航"),
        ("004", "运载外贸“新三样”"),
    ],
)
def test_headlines_and_bylines_stay_their_own_paragraph(page: str, paragraph: str) -> None:
    assert paragraph in paras(page)


def test_real_paragraph_breaks_are_kept() -> None:
    """Two body paragraphs that each end a sentence are not glued together."""
    ps = paras("000")
    first = next(i for i, p in enumerate(ps) if p.startswith("近日，青岛市2022年外贸数据出炉"))
    assert ps[first].endswith("进出口、出口和进口总值均创历史新高。")
    assert ps[first + 1].startswith("从增速来看")
    kinds = {p.text: p.kind for p in paragraphs(cleaned("000"))}
    assert kinds["青岛外贸进出口总值何以创新高"] == "heading"
    assert kinds["□ 本报记者 白晓 杨国胜"] == "byline"
    assert kinds["拓展外贸新赛道"] == "heading"


def test_clean_page_strips_invisible_characters() -> None:
    raw = "标题\r\n\r\n正文\u200b第一句，\u3000继续\x07。\r\n"
    assert clean_page(raw) == "标题\n\n正文第一句， 继续。"


# ---- article splitting -----------------------------------------------------------------------

TITLES = {
    "000": [
        "青岛外贸进出口总值何以创新高",
        "莱西发出攻坚克难动员令",
        "青岛开发区 推动“六个创新突破”",
        "胶州剪纸亮相央视春晚舞台",
        "青岛开展 关爱服务困境儿童活动",
        "西海岸新区启动 退役军人系列招聘活动",
        "青岛市科协今年深入开展“六大行动”",
        "青岛第六十八中学高一·三班的同学来到中建集团",  # a photo caption: no headline, first clause
        "青岛自贸片区高水平建设2.0版",
    ],
    "001": [
        "青岛勇立开放潮头",
        "青岛口岸获评中国十大海运集装箱口岸营商环境第二",
        "中日新时代健康论坛举行",
        "青岛市科学技术奖励大会召开",
        "“2020青台港澳文旅大会”开幕",
        "上合示范区“俄罗斯中心”启动",
        "中国—上合组织技术转移中心启用",
        "城市轨道交通工程专家工作站揭牌",
        "青岛即墨推进外企项目落地建设",
    ],
    "002": ["共享开放机遇，世界500强在青投资406个项目"],
    "003": [
        "稳扎稳打有干头 新春开新局，擂响大开放大招商“奋进鼓”",
        "扩大开放、狠抓招商，奋力谱写高质量发展新篇章",
        "提升功能区发展能级 增强示范引领新成效",
    ],
    # The column 财话青岛 prints its headline after its text; its body stays with the first article.
    "004": ["“好品山东 鲁贸全球”2024首发货轮在青起航", "财话青岛 都市圈：引领青岛高质量发展"],
}


def test_titles_found_on_each_seed_page(seed_articles: list[Article]) -> None:
    found = {page: [a.title for a in arts] for page, arts in by_page(seed_articles).items()}
    for page, titles in found.items():
        print(page, titles)
    assert found == TITLES


def test_bylines_and_datelines(seed_articles: list[Article]) -> None:
    pages = by_page(seed_articles)
    assert [a.byline for a in pages["000"]][:2] == ["□ 本报记者 白晓 杨国胜", "□记者 张晓帆 通讯员 魏康 尉津铭 报道"]
    assert pages["000"][6].byline == "□记者 杨国胜 薄克国 通讯员 黄艳君 报道"  # a byline over two lines
    assert pages["001"][0].byline == "宋晓华"  # a name alone under the headline
    assert pages["002"][0].byline == "□青岛日报/观海新闻记者 刘兰星"
    assert pages["004"][1].byline == "□中共市委青岛党校 毛振鹏"
    # 本报电 datelines start the short 001 items: each one is its own article
    assert all(a.text.split("\n\n")[1].startswith("本报电") for a in pages["001"][2:])


@pytest.mark.parametrize("page", sorted(PAGES))
def test_articles_partition_the_page(page: str, seed_articles: list[Article]) -> None:
    """Offsets are contiguous, cover the page, and page[start:end] is the article's text."""
    text = cleaned(page)
    arts = by_page(seed_articles)[page]
    assert arts[0].start == 0
    assert arts[-1].end == len(text)
    for a, b in itertools.pairwise(arts):
        assert a.end < b.start and text[a.end : b.start] == "\n\n"
    for a in arts:
        assert text[a.start : a.end] == a.text
        assert a.source == PAGES[page].stem
        assert a.title and a.text.strip() == a.text


def test_article_ids_are_stable_and_unique(seed_articles: list[Article]) -> None:
    again = load_paths([SEEDS])
    assert [a.id for a in again] == [a.id for a in seed_articles]
    assert len({a.id for a in seed_articles}) == len(seed_articles) == 24
    assert all(re.fullmatch(r"[0-9a-f]{16}", a.id) for a in seed_articles)


# ---- dates -----------------------------------------------------------------------------------


def test_dates_come_from_the_manifest(seed_articles: list[Article]) -> None:
    manifest = {p["file"][:3]: p["date"] for p in json.loads((SEEDS / "manifest.json").read_text())["pages"]}
    for a in seed_articles:
        assert a.date == manifest[a.source[:3]]
        assert a.date_inferred is False
    assert read_manifest(SEEDS)["000_4ec5dd5d5caa780e.txt"]["date"] == "2023-01"


def test_dates_are_inferred_without_metadata(tmp_path: Path) -> None:
    shutil.copy(PAGES["000"], tmp_path / "page.txt")  # no manifest beside it
    arts = load_paths([tmp_path])
    first = arts[0]
    assert first.title == "青岛外贸进出口总值何以创新高"
    # names 2022年10月 and, later in the text, 2023年春节: the latest year wins
    assert (first.date, first.date_inferred) == ("2023", True)
    no_year = next(a for a in arts if a.title == "胶州剪纸亮相央视春晚舞台")
    assert (no_year.date, no_year.date_inferred) == ("", False)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2022年10月，甲。2023年春节前后，乙。", "2023"),
        ("2023年1月和2023年3月", "2023-03"),
        ("2020年，2021年", "2021"),
        ("1月28日，没有年份", ""),
        ("2023年13月不是月份", "2023"),
    ],
)
def test_infer_date(text: str, date: str) -> None:
    assert infer_date(text) == date


# ---- loaders ---------------------------------------------------------------------------------


def test_jsonl_loader_reads_every_field(tmp_path: Path) -> None:
    rows = [
        {"id": "a1", "text": "2023年，青岛港货物吞吐量突破7亿吨。", "title": "青岛港", "date": "2024-01",
         "source": "wire", "url": "https://example.com/a1"},
        {"id": "a2", "text": "2021年3月，某地进出口增长。"},
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    a1, a2 = load_paths([path])
    assert (a1.id, a1.title, a1.date, a1.date_inferred, a1.source, a1.url) == (
        "a1", "青岛港", "2024-01", False, "wire", "https://example.com/a1"
    )
    assert a1.text == rows[0]["text"] and (a1.start, a1.end) == (0, len(a1.text))
    assert a2.source.startswith("feed")  # named after the file when the row has no source
    assert (a2.date, a2.date_inferred) == ("2021-03", True)
    assert a2.title == "2021年3月"  # no title: the first clause


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "b", "text": "正文" ', "invalid JSON"),
        ('["not", "an", "object"]', "expected a JSON object"),
        ('{"text": "没有编号"}', "'id'"),
        ('{"id": "b", "text": "   "}', "'text'"),
        ('{"id": "b", "text": "正文", "title": 5}', "'title'"),
        ('{"id": "b", "text": "正文", "date": "2023/01/02"}', "date must be"),
        ('{"id": "b", "text": "正文", "date": "2023-02-30"}', "not a calendar date"),
        ('{"id": "b", "text": "正文", "date": "2023-13"}', "not a calendar date"),
        ('{"id": "a b/../c", "text": "正文"}', "may hold only letters"),
        ('{"id": "-lead", "text": "正文"}', "may hold only letters"),
        ('{"id": "a", "text": "同一个编号"}', "already used on line 1"),
    ],
)
def test_bad_jsonl_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "text": "第一行没问题。"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        load_paths([path])
    assert f"{path}:3" in str(err.value)
    assert message in str(err.value)


def test_parse_jsonl_skips_blank_lines() -> None:
    assert [a.id for a in parse_jsonl('\n{"id": "x", "text": "正文。"}\n  \n', "f.jsonl", "f")] == ["x"]


PAGE = "青岛港开通新航线\n\n6月1日，青岛港开通至东南亚的集装箱新航线，每周一班，预计年运量10万标箱。"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_newsroom_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"page-{encoding}.txt"
    path.write_bytes(PAGE.encode(encoding))
    (a,) = load_paths([path])
    assert a.title == "青岛港开通新航线" and "10万标箱" in a.text
    assert decode_text("外贸进出口".encode("gbk"), "short.txt") == "外贸进出口"  # short GBK is not Korean


def test_bytes_that_are_no_text_give_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "scan.txt"
    path.write_bytes(bytes([0x80, 0xFF, 0x00, 0x13, 0x9F] * 50))
    with pytest.raises(IngestError, match=r"scan\.txt: not text in a known encoding .*save it as UTF-8"):
        load_paths([path])


def test_empty_jsonl_is_an_error_like_an_empty_txt(tmp_path: Path) -> None:
    for name, body in (("empty.jsonl", "\n  \n"), ("empty.txt", "  \n\n")):
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        with pytest.raises(IngestError, match=rf"{name}: the file has no"):
            load_paths([path])


def test_articles_record_the_file_they_came_from(tmp_path: Path) -> None:
    """The file name with its extension: report.md and report.txt are different files."""
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "report.md").write_text("# 甲\n\n2024年，甲地进出口增长5%。", encoding="utf-8")
    (folder / "report.txt").write_text("乙\n\n2024年，乙地进出口增长6%。", encoding="utf-8")
    (folder / "feed.jsonl").write_text('{"id": "f1", "text": "丙地进出口增长7%。"}\n', encoding="utf-8")
    by_folder = {a.file for a in load_paths([folder])}
    assert by_folder == {"desk/report.md", "desk/report.txt", "desk/feed.jsonl"}
    (alone,) = load_paths([folder / "report.md"])
    assert alone.file == "report.md" and alone.source == "report"
    assert [a.file for a in parse_document("正文。", "up/load.html", ".html")] == ["load.html"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff标题\n\n正文第一句。".encode())
    (a,) = load_paths([path])
    assert a.text == "标题\n\n正文第一句。" and a.title == "标题"


def test_markdown_loader(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "# 青岛港吞吐量创新高\n\n![港口](port.png)\n\n2023年，[青岛港](http://x.cn)货物吞吐量**突破**7亿吨。\n",
        encoding="utf-8",
    )
    (a,) = load_paths([path])
    assert a.title == "青岛港吞吐量创新高"
    assert a.text == "青岛港吞吐量创新高\n\n2023年，青岛港货物吞吐量突破7亿吨。"
    assert "png" not in a.text and "http" not in a.text


@pytest.mark.parametrize(
    ("h1", "title"),
    [
        ("<h1>青岛港吞吐量创新高</h1>", "青岛港吞吐量创新高"),  # h1 wins over <title>
        ("", "页面标题"),
    ],
)
def test_html_loader(tmp_path: Path, h1: str, title: str) -> None:
    head = "<title>页面标题</title>"
    html = (
        f"<html><head>{head}<script>var bad = '不应出现';</script><style>p {{color: red}}</style></head>"
        f"<body>{h1}<p>2023年，青岛港货物吞吐量突破7亿吨&amp;集装箱。</p><p>集装箱吞吐量首破3000万标准箱。</p>"
        "<noscript>请启用脚本</noscript></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    (a,) = load_paths([path])
    assert a.title == title
    assert a.text.startswith(title + "\n\n")
    assert "不应出现" not in a.text and "color" not in a.text and "请启用脚本" not in a.text
    assert "7亿吨&集装箱。\n\n集装箱吞吐量首破3000万标准箱。" in a.text


def test_batch_with_one_bad_file_fails_whole(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("标题\n\n好的正文。", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(IngestError, match=r"b\.jsonl:1"):
        load_paths([tmp_path])


def test_unsupported_and_missing_paths(tmp_path: Path) -> None:
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF")
    with pytest.raises(IngestError, match="unsupported file type"):
        list(iter_files([pdf]))
    with pytest.raises(IngestError, match="no such file or folder"):
        list(iter_files([tmp_path / "missing"]))
    with pytest.raises(IngestError, match="unsupported file type"):
        parse_document("x", "x.doc", ".doc")
    with pytest.raises(IngestError, match="has no text"):
        parse_document(" \u200b\n\n", "empty.txt", ".txt")


def test_folders_skip_manifest_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("# 乙\n\n正文。", encoding="utf-8")
    (tmp_path / "a.txt").write_text("甲\n\n正文。", encoding="utf-8")
    (tmp_path / "manifest.json").write_text('{"pages": [{"file": "a.txt", "date": "2024-02"}]}', encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    assert [p.name for p in iter_files([tmp_path])] == ["a.txt", "b.md"]
    a, b = load_paths([tmp_path])
    assert (a.date, a.date_inferred, b.date) == ("2024-02", False, "")


def test_bad_manifest_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("甲\n\n正文。", encoding="utf-8")
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IngestError, match=r"manifest\.json: not valid JSON"):
        load_paths([tmp_path])
    (tmp_path / "manifest.json").write_text('{"pages": [{"file": "a.txt", "date": "Jan 2024"}]}', encoding="utf-8")
    with pytest.raises(IngestError, match="date must be"):
        load_paths([tmp_path])
