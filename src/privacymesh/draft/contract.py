"""A draft ODCS v3.1.0 contract from a product: its schema with logical types, per column the
detector's category (`piiCategory`) and the policy's proposed classification and masking rule,
the detector's reasons as comments, a retention placeholder and a subject-key guess.

The draft is marked (`status: draft`, customProperty `draft: true`, and per column
`classificationReviewed: false`): it registers, but the gate's PM-CAT-016 fails until an owner
has reviewed it, and PM-CAT-001 and PM-CAT-006/011 until the owner and retention are set."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from privacymesh.detect import CategoryHit, ColumnScan, ScanOptions, TableScan, scan_frame
from privacymesh.detect.taxonomy import is_personal
from privacymesh.draft.policy import PolicyRow, propose
from privacymesh.draft.source import ProductSource

ODCS_VERSION = "v3.1.0"
RETENTION_PLACEHOLDER = 0  # not a valid retention: the gate fails until the owner sets one
# the subject key is guessed from the first column of these families, in this order, whose
# values (nearly) all hold it: a key names a person in every row, not inside some of its text
SUBJECT_KEY_FAMILIES = ("user.unique_id", "user.account", "user.contact.email")
SUBJECT_KEY_SHARE = 0.9


@dataclass(frozen=True)
class FieldProposal:
    """What the draft proposes for one column, and why."""

    column: str
    physical_type: str
    logical_type: str
    category: str | None  # the detector's strongest personal category
    confidence: float | None
    share: float | None  # the share of sampled values holding the category
    policy: PolicyRow
    reason: str  # the detector's evidence, for a comment (no values)

    @property
    def classification(self) -> str:
        return self.policy.classification

    @property
    def masking(self) -> str | None:
        return self.policy.masking


@dataclass(frozen=True)
class Draft:
    """A drafted contract before it is written."""

    domain: str
    product: str
    table: str
    fields: tuple[FieldProposal, ...]
    server: dict[str, object]
    rows_total: int
    rows_scanned: int
    subject_key: str | None
    retention_element: str | None
    quasi_identifiers: tuple[tuple[str, ...], ...] = ()

    @property
    def personal(self) -> tuple[FieldProposal, ...]:
        return tuple(f for f in self.fields if f.category is not None)

    def document(self) -> CommentedMap:
        """The contract as a ruamel.yaml mapping, comments attached."""
        return _document(self)

    def yaml(self) -> str:
        out = io.StringIO()
        yaml = YAML()
        yaml.width = 100
        yaml.indent(mapping=2, sequence=2, offset=0)
        yaml.dump(self.document(), out)
        return out.getvalue()

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.yaml(), "utf-8")


def logical_type(physical: str) -> str:
    """The ODCS logicalType of a DuckDB type."""
    t = physical.upper()
    if t.endswith("[]") or t.startswith(("LIST", "ARRAY")):
        return "array"
    if t.startswith(("STRUCT", "MAP", "UNION", "JSON")):
        return "object"
    if t == "BOOLEAN":
        return "boolean"
    if t.startswith("TIMESTAMP") or t == "DATETIME":
        return "timestamp"
    if t == "DATE":
        return "date"
    if t.startswith("TIME"):
        return "time"
    if re.search(r"INT", t):
        return "integer"
    if t.startswith(("DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC")):
        return "number"
    return "string"


def draft_contract(
    source: ProductSource,
    domain: str,
    product: str,
    contract_dir: Path,
    options: ScanOptions | None = None,
) -> Draft:
    """Scan a sample of the product with the detector and propose its contract, to be written
    into `contract_dir` (its server path is relative to that folder)."""
    options = options or ScanOptions()
    columns = source.columns()
    total = source.rows()
    sample = source.sample(options.sample_rows if total > (options.sample_rows or 0) else None, 0)
    scan = scan_frame(sample, product, options=options)
    fields = tuple(_propose(name, physical, scan) for name, physical in columns)
    return Draft(
        domain=domain,
        product=product,
        table=product,
        fields=fields,
        server=source.server(contract_dir),
        rows_total=total,
        rows_scanned=scan.rows_scanned,
        subject_key=_subject_key(fields),
        retention_element=next(
            (f.column for f in fields if f.logical_type in ("timestamp", "date")), None
        ),
        quasi_identifiers=tuple(q.columns for q in scan.quasi_identifiers if q.flagged),
    )


def _propose(name: str, physical: str, scan: TableScan) -> FieldProposal:
    try:
        column: ColumnScan | None = scan.column(name)
    except KeyError:
        column = None
    hits = [h for h in (column.categories if column else ()) if is_personal(h.category)]
    top = max(hits, key=lambda h: h.confidence) if hits else None
    return FieldProposal(
        column=name,
        physical_type=physical,
        logical_type=logical_type(physical),
        category=top.category if top else None,
        confidence=round(top.confidence, 2) if top else None,
        share=top.hit_rate if top else None,
        policy=propose(top.category if top else None),
        reason=_reason(top, [h for h in hits if h is not top], scan.rows_scanned),
    )


def _reason(top: CategoryHit | None, others: list[CategoryHit], rows: int) -> str:
    """The detector's evidence in words: recognizer, share, validation, context. No values."""
    if top is None:
        return f"detector: nothing personal in {rows} sampled rows"
    parts = [f"confidence {top.confidence:.2f}", f"{top.hit_rate:.0%} of values"]
    if top.reasons:
        r = top.reasons[0]
        parts.append(f"recognizer {r.recognizer}" + (", validated" if r.validated else ""))
        if r.raised_by:
            parts.append("raised by " + ", ".join(r.raised_by))
        if r.lowered_by:
            parts.append("lowered by " + ", ".join(r.lowered_by))
        if r.found_in:
            parts.append("inside " + "/".join(r.found_in))
    elif top.methods:
        parts.append("by " + ", ".join(top.methods))
    text = f"detector: {top.category} ({'; '.join(parts)})"
    if others:
        text += "; also " + ", ".join(f"{h.category} {h.confidence:.2f}" for h in others)
    return text


