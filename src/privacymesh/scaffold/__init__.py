"""`privacymesh init`: a new workspace from the templates beside this module: a commented
privacymesh.toml, an empty catalog with one annotated example contract, the evidence folder, a
.gitignore and a README with the next commands."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from privacymesh.errors import WorkspaceError
from privacymesh.workspace import WORKSPACE_FILE

# template file -> where it goes in the workspace
LAYOUT = {
    "privacymesh.toml": WORKSPACE_FILE,
    "README.md": "README.md",
    "gitignore": ".gitignore",
    "evidence-README.md": "evidence/README.md",
    "customers.odcs.yaml.example": "catalog/shop/customers.odcs.yaml.example",
}
FOLDERS = ("catalog", "platform", "evidence")
FILLED = ("privacymesh.toml", "README.md")  # templates with {name} to fill in


def init_workspace(folder: Path, name: str | None = None) -> list[Path]:
    """Write a new workspace into `folder` (made when missing) and return the files written.
    Refuses, writing nothing, when `folder` already holds a workspace or any of those files."""
    folder = folder.resolve()
    if (folder / WORKSPACE_FILE).exists():
        raise WorkspaceError(
            "a workspace is already here, nothing written",
            file=folder / WORKSPACE_FILE,
            hint="init writes a new workspace only; edit the existing privacymesh.toml",
        )
    taken = [target for target in LAYOUT.values() if (folder / target).exists()]
    if taken:
        raise WorkspaceError(
            f"{taken[0]} already exists, nothing written",
            file=folder / taken[0],
            hint="init a new or empty folder",
        )
    if folder.exists() and not folder.is_dir():
        raise WorkspaceError("not a folder", file=folder)
    label = name or folder.name
    templates = files(__name__)
    written = []
    for sub in FOLDERS:
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for template, target in LAYOUT.items():
        text = templates.joinpath(template).read_text("utf-8")
        if template in FILLED:
            text = text.replace("{{", "{").replace("}}", "}").replace("{name}", _toml_text(label))
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written.append(path)
    return written


def _toml_text(value: str) -> str:
    """`value` safe inside a TOML basic string (and a Markdown heading)."""
    return "".join(c for c in value if c.isprintable() and c not in '"\\')
