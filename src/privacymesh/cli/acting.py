"""Who acts in a platform command: the verified principal, never a name typed on the line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from privacymesh.cli.output import fail, workspace_from

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
