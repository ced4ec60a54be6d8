"""The platform's secret key: one per workspace, from `PRIVACYMESH_PLATFORM_KEY` or the file
`<evidence>/platform.key` (created on first use, readable by its owner only). Purpose keys are
derived from it with HMAC, so the audit log's subject pseudonyms and the `hash` masking rule
never share a key, and each role's hashed values differ from another role's. A key file that its
group or others may read is refused (`KeyFileError`): a key others can read protects nothing."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from privacymesh.platform.errors import KeyFileError

ENV_VAR = "PRIVACYMESH_PLATFORM_KEY"
KEY_FILE = "platform.key"


def master_key(evidence_dir: Path) -> bytes:
    """The workspace key: the environment variable's text, else the key file (made if missing)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env.encode("utf-8")
    path = evidence_dir / KEY_FILE
    if path.is_file():
        return read_key_file(path)
    evidence_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key.hex().encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails when another process made the key first: use theirs
    except FileExistsError:
        return read_key_file(path)
    finally:
        tmp.unlink()
    return key


def check_private(path: Path) -> None:
    """Refuse a key file its group or others may read or write."""
    mode = path.stat().st_mode
    if mode & 0o077:
        raise KeyFileError(
            f"key file {path} is open to group or others (mode {mode & 0o777:o}): refusing it",
            file=path,
            hint=f"chmod 600 {path}",
        )


def read_key_file(path: Path) -> bytes:
    """A hex key file's bytes, after `check_private`."""
    check_private(path)
    try:
        return bytes.fromhex(path.read_text("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise KeyFileError("key file does not hold a hex key", file=path) from None


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, atomically (created 0600, then renamed)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a leftover file
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def derive(master: bytes, label: str) -> bytes:
    """A key for one use (`audit-subject`, `mask:<role>`), derived from the workspace key."""
    return hmac.new(master, label.encode("utf-8"), hashlib.sha256).digest()
