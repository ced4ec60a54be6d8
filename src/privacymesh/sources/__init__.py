"""Sources: where each product lives and how the engines read it (see `sources.base`)."""

from __future__ import annotations

from privacymesh.sources.base import Connector, DeleteOutcome, SourceSettings
from privacymesh.sources.registry import connector_class, open_connector, register

__all__ = [
    "Connector",
    "DeleteOutcome",
    "SourceSettings",
    "connector_class",
    "open_connector",
    "register",
]
