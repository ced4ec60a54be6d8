"""One spelling in identifiers: names in the package, its tests and its benchmarks use American
spelling. Strings, comments and docstrings are free (the detector reads British column names)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BRITISH = re.compile(
    r"neighbour|licence|honour|organis|normalis|materialis|serialis|recognis|colour|behaviour"
    r"|favour|catalogue",
    re.IGNORECASE,
)


def british_names(text: str) -> set[str]:
    return {
        tok.string
        for tok in tokenize.generate_tokens(io.StringIO(text).readline)
        if tok.type == tokenize.NAME and BRITISH.search(tok.string)
    }


def test_the_check_sees_a_british_name_and_not_a_british_string() -> None:
    code = 'NEIGHBOURS = 2\nwords = {"licence", "organisation"}  # colour\n'
    assert british_names(code) == {"NEIGHBOURS"}


def test_identifiers_use_american_spelling() -> None:
    found = {
        f"{path.relative_to(ROOT)}: {name}"
        for folder in ("src", "tests", "benchmarks", "dashboards")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "data" not in path.relative_to(ROOT).parts
        for name in british_names(path.read_text())
    }
    assert not found, "British spelling in identifiers:\n" + "\n".join(sorted(found))
