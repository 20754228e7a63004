"""Small helpers shared by tests."""

from __future__ import annotations

from typing import Any


def num(value: Any) -> float:
    """A cell of a DataFrame (`.loc[row, col]`) or a worksheet as a float: pandas-stubs and openpyxl type
    such cells as a union of every scalar, which `float()` does not accept as typed."""
    return float(value)
