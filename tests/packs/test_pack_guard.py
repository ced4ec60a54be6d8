"""The builder scans its own output with the PII detector and refuses to ship raw personal
data. The ledger refuses obvious raw emails in finding details, so the test plants one in a
result's reason, where the ledger's guard does not look."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from privacymesh.ledger import Ledger, ResultRecord, RunInfo
from privacymesh.ledger.snapshot import copy_ledger
from privacymesh.packs import PackOptions, PersonalDataInPackError, build_pack
from privacymesh.packs.guard import scan_files
from privacymesh.workspace import Workspace

RAW = "dana.whitfield@example.org"


def test_raw_personal_data_in_the_ledger_stops_the_build(
    pack_ws: Workspace, tmp_path: Path
) -> None:
    # the ledger's own last-line check knows only e-mail addresses: a phone gets past it when
    # a caller bypasses the runner's detector guard, and the pack guard must still stop it
    phone = "+1 415 555 0134"
    ledger_copy = tmp_path / "ledger.duckdb"
    copy_ledger(pack_ws.ledger_path, ledger_copy)  # the file and its write-ahead log
    info = RunInfo(
        options={"as_of": "2026-09-20T00:00:00"}, started_at=datetime(2026, 9, 20, tzinfo=UTC)
    )
    with Ledger(ledger_copy) as ledger, ledger.begin_run(info) as run:
        run.add_result(
            ResultRecord(
                check_id="retention.expired_rows",
                status="error",
                product_id="logistics.shipments",
                reason=f"could not parse the row of {phone}",
            )
        )
    out = tmp_path / "pack"
    with pytest.raises(PersonalDataInPackError) as err:
        build_pack(pack_ws, PackOptions(period="2026-Q3", out=out, pdf=False, ledger=ledger_copy))
    message = str(err.value)
    assert "user.contact.phone_number" in message and "latest_results.csv" in message
    assert phone not in message  # the error itself shows masked examples only
    assert not out.exists() and not list(tmp_path.glob(".pack*"))


def test_ledger_identifiers_are_not_taken_for_personal_data(tmp_path: Path) -> None:
    (tmp_path / "ids.csv").write_text(
        "fingerprint,hash,run_id,note\n"
        "6d5e0f3c9a1b2c4d5e6f708192a3b4c5,"
        "0f9f16ac8e4ce120ad86a0d25111a44ece1fd6b3bdc954d46edc9078da42b863,"
        "20261125T040250Z-7973da,fine\n"
    )
    assert scan_files(tmp_path, [tmp_path / "ids.csv"]).hits == []
    # hex that decodes to an email is not an identifier: it is scanned, and caught
    encoded = RAW.encode().hex()
    (tmp_path / "hex.csv").write_text(f"fingerprint\n{encoded}\n")
    with pytest.raises(PersonalDataInPackError):
        scan_files(tmp_path, [tmp_path / "hex.csv"])


def test_a_column_of_finding_fingerprints_never_blocks_a_pack(tmp_path: Path) -> None:
    # 55 random 32-hex fingerprints, each repeated 200 times: one of them may look like a
    # cookie id to the detector's context rules, but a column of the pack's own identifiers
    # is judged by its pattern
    import secrets

    import polars as pl

    fingerprints = [secrets.token_hex(16) for _ in range(55)] * 200
    pl.DataFrame(
        {"fingerprint": fingerprints, "run_id": ["20261125T040250Z-7973da"] * len(fingerprints)}
    ).write_csv(tmp_path / "findings.csv")
    report = scan_files(tmp_path, [tmp_path / "findings.csv"])
    assert report.hits == []
    assert report.values == 2 * 55 * 200


def test_a_real_hit_names_the_file_the_column_and_the_reason(tmp_path: Path) -> None:
    (tmp_path / "latest.csv").write_text(f"check_id,reason\nretention,could not mail {RAW}\n")
    with pytest.raises(PersonalDataInPackError) as err:
        scan_files(tmp_path, [tmp_path / "latest.csv"])
    message = str(err.value)
    assert "latest.csv:csv, column reason: 1 value(s) recognised as user.contact.email" in message
    assert RAW not in message


def test_the_workspace_role_mailbox_is_not_a_data_subject(tmp_path: Path) -> None:
    (tmp_path / "parties.json").write_text('{"email-addresses": ["dpo-office@bank.example"]}')
    files = [tmp_path / "parties.json"]
    assert scan_files(tmp_path, files, known=["dpo-office@bank.example"]).hits == []
    with pytest.raises(PersonalDataInPackError):
        scan_files(tmp_path, files)


def test_the_packs_own_id_is_never_judged(tmp_path: Path) -> None:
    # a pack id whose 10-hex digest happens to be all digits reads like a phone number
    pack_id = "pm-2026-Q3-6419882399"
    digest = "fd67c3f63a0c032defbab17d161e27e9f1da7c93acb7ff7bc8aa68c47fd11e7"
    runs = [
        {"run_id": f"20261207T08132{i}Z-3fe21{i}", "as_of": f"2026-0{7 + i}-10T00:00:00",
         "seq": 87 * (i + 1), "hash": f"{i}{digest}"}
        for i in range(3)
    ]  # fmt: skip
    manifest = {
        "pack_id": pack_id,
        "period": {"label": "2026-Q3", "first_day": "2026-07-01", "last_day": "2026-09-30"},
        "inputs": {"runs": runs, "results": 234, "findings": 17, "records_verified": 343},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    files = [tmp_path / "manifest.json"]
    unknown = scan_files(tmp_path, files, raise_on_hit=False)
    assert [h.category for h in unknown.hits] == ["user.contact.phone_number"]
    assert scan_files(tmp_path, files, raise_on_hit=False, known=[pack_id]).hits == []


def test_masked_examples_in_finding_details_do_not_block(tmp_path: Path) -> None:
    # what the findings' details carry: masked samples, which the masked-copy recognizer reads
    # as phone numbers with their digits masked; the raw value still blocks
    masked = ["+49********454", "+44 ** **** *456", "+33*******189"] * 3
    rows = "".join(f'pii,"{{""examples"": [""{m}""]}}"\n' for m in masked)
    (tmp_path / "findings.csv").write_text("check_id,detail\n" + rows)
    assert scan_files(tmp_path, [tmp_path / "findings.csv"]).hits == []
    (tmp_path / "raw.csv").write_text(f"check_id,detail\npii,{RAW}\n")
    with pytest.raises(PersonalDataInPackError):
        scan_files(tmp_path, [tmp_path / "raw.csv"])
