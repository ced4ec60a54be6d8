"""Where a contract may point: server paths stay inside the workspace, or inside a source the
workspace names.

Contracts are written by domain teams and are untrusted input: a server path such as
`../../../etc/passwd`, `/home/x/secrets.csv`, `~/.ssh/id_rsa`, a symlink to a file elsewhere or a
glob that climbs out would otherwise be read by the engine. A path is allowed when, after
resolving `..` and every symlink (and every file a glob matches), it lies inside

- the workspace root (the folder of `privacymesh.toml`) or the catalog folder, or
- for a server whose `server:` name the workspace declares as a source,
  `[sources.NAME] path = "/data/x"`, that source's folder; relative paths then start there.
  (A source of another `type`, such as postgres, has no folder: its connector reads it.)

Outside any workspace, the folder that holds the catalog folder is the boundary (the catalog
folder itself when that would be the filesystem root).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from privacymesh.errors import WorkspaceError
from privacymesh.workspace import WORKSPACE_FILE, Workspace, load_workspace

GLOB_CHARS = frozenset("*?[{")


class PathOutside(ValueError):
    """A server path that leaves its boundary; the message says where it leads."""


@dataclass(frozen=True)
class SourceBounds:
    """The folders contracts may point into: `roots` for every server, `sources` by name."""

    roots: tuple[Path, ...]
    sources: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def for_workspace(cls, workspace: Workspace, catalog: Path | None = None) -> SourceBounds:
        """The workspace root, the catalog folder, and the sources of `[sources.NAME]`."""
        roots = [workspace.root, *([catalog] if catalog is not None else [])]
        return cls(tuple(_real(r) for r in roots), _named_sources(workspace))

    @classmethod
    def around(cls, catalog: Path) -> SourceBounds:
        """Bounds for a catalog folder (or the folder of one contract file): the workspace
        found at or above it, else the folder that holds the catalog folder (never `/`)."""
        catalog = Path(catalog)
        folder = _real(catalog if catalog.is_dir() else catalog.parent)
        for parent in (folder, *folder.parents):
            if (parent / WORKSPACE_FILE).is_file():
                return cls.for_workspace(load_workspace(parent), folder)
        holder = folder.parent
        return cls((folder if holder == Path(holder.anchor) else holder,))

    def describe(self) -> str:
        allowed = " or ".join(str(r) for r in self.roots)
        return f"a path inside {allowed}, or a source named in [sources] of {WORKSPACE_FILE}"


def confine(raw: str, contract: Path, server: str | None, bounds: SourceBounds) -> Path:
    """The path a server names, resolved, when it stays inside its bounds; else `PathOutside`."""
    text = raw.strip()
    if not text:
        raise PathOutside("the server path is empty")
    if text.startswith("~"):
        raise PathOutside("a home-folder path (~) is not allowed")
    source = bounds.sources.get(server or "")
    if source is not None:
        base, allowed = source, (source,)
    else:
        base, allowed = contract.parent, bounds.roots
    path = Path(text)
    parts = path.parts
    cut = next((i for i, p in enumerate(parts) if GLOB_CHARS & set(p)), len(parts))
    if ".." in parts[cut:]:
        raise PathOutside("`..` after a wildcard is not allowed")
    prefix = Path(*parts[:cut]) if cut else Path()
    fixed = _real(prefix if prefix.is_absolute() else base / prefix)
    _inside(fixed, allowed, raw)
    if cut == len(parts):
        return fixed
    pattern = fixed.joinpath(*parts[cut:])
    # every file the glob matches now must resolve inside too (a symlink may point out)
    for match in glob.glob(str(pattern), recursive=True):
        _inside(_real(Path(match)), allowed, raw)
    return pattern


def _inside(path: Path, allowed: tuple[Path, ...], raw: str) -> None:
    if not any(path == root or path.is_relative_to(root) for root in allowed):
        raise PathOutside(f"{raw!r} leads to {path}, outside the workspace")


def _real(path: Path) -> Path:
    """`path` absolute, with `..` and symlinks resolved (as far as it exists)."""
    return Path(os.path.realpath(path))


def _named_sources(workspace: Workspace) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for name, table in workspace.section("sources").items():
        if isinstance(table, dict) and table.get("type", "local") not in ("local", "duckdb"):
            continue  # a server (postgres, ...): its connector reads its keys
        value = table.get("path") if isinstance(table, dict) else None
        if not isinstance(value, str) or not value.strip() or value.startswith("~"):
            raise WorkspaceError(
                "a source needs a path",
                file=workspace.file,
                field=f"sources.{name}.path",
                hint='e.g. [sources.warehouse] path = "/data/warehouse"',
            )
        p = Path(value)
        out[str(name)] = _real(p if p.is_absolute() else workspace.root / p)
    return out
