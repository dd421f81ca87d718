"""A deterministic generator of real-shaped Chinese news, for timing only.

    .venv/bin/python bench/gen_corpus.py --chunks 100000 --out bench/.cache/gen.jsonl   # JSONL articles
    .venv/bin/python bench/gen_corpus.py --articles 3 --print                             # look at a few

Articles are recombined from the sentences of the real news in ../shared/eval/news2023/articles.jsonl
(CRUD-RAG, 2023: economy, policy, society, sport, technology, world news): each generated article takes
the length and date of one real article and runs of consecutive sentences from two or three others,
with the digits of about half the sentences redrawn, so tokenisation, chunking, BM25 and the answerer's
sentence and figure parsing work on real vocabulary, sentence lengths and number formats. A seeded
`random.Random` makes the same arguments give the same articles, byte for byte. The facts are
scrambled: never use it to measure answer quality, only speed and memory.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "eval" / "news2023" / "articles.jsonl"
VERSION = 2  # bump when the output changes, so cached indexes built from it are rebuilt
_SENTENCE = re.compile(r"[^。！？]+[。！？]?")
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=1)
def _real() -> tuple[list[list[str]], list[int], list[str]]:
    """Sentences of each real article, their lengths and dates."""
    if not NEWS.is_file():
        raise SystemExit(f"{NEWS} is missing: the generator recombines its sentences")
    sentences, lengths, dates = [], [], []
    for line in NEWS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            parts = [m.group(0).strip() for m in _SENTENCE.finditer(row["text"]) if m.group(0).strip()]
            if parts:
                sentences.append(parts)
                lengths.append(len(row["text"]))
                dates.append(str(row.get("date") or "2023-01-01"))
    return sentences, lengths, dates


def _redraw(sentence: str, rng: random.Random) -> str:
    """The sentence with each number redrawn to as many digits (no leading zero): 8.40亿元 → 3.17亿元."""
    def one(m: re.Match[str]) -> str:
        n = len(m.group(0))
        return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1)) if n > 1 else str(rng.randint(0, 9))
    return _DIGITS.sub(one, sentence)


def article(i: int, seed: int = 7) -> dict[str, str | int]:
    """The i-th generated article: the same (i, seed) always gives the same article."""
    sentences, lengths, dates = _real()
    rng = random.Random(seed * 1_000_003 + i)
    model = rng.randrange(len(lengths))
    target = lengths[model]
    donors = [rng.randrange(len(sentences)) for _ in range(rng.randint(2, 3))]
    paragraphs: list[str] = []
    size = 0
    while size < target:
        donor = sentences[rng.choice(donors)]
        start = rng.randrange(len(donor))
        run = donor[start : start + rng.randint(2, 5)]
        text = "".join(_redraw(x, rng) if rng.random() < 0.5 else x for x in run)
        paragraphs.append(text)
        size += len(text)
    return {
        "id": f"gen{seed}-{i:07d}",
        "title": "",  # as in the CRUD-RAG articles: the headline is the text's first sentence
        "text": "\n".join(paragraphs),
        "source": f"gen_{i // 8:06d}",
        "date": dates[model],
    }


def articles(n: int, seed: int = 7, start: int = 0) -> Iterator[dict[str, str | int]]:
    for i in range(start, start + n):
        yield article(i, seed)


def rag_articles(n_chunks: int, seed: int = 7, start: int = 0) -> list:  # list[rag.types.Article]
    """Generated articles as `rag.types.Article`, enough of them for about `n_chunks` chunks with the
    product's default chunk settings (stops at the first article that reaches the target)."""
    sys.path.insert(0, str(ROOT))
    from rag.chunk import chunk_article

    out = []
    total = 0
    i = start
    while total < n_chunks:
        art = as_article(article(i, seed))
        total += len(chunk_article(art))
        out.append(art)
        i += 1
    return out


def as_article(row: dict[str, str | int]):  # -> rag.types.Article
    sys.path.insert(0, str(ROOT))
    from rag.types import Article

    text = str(row["text"])
    return Article(id=str(row["id"]), title=str(row["title"]), text=text, source=str(row["source"]),
                   date=str(row["date"]), start=0, end=len(text))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, help="number of articles")
    ap.add_argument("--chunks", type=int, help="generate articles until this many chunks (280/70)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, help="write JSONL articles here (rag ingest reads them)")
    ap.add_argument("--print", action="store_true", help="print the articles' text")
    args = ap.parse_args(argv)
    if args.chunks:
        rows = [{"id": a.id, "title": a.title, "text": a.text, "source": a.source, "date": a.date}
                for a in rag_articles(args.chunks, args.seed)]
    else:
        rows = list(articles(args.articles or 10, args.seed))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    if args.print:
        for r in rows:
            print(f"# {r['id']}  ({r['date']}, {r['source']})\n{r['text']}\n")
    chars = sum(len(str(r["text"])) for r in rows)
    print(f"{len(rows)} articles, {chars} characters", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
