"""The wheel on its own: build it, install it into a fresh virtual environment outside the
repository, and in an empty folder start a workspace, register a product from a Parquet file,
run the checks, build the pack and open the dashboard in a browser, with nothing from the
repository on the path.

Fast and offline: the wheel is built with the test's own setuptools (`--no-build-isolation`,
`--no-index`), and the new environment gets no packages of its own but the wheel
(`--no-deps`). Its dependencies come from the environment running the tests, through a `.pth`
file listing that environment's site-packages: Python adds the folder to `sys.path` after the
new environment's own, and does not read the `.pth` files inside it, so the repository's
editable install there stays out of reach."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from privacymesh.packs.pdf import find_chromium

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "src", "checks", "reports", "dashboards")
CHROMIUM = find_chromium() or "/usr/bin/chromium"

pytestmark = pytest.mark.slow


STEPS: list[tuple[str, float]] = []
"""Seconds per command, printed at the end (pytest -s) to see where the time goes."""


def run(argv: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> str:
    started = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    STEPS.append((" ".join(Path(a).name for a in argv[:3]), time.monotonic() - started))
    assert done.returncode in ok, f"{argv} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding the privacymesh wheel built from this checkout."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
            shutil.copytree(REPO / name, source / name, ignore=ignore)
        else:
            shutil.copy2(REPO / name, source / name)
    env = clean_env()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(base / "dist"),
         str(source)], base, env)  # fmt: skip
    (wheel,) = (base / "dist").glob("privacymesh-*.whl")
    target = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(target)], base, env)
    python = target / "bin" / "python"
    run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], base, env
    )
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(run([str(python), "-c", purelib], base, env).strip())
    (site / "shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return target


def clean_env() -> dict[str, str]:
    """This environment without what points at the checkout (the tests run with src on
    PYTHONPATH) or at another workspace."""
    drop = ("PYTHONPATH", "PRIVACYMESH_WORKSPACE", "VIRTUAL_ENV", "PYTHONHOME")
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_the_wheel_carries_the_content(venv: Path) -> None:
    probe = (
        "import json, sys, privacymesh\n"
        "from privacymesh.content import builtin_folder\n"
        "from privacymesh.detect.lexicon import IPADIC_NAMES\n"
        "print(json.dumps({'file': privacymesh.__file__, 'path': sys.path,"
        " 'ipadic': [str(IPADIC_NAMES), IPADIC_NAMES.stat().st_size],"
        " 'checks': str(builtin_folder('checks')), 'reports': str(builtin_folder('reports')),"
        " 'dashboards': str(builtin_folder('dashboards'))}))"
    )
    found = json.loads(run([str(venv / "bin" / "python"), "-c", probe], venv, clean_env()))
    assert Path(found["file"]).is_relative_to(venv)
    # the detector's shipped word file, and the licence it comes with
    ipadic, size = Path(found["ipadic"][0]), found["ipadic"][1]
    assert (
        ipadic.is_relative_to(venv)
        and size == (REPO / "src" / ipadic.relative_to(ipadic.parents[3])).stat().st_size
    )
    assert (ipadic.parent / "IPADIC-LICENSE.txt").is_file()
    for name in ("checks", "reports", "dashboards"):
        folder = Path(found[name])
        assert folder.is_relative_to(venv) and folder.name == name
        assert sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".py")) == sorted(
            p.name for p in (REPO / name).iterdir() if p.suffix in (".yaml", ".py")
        )
    # nothing on the path holds privacymesh but the new environment
    holders = [p for p in found["path"] if p and (Path(p) / "privacymesh").exists()]
    assert len(holders) == 1 and Path(holders[0]).is_relative_to(venv)
    # and nothing of the repository, apart from the environment that lends the dependencies
    # (in CI that environment is the repository's own .venv)
    lent = Path(sys.prefix).resolve()
    assert not any(
        Path(p).resolve().is_relative_to(REPO) and not Path(p).resolve().is_relative_to(lent)
        for p in found["path"]
        if p
    )


def fill_gate_fields(path: Path) -> None:
    """What the owner adds to the draft before the product may serve: an owner, the retention,
    every classification reviewed (the draft's proposals kept), the draft mark removed."""
    contract = yaml.safe_load(path.read_text())
    contract["status"] = "active"
    contract["team"]["members"] = [{"username": "owner@example.com", "role": "owner"}]
    contract["slaProperties"][0]["value"] = 365
    contract["customProperties"] = [
        c for c in contract["customProperties"] if c["property"] != "draft"
    ]
    for prop in contract["schema"][0]["properties"]:
        for custom in prop.get("customProperties", []):
            if custom["property"] == "classificationReviewed":
                custom["value"] = True
    path.write_text(yaml.safe_dump(contract, sort_keys=False))


def write_products(root: Path) -> None:
    """40 customers with synthetic addresses; the first 3 signed up past the retention."""
    now = datetime.now().replace(microsecond=0)
    folder = root / "data" / "shop"
    folder.mkdir(parents=True)
    pl.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(40)],
            "email": [f"customer{i}@example.org" for i in range(40)],
            "plan": ["free", "pro"] * 20,
            "signed_up_at": [now - timedelta(days=400 if i < 3 else i) for i in range(40)],
        }
    ).write_parquet(folder / "customers.parquet")


