"""The workspace's declared markets: national-format phone numbers read as those countries'
first, `markets = [...]` validated where the workspace is loaded, and passed to `scan`."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from detect.frames import scan
from privacymesh.cli import app
from privacymesh.detect import ScanOptions
from privacymesh.errors import WorkspaceError
from privacymesh.workspace import load_workspace

PHONE = "user.contact.phone_number"
# German landline and mobile numbers as Germans write them: trunk prefix 0, area code, number
GERMAN = [
    "030 8914177", "089 1317066", "040 1439150", "0221 180636", "069 4377835", "0160 5158683",
    "0151 2384471", "0170 9911023", "0176 4452810", "030 2261894", "089 5512078", "040 7781230",
]  # fmt: skip


def _phones(values: list[str], name: str, options: ScanOptions) -> set[str]:
    result = scan(pl.DataFrame({name: values * 3}), options=options)
    return set(result.column(name).category_keys())


def test_german_numbers_are_phones_in_a_german_market() -> None:
    # the German numbering plan accepts most digit runs, so validation alone tells little
    assert PHONE not in _phones(GERMAN, "kontakt", ScanOptions())
    assert PHONE in _phones(GERMAN, "kontakt", ScanOptions(markets=("DE",)))
    result = scan(pl.DataFrame({"kontakt": GERMAN * 3}), options=ScanOptions(markets=("DE",)))
    (hit,) = result.column("kontakt").categories
    assert "market: DE" in hit.reasons[0].raised_by


def test_a_market_elsewhere_does_not_make_german_numbers_phones() -> None:
    assert PHONE not in _phones(GERMAN, "kontakt", ScanOptions(markets=("FR",)))


def test_markets_come_first_among_the_regions() -> None:
    options = ScanOptions(markets=("se", "DE"))
    assert options.national_regions()[:3] == ("SE", "DE", "US")
    assert options.national_regions().count("DE") == 1


def _workspace(root: Path, markets: str) -> Path:
    (root / "privacymesh.toml").write_text(f'name = "w"\nmarkets = {markets}\n[engine]\n')
    return root


def test_markets_are_read_and_checked(tmp_path: Path) -> None:
    assert load_workspace(_workspace(tmp_path, '["de", "AT", "DE"]')).markets == ("DE", "AT")
    assert load_workspace(Path(__file__).parents[2]).markets == ()
    with pytest.raises(WorkspaceError) as err:
        load_workspace(_workspace(tmp_path, '["DE", "XX"]'))
    assert err.value.field == "markets[1]" and "XX" in str(err.value)
    assert err.value.file == tmp_path / "privacymesh.toml"
    with pytest.raises(WorkspaceError, match="list of country codes"):
        load_workspace(_workspace(tmp_path, '"DE"'))


def test_scan_refuses_an_unknown_market_in_one_line(shop_workspace: Path) -> None:
    file = shop_workspace / "privacymesh.toml"
    file.write_text('markets = ["Germany"]\n' + file.read_text())
    result = CliRunner().invoke(app, ["-w", str(shop_workspace), "scan", "shop.orders"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and re.search(r"markets\[0\].*Germany", lines[0])
    file.write_text(file.read_text().replace('["Germany"]', '["DE"]'))
    result = CliRunner().invoke(app, ["-w", str(shop_workspace), "scan", "shop.orders", "--json"])
    assert result.exit_code == 0, result.output
