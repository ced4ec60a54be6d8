"""The catalog: every contract under a folder, validated, with the lineage graph between them."""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

from privacymesh.catalog.issues import ContractIssue
from privacymesh.catalog.model import DataProduct
from privacymesh.catalog.parse import ParsedContract, parse_contract
from privacymesh.catalog.rules import RULES
from privacymesh.catalog.server_paths import SourceBounds
from privacymesh.catalog.yaml_lines import Path_, format_path, line_for
from privacymesh.errors import ContractError
from privacymesh.workspace import Workspace

CONTRACT_GLOB = "*.odcs.yaml"


@dataclass
class Catalog:
    """Registered tables (`products`, one per schema object of a registered contract), every
    contract read, and the issues found. A contract registers when it is valid ODCS and
    privacymesh can address its data safely; privacy rules are judged by the gate."""

    root: Path
    products: dict[str, DataProduct] = field(default_factory=dict)
    contracts: list[ParsedContract] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def issues(self) -> list[ContractIssue]:
        return [i for c in self.contracts for i in c.issues]

    @property
    def errors(self) -> list[ContractIssue]:
        """Issues that stop a contract registering."""
        return [i for i in self.issues if i.blocks]

    @property
    def findings(self) -> list[ContractIssue]:
        """privacymesh rule issues of registered contracts, for the gate to judge."""
        return [i for i in self.issues if not i.blocks]

    @property
    def registered(self) -> list[ParsedContract]:
        """Contracts that registered, with or without tables (no schema: metadata only)."""
        return [c for c in self.contracts if c.ok]

    @property
    def invalid(self) -> list[ParsedContract]:
        """Contracts that did not register, so are never served or passed."""
        return [c for c in self.contracts if not c.ok]

    def tables_of(self, address: str) -> list[DataProduct]:
        """The registered tables of one product address `domain.product`."""
        return [p for p in self.products.values() if p.product == address]

    @property
    def domains(self) -> list[str]:
        return sorted({p.domain for p in self.products.values()})

    def get(self, product_id: str) -> DataProduct:
        try:
            return self.products[product_id]
        except KeyError:
            close = [p for p in self.products if product_id in p]
            raise ContractError(
                f"unknown product {product_id!r}",
                file=self.root,
                hint=f"did you mean {', '.join(close[:3])}?"
                if close
                else "`privacymesh catalog list` shows the registered products",
            ) from None

    def select(
        self,
        products: list[str] | None = None,
        domains: list[str] | None = None,
    ) -> list[DataProduct]:
        """Products filtered by id and domain (all when no filter is given). A product address
        `domain.product` of a contract with several objects selects all its tables."""
        chosen = (
            [t for p in products for t in (self.tables_of(p) or [self.get(p)])]
            if products
            else list(self.products.values())
        )
        if domains:
            unknown = set(domains) - set(self.domains)
            if unknown:
                raise ContractError(
                    f"unknown domain(s): {', '.join(sorted(unknown))}",
                    hint="domains are " + ", ".join(self.domains),
                )
            chosen = [p for p in chosen if p.domain in domains]
        return sorted(chosen, key=lambda p: p.id)

    def upstream(self, product_id: str, transitive: bool = True) -> list[str]:
        """Products this one reads from (all ancestors when transitive)."""
        return self._walk(
            product_id,
            lambda p: self.products[p].upstream if p in self.products else (),
            transitive,
        )

    def downstream(self, product_id: str, transitive: bool = True) -> list[str]:
        """Products that read from this one (all descendants when transitive)."""
        consumers: dict[str, set[str]] = {}
        for p in self.products.values():
            for up in p.upstream:
                consumers.setdefault(up, set()).add(p.id)
        return self._walk(product_id, lambda p: sorted(consumers.get(p, ())), transitive)

    def _walk(self, start: str, step, transitive: bool) -> list[str]:  # type: ignore[no-untyped-def]
        self.get(start)
        seen: list[str] = []
        queue = deque(step(start))
        while queue:
            node = queue.popleft()
            if node in seen or node == start:
                continue
            seen.append(node)
            if transitive:
                queue.extend(step(node))
        return seen


