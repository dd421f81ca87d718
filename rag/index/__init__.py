"""Index backends (the embedded folder lives in rag/store.py today; Milvus in rag/index/milvus.py)."""
