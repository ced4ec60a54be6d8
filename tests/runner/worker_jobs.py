"""Module-level jobs for the worker pool tests (a worker imports them by name)."""

from __future__ import annotations

import os
import time
from typing import Any


def square_plus(shared: dict[str, Any], x: int) -> tuple[int, int]:
    """x*x plus the shared offset, and the process that computed it."""
    return x * x + shared.get("offset", 0), os.getpid()


def fail(shared: dict[str, Any], message: str) -> None:
    raise ValueError(message)


def die(shared: dict[str, Any], code: int) -> None:
    os._exit(code)


WARMED = {"done": False}


def warm() -> None:
    WARMED["done"] = True


def slow_warm() -> None:
    time.sleep(0.5)
    WARMED["done"] = True


def was_warmed(shared: dict[str, Any]) -> bool:
    return WARMED["done"]


def shared_names(shared: dict[str, Any]) -> list[str]:
    return sorted(shared)
