"""Read one contract file: ODCS JSON Schema validation, privacymesh's per-contract rules, and
the typed `DataProduct`. Every problem becomes a `ContractIssue`; nothing raises."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from privacymesh.catalog.issues import ContractIssue
from privacymesh.catalog.model import (
    CLASSIFICATIONS,
    MASKING_RULES,
    PROCESSING_MODES,
    PRODUCT_KINDS,
    RETENTION_UNITS,
    SUBJECT_KEY_FORMS,
    DataProduct,
    Field,
    Retention,
    Role,
    Server,
)
from privacymesh.catalog.odcs_schema import fideslang_categories, odcs_errors
from privacymesh.catalog.server_paths import PathOutside, SourceBounds, confine
from privacymesh.catalog.yaml_lines import (
    Path_,
    YamlSyntaxError,
    format_path,
    line_for,
    load_with_lines,
)

IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PRODUCT_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
FILE_FORMATS = ("parquet", "csv")


@dataclass
class ParsedContract:
    """The outcome of reading one file: a product when it is valid, and every issue found."""

    file: Path
    product: DataProduct | None
    issues: list[ContractIssue] = field(default_factory=list)
    id: str | None = None
    domain: str | None = None
    data: dict[str, Any] | None = None
    lines: dict[Path_, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def custom_properties(node: Any) -> dict[str, Any]:
    """ODCS `customProperties` list -> {property: value}."""
    items = node.get("customProperties") if isinstance(node, dict) else None
    if not isinstance(items, list):
        return {}
    return {
        str(i["property"]): i.get("value") for i in items if isinstance(i, dict) and "property" in i
    }


class _Collector:
    def __init__(self, file: Path, lines: dict[Path_, int]) -> None:
        self.file, self.lines, self.issues = file, lines, []

    def add(
        self,
        path: Path_,
        message: str,
        found: Any = None,
        expected: str | None = None,
        severity: str = "error",
    ) -> None:
        self.issues.append(
            ContractIssue(
                file=self.file,
                field=format_path(path),
                message=message,
                line=line_for(self.lines, path),
                found=None if found is None else repr(found),
                expected=expected,
                severity=severity,
            )
        )


def parse_contract(file: Path, bounds: SourceBounds | None = None) -> ParsedContract:
    """Read, validate and parse one contract file. Server paths must stay inside `bounds`
    (default: the workspace the file lies in)."""
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return ParsedContract(file, None, [ContractIssue(file, "", f"cannot read file: {exc}")])
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        issue = ContractIssue(
            file,
            format_path(exc.path),
            f"malformed YAML: {exc.message}",
            line=exc.line,
            expected="one YAML 1.2 mapping, each key once",
        )
        return ParsedContract(file, None, [issue])
    issues = _Collector(file, lines)
    if not isinstance(data, dict):
        issues.add(
            (),
            "the contract is not a YAML mapping",
            found=type(data).__name__,
            expected="a mapping with apiVersion, kind, id, ...",
        )
        return ParsedContract(file, None, issues.issues)

    for err in odcs_errors(data):
        path = tuple(err.absolute_path)
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            issues.add(
                (*path, missing), "required field is missing", expected=f"`{missing}` (ODCS v3)"
            )
        elif err.validator == "enum":
            issues.add(
                path,
                "value not allowed by ODCS v3",
                found=err.instance,
                expected="one of " + ", ".join(map(str, err.validator_value)),
            )
        elif err.validator == "type":
            issues.add(
                path,
                "wrong type",
                found=f"{type(err.instance).__name__} {err.instance!r}",
                expected=str(err.validator_value),
            )
        else:
            issues.add(path, f"ODCS v3 schema: {err.message[:300]}")

    product = _build(file, data, issues, bounds or SourceBounds.around(file))
    contract_id = data.get("id") if isinstance(data.get("id"), str) else None
    domain = data.get("domain") if isinstance(data.get("domain"), str) else None
    parsed = ParsedContract(file, None, issues.issues, contract_id, domain, data, lines)
    if parsed.ok:
        parsed.product = product
    return parsed


def _build(
    file: Path, data: dict[str, Any], issues: _Collector, bounds: SourceBounds
) -> DataProduct | None:
    """privacymesh's own rules, then the typed product (None when the shape is unusable)."""
    domain, name, cid = (
        data.get("domain"),
        data.get("dataProduct") or data.get("name"),
        data.get("id"),
    )
    for key, value in (("domain", domain), ("dataProduct", name)):
        if not isinstance(value, str) or not IDENT.match(value):
            issues.add(
                (key,),
                "must be a lower-case identifier",
                found=value,
                expected="letters, digits and _ starting with a letter",
            )
    if not isinstance(cid, str) or not PRODUCT_ID.match(cid):
        issues.add(
            ("id",),
            "the contract id must be <domain>.<product>",
            found=cid,
            expected="e.g. payments.transactions",
        )
    elif isinstance(domain, str) and isinstance(name, str) and cid != f"{domain}.{name}":
        issues.add(
            ("id",),
            "the id does not match domain and dataProduct",
            found=cid,
            expected=f"{domain}.{name}",
        )

    objects = data.get("schema")
    if not isinstance(objects, list) or len(objects) != 1 or not isinstance(objects[0], dict):
        issues.add(
            ("schema",),
            "a product contract needs exactly one schema object",
            found=f"{len(objects) if isinstance(objects, list) else objects!r} objects",
            expected="one object (table)",
        )
        return None
    obj = objects[0]
    table = obj.get("name") if isinstance(obj.get("name"), str) else ""
    fields = _fields(obj.get("properties"), issues)

    custom = custom_properties(data)
    _check_choice(
        issues,
        ("customProperties", "productKind"),
        custom.get("productKind", "source"),
        PRODUCT_KINDS,
    )
    _check_choice(
        issues,
        ("customProperties", "processingMode"),
        custom.get("processingMode", "batch"),
        PROCESSING_MODES,
    )
    subject_key = custom.get("subjectKey")
    names = {f.name for f in fields}
    if subject_key is not None and subject_key not in names:
        issues.add(
            ("customProperties", "subjectKey"),
            "the subject key is not a property",
            found=subject_key,
            expected="one of " + ", ".join(sorted(names)),
        )
    form = custom.get("subjectKeyForm")
    if form is not None:
        _check_choice(issues, ("customProperties", "subjectKeyForm"), form, SUBJECT_KEY_FORMS)

    return DataProduct(
        id=str(cid),
        domain=str(domain),
        name=str(name),
        file=file,
        table=table,
        fields=fields,
        server=_server(data.get("servers"), file, issues, bounds),
        kind=str(custom.get("productKind", "source")),
        processing_mode=str(custom.get("processingMode", "batch")),
        subject_key=subject_key,
        subject_key_form=form,
        purposes=_strings(custom.get("purposes")),
        data_subjects=_strings(custom.get("dataSubjects")),
        legal_basis=custom.get("legalBasis"),
        purpose=_get(data, "description", "purpose"),
        usage=_get(data, "description", "usage"),
        owners=_owners(data.get("team")),
        team=_get(data, "team", "name"),
        roles=_roles(data.get("roles")),
        retention=_retention(data.get("slaProperties"), table, names, issues),
        status=data.get("status"),
        version=str(data.get("version")),
        tags=_strings(data.get("tags")),
        raw=data,
    )


