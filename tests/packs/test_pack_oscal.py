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
