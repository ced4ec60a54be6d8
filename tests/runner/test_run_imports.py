"""The core path does not import Great Expectations (nor pandas or scipy, which it brings)."""

from __future__ import annotations

import json
import os
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


# Loaded in every Python process started with it on the path (the run's workers too): notes
# which process executes a watched module (a mere probe for one, as polars makes, is no import).
WATCH = """
import os, sys
WATCHED = ("great_expectations", "pandas", "scipy", "privacymesh.detect", "privacymesh.checks",
           "duckdb")
class _Watch:
    def find_spec(self, name, path=None, target=None):
        if name not in WATCHED:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                run = spec.loader.exec_module
                def exec_module(module, run=run):
                    with open(os.environ["PRIVACYMESH_IMPORT_LOG"], "a") as log:
                        log.write(f"{os.getpid()} {name}\\n")
                    run(module)
                spec.loader.exec_module = exec_module
                return spec
        return None
sys.meta_path.insert(0, _Watch())
"""


RUN = ("--no-record", "--workers", "2")


def test_privacymesh_run_imports_no_gx_in_any_of_its_processes(
    shop_workspace: Path, tmp_path: Path
) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(WATCH)
    log = tmp_path / "imports.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]),
        "PRIVACYMESH_IMPORT_LOG": str(log),
    }
    done = subprocess.run(
        [sys.executable, "-m", "privacymesh.cli", "-w", str(shop_workspace), "run", *RUN],
        env=env,
        capture_output=True,
        text=True,
    )
    # the shop has no platform tables: its mesh-wide checks are errors (exit 2), still a run
    assert " results: " in done.stdout, done.stderr[-2000:]
    seen: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        pid, name = line.split()
        seen.setdefault(name, set()).add(pid)
    # the watch saw the run and its detector workers: three processes load the detector
    detector = seen.pop("privacymesh.detect")
    assert len(detector) == 3
    # only the run loads the checks and DuckDB: a worker imports the detector's half alone
    run = seen.pop("privacymesh.checks")
    assert len(run) == 1 and run < detector
    assert seen.pop("duckdb") == run
    assert seen == {}
