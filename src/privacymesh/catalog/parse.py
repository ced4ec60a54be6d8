"""Read one contract file: YAML 1.2, the ODCS JSON Schema of its `apiVersion`, privacymesh's
rules, and one typed `DataProduct` per schema object. Every problem becomes a `ContractIssue`
saying where its rule comes from; nothing raises.

Any contract valid against its ODCS schema registers, whatever its shape: the contract id is
kept as it is (a UUID, say); the product's address `domain.product` comes from `domain` and
`dataProduct`, or from the catalog's folder layout (`<domain folder>/<product>.odcs.yaml`);
several schema objects give one table each (`domain.product__object`); no schema gives a
contract with owner, roles and SLA but nothing to scan."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from privacymesh.catalog.issues import PRIVACYMESH, YAML, ContractIssue
from privacymesh.catalog.model import (
    CLASSIFICATIONS,
    MASKING_RULES,
    PROCESSING_MODES,
    PRODUCT_KINDS,
    RETENTION_UNITS,
    SUBJECT_KEY_FORMS,
    DataProduct,
    Field,
    QualityRule,
    Retention,
    Role,
    Server,
)
from privacymesh.catalog.odcs_schema import (
    LATEST_SHIPPED,
    fideslang_categories,
    odcs_errors,
    odcs_versions,
)
from privacymesh.catalog.rules import RULES, RuleLevel
from privacymesh.catalog.server_paths import PathOutside, SourceBounds, confine
from privacymesh.catalog.yaml_lines import (
    Path_,
    YamlSyntaxError,
    format_path,
    line_for,
    load_with_lines,
)

COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FILE_FORMATS = ("parquet", "csv")
READABLE_SERVERS = ("local", "duckdb")
CONTRACT_SUFFIX = ".odcs.yaml"


@dataclass
class ParsedContract:
    """The outcome of reading one file: its tables when it registers, and every issue found."""

    file: Path
    products: list[DataProduct] = field(default_factory=list)
    issues: list[ContractIssue] = field(default_factory=list)
    id: str | None = None  # the contract's own id, as written
    domain: str | None = None
    address: str | None = None  # `domain.product`
    data: dict[str, Any] | None = None
    lines: dict[Path_, int] = field(default_factory=dict)
    version: str | None = None  # the ODCS apiVersion it was validated against

    @property
    def ok(self) -> bool:
        """True when nothing blocks registration (gate rules may still be unmet)."""
        return not any(i.blocks for i in self.issues)

    @property
    def product(self) -> DataProduct | None:
        """The contract's first table (the only one for a one-object contract)."""
        return self.products[0] if self.products else None


def custom_properties(node: Any) -> dict[str, Any]:
    """ODCS `customProperties` list -> {property: value}."""
    items = node.get("customProperties") if isinstance(node, dict) else None
    if not isinstance(items, list):
        return {}
    return {
        str(i["property"]): i.get("value") for i in items if isinstance(i, dict) and "property" in i
    }


def slug(value: Any) -> str | None:
    """A lower-case identifier for an address part: `my quantum` -> `my_quantum`."""
    if not isinstance(value, str):
        return None
    text = re.sub(r"[^a-z0-9_]+", "_", value.strip().lower()).strip("_")
    if not text:
        return None
    return text if text[0].isalpha() else f"p_{text}"


class _Collector:
    def __init__(self, file: Path, lines: dict[Path_, int]) -> None:
        self.file, self.lines = file, lines
        self.issues: list[ContractIssue] = []

    def add(
        self,
        path: Path_,
        message: str,
        found: Any = None,
        expected: str | None = None,
        *,
        rule: str | None = None,
        source: str = PRIVACYMESH,
    ) -> ContractIssue:
        known = RULES.get(rule or "")
        issue = ContractIssue(
            file=self.file,
            field=format_path(path),
            message=message,
            line=line_for(self.lines, path),
            found=None if found is None else repr(found),
            expected=expected,
            severity=known.severity if known else RuleLevel.ERROR.value,
            source=source,
            rule=rule,
            blocks=known.blocks if known else True,
        )
        self.issues.append(issue)
        return issue


