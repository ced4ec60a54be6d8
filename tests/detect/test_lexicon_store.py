"""Word lists kept on disk between processes: the stored list is the built one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from privacymesh.detect import lexicon


def _fresh(monkeypatch: pytest.MonkeyPatch, folder: Path):
    monkeypatch.setenv(lexicon.CACHE_ENV, str(folder))
    lexicon.street_suffixes.cache_clear()
    return lexicon.street_suffixes


def test_a_stored_list_reads_back_as_the_built_one(tmp_path, monkeypatch):
    built = _fresh(monkeypatch, tmp_path)()
    files = list(tmp_path.glob("lexicon-street_suffixes-*.txt"))
    assert len(files) == 1
    assert "Avenue" in built and "Rua" in built
    read = _fresh(monkeypatch, tmp_path)()
    assert read == built
    lexicon.street_suffixes.cache_clear()


def test_the_stored_file_is_what_a_new_process_reads(tmp_path, monkeypatch):
    built = _fresh(monkeypatch, tmp_path)()
    stored = next(tmp_path.glob("lexicon-street_suffixes-*.txt"))
    # a planted word shows the next process read the file instead of building the list
    stored.write_text(stored.read_text(encoding="utf-8") + "\nPlantedWord", encoding="utf-8")
    code = "from privacymesh.detect import lexicon; print(len(lexicon.street_suffixes()))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, lexicon.CACHE_ENV: str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(out.stdout) == len(built) + 1
    lexicon.street_suffixes.cache_clear()


def test_an_unwritable_cache_folder_only_costs_the_build(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    words = _fresh(monkeypatch, blocker / "cache")()
    assert "Avenue" in words
    lexicon.street_suffixes.cache_clear()
