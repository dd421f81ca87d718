"""A deterministic generator of Chinese news-like text, for timing only.

    .venv/bin/python bench/gen_corpus.py --chunks 100000 --out bench/.cache/gen.jsonl   # JSONL articles
    .venv/bin/python bench/gen_corpus.py --articles 3 --print                             # look at a few

The text is assembled from fixed word lists and sentence templates with a seeded `random.Random`, so
the same arguments always give the same articles, byte for byte (no dependence on hash seeds, time or
locale). It reads like a regional economy page — places, indicators, figures with units, growth
rates, dates — so tokenisation, chunking, BM25 and the answerer's figure parsing do realistic work,
but the facts are random: never use it to measure answer quality, only speed and memory.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = 1  # bump when the output changes, so cached indexes built from it are rebuilt

PLACES = (
    "青岛 济南 烟台 潍坊 临沂 淄博 济宁 泰安 威海 日照 滨州 东营 德州 聊城 菏泽 枣庄 "
    "大连 宁波 厦门 深圳 广州 天津 苏州 无锡 杭州 合肥 郑州 武汉 长沙 成都 重庆 西安 "
    "黄岛区 市南区 市北区 李沧区 崂山区 城阳区 即墨区 胶州市 平度市 莱西市"
).split()
INDICATORS = (
    "地区生产总值 外贸进出口总值 出口额 进口额 一般公共预算收入 规模以上工业增加值 社会消费品零售总额 "
    "固定资产投资 实际使用外资 集装箱吞吐量 货物吞吐量 新增就业人数 城镇居民人均可支配收入 "
    "农村居民人均可支配收入 高新技术企业数量 专利授权量 跨境电商交易额 旅游总收入 接待游客人次 "
    "新能源汽车产量 海洋生产总值 研发经费投入 民营经济增加值 快递业务量 港口航线数量"
).split()
UNITS = (("亿元", 1, 9999), ("万元", 100, 99999), ("万标准箱", 10, 3000), ("万吨", 100, 70000),
         ("万人", 1, 900), ("家", 10, 9000), ("项", 10, 5000), ("条", 5, 300), ("元", 10000, 90000),
         ("万人次", 10, 9000), ("万辆", 1, 200))
ACTORS = (
    "市商务局 市统计局 海关 市发展改革委 市工业和信息化局 港口集团 市文化和旅游局 市科技局 "
    "自贸试验区片区 高新区管委会 市人力资源和社会保障局 市财政局 上合示范区 市交通运输局"
).split()
VERBS = "完成 实现 达到 突破 累计完成 共计实现".split()
TRENDS = ("同比增长", "同比下降", "比上年增长", "增速比全省高", "较上年同期提高")
QUALIFIERS = ("", "", "", "约", "近", "超过", "逾")
PERIODS = ("全年", "上半年", "前三季度", "1-5月", "1至11月", "一季度", "去年", "今年以来")
CLAUSES = (
    "{actor}有关负责人介绍，",
    "记者从{actor}获悉，",
    "据{actor}统计，",
    "{actor}发布的数据显示，",
    "",
)
TAILS = (
    "，位居副省级城市前列。",
    "，创历史新高。",
    "，为全年目标任务打下坚实基础。",
    "，其中民营企业贡献超过六成。",
    "，增速高于全国平均水平。",
    "。",
)
FILLERS = (
    "下一步，{actor}将继续优化营商环境，推动高质量发展，加快建设现代化国际大都市。",
    "{place}坚持稳中求进工作总基调，统筹发展和安全，着力扩大有效需求。",
    "业内人士认为，{indicator}的变化反映出{place}产业结构持续优化升级。",
    "{place}还将出台一系列支持政策，鼓励企业开拓国际市场，培育外贸新业态新模式。",
    "据了解，{actor}已连续三年开展专项行动，累计服务企业数千家次。",
    "“我们将进一步加大投入力度，”{actor}相关负责人表示，“确保各项任务落到实处。”",
)
HEADLINES = (
    "{place}{indicator}{verb}{value}{unit}",
    "{period}{place}{indicator}{trend}{pct}%",
    "{place}：{indicator}保持稳定增长",
    "{actor}发布{year}年{indicator}数据",
)


def _figure(rng: random.Random) -> tuple[str, str]:
    unit, lo, hi = rng.choice(UNITS)
    value = rng.uniform(lo, hi)
    text = f"{value:.1f}" if value < 1000 and rng.random() < 0.7 else f"{int(value)}"
    return text, unit


def _sentence(rng: random.Random, place: str, year: int) -> str:
    if rng.random() < 0.25:
        return rng.choice(FILLERS).format(actor=rng.choice(ACTORS), place=place, indicator=rng.choice(INDICATORS))
    value, unit = _figure(rng)
    lead = rng.choice(CLAUSES).format(actor=rng.choice(ACTORS))
    period = rng.choice(PERIODS)
    head = f"{lead}{year}年{period}，{place}{rng.choice(INDICATORS)}{rng.choice(VERBS)}{rng.choice(QUALIFIERS)}{value}{unit}"
    if rng.random() < 0.7:
        head += f"，{rng.choice(TRENDS)}{rng.uniform(0.1, 30):.1f}%"
    return head + rng.choice(TAILS)


def article(i: int, seed: int = 7) -> dict[str, str | int]:
    """The i-th generated article: the same (i, seed) always gives the same article."""
    rng = random.Random(seed * 1_000_003 + i)
    place = rng.choice(PLACES)
    year = rng.randint(2018, 2024)
    month = rng.randint(1, 12)
    value, unit = _figure(rng)
    title = rng.choice(HEADLINES).format(
        place=place, indicator=rng.choice(INDICATORS), verb=rng.choice(VERBS), value=value, unit=unit,
        period=rng.choice(PERIODS), trend=rng.choice(TRENDS), pct=f"{rng.uniform(0.5, 20):.1f}",
        actor=rng.choice(ACTORS), year=year,
    )
    paragraphs = []
    for _ in range(rng.randint(3, 9)):
        paragraphs.append("".join(_sentence(rng, place, year) for _ in range(rng.randint(2, 6))))
    return {
        "id": f"gen{seed}-{i:07d}",
        "title": title,
        "text": "\n".join(paragraphs),
        "source": f"gen_{i // 8:06d}",
        "date": f"{year}-{month:02d}-{rng.randint(1, 28):02d}",
    }


def articles(n: int, seed: int = 7, start: int = 0) -> Iterator[dict[str, str | int]]:
    for i in range(start, start + n):
        yield article(i, seed)


def rag_articles(n_chunks: int, seed: int = 7) -> list:  # list[rag.types.Article]
    """Generated articles as `rag.types.Article`, enough of them for about `n_chunks` chunks with the
    product's default chunk settings (stops at the first article that reaches the target)."""
    sys.path.insert(0, str(ROOT))
    from rag.chunk import chunk_article
    from rag.types import Article

    out: list[Article] = []
    total = 0
    i = 0
    while total < n_chunks:
        a = article(i, seed)
        art = Article(id=str(a["id"]), title=str(a["title"]), text=str(a["text"]), source=str(a["source"]),
                      date=str(a["date"]), start=0, end=len(str(a["text"])))
        total += len(chunk_article(art))
        out.append(art)
        i += 1
    return out


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
            print(f"# {r['title']}  ({r['date']}, {r['source']})\n{r['text']}\n")
    chars = sum(len(str(r["text"])) for r in rows)
    print(f"{len(rows)} articles, {chars} characters", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
