"""The OSCAL assessment-results document against NIST's schema and the control matrix."""

from __future__ import annotations

import json

import polars as pl

from privacymesh.packs import PackResult, oscal


def test_assessment_results_validate_against_the_oscal_schema(built_pack: PackResult) -> None:
    document = json.loads((built_pack.root / "oscal" / "assessment-results.json").read_text())
    assert oscal.validate(document) == []
    assert oscal.schema()["$id"].endswith("/1.2.3/oscal-ar-schema.json")
    ar = document["assessment-results"]
    assert ar["metadata"]["oscal-version"] == oscal.OSCAL_VERSION
    (result,) = ar["results"]
    matrix = pl.read_csv(built_pack.root / "data" / "control_matrix.csv")
    latest = pl.read_csv(built_pack.root / "data" / "latest_results.csv")
    assert len(result["findings"]) == matrix.height
    assert len(result["observations"]) == latest.height
    states = oscal.matrix_states(document)
    failing = matrix.filter(pl.col("status") != "pass").height
    assert states.filter(pl.col("state") == "not-satisfied").height == failing
    controls = {c["control-id"] for c in result["reviewed-controls"]["control-selections"][0]
                ["include-controls"]}  # fmt: skip
    assert controls == set(matrix["control_id"].to_list())
    observation_ids = {o["uuid"] for o in result["observations"]}
    for finding in result["findings"]:
        linked = {r["observation-uuid"] for r in finding["related-observations"]}
        assert linked and linked <= observation_ids


def test_the_validator_rejects_a_broken_document(built_pack: PackResult) -> None:
    document = json.loads((built_pack.root / "oscal" / "assessment-results.json").read_text())
    result = document["assessment-results"]["results"][0]
    del result["reviewed-controls"]
    result["observations"][0]["uuid"] = "not-a-uuid"
    result["findings"][0]["target"]["target-id"] = "has space"
    problems = oscal.validate(document)
    assert any("reviewed-controls" in p for p in problems)
    assert any("observations/0/uuid" in p for p in problems)
    assert any("target/target-id" in p for p in problems)


def test_parties_roles_subjects_and_hashed_evidence(draft_pack: PackResult) -> None:
    root = draft_pack.root
    document = json.loads((root / "oscal" / "assessment-results.json").read_text())
    assert oscal.validate(document) == []
    meta = document["assessment-results"]["metadata"]
    names = {p["name"]: p for p in meta["parties"]}
    assert {"Test Bank plc", "Data Protection Office", "Internal audit", "The board"} <= set(names)
    assert names["Data Protection Office"]["email-addresses"] == ["dpo-office@bank.example"]
    holders = {r["role-id"]: r["party-uuids"] for r in meta["responsible-parties"]}
    assert holders["controller"] == [names["Test Bank plc"]["uuid"]]
    assert holders["dpo"] == [names["Data Protection Office"]["uuid"]]
    assert holders["reviewer"] == [names["Internal audit"]["uuid"]]
    runs = pl.read_csv(root / "data" / "runs.csv")
    operators = set(runs["actor"].to_list())
    assert {p["name"] for p in meta["parties"] if p["type"] == "person"} == operators
    assert {p["uuid"] for p in meta["parties"] if p["type"] == "person"} == set(holders["operator"])
    (result,) = document["assessment-results"]["results"]
    items = {i["uuid"]: i for i in result["local-definitions"]["inventory-items"]}
    resources = {r["uuid"]: r for r in document["assessment-results"]["back-matter"]["resources"]}
    latest = pl.read_csv(root / "data" / "latest_results.csv", try_parse_dates=True)
    by_result = {r["result_id"]: r for r in latest.iter_rows(named=True)}
    for obs in result["observations"]:
        props = {p["name"]: p["value"] for p in obs["props"]}
        row = by_result[props["result-id"]]
        (subject,) = obs["subjects"]
        target = row["product_id"] or f"domain {row['domain']}"
        assert subject["title"] == target == items[subject["subject-uuid"]]["description"]
        (actor,) = obs["origins"][0]["actors"]
        assert actor["role-id"] == "operator" and actor["actor-uuid"] in holders["operator"]
        # collected: when the data were read, not the reference time
        assert obs["collected"] == row["read_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
        assert props["reference-time"] == row["as_of"].strftime("%Y-%m-%dT%H:%M:%SZ")
        (link,) = obs["relevant-evidence"][0]["links"]
        (rlink,) = resources[link["href"][1:]]["rlinks"]
        assert rlink["href"] == "../data/latest_results.csv"
    manifest = json.loads((root / "manifest.json").read_text())
    hashed = {
        r["rlinks"][0]["href"][3:]: r["rlinks"][0]["hashes"][0]["value"]
        for r in resources.values()
        if "hashes" in r["rlinks"][0]
    }
    assert "index.html" in hashed and "data/latest_results.csv" in hashed
    for name, digest in hashed.items():
        assert manifest["files"][name]["sha256"] == digest
