"""`serve`: the consent, DSAR and audit APIs over HTTP, behind bearer tokens."""

from __future__ import annotations

import typer

from privacymesh.cli.output import err_console, handle_errors, workspace_from


@handle_errors
def serve_command(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default)."),
    port: int = typer.Option(8470, "--port", min=0, max=65535, help="TCP port."),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning, error."),
    pg_port: int | None = typer.Option(
        None,
        "--pg-port",
        min=0,
        max=65535,
        help="Also serve the governed query endpoint (PostgreSQL protocol) on this port.",
    ),
    openapi: bool = typer.Option(
        False, "--openapi", help="Print the OpenAPI document (docs/openapi.json) and exit."
    ),
) -> None:
    """Serve the consent, DSAR and audit APIs (OpenAPI at /docs and /openapi.json)."""
    if openapi:
        import json

        from privacymesh.serve.app import openapi_document

        print(json.dumps(openapi_document(), indent=2, sort_keys=True))
        return
    from privacymesh.serve.auth import auth_settings
    from privacymesh.serve.server import is_loopback, serve
    from privacymesh.serve.settings import serve_settings

    ws = workspace_from(ctx)
    auth_settings(ws)  # a missing or bad [auth] section is one line and exit 2, before binding
    serve_settings(ws)
    if not is_loopback(host):
        err_console.print(
            f"[bold yellow]warning:[/] binding {host}: the APIs are reachable from other hosts",
            highlight=False,
        )
    serve(ws, host, port, log_level=log_level, pg_port=pg_port)
