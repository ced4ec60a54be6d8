"""Tokens minted from a local key, for development and CI: `token keygen` writes an owner-only
private key and the JWKS the workspace's `[auth] jwks` points at; `token issue` signs a JWT
that `auth.verify_bearer` accepts. Production tokens come from the organisation's identity
provider; the server verifies both the same way."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from privacymesh.platform.errors import KeyFileError
from privacymesh.platform.keys import check_private, write_private
from privacymesh.serve.auth import AuthSettings, thumbprint

ALGORITHM = "ES256"
KEY_FILE = "token-signing.pem"
JWKS_FILE = "jwks.json"


@dataclass(frozen=True)
class KeyPair:
    """Where `keygen` wrote the private key and the JWKS, and the key's id."""

    private_key: Path
    jwks: Path
    kid: str


def keygen(private_key: Path, jwks: Path, *, replace: bool = False) -> KeyPair:
    """Write a new P-256 signing key (mode 0600) and add its public half to the JWKS file
    (kept keys stay, so tokens signed by a previous key verify until it is removed)."""
    if private_key.exists() and not replace:
        raise KeyFileError(
            f"{private_key} exists", file=private_key, hint="pass --replace to rotate the key"
        )
    key = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    kid = thumbprint(public)
    public.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    keys = []
    if jwks.is_file():
        try:
            keys = [k for k in json.loads(jwks.read_text("utf-8"))["keys"] if k.get("kid") != kid]
        except (ValueError, KeyError, TypeError):
            raise KeyFileError("existing JWKS file is not a JWKS", file=jwks) from None
    private_key.parent.mkdir(parents=True, exist_ok=True)
    jwks.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(private_key, pem)
    jwks.write_text(json.dumps({"keys": [public, *keys]}, indent=2) + "\n", "utf-8")
    return KeyPair(private_key, jwks, kid)


def load_signing_key(path: Path) -> tuple[ec.EllipticCurvePrivateKey, str]:
    """The private key of a key file (refused when others may read it) and its key id."""
    if not path.is_file():
        raise KeyFileError(
            f"no signing key at {path}", file=path, hint="`privacymesh token keygen` writes one"
        )
    check_private(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError:
        raise KeyFileError("not a PEM private key", file=path) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyFileError("not an EC P-256 key", file=path)
    return key, thumbprint(json.loads(ECAlgorithm.to_jwk(key.public_key())))


def issue(
    settings: AuthSettings,
    key_file: Path,
    sub: str,
    *,
    groups: list[str] | None = None,
    ttl: int = 3600,
    not_before: int | None = None,
    audience: str | None = None,
) -> str:
    """A signed JWT for `sub` with the workspace's issuer and audience, valid for `ttl` s."""
    key, kid = load_signing_key(key_file)
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": settings.issuer,
        "aud": audience or settings.audience,
        "sub": sub,
        "iat": now,
        "nbf": not_before if not_before is not None else now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    if groups:
        claims[settings.groups_claim.split(".")[0]] = _nested(settings.groups_claim, groups)
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})


def _nested(path: str, groups: list[str]) -> object:
    """The groups under a dotted claim path, without its first part (`realm_access.roles`)."""
    value: object = list(groups)
    for part in reversed(path.split(".")[1:]):
        value = {part: value}
    return value
