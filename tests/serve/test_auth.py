"""Bearer tokens: minted by `token issue`, verified against the workspace's JWKS (a file, or an
OIDC discovery URL served over a real socket), refused when expired, forged or not for us."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from privacymesh.errors import WorkspaceError
from privacymesh.platform.errors import AccessDenied, KeyFileError
from privacymesh.serve.auth import InvalidToken, auth_settings, verify_bearer
from privacymesh.serve.tokens import issue, keygen, load_signing_key
from privacymesh.workspace import load_workspace

AUTH = """
[auth]
issuer = "https://id.test"
audience = "privacymesh"
jwks = "keys/jwks.json"
[auth.groups]
"grp-marketing" = ["marketing_analyst"]
"grp-privacy" = ["privacy_officer", "identity_analyst"]
[principals.svc-dsar]
roles = ["dsar_processor"]
"""


@pytest.fixture
def ws(tmp_path: Path):
    (tmp_path / "privacymesh.toml").write_text('name = "t"\n' + AUTH)
    keygen(tmp_path / "keys" / "signing.pem", tmp_path / "keys" / "jwks.json")
    return load_workspace(tmp_path)


def _mint(ws, sub="svc-dsar", **kw) -> str:
    return issue(auth_settings(ws), ws.root / "keys" / "signing.pem", sub, **kw)


def test_token_maps_sub_and_groups_to_roles(ws):
    who = verify_bearer("Bearer " + _mint(ws, groups=["grp-marketing", "grp-unknown"]), ws)
    assert (who.name, who.via) == ("svc-dsar", "jwt")
    assert who.roles == frozenset({"dsar_processor", "marketing_analyst"})
    stranger = verify_bearer(_mint(ws, sub="someone"), ws)
    assert stranger.roles == frozenset()  # a token grants no role by itself
    assert not stranger.holds("dsar_processor")


def test_key_file_is_owner_only_and_jwks_public(ws):
    key = ws.root / "keys" / "signing.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    jwks = json.loads((ws.root / "keys" / "jwks.json").read_text())
    assert len(jwks["keys"]) == 1 and "d" not in jwks["keys"][0]
    assert jwks["keys"][0]["alg"] == "ES256"
    os.chmod(key, 0o644)
    with pytest.raises(KeyFileError, match="open to group or others"):
        load_signing_key(key)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ttl": 1, "not_before": None}, "exp"),
        ({"audience": "another-service"}, "aud"),
        ({"not_before": int(time.time()) + 3600}, "nbf"),
    ],
)
def test_expired_wrong_audience_and_immature_tokens_refused(ws, change, field):
    ttl = change.pop("ttl", 3600)
    token = _mint(ws, ttl=ttl, **change)
    if field == "exp":  # leeway is 30 s: sign one that expired a minute ago instead of waiting
        key, kid = load_signing_key(ws.root / "keys" / "signing.pem")
        claims = jwt.decode(token, options={"verify_signature": False})
        claims.update(exp=int(time.time()) - 60, iat=int(time.time()) - 120)
        token = jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})
    with pytest.raises(InvalidToken) as err:
        verify_bearer(token, ws)
    assert err.value.field == field
    assert isinstance(err.value, AccessDenied)


def test_forged_tokens_refused(ws):
    good = _mint(ws)
    _, kid = load_signing_key(ws.root / "keys" / "signing.pem")
    claims = jwt.decode(good, options={"verify_signature": False})
    # another key claiming the workspace key's id
    other = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(claims, other, algorithm="ES256", headers={"kid": kid})
    with pytest.raises(InvalidToken, match="signature does not verify"):
        verify_bearer(forged, ws)
    # a claim changed after signing
    head, body, sig = good.split(".")
    claims["sub"] = "admin"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken, match="signature does not verify"):
        verify_bearer(f"{head}.{body}.{sig}", ws)
    # alg none, and HS256 keyed with the public JWK: both refused before any key is used
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": kid})
    with pytest.raises(InvalidToken, match="'none' is not accepted"):
        verify_bearer(unsigned, ws)
    public = (ws.root / "keys" / "jwks.json").read_bytes()
    hs = _hs256(claims, public, kid)
    with pytest.raises(InvalidToken, match="'HS256' is not accepted"):
        verify_bearer(hs, ws)
    with pytest.raises(InvalidToken, match="not a JWT"):
        verify_bearer("Bearer abc", ws)
    with pytest.raises(InvalidToken, match="no bearer token"):
        verify_bearer("", ws)


def _hs256(claims: dict, secret: bytes, kid: str) -> str:
    """A token MACed with `secret`, built by hand: PyJWT itself refuses a JWK as HMAC key."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def test_wrong_issuer_and_unknown_key_refused(tmp_path, ws):
    settings = auth_settings(ws)
    other_ws = tmp_path / "other"
    other_ws.mkdir()
    (other_ws / "privacymesh.toml").write_text(AUTH.replace("https://id.test", "https://evil"))
    keygen(other_ws / "keys" / "signing.pem", other_ws / "keys" / "jwks.json")
    evil = load_workspace(other_ws)
    token = issue(auth_settings(evil), other_ws / "keys" / "signing.pem", "svc-dsar")
    with pytest.raises(InvalidToken, match="key the JWKS does not hold"):
        verify_bearer(token, settings)
    # the same key trusted, but the issuer is not ours
    (ws.root / "keys" / "jwks.json").write_text((other_ws / "keys" / "jwks.json").read_text())
    with pytest.raises(InvalidToken) as err:
        verify_bearer(token, auth_settings(ws))
    assert err.value.field == "iss"


