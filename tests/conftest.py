"""Shared fixtures: the independent reference material in ../shared/reference (optional)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# A git worktree elsewhere names the reference with EAS_SHARED_REFERENCE.
SHARED_REFERENCE = Path(os.environ.get("EAS_SHARED_REFERENCE")
                        or PROJECT_ROOT.parent / "shared" / "reference")


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """Path to ../shared/reference; skips the test where this clone has no ../shared."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip("../shared/reference is absent in this clone (CI has it)")
    return SHARED_REFERENCE
