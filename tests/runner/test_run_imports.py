"""The core path does not import Great Expectations (nor pandas or scipy, which it brings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
{block}
from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace
ws = load_workspace(sys.argv[1])
{configure}
outcome = run_checks(ws, record=False, workers=1)
print(json.dumps({{
    "loaded": sorted(m for m in ("great_expectations", "pandas", "scipy") if m in sys.modules),
    "conformance": [(r.product, r.status, r.reason) for r in outcome.results
                    if r.check_id == "contract.conformance"],
    "results": len(outcome.results),
}}))
"""


def probe(workspace: Path, block: str = "", configure: str = "") -> dict:
    code = PROBE.format(block=block, configure=configure)
    done = subprocess.run(
        [sys.executable, "-c", code, str(workspace)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_whole_run_imports_no_gx(shop_workspace: Path) -> None:
    out = probe(shop_workspace)
    assert out["loaded"] == []
    assert out["results"] > 10
    assert [status for _, status, _ in out["conformance"]] == ["pass"] * 3


def test_the_gx_backend_without_gx_is_an_error_naming_the_extra(shop_workspace: Path) -> None:
    out = probe(
        shop_workspace,
        block='sys.modules["great_expectations"] = None',
        configure='ws.settings["checks"] = {"contract.conformance": {"backend": "gx"}}',
    )
    assert {status for _, status, _ in out["conformance"]} == {"error"}
    assert all("privacymesh[gx]" in reason for _, _, reason in out["conformance"])