def test_symmetric_algorithms_refused_in_settings(tmp_path):
    (tmp_path / "privacymesh.toml").write_text(
        AUTH.replace('jwks = "keys/jwks.json"', 'jwks = "k.json"\nalgorithms = ["HS256"]')
    )
    with pytest.raises(WorkspaceError, match="HS256 not accepted") as err:
        auth_settings(load_workspace(tmp_path))
    assert err.value.field == "auth.algorithms"
    (tmp_path / "privacymesh.toml").write_text('name = "t"\n')
    with pytest.raises(WorkspaceError, match=r"no \[auth\] section"):
        auth_settings(load_workspace(tmp_path))


def test_private_key_in_jwks_refused(ws):
    jwks = json.loads((ws.root / "keys" / "jwks.json").read_text())
    jwks["keys"][0]["d"] = "AAAA"
    (ws.root / "keys" / "jwks.json").write_text(json.dumps(jwks))
    with pytest.raises(WorkspaceError, match="private or symmetric key"):
        verify_bearer(_mint(ws), auth_settings(ws))


def test_jwks_from_oidc_discovery_url(tmp_path, ws):
    jwks = (ws.root / "keys" / "jwks.json").read_bytes()
    hits: list[str] = []

    class Provider(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            port = self.server.server_address[1]
            if self.path == "/.well-known/openid-configuration":
                body = json.dumps(
                    {"issuer": "https://id.test", "jwks_uri": f"http://127.0.0.1:{port}/certs"}
                ).encode()
            elif self.path == "/certs":
                body = jwks
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/openid-configuration"
        text = (ws.root / "privacymesh.toml").read_text().replace("keys/jwks.json", url)
        (ws.root / "privacymesh.toml").write_text(text)
        settings = auth_settings(load_workspace(ws.root))
        assert verify_bearer(_mint(ws), settings).name == "svc-dsar"
        assert hits == ["/.well-known/openid-configuration", "/certs"]
    finally:
        server.shutdown()
    # plain http to anything but loopback is refused
    text = (ws.root / "privacymesh.toml").read_text().replace(url, "http://id.test/certs")
    (ws.root / "privacymesh.toml").write_text(text)
    with pytest.raises(WorkspaceError, match="https only"):
        verify_bearer(_mint(ws), auth_settings(load_workspace(ws.root)))


def test_token_cli_keygen_and_issue(tmp_path):
    (tmp_path / "privacymesh.toml").write_text(
        'name = "t"\n' + AUTH.replace("keys/jwks.json", "evidence/jwks.json")
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = [sys.executable, "-m", "privacymesh", "-w", str(tmp_path), "token"]
    made = subprocess.run([*run, "keygen"], capture_output=True, text=True, env=env)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "evidence" / "token-signing.pem").stat().st_mode & 0o777 == 0o600
    out = subprocess.run(
        [*run, "issue", "--sub", "svc-dsar", "--groups", "grp-privacy", "--ttl", "15m"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    who = verify_bearer(token, load_workspace(tmp_path))
    assert who.roles == frozenset({"dsar_processor", "privacy_officer", "identity_analyst"})
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert 890 <= exp - time.time() <= 900
    bad = subprocess.run([*run, "issue", "--sub", "x", "--ttl", "forever"],
                         capture_output=True, text=True, env=env)  # fmt: skip
    assert bad.returncode == 2
    assert "--ttl 'forever' is not a duration" in bad.stderr
