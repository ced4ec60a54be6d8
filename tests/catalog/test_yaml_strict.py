"""Contracts parse as strict YAML 1.2: duplicate keys are errors naming both lines, and YAML 1.1
traps (dates, NO/on/yes, leading-zero numbers) keep the value as written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from privacymesh.catalog import parse_contract
from privacymesh.catalog.yaml_lines import MAX_VALUES, YamlSyntaxError, load_with_lines

GOOD = Path(__file__).parent / "contracts" / "good" / "shop.orders.odcs.yaml"
EMAIL = "      - name: email\n        logicalType: string\n        classification: restricted\n"


def _mutated(tmp_path: Path, old: str, new: str) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    folder = tmp_path / "contracts"
    folder.mkdir(exist_ok=True)
    file = folder / GOOD.name
    text = GOOD.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))
    return file


def test_yaml_12_scalars() -> None:
    data, lines = load_with_lines(
        "a: 2024-01-31\nb: NO\nc: on\nd: yes\ne: 0755\nf: 0o17\ng: 12\nh: 1.5\ni: true\n"
        "j: ~\nk: '12'\nl: !!str 7\nm: 1_000\nn: 0x1F\no: False\n"
    )
    assert data == {
        "a": "2024-01-31",
        "b": "NO",
        "c": "on",
        "d": "yes",
        "e": "0755",
        "f": 15,
        "g": 12,
        "h": 1.5,
        "i": True,
        "j": None,
        "k": "12",
        "l": "7",
        "m": "1_000",
        "n": 31,
        "o": False,
    }
    assert lines[("e",)] == 5


def test_duplicate_key_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    file = _mutated(tmp_path, EMAIL, EMAIL + "        classification: public\n")
    (issue,) = parse_contract(file).issues
    assert issue.line == 44
    assert issue.field == "schema[0].properties[2].classification"
    assert "duplicate key 'classification' (first at line 43, again at line 44)" in issue.message


def test_duplicate_top_level_key(tmp_path: Path) -> None:
    file = _mutated(tmp_path, "status: active\n", "status: active\nstatus: retired\n")
    (issue,) = parse_contract(file).issues
    assert (issue.line, issue.field) == (7, "status")


def test_unquoted_date_in_examples_stays_a_string(tmp_path: Path) -> None:
    prop = "      - {name: ordered_at, logicalType: timestamp, classification: internal}"
    file = _mutated(
        tmp_path,
        prop,
        "      - name: ordered_at\n        logicalType: date\n        classification: internal\n"
        "        examples: [2024-01-31, 2024-02-29]",
    )
    parsed = parse_contract(file)
    assert parsed.issues == []
    assert parsed.data is not None
    assert parsed.data["schema"][0]["properties"][4]["examples"] == ["2024-01-31", "2024-02-29"]


def test_country_code_no_stays_no(tmp_path: Path) -> None:
    file = _mutated(
        tmp_path,
        "  - {name: amount, logicalType: number, classification: internal}",
        "  - {name: amount, logicalType: number, classification: internal,"
        " examples: [NO, on, 0755]}",
    )
    parsed = parse_contract(file)
    assert parsed.issues == []
    assert parsed.data is not None
    assert parsed.data["schema"][0]["properties"][3]["examples"] == ["NO", "on", "0755"]


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        # a bare YAML 1.1 boolean where ODCS wants a boolean is text under YAML 1.2
        ("primaryKey: true}", "primaryKey: yes}", 35, "schema[0].properties[0].primaryKey"),
        # a number where ODCS wants a string: the schema names the line
        ("version: 1.0.0", "version: 1.0", 5, "version"),
    ],
)
def test_yaml_11_habits_give_one_schema_error_at_the_line(
    tmp_path: Path, old: str, new: str, line: int, field: str
) -> None:
    (issue,) = parse_contract(_mutated(tmp_path, old, new)).issues
    assert (issue.line, issue.field, issue.message) == (line, field, "wrong type")


def test_billion_laughs_is_refused() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 8):
        text += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    with pytest.raises(YamlSyntaxError) as info:
        load_with_lines(text)
    assert f"more than {MAX_VALUES} values" in info.value.message


def test_malformed_yaml_keeps_file_and_line(tmp_path: Path) -> None:
    shutil.copy(GOOD, tmp_path / "x.odcs.yaml")
    file = tmp_path / "x.odcs.yaml"
    file.write_text(file.read_text().replace("status: active", "status: [active"))
    (issue,) = parse_contract(file).issues
    assert issue.message.startswith("malformed YAML")
    assert issue.line is not None and issue.line >= 6


def test_pure_and_libyaml_parsers_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    from privacymesh.catalog import yaml_lines

    text = GOOD.read_text() + "extra: [2024-01-31, NO, 0755, on, 1.5, ~, !!str 3]\n"
    fast = load_with_lines(text)
    monkeypatch.setattr(yaml_lines, "_CLoader", None)
    assert load_with_lines(text) == fast
    with pytest.raises(YamlSyntaxError) as info:
        load_with_lines("a: 1\nb: 2\na: 3\n")
    assert (info.value.line, info.value.path) == (3, ("a",))