def parse_contract(
    file: Path, bounds: SourceBounds | None = None, folder: str | None = None
) -> ParsedContract:
    """Read, validate and parse one contract file. Server paths must stay inside `bounds`
    (default: the workspace the file lies in); `folder` is the catalog folder the file sits in,
    the domain when the contract names none (default: the file's folder)."""
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        issue = ContractIssue(file, "", f"cannot read file: {exc}", source=YAML)
        return ParsedContract(file, issues=[issue])
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        issue = ContractIssue(
            file,
            format_path(exc.path),
            f"malformed YAML: {exc.message}",
            line=exc.line,
            expected="one YAML 1.2 mapping, each key once",
            source=YAML,
        )
        return ParsedContract(file, issues=[issue])
    issues = _Collector(file, lines)
    if not isinstance(data, dict):
        issues.add(
            (),
            "the contract is not a YAML mapping",
            found=type(data).__name__,
            expected="a mapping with apiVersion, kind, id, ...",
            source=YAML,
        )
        return ParsedContract(file, issues=issues.issues)

    contract_id = str(data["id"]) if isinstance(data.get("id"), str | int) else None
    parsed = ParsedContract(file, [], issues.issues, contract_id, None, None, data, lines)
    version = _schema_errors(data, issues)
    parsed.version = version
    if not parsed.ok:
        return parsed

    domain = slug(data.get("domain"))
    product = slug(data.get("dataProduct"))
    stem = slug(file.name.removesuffix(CONTRACT_SUFFIX).removesuffix(".yaml"))
    if domain is None:  # the folder layout addresses it: <domain>/<product>.odcs.yaml
        domain = slug(folder if folder is not None else file.parent.name) or "default"
        product = stem or product
    product = product or stem or "product"
    parsed.domain, parsed.address = domain, f"{domain}.{product}"
    parsed.products = _tables(file, data, issues, bounds or SourceBounds.around(file), parsed)
    return parsed


def _schema_errors(data: dict[str, Any], issues: _Collector) -> str:
    """ODCS schema errors against the schema of the declared `apiVersion`; the version used."""
    declared = data.get("apiVersion")
    versions = odcs_versions()
    if declared is not None and declared not in versions:
        issues.add(
            ("apiVersion",),
            "apiVersion is not an ODCS v3 release privacymesh knows",
            found=declared,
            expected="one of " + ", ".join(versions),
            source="ODCS",
        )
        return LATEST_SHIPPED
    version = declared if isinstance(declared, str) else LATEST_SHIPPED
    errors = odcs_errors(data, version)
    newer = _valid_under_newer(data, version) if errors else None
    # valid ODCS, labelled with an older release than its fields need (the standard's own
    # examples do this): it registers, and each field the declared release lacks is an error
    # for the gate at its line
    rule = "PM-CAT-015" if newer else None
    hint = f" (valid under ODCS {newer}: declare apiVersion: {newer})" if newer else ""
    _report(errors, f"ODCS {version} schema", version, issues, rule, hint)
    return newer or version


def _valid_under_newer(data: dict[str, Any], version: str) -> str | None:
    """The first later ODCS release the contract is valid under, if any."""
    versions = odcs_versions()
    later = versions[versions.index(version) + 1 :] if version in versions else ()
    return next((v for v in later if not odcs_errors(data, v)), None)


