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


def frame(
    actual: list[float],
    target: list[float],
    comparator: str = ">=",
    weight: float = 10.0,
    high: list[float] | None = None,
) -> pd.DataFrame:
    n = len(actual)
    return pd.DataFrame(
        {
            "actual": actual,
            "target": target,
            "high": high or [np.nan] * n,
            "comparator": [comparator] * n,
            "weight": [weight] * n,
            "actual_text": [""] * n,
        }
    )


CASES = [
    # (method, params, actual, target, comparator, expected points of 10)
    ("ratio", {}, 96.39, 95, ">=", 10.0),  # above target: full, capped
    ("ratio", {}, 81.32, 90, ">=", 81.32 / 90 * 10),  # below: pro rata
    ("ratio", {}, 0, 0, ">=", 10.0),  # zero target met by zero
    ("inverse_ratio", {}, 70.5, 75, "<=", 10.0),  # under the cost cap
    ("inverse_ratio", {}, 100, 80, "<=", (1 - 20 / 80) * 10),  # 25% over → 7.5
    ("inverse_ratio", {}, 170, 80, "<=", 0.0),  # ≥ 2× target → 0
    ("exact", {}, 0, 0, "=", 10.0),
    ("exact", {}, 1, 0, "=", 0.0),
    ("exact", {}, 3, 4, "=", 7.5),
    ("binary", {}, 94.9, 95, ">=", 0.0),
    ("binary", {}, 95, 95, ">=", 10.0),
    ("deduction", {"per": 0.5, "step": 1}, 105, 100, "<=", 7.5),  # 5 pp over × 0.5
    ("deduction", {"per": 1}, 2, 0, "=", 8.0),  # 2 violations × 1
    ("deduction", {"per": 1}, 30, 0, "<=", 0.0),  # never below zero
    ("linear", {"zero": 20, "full": 0}, 10, 0, "<=", 5.0),
    (
        "bands",
        {"bands": [{"min": 90, "share": 1}, {"min": 80, "max": 90, "share": 0.8}, {"max": 80, "share": 0}]},
        85,
        0,
        ">=",
        8.0,
    ),
    (
        "bands",
        {
            "closed": "right",
            "bands": [{"max": 0, "share": 1}, {"min": 0, "max": 10, "share": 0.5}, {"min": 10, "share": 0}],
        },
        10,
        0,
        "<=",
        5.0,
    ),
    ("budget_execution", {}, 50, 100, ">=", 5.0),  # 北京表：执行率 50% → 5 分
]


@pytest.mark.parametrize(
    ("name", "params", "actual", "target", "comp", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_method_points(
    name: str,
    params: dict,  # type: ignore[type-arg]
    actual: float,
    target: float,
    comp: str,
    expected: float,
) -> None:
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
        params = (
            {"bands": [{"share": 1}], "zero": 0, "full": 1, "per": 1, "levels": [{"share": 1, "match": ["x"]}]}
            if name in {"bands", "linear", "deduction", "qualitative"}
            else {}
        )
        meth.func(g, params)
    pd.testing.assert_frame_equal(g, before)


numbers = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["ratio", "inverse_ratio", "exact", "binary", "budget_execution"]),
    numbers,
    numbers,
    st.floats(min_value=0, max_value=100),
)
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


@pytest.mark.parametrize(
    ("x", "shown"),
    [(2.675, "2.68"), (0.125, "0.13"), (9.035555, "9.04"), (-2.675, "-2.68"), (99.995, "100.00"), (math.nan, "—")],
)
def test_half_up_not_bankers(x: float, shown: str) -> None:
    assert display.fmt_num(pd.Series([x])).iloc[0] == shown


# ---------------------------------------------------------------- methods officers asked for (issue 10)

STEPPED = {"bands": [{"min": 95, "share": 1}, {"min": 90, "max": 95, "share": 0.8}, {"max": 90, "linear": [0, 0.8]}]}


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (96, 10.0),  # ≥95%: full
        (95, 10.0),  # the boundary belongs to the upper band ([min, max))
        (92, 8.0),  # 90–95%: 80%
        (90, 8.0),
        (72.23, 72.23 / 90 * 0.8 * 10),  # below 90%: linear from 0 at 0 to 80% at 90 → 6.4204
        (0, 0.0),
    ],
    ids=["96", "95", "92", "90", "72.23", "0"],
)
def test_bands_with_a_linear_segment(actual: float, expected: float) -> None:
    res = m.METHODS["bands"].func(frame([actual], [100]), STEPPED)
    assert float(res.points.iloc[0]) == pytest.approx(expected, abs=1e-9)


