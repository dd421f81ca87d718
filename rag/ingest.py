"""Loaders and page cleaning: from files on disk to `Article` records.

A newspaper page as text is messy: lines hard-wrapped every few dozen characters, words broken across
a blank line where the layout changed column, several articles one after another with their
headlines, bylines (□记者 … 报道) and datelines (本报青岛讯). `clean_page` repairs the text and
`split_articles` cuts the cleaned page into articles whose offsets point back into it.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

from .errors import IngestError
from .textzh import cut, strip_controls
from .types import Article, content_id

SUPPORTED_SUFFIXES = (".txt", ".md", ".jsonl", ".html", ".htm")
MANIFEST_NAME = "manifest.json"
# An article id given by a user (JSON or JSONL): letters, digits, CJK and a few separators.
ARTICLE_ID = r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff._:@+-]{0,127}$"
# The encodings a Chinese newsroom's files come in; charset-normalizer chooses among them only
# (left free, it reads a short GBK text as Korean cp949).
_ENCODINGS = ["utf_8", "gb18030", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "big5"]

_TERMINAL = "。！？!?；;…"
_BYLINE = re.compile(
    r"^□|^(?:本报)?(?:记者|通讯员|实习生)[^。，,]{0,40}(?:报道|摄)$|^(?:通讯员|实习生)[^。]{0,30}报道$"
)
_DATELINE = re.compile(r"^(?:本报|新华社|中新社|人民网)[\u4e00-\u9fff]{0,8}(?:讯|电)")
_LIST_ITEM = re.compile(r"^(?:[-•·*]\s|\d{1,2}[.、)]\s?|[（(][一二三四五六七八九十\d]{1,2}[)）])")
_HEADING_MAX = 32
_SIGN_OFF = re.compile(r"(?<=[。！？”])[（(][^（）()]{1,12}[)）]$")  # 。（宋晓华）
_CAPTION = re.compile(r"摄(?:[（(][^（）()]{1,12}[)）])?$")  # 张进刚摄（人民视觉）
_NAME_LINE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


@dataclass(frozen=True)
class Paragraph:
    text: str
    start: int
    end: int
    kind: str  # heading | byline | dateline | body


def _ends_sentence(text: str) -> bool:
    text = _SIGN_OFF.sub("", text.rstrip())
    if not text:
        return True
    if text[-1] in _TERMINAL:
        return True
    # a closing quote or bracket ends a sentence only after sentence punctuation: 。” but not “稳定器”
    return text[-1] in "”’」』)）" and len(text) > 1 and text[-2] in _TERMINAL


def _unclosed(text: str) -> bool:
    """True when a quote, title mark or bracket is still open: the text cannot end there
    (“先期 | 机检+智能审图” is one phrase broken by the layout, not a headline)."""
    return any(text.count(a) > text.count(b) for a, b in ("“”", "《》", "（）", "‘’"))


def _is_marker(line: str) -> bool:
    return bool(_BYLINE.match(line) or _DATELINE.match(line) or _LIST_ITEM.match(line))


def _joins_word(left: str, right: str) -> bool:
    """True when a jieba word spans the boundary: 首家跨境 | 电商产业园 → 跨境电商."""
    a, b = left[-4:], right[:4]
    pos = 0
    for token in cut(a + b):
        if pos < len(a) < pos + len(token) and len(token) >= 2:
            return True
        pos += len(token)
    return False


def _join(left: str, right: str) -> str:
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return left + " " + right
    return left + right


def _logical_lines(block: str) -> list[str]:
    """Join the hard-wrapped lines of one block, keeping bylines, datelines and list items apart."""
    lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
    out: list[str] = []
    for line in lines:
        if out and not _is_marker(line) and not _BYLINE.match(out[-1]):
            out[-1] = _join(out[-1], line)
        else:
            out.append(line)
    return out


def clean_page(raw: str) -> str:
    """Repair a page's layout: one paragraph per line pair, hard wraps and column breaks joined.

    A blank line is a real paragraph break unless the text before it stops mid-sentence and is body
    text (long, has a comma) or a word runs across it; short unpunctuated lines stay headlines.
    """
    text = strip_controls(unicodedata.normalize("NFC", raw)).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u3000", " ").replace("\xa0", " ")
    paragraphs: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text):
        for line in _logical_lines(block):
            prev = paragraphs[-1] if paragraphs else ""
            continues = bool(prev) and not _ends_sentence(prev) and not _is_marker(line) and not _BYLINE.match(prev)
            if continues and (len(prev) > _HEADING_MAX or _unclosed(prev) or _joins_word(prev, line)):
                paragraphs[-1] = _join(prev, line)
            else:
                paragraphs.append(line)
    return "\n\n".join(paragraphs)


def paragraphs(page: str) -> list[Paragraph]:
    """Classify the paragraphs of a cleaned page, with offsets into it."""
    out: list[Paragraph] = []
    for m in re.finditer(r"[^\n]+", page):
        line = m.group()
        if _BYLINE.match(line):
            kind = "byline"
        elif _DATELINE.match(line):
            kind = "dateline"
        elif (
            len(line) <= _HEADING_MAX
            and not _ends_sentence(line)
            and not _LIST_ITEM.match(line)
            and not _CAPTION.search(line)
        ):
            kind = "heading"
        else:
            kind = "body"
        if kind == "heading" and _NAME_LINE.match(line) and out and out[-1].kind == "heading":
            kind = "byline"  # an author's name alone under a headline: 宋晓华
        out.append(Paragraph(line, m.start(), m.end(), kind))
    return out


def _article_starts(paras: list[Paragraph]) -> list[int]:
    """Indexes of the paragraphs where a new article begins.

    An article begins at the headline group above a byline or dateline (a deck of up to 80
    characters may stand between), or at a byline/dateline with no headline (a photo caption).
    """
    starts = {0}
    i = 0
    while i < len(paras):
        if paras[i].kind in ("byline", "dateline"):
            j = i
            while j > 0 and paras[j - 1].kind in ("byline", "dateline"):
                j -= 1
            k = j
            if k > 0 and paras[k - 1].kind == "body" and len(paras[k - 1].text) <= 80 and not _ends_sentence(
                paras[k - 1].text
            ) and k > 1 and paras[k - 2].kind == "heading":
                k -= 1  # deck under the headline
            while k > 0 and paras[k - 1].kind == "heading":
                k -= 1
            if not any(s >= k for s in starts if s > 0) or k > max(starts):
                starts.add(k)
            while i + 1 < len(paras) and paras[i + 1].kind in ("byline", "dateline"):
                i += 1
        i += 1
    return sorted(starts)


def _title_of(paras: list[Paragraph]) -> str:
    """The headline of an article: its longest leading heading, prefixed by a short kicker line
    (青岛开展 / 关爱服务困境儿童活动); without a leading headline, the first heading near the top,
    else the first clause of the text."""
    lead: list[str] = []
    for p in paras:
        if p.kind != "heading":
            break
        lead.append(p.text)
    if not lead:
        lead = [p.text for p in paras[:4] if p.kind == "heading"][:1]
    if lead:
        idx = max(range(len(lead)), key=lambda n: len(lead[n]))
        title = lead[idx]
        if idx > 0 and len(lead[idx - 1]) <= 7:
            title = f"{lead[idx - 1]} {title}"
        return title
    body = next((p.text for p in paras if p.kind in ("body", "dateline")), paras[0].text if paras else "")
    body = re.sub(r"^(?:\d{1,2}月\d{1,2}日|近日|日前)[，,]?", "", _DATELINE.sub("", body).strip())
    title = re.split(r"[，。！？；,]", body, maxsplit=1)[0][:30]
    if _unclosed(title):  # cut before a quote the 30-character limit left open: …中建集团“红帆领航 筑梦
        title = title[: max(title.rfind(m) for m in "“《（‘")].rstrip() or title
    return title


def _byline_of(paras: list[Paragraph]) -> str:
    return " ".join(p.text for p in paras[:8] if p.kind == "byline")


_YM = re.compile(r"(20\d{2}|19\d{2})年(\d{1,2})月")
_Y = re.compile(r"(20\d{2}|19\d{2})年")


def infer_date(text: str) -> str:
    """Best guess of when a text was written: the latest year it names, with the month when the text
    names one in that year (2022年10月 … 2023年春节 → 2023, not 2022-10)."""
    months = [(int(y), int(m)) for y, m in _YM.findall(text) if 1 <= int(m) <= 12]
    years = [int(y) for y in _Y.findall(text)]
    if not years:
        return ""
    latest = max(years)
    in_latest = [m for y, m in months if y == latest]
    return f"{latest:04d}-{max(in_latest):02d}" if in_latest else f"{latest:04d}"


def split_articles(page: str, source: str, date: str = "", url: str = "") -> list[Article]:
    """Cut a cleaned page into articles; every character of the page belongs to exactly one."""
    paras = paragraphs(page)
    if not paras:
        return []
    starts = _article_starts(paras)
    articles: list[Article] = []
    for n, s in enumerate(starts):
        e = starts[n + 1] if n + 1 < len(starts) else len(paras)
        group = paras[s:e]
        start, end = group[0].start, group[-1].end
        text = page[start:end]
        art_date, inferred = (date, False) if date else (infer_date(text), True)
        title = _title_of(group)
        articles.append(
            Article(
                id=content_id(source, title, text),
                title=title,
                text=text,
                source=source,
                date=art_date,
                date_inferred=inferred if art_date else False,
                byline=_byline_of(group),
                url=url,
                start=start,
                end=end,
            )
        )
    return articles


class _HTMLText(HTMLParser):
    """Visible text of an HTML page with block elements as paragraph breaks; scripts dropped."""

    BLOCKS = frozenset("p div br h1 h2 h3 h4 h5 h6 li tr section article header footer blockquote title".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False
        self._in_h1 = False
        self.h1 = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip += 1
        if tag == "title":
            self._in_title = True
        if tag == "h1":
            self._in_h1 = True
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template") and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False
        if tag == "h1":
            self._in_h1 = False
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data.strip()
            return
        if self._in_h1:
            self.h1 += data.strip()
        self.parts.append(data)


def _html_to_text(raw: str) -> tuple[str, str]:
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    return text, parser.h1 or parser.title


def _markdown_to_text(raw: str) -> str:
    """Plain text of Markdown: headings become headline lines, images and link targets are dropped."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", raw)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^#{1,6}\s*(.+?)\s*#*$", r"\n\1\n", text, flags=re.M)
    text = re.sub(r"(\*\*|__|`)", "", text)
    return text


