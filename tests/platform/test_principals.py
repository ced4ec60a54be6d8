"""Who is asking is established: OS user or API token, mapped to the roles the workspace grants."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from platform_support import write_workspace

from privacymesh.errors import WorkspaceError
from privacymesh.platform import AccessDenied, ConsentLedger, GovernedSession, audit
from privacymesh.platform.principals import TOKEN_ENV, hash_token, os_user, principal_of
from privacymesh.workspace import Workspace, load_workspace

SQL = 'SELECT user_id, email FROM "marketing"."audience_export" LIMIT 3'
TOKEN = "pm_test-token-of-the-marketing-service"
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def granted(pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A workspace granting the current OS user marketing_analyst only, and a service a token."""
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    ws = write_workspace(tmp_path / "ws", pristine)
    with ws.file.open("a") as handle:
        handle.write(
            f'\n[principals."{os_user()}"]\nroles = ["marketing_analyst"]\n'
            f'[principals."svc-marketing"]\nroles = ["marketing_analyst", "growth_analyst"]\n'
            f'tokens = ["{hash_token(TOKEN)}"]\n'
        )
    return load_workspace(ws.root)


def records(ws: Workspace) -> list[dict]:
    path = ws.evidence / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def cli(ws: Workspace, *args: str, token: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    env |= {"PYTHONPATH": str(SRC), "USER": "identity_engineer", "LOGNAME": "identity_engineer"}
    if token is not None:
        env[TOKEN_ENV] = token
    return subprocess.run(
        [sys.executable, "-m", "privacymesh.cli", "--workspace", str(ws.root), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_a_granted_role_answers_and_the_principal_is_recorded(granted: Workspace) -> None:
    with GovernedSession(granted) as gov:
        assert gov.principal.name == os_user() and gov.principal.via == "os-user"
        assert gov.sql(SQL, "marketing_analyst", "marketing").frame.height == 3
    (rec,) = records(granted)
    assert (rec["actor"], rec["role"], rec["decision"]) == (os_user(), "marketing_analyst", "allow")


def test_an_ungranted_role_is_refused_and_audited(granted: Workspace) -> None:
    with GovernedSession(granted) as gov, pytest.raises(AccessDenied, match="may not act as role"):
        gov.sql('SELECT * FROM "identity"."users"', "identity_engineer", "account_management")
    (rec,) = records(granted)
    assert (rec["actor"], rec["role"], rec["decision"]) == (os_user(), "identity_engineer", "deny")
    assert json.loads(rec["detail"])["reason"] == "role not granted to the principal"


def test_the_cli_ignores_user_and_refuses_an_ungranted_role(granted: Workspace) -> None:
    done = cli(granted, "query", "--role", "identity_engineer", "-p", "account_management",
               'SELECT email FROM "identity"."users"')  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: [role]: {os_user()} may not act as role 'identity_engineer' (hint: roles "
        f"granted to {os_user()}: marketing_analyst (the workspace's [principals] section "
        "grants them))"
    ]
    assert "@" not in done.stdout
    done = cli(granted, "query", "-r", "marketing_analyst", "-p", "marketing", SQL,
               "--actor", "anyone")  # fmt: skip
    assert done.returncode == 2 and "--actor is no longer accepted" in done.stderr
    assert [(r["actor"], r["decision"]) for r in records(granted)] == [(os_user(), "deny")]


def test_a_token_is_its_principal(granted: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    who = principal_of(granted)
    assert (who.name, who.via) == ("svc-marketing", "token")
    assert who.holds("growth_analyst") and not who.holds("identity_analyst")
    done = cli(granted, "query", "-r", "marketing_analyst", "-p", "marketing", SQL, token=TOKEN)
    assert done.returncode == 0, done.stderr
    assert records(granted)[-1]["actor"] == "svc-marketing"


def test_an_unknown_or_forged_token_is_refused(granted: Workspace) -> None:
    for guess in ("pm_guess", TOKEN + " ", TOKEN[:-1], hash_token(TOKEN)):
        with pytest.raises(AccessDenied, match="belongs to no principal"):
            principal_of(granted, token=guess)
    forged = hash_token(TOKEN)  # the stored hash is not the token
    done = cli(granted, "query", "-r", "marketing_analyst", "-p", "marketing", SQL, token=forged)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "belongs to no principal" in done.stderr and "@" not in done.stdout
    (rec,) = records(granted)
    assert (rec["actor"], rec["action"], rec["decision"]) == (os_user(), "principal", "deny")
    assert forged not in (granted.evidence / "audit.jsonl").read_text()


def test_without_principals_only_the_workspace_owner_holds_roles(
    pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    ws = write_workspace(tmp_path / "ws", pristine)
    who = principal_of(ws)
    assert who.via == "workspace-owner" and who.holds("identity_engineer")
    if os.geteuid() != 0:
        pytest.skip("changing the workspace file's owner needs root")
    os.chown(ws.file, 54321, -1)
    stranger = principal_of(ws)
    assert stranger.roles == frozenset() and not stranger.holds("marketing_analyst")


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ('[principals.x]\nroles = "marketing_analyst"\n', "list of strings"),
        ('[principals.x]\nroles = []\ntokens = ["plain-token"]\n', "stored as its hash"),
        ('[principals.x]\nrole = ["a"]\n', "unknown key"),
        ("principals = 3\n", "must be a table"),
    ],
)
def test_malformed_principals_are_workspace_errors(
    pristine: Path, tmp_path: Path, section: str, words: str
) -> None:
    ws = write_workspace(tmp_path / "ws", pristine)
    text = ws.file.read_text()
    # a bare key must come before the first table
    ws.file.write_text(section + text if section.startswith("principals =") else text + section)
    with pytest.raises(WorkspaceError, match=words):
        principal_of(load_workspace(ws.root))


def test_consent_changes_through_the_api_are_audited(ws: Workspace) -> None:
    ledger = ConsentLedger.open(ws)
    uid = next(u for u in ledger.identity.user_ids if ledger.is_permitted(u, "marketing"))
    ledger.revoke(uid, "marketing", source="support")
    ledger.grant(uid, "marketing", source="web")
    ledger.check(uid, "marketing")
    log = audit.open_log(ws)
    frame = log.query(action="consent")
    assert frame["action"].to_list() == ["consent.revoke", "consent.grant", "consent.check"]
    assert set(frame["actor"]) == {principal_of(ws).name}
    assert set(frame["subject_ref"]) == {log.pseudonymize(uid)} and uid not in log.path.read_text()


def test_policy_views_for_an_ungranted_role_are_refused(granted: Workspace) -> None:
    from privacymesh.platform import write_policy_views

    with pytest.raises(AccessDenied, match="may not act as role 'identity_engineer'"):
        write_policy_views(granted, "identity_engineer")
    assert not (granted.evidence / "views").exists()
    (rec,) = records(granted)
    assert (rec["actor"], rec["action"], rec["decision"]) == (os_user(), "policy.views", "deny")
