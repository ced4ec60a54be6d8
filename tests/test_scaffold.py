"""`privacymesh init`: a new workspace that loads, documents every setting, carries an example
contract that registers and passes the gate, and is never written over."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from privacymesh.catalog import load_catalog
from privacymesh.catalog.gate import evaluate_gate
from privacymesh.checks.catalog import load_check_catalog
from privacymesh.cli.app import app
from privacymesh.workspace import load_workspace

runner = CliRunner()
SRC = Path(__file__).resolve().parents[1] / "src" / "privacymesh"
EXAMPLE = Path("catalog/shop/customers.odcs.yaml.example")


def sections_the_code_reads() -> set[str]:
    """Every `[section]` of privacymesh.toml some module reads (`workspace.section("x")`,
    `settings.get("x")`, or the file's top-level tables in workspace.py)."""
    reads = re.compile(r"""\b(?:section|settings\.get)\(\s*["']([a-z_]+)["']""")
    top = re.compile(r"""\braw\.get\(\s*["']([a-z_]+)["']""")
    found = set(top.findall((SRC / "workspace.py").read_text("utf-8")))
    for path in SRC.rglob("*.py"):
        if path.parent.name == "sources":  # a source's own keys, inside [sources.NAME]
            continue
        found |= set(reads.findall(path.read_text("utf-8")))
    return found - {"name", "markets"}  # top-level keys, not tables


def test_top_level_keys_are_in_the_template(tmp_path: Path) -> None:
    runner.invoke(app, ["init", str(tmp_path)])
    text = (tmp_path / "privacymesh.toml").read_text()
    assert re.search(r"^# markets = \[\]", text, re.M)


def test_init_writes_a_workspace_that_loads(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "acme"), "--name", 'Acme "privacy"'])
    assert result.exit_code == 0, result.output
    root = tmp_path / "acme"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == [
        ".gitignore",
        "README.md",
        str(EXAMPLE),
        "evidence/README.md",
        "privacymesh.toml",
    ]
    ws = load_workspace(root)
    assert ws.name == "Acme privacy"
    assert ws.catalog == root / "catalog" and ws.platform == root / "platform"
    assert ws.check_folders == ()
    found = load_check_catalog(ws)
    assert len(found.disabled) == 14 and len(found.specs) == 9
    assert all(s.id.split(".")[0] in ("contract", "pii", "retention") for s in found.specs)
    assert load_catalog(ws.catalog, ws).products == {}
    assert "evidence/*" in (root / ".gitignore").read_text()
    readme = (root / "README.md").read_text()
    assert readme.startswith("# Acme privacy\n")
    assert "privacymesh gate" in readme and "privacymesh run" in readme
    assert "privacymesh pack" in readme


def test_every_section_the_code_reads_is_in_the_template(tmp_path: Path) -> None:
    runner.invoke(app, ["init", str(tmp_path)])
    text = (tmp_path / "privacymesh.toml").read_text()
    documented = set(re.findall(r"^#? ?\[([a-z_]+)", text, re.M))
    needed = sections_the_code_reads()
    assert {"paths", "engine", "run", "checks", "evidence", "principals"} <= needed
    assert needed <= documented, needed - documented


def test_the_example_contract_registers_and_passes_the_gate(tmp_path: Path) -> None:
    runner.invoke(app, ["init", str(tmp_path)])
    contract = tmp_path / "catalog" / "shop" / "customers.odcs.yaml"
    shutil.copy(tmp_path / EXAMPLE, contract)
    catalog = load_catalog(tmp_path / "catalog", load_workspace(tmp_path))
    assert [c.issues for c in catalog.contracts] == [[]]
    product = catalog.get("shop.customers")
    assert product.subject_key == "customer_id"
    assert product.retention is not None and product.retention.days == 730
    assert [f.name for f in product.personal_fields] == ["customer_id", "email", "country"]
    assert evaluate_gate(product).reasons == ()
    result = runner.invoke(app, ["-w", str(tmp_path), "gate", str(contract)])
    assert result.exit_code == 0 and "passes all" in result.output


def test_init_refuses_an_existing_workspace(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    toml = tmp_path / "privacymesh.toml"
    toml.write_text('name = "mine"\n')
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "a workspace is already here" in result.output
    assert toml.read_text() == 'name = "mine"\n'


def test_init_writes_nothing_over_a_file_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("ours\n")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2 and "README.md already exists" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]
    assert (tmp_path / "README.md").read_text() == "ours\n"
