"""`make demo` installs only what the demo needs (the dashboard and PDF extras); `make test`
installs every extra a test reads."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def recipes() -> dict[str, tuple[list[str], list[str]]]:
    """target -> (prerequisites, recipe lines), for the Makefile's rules."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    current: str | None = None
    for line in (REPO / "Makefile").read_text().splitlines():
        rule = re.match(r"^([^\s:#=]+):([^=].*)?$", line)
        if rule:
            current = rule.group(1)
            rules[current] = ((rule.group(2) or "").replace("|", " ").split(), [])
        elif line.startswith("\t") and current:
            rules[current][1].append(line.strip())
    return rules


def installs(lines: list[str]) -> list[str]:
    return [m for line in lines for m in re.findall(r'install --quiet -e "\.\[([^\]]*)\]"', line)]


def test_demo_installs_the_dashboard_and_pdf_extras_only() -> None:
    rules = recipes()
    assert rules["demo"][0] == ["$(DEMO_INSTALLED)"]
    assert installs(rules["$(DEMO_INSTALLED)"][1]) == ["dashboard,pdf"]


def test_test_installs_every_extra_but_the_benchmarks() -> None:
    rules = recipes()
    assert rules["test"][0] == ["$(INSTALLED)"]
    assert installs(rules["$(INSTALLED)"][1]) == ["test"]
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    named = {
        name
        for dep in extras["test"]
        for group in re.findall(r"^privacymesh\[([^\]]+)\]", dep)
        for name in group.split(",")
    }
    # bench serves the benchmarks only; dev is test and bench together
    assert named == set(extras) - {"test", "bench", "dev"}
