"""Chinese request examples for /docs (OpenAPI `examples`)."""

from __future__ import annotations

from typing import Any

ASK_EXAMPLES: dict[str, Any] = {
    "fact": {"summary": "数字事实", "value": {"question": "青岛市2022年外贸进出口总值是多少？"}},
    "filtered": {
        "summary": "限定日期",
        "value": {"question": "青岛港集装箱吞吐量是多少？", "top_k": 5, "filters": {"date_from": "2024"}},
    },
    "follow_up": {
        "summary": "追问",
        "value": {"question": "那2023年呢？", "history": ["青岛市2022年外贸进出口总值是多少？"]},
    },
}
SEARCH_EXAMPLES: dict[str, Any] = {
    "hybrid": {"summary": "混合检索", "value": {"query": "青岛 海外仓 面积", "top_k": 3}},
    "bm25": {"summary": "关键词检索", "value": {"query": "上合组织", "mode": "bm25"}},
}
CHECK_EXAMPLES: dict[str, Any] = {
    "claim": {"summary": "核查一句话", "value": {"claim": "2022年青岛外贸进出口总值超过1万亿元。"}},
    "draft": {
        "summary": "核查稿件",
        "value": {"text": "2022年青岛外贸进出口总值为9117.2亿元。青岛港货物吞吐量全球第一。"},
    },
}
ARTICLE_EXAMPLE: dict[str, Any] = {
    "id": "demo-001",
    "title": "青岛港开通新航线",
    "date": "2024-06-01",
    "source": "api-demo",
    "text": "青岛港开通新航线\n\n6月1日，青岛港开通至东南亚的集装箱新航线，每周一班，预计年运量10万标箱。",
}
ARTICLES_EXAMPLE: dict[str, Any] = {
    "articles": [
        ARTICLE_EXAMPLE,
        {**ARTICLE_EXAMPLE, "id": "demo-002", "text": "青岛港新航线首航\n\n6月8日，新航线首航船舶靠泊前湾港区。"},
    ]
}
CHAT_EXAMPLES: dict[str, Any] = {
    "ask": {
        "summary": "问答",
        "value": {
            "model": "rag-news-zh",
            "messages": [{"role": "user", "content": "青岛港的海上航线连接全球多少个港口？"}],
        },
    },
    "follow_up": {
        "summary": "追问",
        "value": {
            "model": "rag-news-zh",
            "messages": [
                {"role": "user", "content": "2022年青岛外贸进出口总值是多少？"},
                {"role": "assistant", "content": "9117.2亿元[1]"},
                {"role": "user", "content": "那2023年呢？"},
            ],
        },
    },
    "factcheck": {
        "summary": "事实核查",
        "value": {
            "model": "rag-news-zh-factcheck",
            "messages": [{"role": "user", "content": "2022年青岛外贸进出口总值超过1万亿元。"}],
            "stream": True,
        },
    },
}
