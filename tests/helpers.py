"""Test helpers shared by several test packages."""

from __future__ import annotations

import shutil

import pytest

# Debian package that ships each external tool (atest comes with direwolf).
_DEBIAN_PACKAGE = {"atest": "direwolf", "multimon-ng": "multimon-ng", "minimodem": "minimodem",
                   "direwolf": "direwolf", "sox": "sox", "espeak-ng": "espeak-ng",
                   "chromium": "chromium", "chromedriver": "chromium-driver"}


def require_tool(name: str) -> str:
    """Return the path of an external tool, or skip the test with the reason."""
    path = shutil.which(name)
    if path is None:
        pkg = _DEBIAN_PACKAGE.get(name, name)
        pytest.skip(f"{name} is not installed (CI installs it: apt-get install -y {pkg})")
    return path
