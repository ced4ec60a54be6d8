"""`manifest.json` (SHA-256 and size of every file, the pack's inputs, the generator, the build
time), `pack.zip` of it all, and `verify_pack`, which re-checks both.

The build time is the one value that changes between two builds of the same ledger and options;
it is in the manifest only. The zip is written with fixed timestamps and permissions."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from privacymesh.packs.signature import check_signature

if TYPE_CHECKING:
    from privacymesh.workspace import Workspace

MANIFEST = "manifest.json"
ZIP = "pack.zip"
SIGNATURE = "manifest.sig"  # written after the manifest, so not listed in it
SIGNOFF_DIR = "signoff"  # sign-offs given after the build (privacymesh.packs.signoff)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pack_files(root: Path) -> list[Path]:
    """Every file under the pack folder except the manifest, its signature, the zip and the
    sign-offs given later."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.relative_to(root).as_posix() not in (MANIFEST, SIGNATURE, ZIP)
        and p.relative_to(root).parts[0] != SIGNOFF_DIR
    )


def file_entries(root: Path, files: list[Path]) -> dict[str, dict[str, Any]]:
    return {
        p.relative_to(root).as_posix(): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
        for p in sorted(files)
    }


def write_manifest(root: Path, info: dict[str, Any]) -> Path:
    """`manifest.json` = `info` plus the hash of every file of the pack."""
    manifest = {**info, "files": file_entries(root, pack_files(root))}
    path = root / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


def write_zip(root: Path) -> Path:
    """`pack.zip`: every file in name order, then the manifest, with fixed metadata."""
    return PackZip(root).finish()


