"""Issue 8, defect 12: installing prints no setuptools warning about unlisted packages.

setuptools warns ("Package 'prompts.en' is absent from the `packages` configuration") for
every folder inside a listed package that Python could import (a name that is an
identifier) and that holds files to install, unless the folder is listed as a package.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
PACKAGES = set(CONFIG["packages"])
DATA = CONFIG.get("package-data", {})


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_file() and p.suffix not in (".pyc",)]


def test_every_importable_folder_with_files_is_a_listed_package():
    unlisted = []
    for package in PACKAGES:
        for folder in (ROOT / package.replace(".", "/")).rglob("*"):
            if not folder.is_dir() or folder.name == "__pycache__" or not folder.name.isidentifier():
                continue
            name = ".".join(folder.relative_to(ROOT).parts)
            if _files(folder) and name not in PACKAGES:
                unlisted.append(name)
    assert unlisted == []


def test_every_prompt_and_label_file_is_package_data():
    for lang in ("en", "zh"):
        folder = ROOT / "prompts" / lang
        patterns = DATA.get(f"prompts.{lang}", [])
        missing = [p.name for p in _files(folder) if not any(fnmatch.fnmatch(p.name, pat) for pat in patterns)]
        assert _files(folder) and missing == [], (lang, missing)
