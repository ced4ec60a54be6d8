"""The pack's results as an OSCAL assessment-results document (JSON), validated offline against
NIST's published schema bundled in `schema/`. UUIDs are v5 (name-based), so the same ledger and
options give the same document.

Mapping: the workspace's accountable parties (`[accountability]`) and the operators of the
runs are `parties` with their `roles`; one `result` for the period; `reviewed-controls` lists
every control tested; one `observation` per newest result of a check on a product (or domain)
in the period, with its run id, check id, population and exceptions as props, the operator who
ran it as origin, the product as subject (an inventory item), `collected` when the data were
read, and the data file row as evidence, linked to a back-matter resource with the file's
SHA-256; one `finding` per control and domain (the control matrix row), `satisfied` when every
result passed and `not-satisfied` otherwise, linked to its observations."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import polars as pl

from privacymesh.packs.model import PackModel
from privacymesh.verdict import Status

if TYPE_CHECKING:
    import jsonschema

OSCAL_VERSION = "1.2.3"
SCHEMA_FILE = "oscal_assessment-results_schema.json"
NS = "urn:privacymesh:oscal"
_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, "urn:privacymesh:pack")


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_ROOT, "|".join(str(p) for p in parts)))


def _iso(moment: datetime) -> str:
    """Naive UTC as OSCAL date-time with a timezone."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _prop(name: str, value: object) -> dict[str, str] | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return {"name": name, "ns": NS, "value": text} if text else None


def _props(*pairs: tuple[str, object]) -> list[dict[str, str]]:
    return [p for p in (_prop(n, v) for n, v in pairs) if p]


ROLES = {
    "controller": "Controller (GDPR Art. 4(7)): answers for the processing",
    "dpo": "Data protection officer (GDPR Art. 37-39)",
    "preparer": "Prepares the audit pack",
    "reviewer": "Reviews and signs off the audit pack",
    "approver": "Approves the audit pack",
    "operator": "Ran the checks (the verified principal recorded with each run)",
}


def _party_uuid(role: str, name: str) -> str:
    return _uuid("party", role, name)


def _parties(model: PackModel) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The accountable parties of the workspace and the operators of the period's runs, and
    which party holds which role."""
    parties: dict[str, dict[str, Any]] = {}
    holders: dict[str, list[str]] = {}
    for p in model.parties.parties():
        pid = _party_uuid(p.role, p.name)
        entry: dict[str, Any] = {"uuid": pid, "type": "organization", "name": p.name}
        if p.email:
            entry["email-addresses"] = [p.email]
        if p.principal:
            entry["props"] = _props(("principal", p.principal))
        parties[pid] = entry
        holders.setdefault(p.role, []).append(pid)
    runs = model.evidence.runs
    for actor, host in runs.select("actor", "host").unique().sort("actor", "host").iter_rows():
        pid = _party_uuid("operator", actor or "unknown")
        parties.setdefault(
            pid,
            {"uuid": pid, "type": "person", "name": actor or "unknown", "props": []},
        )["props"] += _props(("host", host))
        if pid not in holders.setdefault("operator", []):
            holders["operator"].append(pid)
    for entry in parties.values():
        if not entry.get("props"):
            entry.pop("props", None)
    responsible = [
        {"role-id": role, "party-uuids": uuids} for role, uuids in holders.items() if uuids
    ]
    return list(parties.values()), responsible


def _target(product: str | None, domain: str | None) -> str:
    """What a result is about: its product, else its domain, else the whole mesh."""
    return product or (f"domain {domain}" if domain else "the whole mesh")


def _subjects(model: PackModel) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One inventory item per product (or domain, for mesh-wide results) observed."""
    items, by_target = [], {}
    for product, domain in (
        model.latest.select("product_id", "domain").unique().sort("product_id", "domain").rows()
    ):
        target = _target(product, domain)
        if target in by_target:
            continue
        iid = _uuid("subject", target)
        by_target[target] = iid
        item: dict[str, Any] = {"uuid": iid, "description": target}
        props = _props(("product-id", product), ("domain", domain))
        if props:
            item["props"] = props
        items.append(item)
    return items, by_target


