"""The import directions of DESIGN.md hold: a package never imports one it must not know
(platform never reaches into the runner or the checks, engine never into checks, catalog never
into engine, ledger never into views, dashboards never into packs). Read from the source with
`ast`, so a new forbidden import fails here before it becomes a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "platform": {"runner", "checks"},
    "packs": {"checks", "ledger"},
    "dashboards": {"ledger", "packs"},
    "ledger": {"views"},
    "engine": {"checks"},
    "catalog": {"engine"},
    "views": {"packs", "checks"},
}
# imports that break a rule today; the list may only shrink. Integrity material (signing a
# pack, its sign-offs, rebuilding it from the ledger to verify it) needs the ledger's own seal;
# the rest is reading that belongs behind the read model (views/).
KNOWN = {
    ("packs/signature.py", "privacymesh.ledger.seal"),
    ("packs/signature.py", "privacymesh.ledger.signing"),
    ("packs/signoff.py", "privacymesh.ledger"),
    ("packs/signoff.py", "privacymesh.ledger.seal"),
    ("packs/signoff.py", "privacymesh.ledger.signing"),
    ("packs/signoff.py", "privacymesh.ledger.statements"),
    ("packs/evidence.py", "privacymesh.ledger"),
    ("packs/recompute.py", "privacymesh.ledger"),
    ("packs/build.py", "privacymesh.ledger"),
    ("packs/manifest.py", "privacymesh.ledger"),
    ("dashboards/ledger_access.py", "privacymesh.ledger"),
}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def violations() -> set[tuple[str, str]]:
    found = set()
    sources = [
        (p, p.relative_to(REPO / "src" / "privacymesh"))
        for p in (REPO / "src" / "privacymesh").rglob("*.py")
    ]
    sources += [(p, p.relative_to(REPO)) for p in (REPO / "dashboards").rglob("*.py")]
    for path, rel in sources:
        banned = FORBIDDEN.get(rel.parts[0], set()) if len(rel.parts) > 1 else set()
        for module in imports(path):
            parts = module.split(".")
            if parts[0] == "privacymesh" and len(parts) > 1 and parts[1] in banned:
                found.add((rel.as_posix(), module))
    return found


def test_no_new_import_breaks_a_rule() -> None:
    assert violations() - KNOWN == set()


def test_the_known_exceptions_are_still_real() -> None:
    # a fixed exception must leave KNOWN, so the list cannot hide a new one later
    assert KNOWN - violations() == set()
