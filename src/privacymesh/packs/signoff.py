"""Sign-off of a built pack by a reviewer or approver named in `[accountability]`.

A pack is immutable, so a sign-off never changes its files: it is a statement, "this principal,
as reviewer, vouches for the pack whose manifest.json has this SHA-256", chained into the ledger
(signed with the evidence key when the workspace has one) and copied beside the pack as
`signoff/<role>-<principal>-<seq>.json`. `signoff/cover.html` is re-rendered on each sign-off:
the pack's cover with who signed and when. `pack verify` checks every sign-off against the
manifest, the signature and, given the ledger, the ledger's own record."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from privacymesh.accountability import Accountability, load_accountability
from privacymesh.ledger import Ledger
from privacymesh.ledger.seal import EvidenceSettings
from privacymesh.ledger.signing import (
    SignedStatement,
    SigningError,
    fingerprint,
    load_public_key,
)
from privacymesh.ledger.statements import append_statement, read_statement
from privacymesh.packs.errors import PackError
from privacymesh.packs.manifest import MANIFEST, SIGNOFF_DIR, verify_pack
from privacymesh.packs.render import render
from privacymesh.workspace import Workspace

COVER = "cover.html"
STATEMENT_TYPE = "privacymesh.pack-signoff"
COVER_TEMPLATE = "pack/cover.html.j2"
COVER_STYLES = ["common/base.css", "pack/pack.css"]
DRAFT = "draft"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class SignOff:
    """One sign-off as written beside the pack."""

    path: Path
    role: str
    principal: str
    party: str
    at: str
    signature_id: str
    ledger_seq: int
    ledger_hash: str
    signed: bool


def pack_status(signoffs: list[dict[str, Any]]) -> str:
    """`approved` once an approver signed, `reviewed` once a reviewer did, else `draft`."""
    roles = {s.get("statement", {}).get("role") for s in signoffs}
    return "approved" if "approver" in roles else "reviewed" if "reviewer" in roles else DRAFT


def read_signoffs(root: Path) -> list[dict[str, Any]]:
    """Every sign-off file beside the pack, oldest first (by ledger seq); unreadable files are
    returned as `{"path": ..., "error": ...}` for the verifier to report."""
    found = []
    for path in sorted((root / SIGNOFF_DIR).glob("*.json")):
        try:
            entry = json.loads(path.read_text("utf-8"))
            if not isinstance(entry, dict) or not isinstance(entry.get("statement"), dict):
                raise ValueError("not a sign-off record")
        except (OSError, ValueError) as exc:
            found.append({"path": path, "error": str(exc)})
            continue
        found.append({**entry, "path": path})
    return sorted(found, key=lambda e: (e.get("ledger_seq") or 0, str(e["path"])))


def sign_pack(
    workspace: Workspace,
    root: Path,
    principal: str,
    via: str,
    role: str,
    *,
    ledger_path: Path | None = None,
) -> SignOff:
    """Record `principal`'s sign-off of the pack at `root` as `role` (reviewer or approver):
    the principal must be listed under that role; the pack must be intact."""
    parties = load_accountability(workspace)
    party = parties.signer(principal, role, workspace)
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise PackError("not an audit pack: no manifest.json", file=root)
    check = verify_pack(root)
    if not check.ok:
        raise PackError(
            f"the pack is altered, not signing it: {check.problems[0]}",
            file=root,
            hint="`privacymesh pack verify` lists every problem",
        )
    manifest_bytes = manifest_path.read_bytes()
    manifest = json.loads(manifest_bytes)
    key = EvidenceSettings.for_workspace(workspace).private_key()
    body = {
        "type": STATEMENT_TYPE,
        "version": 1,
        "workspace": workspace.name,
        "role": role,
        "principal": principal,
        "via": via,
        "party": party.name,
        "pack_id": manifest.get("pack_id"),
        "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
    }
    with Ledger(ledger_path or workspace.ledger_path, lock_timeout=10.0) as ledger:
        record = append_statement(ledger, body, key, statement_type="signoff")
    out = root / SIGNOFF_DIR
    out.mkdir(exist_ok=True)
    path = out / f"{role}-{_SAFE.sub('_', principal)}-{record.seq}.json"
    entry = {
        "signature_id": record.signature_id,
        "ledger_seq": record.seq,
        "ledger_hash": record.hash,
        "statement": record.statement.statement,
        "signature": record.statement.signature,
    }
    path.write_text(json.dumps(entry, indent=2, ensure_ascii=False) + "\n", "utf-8")
    write_cover(workspace, root, manifest, parties)
    return SignOff(
        path=path,
        role=role,
        principal=principal,
        party=party.name,
        at=str(record.statement.statement["at"]),
        signature_id=record.signature_id,
        ledger_seq=record.seq,
        ledger_hash=record.hash,
        signed=record.statement.signature is not None,
    )


def write_cover(
    workspace: Workspace, root: Path, manifest: dict[str, Any], parties: Accountability
) -> Path:
    """Re-render `signoff/cover.html`: the pack, its accountable parties and its sign-offs."""
    signoffs = [s for s in read_signoffs(root) if "error" not in s]
    html = render(
        workspace.reports,
        COVER_TEMPLATE,
        COVER_STYLES,
        manifest=manifest,
        manifest_sha256=hashlib.sha256((root / MANIFEST).read_bytes()).hexdigest(),
        parties=parties,
        signoffs=signoffs,
        status=pack_status(signoffs),
    )
    path = root / SIGNOFF_DIR / COVER
    path.parent.mkdir(exist_ok=True)
    path.write_text(html, "utf-8", newline="\n")
    return path


def _key_for(root: Path, manifest: dict[str, Any], trusted: Path | None) -> Any:
    if trusted is not None:
        return load_public_key(trusted)
    signing = manifest.get("signing")
    if isinstance(signing, dict):
        return load_public_key(root / str(signing.get("public_key", "signing-key.pub")))
    return None


def check_signoffs(
    root: Path,
    manifest: dict[str, Any],
    manifest_bytes: bytes,
    trusted: Path | None,
    ledger: Path | None = None,
) -> tuple[list[str], list[str]]:
    """(problems, notes) of the sign-offs beside a pack: each must name this manifest's
    SHA-256, carry a valid signature (when it has one) and, given the ledger, match the
    ledger's record of it."""
    signoffs = read_signoffs(root)
    if not signoffs:
        return [], ["the pack has no sign-off: it is a draft"]
    problems: list[str] = []
    notes: list[str] = []
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    try:
        key = _key_for(root, manifest, trusted)
    except SigningError as exc:
        return [f"sign-off: no key to check it with ({exc})"], notes
    opened = Ledger(ledger, read_only=True, lock_timeout=5.0) if ledger is not None else None
    try:
        for entry in signoffs:
            name = f"{SIGNOFF_DIR}/{entry['path'].name}"
            if "error" in entry:
                problems.append(f"{name}: unreadable ({entry['error']})")
                continue
            statement = entry["statement"]
            signed = SignedStatement(statement, entry.get("signature"))
            if statement.get("type") != STATEMENT_TYPE:
                problems.append(f"{name}: not a pack sign-off")
            if statement.get("manifest_sha256") != digest:
                problems.append(f"{name}: signs another manifest, not this pack's")
            if signed.signature is None:
                notes.append(f"{name}: not signed (its workspace had no signing key)")
            elif key is None:
                notes.append(f"{name}: no public key to check its signature with")
            elif statement.get("key") != fingerprint(key) or not signed.valid_for(key):
                problems.append(f"{name}: its signature does not verify with {fingerprint(key)}")
            if opened is not None:
                mismatch = _against_ledger(opened, name, entry, signed)
                problems += mismatch
                if not mismatch:
                    notes.append(f"{name}: matches the ledger's record {entry['signature_id']}")
    finally:
        if opened is not None:
            opened.close()
    return problems, notes


def _against_ledger(
    ledger: Ledger, name: str, entry: dict[str, Any], signed: SignedStatement
) -> list[str]:
    recorded = read_statement(ledger, str(entry.get("signature_id")))
    if recorded is None:
        return [f"{name}: the ledger holds no sign-off {entry.get('signature_id')}"]
    seq, hash_, stored = recorded
    if (seq, hash_) != (entry.get("ledger_seq"), entry.get("ledger_hash")):
        return [f"{name}: its ledger seq and hash differ from the ledger's"]
    if stored.statement != signed.statement or stored.signature != signed.signature:
        return [f"{name}: differs from the statement the ledger recorded"]
    return []
