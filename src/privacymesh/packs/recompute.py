"""Recompute a pack from the ledger and compare: the pack build is deterministic, so the ledger
as it stood at the pack's chain head, with the same period and domains, gives the same files.
A pack whose HTML, data, OSCAL document, manifest and zip were all forged consistently still
differs from what its evidence produces.

The rebuild uses the workspace's current catalog, controls and templates: if they changed since
the pack was built, the differences name the files they touch. The PDF is not rebuilt (its
renderer is not always installed); its hash is covered by the manifest and its signature."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from privacymesh.errors import PrivacyMeshError
from privacymesh.ledger import Ledger
from privacymesh.packs.build import PDF_MISSING, PackOptions, build_pack
from privacymesh.packs.manifest import MANIFEST, file_entries, pack_files
from privacymesh.packs.period import parse_period
from privacymesh.workspace import Workspace

NOT_REBUILT = {"index.pdf", PDF_MISSING}  # the rebuild prints no PDF


def _options(manifest: dict[str, Any], ledger: Path, out: Path) -> PackOptions:
    period = manifest.get("period", {})
    first, last, label = period.get("first_day"), period.get("last_day"), period.get("label")
    try:
        parsed = parse_period(str(label))
        same = (parsed.first.isoformat(), parsed.last.isoformat()) == (first, last)
    except PrivacyMeshError:
        same = False
    domains = manifest.get("domains")
    return PackOptions(
        period=label if same else None,
        first=None if same else first,
        last=None if same else last,
        domains=tuple(domains) if isinstance(domains, list) else (),
        out=out,
        pdf=False,
        ledger=ledger,
    )


def compare_with_rebuild(
    workspace: Workspace, ledger: Path, manifest: dict[str, Any], listed: dict[str, Any]
) -> list[str]:
    """Problems found by rebuilding the pack from `ledger` up to the manifest's chain head."""
    head = manifest.get("inputs", {}).get("ledger", {}).get("chain_head", {})
    with tempfile.TemporaryDirectory(prefix="privacymesh-pack-") as tmp:
        scratch = Path(tmp)
        with Ledger(ledger, read_only=True, lock_timeout=10.0) as source:
            source.copy_upto(int(head["seq"]), scratch / "ledger.duckdb").close()
        try:
            rebuilt = build_pack(
                workspace, _options(manifest, scratch / "ledger.duckdb", scratch / "pack")
            )
        except PrivacyMeshError as exc:
            return [f"recompute: the ledger does not rebuild this pack ({exc})"]
        fresh = file_entries(rebuilt.root, pack_files(rebuilt.root))
        fresh_manifest = json.loads((rebuilt.root / MANIFEST).read_text("utf-8"))
    problems = []
    for name in sorted(set(listed) | set(fresh)):
        if name in NOT_REBUILT:
            continue
        if name not in fresh:
            problems.append(f"recompute: {name} is in the pack but the ledger does not produce it")
        elif name not in listed:
            problems.append(f"recompute: the ledger produces {name}, which the pack lacks")
        elif fresh[name]["sha256"] != listed[name].get("sha256"):
            problems.append(f"recompute: {name} differs from what the ledger produces")
    for key in ("pack_id", "period", "domains", "inputs"):
        if fresh_manifest.get(key) != manifest.get(key):
            problems.append(f"recompute: the manifest's {key} differs from what the ledger gives")
    return problems
