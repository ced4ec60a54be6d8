"""Propagation notices delivered to each consumer domain's webhook.

A consent change writes one notice per affected product (`ConsentLedger._write_notices`); the
server posts them, grouped per event and domain, to the domain's `[serve.domains.X] webhook`,
retrying with exponential backoff. A 2xx answer means delivered, not applied: the domain says it
applied the change with `POST /v1/consent/notices/ack`, which the ledger records and the
propagation-lag checks measure. Delivery is at least once: on start the server posts again
every notice still pending for a domain with a webhook, so receivers dedupe by `notice_id`.
Every outcome is written to the audit log (`consent.notify`), never the subject's identifiers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from privacymesh.serve.settings import ServeSettings

log = logging.getLogger("privacymesh.serve")
_MAX_DELAY = 60.0
SENDER = "privacymesh-serve"  # the actor the audit log names for deliveries


@dataclass(frozen=True)
class Batch:
    """The notices of one event for one domain: one webhook call."""

    domain: str
    url: str
    payload: dict[str, Any]


def batches(notices: Iterable[dict[str, Any]], settings: ServeSettings) -> list[Batch]:
    """Group notice rows by (event, domain), keeping only domains with a webhook."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for n in notices:
        domain = settings.domains.get(n["domain"])
        if domain is not None and domain.webhook:
            groups.setdefault((n["event_id"], n["domain"]), []).append(n)
    out = []
    for (event_id, name), rows in sorted(groups.items()):
        first = rows[0]
        payload = {
            "event_id": event_id,
            "domain": name,
            "action": first["action"],
            "purpose": first["purpose"],
            "user_id": first["user_id"],
            "issued_at": _iso(first["issued_at"]),
            "notices": [
                {"notice_id": r["notice_id"], "product": r["product"], "due_at": _iso(r["due_at"])}
                for r in rows
            ],
            "ack": {"method": "POST", "path": "/v1/consent/notices/ack"},
        }
        out.append(Batch(name, settings.domains[name].webhook or "", payload))
    return out


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


class NoticeSender:
    """A background task that posts batches with retries; `stop` lets in-flight calls end."""

    def __init__(self, settings: ServeSettings, audit: Any, metrics: Any):
        self.settings = settings
        self.audit = audit
        self.metrics = metrics
        self._queue: asyncio.Queue[Batch] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._slots = asyncio.Semaphore(settings.delivery.concurrency)
        self._loop: asyncio.AbstractEventLoop

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._client = httpx.AsyncClient(timeout=self.settings.delivery.timeout)
        self._runner = asyncio.create_task(self._run())

    def send(self, items: Iterable[Batch]) -> None:
        """Queue batches; safe to call from a worker thread (the queue belongs to the loop)."""
        for item in items:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    async def _run(self) -> None:
        while True:
            batch = await self._queue.get()
            task = asyncio.create_task(self._deliver(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, batch: Batch) -> None:
        assert self._client is not None
        delivery = self.settings.delivery
        status: int | None = None
        for attempt in range(1, delivery.attempts + 1):
            try:
                async with self._slots:  # a backlog (e.g. after a restart) must not flood the loop
                    response = await self._client.post(batch.url, json=batch.payload)
                status = response.status_code
            except httpx.HTTPError as exc:
                status = None
                reason = type(exc).__name__
            else:
                reason = f"HTTP {status}"
                if 200 <= status < 300:
                    self._outcome(batch, "allow", attempt, status)
                    return
            self.metrics.deliveries.labels(batch.domain, "retry").inc()
            log.warning(
                "notice delivery failed",
                extra={"fields": {"domain": batch.domain, "attempt": attempt, "reason": reason}},
            )
            if attempt < delivery.attempts:
                await asyncio.sleep(min(delivery.backoff * 2 ** (attempt - 1), _MAX_DELAY))
        self._outcome(batch, "error", delivery.attempts, status)

    def _outcome(self, batch: Batch, decision: str, attempts: int, status: int | None) -> None:
        self.metrics.deliveries.labels(
            batch.domain, "delivered" if decision == "allow" else "failed"
        ).inc()
        products = [n["product"] for n in batch.payload["notices"]]
        self.audit.record(
            SENDER,
            "consent.notify",
            None,
            (),
            batch.payload["purpose"],
            None,
            decision=decision,
            detail={
                "event_id": batch.payload["event_id"],
                "domain": batch.domain,
                "products": products,
                "attempts": attempts,
                "status": status,
            },
        )

    async def stop(self, grace: float = 5.0) -> None:
        """Stop taking batches; give deliveries under way `grace` seconds to finish."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
        if self._client is not None:
            await self._client.aclose()

    async def idle(self) -> None:
        """Wait until every queued batch was delivered or given up (tests, shutdown)."""
        while not self._queue.empty() or self._tasks:
            await asyncio.sleep(0.02)
