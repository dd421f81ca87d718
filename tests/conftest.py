"""Shared fixtures: the real seed corpus indexed once per test session with the real encoder.

Passage vectors are kept in .cache/test-vectors between runs (keyed by text hash, so a changed
chunk is re-embedded): the first run embeds the seeds (about 40 s), later runs reuse them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
VECTOR_CACHE = ROOT / ".cache" / "test-vectors"


def build_seed_index(folder: Path) -> Path:
    """Index seeds/ into `folder`, reusing and refreshing the shared vector cache."""
    from rag.embed import load_encoder
    from rag.ingest import iter_files, load_paths
    from rag.store import IndexWriter, file_digest
    from rag.understand import ANNOTATION_VERSION, annotate_chunks

    cache = folder / "cache"
    if VECTOR_CACHE.is_dir():
        shutil.copytree(VECTOR_CACHE, cache, dirs_exist_ok=True)
    files = {f.name: file_digest(f) for f in iter_files([SEEDS])}
    writer = IndexWriter(folder, load_encoder(), annotate=annotate_chunks, annotation_version=ANNOTATION_VERSION)
    writer.apply(add=load_paths([SEEDS]), files=files)
    VECTOR_CACHE.mkdir(parents=True, exist_ok=True)
    for f in cache.glob("*.npz"):
        shutil.copy2(f, VECTOR_CACHE / f.name)
    return folder


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only seed index shared by the session: copy it before writing to it."""
    return build_seed_index(tmp_path_factory.mktemp("seed-index"))


@pytest.fixture
def writable_index_dir(seed_index_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the seed index that a test may change."""
    target = tmp_path / "index"
    shutil.copytree(seed_index_dir, target)
    return target


@pytest.fixture(scope="session")
def seed_service(seed_index_dir: Path):  # type: ignore[no-untyped-def]
    from rag.service import RagService

    svc = RagService(seed_index_dir)
    svc.load()
    return svc