class PackZip:
    """`pack.zip` in two steps: `start(files)` compresses the files ready early in a
    background thread (zlib leaves the GIL, so this overlaps the wait for the PDF), `finish()`
    adds the other files in name order and the manifest last. The same files give the same
    bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / ZIP
        self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED)
        self._written: list[str] = []
        self._thread: threading.Thread | None = None

    def _add(self, names: list[str]) -> None:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            self._zip.writestr(info, (self.root / name).read_bytes(), compresslevel=6)
            self._written.append(name)

    def _names(self, files: list[Path]) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in files)

    def start(self, files: list[Path]) -> None:
        self._thread = threading.Thread(target=self._add, args=(self._names(files),))
        self._thread.start()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def finish(self) -> Path:
        self._join()
        later = [n for n in self._names(pack_files(self.root)) if n not in set(self._written)]
        signed = [SIGNATURE] if (self.root / SIGNATURE).is_file() else []
        self._add([*later, MANIFEST, *signed])
        self._zip.close()
        return self.path

    def abort(self) -> None:
        self._join()
        self._zip.close()


def next_version(base: Path) -> Path:
    """The folder for a new build under `base`: `v1`, then `v2`, ... after the highest there.
    Earlier builds stay as they were: a pack once published is never replaced."""
    from privacymesh.packs.errors import PackError

    if (base / MANIFEST).is_file():
        raise PackError(
            "an earlier pack sits directly in this folder, not in a version folder",
            file=base,
            hint=f"move it to {base / 'v1'} (nothing inside changes) or build with --out",
        )
    taken = [
        int(p.name[1:])
        for p in (base.iterdir() if base.is_dir() else ())
        if p.name[:1] == "v" and p.name[1:].isdigit()
    ]
    return base / f"v{max(taken, default=0) + 1}"


def publish(staging: Path, root: Path) -> None:
    """Move a finished staging folder to `root`. Packs are immutable: an existing folder that
    is not empty (an earlier build, or anything else) is never replaced nor deleted."""
    from privacymesh.packs.errors import PackError

    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        shutil.rmtree(staging, ignore_errors=True)
        earlier = root.is_dir() and (root / MANIFEST).is_file()
        raise PackError(
            "the output folder already holds a pack, which is never replaced"
            if earlier
            else "the output folder exists and is not a pack: not replacing it",
            file=root,
            hint="choose an empty or new folder with --out (without --out every build gets "
            "its own version folder)",
        )
    root.parent.mkdir(parents=True, exist_ok=True)
    if root.is_dir():
        root.rmdir()  # empty: the rename takes its place
    staging.rename(root)


@dataclass
class PackVerification:
    """The outcome of `verify_pack`: ok, files checked, and every problem found."""

    root: Path
    files_checked: int = 0
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    ledger_checked: bool = False
    recomputed: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_pack(
    root: Path,
    ledger: Path | None = None,
    *,
    workspace: Workspace | None = None,
    trusted_key: Path | None = None,
) -> PackVerification:
    """Recompute every file's SHA-256 against the manifest, find added or missing files, check
    that `pack.zip` holds the same bytes and that `manifest.sig` signs the manifest (with the
    pack's key, which must be `trusted_key` when one is given); with `ledger`, also that the
    ledger still holds the chain head the pack was built on, and, with the `workspace`, that
    rebuilding the pack from that ledger gives the same files."""
    result = PackVerification(root)
    path = root / MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
        listed: dict[str, dict[str, Any]] = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        result.problems.append(f"{MANIFEST}: cannot read it ({exc})")
        return result
    result.manifest = manifest
    present = {p.relative_to(root).as_posix(): p for p in pack_files(root)}
    for name in sorted(set(listed) - set(present)):
        result.problems.append(f"{name}: listed in the manifest but missing")
    for name in sorted(set(present) - set(listed)):
        result.problems.append(f"{name}: not in the manifest (added after the build)")
    for name in sorted(set(listed) & set(present)):
        result.files_checked += 1
        actual = sha256_file(present[name])
        if actual != listed[name].get("sha256"):
            result.problems.append(
                f"{name}: SHA-256 {actual} differs from the manifest's {listed[name].get('sha256')}"
            )
    _verify_zip(root, listed, path.read_bytes(), result)
    problems, notes = check_signature(root, manifest, path.read_bytes(), trusted_key)
    result.problems += problems
    result.notes += notes
    from privacymesh.packs.signoff import check_signoffs

    problems, notes = check_signoffs(root, manifest, path.read_bytes(), trusted_key, ledger)
    result.problems += problems
    result.notes += notes
    if ledger is not None:
        _verify_ledger(ledger, manifest, result)
        if result.ledger_checked and workspace is not None:
            from privacymesh.packs.recompute import compare_with_rebuild

            result.problems += compare_with_rebuild(workspace, ledger, manifest, listed)
            result.recomputed = True
        elif workspace is None:
            result.notes.append("not recomputed from the ledger: no workspace to rebuild it with")
    return result


def _verify_zip(
    root: Path, listed: dict[str, dict[str, Any]], manifest_bytes: bytes, result: PackVerification
) -> None:
    zpath = root / ZIP
    if not zpath.is_file():
        result.problems.append(f"{ZIP}: missing")
        return
    try:
        with zipfile.ZipFile(zpath) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
    except (zipfile.BadZipFile, OSError) as exc:
        result.problems.append(f"{ZIP}: unreadable ({exc})")
        return
    if members.get(MANIFEST) != manifest_bytes:
        result.problems.append(f"{ZIP}: its {MANIFEST} differs from the folder's")
    signature = root / SIGNATURE
    if SIGNATURE in members and (
        not signature.is_file() or members[SIGNATURE] != signature.read_bytes()
    ):
        result.problems.append(f"{ZIP}: its {SIGNATURE} differs from the folder's")
    extra = sorted(set(members) - set(listed) - {MANIFEST, SIGNATURE})
    for name in extra:
        result.problems.append(f"{ZIP}: holds {name}, which the manifest does not list")
    for name, entry in sorted(listed.items()):
        data = members.get(name)
        if data is None:
            result.problems.append(f"{ZIP}: lacks {name}")
        elif hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            result.problems.append(f"{ZIP}: its {name} differs from the manifest")


def _verify_ledger(ledger: Path, manifest: dict[str, Any], result: PackVerification) -> None:
    from privacymesh.ledger import Ledger, LedgerError

    head = manifest.get("inputs", {}).get("ledger", {}).get("chain_head", {})
    if not head.get("hash"):
        result.problems.append(f"{MANIFEST}: records no ledger chain head")
        return
    try:
        with Ledger(ledger, read_only=True, lock_timeout=5.0) as opened:
            report = opened.verify(expect_head=(int(head["seq"]), str(head["hash"])))
    except LedgerError as exc:
        result.problems.append(f"ledger: {exc}")
        return
    result.ledger_checked = True
    if not report.ok:
        result.problems.append(f"ledger: {report.first_break}")
