"""Who answers for the evidence: the `[accountability]` section of `privacymesh.toml` names the
controller, the data protection officer, who prepares the packs and who may sign them off.

    [accountability]
    controller = "Sample Bank plc"                    # a name, or a table with name and email
    dpo = { name = "Data Protection Office", email = "dpo@bank.example" }
    preparer = "Privacy engineering"
    reviewers = [{ principal = "audit-lead", name = "Internal audit" }]
    approvers = [{ principal = "dpo-office", name = "Data Protection Office" }]

Reviewers and approvers are principals (see `privacymesh.platform.principals`): a sign-off is
accepted only from the verified caller listed under the role. These are the organisation's
accountable parties, not data subjects; an email is optional and shows in the packs only when
given (a role mailbox, not a person's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from privacymesh.errors import WorkspaceError
from privacymesh.workspace import Workspace

SECTION = "accountability"
SIGNING_ROLES = ("reviewer", "approver")
_PARTY_KEYS = {"name", "email", "principal"}


@dataclass(frozen=True)
class Party:
    """An accountable party: its role, display name, optional email and (for those who sign)
    the principal name that proves who they are."""

    role: str
    name: str
    email: str | None = None
    principal: str | None = None

    def describe(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


@dataclass(frozen=True)
class Accountability:
    """The workspace's accountable parties (each may be absent)."""

    controller: Party | None = None
    dpo: Party | None = None
    preparer: Party | None = None
    reviewers: tuple[Party, ...] = ()
    approvers: tuple[Party, ...] = ()
    missing: tuple[str, ...] = field(default=())

    def parties(self) -> list[Party]:
        """Every named party, controller first."""
        single = [p for p in (self.controller, self.dpo, self.preparer) if p is not None]
        return [*single, *self.reviewers, *self.approvers]

    def frame(self) -> pl.DataFrame:
        """One row per party: role, name, email, principal (the pack's `accountability` table)."""
        parties = self.parties()
        return pl.DataFrame(
            {
                "role": [p.role for p in parties],
                "name": [p.name for p in parties],
                "email": [p.email for p in parties],
                "principal": [p.principal for p in parties],
            },
            schema={"role": pl.String, "name": pl.String, "email": pl.String,
                    "principal": pl.String},
        )  # fmt: skip

    def named(self, role: str) -> Party | None:
        """The controller, dpo or preparer; None when not named."""
        return {"controller": self.controller, "dpo": self.dpo, "preparer": self.preparer}[role]

    def record(self) -> dict[str, Any]:
        """The parties as plain data, for a run to store with its evidence."""
        return {
            "parties": [asdict(p) for p in self.parties()],
            "missing": list(self.missing),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Accountability:
        """The parties a run stored (`record()`), back as an Accountability."""
        parties = [Party(**p) for p in record.get("parties", [])]
        single = {p.role: p for p in parties if p.role in ("controller", "dpo", "preparer")}
        return cls(
            controller=single.get("controller"),
            dpo=single.get("dpo"),
            preparer=single.get("preparer"),
            reviewers=tuple(p for p in parties if p.role == "reviewer"),
            approvers=tuple(p for p in parties if p.role == "approver"),
            missing=tuple(record.get("missing", ())),
        )

    def signers(self, role: str) -> tuple[Party, ...]:
        return self.reviewers if role == "reviewer" else self.approvers

    def signer(self, principal: str, role: str, workspace: Workspace) -> Party:
        """The party `principal` signs as in `role`; WorkspaceError when not listed."""
        if role not in SIGNING_ROLES:
            raise WorkspaceError(
                f"unknown sign-off role {role!r}",
                field="--as",
                hint=f"one of {', '.join(SIGNING_ROLES)}",
            )
        for party in self.signers(role):
            if party.principal == principal:
                return party
        listed = ", ".join(p.principal or "?" for p in self.signers(role)) or "nobody"
        raise WorkspaceError(
            f"{principal} is not listed as {role} (listed: {listed})",
            file=workspace.file,
            field=f"{SECTION}.{role}s",
            hint=f'add {{ principal = "{principal}", name = "..." }} to {role}s to let them sign',
        )


def _party(value: Any, role: str, where: str, workspace: Workspace, signs: bool) -> Party:
    if isinstance(value, str) and value.strip():
        if signs:
            raise WorkspaceError(
                "a signer needs the principal it signs as",
                file=workspace.file,
                field=where,
                hint='write { principal = "USER", name = "Display name" }',
            )
        return Party(role, value.strip())
    if not isinstance(value, Mapping):
        raise WorkspaceError(
            "expected a name or a table with name (and optional email)",
            file=workspace.file,
            field=where,
        )
    unknown = sorted(set(value) - _PARTY_KEYS)
    if unknown:
        raise WorkspaceError(
            f"unknown key(s) {', '.join(unknown)}",
            file=workspace.file,
            field=where,
            hint="a party has name, email and (for reviewers and approvers) principal",
        )
    texts = {k: value.get(k) for k in _PARTY_KEYS}
    for key, text in texts.items():
        if text is not None and not (isinstance(text, str) and text.strip()):
            raise WorkspaceError(
                "expected a non-empty string", file=workspace.file, field=f"{where}.{key}"
            )
    principal = texts["principal"]
    if signs and not principal:
        raise WorkspaceError(
            "a signer needs the principal it signs as",
            file=workspace.file,
            field=f"{where}.principal",
            hint="the OS user or token principal that runs `privacymesh pack sign`",
        )
    name = texts["name"] or principal
    if not name:
        raise WorkspaceError("a party needs a name", file=workspace.file, field=f"{where}.name")
    return Party(role, name.strip(), texts["email"], principal)


def load_accountability(workspace: Workspace) -> Accountability:
    """The workspace's `[accountability]` section, validated (empty when absent)."""
    raw = workspace.settings.get(SECTION, {})
    if not isinstance(raw, Mapping):
        raise WorkspaceError(f"[{SECTION}] must be a table", file=workspace.file, field=SECTION)
    unknown = sorted(set(raw) - {"controller", "dpo", "preparer", "reviewers", "approvers"})
    if unknown:
        raise WorkspaceError(
            f"unknown key(s) {', '.join(unknown)}",
            file=workspace.file,
            field=SECTION,
            hint="controller, dpo, preparer, reviewers, approvers",
        )
    single: dict[str, Party | None] = {}
    for key in ("controller", "dpo", "preparer"):
        value = raw.get(key)
        single[key] = (
            None if value is None else _party(value, key, f"{SECTION}.{key}", workspace, False)
        )
    lists: dict[str, tuple[Party, ...]] = {}
    for key, role in (("reviewers", "reviewer"), ("approvers", "approver")):
        value = raw.get(key, [])
        if not isinstance(value, list):
            raise WorkspaceError(
                "expected a list of tables", file=workspace.file, field=f"{SECTION}.{key}"
            )
        lists[key] = tuple(
            _party(v, role, f"{SECTION}.{key}[{i}]", workspace, True) for i, v in enumerate(value)
        )
    missing = tuple(k for k in ("controller", "dpo", "preparer") if single[k] is None)
    return Accountability(
        controller=single["controller"],
        dpo=single["dpo"],
        preparer=single["preparer"],
        reviewers=lists["reviewers"],
        approvers=lists["approvers"],
        missing=missing,
    )
