"""The workspace's `[sources.NAME]` tables: where a named source is and how to log in to it.

Contracts only name a source (`server: NAME`); host, credentials and the like come from here.
Secrets are never written in the file: `password_env = "PG_PASS"` names an environment variable,
`password_file = "/run/secrets/pg"` a file only its owner may read (one open to group or others
is refused). A source that is a folder of files keeps its `path` key (see
`catalog.server_paths`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from privacymesh.errors import SourceError, WorkspaceError
from privacymesh.sources.base import SourceSettings
from privacymesh.workspace import Workspace

SECRET_KEYS = ("password", "token", "secret", "secret_access_key")


def source_settings(workspace: Workspace | None) -> dict[str, SourceSettings]:
    """Every `[sources.NAME]` of the workspace; secrets are resolved when a connector asks
    (`resolve_secret`), so an unset variable fails only the products that use it."""
    if workspace is None:
        return {}
    out: dict[str, SourceSettings] = {}
    for name, table in workspace.section("sources").items():
        if not isinstance(table, dict):
            raise WorkspaceError(
                "a source must be a table",
                file=workspace.file,
                field=f"sources.{name}",
                hint='e.g. [sources.sales_pg] type = "postgres"',
            )
        written = sorted(k for k in table if k in SECRET_KEYS)
        if written:  # a secret in the file itself would end up in backups and reviews
            raise WorkspaceError(
                f"a secret is written in the file ({', '.join(written)})",
                file=workspace.file,
                field=f"sources.{name}.{written[0]}",
                hint=f'name it instead: {written[0]}_env = "VAR" or {written[0]}_file = "PATH"',
            )
        out[str(name)] = SourceSettings(str(name), dict(table), str(workspace.file))
    return out


def resolve_secret(settings: SourceSettings, key: str = "password") -> str | None:
    """The secret `key` of a source from `<key>_env` or `<key>_file`; None when it names
    neither. A variable that is unset, or a file that is missing or open to others, is a
    `SourceError` naming the source (never the value)."""
    env, file = settings.get(f"{key}_env"), settings.get(f"{key}_file")
    where = f"sources.{settings.name}"
    if env is not None:
        value = os.environ.get(str(env))
        if value is None:
            raise SourceError(
                f"source {settings.name!r}: the environment variable {env} is not set",
                file=settings.file,
                field=f"{where}.{key}_env",
            )
        return value
    if file is not None:
        return _private_file(Path(str(file)), settings, f"{where}.{key}_file")
    return None


def _private_file(path: Path, settings: SourceSettings, field: str) -> str:
    if not path.is_absolute() and settings.file:
        path = Path(settings.file).parent / path
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise SourceError(
            f"source {settings.name!r}: cannot read its secret file {path} ({exc.strerror})",
            file=settings.file,
            field=field,
        ) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SourceError(
            f"source {settings.name!r}: secret file {path} is open to group or others "
            f"(mode {mode & 0o777:o}): refusing it",
            file=settings.file,
            field=field,
            hint=f"chmod 600 {path}",
        )
    return path.read_text("utf-8").strip()


def scrub(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` masked (driver messages may echo a URI)."""
    return text.replace(secret, "***") if secret else text


def setting(settings: SourceSettings | None, key: str, fallback: Any = None) -> Any:
    """A source setting, else `fallback` (the contract's own value)."""
    if settings is not None and settings.get(key) not in (None, ""):
        return settings.get(key)
    return fallback
