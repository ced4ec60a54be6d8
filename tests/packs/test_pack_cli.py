"""`privacymesh pack`: builds from the workspace, clear errors and exit code 2 on bad input."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from privacymesh.cli.pack import pack_app
from privacymesh.workspace import Workspace


def test_pack_command_builds_a_domain_pack(pack_ws: Workspace, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(pack_ws.root)
    out = tmp_path / "crm-pack"
    runner = CliRunner()
    done = runner.invoke(
        pack_app,
        ["--from", "2026-07-01", "--to", "2026-09-30", "--domain", "crm", "--no-pdf", "--out",
         str(out)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "pack written" in done.output and "no PDF" in done.output
    matrix = (out / "data" / "control_matrix.csv").read_text()
    domains = {line.split(",")[7] for line in matrix.splitlines()[1:] if line.count(",") > 8}
    assert (out / "manifest.json").is_file() and not (out / "index.pdf").exists()
    assert "crm" in matrix and "logistics" not in matrix, domains
    ropa = (out / "data" / "ropa.csv").read_text()
    assert "crm.customers" in ropa and "identity.users" not in ropa
    assert runner.invoke(pack_app, ["verify", str(out)]).exit_code == 0


def test_pack_command_errors(pack_ws: Workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(pack_ws.root)
    runner = CliRunner()
    empty = runner.invoke(pack_app, ["--period", "2025-Q1", "--no-pdf"])
    assert empty.exit_code == 2
    assert "no run's reference time falls in 2025-Q1" in " ".join(empty.output.split())
    bad = runner.invoke(pack_app, ["--period", "third quarter"])
    assert bad.exit_code == 2 and "cannot read the period" in bad.output
    unknown = runner.invoke(pack_app, ["--period", "2026-Q3", "--domain", "nowhere"])
    assert unknown.exit_code == 2 and "unknown domain" in unknown.output


def test_an_existing_folder_that_is_not_a_pack_is_left_alone(
    pack_ws: Workspace, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(pack_ws.root)
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("precious")
    done = CliRunner().invoke(pack_app, ["--period", "2026-Q3", "--no-pdf", "--out", str(keep)])
    assert done.exit_code == 2 and "not a pack" in done.output
    assert (keep / "notes.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