def test_linear_band_between_two_bounds() -> None:
    """{min: 60, max: 90, linear: [0.2, 0.8]}: 75 is halfway → 0.5 share."""
    params = {"bands": [{"min": 90, "share": 1}, {"min": 60, "max": 90, "linear": [0.2, 0.8]}, {"max": 60, "share": 0}]}
    res = m.METHODS["bands"].func(frame([75, 60, 89.999], [100, 100, 100]), params)
    assert list(res.points.round(6)) == [5.0, 2.0, round((0.2 + 0.6 * 29.999 / 30) * 10, 6)]


@pytest.mark.parametrize(
    ("actual", "target", "expected"),
    [
        (100, 80, 8.0),  # 填表说明：年度指标值/实际值 × 分值 = 80/100 × 10
        (80, 80, 10.0),
        (60, 80, 10.0),  # under the cap: full
        (400, 80, 2.0),  # never below 0, no cliff at 2× (unlike inverse_ratio)
        (0, 0, 10.0),
        (5, 0, 0.0),
    ],
    ids=["over", "at", "under", "far-over", "zero-zero", "zero-target"],
)
def test_target_over_actual(actual: float, target: float, expected: float) -> None:
    res = m.METHODS["target_over_actual"].func(frame([actual], [target], "<="), {})
    assert float(res.points.iloc[0]) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("rate", "params", "expected"),
    [
        (49.88, {}, 4.988),  # exact rate
        (49.88, {"round": 0}, 5.0),  # published tables: 50% × 10
        (49.88, {"round": 1}, 4.99),  # 49.9%
        (49.5, {"round": 0}, 5.0),  # half-up, not banker's (49.5 → 50)
        (49.49, {"round": 0}, 4.9),
    ],
    ids=["exact", "round-0", "round-1", "half-up", "down"],
)
def test_round_the_rate_before_scoring(rate: float, params: dict, expected: float) -> None:  # type: ignore[type-arg]
    res = m.METHODS["budget_execution"].func(frame([rate], [100]), params)
    assert float(res.points.iloc[0]) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("params", "actual", "expected"),
    [
        ({"per": 1, "floor": 2}, 110, 2.0),  # 10 over × 1 = 10 lost, but never below 2
        ({"per": 0.5, "step": 2}, 105, 5 - 2.5 * 0.5),  # 5 over = 2.5 steps × 0.5 → 3.75
        ({"per": 0.5, "step": 2, "whole_steps": True}, 105, 4.0),  # only whole steps: 2 × 0.5
        ({"per": 0.5, "step": 2, "whole_steps": True}, 101.9, 5.0),  # less than one step: nothing lost
    ],
    ids=["floor", "per-step", "whole-steps", "part-step"],
)
def test_deduction_table(params: dict, actual: float, expected: float) -> None:  # type: ignore[type-arg]
    res = m.METHODS["deduction"].func(frame([actual], [100], "<=", weight=5), params)
    assert float(res.points.iloc[0]) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        (
            "bands",
            {"bands": [{"min": 0, "share": 1, "linear": [0, 1]}, {"max": 0, "share": 0}]},
            "share（固定比例）或 linear",
        ),
        ("bands", {"bands": [{"min": 0, "linear": [0, 1]}, {"max": 0, "share": 0}]}, "linear 档需要 max"),
        ("bands", {"bands": [{"max": 0, "linear": [0, 1]}, {"min": 0, "share": 0}]}, "下限应小于上限"),
        ("budget_execution", {"round": 7}, "round"),
        ("deduction", {"per": 1, "floor": -1}, "floor"),
    ],
    ids=["share-and-linear", "linear-no-max", "linear-from-zero-upward", "round-7", "negative-floor"],
)
def test_new_parameters_are_checked(name: str, params: dict, message: str) -> None:  # type: ignore[type-arg]
    problems = m.validate_params(name, params)
    assert problems and message in "；".join(problems)


def test_every_method_has_a_worked_example_and_documented_parameters() -> None:
    text = m.describe_methods()
    for name in m.METHODS:
        assert f"■ {name}：" in text
        assert m.run_example(name) is not None, name
    # the examples are computed by the methods, so they agree with the hand-computed cases above
    assert "实际 49.88，分值 10 → 5.00 分" in text  # budget_execution with round: 0
    assert "目标 ≤80，实际 100，分值 10 → 8.00 分" in text  # target_over_actual
    assert "目标 ≤80，实际 100，分值 10 → 7.50 分" in text  # inverse_ratio, the 10号 rule
    assert "实际 45，分值 10 → 4.00 分" in text  # linear band: 45/90 × 0.8
    assert "floor（数值，默认 0.0）：最低得分" in text
