"""Validation details not covered through whole runs."""

from __future__ import annotations

import pytest

from scoring.pipeline.validate import _period_months


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("1—10月", 10),
        ("1-12月", 12),
        ("1~6月", 6),
        ("10个月", 10),
        ("2024年1—10月", 10),
        ("全年", 12),
        ("", 12),
        (None, 12),
        ("2024年度", 12),
    ],
    ids=["dash", "full-year", "tilde", "count", "with-year", "word", "blank", "none", "year-only"],
)
def test_period_months(text: object, months: int) -> None:
    assert _period_months(text) == months
