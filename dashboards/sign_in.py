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

Or the dashboard signs users in itself through an OIDC provider (Streamlit's `st.login`):
`[dashboard.oidc]` (see `privacymesh.serve.dashboard_oidc`) instead of `identity_header`. The
ID token's `sub` names the user and its groups claim their groups; roles and domains follow as
for the header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from privacymesh.errors import WorkspaceError
from privacymesh.serve.dashboard_oidc import DashboardOidc, dashboard_oidc
from privacymesh.serve.grants import claim_groups, role_grants
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
    identity_header: str | None  # None: OIDC sign-in (`oidc`)
    groups_header: str | None
    trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    domains: Mapping[str, tuple[str, ...]]
    oidc: DashboardOidc | None = None


def sign_in_settings(ws: Workspace) -> SignInSettings | None:
    """The `[dashboard]` sign-in settings; None when sign-in is off."""
    raw = ws.settings.get("dashboard", {})
    oidc = dashboard_oidc(ws)
    if not isinstance(raw, Mapping) or not (raw.get("identity_header") or oidc):
        return None
    header = raw.get("identity_header") or None
    groups = raw.get("groups_header")
    if header is not None and oidc is not None:
        raise WorkspaceError(
            "sign-in through both a proxy header and OIDC", file=ws.file,
            field="dashboard.identity_header", hint="keep one: identity_header or [dashboard.oidc]",
        )  # fmt: skip
    if (header is not None and not isinstance(header, str)) or (
        groups is not None and not isinstance(groups, str)
    ):
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
    return SignInSettings(header, groups, trusted, {k: tuple(v) for k, v in domains.items()}, oidc)


def trusted_peer(settings: SignInSettings, peer: str | None) -> bool:
    """Whether the connection comes from a configured proxy (None: a loopback peer)."""
    try:
        address = ipaddress.ip_address(peer or "127.0.0.1")
    except ValueError:
        return False
    return any(address in network for network in settings.trusted)


def roles_of(ws: Workspace, name: str, groups: list[str]) -> frozenset[str]:
    """The roles `[principals.<name>]` grants, and those `[auth.groups]` grants its groups: the
    grants bearer tokens map to."""
    return role_grants(ws).roles(name, groups)


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
    if settings.identity_header is None or not trusted_peer(settings, peer):
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


def oidc_viewer(
    ws: Workspace,
    settings: SignInSettings,
    user: Mapping[str, object],
    role_domains: Mapping[str, set[str]],
) -> Viewer | None:
    """The viewer Streamlit's OIDC sign-in names (`st.user`: the ID token's claims), or None
    (not signed in)."""
    if settings.oidc is None or user.get("is_logged_in") is not True:
        return None
    name = user.get("sub")
    if not isinstance(name, str) or not name:
        return None
    roles = roles_of(ws, name, claim_groups(user, settings.oidc.groups_claim))
    return Viewer(name, roles, visible_domains(settings, roles, role_domains))
