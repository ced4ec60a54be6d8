"""Running the application under uvicorn: loopback by default, a warning when bound wider, and
a graceful shutdown (SIGTERM or SIGINT: stop accepting, finish requests in flight, stop the
notice sender, close the audit log)."""

from __future__ import annotations

import ipaddress
import logging

import uvicorn

from privacymesh.serve.app import ServiceApp
from privacymesh.serve.observe import configure_logging
from privacymesh.workspace import Workspace

DEFAULT_PORT = 8470
log = logging.getLogger("privacymesh.serve")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def config(
    workspace: Workspace,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    log_level: str = "info",
    log_requests: bool = True,
    grace: float = 30.0,
) -> uvicorn.Config:
    """The uvicorn configuration of a server for one workspace."""
    configure_logging(log_level)
    return uvicorn.Config(
        ServiceApp(workspace, log_requests=log_requests),
        host=host,
        port=port,
        log_config=None,  # our JSON-lines logging, configured above
        access_log=False,  # the app logs route templates; uvicorn's would log raw paths
        timeout_graceful_shutdown=grace,
        server_header=False,
        lifespan="on",
    )


def serve(
    workspace: Workspace,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    pg_port: int | None = None,
    **kw: object,
) -> None:
    """Serve until SIGTERM/SIGINT; with `pg_port`, the governed query endpoint (PostgreSQL
    protocol) too, on the same host."""
    if not is_loopback(host):
        log.warning(
            "bound wider than loopback: every host that reaches this address can call the APIs",
            extra={"fields": {"host": host, "port": port}},
        )
    endpoint = None
    if pg_port is not None:
        from privacymesh.serve.query_endpoint import governed_endpoint

        endpoint = governed_endpoint(workspace, host, pg_port).start()
        log.info("query endpoint listening", extra={"fields": {"host": host, "port": pg_port}})
    try:
        uvicorn.Server(config(workspace, host, port, **kw)).run()  # type: ignore[arg-type]
    finally:
        if endpoint is not None:
            endpoint.stop()
