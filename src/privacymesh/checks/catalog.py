"""A workspace's checks: the built-in catalog, then the workspace's own check folders, less
the disabled ones, with the workspace's overrides applied. Every caller that needs the checks
of a workspace reads them here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from privacymesh.checks.overrides import apply_override, override_tables
from privacymesh.checks.spec import CheckSpec, load_checks
from privacymesh.content import builtin_folder
from privacymesh.errors import CheckError
from privacymesh.workspace import Workspace

BUILTIN = "built-in"


@dataclass(frozen=True)
class CheckOrigin:
    """Where a check comes from: `built-in` or the workspace folder that holds it, whether it
    replaces a built-in check of the same id, and which settings the workspace overrides."""

    source: str
    replaces_builtin: bool = False
    overridden: tuple[str, ...] = ()

    def describe(self) -> str:
        text = self.source + (" (replaces built-in)" if self.replaces_builtin else "")
        if self.overridden:
            text += f"; overridden: {', '.join(self.overridden)}"
        return text


@dataclass(frozen=True)
class CheckCatalog:
    """The checks a workspace runs, sorted by id; files that did not parse are `errors`."""

    specs: list[CheckSpec]
    errors: list[CheckError]
    origins: dict[str, CheckOrigin] = field(default_factory=dict)
    disabled: tuple[str, ...] = ()


def load_check_catalog(workspace: Workspace) -> CheckCatalog:
    """The workspace's checks. A workspace check with a built-in check's id replaces it; a
    disabled or overridden id that no check has is a CheckError naming the workspace file."""
    specs, errors = load_checks(builtin_folder("checks"))
    by_id = {s.id: s for s in specs}
    origins = {s.id: CheckOrigin(BUILTIN) for s in specs}
    own: dict[str, str] = {}
    for folder in workspace.check_folders:
        if not folder.is_dir():
            raise CheckError(
                "the check folder does not exist", file=workspace.file, field=str(folder)
            )
        found, bad = load_checks(folder)
        errors += bad
        label = _label(folder, workspace)
        for spec in found:
            if spec.id in own:
                errors.append(
                    CheckError(
                        f"duplicate check id {spec.id!r} (also in {own[spec.id]})",
                        file=spec.file,
                        field="id",
                    )
                )
                continue
            own[spec.id] = label
            origins[spec.id] = CheckOrigin(label, replaces_builtin=spec.id in by_id)
            by_id[spec.id] = spec
    section = workspace.section("checks")
    disabled = tuple(section.get("disable", []))
    tables = override_tables(workspace.settings)
    for check_id, where in [
        *((d, "checks.disable") for d in disabled),
        *((t, f'checks."{t}"') for t in tables),
    ]:
        if check_id not in by_id:
            raise CheckError(
                f"no check has the id {check_id!r}",
                file=workspace.file,
                field=where,
                hint="`privacymesh checks list` shows every check id",
            )
    for check_id, table in tables.items():
        by_id[check_id] = apply_override(by_id[check_id], table, workspace.file)
        origin = origins[check_id]
        origins[check_id] = CheckOrigin(
            origin.source, origin.replaces_builtin, tuple(sorted(table))
        )
    kept = [by_id[i] for i in sorted(by_id) if i not in disabled]
    return CheckCatalog(kept, errors, {s.id: origins[s.id] for s in kept}, disabled)


def _label(folder: Path, workspace: Workspace) -> str:
    try:
        return str(folder.relative_to(workspace.root))
    except ValueError:
        return str(folder)
