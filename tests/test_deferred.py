"""Deferred imports, each in a fresh interpreter (sys.modules is process-wide)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path


def run_python(code: str, folder: Path) -> dict:  # type: ignore[type-arg]
    # a script file, not -c: pyspark, which GX imports when installed, exits a -c process
    script = folder / "probe.py"
    script.write_text(textwrap.dedent(code))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_deferred_module_loads_on_first_use(tmp_path: Path) -> None:
    result = run_python(
        """
        import json, sys
        from privacymesh.deferred import defer, is_loaded
        done = defer("colorsys", "no_such_module_here", "json")
        before = is_loaded("colorsys")
        import colorsys                      # an import statement does not load it
        after_import = is_loaded("colorsys")
        from colorsys import rgb_to_hsv      # a name from it does
        print(json.dumps({
            "done": done, "before": before, "after_import": after_import,
            "loaded": is_loaded("colorsys"), "hsv": rgb_to_hsv(1.0, 0.0, 0.0),
            "attr": colorsys.hls_to_rgb(0.0, 0.5, 1.0),
            "real_in_modules": type(sys.modules["colorsys"]).__name__,
        }))
        """,
        tmp_path,
    )
    # json was imported already and an unknown name cannot be: neither is deferred
    assert result["done"] == ["colorsys"]
    assert (result["before"], result["after_import"], result["loaded"]) == (False, False, True)
    assert result["hsv"] == [0.0, 1.0, 1.0]
    assert result["attr"] == [1.0, 0.0, 0.0]
    assert result["real_in_modules"] == "module"


def test_gx_validates_without_importing_what_it_does_not_use(shop_workspace: Path) -> None:
    result = run_python(
        f"""
        import json
        from pathlib import Path
        from privacymesh.deferred import is_loaded
        from privacymesh.runner import run_checks
        from privacymesh.workspace import load_workspace
        ws = load_workspace(Path({str(shop_workspace)!r}))
        outcome = run_checks(ws, ["contract.conformance"], record=False, workers=1)
        print(json.dumps({{
            "statuses": sorted((r.product, r.status) for r in outcome.results),
            "expectations": sum(r.values.get("expectations", 0) for r in outcome.results),
            "loaded": {{m: is_loaded(m) for m in ("great_expectations", "scipy.stats", "altair")}},
        }}))
        """,
        shop_workspace,
    )
    assert result["statuses"] == [
        ["shop.order_export", "pass"],
        ["shop.order_totals", "pass"],
        ["shop.orders", "pass"],
    ]
    assert result["expectations"] > 10
    assert result["loaded"] == {"great_expectations": True, "scipy.stats": False, "altair": False}