def _evidence_resources(files: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """A back-matter resource per pack file with its SHA-256, and the resource of each file."""
    resources, by_file = [], {}
    for name, digest in sorted(files.items()):
        rid = _uuid("resource", name)
        by_file[name] = rid
        resources.append(
            {
                "uuid": rid,
                "title": name,
                "rlinks": [
                    {"href": f"../{name}", "hashes": [{"algorithm": "SHA-256", "value": digest}]}
                ],
            }
        )
    return resources, by_file


def _observations(
    model: PackModel, subjects: dict[str, str], evidence: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[tuple, list[str]]]:
    """One observation per newest result; and which observations back each matrix row."""
    observations = []
    by_row: dict[tuple, list[str]] = {}
    operators = {
        r["run_id"]: (r["actor"], r["host"]) for r in model.evidence.runs.iter_rows(named=True)
    }
    for r in model.latest.sort("seq").iter_rows(named=True):
        oid = _uuid("observation", r["result_id"])
        target = _target(r["product_id"], r["domain"])
        text = (
            f"{r['check_id']} on {target}: {r['status']}; population "
            f"{r['population'] if r['population'] is not None else 'n/a'}, exceptions "
            f"{r['exceptions'] if r['exceptions'] is not None else 'n/a'}."
        )
        if r["reason"]:
            text += f" Reason: {r['reason']}"
        actor, host = operators.get(r["run_id"], (None, None))
        evidence_ref: dict[str, Any] = {
            "href": "../data/latest_results.csv",
            "description": f"row with result_id {r['result_id']}; the query is in its query column",
        }
        if "data/latest_results.csv" in evidence:
            resource = evidence["data/latest_results.csv"]
            evidence_ref["links"] = [{"href": f"#{resource}", "rel": "reference"}]
        observations.append(
            {
                "uuid": oid,
                "title": f"{r['check_id']} {target}",
                "description": text,
                "props": _props(
                    ("check-id", r["check_id"]),
                    ("control-id", r["control_id"]),
                    ("run-id", r["run_id"]),
                    ("result-id", r["result_id"]),
                    ("ledger-seq", r["seq"]),
                    ("ledger-hash", r["hash"]),
                    ("product-id", r["product_id"]),
                    ("domain", r["domain"]),
                    ("status", r["status"]),
                    ("population", r["population"]),
                    ("exceptions", r["exceptions"]),
                    ("reference-time", _iso(r["as_of"])),
                    ("host", host),
                ),
                "methods": ["TEST"],
                "types": ["control-objective"],
                "origins": [
                    {
                        "actors": [
                            {
                                "type": "party",
                                "actor-uuid": _party_uuid("operator", actor or "unknown"),
                                "role-id": "operator",
                            }
                        ]
                    }
                ],
                "subjects": [
                    {"subject-uuid": subjects[target], "type": "inventory-item", "title": target}
                ],
                "relevant-evidence": [evidence_ref],
                # when the product's data were read (the reference time is a prop)
                "collected": _iso(r["read_at"] or r["as_of"]),
            }
        )
        by_row.setdefault((r["check_id"], r["domain"]), []).append(oid)
    return observations, by_row


def _findings(model: PackModel, by_row: dict[tuple, list[str]]) -> list[dict[str, Any]]:
    findings = []
    for m in model.matrix.iter_rows(named=True):
        where = m["domain"] or "mesh-wide"
        state = "satisfied" if m["status"] == Status.PASS else "not-satisfied"
        reason = {Status.PASS: "pass", Status.FAIL: "fail"}.get(m["status"], "other")
        findings.append(
            {
                "uuid": _uuid("finding", m["check_id"], where),
                "title": f"{m['control_id']} ({m['check_id']}) in {where}",
                "description": (
                    f"{m['statement']} Newest results in the period: {m['passed']} passed, "
                    f"{m['failed']} failed, {m['errors']} errors; population "
                    f"{m['population'] if m['population'] is not None else 'n/a'}, exceptions "
                    f"{m['exceptions'] if m['exceptions'] is not None else 'n/a'}."
                ),
                "props": _props(
                    ("check-id", m["check_id"]),
                    ("domain", where),
                    ("run-ids", m["run_ids"]),
                    ("runs-in-period", m["runs_in_period"]),
                ),
                "target": {
                    "type": "objective-id",
                    "target-id": m["control_id"],
                    "status": {"state": state, "reason": reason},
                },
                "related-observations": [
                    {"observation-uuid": o} for o in by_row.get((m["check_id"], m["domain"]), [])
                ],
            }
        )
    return findings


def assessment_results(model: PackModel, files: dict[str, str] | None = None) -> dict[str, Any]:
    """The OSCAL assessment-results document of a pack; `files` maps the pack's files (path
    relative to the pack) to their SHA-256, linked as evidence resources."""
    ev = model.evidence
    runs = ev.runs
    last_modified = runs["finished_at"].max()
    plan_uuid = _uuid("assessment-plan", model.pack_id)
    resources, by_file = _evidence_resources(files or {})
    items, subjects = _subjects(model)
    observations, by_row = _observations(model, subjects, by_file)
    parties, responsible = _parties(model)
    controls = sorted(set(model.matrix["control_id"].drop_nulls().to_list()))
    result: dict[str, Any] = {
        "uuid": _uuid("result", model.pack_id),
        "title": f"Privacy controls of {model.workspace or 'the mesh'}, {model.period.label}",
        "description": (
            f"Automated tests of the privacymesh check catalog over the data mesh, from "
            f"{runs.height} runs whose reference time falls in {model.period.describe()}"
            + (f", domains {', '.join(model.domain_filter)}" if model.domain_filter else "")
            + ". Each observation is the newest result of a check on a product or domain."
        ),
        "start": _iso(model.period.start),
        "end": _iso(min(model.period.end, max(runs["as_of"].max(), model.period.start))),
        "props": _props(
            ("pack-id", model.pack_id),
            ("chain-head", f"{ev.head.seq}:{ev.head.hash}"),
            ("period-head", f"{ev.period_head.seq}:{ev.period_head.hash}"),
            ("runs", runs.height),
        ),
        "reviewed-controls": {
            "description": "The controls of the privacymesh check catalog that ran in the period.",
            "control-selections": [
                {"include-controls": [{"control-id": c} for c in controls]}
                if controls
                else {"include-all": {}}
            ],
        },
    }
    if items:
        result["local-definitions"] = {"inventory-items": items}
    if observations:
        result["observations"] = observations
    findings = _findings(model, by_row)
    if findings:
        result["findings"] = findings
    return {
        "assessment-results": {
            "uuid": _uuid("assessment-results", model.pack_id),
            "metadata": {
                "title": f"{model.title} ({model.pack_id})",
                "last-modified": _iso(last_modified),
                "version": model.pack_id,
                "oscal-version": OSCAL_VERSION,
                "props": _props(("generator", model.generator), ("period", model.period.label)),
                "roles": [{"id": k, "title": v} for k, v in ROLES.items()],
                **({"parties": parties} if parties else {}),
                **({"responsible-parties": responsible} if responsible else {}),
            },
            "import-ap": {
                "href": f"#{plan_uuid}",
                "remarks": "The assessment plan is the privacymesh check catalog (checks/*.yaml): "
                "one test procedure per check, listed in the pack's index.html.",
            },
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": plan_uuid,
                        "title": "privacymesh check catalog",
                        "description": "Every check's control, test procedure, schedule and "
                        "threshold; see the section 'What each check tests' of index.html.",
                        "rlinks": [{"href": "../index.html#scope"}],
                    },
                    *resources,
                ]
            },
        }
    }


