"""How a measure hands CPU-heavy work to the run: it submits jobs of a named `WorkGroup` to the
run's `Workers` and later asks each job for its result. The runner supplies its pool of worker
processes (`privacymesh.runner.pool`); without a runner, `InProcess` computes each job here
when its result is first asked for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

Shared = dict[str, Any]


@dataclass(frozen=True)
class WorkGroup:
    """Jobs that share a costly start-up (imports, word lists): they go to the same workers,
    which run `warm` ("module:function") as soon as they are launched."""

    name: str
    warm: str | None = None


class Pending(Protocol):
    """A submitted job."""

    def result(self) -> Any: ...


class Workers(Protocol):
    """Where a measure's jobs run. `fn(shared, *args)` is a module-level function; values
    `share`d before the workers start reach every job as `shared`."""

    shared: Shared

    @property
    def started(self) -> bool: ...

    def share(self, name: str, value: Any, group: str | None = None) -> None: ...

    def submit(
        self, fn: Callable[..., Any], *args: Any, group: str = "default", stealable: bool = False
    ) -> Pending: ...


class InProcess:
    """Every job computed in this process, once, when its result is first asked for."""

    started = False

    def __init__(self) -> None:
        self.shared: Shared = {}

    def share(self, name: str, value: Any, group: str | None = None) -> None:
        self.shared[name] = value

    def submit(
        self, fn: Callable[..., Any], *args: Any, group: str = "default", stealable: bool = False
    ) -> Pending:
        return _Deferred(self.shared, fn, args)


class _Deferred:
    def __init__(self, shared: Shared, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._call: tuple[Shared, Callable[..., Any], tuple[Any, ...]] | None = (shared, fn, args)
        self._value: Any = None
        self._error: Exception | None = None

    def result(self) -> Any:
        if self._call is not None:
            shared, fn, args = self._call
            self._call = None
            try:
                self._value = fn(shared, *args)
            except Exception as exc:  # kept so every caller sees the same failure
                self._error = exc
        if self._error is not None:
            raise self._error
        return self._value
