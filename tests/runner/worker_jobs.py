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


class Pickled:
    """A shared value that counts, in the process that pickles it, how often it was pickled."""

    times = 0

    def __init__(self, payload: int) -> None:
        self.payload = payload

    def __getstate__(self) -> dict[str, Any]:
        Pickled.times += 1
        return self.__dict__


def shared_payload(shared: dict[str, Any], name: str) -> tuple[int, int]:
    """The payload of a shared `Pickled` value, and the process that read it."""
    return shared[name].payload, os.getpid()
