"""Run every benchmark in sequence and collect what they print (`make bench` runs this).

    .venv/bin/python bench/run_all.py            # everything (~30-40 min on 2 busy cores; the first run
                                                 # also builds the 100k index, ~7 min, and embeds the CMRC
                                                 # trial paragraphs, ~5 min; both are cached in bench/.cache)
    .venv/bin/python bench/run_all.py --quick    # smaller runs of each (~5 min once caches are warm)
    .venv/bin/python bench/run_all.py --only scale,peer

Each benchmark runs in its own process with a time limit, prints its tables (markdown) and saves its
figures as JSON under bench/out/; this script writes everything it printed to bench/out/run_all.md.
The peer benchmark needs the bench extra (`pip install -e '.[bench]'`; `make bench` installs it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from _common import OUT, ROOT, load_avg, machine

BENCH = ROOT / "bench"
PY = sys.executable


def plan(quick: bool) -> list[tuple[str, list[str], int]]:
    """(name, command, time limit in seconds)."""
    q = ["--quick"] if quick else []
    seeds_index = str(BENCH / ".cache" / "seeds")
    return [
        ("scale", [PY, str(BENCH / "bench_scale.py"), *q], 900),
        ("ingest", [PY, str(BENCH / "bench_ingest.py"), *q], 1500),
        ("query", [PY, str(BENCH / "bench_query.py"), *q], 1200),
        ("peer", [PY, str(BENCH / "bench_peer.py"), *q], 1500),
        ("index", [PY, str(BENCH / "bench_index.py"), "--queries", "50" if quick else "150"], 900),
        ("load", [PY, str(BENCH / "bench_load.py"), "--index", seeds_index,
                  *(["-c", "4", "-d", "5"] if quick else ["-c", "32", "-d", "30"])], 600),
        ("load-4", [PY, str(BENCH / "bench_load.py"), "--index", seeds_index, "-c", "4", "-d", "20"], 600),
    ][: 6 if quick else 7]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller runs of every benchmark")
    ap.add_argument("--only", help="comma-separated names: scale, ingest, query, peer, index, load, load-4")
    args = ap.parse_args(argv)
    steps = plan(args.quick)
    if args.only:
        wanted = {s.strip() for s in args.only.split(",")}
        steps = [s for s in steps if s[0] in wanted]
    if any(name.startswith("load") for name, _, _ in steps):
        import scale_index

        scale_index.seed_index()  # bench_load serves this index
    OUT.mkdir(parents=True, exist_ok=True)
    m = machine()
    lines = [f"# Benchmarks ({'quick' if args.quick else 'full'} run)",
             f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['date']}; load average {load_avg()}", ""]
    failed = []
    for name, cmd, limit in steps:
        print(f"== {name}: {' '.join(Path(c).name if c.startswith('/') else c for c in cmd)}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=limit)
            rc, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            rc, out, err = 124, (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or ""), f"timed out after {limit} s"
        seconds = time.perf_counter() - t0
        lines += [f"## {name} ({seconds:.0f} s, exit {rc}, load average after {load_avg()})", "", out.strip(), ""]
        if rc:
            failed.append(name)
            lines += ["```", err.strip()[-3000:], "```", ""]
        print(out.strip(), flush=True)
        print(f"== {name}: {seconds:.0f} s, exit {rc}", file=sys.stderr, flush=True)
    (OUT / "run_all.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten: {OUT / 'run_all.md'}" + (f"; failed: {', '.join(failed)}" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
