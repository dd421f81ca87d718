"""Hostile text, a sample citation and check result, and the checks that rendered HTML is inert,
shared by the UI's tests (our own text, written for these tests)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
MD_IMAGE = "![logo](http://evil.example/x.png)"
HOSTILE = f"青岛{XSS}外贸{MD_IMAGE}[链接](javascript:alert(1)) *强调* $$x$$ `code` | 管道"
QUOTE = "近日，青岛市2022年外贸数据出炉：外贸进出口9117.2亿元，同比增长7.4%。"
CITATION: dict[str, Any] = {
    "n": 1,
    "source": "000_4ec5dd5d5caa780e",
    "article_id": "65c554917f49d1da",
    "title": "青岛外贸进出口总值何以创新高",
    "date": "2023-01",
    "text": "青岛外贸进出口总值何以创新高\n\n" + QUOTE + "其中：出口5361.1亿元。",
    "quote": QUOTE,
    "start": 44,
    "end": 103,
    "score": 1.6,
}
ALLOWED_TAGS = {
    "div", "span", "mark", "sup", "details", "summary", "blockquote", "br", "p", "h3", "article",
    "table", "thead", "tbody", "tr", "th", "td", "ul", "li",
}  # fmt: skip
ALLOWED_ATTRS = {"class", "style", "rowspan", "role", "data-state", "data-kind"} | {
    f"aria-value{x}" for x in ("min", "max", "now")
}


class _Tags(HTMLParser):
    """Collects every tag and attribute the browser would build from a string."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_inert(out: str) -> None:
    """Only our own tags and attributes (no script, img, event handler, link); no Markdown link or
    image syntax and no LaTeX delimiters left for the chat's Markdown pass."""
    parser = _Tags()
    parser.feed(out)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, _ in attrs:
            assert name in ALLOWED_ATTRS, (tag, name)
    for md in ("![", "](", "[链接]", "$$", "`", "*强调*"):
        assert md not in out, md


def visible(out: str) -> str:
    """The text a browser shows for rendered HTML (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", out.replace("<br>", "\n")))


def check_result(**over: Any) -> dict[str, Any]:
    """A CheckResult.to_dict() in the shape rag's checker returns."""
    result: dict[str, Any] = {
        "claim": "2022年青岛外贸进出口总值达到9800亿元。",
        "verdict": "refuted",
        "explanation": "资料显示，外贸进出口9117.2亿元[1]（核查：原文为“9117.2亿元”，声明为“9800亿元”）",
        "figures": [
            {
                "raw": "9800亿元",
                "value": 9.8e11,
                "unit": "CNY",
                "kind": "amount",
                "measure": "level",
                "period": "2022",
                "compared_with": {"raw": "9117.2亿元", "source": CITATION["source"], "quote": QUOTE, "n": 1},
                "outcome": "refuted",
            }
        ],
        "evidence": [CITATION],
        "start": 0,
        "end": 21,
    }
    result.update(over)
    return result
