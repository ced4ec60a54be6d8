"""The detector's scans of unchanged data, kept for later runs. A scan is keyed by everything
it read or was told: the product's data as the engine sees it now (each file's path, size and
modification time, or the source's version), the identity map's file (its hashes are known
pseudonyms), the contract's column context, every scan option (sample size, seed, reference
date) and the detector's own code. Any change gives another key, so a changed file is never
answered from the cache. A source that cannot say what version it is never is.

Entries hold what a scan result holds: verdicts, counts and masked examples, never a raw value.
They live in the workspace's evidence folder (`cache/scans/`), one JSON file each, mode 0600;
entries unused for two weeks are deleted; deleting the folder only makes the next run scan
again."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from privacymesh.detect.options import ScanOptions
from privacymesh.detect.product import contract_context
from privacymesh.detect.results import CategoryHit, ColumnScan, QuasiIdentifier, Reason, TableScan

if TYPE_CHECKING:
    from privacymesh.catalog import DataProduct
    from privacymesh.engine import Engine
    from privacymesh.workspace import Workspace

FORMAT = 1
# entries no run has used for this long are deleted: a new reference date or a changed file
# makes new entries, and the old ones would otherwise pile up
KEEP_SECONDS = 14 * 24 * 3600
IDENTITY_MAP = "platform.identity_map"
# the nested results of each scan class, rebuilt from their JSON lists
_NESTED: dict[type, dict[str, type]] = {
    TableScan: {"columns": ColumnScan, "quasi_identifiers": QuasiIdentifier},
    ColumnScan: {"categories": CategoryHit, "accepted": CategoryHit},
    CategoryHit: {"reasons": Reason},
}


def cache_dir(workspace: Workspace) -> Path:
    """Where a workspace keeps its scans."""
    return workspace.evidence / "cache" / "scans"


@lru_cache(maxsize=1)
def detector_version() -> str:
    """The detector's code and word lists: every file of `privacymesh.detect`, hashed."""
    import privacymesh
    import privacymesh.detect

    digest = hashlib.sha256(str(getattr(privacymesh, "__version__", "")).encode())
    root = Path(privacymesh.detect.__file__).parent
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def scan_key(engine: Engine, product: DataProduct, options: ScanOptions) -> str | None:
    """The key of a product's scan with `options`, or None when the data's version is
    unknown (then the scan is never cached)."""
    data = engine.data_version(product.id)
    if data is None:
        return None
    context = {name: dataclasses.asdict(c) for name, c in contract_context(product).items()}
    parts = {
        "format": FORMAT,
        "product": product.id,
        "data": data,
        "identity_map": engine.view_version(IDENTITY_MAP),
        "context": context,
        "options": dataclasses.asdict(options),
        "detector": detector_version(),
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def load_scan(folder: Path, key: str) -> TableScan | None:
    """The scan stored under `key`, or None (missing, unreadable or of another format)."""
    path = folder / f"{key}.json"
    try:
        doc = json.loads(path.read_text())
        if doc.get("format") != FORMAT:
            return None
        scan = _decode(TableScan, doc["scan"])
        os.utime(path)  # used now: kept another KEEP_SECONDS
        return scan
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_scan(folder: Path, key: str, scan: TableScan) -> None:
    """Keep `scan` under `key` (written whole or not at all; a failure only loses the entry)."""
    try:
        text = json.dumps({"format": FORMAT, "scan": dataclasses.asdict(scan)})
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{key}.{os.getpid()}.tmp"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(partial, folder / f"{key}.json")
        prune(folder)
    except (OSError, TypeError, ValueError):
        return


def prune(folder: Path, now: float | None = None) -> None:
    """Delete the entries no run has used for `KEEP_SECONDS`."""
    cutoff = (time.time() if now is None else now) - KEEP_SECONDS
    for path in folder.glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def _decode(cls: type, doc: dict[str, Any]) -> Any:
    nested = _NESTED.get(cls, {})
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in doc:
            continue  # a field added since: its default
        value = doc[f.name]
        if f.name in nested:
            value = tuple(_decode(nested[f.name], item) for item in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[f.name] = value
    return cls(**values)
