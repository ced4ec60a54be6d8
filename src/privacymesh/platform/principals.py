"""Who is asking, established rather than typed: the workspace declares principals and the roles
granted to each, and a caller is one of them.

    [principals.alice]               # an operating-system user name
    roles = ["identity_analyst"]
    [principals."svc-marketing"]     # a service that presents an API token
    roles = ["marketing_analyst"]
    tokens = ["sha256:9f86d0..."]    # `privacymesh principals hash-token` prints this form

A caller is the principal of the API token in `PRIVACYMESH_TOKEN` when one is set (compared
with the stored SHA-256 hashes in constant time; an unknown token is refused, never ignored),
else the operating-system user of the process's effective uid (from the password database, not
`$USER`, which anyone can set). A role may be used only when it is granted to that principal.

A workspace without a `[principals]` section grants every role to the operating-system user
who owns the workspace file, and none to anyone else: the person who set the workspace up can
work in it at once, and a shared workspace must say who may do what.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pwd
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from privacymesh.errors import WorkspaceError
from privacymesh.platform.errors import AccessDenied
from privacymesh.workspace import Workspace, load_workspace

TOKEN_ENV = "PRIVACYMESH_TOKEN"
_TOKEN_HASH = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Principal:
    """A verified caller: its name (what the audit log records), the roles granted to it
    (None: every role) and how it was established (`os-user`, `token` or `workspace-owner`)."""

    name: str
    roles: frozenset[str] | None
    via: str

    def holds(self, role: str) -> bool:
        return self.roles is None or role in self.roles

    def describe_roles(self) -> str:
        if self.roles is None:
            return "every role"
        return ", ".join(sorted(self.roles)) or "no role"


@dataclass(frozen=True)
class Grant:
    """One declared principal: its roles and the hashes of its API tokens."""

    roles: frozenset[str]
    tokens: tuple[str, ...] = ()


def hash_token(token: str) -> str:
    """The stored form of an API token: `sha256:` and the hex digest of its UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def os_user() -> str:
    """The user name of the effective uid, from the password database (or `uid:N`)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid:{uid}"


def declared(workspace: Workspace) -> dict[str, Grant] | None:
    """The `[principals]` section, validated; None when the workspace has none."""
    raw = workspace.settings.get("principals")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise WorkspaceError(
            "[principals] must be a table", file=workspace.file, field="principals"
        )
    grants = {}
    for name, entry in raw.items():
        where = f"principals.{name}"
        if not isinstance(entry, Mapping):
            raise WorkspaceError(
                "expected a table with roles = [...]", file=workspace.file, field=where
            )
        unknown = set(entry) - {"roles", "tokens"}
        if unknown:
            raise WorkspaceError(
                f"unknown key(s) {', '.join(sorted(unknown))}",
                file=workspace.file,
                field=where,
                hint="a principal has roles and, optionally, tokens",
            )
        roles = _strings(entry.get("roles", []), workspace, f"{where}.roles")
        tokens = _strings(entry.get("tokens", []), workspace, f"{where}.tokens")
        for token in tokens:
            if not _TOKEN_HASH.fullmatch(token):
                raise WorkspaceError(
                    "a token must be stored as its hash, sha256:<64 hex digits>",
                    file=workspace.file,
                    field=f"{where}.tokens",
                    hint="`privacymesh principals hash-token` prints the hash of a token",
                )
        grants[str(name)] = Grant(frozenset(roles), tuple(tokens))
    return grants


def _strings(value: Any, workspace: Workspace, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise WorkspaceError("expected a list of strings", file=workspace.file, field=where)
    return list(value)


def principal_of(
    workspace: Workspace | str | os.PathLike[str] | None = None, *, token: str | None = None
) -> Principal:
    """The verified caller of this process in a workspace (see the module doc). `token`
    defaults to `PRIVACYMESH_TOKEN`."""
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    token = token if token is not None else os.environ.get(TOKEN_ENV) or None
    grants = declared(ws)
    if token is not None:
        return _token_principal(ws, grants or {}, token)
    user = os_user()
    if grants is None:
        owner = _owner(ws)
        return Principal(user, None if user == owner else frozenset(), "workspace-owner")
    grant = grants.get(user)
    return Principal(user, grant.roles if grant else frozenset(), "os-user")


def _token_principal(ws: Workspace, grants: dict[str, Grant], token: str) -> Principal:
    digest = hash_token(token)
    match = None
    for name, grant in grants.items():
        for stored in grant.tokens:
            # every stored hash is compared, so the time taken tells nothing of which matched
            if hmac.compare_digest(stored, digest):
                match = Principal(name, grant.roles, "token")
    if match is None:
        raise AccessDenied(
            f"the API token in {TOKEN_ENV} belongs to no principal of this workspace",
            file=ws.file,
            field="principals",
            hint=f"unset {TOKEN_ENV} to act as your operating-system user",
        )
    return match


def _owner(ws: Workspace) -> str | None:
    try:
        uid = ws.file.stat().st_uid
    except OSError:  # no file to own the workspace: nobody holds a role by default
        return None
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid:{uid}"


def require_role(
    who: Principal,
    role: str,
    log: Any,
    *,
    action: str,
    purpose: str | None = None,
    policy: str | None = None,
) -> None:
    """Raise AccessDenied, after writing a denied record to the audit log `log`, unless the
    role is granted to the principal."""
    if who.holds(role):
        return
    from privacymesh.ledger.errors import RawPersonalDataError

    detail = {"reason": "role not granted to the principal", "via": who.via}
    try:
        log.record(
            who.name, action, None, (), purpose, None, role=role, decision="deny",
            policy=policy, detail=detail,
        )  # fmt: skip
    except RawPersonalDataError:  # what was typed looked personal: keep the denial only
        log.record(who.name, action, None, (), None, None, decision="deny", detail=detail)
    raise AccessDenied(
        f"{who.name} may not act as role {role!r}",
        field="role",
        hint=f"roles granted to {who.name}: {who.describe_roles()} "
        "(the workspace's [principals] section grants them)",
    )
