"""Dashboard sign-in through an OIDC provider, with Streamlit's own `st.login`:

    [dashboard.oidc]
    server_metadata_url = "https://login.example.com/realms/mesh/.well-known/openid-configuration"
                                          # default: [auth].jwks when it is a discovery URL
    client_id = "privacymesh-dashboard"
    client_secret_env = "PRIVACYMESH_OIDC_SECRET"     # the client secret, from this variable
    # client_secret_file = "/etc/privacymesh/oidc"   # ... or an owner-only file (never the toml)
    redirect_uri = "https://dash.example.com/oauth2callback"   # default: loopback, this port
    scope = "openid profile email"                   # optional
    groups_claim = "groups"                          # default: [auth].groups_claim, else "groups"

`privacymesh dashboard` writes Streamlit's `[auth]` secrets (with a cookie secret made for this
run) into a private temporary folder it removes on exit, and points Streamlit at it. The ID
token's `sub` and groups map to roles with the API's own grants (`serve.auth.RoleGrants`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from privacymesh.errors import WorkspaceError
from privacymesh.workspace import Workspace

DISCOVERY = "/.well-known/openid-configuration"
KEYS = {
    "server_metadata_url", "client_id", "client_secret_env", "client_secret_file",
    "redirect_uri", "scope", "groups_claim",
}  # fmt: skip
DEFAULT_REDIRECT = "http://localhost:{port}/oauth2callback"  # Streamlit fills in {port}


@dataclass(frozen=True)
class DashboardOidc:
    """The validated `[dashboard.oidc]` section (the client secret is read at launch)."""

    server_metadata_url: str
    client_id: str
    redirect_uri: str
    groups_claim: str
    scope: str | None = None
    client_secret_env: str | None = None
    client_secret_file: Path | None = None
    file: Path | None = None


def dashboard_oidc(ws: Workspace) -> DashboardOidc | None:
    """The workspace's `[dashboard.oidc]` section; None when OIDC sign-in is off."""
    dashboard = ws.settings.get("dashboard", {})
    raw = dashboard.get("oidc") if isinstance(dashboard, Mapping) else None
    if raw is None:
        return None
    file = ws.file

    def fail(key: str, message: str, hint: str | None = None) -> WorkspaceError:
        return WorkspaceError(message, file=file, field=f"dashboard.oidc.{key}", hint=hint)

    if not isinstance(raw, Mapping):
        raise WorkspaceError("expected a table", file=file, field="dashboard.oidc")
    if "client_secret" in raw:
        raise fail("client_secret", "the client secret never goes in the toml",
                   "name a variable (client_secret_env) or an owner-only file")  # fmt: skip
    unknown = set(raw) - KEYS
    if unknown:
        raise fail(
            ", ".join(sorted(unknown)), "unknown key(s)", f"one of {', '.join(sorted(KEYS))}"
        )
    for key, value in raw.items():
        if not isinstance(value, str) or not value:
            raise fail(key, "expected a non-empty string")
    auth = ws.settings.get("auth", {})
    auth = auth if isinstance(auth, Mapping) else {}
    metadata = raw.get("server_metadata_url")
    if metadata is None and str(auth.get("jwks", "")).rstrip("/").endswith(DISCOVERY):
        metadata = str(auth["jwks"])
    if metadata is None:
        raise fail("server_metadata_url", "expected the provider's discovery URL",
                   f"e.g. https://login.example.com/realms/mesh{DISCOVERY}")  # fmt: skip
    if not metadata.rstrip("/").endswith(DISCOVERY):
        raise fail("server_metadata_url", f"expected a URL ending in {DISCOVERY}")
    if "client_id" not in raw:
        raise fail("client_id", "expected the dashboard's client id at the provider")
    if ("client_secret_env" in raw) == ("client_secret_file" in raw):
        raise fail("client_secret_env", "expected one of client_secret_env, client_secret_file")
    redirect = raw.get("redirect_uri", DEFAULT_REDIRECT)
    if not redirect.endswith("/oauth2callback"):
        raise fail("redirect_uri", "expected a URL ending in /oauth2callback (Streamlit's)")
    secret_file = raw.get("client_secret_file")
    if secret_file is not None:
        secret_file = (
            Path(secret_file) if Path(secret_file).is_absolute() else ws.root / secret_file
        )
    return DashboardOidc(
        server_metadata_url=metadata,
        client_id=raw["client_id"],
        redirect_uri=redirect,
        groups_claim=raw.get("groups_claim", str(auth.get("groups_claim", "groups"))),
        scope=raw.get("scope"),
        client_secret_env=raw.get("client_secret_env"),
        client_secret_file=secret_file,
        file=file,
    )


def client_secret(oidc: DashboardOidc) -> str:
    """The client secret from its variable, or from a file only its owner may read."""
    if oidc.client_secret_env is not None:
        value = os.environ.get(oidc.client_secret_env, "").strip()
        if not value:
            raise WorkspaceError(
                f"${oidc.client_secret_env} is not set", file=oidc.file,
                field="dashboard.oidc.client_secret_env", hint="export the client secret there",
            )  # fmt: skip
        return value
    path = oidc.client_secret_file
    assert path is not None
    try:
        mode = path.stat().st_mode
        value = path.read_text("utf-8").strip()
    except OSError as exc:
        raise WorkspaceError(
            f"cannot read the client secret: {exc.strerror}", file=path,
            field="dashboard.oidc.client_secret_file",
        ) from None  # fmt: skip
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise WorkspaceError(
            "the client secret file may be read by others", file=path,
            field="dashboard.oidc.client_secret_file", hint=f"chmod 600 {path}",
        )  # fmt: skip
    if not value:
        raise WorkspaceError("the client secret file is empty", file=path)
    return value


def streamlit_auth(oidc: DashboardOidc, cookie_secret: str) -> dict[str, object]:
    """Streamlit's `[auth]` secrets section for this provider and client."""
    auth: dict[str, object] = {
        "redirect_uri": oidc.redirect_uri,
        "cookie_secret": cookie_secret,
        "client_id": oidc.client_id,
        "client_secret": client_secret(oidc),
        "server_metadata_url": oidc.server_metadata_url,
    }
    if oidc.scope is not None:
        auth["client_kwargs"] = {"scope": oidc.scope}
    return auth


@contextlib.contextmanager
def streamlit_secrets(ws: Workspace) -> Iterator[list[str]]:
    """The `streamlit run` options that sign users in through the workspace's OIDC provider
    (none when OIDC sign-in is off). The secrets file lives in an owner-only temporary folder,
    removed when the dashboard stops."""
    oidc = dashboard_oidc(ws)
    if oidc is None:
        yield []
        return
    import tomli_w

    auth = streamlit_auth(oidc, secrets.token_urlsafe(32))  # a new run signs everyone out
    with tempfile.TemporaryDirectory(prefix="privacymesh-dashboard-") as folder:
        path = Path(folder) / "secrets.toml"  # mkdtemp made the folder 0700
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            tomli_w.dump({"auth": auth}, out)
        yield ["--secrets.files", str(path)]
