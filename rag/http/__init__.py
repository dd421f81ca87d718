"""The HTTP front end: `create_app(settings, service)`; `Guard` is its access policy, which the CLI
hands to the UI it mounts next to it. Never imports `ui`."""

from .app import create_app
from .guard import Guard

__all__ = ["Guard", "create_app"]
