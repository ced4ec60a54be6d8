"""privacymesh: privacy compliance for a data mesh, measurable and provable."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # importlib.metadata costs tens of milliseconds: looked up only when asked for
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("privacymesh")
        except PackageNotFoundError:  # running from a source tree without install
            return "0.0.0+local"
    raise AttributeError(f"module 'privacymesh' has no attribute {name!r}")
