"""`[accountability]`: parties with names, optional emails, and signers bound to principals;
bad entries are errors naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from privacymesh.accountability import load_accountability
from privacymesh.errors import WorkspaceError
from privacymesh.workspace import load_workspace

REPO = Path(__file__).resolve().parents[1]


def _ws(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    (tmp_path / "privacymesh.toml").write_text(f'name = "w"\n[accountability]\n{body}', "utf-8")
    return load_workspace(tmp_path)


def test_the_sample_workspace_names_every_party() -> None:
    acc = load_accountability(load_workspace(REPO))
    assert acc.controller and acc.controller.name == "Sample Bank plc"
    assert acc.dpo and acc.dpo.name.startswith("Data Protection Office")
    assert acc.preparer and acc.preparer.name == "Privacy engineering"
    assert [p.principal for p in acc.reviewers] == ["internal-audit"]
    assert [p.principal for p in acc.approvers] == ["dpo-office"]
    assert acc.missing == ()
    roles = ["controller", "dpo", "preparer", "reviewer", "approver"]
    assert acc.frame()["role"].to_list() == roles


def test_parties_and_signers(tmp_path: Path) -> None:
    ws = _ws(
        tmp_path,
        'controller = { name = "Bank plc", email = "privacy@bank.example" }\n'
        'reviewers = [{ principal = "ana" }]\n',
    )
    acc = load_accountability(ws)
    assert acc.controller is not None
    assert acc.controller.describe() == "Bank plc <privacy@bank.example>"
    assert acc.missing == ("dpo", "preparer")
    assert acc.signer("ana", "reviewer", ws).name == "ana"  # the principal names them
    with pytest.raises(WorkspaceError, match=r"bob is not listed as reviewer \(listed: ana\)"):
        acc.signer("bob", "reviewer", ws)
    with pytest.raises(WorkspaceError, match=r"ana is not listed as approver \(listed: nobody\)"):
        acc.signer("ana", "approver", ws)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ('reviewers = ["ana"]\n', "accountability.reviewers[0]", "needs the principal"),
        ('dpo = { name = "D", phone = "1" }\n', "accountability.dpo", "unknown key(s) phone"),
        ('dpo = { name = "" }\n', "accountability.dpo.name", "non-empty string"),
        ('approvers = { principal = "x" }\n', "accountability.approvers", "a list of tables"),
        ('auditor = "x"\n', "accountability", "unknown key(s) auditor"),
        ("controller = 3\n", "accountability.controller", "expected a name or a table"),
    ],
)
def test_bad_entries_name_the_field(tmp_path: Path, body: str, field: str, message: str) -> None:
    ws = _ws(tmp_path, body)
    with pytest.raises(WorkspaceError) as err:
        load_accountability(ws)
    assert err.value.field == field and message in err.value.message
    assert err.value.file == ws.file