def _subject_key(fields: tuple[FieldProposal, ...]) -> str | None:
    for family in SUBJECT_KEY_FAMILIES:
        for f in fields:
            category = f.category or ""
            covered = category == family or category.startswith(family + ".")
            whole = (f.share or 0.0) >= SUBJECT_KEY_SHARE
            if covered and whole and not category.endswith("pseudonymous"):
                return f.column
    return None


def _cp(prop: str, value: object) -> CommentedMap:
    item = CommentedMap([("property", prop), ("value", value)])
    item.fa.set_flow_style()
    return item


def _document(d: Draft) -> CommentedMap:
    doc = CommentedMap()
    doc["apiVersion"] = ODCS_VERSION
    doc["kind"] = "DataContract"
    doc["id"] = f"{d.domain}.{d.product}"
    doc["name"] = d.product
    doc["version"] = "0.1.0"
    doc["status"] = "draft"
    doc["domain"] = d.domain
    doc["dataProduct"] = d.product
    doc.yaml_set_start_comment(
        f"Draft data contract of {d.domain}.{d.product} (ODCS {ODCS_VERSION}), proposed by\n"
        f"`privacymesh contract draft` from {d.rows_scanned} of {d.rows_total} rows.\n"
        "A proposal, not an approval: the deployment gate fails until the owner\n"
        "  1. adds themselves under team.members (role: owner),\n"
        "  2. sets the retention in slaProperties"
        + (" (personal data found)" if d.personal else "")
        + ",\n"
        "  3. reviews every classification and piiCategory, sets classificationReviewed\n"
        "     to true (or removes it), and removes the `draft` custom property."
    )
    team = CommentedMap([("name", d.domain)])
    doc["team"] = team
    doc.yaml_add_eol_comment("owner: add members: [{username: ..., role: owner}]", "team")
    reader = CommentedMap(
        [
            ("role", f"{d.domain}_reader"),
            ("access", "read"),
            ("description", "Proposed reader role: restricted fields are masked for it."),
            ("customProperties", CommentedSeq([_cp("clearance", "internal")])),
        ]
    )
    doc["roles"] = CommentedSeq([reader])
    doc["servers"] = CommentedSeq([CommentedMap(d.server)])
    if d.personal:
        element = f"{d.table}.{d.retention_element or 'DATE_COLUMN'}"
        sla = CommentedMap(
            [
                ("property", "retention"),
                ("value", RETENTION_PLACEHOLDER),
                ("unit", "d"),
                ("element", element),
            ]
        )
        sla.yaml_add_eol_comment("placeholder: how long rows may be kept, e.g. 365", "value")
        if d.retention_element is None:
            sla.yaml_add_eol_comment("no date column found: name the one that ages rows", "element")
        doc["slaProperties"] = CommentedSeq([sla])
    custom = CommentedSeq([_cp("draft", True)])
    custom.yaml_add_eol_comment("remove once reviewed", 0)
    if d.subject_key:
        custom.append(_cp("subjectKey", d.subject_key))
        custom.yaml_add_eol_comment("a guess: the column naming the data subject", 1)
    doc["customProperties"] = custom
    doc["schema"] = CommentedSeq([_object(d)])
    return doc


def _object(d: Draft) -> CommentedMap:
    obj = CommentedMap([("name", d.table), ("physicalName", d.table), ("physicalType", "table")])
    if d.quasi_identifiers:
        combos = "; ".join(" + ".join(q) for q in d.quasi_identifiers)
        obj.yaml_add_eol_comment(f"re-identifying combinations: {combos}", "physicalType")
    props = CommentedSeq()
    for i, f in enumerate(d.fields):
        prop = CommentedMap(
            [
                ("name", f.column),
                ("logicalType", f.logical_type),
                ("physicalType", f.physical_type),
                ("classification", f.classification),
            ]
        )
        custom = CommentedSeq()
        if f.category:
            custom.append(_cp("piiCategory", f.category))
        if f.masking:
            custom.append(_cp("maskingRule", f.masking))
        custom.append(_cp("classificationReviewed", False))
        prop["customProperties"] = custom
        rule = f"policy: {f.category} -> {f.classification}" if f.category else "policy: default"
        prop.yaml_add_eol_comment(rule, "classification")
        props.append(prop)
        props.yaml_set_comment_before_after_key(i, before=f.reason, indent=2)
    obj["properties"] = props
    return obj