def _fields(props: Any, issues: _Collector) -> tuple[Field, ...]:
    if not isinstance(props, list) or not props:
        issues.add(
            ("schema", 0, "properties"),
            "the schema object has no properties",
            expected="a list of columns",
        )
        return ()
    out: list[Field] = []
    seen: set[str] = set()
    categories = fideslang_categories()
    for i, prop in enumerate(props):
        base: Path_ = ("schema", 0, "properties", i)
        if not isinstance(prop, dict):
            continue
        name = prop.get("name")
        if not isinstance(name, str) or not COLUMN.match(name):
            issues.add(
                (*base, "name"),
                "a property name must be a plain identifier",
                found=name,
                expected="letters, digits and _ (no quotes, spaces or SQL)",
            )
            continue
        if name in seen:
            issues.add((*base, "name"), "duplicate property name", found=name)
        seen.add(name)
        cls = prop.get("classification")
        if cls is not None and cls not in CLASSIFICATIONS:
            issues.add(
                (*base, "classification"),
                "unknown classification",
                found=cls,
                expected="one of " + ", ".join(CLASSIFICATIONS),
            )
        custom = custom_properties(prop)
        category = custom.get("piiCategory")
        if category is not None and category not in categories:
            issues.add(
                (*base, "customProperties", "piiCategory"),
                "not a fideslang data-category key",
                found=category,
                expected="a key such as user.contact.email",
            )
        masking = custom.get("maskingRule")
        if masking is not None and masking not in MASKING_RULES:
            issues.add(
                (*base, "customProperties", "maskingRule"),
                "unknown masking rule",
                found=masking,
                expected="one of " + ", ".join(MASKING_RULES),
            )
        out.append(
            Field(
                name=name,
                logical_type=prop.get("logicalType"),
                physical_type=prop.get("physicalType"),
                classification=cls,
                pii_category=category,
                masking_rule=masking,
                required=bool(prop.get("required", False)),
                primary_key=bool(prop.get("primaryKey", False)),
                description=prop.get("description"),
                tags=_strings(prop.get("tags")),
                sources=_strings(prop.get("transformSourceObjects")),
            )
        )
    return tuple(out)


