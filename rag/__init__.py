"""Chinese news question answering with cited, extractive answers and figure fact-checking.

Importing the package is cheap: torch, faiss, gradio and the encoder load only when used.
"""

__version__ = "0.1.0"
