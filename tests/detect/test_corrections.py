"""Corrections a contract makes to the detector's verdict: a column declared not personal keeps
what the detector saw beside the reason; categories compare at the family level."""

from __future__ import annotations

import polars as pl

from detect.frames import scan
from privacymesh.detect import ColumnContext
from privacymesh.detect.taxonomy import family, same_family

EMAILS = [f"qa.robot{i}@example.com" for i in range(40)]


def test_a_column_declared_not_personal_is_not_personal_and_keeps_its_evidence() -> None:
    df = pl.DataFrame({"login": EMAILS, "owner": EMAILS})
    reason = "robot accounts"
    result = scan(df, context={"login": ColumnContext(not_personal=reason)})
    login, owner = result.column("login"), result.column("owner")
    assert not login.personal and login.not_personal == reason
    assert [h.category for h in login.accepted] == ["user.contact.email"]
    # the same evidence, set aside
    assert [(h.category, h.hit_rate, h.hits) for h in login.accepted] == [
        (h.category, h.hit_rate, h.hits) for h in owner.categories
    ]
    assert result.personal_columns == ("owner",)
    as_dict = login.to_dict()
    assert as_dict["not_personal"] == reason and as_dict["categories"] == []
    assert as_dict["accepted"][0]["category"] == "user.contact.email"
    assert "not_personal" not in owner.to_dict()


def test_families() -> None:
    assert family("user.device.device_id") == "user.device"
    assert family("user.contact.address.city") == "user.contact.address"
    assert family("user.contact.fax_number") == "user.contact.phone_number"
    assert family("user.contact.email") == "user.contact.email"
    assert same_family("user.device", "user.device.device_id")
    assert same_family("user.device.cookie_id", "user.device.device_id")
    assert not same_family("user.contact.email", "user.contact.phone_number")
    assert not same_family("user.contact.address", "user.contact.email")
    assert not same_family(None, "user.device.device_id")
