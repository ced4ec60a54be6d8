"""`principals`: who this process is in the workspace, and how to mint an API token."""

from __future__ import annotations

import secrets
import sys

import typer

from privacymesh.cli.output import console, fail, handle_errors, workspace_from

principals_app = typer.Typer(
    help="Who is asking: the verified principal and its roles; API tokens.", no_args_is_help=True
)


@principals_app.command("whoami")
@handle_errors
def whoami(ctx: typer.Context) -> None:
    """The verified principal of this process (OS user or PRIVACYMESH_TOKEN) and its roles."""
    from privacymesh.platform.principals import principal_of

    who = principal_of(workspace_from(ctx))
    console.print(f"{who.name} ({who.via}): {who.describe_roles()}", highlight=False)


@principals_app.command("new-token")
def new_token() -> None:
    """Mint a random API token: the token goes to the service (stdout, once), the hash line to
    the workspace's [principals.NAME] tokens (stderr)."""
    from privacymesh.platform.principals import hash_token

    token = "pm_" + secrets.token_urlsafe(32)
    print(token)
    print(f'tokens = ["{hash_token(token)}"]', file=sys.stderr)


@principals_app.command("hash-token")
def hash_token_command() -> None:
    """Read a token on stdin and print the form the workspace stores (`sha256:...`)."""
    from privacymesh.platform.principals import hash_token

    token = sys.stdin.readline().strip()
    if not token:
        raise fail("no token on stdin")
    print(hash_token(token))
