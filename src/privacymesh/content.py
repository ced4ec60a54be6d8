"""Where the built-in content lives: the check catalog (`checks/`), the pack and report
templates (`reports/`) and the dashboard (`dashboards/`).

The repository's top-level folders are the only copy. A wheel carries them as
`privacymesh/_content/<name>` (mapped there at build time, see setup.py); a source checkout or
an editable install reads the top-level folders themselves, so an edit there is seen at once."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

from privacymesh.errors import WorkspaceError

ContentName = Literal["checks", "reports", "dashboards"]
CONTENT: tuple[ContentName, ...] = ("checks", "reports", "dashboards")
PACKAGED = "_content"


def builtin_folder(name: ContentName) -> Path:
    """The folder holding the built-in `name` content: packaged in the wheel, else the source
    checkout's top-level folder (`src/privacymesh` -> the repository root)."""
    if name not in CONTENT:
        raise ValueError(f"unknown content {name!r}")
    packaged = files("privacymesh").joinpath(PACKAGED, name)
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise WorkspaceError(
        f"the built-in {name}/ folder is missing from this installation",
        file=str(packaged),
        hint="reinstall privacymesh (pip install --force-reinstall privacymesh)",
    )


def is_builtin(folder: Path, name: ContentName) -> bool:
    """Whether `folder` is the built-in `name` folder (the reference workspace at the
    repository root names it in its own privacymesh.toml)."""
    try:
        return folder.resolve() == builtin_folder(name).resolve()
    except WorkspaceError:
        return False
