"""`apportion`: parts rounded for display so that they add up to the rounded total (issue 12)."""

from __future__ import annotations

import pytest

from scoring.core.display import apportion


@pytest.mark.parametrize(
    ("parts", "total", "expected"),
    [
        ([100.0, 29.44, None], 129.44, [100.0, 29.44, None]),  # already adds up: half-up each, unknown kept
        ([43.145, 43.145, 43.15], 129.44, [43.15, 43.14, 43.15]),  # half-up: 129.45; one cent back, first tie
        ([1 / 3, 1 / 3, 1 / 3], 1.0, [0.34, 0.33, 0.33]),  # half-up: 0.99; one cent to the first tie
        # half-up 0.23 + 0.23 + 0.55 = 1.01; floors 0.98 leave two cents: .549 lost most (.009), then the first .2255
        ([0.2255, 0.2255, 0.549], 1.0, [0.23, 0.22, 0.55]),
        ([120.0, 0.0, 0.0], 129.44, [120.0, 0.0, 0.0]),  # does not add up: shown as given
        ([89.974, None, None], 89.974, [89.97, None, None]),
        ([None, None], 10.0, [None, None]),
        ([5.0, 5.0], None, [5.0, 5.0]),
    ],
    ids=[
        "adds-up",
        "tied-thirds-of-cents",
        "thirds",
        "largest-remainder",
        "gap-kept",
        "one-source",
        "unknown",
        "no-total",
    ],
)
def test_apportion(parts: list[float | None], total: float | None, expected: list[float | None]) -> None:
    assert apportion(parts, total) == expected
