"""Bearer tokens: a JWT verified against the workspace's JWKS and mapped to a `Principal`.

    [auth]
    issuer = "https://login.example.com/realms/mesh"   # the `iss` every token must carry
    audience = "privacymesh"                            # the `aud` every token must carry
    jwks = "evidence/jwks.json"     # a JWKS file (relative to the workspace), a JWKS URL, or
                                    # the issuer's `.../.well-known/openid-configuration` URL
    groups_claim = "groups"         # a dotted path into the claims, e.g. "realm_access.roles"
    algorithms = ["ES256", "RS256"] # accepted signature algorithms (asymmetric only)
    leeway = 30                     # seconds of clock skew allowed on exp/nbf/iat

    [auth.groups]                   # roles granted to every member of a group
    "grp-marketing" = ["marketing_analyst"]

A token's `sub` names a principal: its roles are those of `[principals.<sub>]` (when declared)
and of each of its groups listed under `[auth.groups]`. A token grants no role by itself.

Symmetric (HS*) algorithms and `none` are refused in the settings, and the key that verifies a
token is the JWKS entry named by its `kid` used with that key's own algorithm family, so a token
cannot choose to have a public key read as an HMAC secret.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import ipaddress
import json
import threading
import time
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWK, PyJWKSet

from privacymesh.errors import WorkspaceError
from privacymesh.platform.errors import AccessDenied
from privacymesh.platform.principals import Principal
from privacymesh.serve.grants import RoleGrants, claim_groups, role_grants
from privacymesh.workspace import Workspace

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DEFAULT_ALGORITHMS = ("ES256", "RS256", "EdDSA")
# which JWK key types may verify which algorithm: the key decides, never the token header
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
_JWKS_TTL = 300.0  # a fetched JWKS is refreshed after this many seconds, or on an unknown kid
_CACHE_SIZE = 4096
_CACHE_TTL = 60.0  # a verified token is re-verified after this long, so a key removed counts


class InvalidToken(AccessDenied):
    """A bearer token that is missing, malformed, badly signed, expired, or not for us."""


@dataclass(frozen=True)
class AuthSettings:
    """The `[auth]` section, validated, plus the role grants a token's claims map to."""

    issuer: str
    audience: str
    jwks: str
    groups_claim: str = "groups"
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway: int = 30
    grants: RoleGrants = field(default_factory=lambda: RoleGrants({}, {}))
    root: Path = Path(".")
    file: Path | None = None


def auth_settings(workspace: Workspace) -> AuthSettings:
    """The workspace's `[auth]` section; a missing or malformed one is a WorkspaceError."""
    raw = workspace.settings.get("auth")
    file = workspace.file
    if not isinstance(raw, Mapping):
        raise WorkspaceError(
            "no [auth] section: bearer tokens cannot be verified",
            file=file,
            field="auth",
            hint="`privacymesh token keygen` writes a key pair and prints the section to add",
        )
    unknown = set(raw) - {"issuer", "audience", "jwks", "groups_claim", "algorithms", "leeway"}
    unknown -= {"groups"}
    if unknown:
        raise WorkspaceError(
            f"unknown key(s) {', '.join(sorted(unknown))}", file=file, field="auth"
        )

    def text(key: str, default: str | None = None) -> str:
        value = raw.get(key, default)
        if not isinstance(value, str) or not value:
            raise WorkspaceError("expected a non-empty string", file=file, field=f"auth.{key}")
        return value

    algorithms = raw.get("algorithms", list(DEFAULT_ALGORITHMS))
    if not isinstance(algorithms, list) or not algorithms:
        raise WorkspaceError("expected a list of algorithms", file=file, field="auth.algorithms")
    refused = [a for a in algorithms if a not in ASYMMETRIC]
    if refused:
        raise WorkspaceError(
            f"algorithm(s) {', '.join(map(str, refused))} not accepted",
            file=file,
            field="auth.algorithms",
            hint=f"asymmetric algorithms only: {', '.join(sorted(ASYMMETRIC))}",
        )
    leeway = raw.get("leeway", 30)
    if not isinstance(leeway, int) or isinstance(leeway, bool) or not 0 <= leeway <= 300:
        raise WorkspaceError("expected seconds, 0 to 300", file=file, field="auth.leeway")
    return AuthSettings(
        issuer=text("issuer"),
        audience=text("audience"),
        jwks=text("jwks"),
        groups_claim=text("groups_claim", "groups"),
        algorithms=tuple(algorithms),
        leeway=leeway,
        grants=role_grants(workspace),
        root=workspace.root,
        file=file,
    )


