"""The registry composes recognizers; the scanner runs whatever it holds and knows none of them by
name. Adding a recognizer is one new module under `recognizers/` exposing `RECOGNIZERS` and one
line in `DEFAULT_MODULES`."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from functools import cache

from privacymesh.detect.recognizer import Recognizer
from privacymesh.detect.taxonomy import is_valid_key

DEFAULT_MODULES = (
    "email",
    "phone",
    "government_ids",
    "national_ids",
    "health_ids",
    "health",
    "health_records",
    "payment",
    "network",
    "identifiers",
    "devices",
    "hashes",
    "credentials",
    "geolocation",
    "address",
    "places",
    "demographics",
    "life_events",
    "coded_answers",
    "special_categories",
    "person_name",
    "titled_names",
    "subject_names",
    "cjk_names",
    "japanese_names",
    "korean_names",
    "username",
    "job_title",
    "masked",
    "amounts",
    "criminal_history",
    "study_tables",
    "web_presence",
)


class RecognizerRegistry:
    """An ordered set of recognizers, each emitting only valid data-category keys."""

    def __init__(self, recognizers: Iterable[Recognizer] = ()) -> None:
        self._recognizers: list[Recognizer] = []
        for r in recognizers:
            self.register(r)

    def register(self, recognizer: Recognizer) -> None:
        bad = [c for c in recognizer.categories if not is_valid_key(c)]
        if bad:
            raise ValueError(f"recognizer {recognizer.name!r} emits unknown categories {bad}")
        if any(r.name == recognizer.name for r in self._recognizers):
            raise ValueError(f"a recognizer named {recognizer.name!r} is already registered")
        self._recognizers.append(recognizer)

    def remove(self, name: str) -> None:
        self._recognizers = [r for r in self._recognizers if r.name != name]

    def names(self) -> list[str]:
        return [r.name for r in self._recognizers]

    def __iter__(self) -> Iterator[Recognizer]:
        return iter(self._recognizers)

    def __len__(self) -> int:
        return len(self._recognizers)


def load_module(module: str) -> tuple[Recognizer, ...]:
    mod = importlib.import_module(f"privacymesh.detect.recognizers.{module}")
    return tuple(mod.RECOGNIZERS)


@cache
def _builtin() -> tuple[Recognizer, ...]:
    return tuple(r for m in DEFAULT_MODULES for r in load_module(m))


def default_registry() -> RecognizerRegistry:
    """A new registry holding every built-in recognizer, in `DEFAULT_MODULES` order."""
    return RecognizerRegistry(_builtin())
