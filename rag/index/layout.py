"""The index folder on disk: names, CURRENT, manifests, the writer lock, JSON lines.

Layout of an index folder::

    LOCK                   held (flock) by the one writer at a time
    CURRENT                name of the live generation, replaced atomically
    gen-000007/            manifest.json: the segments of this generation and their tombstones
    segments/seg-000005-0/ one immutable segment (see segment.py), shared by the generations that list it
    cache/                 passage vectors by (encoder, text hash)

A write builds new segments and the next generation in temp folders, fsyncs them, renames them into
place and only then points CURRENT at the generation; the previous generation is kept. A reader that
follows CURRENT therefore never sees a half-written index, whatever point a writer is killed at.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..chunk import ChunkSettings
from ..errors import IndexBusyError, IndexMismatchError
from ..textzh import STOPWORDS, domain_terms

# 3: segments + tombstones, BM25 postings of our own (2: one folder per generation, bm25s).
SCHEMA_VERSION = 3
TOKENIZER = "jieba-search+domain-v1"
GENERATIONS_KEPT = 2
SEGMENTS = "segments"
# Lucene's defaults (bm25s defaults to k1=1.5): term frequency saturates sooner, so a chunk that
# repeats a compound word (进出口总值 and its parts) does not outrank the one that states the fact.
BM25_PARAMS = {"k1": 1.2, "b": 0.75}


def rebuild_hint(folder: Path) -> str:
    return f"run `rag ingest --rebuild --index {folder} PATH...` to build it again"


def tokenizer_id() -> str:
    """TOKENIZER plus a digest of the domain terms and stop words: postings are stale when either
    changes, and the manifest says which tokenizer built them."""
    h = hashlib.sha256("\n".join([*domain_terms(), "", *sorted(STOPWORDS)]).encode("utf-8")).hexdigest()[:8]
    return f"{TOKENIZER}+{h}"


def _gen_name(n: int) -> str:
    return f"gen-{n:06d}"


def _generations(folder: Path) -> list[int]:
    out = []
    for p in Path(folder).glob("gen-*"):
        try:
            out.append(int(p.name[4:]))
        except ValueError:
            continue
    return sorted(out)


# CURRENT's (path, inode, mtime, size) → the name it holds: every request asks for the live generation,
# and a stat is cheaper than reading the file (a writer replaces CURRENT by rename: a new inode).
_current_names: dict[tuple[str, int, int, int], str] = {}


def _current_name(cur: Path) -> str | None:
    try:
        st = os.stat(cur)
    except OSError:
        return None
    key = (str(cur), st.st_ino, st.st_mtime_ns, st.st_size)
    name = _current_names.get(key)
    if name is None:
        try:
            name = cur.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        if len(_current_names) > 64:
            _current_names.clear()
        _current_names[key] = name
    return name


def current_generation(folder: Path) -> int | None:
    """The live generation: CURRENT, or the newest complete one if CURRENT is missing."""
    folder = Path(folder)
    name = _current_name(folder / "CURRENT")
    if name is not None and name.startswith("gen-") and os.path.isfile(os.path.join(folder, name, "manifest.json")):
        return int(name[4:])
    complete = [g for g in _generations(folder) if (folder / _gen_name(g) / "manifest.json").is_file()]
    return complete[-1] if complete else None


def read_manifest(folder: Path, gen: int) -> dict[str, Any]:
    gdir = Path(folder) / _gen_name(gen)
    try:
        manifest = json.loads((gdir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexMismatchError(f"the manifest of {gdir} is unreadable ({exc}); {rebuild_hint(folder)}") from exc
    if not isinstance(manifest, dict):
        raise IndexMismatchError(f"the manifest of {gdir} is not an object; {rebuild_hint(folder)}")
    return manifest


def check_schema(folder: Path, manifest: dict[str, Any]) -> None:
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"index {folder} has schema {manifest.get('schema_version')}, this version reads {SCHEMA_VERSION}; "
            + rebuild_hint(folder)
        )


def referenced_segments(folder: Path) -> set[str]:
    """Segments listed by any generation on disk (published or left by a writer killed before CURRENT)."""
    names: set[str] = set()
    for g in _generations(folder):
        try:
            manifest = json.loads((Path(folder) / _gen_name(g) / "manifest.json").read_text(encoding="utf-8"))
            names.update(s["name"] for s in manifest.get("segments", ()))
        except (OSError, ValueError, TypeError, KeyError):
            continue
    return names


@contextmanager
def writer_lock(folder: Path, timeout: float = 30.0) -> Iterator[None]:
    """Serialise writers on one index folder (flock is released by the kernel if the holder dies)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another process is writing the index {folder}; try again when it has finished"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


try:  # faster than json (100k chunks: loads a third faster, dumps ~8x); a dependency of gradio
    from orjson import OPT_INDENT_2 as _INDENT
    from orjson import dumps as _dumps
    from orjson import loads as json_loads
except ImportError:  # pragma: no cover
    _dumps = None
    _INDENT = 0
    json_loads = json.loads


def json_line(row: Any) -> bytes:
    if _dumps is not None:
        try:
            return bytes(_dumps(row)) + b"\n"
        except TypeError:  # orjson refuses what json writes (e.g. lone surrogates): let json decide
            pass
    return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")


def record_row(record: Any) -> dict[str, Any]:
    """A flat dataclass record as a dict, like `to_dict()` (dataclasses.asdict), without asdict's deep
    copies (a third of the time of writing 100k chunks)."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def write_json(path: Path, value: Any) -> None:
    """Indented JSON (a manifest is read by people too); orjson where it can, ~10x faster."""
    if _dumps is not None:
        try:
            path.write_bytes(_dumps(value, option=_INDENT))
            return
        except TypeError:
            pass
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def is_stale(folder: Path, files: dict[str, str], encoder_name: str, annotation_version: str | None = None) -> bool:
    """True when the index is missing, built with another encoder/schema, tokenizer, default chunk
    settings or BM25 parameters, or its files changed; and, when `annotation_version` is given, when
    its chunks were annotated under another version (or not at all)."""
    folder = Path(folder)
    gen = current_generation(folder) if folder.is_dir() else None
    if gen is None:
        return True
    try:
        manifest = read_manifest(folder, gen)
    except IndexMismatchError:
        return True
    return (
        manifest.get("schema_version") != SCHEMA_VERSION
        or manifest.get("encoder") != encoder_name
        or manifest.get("files") != dict(sorted(files.items()))
        or manifest.get("tokenizer") != tokenizer_id()
        or manifest.get("chunk") != asdict(ChunkSettings())
        or manifest.get("bm25") != BM25_PARAMS
        or (annotation_version is not None and manifest.get("annotation_version") != annotation_version)
    )
