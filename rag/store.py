"""The index store's public names, kept where callers have always imported them from; the
implementation lives in the rag.index package."""

from .index import *  # noqa: F403
from .index import __all__  # noqa: F401
