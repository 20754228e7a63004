"""Scoring methods: hand-computed cases per method and invariants checked with hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.core import display
from scoring.rules import methods as m


def frame(actual: list[float], target: list[float], comparator: str = ">=", weight: float = 10.0,
          high: list[float] | None = None) -> pd.DataFrame:
    n = len(actual)
    return pd.DataFrame({"actual": actual, "target": target, "high": high or [np.nan] * n,
                         "comparator": [comparator] * n, "weight": [weight] * n,
                         "actual_text": [""] * n})


CASES = [
    # (method, params, actual, target, comparator, expected points of 10)
    ("ratio", {}, 96.39, 95, ">=", 10.0),                          # above target: full, capped
    ("ratio", {}, 81.32, 90, ">=", 81.32 / 90 * 10),               # below: pro rata
    ("ratio", {}, 0, 0, ">=", 10.0),                               # zero target met by zero
    ("inverse_ratio", {}, 70.5, 75, "<=", 10.0),                   # under the cost cap
    ("inverse_ratio", {}, 100, 80, "<=", (1 - 20 / 80) * 10),      # 25% over → 7.5
    ("inverse_ratio", {}, 170, 80, "<=", 0.0),                     # ≥ 2× target → 0
    ("exact", {}, 0, 0, "=", 10.0),
    ("exact", {}, 1, 0, "=", 0.0),
    ("exact", {}, 3, 4, "=", 7.5),
    ("binary", {}, 94.9, 95, ">=", 0.0),
    ("binary", {}, 95, 95, ">=", 10.0),
    ("deduction", {"per": 0.5, "step": 1}, 105, 100, "<=", 7.5),   # 5 pp over × 0.5
    ("deduction", {"per": 1}, 2, 0, "=", 8.0),                     # 2 violations × 1
    ("deduction", {"per": 1}, 30, 0, "<=", 0.0),                   # never below zero
    ("linear", {"zero": 20, "full": 0}, 10, 0, "<=", 5.0),
    ("bands", {"bands": [{"min": 90, "share": 1}, {"min": 80, "max": 90, "share": 0.8},
                         {"max": 80, "share": 0}]}, 85, 0, ">=", 8.0),
    ("bands", {"closed": "right", "bands": [{"max": 0, "share": 1}, {"min": 0, "max": 10, "share": 0.5},
                                            {"min": 10, "share": 0}]}, 10, 0, "<=", 5.0),
    ("budget_execution", {}, 50, 100, ">=", 5.0),                  # 北京表：执行率 50% → 5 分
]


@pytest.mark.parametrize(("name", "params", "actual", "target", "comp", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_method_points(name: str, params: dict, actual: float, target: float, comp: str,  # type: ignore[type-arg]
                       expected: float) -> None:
    res = m.METHODS[name].func(frame([actual], [target], comp), params)
    assert float(res.points.iloc[0]) == pytest.approx(expected, abs=1e-9)


def test_range_method() -> None:
    g = frame([95, 85, 110], [90, 90, 90], "range", high=[100, 100, 100])
    res = m.METHODS["range"].func(g, {})
    assert list(res.points.round(9)) == [10.0, round(85 / 90 * 10, 9), 9.0]


def test_qualitative_matches_whole_phrases() -> None:
    # Issue 9: whole phrases, not substrings ("达成预期指标" no longer inherits "达成"; see test_qualitative).
    params = {"levels": [{"share": 1.0, "match": ["达成"]}, {"share": 0.7, "match": ["部分达成"]}]}
    assert m.qualitative_share("部分达成", params) == 0.7
    assert m.qualitative_share("达成。", params) == 1.0
    assert m.qualitative_share("达成预期指标", params) is None
    assert m.qualitative_share("无从评价", params) is None


def test_boundary_precision() -> None:
    """0.8999999999 counts as 0.9: completion is compared at 9 decimals."""
    res = m.METHODS["binary"].func(frame([89.99999999999], [90]), {})
    assert float(res.points.iloc[0]) == 10.0


def test_inputs_untouched() -> None:
    g = frame([1.0, 2.0], [2.0, 2.0])
    before = g.copy()
    for name, meth in m.METHODS.items():
        params = {"bands": [{"share": 1}], "zero": 0, "full": 1, "per": 1,
                  "levels": [{"share": 1, "match": ["x"]}]} if name in {"bands", "linear", "deduction",
                                                                         "qualitative"} else {}
        meth.func(g, params)
    pd.testing.assert_frame_equal(g, before)


numbers = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["ratio", "inverse_ratio", "exact", "binary", "budget_execution"]),
       numbers, numbers, st.floats(min_value=0, max_value=100))
def test_points_stay_within_weight(name: str, actual: float, target: float, weight: float) -> None:
    comp = {"inverse_ratio": "<=", "exact": "="}.get(name, ">=")
    res = m.METHODS[name].func(frame([actual], [target], comp, weight), {})
    p = float(res.points.iloc[0])
    assert 0 <= p <= weight + 1e-9


@settings(max_examples=300, deadline=None)
@given(numbers, numbers, st.floats(min_value=0.01, max_value=1e6))
def test_better_actual_never_scores_lower(a: float, b: float, target: float) -> None:
    lo, hi = sorted((a, b))
    up = m.METHODS["ratio"].func(frame([lo, hi], [target, target]), {}).points
    assert up.iloc[1] >= up.iloc[0] - 1e-12
    down = m.METHODS["inverse_ratio"].func(frame([lo, hi], [target, target], "<="), {}).points
    assert down.iloc[0] >= down.iloc[1] - 1e-12  # lower is better for costs


@settings(max_examples=500, deadline=None)
@given(st.floats(min_value=-1e7, max_value=1e7, allow_nan=False))
def test_vectorised_half_up_matches_decimal(x: float) -> None:
    vec = display.fmt_num(pd.Series([x])).iloc[0]
    assert vec == f"{display.round_half_up(x):.2f}"


@pytest.mark.parametrize(("x", "shown"), [(2.675, "2.68"), (0.125, "0.13"), (9.035555, "9.04"),
                                          (-2.675, "-2.68"), (99.995, "100.00"), (math.nan, "—")])
def test_half_up_not_bankers(x: float, shown: str) -> None:
    assert display.fmt_num(pd.Series([x])).iloc[0] == shown
