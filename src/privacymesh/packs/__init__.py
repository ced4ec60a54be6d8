"""Regulator-ready audit packs, built from the evidence ledger and the catalogs only.

    from privacymesh.packs import PackOptions, build_pack, verify_pack
    result = build_pack(workspace, PackOptions(period="2026-Q3"))
    verify_pack(result.root).ok

A pack folder (`<evidence>/packs/<name>/`) holds `index.html` (self-contained), `index.pdf`
(headless Chromium, when installed), `oscal/assessment-results.json` (validated against NIST's
schema), `data/*.csv|parquet` (every table behind the pack), `manifest.json` (SHA-256 of every
file, the inputs, the generator) and `pack.zip`. The builder scans every file with the PII
detector and refuses to finish when it finds raw personal data. `build_leadership` writes the
two-page leadership summary with the same machinery.
"""

from privacymesh.packs.build import PackOptions, PackResult, build_pack, open_model
from privacymesh.packs.errors import PackError, PersonalDataInPackError
from privacymesh.packs.guard import ScanReport, scan_files
from privacymesh.packs.manifest import PackVerification, verify_pack
from privacymesh.packs.model import PackModel, build_model
from privacymesh.packs.period import Period, parse_period, period_between, resolve_period

__all__ = [
    "PackError",
    "PackModel",
    "PackOptions",
    "PackResult",
    "PackVerification",
    "Period",
    "PersonalDataInPackError",
    "ScanReport",
    "build_model",
    "build_pack",
    "open_model",
    "parse_period",
    "period_between",
    "resolve_period",
    "scan_files",
    "verify_pack",
]
