"""`token`: a local signing key and the bearer tokens it mints, for development and CI."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import typer

from privacymesh.cli.output import console, err_console, handle_errors, workspace_from
from privacymesh.errors import PrivacyMeshError

token_app = typer.Typer(
    help="Mint bearer tokens from a local key (development and CI).", no_args_is_help=True
)

_DURATION = re.compile(r"(\d+)([smhd]?)")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(value: str) -> int:
    """Seconds from `900`, `15m`, `1h` or `1d`; at most 30 days."""
    match = _DURATION.fullmatch(value.strip())
    seconds = int(match.group(1)) * _UNIT[match.group(2)] if match else 0
    if not 0 < seconds <= 30 * 86400:
        raise PrivacyMeshError(
            f"--ttl {value!r} is not a duration up to 30 days", field="--ttl", hint="e.g. 15m, 1h"
        )
    return seconds


def _key_path(ctx: typer.Context, key: Path | None) -> Path:
    from privacymesh.serve.tokens import KEY_FILE

    return key if key is not None else workspace_from(ctx).evidence / KEY_FILE


@token_app.command("keygen")
@handle_errors
def keygen_command(
    ctx: typer.Context,
    key: Path | None = typer.Option(
        None, "--key", help="Private key file (default: <evidence>/token-signing.pem)."
    ),
    jwks: Path | None = typer.Option(
        None, "--jwks", help="JWKS file to add the public key to (default: <evidence>/jwks.json)."
    ),
    replace: bool = typer.Option(False, "--replace", help="Rotate: replace an existing key."),
) -> None:
    """Write an owner-only ES256 signing key and its public JWKS; print the [auth] lines."""
    from privacymesh.serve.tokens import JWKS_FILE, keygen

    ws = workspace_from(ctx)
    pair = keygen(_key_path(ctx, key), jwks or ws.evidence / JWKS_FILE, replace=replace)
    console.print(f"private key {pair.private_key} (mode 600), JWKS {pair.jwks}, kid {pair.kid}")
    if "auth" not in ws.settings:
        err_console.print("add to privacymesh.toml:", highlight=False)
        print(
            f'[auth]\nissuer = "privacymesh:{ws.name}"\naudience = "privacymesh"\n'
            f'jwks = "{pair.jwks}"',
            file=sys.stderr,
        )


@token_app.command("issue")
@handle_errors
def issue_command(
    ctx: typer.Context,
    sub: str = typer.Option(..., "--sub", help="The principal the token names (its sub)."),
    groups: str | None = typer.Option(
        None, "--groups", help="Comma-separated groups, mapped to roles by [auth.groups]."
    ),
    ttl: str = typer.Option("1h", "--ttl", help="Lifetime: 900, 15m, 1h, 1d (at most 30d)."),
    key: Path | None = typer.Option(
        None, "--key", help="Signing key file (default: <evidence>/token-signing.pem)."
    ),
) -> None:
    """Print a signed JWT for --sub with the workspace's issuer and audience."""
    from privacymesh.serve.auth import auth_settings
    from privacymesh.serve.tokens import issue

    if not sub.strip():
        raise PrivacyMeshError("--sub must not be empty", field="--sub")
    settings = auth_settings(workspace_from(ctx))
    names = [g.strip() for g in (groups or "").split(",") if g.strip()]
    print(issue(settings, _key_path(ctx, key), sub.strip(), groups=names, ttl=parse_ttl(ttl)))
