"""Dashboard sign-in through an OIDC provider (Streamlit's `st.login`): the launcher's private
secrets file, the ID token's subject and groups mapped to roles with the API's grants, and - in
a real browser against a provider the test starts on loopback - each user shown only their
domains, an unauthenticated visit only the sign-in."""

from __future__ import annotations

import importlib.util
import stat
import sys
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import typer
from dashboard_server import CHROMIUM, browser, dashboard
from typer.testing import CliRunner

from privacymesh.cli.dashboard import dashboard_command
from privacymesh.errors import WorkspaceError
from privacymesh.serve.dashboard_oidc import dashboard_oidc, streamlit_secrets
from privacymesh.workspace import load_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dashboards"))
from sign_in import oidc_viewer, sign_in_settings

SECRET_ENV = "PM_TEST_DASHBOARD_OIDC_SECRET"
GRANTS = """
[dashboard.domains]
privacy_officer = ["*"]
[principals.ana]
roles = ["payments_analyst"]
[principals.olga]
roles = ["privacy_officer"]
[auth.groups]
"grp-marketing" = ["marketing_analyst"]
"""
ROLE_DOMAINS = {"payments_analyst": {"payments"}, "marketing_analyst": {"marketing"}}


def oidc_section(metadata: str, extra: str = "") -> str:
    return (
        f'[dashboard.oidc]\nserver_metadata_url = "{metadata}"\n'
        f'client_id = "privacymesh-dashboard"\nclient_secret_env = "{SECRET_ENV}"\n'
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n' + extra
    )


def write_ws(root: Path, text: str):
    (root / "privacymesh.toml").write_text('name = "t"\n' + text)
    return load_workspace(root)


def test_id_token_claims_map_to_roles_like_tokens(tmp_path: Path) -> None:
    url = "https://idp.test/.well-known/openid-configuration"
    ws = write_ws(tmp_path, oidc_section(url, 'groups_claim = "realm.groups"\n') + GRANTS)
    s = sign_in_settings(ws)
    assert s is not None and s.oidc is not None and s.identity_header is None
    user = {"is_logged_in": True, "sub": "ana", "realm": {"groups": ["grp-marketing", "x"]}}
    ana = oidc_viewer(ws, s, user, ROLE_DOMAINS)
    assert ana is not None and ana.roles == {"payments_analyst", "marketing_analyst"}
    assert ana.domains == ("marketing", "payments")
    olga = oidc_viewer(ws, s, {"is_logged_in": True, "sub": "olga"}, ROLE_DOMAINS)
    assert olga is not None and olga.domains is None
    stranger = oidc_viewer(ws, s, {"is_logged_in": True, "sub": "eve"}, ROLE_DOMAINS)
    assert stranger is not None and stranger.roles == frozenset() and stranger.domains == ()
    assert oidc_viewer(ws, s, {"is_logged_in": False}, ROLE_DOMAINS) is None
    assert oidc_viewer(ws, s, {"is_logged_in": True}, ROLE_DOMAINS) is None  # no sub


def test_settings_refused_with_the_field(tmp_path: Path) -> None:
    url = "https://idp.test/.well-known/openid-configuration"
    cases = [
        (oidc_section(url, 'client_secret = "s3cret"\n'), "never goes in the toml"),
        (oidc_section("https://idp.test/jwks.json"), "ending in /.well-known"),
        (oidc_section(url, 'client_secret_file = "secret"\n'), "one of client_secret_env"),
        ('[dashboard]\nidentity_header = "X-User"\n' + oidc_section(url), "both"),
        (oidc_section(url, 'color = "red"\n'), "unknown key"),
    ]
    for text, message in cases:
        with pytest.raises(WorkspaceError, match=message) as caught:
            sign_in_settings(write_ws(tmp_path, text))
        assert caught.value.field is not None and caught.value.field.startswith("dashboard")
    # the discovery URL defaults to [auth].jwks when that is one
    ws = write_ws(
        tmp_path,
        f'[auth]\nissuer = "https://idp.test"\naudience = "pm"\njwks = "{url}"\n'
        '[dashboard.oidc]\nclient_id = "c"\nclient_secret_file = "/nonexistent"\n',
    )
    oidc = dashboard_oidc(ws)
    assert oidc is not None and oidc.server_metadata_url == url and oidc.groups_claim == "groups"


