"""A pack's signature: the workspace's public key published in the pack (`signing-key.pub`, named
with its fingerprint in the manifest) and `manifest.sig`, the Ed25519 signature of the exact
bytes of `manifest.json`. The manifest lists every file's SHA-256, so the signature covers them.

A signature proves who built the pack only against a key obtained elsewhere (the workspace's
`.pub` file, or the fingerprint the anchors carry): a forger can sign a forged pack with a key of
their own and publish that key in it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from privacymesh.ledger.seal import EvidenceSettings
from privacymesh.ledger.signing import (
    SigningError,
    fingerprint,
    load_public_key,
    sign,
    signature_valid,
)
from privacymesh.workspace import Workspace

SIGNATURE = "manifest.sig"  # the same name as privacymesh.packs.manifest.SIGNATURE
PUBLIC_KEY = "signing-key.pub"


def publish_key(workspace: Workspace, staging: Path) -> dict[str, Any] | None:
    """Copy the workspace's public key into the pack; the manifest's `signing` entry (None when
    the workspace has no signing key)."""
    settings = EvidenceSettings.for_workspace(workspace)
    public = settings.public_key()
    if public is None or not settings.key_path.exists():
        return None
    settings.private_key()  # a loose private key is refused before anything is signed
    shutil.copyfile(settings.public_key_path, staging / PUBLIC_KEY)
    return {
        "algorithm": "Ed25519",
        "public_key": PUBLIC_KEY,
        "fingerprint": fingerprint(public),
        "signature": SIGNATURE,
        "signs": "the bytes of manifest.json",
    }


def sign_manifest(workspace: Workspace, staging: Path, manifest: Path) -> Path:
    """Write `manifest.sig` (hex) beside the manifest."""
    key = EvidenceSettings.for_workspace(workspace).private_key()
    assert key is not None, "publish_key found the key"
    path = staging / SIGNATURE
    path.write_text(sign(key, manifest.read_bytes()) + "\n", "ascii")
    return path


def check_signature(
    root: Path, manifest: dict[str, Any], manifest_bytes: bytes, trusted: Path | None
) -> tuple[list[str], list[str]]:
    """(problems, notes) of the pack's signature; `trusted` is a public key from elsewhere
    that the pack's key must equal."""
    problems: list[str] = []
    notes: list[str] = []
    signing = manifest.get("signing")
    trusted_key = load_public_key(trusted) if trusted is not None else None
    if not isinstance(signing, dict):
        if trusted_key is not None:
            problems.append(
                f"the pack is not signed, but {fingerprint(trusted_key)} signs this workspace's "
                "packs"
            )
        else:
            notes.append("the pack is not signed (its workspace had no signing key)")
        return problems, notes
    key_file = root / str(signing.get("public_key", PUBLIC_KEY))
    sig_file = root / str(signing.get("signature", SIGNATURE))
    try:
        key = load_public_key(key_file)
        signature = sig_file.read_text("ascii").strip()
    except SigningError as exc:
        return [f"signature: {exc}"], notes
    except (OSError, ValueError) as exc:
        return [f"signature: cannot read {sig_file.name} ({exc})"], notes
    if fingerprint(key) != signing.get("fingerprint"):
        problems.append(f"{key_file.name}: its fingerprint is not the one the manifest names")
    if not signature_valid(key, manifest_bytes, signature):
        problems.append(f"{SIGNATURE}: does not verify manifest.json with {fingerprint(key)}")
    if trusted_key is not None and fingerprint(trusted_key) != fingerprint(key):
        problems.append(
            f"the pack is signed by {fingerprint(key)}, not by the trusted key "
            f"{fingerprint(trusted_key)}"
        )
    elif trusted_key is None:
        notes.append(
            f"signed by {fingerprint(key)}; no trusted public key given to compare it with"
        )
    return problems, notes
