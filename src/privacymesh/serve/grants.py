"""Which roles a signed-in subject holds: `[principals.<name>]` per subject and `[auth.groups]`
per group. Bearer tokens (`serve.auth`) and the dashboard's sign-in use this one mapping; it
needs no token library, so the dashboard can import it alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from privacymesh.errors import WorkspaceError
from privacymesh.platform.principals import declared
from privacymesh.workspace import Workspace


@dataclass(frozen=True)
class RoleGrants:
    """Who holds which role: `[principals.<name>]` per subject, `[auth.groups]` per group. The
    one mapping bearer tokens and dashboard sign-in both use."""

    subjects: Mapping[str, frozenset[str]]
    groups: Mapping[str, frozenset[str]]

    def roles(self, subject: str, groups: list[str]) -> frozenset[str]:
        """The roles of the subject and of each of its groups (none for a stranger)."""
        roles = set(self.subjects.get(subject, ()))
        for group in groups:
            roles |= self.groups.get(group, frozenset())
        return frozenset(roles)


def role_grants(workspace: Workspace) -> RoleGrants:
    """The workspace's role grants; a malformed `[auth.groups]` is a WorkspaceError."""
    raw = workspace.settings.get("auth", {})
    groups = raw.get("groups", {}) if isinstance(raw, Mapping) else {}
    if not isinstance(groups, Mapping):
        raise WorkspaceError("expected a table", file=workspace.file, field="auth.groups")
    group_roles = {}
    for name, roles in groups.items():
        if not isinstance(roles, list) or not all(isinstance(r, str) and r for r in roles):
            raise WorkspaceError(
                "expected a list of role names", file=workspace.file, field=f"auth.groups.{name}"
            )
        group_roles[str(name)] = frozenset(roles)
    subjects = {name: grant.roles for name, grant in (declared(workspace) or {}).items()}
    return RoleGrants(subjects, group_roles)


def claim_groups(claims: Mapping[str, Any], path: str) -> list[str]:
    """The groups a token's (or an ID token's) claims name at a dotted path, e.g.
    `realm_access.roles`; a single string is one group."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
