"""`privacymesh serve` refuses a workspace it cannot serve safely with one line and exit 2,
before binding; the `[serve]` settings are validated with file and field."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from privacymesh.errors import WorkspaceError
from privacymesh.serve.server import is_loopback
from privacymesh.serve.settings import RIGHTS, serve_settings
from privacymesh.workspace import load_workspace

AUTH = '[auth]\nissuer = "https://id.test"\naudience = "pm"\njwks = "jwks.json"\n'


def serve(root, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "privacymesh", "-w", str(root), "serve", "--port", "1", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_serve_without_auth_or_with_bad_settings_exits_2(tmp_path):
    (tmp_path / "privacymesh.toml").write_text('name = "t"\n')
    out = serve(tmp_path)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "no [auth] section" in lines[0]
    (tmp_path / "privacymesh.toml").write_text(
        'name = "t"\n' + AUTH + '[serve.rights]\nconsent_check = "everyone"\n'
    )
    out = serve(tmp_path)
    assert out.returncode == 2 and "[serve.rights.consent_check]" in out.stderr
    assert "expected a list of strings" in out.stderr


def test_serve_settings(tmp_path):
    (tmp_path / "privacymesh.toml").write_text(
        'name = "t"\n[serve.rights]\naudit_read = ["examiner"]\n'
        '[serve.domains.crm]\nwebhook = "https://crm.internal/hook"\naccounts = ["svc-crm"]\n'
        "[serve.delivery]\nattempts = 3\n"
    )
    settings = serve_settings(load_workspace(tmp_path))
    assert settings.rights["audit_read"] == frozenset({"examiner"})
    assert settings.rights["dsar"] == frozenset(RIGHTS["dsar"])
    assert settings.domains_of("svc-crm") == frozenset({"crm"})
    assert settings.domains_of("someone") == frozenset()
    assert (settings.delivery.attempts, settings.delivery.backoff) == (3, 0.5)
    for bad, field in [
        ("[serve.rights]\nsuperuser = []\n", "serve.rights.superuser"),
        ('[serve.domains.crm]\nhook = "x"\n', "serve.domains.crm"),
        ('[serve.domains.crm]\nwebhook = "crm"\n', "serve.domains.crm.webhook"),
        ("[serve.delivery]\nattempts = 0\n", "serve.delivery.attempts"),
    ]:
        (tmp_path / "privacymesh.toml").write_text('name = "t"\n' + bad)
        with pytest.raises(WorkspaceError) as err:
            serve_settings(load_workspace(tmp_path))
        assert err.value.field == field


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")
    assert not is_loopback("example.com")
