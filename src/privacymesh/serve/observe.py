"""Operations: Prometheus metrics and structured (JSON line) logs. Logs name the route
template, the status, the time taken and the verified principal, never a path, a query string
or a body, so no subject identifier reaches them."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

log = logging.getLogger("privacymesh.serve")


class Metrics:
    """The server's metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "privacymesh_requests",
            "HTTP requests handled",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "privacymesh_request_seconds",
            "Time to answer a request",
            ["route"],
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
            registry=self.registry,
        )
        self.denials = Counter(
            "privacymesh_denials", "Requests refused", ["reason"], registry=self.registry
        )
        self.consent_checks = Counter(
            "privacymesh_consent_checks",
            "Consent decisions",
            ["permitted"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "privacymesh_notice_deliveries",
            "Propagation notice webhook calls",
            ["domain", "outcome"],
            registry=self.registry,
        )


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "msg": record.getMessage(),
        }
        out.update(getattr(record, "fields", {}))
        return json.dumps(out, default=str)


def configure_logging(level: str = "info") -> None:
    """Send privacymesh.serve and uvicorn's error log to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    for name in ("privacymesh.serve", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False


class ObserveMiddleware:
    """Pure ASGI middleware: counts, times and logs each HTTP request by its route template."""

    def __init__(self, app: Any, metrics: Metrics, log_requests: bool = True):
        self.app = app
        self.metrics = metrics
        self.log_requests = log_requests
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            key = (template, scope["method"], status)
            children = self._children.get(key)
            if children is None:  # labels() is a locked lookup: keep each label set's child
                children = self._children[key] = (
                    self.metrics.requests.labels(template, scope["method"], str(status)),
                    self.metrics.latency.labels(template),
                )
            children[0].inc()
            children[1].observe(seconds)
            if self.log_requests and log.isEnabledFor(logging.INFO):
                state = scope.get("state") or {}
                who = state.get("principal")
                log.info(
                    "request",
                    extra={
                        "fields": {
                            "method": scope["method"],
                            "route": template,
                            "status": status,
                            "ms": round(seconds * 1000, 3),
                            "principal": who.name if who is not None else None,
                        }
                    },
                )
