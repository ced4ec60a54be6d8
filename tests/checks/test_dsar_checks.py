"""dsar.* checks on the hand-built mesh: deadlines per regulation, tasks per domain, erasure
residue in every identifier form."""

from __future__ import annotations

from checks_mesh import AS_OF, REPO, build
from checks_support import Outcome

from privacymesh.catalog import load_catalog
from privacymesh.checks import load_check, render_sql
from privacymesh.checks.render import identifier_columns


def test_requests_against_their_regulations_deadline(mesh: Outcome) -> None:
    result = mesh.get("dsar.deadline")
    assert (result.status, result.population, result.exceptions) == ("fail", 7, 3)
    v = result.values
    # r1: GDPR 31 Jan -> 28 Feb 10:00, done 09:00; r2 the same, done 1 Mar: late
    assert (v["on_time"], v["late_ids"]) == (1, ["r2"])
    # r4: CCPA 45 days from 1 Feb = 18 Mar, open on 1 Apr: overdue by 14 days
    assert (v["overdue_ids"], v["max_days_past_deadline"]) == (["r4"], 14.0)
    # r5: LGPD 15 days from 20 Mar = 4 Apr: due within 7 days; r6 (DPDP 90 days) and r3 (GDPR
    # extended to 10 Apr, completed only after as_of) are open
    assert (v["due_soon_ids"], v["open"]) == (["r5"], 4)
    # r7: a regulation with no configured deadline cannot be shown compliant
    assert (v["no_deadline"], v["unconfigured_regulations"]) == (1, ["PIPL"])


def test_deadlines_are_configured_per_regulation(mesh_with) -> None:  # type: ignore[no-untyped-def]
    out = mesh_with(
        '[checks."dsar.deadline".PIPL]\ndeadline = "15 days"\n'
        '[checks."dsar.deadline".CCPA]\ndeadline = "90 days"\n',
        ["dsar.deadline"],
    )
    v = out.get("dsar.deadline").values
    assert (v["late_ids"], v["overdue_ids"], v["no_deadline"]) == (["r2"], [], 0)
    assert out.get("dsar.deadline").exceptions == 1


def test_tasks_per_domain(mesh: Outcome) -> None:
    shop = mesh.get("dsar.task_deadline", "shop")
    assert (shop.population, shop.exceptions) == (4, 1)
    assert (shop.values["on_time"], shop.values["overdue"], shop.values["due_soon"]) == (2, 1, 1)
    assert (shop.values["requests_behind"], shop.values["requests_due_soon"]) == (["r4"], ["r5"])
    crm = mesh.get("dsar.task_deadline", "crm")
    assert (crm.population, crm.exceptions, crm.values["late"]) == (2, 1, 1)
    assert crm.values["products_behind"] == ["crm.contacts"]


def test_erasure_residue_in_every_declared_form(mesh: Outcome) -> None:
    # u1 and u2 are erased (r1, r2 completed); u3's erasure is still open
    profiles = mesh.get("dsar.erasure_residue", product="shop.profiles")
    assert (profiles.status, profiles.population, profiles.exceptions) == ("fail", 2, 1)
    assert profiles.values["rows_matched_user_id"] == profiles.values["rows_matched_email"] == 1
    assert profiles.values["task_marked_completed"] == 1  # r1's shop task says completed
    assert profiles.values["masked_subjects"] == ["***1"]
    # u2's device id, upper-cased, in a field categorised user.device.device_id
    audience = mesh.get("dsar.erasure_residue", product="ads.audience")
    assert (audience.exceptions, audience.values["rows_matched_device"]) == (1, 1)
    assert audience.values["max_days_since_erasure"] == 31
    # u2's raw email, padded and differently cased, matched by its SHA-256 hash
    contacts = mesh.get("dsar.erasure_residue", product="crm.contacts")
    assert (contacts.exceptions, contacts.values["rows_matched_contact_email"]) == (1, 1)
    assert contacts.values["rows_matched_customer_ref"] == 0
    # no identifiers at all: nothing to find
    report = mesh.get("dsar.erasure_residue", product="bi.report")
    assert (report.status, report.values["identifier_columns"]) == ("pass", 0)
    assert mesh.get("dsar.erasure_residue", product="bi.segments").status == "pass"


def test_residue_query_is_one_join_per_identifier_not_per_subject(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = build(tmp_path / "ws")
    catalog = load_catalog(root / "contracts")
    product = catalog.products["shop.profiles"]
    assert identifier_columns(product) == [
        {"column": '"user_id"', "name": "user_id", "form": "user_id", "key": "user_id"},
        {"column": '"email"', "name": "email", "form": "email", "key": "email_hash"},
    ]
    sql = render_sql(load_check(REPO / "checks" / "dsar.erasure_residue.yaml"), product, AS_OF)
    assert sql.count("LEFT JOIN erased") == 2
    assert 'sha256(lower(trim(CAST(t."email" AS VARCHAR))))' in sql
    assert "'u1'" not in sql and "ann@" not in sql  # no subject appears in the query
