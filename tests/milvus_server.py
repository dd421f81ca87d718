"""A Milvus Lite gRPC server in a child process on a free loopback port, for the Milvus backend's tests
and benchmark (`milvus-lite server`, from the `milvus` extra; its `chinese` extra brings jieba)."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT_S = 60.0


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the test process dies, even by kill -9 (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def milvus_lite_server(data_dir: Path, log: Path | None = None) -> Iterator[str]:
    """Start `milvus-lite server` on data_dir, yield its backend spec `milvus://127.0.0.1:PORT`,
    stop it (SIGTERM, then SIGKILL) on the way out."""
    port = free_port()
    out = open(log or data_dir.with_suffix(".log"), "wb")
    cmd = [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"milvus-lite server exited with {proc.returncode}; see {out.name}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"milvus-lite server did not listen on port {port}; see {out.name}") from None
                time.sleep(0.1)
        yield f"milvus://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()
