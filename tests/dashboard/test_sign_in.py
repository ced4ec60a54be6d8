"""Dashboard sign-in through a reverse proxy's identity header: believed only from a trusted
proxy address, mapped to roles by the workspace's grants, and each role shown only its domains
- in a real browser (Playwright, Chromium) and in the rules themselves."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from dashboard_server import CHROMIUM, browser, dashboard

from privacymesh.errors import WorkspaceError
from privacymesh.workspace import load_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dashboards"))
from sign_in import sign_in_settings, trusted_peer, viewer, visible_domains

SIGN_IN = """
[dashboard]
identity_header = "X-Forwarded-User"
groups_header = "X-Forwarded-Groups"
trusted_proxies = ["127.0.0.1", "::1", "10.1.0.0/16"]
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


@pytest.fixture
def signed_ws(tmp_path: Path):
    (tmp_path / "privacymesh.toml").write_text('name = "t"\n' + SIGN_IN)
    return load_workspace(tmp_path)


def test_roles_and_domains_of_a_viewer(signed_ws) -> None:
    s = sign_in_settings(signed_ws)
    assert s is not None
    ana = viewer(signed_ws, s, {"x-forwarded-user": "ana"}, None, ROLE_DOMAINS)
    assert ana is not None and ana.roles == {"payments_analyst"} and ana.domains == ("payments",)
    headers = {"X-Forwarded-User": "ana", "X-Forwarded-Groups": "grp-marketing, x"}
    both = viewer(signed_ws, s, headers, "10.1.2.3", ROLE_DOMAINS)
    assert both is not None and both.domains == ("marketing", "payments")
    olga = viewer(signed_ws, s, {"X-Forwarded-User": "olga"}, None, ROLE_DOMAINS)
    assert olga is not None and olga.domains is None  # every domain
    nobody = viewer(signed_ws, s, {"X-Forwarded-User": "eve"}, None, ROLE_DOMAINS)
    assert nobody is not None and nobody.roles == frozenset() and nobody.domains == ()
    assert visible_domains(s, frozenset({"unknown_role"}), ROLE_DOMAINS) == ()


def test_headers_are_believed_only_from_trusted_proxies(signed_ws) -> None:
    s = sign_in_settings(signed_ws)
    assert s is not None
    assert trusted_peer(s, None) and trusted_peer(s, "10.1.200.9")
    assert not trusted_peer(s, "10.2.0.1") and not trusted_peer(s, "not an address")
    assert viewer(signed_ws, s, {"X-Forwarded-User": "olga"}, "192.0.2.7", ROLE_DOMAINS) is None
    assert viewer(signed_ws, s, {}, None, ROLE_DOMAINS) is None  # no header: not signed in


def test_sign_in_off_and_bad_settings(tmp_path: Path) -> None:
    (tmp_path / "privacymesh.toml").write_text('name = "t"\n')
    assert sign_in_settings(load_workspace(tmp_path)) is None
    (tmp_path / "privacymesh.toml").write_text(
        'name = "t"\n[dashboard]\nidentity_header = "X-User"\ntrusted_proxies = ["proxy"]\n'
    )
    with pytest.raises(WorkspaceError, match="not an address"):
        sign_in_settings(load_workspace(tmp_path))


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None,
    reason="needs Debian's chromium (apt-get install chromium) and playwright (pip)",
)
def test_browser_sees_only_the_roles_domains(sample_ws: Path, tmp_path: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    text = (sample_ws / "privacymesh.toml").read_text()
    evidence = (sample_ws / "evidence").resolve()
    text = text.replace('evidence = "evidence"', f'evidence = "{evidence}"')
    (tmp_path / "privacymesh.toml").write_text(text + SIGN_IN)
    with dashboard(tmp_path) as url, browser() as chromium:
        anonymous = chromium.new_page()
        anonymous.goto(url)
        anonymous.wait_for_selector("text=Sign in through the workspace", timeout=60_000)
        assert anonymous.locator("[data-testid=stMultiSelect]").count() == 0

        def domains_for(headers: dict[str, str]) -> list[str]:
            context = chromium.new_context(extra_http_headers=headers)
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("text=Signed in as", timeout=60_000)
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
            options = sorted(t for t in texts if t != "Select all")  # Streamlit's own entry
            assert page.locator("[data-testid=stException]").count() == 0
            context.close()
            return options

        assert domains_for({"X-Forwarded-User": "ana"}) == ["payments"]
        assert domains_for({"X-Forwarded-User": "ana", "X-Forwarded-Groups": "grp-marketing"}) == [
            "marketing",
            "payments",
        ]
        everyone = domains_for({"X-Forwarded-User": "olga"})
        # every domain (the dropdown renders the first few of a long list): more than anyone's
        assert {"analytics", "crm"} <= set(everyone) and len(everyone) > 2
