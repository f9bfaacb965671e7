"""The build is reproducible: exact versions in the lock files, the dependencies a safe
install needs declared, the test-only ones kept out of the runtime, a pinned base image."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _pins(lock: str) -> dict[str, str]:
    lines = (ROOT / lock).read_text(encoding="utf-8").splitlines()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", "\n".join(lines), flags=re.M))
    return {name.lower().replace("_", "-"): version for name, version in pins.items()}


def _names(requirements: list[str]) -> set[str]:
    return {Requirement(r).name.lower().replace("_", "-") for r in requirements} - {"auditbot"}


def test_the_locks_pin_every_declared_dependency_within_its_range():
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    declared = PROJECT["project"]["dependencies"]
    for text in declared:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in runtime, f"{name} is not in requirements.lock (make lock)"
        assert requirement.specifier.contains(runtime[name]), (name, runtime[name], str(requirement.specifier))
        assert dev[name] == runtime[name], f"{name}: the two locks disagree"
    extras = PROJECT["project"]["optional-dependencies"]
    for name in _names(extras["dev"] + extras["devtools"]):
        assert name in dev, f"{name} is not in requirements-dev.lock (make lock)"


def test_safe_parsing_and_time_zones_are_installed_with_the_bot():
    runtime = _names(PROJECT["project"]["dependencies"])
    assert {"defusedxml", "tzdata"} <= runtime
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML  # openpyxl reads uploaded workbooks through defusedxml


def test_the_bots_http_client_is_a_runtime_dependency_and_locked():
    """aiohttp carries the bot's calls to the Bot API (bot/telegram/delivery/aiohttp_request.py),
    so it is a runtime dependency (it also serves the test double)."""
    assert "aiohttp" in _names(PROJECT["project"]["dependencies"])
    assert re.search(r"^aiohttp==", (ROOT / "requirements.lock").read_text(encoding="utf-8"), flags=re.M)


def test_the_build_backend_supports_the_license_field_and_the_image_is_pinned():
    backend = [Requirement(r) for r in PROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    assert backend and not backend[0].specifier.contains("76.9") and backend[0].specifier.contains("77.0")
    base = re.search(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(encoding="utf-8"), flags=re.M).group(1)
    assert "@sha256:" in base or re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base), base
    assert "requirements.lock" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