def _report(
    errors: list[Any],
    source: str,
    version: str,
    issues: _Collector,
    rule: str | None,
    hint: str,
) -> None:
    errors = sorted(errors, key=lambda e: line_for(issues.lines, tuple(e.absolute_path)) or 0)
    for err in errors:
        add = partial(issues.add, source=source, rule=rule)
        path = tuple(err.absolute_path)
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            add(
                (*path, missing),
                f"required field is missing{hint}",
                expected=f"`{missing}`",
            )
        elif err.validator == "enum":
            add(
                path,
                f"value not allowed{hint}",
                found=err.instance,
                expected="one of " + ", ".join(map(str, err.validator_value)),
            )
        elif err.validator == "type":
            add(
                path,
                f"wrong type{hint}",
                found=f"{type(err.instance).__name__} {_short(err.instance)}",
                expected=str(err.validator_value),
            )
        elif err.validator in ("additionalProperties", "unevaluatedProperties"):
            extra = re.findall(r"'([^']+)'", err.message)
            add(
                (*path, *extra[:1]),
                f"field not defined in ODCS {version}{hint}",
                found=", ".join(extra) or None,
                expected=f"only the fields of ODCS {version} (or a newer apiVersion)",
            )
        else:
            add(path, err.message[:300] + hint)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tables(
    file: Path,
    data: dict[str, Any],
    issues: _Collector,
    bounds: SourceBounds,
    parsed: ParsedContract,
) -> list[DataProduct]:
    """One product per schema object, with the contract-level facts they share."""
    objects = [o for o in data.get("schema") or [] if isinstance(o, dict)]
    custom = custom_properties(data)
    _check_choice(issues, ("customProperties", "productKind"), custom.get("productKind", "source"))
    _check_choice(
        issues, ("customProperties", "processingMode"), custom.get("processingMode", "batch")
    )
    if custom.get("draft") not in (None, False, "false"):
        issues.add(
            ("customProperties", "draft"),
            "a drafted contract: a proposal its owner has not reviewed",
            expected="remove the draft custom property once owner, retention and "
            "classifications are reviewed",
            rule="PM-CAT-016",
        )
    form = custom.get("subjectKeyForm")
    if form is not None:
        _check_choice(issues, ("customProperties", "subjectKeyForm"), form)
    server = _server(data.get("servers"), file, issues, bounds)
    assert parsed.domain is not None and parsed.address is not None
    product_name = parsed.address.split(".", 1)[1]
    shared = {
        "file": file,
        "server": server,
        "contract_id": parsed.id,
        "product": parsed.address,
        "product_kind": str(custom.get("productKind", "source")),
        "processing_mode": str(custom.get("processingMode", "batch")),
        "subject_key_form": form,
        "purposes": _strings(custom.get("purposes")),
        "data_subjects": _strings(custom.get("dataSubjects")),
        "legal_basis": custom.get("legalBasis"),
        "purpose": _get(data, "description", "purpose"),
        "usage": _get(data, "description", "usage"),
        "owners": _owners(data.get("team")),
        "team": _get(data, "team", "name"),
        "roles": _roles(data.get("roles")),
        "status": data.get("status"),
        "version": str(data.get("version")),
        "tags": _strings(data.get("tags")),
        "raw": data,
    }
    contract_level = list(issues.issues)
    tables: list[DataProduct] = []
    for index, obj in enumerate(objects):
        start = len(issues.issues)
        table = str(obj.get("name") or f"object_{index}")
        fields = _fields(obj.get("properties"), index, issues)
        names = {f.name for f in fields}
        subject_key = custom.get("subjectKey")
        if subject_key is not None and subject_key not in names and len(objects) == 1:
            issues.add(
                ("customProperties", "subjectKey"),
                "the subject key is not a property",
                found=subject_key,
                expected="one of " + ", ".join(sorted(names)),
                rule="PM-CAT-010",
            )
        name = product_name if len(objects) == 1 else f"{product_name}__{slug(table) or index}"
        retention = _retention(data.get("slaProperties"), table, names, len(objects), issues)
        quality = _quality(obj, index)
        own = [i for i in issues.issues[start:] if not i.blocks]
        tables.append(
            DataProduct(
                id=f"{parsed.domain}.{name}",
                domain=parsed.domain,
                name=name,
                table=table,
                fields=fields,
                subject_key=subject_key if subject_key in names else None,
                retention=retention,
                quality=quality,
                issues=tuple(i for i in contract_level if not i.blocks) + tuple(own),
                **shared,
            )
        )
    return tables


OPERATORS = (
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
)


def _quality(obj: dict[str, Any], index: int) -> tuple[QualityRule, ...]:
    """The object's ODCS quality rules and those of its properties, in contract order."""
    places: list[tuple[str | None, str, Any]] = [
        (None, f"schema[{index}].quality", obj.get("quality"))
    ]
    for i, prop in enumerate(obj.get("properties") or []):
        if isinstance(prop, dict) and isinstance(prop.get("name"), str):
            places.append(
                (prop["name"], f"schema[{index}].properties[{i}].quality", prop.get("quality"))
            )
    rules: list[QualityRule] = []
    for column, base, items in places:
        for j, q in enumerate(items if isinstance(items, list) else []):
            if not isinstance(q, dict):
                continue
            operator = next((op for op in OPERATORS if op in q), None)
            metric = q.get("metric") or q.get("rule")  # `rule` is v3.0's name for the metric
            rule_type = q.get("type") or ("library" if metric else "text")
            rules.append(
                QualityRule(
                    odcs_type=str(rule_type),
                    column=column,
                    metric=str(metric) if metric else None,
                    operator=operator,
                    threshold=q.get(operator) if operator else None,
                    arguments=q.get("arguments") if isinstance(q.get("arguments"), dict) else {},
                    query=q.get("query"),
                    engine=q.get("engine"),
                    implementation=q.get("implementation"),
                    unit=q.get("unit"),
                    dimension=q.get("dimension"),
                    severity=q.get("severity"),
                    name=q.get("name"),
                    description=q.get("description"),
                    path=f"{base}[{j}]",
                )
            )
    return tuple(rules)


