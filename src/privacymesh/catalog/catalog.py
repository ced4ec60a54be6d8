"""The catalog: every contract under a folder, validated, with the lineage graph between them."""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from privacymesh.catalog.issues import ContractIssue
from privacymesh.catalog.model import DataProduct
from privacymesh.catalog.parse import ParsedContract, parse_contract
from privacymesh.catalog.server_paths import SourceBounds
from privacymesh.errors import ContractError
from privacymesh.workspace import Workspace

CONTRACT_GLOB = "*.odcs.yaml"


@dataclass
class Catalog:
    """Registered products (valid contracts) and the contracts that failed validation."""

    root: Path
    products: dict[str, DataProduct] = field(default_factory=dict)
    contracts: list[ParsedContract] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def issues(self) -> list[ContractIssue]:
        return [i for c in self.contracts for i in c.issues]

    @property
    def errors(self) -> list[ContractIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def invalid(self) -> list[ParsedContract]:
        """Contracts that did not validate: not registered, so never served or passed."""
        return [c for c in self.contracts if not c.ok]

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
        """Products filtered by id and domain (all when no filter is given)."""
        chosen = [self.get(p) for p in products] if products else list(self.products.values())
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
        catalog.contracts.append(parse_contract(file, bounds))
    catalog.fingerprint = digest.hexdigest()
    _register(catalog)
    return catalog


def _register(catalog: Catalog) -> None:
    """Cross-contract rules: unique ids and lineage that resolves. Valid contracts register."""
    first_file: dict[str, Path] = {}
    for contract in catalog.contracts:
        if contract.id is None:
            continue
        if contract.id in first_file:
            contract.issues.append(
                ContractIssue(
                    contract.file,
                    "id",
                    "duplicate contract id",
                    line=contract.lines.get(("id",)),
                    found=repr(contract.id),
                    expected=f"unique (also in {first_file[contract.id]})",
                )
            )
        else:
            first_file[contract.id] = contract.file

    ids = {c.id for c in catalog.contracts if c.id}
    built = {c.id: c.product for c in catalog.contracts if c.product is not None}
    for contract in catalog.contracts:
        product = contract.product
        if product is None:
            continue
        for i, f in enumerate(product.fields):
            for source in f.sources:
                parts = source.split(".")
                up_id = ".".join(parts[:2])
                upstream = built.get(up_id)
                exists = len(parts) in (2, 3) and up_id in ids
                if not exists or (len(parts) == 3 and upstream and not upstream.field(parts[2])):
                    path = ("schema", 0, "properties", i, "transformSourceObjects")
                    contract.issues.append(
                        ContractIssue(
                            contract.file,
                            f"schema[0].properties[{i}].transformSourceObjects",
                            "lineage input does not exist in the catalog",
                            line=contract.lines.get(path),
                            found=repr(source),
                            expected="<domain>.<product>[.<column>] of a registered product",
                        )
                    )
        if contract.ok:
            catalog.products[product.id] = product
        else:
            contract.product = None