def _server(servers: Any, file: Path, issues: _Collector, bounds: SourceBounds) -> Server | None:
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        issues.add(
            ("servers",),
            "no server: privacymesh cannot find the data",
            expected="a local (parquet/csv path) or duckdb server",
        )
        return None
    s = servers[0]
    kind = s.get("type")
    if kind == "local":
        fmt = str(s.get("format", "parquet")).lower()
        if fmt not in FILE_FORMATS:
            issues.add(
                ("servers", 0, "format"),
                "unsupported file format",
                found=fmt,
                expected="parquet or csv",
            )
        path = _confined(s, "path", file, issues, bounds)
        return Server("local", fmt, path)
    if kind == "duckdb":
        db = _confined(s, "database", file, issues, bounds)
        return Server("duckdb", None, None, db, s.get("schema"))
    issues.add(
        ("servers", 0, "type"),
        "server type not supported by the DuckDB engine",
        found=kind,
        expected="local or duckdb",
        severity="warning",
    )
    return Server(str(kind))


def _confined(
    server: dict[str, Any], key: str, file: Path, issues: _Collector, bounds: SourceBounds
) -> Path | None:
    """The server's `path`/`database`, resolved, when it stays inside the workspace."""
    raw = server.get(key)
    name = server.get("server")
    try:
        return confine(str(raw or ""), file, name if isinstance(name, str) else None, bounds)
    except PathOutside as exc:
        issues.add(
            ("servers", 0, key),
            f"server {key} not allowed: {exc}",
            found=raw,
            expected=bounds.describe(),
        )
        return None


def _retention(slas: Any, table: str, names: set[str], issues: _Collector) -> Retention | None:
    if not isinstance(slas, list):
        return None
    for i, sla in enumerate(slas):
        if not isinstance(sla, dict) or sla.get("property") != "retention":
            continue
        base: Path_ = ("slaProperties", i)
        value, unit = sla.get("value"), str(sla.get("unit", "d")).lower()
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            issues.add((*base, "value"), "retention must be a positive number", found=value)
            return None
        if unit not in RETENTION_UNITS:
            issues.add(
                (*base, "unit"),
                "unknown retention unit",
                found=unit,
                expected="d, m or y (days, months, years)",
            )
            return None
        element = str(sla.get("element", ""))
        column = element.split(".")[-1]
        obj = element.split(".")[0] if "." in element else table
        if column not in names or obj != table:
            issues.add(
                (*base, "element"),
                "retention element is not a property of the object",
                found=element,
                expected=f"{table}.<date column>",
            )
            return None
        custom = custom_properties(sla)
        return Retention(
            value=float(value),
            unit=unit,
            element=column,
            days=round(float(value) * RETENTION_UNITS[unit]),
            driver=sla.get("driver"),
            legal_basis=custom.get("legalBasis"),
        )
    return None


def _check_choice(issues: _Collector, path: Path_, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        issues.add(path, "value not allowed", found=value, expected="one of " + ", ".join(allowed))


def _roles(roles: Any) -> tuple[Role, ...]:
    if not isinstance(roles, list):
        return ()
    return tuple(
        Role(
            name=str(r["role"]),
            access=str(r.get("access", "read")),
            clearance=str(custom_properties(r).get("clearance", "internal")),
            description=r.get("description"),
        )
        for r in roles
        if isinstance(r, dict) and "role" in r
    )


def _owners(team: Any) -> tuple[str, ...]:
    members = team.get("members") if isinstance(team, dict) else team
    if not isinstance(members, list):
        return ()
    return tuple(
        str(m.get("username"))
        for m in members
        if isinstance(m, dict) and str(m.get("role", "")).lower() == "owner"
    )


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _get(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)  # type: ignore[assignment]
    return data
