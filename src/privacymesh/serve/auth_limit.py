"""A limit on failed authentications per client address: past `limit` refused tokens within a
window, the address is answered 429 (with Retry-After) until the window ends, before any token
is verified, and the refusals it then earns are audited once per window instead of one record
each, so a flood of forged tokens can neither fill the audit log nor spend the server's CPU.

    [serve.auth_failures]
    limit = 20       # refused tokens per address per window (0: no limit)
    window = 60      # seconds
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from privacymesh.platform.errors import AccessDenied

_MAX_ADDRESSES = 10_000  # kept windows past this are pruned; a flood of addresses stays bounded


class TooManyFailures(AccessDenied):
    """An address that failed authentication too often in the current window (HTTP 429)."""

    def __init__(self, retry_after: int):
        super().__init__(
            "too many failed authentications from this address",
            hint=f"retry after {retry_after} s with a valid token",
        )
        self.retry_after = retry_after


@dataclass
class _Window:
    started: float
    failures: int = 0
    throttled: int = 0  # requests answered 429 in this window


class FailedAuthLimit:
    """Failed authentications per client address in fixed windows."""

    def __init__(self, limit: int, window: float, clock=time.monotonic):  # type: ignore[no-untyped-def]
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}

    def _current(self, address: str, now: float) -> _Window | None:
        found = self._windows.get(address)
        if found is not None and now - found.started >= self.window:
            del self._windows[address]
            return None
        return found

    def throttled(self, address: str) -> tuple[int, bool] | None:
        """None when the address may try; else (seconds to wait, whether this is the window's
        first refusal - the one to audit)."""
        if self.limit <= 0:
            return None
        now = self._clock()
        with self._lock:
            found = self._current(address, now)
            if found is None or found.failures < self.limit:
                return None
            found.throttled += 1
            wait = max(1, math.ceil(found.started + self.window - now))
            return wait, found.throttled == 1

    def blocked(self, client: tuple[str, int] | None) -> bool:
        """Whether an ASGI scope's client is over its limit now (no count, no lock: the hot
        path asks this of every request, and the route then answers and counts)."""
        if not self._windows or client is None:
            return False
        found = self._windows.get(str(client[0]))
        return (
            found is not None
            and found.failures >= self.limit
            and self._clock() - found.started < self.window
        )

    def failed(self, address: str) -> None:
        """Count one refused token from the address."""
        if self.limit <= 0:
            return
        now = self._clock()
        with self._lock:
            found = self._current(address, now)
            if found is None:
                if len(self._windows) >= _MAX_ADDRESSES:
                    self._prune(now)
                found = self._windows[address] = _Window(now)
            found.failures += 1

    def _prune(self, now: float) -> None:
        expired = [a for a, w in self._windows.items() if now - w.started >= self.window]
        for address in expired:
            del self._windows[address]
        while len(self._windows) >= _MAX_ADDRESSES:  # all live: drop the oldest
            del self._windows[min(self._windows, key=lambda a: self._windows[a].started)]
