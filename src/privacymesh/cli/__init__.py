"""Command-line interface."""

from privacymesh.cli.app import app, main

__all__ = ["app", "main"]