def read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """Per-file metadata from a folder's manifest.json ({"pages": [{"file", "date", ...}]})."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(f"{path}: not valid JSON ({exc}); fix or remove the manifest") from exc
    pages = data.get("pages", []) if isinstance(data, dict) else []
    return {str(p["file"]): {k: str(v) for k, v in p.items()} for p in pages if isinstance(p, dict) and "file" in p}


def decode_text(data: bytes, where: str) -> str:
    """The text of a file: UTF-8 (with or without BOM) when it is, else GB18030/GBK, UTF-16/32 or
    Big5 as charset-normalizer detects; bytes that are none of these are an error, not mojibake."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_ENCODINGS).best()
    if best is None:
        raise IngestError(
            f"{where}: not text in a known encoding (UTF-8, GB18030/GBK, UTF-16, Big5); save it as UTF-8 and try again"
        )
    return str(best).lstrip("\ufeff")


def _read_text(path: Path) -> str:
    try:
        return decode_text(path.read_bytes(), str(path))
    except OSError as exc:
        raise IngestError(f"{path}: cannot be read ({exc.strerror})") from exc


def _validate_date(value: object, where: str) -> str:
    """YYYY, YYYY-MM or YYYY-MM-DD naming a real calendar date (2023-02-30 is refused)."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise IngestError(f"{where}: date must be YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    year, month, day = ([*map(int, value.split("-")), 1, 1])[:3]
    try:
        dt.date(year, month, day)
    except ValueError:
        raise IngestError(f"{where}: date {value!r} is not a calendar date") from None
    return value


def parse_jsonl(raw: str, name: str, default_source: str) -> list[Article]:
    """One article per line: id and text required; title, date, source, url optional."""
    articles = []
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(f"{where}: invalid JSON ({exc.msg}); each line must be one JSON object") from exc
        article = article_from_record(row, where, default_source)
        if article.id in first_line:
            raise IngestError(f"{where}: id '{article.id}' already used on line {first_line[article.id]}; ids must be unique")
        first_line[article.id] = lineno
        articles.append(article)
    if not articles:
        raise IngestError(f"{name}: the file has no articles; write one JSON object per line")
    return articles


def article_from_record(row: object, where: str, default_source: str) -> Article:
    """An article from a JSON object (a JSONL line or an API request), validated field by field."""
    if not isinstance(row, dict):
        raise IngestError(f"{where}: expected a JSON object with 'id' and 'text'")
    for key in ("id", "text"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise IngestError(f"{where}: field '{key}' is missing or not a non-empty string")
    if not re.fullmatch(ARTICLE_ID, strip_controls(row["id"]).strip()):
        raise IngestError(
            f"{where}: id {row['id']!r} may hold only letters, digits, Chinese characters and ._:@+- "
            "(at most 128, starting with a letter, digit or character)"
        )
    for key in ("title", "source", "url"):
        if row.get(key) is not None and not isinstance(row[key], str):
            raise IngestError(f"{where}: field '{key}' must be a string")
    text = clean_page(html.unescape(row["text"]) if row.get("html") else row["text"])
    if not text.strip():
        raise IngestError(f"{where}: field 'text' has no visible characters")
    date = _validate_date(row.get("date"), where)
    title = strip_controls(row.get("title") or "").strip() or _title_of(paragraphs(text))
    return Article(
        id=strip_controls(row["id"]).strip(),
        title=title,
        text=text,
        source=strip_controls(row.get("source") or f"{default_source}:{row['id'].strip()}"),
        date=date or infer_date(text),
        date_inferred=not date and bool(infer_date(text)),
        url=row.get("url") or "",
        start=0,
        end=len(text),
    )


def parse_document(
    raw: str, name: str, suffix: str, meta: dict[str, str] | None = None, file: str | None = None
) -> list[Article]:
    """Articles from one document's text; `name` gives the source (its stem) and error messages,
    `file` the name recorded on every article (default: the name with its extension)."""
    meta = meta or {}
    source = Path(name).stem
    label = Path(name).name if file is None else file
    if suffix == ".jsonl":
        return [replace(a, file=label) for a in parse_jsonl(raw, name, source)]
    if suffix in (".html", ".htm"):
        body, title = _html_to_text(raw)
        page = clean_page(body)
        if title and not page.startswith(title):
            page = clean_page(f"{title}\n\n{body}")
    elif suffix == ".md":
        page = clean_page(_markdown_to_text(raw))
    elif suffix == ".txt":
        page = clean_page(raw)
    else:
        raise IngestError(f"{name}: unsupported file type '{suffix}'; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    if not page.strip():
        raise IngestError(f"{name}: the file has no text")
    date = _validate_date(meta.get("date"), f"{name} (manifest)")
    return [replace(a, file=label) for a in split_articles(page, source, date=date, url=meta.get("url", ""))]


def labelled_files(paths: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """The supported files under the given files and folders, in a stable order, each with the name
    its articles record: a folder's files keep the folder's name (seeds/000_x.txt), a file named
    on its own its name alone (report.md), like an uploaded file."""
    for path in paths:
        if path.is_dir():
            root = path.resolve()
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES and child.name != MANIFEST_NAME:
                    yield child, f"{root.name}/{child.resolve().relative_to(root).as_posix()}"
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise IngestError(f"{path}: unsupported file type; use one of {', '.join(SUPPORTED_SUFFIXES)}")
            yield path, path.name
        else:
            raise IngestError(f"{path}: no such file or folder")


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The supported files under the given files and folders, in a stable order."""
    for path, _ in labelled_files(paths):
        yield path


def load_paths(paths: Iterable[Path]) -> list[Article]:
    """Every article in the given files and folders; any bad file fails the whole batch."""
    articles: list[Article] = []
    manifests: dict[Path, dict[str, dict[str, str]]] = {}
    for file, label in labelled_files(paths):
        folder = file.parent
        if folder not in manifests:
            manifests[folder] = read_manifest(folder)
        meta = manifests[folder].get(file.name, {})
        articles.extend(parse_document(_read_text(file), str(file), file.suffix.lower(), meta, file=label))
    seen: dict[str, str] = {}
    for a in articles:
        if a.id in seen and seen[a.id] != a.source:
            raise IngestError(f"article id '{a.id}' appears in both {seen[a.id]} and {a.source}; ids must be unique")
        seen[a.id] = a.source
    return articles
