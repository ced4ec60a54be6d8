"""The workspace's Ed25519 signing key, and signed head statements.

A head statement says "at this moment the ledger ended at (seq, hash) and the audit log at
(seq, hash)". It is signed over its canonical JSON, so anyone with the public key can check it
with any Ed25519 library:

    statement = {"type": "privacymesh.evidence-head", "version": 1, "ledger": {...}, ...}
    signature = hex(ed25519_sign(private_key, canonical_json(statement)))

The private key is a PKCS#8 PEM file created 0600 by `privacymesh evidence keygen`; a key file
that group or others may read is refused, so a copied or loosened key is never used silently.
The public key (`<key>.pub`, SubjectPublicKeyInfo PEM) is published with every audit pack.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from privacymesh.ledger.chain import canonical_json
from privacymesh.ledger.errors import LedgerError

STATEMENT_TYPE = "privacymesh.evidence-head"
KEY_FILE = "signing.key"


class SigningError(LedgerError):
    """A signing key could not be created, read or trusted."""


def public_path(key_path: Path) -> Path:
    """Where the public key of a private key file lives: beside it, with `.pub` appended."""
    return key_path.with_name(key_path.name + ".pub")


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """`ed25519:` and the first 32 hex digits of SHA-256 over the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:32]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask may have narrowed or the file system widened it
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def generate_key(key_path: Path) -> Ed25519PublicKey:
    """Create a new private key file (0600) and its public key beside it (0644). An existing
    key is never overwritten: rotating means moving the old one away first."""
    pub = public_path(key_path)
    for existing in (key_path, pub):
        if existing.exists():
            raise SigningError(
                "a signing key already exists",
                file=existing,
                hint="keep it; to rotate, move both key files away first (old packs and "
                "anchors stay verifiable with the old public key)",
            )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_new(key_path, pem, 0o600)
    _write_new(pub, public_pem(private.public_key()), 0o644)
    return private.public_key()


def load_private_key(key_path: Path) -> Ed25519PrivateKey:
    """The private key, refused when group or others may read or write the file."""
    try:
        info = key_path.stat()
    except OSError as exc:
        raise SigningError(
            "no signing key here", file=key_path, hint="create one: privacymesh evidence keygen"
        ) from exc
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningError(
            f"the signing key is readable by others (mode {stat.S_IMODE(info.st_mode):04o})",
            file=key_path,
            hint=f"chmod 600 {key_path}, and treat the key as disclosed: make a new one",
        )
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"not a PEM private key: {exc}", file=key_path) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError("the signing key is not an Ed25519 key", file=key_path)
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key from a PEM file (a `.pub` file, or the one published in a pack)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise SigningError(f"cannot read the public key: {exc.strerror}", file=path) from exc
    except (ValueError, TypeError) as exc:
        raise SigningError(f"not a PEM public key: {exc}", file=path) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError("the public key is not an Ed25519 key", file=path)
    return key


def sign(private_key: Ed25519PrivateKey, data: bytes) -> str:
    """The hex Ed25519 signature of `data`."""
    return private_key.sign(data).hex()


def signature_valid(public_key: Ed25519PublicKey, data: bytes, signature: str | None) -> bool:
    """Whether `signature` (hex) is `public_key`'s signature of `data`."""
    if not signature:
        return False
    try:
        public_key.verify(bytes.fromhex(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class SignedStatement:
    """A head statement and its signature (None when the workspace has no signing key)."""

    statement: dict[str, Any]
    signature: str | None

    @property
    def payload(self) -> bytes:
        return canonical_json(self.statement).encode("ascii")

    def valid_for(self, public_key: Ed25519PublicKey) -> bool:
        return signature_valid(public_key, self.payload, self.signature)


def sign_statement(
    statement: dict[str, Any], private_key: Ed25519PrivateKey | None
) -> SignedStatement:
    """Sign a statement (or leave it unsigned without a key); the key's fingerprint goes in."""
    if private_key is None:
        return SignedStatement({**statement, "key": None}, None)
    body = {**statement, "key": fingerprint(private_key.public_key())}
    return SignedStatement(body, sign(private_key, canonical_json(body).encode("ascii")))
