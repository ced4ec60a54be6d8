"""Deferred imports: a module registered here is imported only when one of its attributes is
first used. Libraries that import heavy modules at start-up for features we never call (Great
Expectations imports scipy.stats and altair for one distribution expectation and its chart)
then start without paying for them; a caller that does use them gets the real module."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

_LOCK = threading.RLock()  # re-entrant: the real import may touch the stand-in again


class DeferredModule(types.ModuleType):
    """Stands in `sys.modules` for a module until an attribute is asked for, then imports the
    real module and hands every lookup to it."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __dir__(self) -> list[str]:
        return dir(self._load())

    def _load(self) -> types.ModuleType:
        real = self.__dict__.get("_deferred_real")
        if real is None:
            with _LOCK:
                real = self.__dict__.get("_deferred_real")
                if real is None:
                    if sys.modules.get(self.__name__) is self:
                        del sys.modules[self.__name__]
                    real = importlib.import_module(self.__name__)
                    self.__dict__["_deferred_real"] = real
        return real


def defer(*names: str) -> list[str]:
    """Register each importable, not yet imported module as deferred; returns those it did."""
    done = []
    for name in names:
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        stub = DeferredModule(name)
        stub.__spec__ = spec
        stub.__file__ = spec.origin
        sys.modules[name] = stub
        done.append(name)
    return done


def is_loaded(name: str) -> bool:
    """Whether the module is imported for real (not absent, not still deferred)."""
    module = sys.modules.get(name)
    if module is None:
        return False
    return not isinstance(module, DeferredModule) or "_deferred_real" in module.__dict__
