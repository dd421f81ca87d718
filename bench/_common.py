"""Helpers the benchmark scripts share: percentiles, the machine, load average, memory, JSON out."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
CACHE = ROOT / "bench" / ".cache"  # git-ignored: generated corpora, built indexes, vector caches
OUT = ROOT / "bench" / "out"  # git-ignored: JSON results of the last runs

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def summary(ms: list[float]) -> dict[str, float]:
    """p50/p95/p99/mean of a list of milliseconds."""
    if not ms:
        return {"n": 0}
    return {"p50": round(statistics.median(ms), 2), "p95": round(percentile(ms, 95), 2),
            "p99": round(percentile(ms, 99), 2), "mean": round(statistics.fmean(ms), 2), "n": len(ms)}


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "omp_threads": os.environ.get("OMP_NUM_THREADS", "default"), "date": time.strftime("%Y-%m-%d %H:%M")}


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process in MiB (VmRSS: anonymous plus file-backed pages)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_parts_mb(pid: int | str = "self") -> dict[str, float]:
    """RssAnon (private heap) and RssFile (mapped files, shared and reclaimable) in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":", 1)[0]
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            out[key] = round(int(line.split()[1]) / 1024, 1)
    return out


def dir_size_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20, 2)


def save(name: str, result: dict[str, Any]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def header(title: str) -> None:
    m = machine()
    print(f"## {title}\nmachine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
          f"OMP_NUM_THREADS={m['omp_threads']}, {m['date']}, load average {load_avg()}")