def test_launcher_writes_a_private_secrets_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://idp.test/.well-known/openid-configuration"
    ws = write_ws(tmp_path, oidc_section(url, 'scope = "openid groups"\n'))
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(WorkspaceError, match="is not set"), streamlit_secrets(ws):
        pass
    monkeypatch.setenv(SECRET_ENV, "client-secret-value")
    with streamlit_secrets(ws) as options:
        assert options[0] == "--secrets.files"
        path = Path(options[1])
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        auth = tomllib.loads(path.read_text())["auth"]
        assert auth["client_secret"] == "client-secret-value"
        assert auth["server_metadata_url"] == url and auth["client_id"] == "privacymesh-dashboard"
        assert auth["client_kwargs"] == {"scope": "openid groups"}
        assert len(auth["cookie_secret"]) >= 32
    assert not path.parent.exists()  # removed when the dashboard stops
    assert "client-secret-value" not in (tmp_path / "privacymesh.toml").read_text()
    # a secret file others may read is refused
    (tmp_path / "secret").write_text("from-a-file\n")
    (tmp_path / "secret").chmod(0o644)
    by_file = 'client_secret_file = "secret"'
    text = oidc_section(url).replace(f'client_secret_env = "{SECRET_ENV}"', by_file)
    ws = write_ws(tmp_path, text)
    with pytest.raises(WorkspaceError, match="read by others"), streamlit_secrets(ws):
        pass
    (tmp_path / "secret").chmod(0o600)
    with streamlit_secrets(ws) as options:
        assert tomllib.loads(Path(options[1]).read_text())["auth"]["client_secret"] == "from-a-file"
    with streamlit_secrets(write_ws(tmp_path, "")) as options:
        assert options == []  # sign-in off: Streamlit's own defaults


def test_launcher_without_the_secret_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ws(tmp_path, oidc_section("https://idp.test/.well-known/openid-configuration"))
    monkeypatch.delenv(SECRET_ENV, raising=False)
    app = typer.Typer()
    app.command()(dashboard_command)

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = {"workspace": tmp_path}

    result = CliRunner().invoke(app, ["dashboard-command", "--port", "1"])
    assert result.exit_code == 2
    assert f"${SECRET_ENV} is not set" in result.output
    assert "Traceback" not in result.output


@contextmanager
def oidc_provider() -> Iterator[str]:
    """An OIDC provider (oidc-provider-mock) on a free loopback port, with three users one
    click signs in; yields its issuer URL."""
    import werkzeug.serving
    from oidc_provider_mock import User, app

    users = [
        User(sub="ana", claims={"name": "Ana"}),
        User(sub="mia", claims={"groups": ["grp-marketing"]}),
        User(sub="olga", claims={"groups": []}),
    ]
    server = werkzeug.serving.make_server("127.0.0.1", 0, app(user_claims=users), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def shown_domains(page) -> list[str]:
    """The domains the sidebar's domain filter offers."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_selector("[data-testid=stMetric]", timeout=60_000)  # the run is done
    page.wait_for_timeout(500)
    for _ in range(3):  # a rerun still arriving can close the dropdown: open it again
        page.locator("[data-testid=stMultiSelect] input").click()
        try:
            page.wait_for_selector("[role=option]", timeout=10_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    texts = page.locator("[role=option]").all_inner_texts()
    assert page.locator("[data-testid=stException]").count() == 0
    return sorted(t for t in texts if t != "Select all")  # Streamlit's own entry


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(CHROMIUM).exists()
    or importlib.util.find_spec("playwright") is None
    or importlib.util.find_spec("oidc_provider_mock") is None
    or importlib.util.find_spec("authlib") is None,
    reason="needs Debian's chromium, playwright, oidc-provider-mock and Authlib",
)
def test_browser_signs_in_through_the_provider(
    sample_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback only
    monkeypatch.setenv(SECRET_ENV, "dashboard-client-secret")
    text = (sample_ws / "privacymesh.toml").read_text()
    evidence = (sample_ws / "evidence").resolve()
    text = text.replace('evidence = "evidence"', f'evidence = "{evidence}"')
    with oidc_provider() as issuer:
        metadata = f"{issuer}/.well-known/openid-configuration"
        (tmp_path / "privacymesh.toml").write_text(text + oidc_section(metadata) + GRANTS)
        with dashboard(tmp_path) as url, browser() as chromium:
            anonymous = chromium.new_page()
            anonymous.goto(url)
            anonymous.wait_for_selector("text=Sign in to see this dashboard", timeout=60_000)
            assert anonymous.locator("[data-testid=stMultiSelect]").count() == 0
            assert anonymous.locator("[data-testid=stMetric]").count() == 0

            def sign_in_as(user: str) -> list[str]:
                context = chromium.new_context()
                page = context.new_page()
                page.goto(url)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(f"{issuer}/oauth2/authorize*", timeout=30_000)
                page.get_by_role("button", name=user, exact=True).click()  # the provider's form
                page.wait_for_selector(f"text=Signed in as {user}", timeout=60_000)
                assert page.url.startswith(url)
                domains = shown_domains(page)
                context.close()
                return domains

            assert sign_in_as("ana") == ["payments"]
            assert sign_in_as("mia") == ["marketing"]  # through the ID token's groups only
            everyone = sign_in_as("olga")
            assert {"analytics", "crm"} <= set(everyone) and len(everyone) > 2