def test_a_workspace_from_the_wheel_alone(venv: Path, tmp_path: Path) -> None:
    env = clean_env()
    cli = [str(venv / "bin" / "privacymesh")]
    here = tmp_path / "empty"
    here.mkdir()
    run([*cli, "init", "acme"], here, env)
    root = here / "acme"
    write_products(root)
    contract = root / "catalog" / "shop" / "customers.odcs.yaml"
    run(
        [*cli, "contract", "draft", "data/shop/customers.parquet", "--domain", "shop",
         "--product", "customers", "--out", str(contract)],
        root, env,
    )  # fmt: skip
    drafted = yaml.safe_load(contract.read_text())
    categories = {
        p["name"]: c["value"]
        for p in drafted["schema"][0]["properties"]
        for c in p.get("customProperties", [])
        if c["property"] == "piiCategory"
    }
    assert categories.get("email") == "user.contact.email"
    blocked = run([*cli, "gate", str(contract)], root, env, ok=(1,))
    for rule in ("PM-CAT-001", "PM-CAT-006", "PM-CAT-016"):
        assert rule in blocked
    fill_gate_fields(contract)
    assert "passes all" in run([*cli, "gate", str(contract)], root, env)

    run([*cli, "run"], root, env, ok=(0, 1))
    with duckdb.connect(str(root / "evidence" / "ledger.duckdb"), read_only=True) as con:
        results = dict(
            con.execute(
                "SELECT check_id, status || ':' || coalesce(exceptions, -1) FROM results"
            ).fetchall()
        )
    assert results["retention.expired_rows"] == "fail:3"
    assert results["contract.gate"].startswith("pass")
    assert results["pii.undeclared"] == "pass:0"
    assert not any(k.split(".")[0] in ("consent", "dsar", "rotation", "cost") for k in results)
    run([*cli, "evidence", "verify"], root, env)

    run([*cli, "pack", "--no-pdf"], root, env)
    (pack,) = (root / "evidence" / "packs").glob("*/v1")
    assert (pack / "index.html").is_file() and (pack / "oscal").is_dir()
    assert "retention.expired_rows" in (pack / "index.html").read_text()
    run([*cli, "pack", "verify", str(pack)], root, env)

    if not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None:
        pytest.skip("the dashboard step needs Debian's chromium and playwright")
    started = time.monotonic()
    open_dashboard(cli, root, env)
    STEPS.append(("dashboard in a browser", time.monotonic() - started))
    print("\n".join(f"{seconds:6.1f} s  {step}" for step, seconds in STEPS))


def open_dashboard(cli: list[str], root: Path, env: dict[str, str]) -> None:
    """`privacymesh dashboard` from the wheel, started in the workspace, its overview opened
    in headless Chromium."""
    sys.path.insert(0, str(REPO / "tests" / "dashboard"))
    try:
        from dashboard_server import CHART, browser, free_port, serving
    finally:
        sys.path.remove(str(REPO / "tests" / "dashboard"))
    port = free_port()
    command = [*cli, "dashboard", "--port", str(port), "--address", "127.0.0.1"]
    here = Path.cwd()
    os.chdir(root)  # the server starts here: it finds the workspace as a user's would
    try:
        with serving(command, env, f"http://127.0.0.1:{port}", 60) as url, browser() as chromium:
            page = chromium.new_page(viewport={"width": 1400, "height": 1600})
            page.goto(url)
            page.wait_for_selector(CHART["overview"], timeout=60_000)
            page.wait_for_selector("[data-testid=stMetric]", timeout=30_000)
            assert page.locator("[data-testid=stException]").count() == 0
            assert page.get_by_text("shop").count() >= 1
    finally:
        os.chdir(here)