def _fields(props: Any, index: int, issues: _Collector) -> tuple[Field, ...]:
    if not isinstance(props, list):
        return ()
    out: list[Field] = []
    seen: set[str] = set()
    categories = fideslang_categories()
    for i, prop in enumerate(props):
        base: Path_ = ("schema", index, "properties", i)
        if not isinstance(prop, dict):
            continue
        name = prop.get("name")
        if not isinstance(name, str) or not COLUMN.match(name):
            issues.add(
                (*base, "name"),
                "a property name must be a plain identifier",
                found=name,
                expected="letters, digits and _ (no quotes, spaces or SQL)",
                rule="PM-CAT-021",
            )
            continue
        if name in seen:
            issues.add((*base, "name"), "duplicate property name", found=name, rule="PM-CAT-021")
        seen.add(name)
        cls = prop.get("classification")
        if cls is not None and cls not in CLASSIFICATIONS:
            issues.add(
                (*base, "classification"),
                "unknown classification",
                found=cls,
                expected="one of " + ", ".join(CLASSIFICATIONS),
                rule="PM-CAT-007",
            )
        custom = custom_properties(prop)
        category = custom.get("piiCategory")
        if category is not None and category not in categories:
            issues.add(
                (*base, "customProperties", "piiCategory"),
                "not a fideslang data-category key",
                found=category,
                expected="a key such as user.contact.email",
                rule="PM-CAT-008",
            )
        not_personal = custom.get("notPersonal")
        if not_personal is not None and (
            not isinstance(not_personal, str) or not not_personal.strip() or category is not None
        ):
            issues.add(
                (*base, "customProperties", "notPersonal"),
                "notPersonal takes the reason the field holds no personal data"
                + (", and excludes piiCategory" if category is not None else ""),
                found=not_personal,
                expected='a non-empty reason, e.g. "shared company mailboxes"',
                rule="PM-CAT-009",
            )
            not_personal = None
        if custom.get("classificationReviewed") in (False, "false"):
            issues.add(
                (*base, "customProperties", "classificationReviewed"),
                "proposed classification and piiCategory not reviewed",
                expected="classificationReviewed: true once the owner has checked them",
                rule="PM-CAT-016",
            )
        masking = custom.get("maskingRule")
        if masking is not None and masking not in MASKING_RULES:
            issues.add(
                (*base, "customProperties", "maskingRule"),
                "unknown masking rule",
                found=masking,
                expected="one of " + ", ".join(MASKING_RULES),
                rule="PM-CAT-009",
            )
        out.append(
            Field(
                name=name,
                logical_type=prop.get("logicalType"),
                physical_type=prop.get("physicalType"),
                classification=cls,
                pii_category=category,
                masking_rule=masking,
                not_personal=not_personal.strip() if not_personal else None,
                required=prop.get("required") is True,
                primary_key=prop.get("primaryKey") is True,
                description=prop.get("description"),
                tags=_strings(prop.get("tags")),
                sources=_strings(prop.get("transformSourceObjects")),
            )
        )
    return tuple(out)


