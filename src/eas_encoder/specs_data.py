"""Load the CSV tables in ``specs/`` (installed as package data ``eas_encoder.specs``)."""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = ["read_table"]


@cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """Return the rows of ``specs/<name>`` as dicts keyed by the CSV header.

    Raises:
        FileNotFoundError: the table is not installed (a packaging fault, not user input).
    """
    try:
        text = resources.files("eas_encoder.specs").joinpath(name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        # Running from a source tree without installing: specs/ sits at the project root.
        text = (Path(__file__).resolve().parents[2] / "specs" / name).read_text("utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))
