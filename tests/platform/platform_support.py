"""Helpers of the platform tests."""

from __future__ import annotations

from pathlib import Path

from privacymesh.platform.principals import Principal
from privacymesh.workspace import Workspace, load_workspace

REPO = Path(__file__).resolve().parents[2]


def write_workspace(root: Path, sample: Path, policy: Path | None = None) -> Workspace:
    """A privacymesh.toml in `root` over `sample`, checks from the repository."""
    text = (
        'name = "platform test"\n[paths]\n'
        f'catalog = "{sample / "contracts"}"\nplatform = "{sample / "platform"}"\n'
        f'checks = "{REPO / "checks"}"\nevidence = "{root / "evidence"}"\nsample = "{sample}"\n'
        '[run]\nas_of = "2026-11-01T00:00:00"\n'
    )
    if policy is not None:
        text += f'[policy]\nfile = "{policy}"\n'
    root.mkdir(parents=True, exist_ok=True)
    (root / "privacymesh.toml").write_text(text)
    return load_workspace(root)


def acting_as(name: str) -> Principal:
    """A principal holding every role, named for the audit log (what a trusted in-process caller
    such as a test may construct; the CLI always establishes its own)."""
    return Principal(name, None, "test")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path (to prove nothing changed)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }
