"""What a write does before it is done: the ids it adds, replaces and removes, the conflicts it
would cause, and how a folder's files differ from what the index holds. Pure functions over
records, so each rule is tested on its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConflictError
from .jobs import WriteResult
from .store import file_digest
from .textzh import strip_controls
from .types import Article


def file_digests(files: Sequence[tuple[Path, str]]) -> dict[str, str]:
    """The digests the index manifest records to tell when files changed (keyed by file name)."""
    return {path.name: file_digest(path) for path, _ in files}


def upload_name(filename: str) -> str:
    """The file name an upload is known by: the last path part, without control characters."""
    return Path(strip_controls(filename or "").replace("\\", "/")).name.strip()


def _rows(articles: Sequence[Article]) -> list[str]:
    """Articles compared as content (all fields but the file name), in a stable order."""
    return sorted(repr(sorted((k, v) for k, v in a.to_dict().items() if k != "file")) for a in articles)


def _legacy_file(article: Article, stems: dict[str, str]) -> str:
    """The seed file an article of an older index (no file name recorded) came from, by its source."""
    if article.file:
        return ""
    return stems.get(article.source) or stems.get(article.source.split(":", 1)[0], "")


def check_conflict(articles: Sequence[Article], filename: str, known: dict[str, Article], replace: bool) -> list[str]:
    """The ids the write replaces as a file (those of `filename`); ConflictError when the write
    would overwrite articles (the file's, or any of its ids) and `replace` is false."""
    old = sorted(i for i, a in known.items() if filename and a.file == filename)
    if replace:
        return old
    if old:
        raise ConflictError(
            f"{filename} is already in the index as article(s) {', '.join(old)}; "
            "send it again with replace=true to replace them, or rename the file",
            old,
            filename,
        )
    taken = [a.id for a in articles if a.id in known]
    if taken:
        raise ConflictError(
            f"article id(s) {', '.join(taken)} already in the index; send replace=true to replace them, "
            "or use other ids",
            taken,
            filename,
        )
    return old


def plan_write(articles: Sequence[Article], old: Sequence[str], known: dict[str, Article]) -> WriteResult:
    """added / replaced / removed ids of writing `articles` in place of the ids `old`."""
    new = {a.id for a in articles}
    return WriteResult(
        added=[a.id for a in articles if a.id not in known],
        replaced=[a.id for a in articles if a.id in known],
        removed=[i for i in old if i not in new],
        generation=0,
    )


@dataclass(frozen=True)
class SyncReport:
    """What `sync_folder` did: files re-ingested, files whose articles were removed, articles kept
    that came from elsewhere (API, UI, other folders), and the write (None when nothing changed)."""

    changed: list[str]
    removed_files: list[str]
    kept_others: int | None
    write: WriteResult | None


@dataclass(frozen=True)
class SyncPlan:
    changed: list[str]  # files whose articles differ from the index's (or are new)
    gone: list[str]  # files the index has articles of that are no longer in the folder
    add: list[Article] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)  # ids of the index's articles of changed and gone files
    others: int = 0  # articles from anywhere else (API, UI, other folders): never touched


def plan_sync(prefix: str, labels: Sequence[str], wanted: Sequence[Article], known: dict[str, Article]) -> SyncPlan:
    """Compare a folder's articles (`wanted`, files `labels` under `prefix`, e.g. "seeds/") with the
    index's. Articles of older indexes, which have no file name, count as a folder file's when their
    source is that file's stem; they are re-ingested once so they get one."""
    stems = {Path(label).stem: label for label in labels}
    have: dict[str, list[Article]] = {}
    for a in known.values():
        label = a.file if a.file.startswith(prefix) else _legacy_file(a, stems)
        if label:
            have.setdefault(label, []).append(a)
    want: dict[str, list[Article]] = {}
    for a in wanted:
        want.setdefault(a.file, []).append(a)
    changed = sorted(
        label
        for label in labels
        if _rows(want.get(label, [])) != _rows(have.get(label, [])) or any(not a.file for a in have.get(label, []))
    )
    gone = sorted(label for label in have if label not in labels)
    return SyncPlan(
        changed,
        gone,
        add=[a for label in changed for a in want.get(label, [])],
        drop=[a.id for label in (*changed, *gone) for a in have.get(label, [])],
        others=len(known) - sum(len(v) for v in have.values()),
    )
