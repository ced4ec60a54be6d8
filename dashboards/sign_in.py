"""Who is looking at the dashboard, and which domains they may see.

Sign-in is delegated to a reverse proxy (oauth2-proxy, an ingress with OIDC, ...) that signs the
user in and passes their name, and optionally their groups, in request headers:

    [dashboard]
    identity_header = "X-Forwarded-User"      # the header naming the signed-in user
    groups_header = "X-Forwarded-Groups"      # optional: comma-separated groups
    trusted_proxies = ["127.0.0.1", "::1"]    # the headers are believed from these peers only

    [dashboard.domains]                       # optional: domains per role ("*": every domain)
    privacy_officer = ["*"]

A user's roles are those of `[principals.<user>]` and of their groups under `[auth.groups]`
(the same grants bearer tokens map to). A role sees the domains named for it under
`[dashboard.domains]`, else the domains of the products whose contracts list it. Without
`identity_header` sign-in is off and the dashboard shows everything (a local, single-user run).

The headers are trusted only from a listed proxy address: bind the dashboard to loopback (the
default) behind a proxy on the same host, so that nobody else can reach it and set them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from privacymesh.errors import WorkspaceError
from privacymesh.platform.principals import declared
from privacymesh.workspace import Workspace

LOOPBACK = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class Viewer:
    """A signed-in dashboard user: name, roles, and the domains those roles may see."""

    name: str
    roles: frozenset[str]
    domains: tuple[str, ...] | None  # None: every domain


@dataclass(frozen=True)
class SignInSettings:
    identity_header: str
    groups_header: str | None
    trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    domains: Mapping[str, tuple[str, ...]]


def sign_in_settings(ws: Workspace) -> SignInSettings | None:
    """The `[dashboard]` sign-in settings; None when sign-in is off."""
    raw = ws.settings.get("dashboard", {})
    if not isinstance(raw, Mapping) or not raw.get("identity_header"):
        return None
    header = raw["identity_header"]
    groups = raw.get("groups_header")
    if not isinstance(header, str) or (groups is not None and not isinstance(groups, str)):
        raise WorkspaceError("expected a header name", file=ws.file, field="dashboard")
    try:
        trusted = tuple(
            ipaddress.ip_network(str(a), strict=False) for a in raw.get("trusted_proxies", LOOPBACK)
        )
    except ValueError as exc:
        raise WorkspaceError(
            f"not an address or network: {exc}", file=ws.file, field="dashboard.trusted_proxies"
        ) from None
    domains = raw.get("domains", {})
    if not isinstance(domains, Mapping) or not all(
        isinstance(v, list) and all(isinstance(d, str) for d in v) for v in domains.values()
    ):
        raise WorkspaceError("expected role = [domains]", file=ws.file, field="dashboard.domains")
    return SignInSettings(header, groups, trusted, {k: tuple(v) for k, v in domains.items()})


def trusted_peer(settings: SignInSettings, peer: str | None) -> bool:
    """Whether the connection comes from a configured proxy (None: a loopback peer)."""
    try:
        address = ipaddress.ip_address(peer or "127.0.0.1")
    except ValueError:
        return False
    return any(address in network for network in settings.trusted)


def roles_of(ws: Workspace, name: str, groups: list[str]) -> frozenset[str]:
    """The roles `[principals.<name>]` grants, and those `[auth.groups]` grants its groups."""
    roles = set()
    grant = (declared(ws) or {}).get(name)
    if grant is not None and grant.roles:
        roles |= grant.roles
    table = ws.settings.get("auth", {}).get("groups", {})
    for group in groups:
        listed = table.get(group, []) if isinstance(table, Mapping) else []
        roles |= {r for r in listed if isinstance(r, str)}
    return frozenset(roles)


def visible_domains(
    settings: SignInSettings, roles: frozenset[str], role_domains: Mapping[str, set[str]]
) -> tuple[str, ...] | None:
    """The domains the roles may see (None: every domain). `role_domains`: the domains whose
    contracts list each role."""
    seen: set[str] = set()
    for role in roles:
        named = settings.domains.get(role)
        if named is not None:
            if "*" in named:
                return None
            seen |= set(named)
        else:
            seen |= role_domains.get(role, set())
    return tuple(sorted(seen))


def viewer(
    ws: Workspace,
    settings: SignInSettings,
    headers: Mapping[str, str],
    peer: str | None,
    role_domains: Mapping[str, set[str]],
) -> Viewer | None:
    """The signed-in viewer of a request, or None (no header, or not from a trusted proxy)."""
    if not trusted_peer(settings, peer):
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    name = lowered.get(settings.identity_header.lower(), "").strip()
    if not name:
        return None
    groups: list[str] = []
    if settings.groups_header:
        raw = lowered.get(settings.groups_header.lower(), "")
        groups = [g.strip() for g in raw.split(",") if g.strip()]
    roles = roles_of(ws, name, groups)
    return Viewer(name, roles, visible_domains(settings, roles, role_domains))
