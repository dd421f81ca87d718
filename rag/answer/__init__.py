"""Answering: align retrieved evidence with the question, score it (weights.py), quote it (compose.py)."""

from .answerer import Answerer, merge_follow_up
from .compose import NOT_FOUND
from .weights import WEIGHTS, Weights

__all__ = ["NOT_FOUND", "WEIGHTS", "Answerer", "Weights", "merge_follow_up"]
