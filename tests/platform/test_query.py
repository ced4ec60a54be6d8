"""Governed queries and policy views on the sample mesh: consent drops revoked subjects for that
purpose only, roles see exactly the policy's masks, rights and query shape are enforced, every
query is in the audit log, and the exported views give BI tools the same rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from platform_support import acting_as, snapshot

from privacymesh.errors import ContractError
from privacymesh.platform import (
    AccessDenied,
    ConsentLedger,
    GovernedSession,
    PolicyError,
    QueryError,
    write_policy_views,
)
from privacymesh.platform.errors import KeyFileError
from privacymesh.platform.keys import derive, master_key
from privacymesh.platform.query import mask_frame
from privacymesh.platform.query.masking_sql import hmac_pads
from privacymesh.workspace import Workspace

PROFILE = 'SELECT user_id, country FROM "analytics"."user_profile_wide"'


def _raw(ws: Workspace, product: str) -> pl.DataFrame:
    domain, name = product.split(".")
    return pl.read_parquet(ws.sample / "products" / domain / f"{name}.parquet")


def test_revoked_subject_disappears_for_that_purpose_only(ws: Workspace) -> None:
    consent = ConsentLedger.open(ws)
    with GovernedSession(ws, principal=acting_as("tester")) as gov:
        before = gov.sql(PROFILE, "analytics_analyst", "analytics").frame
        other_before = gov.sql(PROFILE, "analytics_analyst", "personalisation").frame
        uid = next(u for u in before["user_id"] if consent.is_permitted(u, "personalisation"))
        device = consent.identity.resolve(uid).form("device_id")
        web = 'SELECT device_id FROM "growth"."web_events"'
        assert device in gov.sql(web, "growth_analyst", "analytics").frame["device_id"].to_list()

        consent.revoke(uid, "analytics", source="support")

        after = gov.sql(PROFILE, "analytics_analyst", "analytics").frame
        other_after = gov.sql(PROFILE, "analytics_analyst", "personalisation").frame
        assert uid not in after["user_id"].to_list()
        assert after.height == before.height - 1
        assert uid in other_after["user_id"].to_list() and other_after.equals(other_before)
        assert (
            device not in gov.sql(web, "growth_analyst", "analytics").frame["device_id"].to_list()
        )
        assert (
            device in gov.sql(web, "growth_analyst", "personalisation").frame["device_id"].to_list()
        )
    # every governed row for analytics has consent now; no consenting subject is missing
    allowed = set(consent.consenting("analytics")["user_id"])
    raw_ids = set(_raw(ws, "analytics.user_profile_wide")["user_id"])
    assert set(after["user_id"]) == raw_ids & allowed


def test_role_sees_exactly_the_policy_masks(shared_ws: Workspace) -> None:
    key = derive(master_key(shared_ws.evidence), "mask:identity_analyst")
    with GovernedSession(shared_ws, principal=acting_as("tester")) as gov:
        result = gov.product("identity.users", "identity_analyst", "account_management")
        decision = result.decisions[0]
    expected = mask_frame(_raw(shared_ws, "identity.users"), decision, key)
    assert result.frame.equals(expected)
    row = result.frame.row(0, named=True)
    raw = _raw(shared_ws, "identity.users").row(0, named=True)
    assert row["country"] == raw["country"]  # internal: clear
    assert row["email"][0] == raw["email"][0] and "***@" in row["email"]  # partial
    assert row["full_name"].endswith("***") and row["full_name"] != raw["full_name"]  # initials
    assert row["date_of_birth"] == str(raw["date_of_birth"].year)  # generalized
    assert row["gender"] == "[REDACTED]"  # redact (contract)
    assert len(row["user_id"]) == 16 and row["user_id"] != raw["user_id"]  # hash (policy default)
    assert decision.masked_fields == {
        "user_id": "hash",
        "email": "partial",
        "full_name": "partial",
        "phone": "partial",
        "date_of_birth": "generalize",
        "gender": "redact",
        "postal_code": "generalize",
    }


def test_masks_and_consent_together(shared_ws: Workspace) -> None:
    key = derive(master_key(shared_ws.evidence), "mask:marketing_analyst")
    consent = ConsentLedger.open(shared_ws)
    with GovernedSession(shared_ws, principal=acting_as("tester")) as gov:
        result = gov.product("marketing.audience_export", "marketing_analyst", "marketing")
        views = GovernedSession(shared_ws, principal=acting_as("tester"), materialize=False)
        as_views = views.product("marketing.audience_export", "marketing_analyst", "marketing")
        views.close()
    raw = _raw(shared_ws, "marketing.audience_export")
    expected = mask_frame(
        consent.filter(raw, "marketing", subject="user_id"), result.decisions[0], key
    )
    assert result.frame.equals(expected)
    assert as_views.frame.equals(expected)
    assert 0 < result.rows < raw.height


def test_rights_and_query_shape_are_enforced(ws: Workspace) -> None:
    before = snapshot(ws.sample)
    with GovernedSession(ws, principal=acting_as("mallory")) as gov:
        with pytest.raises(AccessDenied, match=r"may not read identity\.users"):
            gov.sql('SELECT * FROM "identity"."users"', "growth_analyst", "analytics")
        with pytest.raises(AccessDenied, match="not declared"):
            gov.sql('SELECT * FROM "identity"."users"', "identity_analyst", "marketing")
        bad = {
            "SELECT * FROM read_parquet('/etc/passwd')": (QueryError, "table function"),
            'DELETE FROM "identity"."users"': (QueryError, "single SELECT"),
            "SELECT 1; SELECT 2": (QueryError, "one SELECT"),
            "SELECT * FROM memory.identity.users": (QueryError, "catalog-qualified"),
            "SELECT * FROM platform.identity_map": (ContractError, "unknown product"),
            'SELECT * FROM "identity"."nope"': (ContractError, "unknown product"),
            "SELECT * FROM users": (QueryError, "unknown table"),
            "SELECT (SELECT max(email) FROM memory.identity.users)": (
                QueryError,
                "catalog-qualified",
            ),
        }
        for sql, (error, words) in bad.items():
            with pytest.raises(error, match=words):
                gov.sql(sql, "identity_analyst", "account_management")
        with pytest.raises(QueryError, match="the query failed"):
            gov.sql(
                'SELECT no_such_column FROM "identity"."users"',
                "identity_analyst",
                "account_management",
            )
        ok = gov.sql(
            'WITH u AS (SELECT country FROM "identity"."users") SELECT count(*) AS n FROM u',
            "identity_analyst",
            "account_management",
        )
        assert ok.frame["n"][0] > 0
        denied = gov.audit.query(actor="mallory", decision="deny")
        allowed = gov.audit.query(actor="mallory", decision="allow")
    assert denied.height == 2 + len(bad)
    assert gov.audit.query(actor="mallory", decision="error").height == 1
    assert allowed.height == 1 and allowed["product"][0] == "identity.users"
    assert allowed["fields"][0].to_list() == ["country"]
    assert snapshot(ws.sample) == before


def test_audit_record_of_a_query(shared_ws: Workspace) -> None:
    with GovernedSession(shared_ws, principal=acting_as("auditee")) as gov:
        result = gov.sql(PROFILE + " LIMIT 7", "analytics_analyst", "analytics")
        rec = gov.audit.query(actor="auditee").row(-1, named=True)
        assert gov.audit.verify().ok
    assert rec["action"] == "query" and rec["role"] == "analytics_analyst"
    assert rec["purpose"] == "analytics" and rec["rows"] == result.rows == 7
    assert rec["subjects"] == 7 and rec["policy"] == "builtin@builtin"
    assert sorted(rec["fields"]) == ["country", "user_id"]
    assert '"consent_purposes":["analytics"]' in rec["detail"]
    assert "u_0" not in str(rec)  # no subject ids, no SQL text


def test_materialized_relations_follow_source_changes(ws: Workspace) -> None:
    sql = 'SELECT count(*) AS n FROM "logistics"."shipments"'
    with GovernedSession(ws, principal=acting_as("tester")) as gov:
        n = gov.sql(sql, "logistics_analyst", "fulfilment").frame["n"][0]
        path = ws.sample / "products" / "logistics" / "shipments.parquet"
        pl.read_parquet(path).head(10).write_parquet(path)
        assert gov.sql(sql, "logistics_analyst", "fulfilment").frame["n"][0] == 10 < n


def test_policy_views_give_bi_tools_the_same_rows(shared_ws: Workspace) -> None:
    out = shared_ws.evidence / "views" / "marketing_analyst.duckdb"
    result = write_policy_views(
        shared_ws, "marketing_analyst", purpose="marketing", out=out, principal=acting_as("tester")
    )
    assert set(result.products) == {"marketing.audience_export", "marketing.campaign_sends"}
    assert result.script.read_text().count("CREATE OR REPLACE VIEW") == 3  # consent view + 2
    with GovernedSession(shared_ws, principal=acting_as("tester")) as gov:
        got = gov.product("marketing.audience_export", "marketing_analyst", "marketing")
    governed, decision = got.frame, got.decisions[0]
    hashed = [n for n, rule in decision.masked_fields.items() if rule == "hash"]
    assert hashed == ["user_id"]
    view = 'SELECT * FROM "marketing"."audience_export"'
    con = duckdb.connect(str(out), read_only=True)  # no privacymesh: what a BI tool does
    keyless = pl.from_arrow(con.sql(view).to_arrow_table())
    con.execute(result.key_script.read_text())  # the BI session's init script
    bi = pl.from_arrow(con.sql(view).to_arrow_table())
    manifest = con.sql("SELECT manifest FROM _policy.manifest").fetchall()[0][0]
    con.close()
    # the same rows and masks; pseudonyms under the views' own key, not the governed query's
    views_key = derive(master_key(shared_ws.evidence), "views:marketing_analyst")
    consent = ConsentLedger.open(shared_ws)
    raw = consent.filter(_raw(shared_ws, "marketing.audience_export"), "marketing")
    expected = mask_frame(raw, decision, views_key)
    assert bi.sort(bi.columns).equals(expected.sort(expected.columns))
    others = [c for c in governed.columns if c not in hashed]
    assert bi.select(others).sort(others).equals(governed.select(others).sort(others))
    assert not set(bi["user_id"]) & set(governed["user_id"])
    assert keyless["user_id"].null_count() == keyless.height  # no key, no pseudonyms
    assert keyless.drop(hashed).sort(others).equals(bi.drop(hashed).sort(others))
    assert '"marketing_analyst"' in manifest
    with pytest.raises(AccessDenied, match="may read no product"):
        write_policy_views(shared_ws, "nobody_at_all", out=out)
    with pytest.raises(PolicyError, match="ambiguous"):
        write_policy_views(shared_ws, "marketing_analyst", out=out.with_name("marketing.duckdb"))


def test_policy_views_hold_no_key(shared_ws: Workspace) -> None:
    out = shared_ws.evidence / "views" / "identity_analyst.duckdb"
    result = write_policy_views(
        shared_ws, "identity_analyst", out=out, principal=acting_as("tester")
    )
    master = master_key(shared_ws.evidence)
    secrets = []
    for label in ("mask:identity_analyst", "views:identity_analyst"):
        key = derive(master, label)
        secrets += [key.hex(), *(pad.hex() for pad in hmac_pads(key))]
        secrets += ["".join(f"\\x{b:02X}" for b in pad) for pad in hmac_pads(key)]
    for path in (result.database, result.script):
        text = path.read_bytes().decode("latin-1").lower()
        assert not any(secret.lower() in text for secret in secrets), path
    assert result.key_script.stat().st_mode & 0o777 == 0o600
    assert hmac_pads(derive(master, "views:identity_analyst"))[0].hex() in (
        result.key_script.read_text()
    )


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    master = master_key(tmp_path)
    path = tmp_path / "platform.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert master_key(tmp_path) == master
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="open to group or others") as err:
        master_key(tmp_path)
    assert str(path) in str(err.value) and f"chmod 600 {path}" in str(err.value)


def test_personal_data_typed_into_a_query_never_reaches_the_log(shared_ws: Workspace) -> None:
    with GovernedSession(shared_ws, principal=acting_as("typo")) as gov:
        with pytest.raises(AccessDenied):
            gov.sql('SELECT * FROM "identity"."users"', "identity_analyst", "jane.doe@example.com")
        with pytest.raises(QueryError):
            gov.sql('SELECT * FROM "jane.doe@example.com"', "identity_analyst", "security")
        records = gov.audit.query(actor="typo")
    assert records.height == 2 and set(records["decision"]) == {"deny"}
    assert "jane.doe@example.com" not in gov.audit.path.read_text()


@pytest.mark.parametrize("materialize", [True, False], ids=["materialized", "one-shot"])
def test_data_breaking_its_contract_is_an_audited_error(ws: Workspace, materialize: bool) -> None:
    path = ws.sample / "products" / "identity" / "users.parquet"
    raw = pl.read_parquet(path)
    raw.drop("phone").with_columns(pl.lit("not-a-date").alias("date_of_birth")).write_parquet(path)
    with GovernedSession(ws, principal=acting_as("broken"), materialize=materialize) as gov:
        with pytest.raises(QueryError, match="could not be built") as err:
            gov.sql('SELECT * FROM "identity"."users"', "identity_analyst", "account_management")
        records = gov.audit.query(actor="broken")
    assert records.height == 1 and records["decision"][0] == "error"
    assert not any(v in str(err.value) for v in raw["email"].head(50))


def test_commands_refuse_a_key_file_others_can_read(ws: Workspace) -> None:
    from typer.testing import CliRunner

    from privacymesh.cli.app import app

    key = ws.evidence / "platform.key"
    master_key(ws.evidence)
    key.chmod(0o640)
    sql = 'SELECT country FROM "identity"."users"'
    for args in (
        ["query", sql, "-r", "identity_analyst", "-p", "account_management"],
        ["policy", "views", "-r", "identity_analyst"],
    ):
        result = CliRunner().invoke(app, ["--workspace", str(ws.root), *args])
        assert result.exit_code == 2, result.output
        assert f"chmod 600 {key}" in " ".join(result.output.split())
        assert "Traceback" not in result.output
    assert not (ws.evidence / "views").exists()