def _server(servers: Any, file: Path, issues: _Collector, bounds: SourceBounds) -> Server | None:
    """The server privacymesh reads: the first local or DuckDB one, else the first of a type
    a connector reads (PostgreSQL, ...), else the first declared. Every local path and DuckDB
    file is confined, whichever is used."""
    from privacymesh.sources.registry import entry_for, is_known

    entries = [s for s in servers if isinstance(s, dict)] if isinstance(servers, list) else []
    chosen: Server | None = None

    def name_of(s: dict[str, Any]) -> str | None:
        return str(s["server"]) if isinstance(s.get("server"), str | int) else None

    for i, s in enumerate(entries):
        server_type = s.get("type")
        if server_type == "local":
            fmt = str(s.get("format", "parquet")).lower()
            path = _confined(s, i, "path", file, issues, bounds)
            # a table format (Delta, Iceberg) in a local folder is read by its connector
            if fmt not in FILE_FORMATS and entry_for("local", fmt) is None:
                issues.add(
                    ("servers", i, "format"),
                    "a file format privacymesh does not read",
                    found=fmt,
                    expected="parquet or csv",
                    rule="PM-CAT-013",
                )
            elif chosen is None or chosen.type not in READABLE_SERVERS:
                chosen = Server("local", fmt, path, name=name_of(s), options=dict(s))
        elif server_type == "duckdb":
            db = _confined(s, i, "database", file, issues, bounds)
            if chosen is None or chosen.type not in READABLE_SERVERS:
                chosen = Server(
                    "duckdb", None, None, db, s.get("schema"), name=name_of(s), options=dict(s)
                )
        elif chosen is None or (
            not is_known(chosen.type, chosen.format) and is_known(str(server_type), s.get("format"))
        ):
            fmt = s.get("format")
            chosen = Server(
                str(server_type),
                str(fmt).lower() if fmt else None,
                schema=s.get("schema") if isinstance(s.get("schema"), str) else None,
                name=name_of(s),
                options=dict(s),
            )
    if entries and (chosen is None or not is_known(chosen.type, chosen.format)):
        issues.add(
            ("servers",),
            "declared, not readable here: no server of a type privacymesh reads",
            found=", ".join(sorted({str(s.get("type")) for s in entries})),
            expected="a local (parquet/csv path), duckdb or postgres server",
            rule="PM-CAT-013",
        )
    return chosen


def _confined(
    server: dict[str, Any],
    index: int,
    key: str,
    file: Path,
    issues: _Collector,
    bounds: SourceBounds,
) -> Path | None:
    """The server's `path`/`database`, resolved, when it stays inside the workspace."""
    raw = server.get(key)
    name = server.get("server")
    try:
        return confine(str(raw or ""), file, name if isinstance(name, str) else None, bounds)
    except PathOutside as exc:
        issues.add(
            ("servers", index, key),
            f"server {key} not allowed: {exc}",
            found=raw,
            expected=bounds.describe(),
            rule="PM-CAT-020",
        )
        return None


def _retention(
    slas: Any, table: str, names: set[str], objects: int, issues: _Collector
) -> Retention | None:
    """The retention SLA that concerns this object (its element is `object.column`, or a bare
    column of a one-object contract)."""
    if not isinstance(slas, list):
        return None
    for i, sla in enumerate(slas):
        if not isinstance(sla, dict) or str(sla.get("property", "")).lower() != "retention":
            continue
        element = str(sla.get("element", ""))
        obj, _, column = element.rpartition(".")
        if objects > 1 and obj != table:
            continue  # another object's retention
        base: Path_ = ("slaProperties", i)
        value, unit = sla.get("value"), str(sla.get("unit", "d")).lower()
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            issues.add(
                (*base, "value"),
                "retention must be a positive number",
                found=value,
                rule="PM-CAT-011",
            )
            return None
        if unit not in RETENTION_UNITS:
            issues.add(
                (*base, "unit"),
                "unknown retention unit",
                found=unit,
                expected="d, m or y (days, months, years)",
                rule="PM-CAT-011",
            )
            return None
        if column not in names or (obj and obj != table):
            issues.add(
                (*base, "element"),
                "retention element is not a property of the object",
                found=element,
                expected=f"{table}.<date column>",
                rule="PM-CAT-011",
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


CHOICES = {
    "productKind": PRODUCT_KINDS,
    "processingMode": PROCESSING_MODES,
    "subjectKeyForm": SUBJECT_KEY_FORMS,
}


def _check_choice(issues: _Collector, path: Path_, value: Any) -> None:
    allowed = CHOICES[str(path[-1])]
    if value not in allowed:
        issues.add(
            path,
            "value not allowed",
            found=value,
            expected="one of " + ", ".join(allowed),
            rule="PM-CAT-009",
        )


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