class KeySource:
    """The JWKS of a settings object: read from a file, a JWKS URL or an OIDC discovery URL,
    kept for a few minutes and fetched again when a token names a key it does not hold."""

    def __init__(self, settings: AuthSettings):
        self.settings = settings
        self._lock = threading.Lock()
        self._keys: dict[str, PyJWK] = {}
        self._loaded = 0.0

    def key(self, kid: str | None) -> PyJWK:
        with self._lock:
            age = time.monotonic() - self._loaded
            missing = kid is not None and kid not in self._keys
            # a refetch for an unknown kid is rate-limited so forged kids cannot flood the IdP
            if not self._loaded or age >= _JWKS_TTL or (missing and age > 10.0):
                self._keys = self._load()
                self._loaded = time.monotonic()
            keys = self._keys
        if kid is None:
            if len(keys) != 1:
                raise InvalidToken("token names no key (kid) and the JWKS holds several")
            return next(iter(keys.values()))
        found = keys.get(kid)
        if found is None:
            raise InvalidToken("token is signed by a key the JWKS does not hold", field="kid")
        return found

    def _load(self) -> dict[str, PyJWK]:
        data = _read_jwks(self.settings)
        try:
            keyset = PyJWKSet.from_dict(data)
        except jwt.PyJWTError as exc:
            raise WorkspaceError(
                f"the JWKS holds no usable key: {exc}", file=self.settings.file, field="auth.jwks"
            ) from None
        keys = {}
        for key in keyset.keys:
            if key.key_id:
                keys[key.key_id] = key
            elif len(keyset.keys) == 1:
                keys[""] = key
        return keys


def _read_jwks(settings: AuthSettings) -> dict[str, Any]:
    where = settings.jwks
    if "://" not in where:
        path = Path(where)
        path = path if path.is_absolute() else settings.root / path
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise WorkspaceError(
                f"cannot read the JWKS: {exc}", file=path, field="auth.jwks"
            ) from None
        return _checked_jwks(data, str(path))
    url = _checked_url(where, settings)
    if url.rstrip("/").endswith("/.well-known/openid-configuration"):
        discovery = _fetch_json(url, settings)
        if discovery.get("issuer") != settings.issuer:
            raise WorkspaceError(
                "the discovery document names another issuer",
                file=settings.file,
                field="auth.issuer",
                hint=f"it says {discovery.get('issuer')!r}",
            )
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise WorkspaceError(
                "the discovery document has no jwks_uri", file=settings.file, field="auth.jwks"
            )
        url = _checked_url(jwks_uri, settings)
    return _checked_jwks(_fetch_json(url, settings), url)


