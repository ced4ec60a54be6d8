"""What every platform command shares: who acts (the verified principal), the retired
`--actor` option, ISO times on the command line and table cells."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import typer

from privacymesh.cli.output import fail, workspace_from
from privacymesh.errors import PrivacyMeshError

if TYPE_CHECKING:
    from privacymesh.platform.principals import Principal
    from privacymesh.workspace import Workspace


def _no_actor(value: str | None) -> None:
    if value is not None:
        raise fail(
            "--actor is no longer accepted: the audit log records the verified principal (your "
            "operating-system user, or the principal of the API token in PRIVACYMESH_TOKEN)"
        )


# refused with a reason: who acts is established, never typed
ACTOR = typer.Option(None, "--actor", hidden=True, callback=_no_actor, expose_value=False)
AT_HELP = "ISO time, e.g. 2026-05-01T12:00:00 (UTC)."


def parse_time(value: str | None, name: str) -> datetime | None:
    """An ISO time given as option NAME, or None; a bad one is a typed error."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise PrivacyMeshError(
            f"{name} {value!r} is not an ISO time", field=name, hint=AT_HELP
        ) from None


def cell(value: object) -> str:
    """A value as a table cell: "-" for none, minutes for times."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def acting(ctx: typer.Context) -> tuple[Workspace, Principal]:
    """The workspace and its verified principal; a refused API token is audited first."""
    from privacymesh.platform import AccessDenied, audit
    from privacymesh.platform.principals import TOKEN_ENV, os_user, principal_of

    ws = workspace_from(ctx)
    try:
        return ws, principal_of(ws)
    except AccessDenied:
        with audit.open_log(ws) as log:
            log.record(
                os_user(), "principal", decision="deny", detail={"reason": f"unknown {TOKEN_ENV}"}
            )
        raise