def load_catalog(root: Path | str, workspace: Workspace | None = None) -> Catalog:
    """Load and validate every `*.odcs.yaml` under `root`. Never raises on a bad contract: its
    issues are collected and the others still load. Server paths must stay inside `workspace`
    (default: the workspace `root` lies in; see `server_paths`)."""
    root = Path(root)
    if not root.is_dir():
        raise ContractError(
            "catalog folder not found",
            file=root,
            hint="run `privacymesh sample` or set paths.catalog in privacymesh.toml",
        )
    bounds = SourceBounds.for_workspace(workspace, root) if workspace else SourceBounds.around(root)
    files = sorted(root.rglob(CONTRACT_GLOB))
    catalog = Catalog(root=root)
    digest = hashlib.sha256()
    for file in files:
        digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
        # the first folder under the catalog root is the domain of a contract that names none
        parts = file.relative_to(root).parts
        folder = parts[0] if len(parts) > 1 else root.name
        catalog.contracts.append(parse_contract(file, bounds, folder))
    catalog.fingerprint = digest.hexdigest()
    _register(catalog)
    return catalog


def _register(catalog: Catalog) -> None:
    """Cross-contract rules: ids, addresses and lineage. Contracts that pass register."""
    first_id: dict[str, Path] = {}
    first_table: dict[str, Path] = {}
    for contract in catalog.contracts:
        if contract.id is not None:
            if contract.id in first_id:
                contract.issues.append(
                    _issue(
                        contract,
                        ("id",),
                        "the contract id is used by another contract",
                        found=repr(contract.id),
                        expected=f"unique (also in {first_id[contract.id]})",
                        rule="PM-CAT-014",
                    )
                )
            else:
                first_id[contract.id] = contract.file
        if not contract.ok:
            continue
        for table in contract.products:
            if table.id in first_table:
                contract.issues.append(
                    _issue(
                        contract,
                        ("dataProduct",)
                        if contract.data and "dataProduct" in contract.data
                        else (),
                        "another contract registers the same table address",
                        found=repr(table.id),
                        expected=f"a unique domain.product (also in {first_table[table.id]})",
                        rule="PM-CAT-022",
                    )
                )
                break
        else:
            for table in contract.products:
                first_table[table.id] = contract.file

    built = {p.id: p for c in catalog.contracts if c.ok for p in c.products}
    for contract in catalog.contracts:
        if not contract.ok:
            contract.products = []
            continue
        tables = []
        for index, product in enumerate(contract.products):
            lineage = _lineage_issues(contract, index, product, built)
            if lineage:
                contract.issues.extend(lineage)
                product = replace(product, issues=product.issues + tuple(lineage))
            tables.append(product)
            catalog.products[product.id] = product
        contract.products = tables


def _lineage_issues(
    contract: ParsedContract, index: int, product: DataProduct, built: dict[str, DataProduct]
) -> list[ContractIssue]:
    """PM-CAT-012: every `transformSourceObjects` entry names a registered table (and column)."""
    out = []
    props = (contract.data or {}).get("schema", [])[index].get("properties") or []
    positions = {p.get("name"): i for i, p in enumerate(props) if isinstance(p, dict)}
    for f in product.fields:
        for source in f.sources:
            parts = source.split(".")
            upstream = built.get(".".join(parts[:2]))
            if upstream is None or (len(parts) == 3 and not upstream.field(parts[2])):
                i = positions.get(f.name, 0)
                out.append(
                    _issue(
                        contract,
                        ("schema", index, "properties", i, "transformSourceObjects"),
                        "lineage input does not exist in the catalog",
                        found=repr(source),
                        expected="<domain>.<product>[.<column>] of a registered product",
                        rule="PM-CAT-012",
                    )
                )
    return out


def _issue(contract: ParsedContract, path: Path_, message: str, **kw: str) -> ContractIssue:
    rule = RULES[kw.pop("rule")]
    return ContractIssue(
        contract.file,
        format_path(path),
        message,
        line=line_for(contract.lines, path),
        severity=rule.severity,
        rule=rule.id,
        blocks=rule.blocks,
        **kw,
    )