def _checked_url(url: str, settings: AuthSettings) -> str:
    """https, or http to a loopback address only (a test or a local identity provider)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    loopback = host == "localhost"
    with contextlib.suppress(ValueError):  # a host name, not an address
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    if parts.scheme == "https" or (parts.scheme == "http" and loopback):
        return url
    raise WorkspaceError(
        f"keys are fetched over https only (or http on loopback), not {url!r}",
        file=settings.file,
        field="auth.jwks",
    )


def _fetch_json(url: str, settings: AuthSettings) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            data = json.loads(response.read(1_000_000))
    except (OSError, ValueError) as exc:
        raise WorkspaceError(
            f"cannot fetch {url}: {exc}", file=settings.file, field="auth.jwks"
        ) from None
    if not isinstance(data, dict):
        raise WorkspaceError(f"{url} is not a JSON object", file=settings.file, field="auth.jwks")
    return data


def _checked_jwks(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise WorkspaceError('not a JWKS (expected {"keys": [...]})', file=where)
    for key in data["keys"]:
        if isinstance(key, dict) and ("d" in key or key.get("kty") == "oct"):
            raise WorkspaceError(
                "the JWKS holds a private or symmetric key: publish public keys only", file=where
            )
    return data


class TokenVerifier:
    """Verifies bearer tokens for one workspace; verified tokens are remembered briefly so a
    service calling many times pays for one signature check."""

    def __init__(self, settings: AuthSettings):
        self.settings = settings
        self.keys = KeySource(settings)
        self._cache: OrderedDict[str, tuple[Principal, float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; InvalidToken otherwise."""
        now = time.time()
        with self._lock:
            hit = self._cache.get(token)
            if hit is not None:
                principal, expires, checked = hit
                if now < expires + self.settings.leeway and now - checked < _CACHE_TTL:
                    self._cache.move_to_end(token)
                    return principal
                del self._cache[token]
        principal, expires = self._verify(token)
        with self._lock:
            self._cache[token] = (principal, expires, now)
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        s = self.settings
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("not a JWT", hint="send Authorization: Bearer <jwt>") from None
        alg = header.get("alg")
        if alg not in s.algorithms:
            raise InvalidToken(
                f"token algorithm {alg!r} is not accepted", field="alg",
                hint=f"accepted: {', '.join(s.algorithms)}",
            )  # fmt: skip
        key = self.keys.key(header.get("kid"))
        key_alg = key.algorithm_name
        if key_alg not in s.algorithms or _KEY_TYPES.get(alg[:2]) != _KEY_TYPES.get(key_alg[:2]):
            raise InvalidToken("token algorithm does not match its key", field="alg")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[key_alg],
                audience=s.audience,
                issuer=s.issuer,
                leeway=s.leeway,
                options={"require": _REQUIRED_CLAIMS, "verify_signature": True},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token has expired", field="exp") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("token is not valid yet", field="nbf") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("token is for another audience", field="aud") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("token is from another issuer", field="iss") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"token has no {exc.claim} claim", field=exc.claim) from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("token signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"token refused: {type(exc).__name__}") from None
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub:
            raise InvalidToken("token sub must be a non-empty string", field="sub")
        return Principal(sub, self.roles(sub, claims), "jwt"), float(claims["exp"])

    def roles(self, sub: str, claims: Mapping[str, Any]) -> frozenset[str]:
        """The roles of `[principals.<sub>]` and of each of the token's groups."""
        s = self.settings
        return s.grants.roles(sub, claim_groups(claims, s.groups_claim))


_verifiers: dict[tuple[str, str], TokenVerifier] = {}
_verifiers_lock = threading.Lock()


def verify_bearer(token: str, settings: AuthSettings | Workspace) -> Principal:
    """The verified principal of a bearer token (with or without the `Bearer ` prefix), or
    InvalidToken. Accepts the settings or a workspace; keys and verified tokens are cached
    per workspace file and configuration."""
    if isinstance(settings, Workspace):
        cache_key = (str(settings.file), settings.config_hash)
        with _verifiers_lock:
            verifier = _verifiers.get(cache_key)
        if verifier is None:
            verifier = TokenVerifier(auth_settings(settings))
            with _verifiers_lock:
                _verifiers[cache_key] = verifier
    else:
        verifier = TokenVerifier(settings)
    return verifier.verify(bearer_value(token))


def bearer_value(value: str | None) -> str:
    """The token of an `Authorization` header value (`Bearer <jwt>`) or of a bare token."""
    if not value:
        raise InvalidToken("no bearer token", hint="send Authorization: Bearer <jwt>")
    scheme, _, rest = value.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else value.strip()
    if not token or " " in token:
        raise InvalidToken("malformed bearer token", hint="send Authorization: Bearer <jwt>")
    return token


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 thumbprint of a public JWK: the key id `token keygen` gives a key."""
    members = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}
    required = members[str(jwk["kty"])]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