@cache
def schema() -> dict[str, Any]:
    """NIST's OSCAL assessment-results JSON Schema (bundled)."""
    text = resources.files("privacymesh.packs").joinpath("schema", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


def _unicode_pattern(validator, pattern, instance, schema_node):  # type: ignore[no-untyped-def]
    """`pattern` with the `\\p{L}` / `\\p{N}` classes Python's `re` lacks, translated."""
    if not isinstance(instance, str):
        return
    translated = pattern.replace(r"\p{L}", r"[^\W\d_]").replace(r"\p{N}", r"\d")
    if not re.search(translated, instance):
        import jsonschema

        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema  # imported here: it costs seconds, and most commands never validate OSCAL

    base = jsonschema.Draft7Validator
    cls = jsonschema.validators.extend(base, {"pattern": _unicode_pattern})
    return cls(schema(), format_checker=base.FORMAT_CHECKER)


@cache
def _fast_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.Draft7Validator(schema(), validate_formats=True)


def validate(document: dict[str, Any]) -> list[str]:
    """Schema errors of an OSCAL assessment-results document (empty when valid). A compiled
    validator (jsonschema-rs, whose regexes know `\\p{L}`) answers for valid documents;
    python-jsonschema describes the errors of invalid ones."""
    if _fast_validator().is_valid(document):
        return []
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in errors]


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def matrix_states(document: dict[str, Any]) -> pl.DataFrame:
    """(target-id, state) of every finding: for tests and notebooks."""
    found = document["assessment-results"]["results"][0].get("findings", [])
    return pl.DataFrame(
        {
            "control_id": [f["target"]["target-id"] for f in found],
            "state": [f["target"]["status"]["state"] for f in found],
            "title": [f["title"] for f in found],
        }
    )
