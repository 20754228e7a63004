"""Column-wise evaluation agrees with the reference evaluator row for row: hand-worked frames, exact
rounding, and a hypothesis differential test over generated expressions and mixed-dtype frames."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.rules import expr as ex
from scoring.rules.expr.columns import _ROUND_IDENTITY, Columns, _round, evaluate_columns

NAN = float("nan")

# One frame, worked by hand: x is a float column with a null, s a string column, m an object column
# mixing every value type, b a bool column.
FRAME = pd.DataFrame(
    {
        "x": [0.3 * 3, NAN, 1.0, 2.0],  # 0.8999999999999999 counts as 0.9 (rule 2)
        "s": ["a", None, "b", "a"],
        "m": [1.0, "a", True, None],
        "b": [True, False, True, False],
    }
)


def rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The frame's rows as the reference evaluator sees them: each cell as pandas hands it out."""
    return [{str(name): frame[name].iloc[i] for name in frame.columns} for i in range(len(frame))]


HAND = [
    ("x >= 0.9", [True, False, True, True]),
    ("x == null", [False, True, False, False]),
    ("not (x < 1)", [False, True, True, True]),  # null is not < 1, so not(...) holds (rule 6)
    ('s == "a"', [True, False, False, True]),
    ('s != "a"', [False, False, True, False]),  # a null string is neither equal nor unequal (rule 4)
    ("m == 1", [True, False, False, False]),  # true is not the number 1
    ("m == true", [False, False, True, False]),
    ("m != 1", [False, False, False, False]),  # only a number can be unequal to a number
    ('m in ["a", null]', [False, True, False, True]),
    ('m not in ["a", null]', [True, False, True, False]),
    ("b", [True, False, True, False]),
    ("not b and x > 1", [False, False, False, True]),
    ("b or x == null", [True, True, True, False]),
    ("x / (x - 1) > 0", [False, False, False, True]),  # 1 / 0 is null; 2 / 1 = 2; 0.9 / -0.1 < 0
    ("min(x, 2) == 1", [False, False, True, False]),
    ("abs(x - 1) < 0.2", [True, False, True, False]),
    ("-x < -1.5", [False, False, False, True]),
    ("m + 1 == 2", [True, False, False, False]),  # arithmetic on a string or boolean is null
    ("(x < 1) == b", [True, True, False, True]),  # (x < 1) is a boolean even where x is null
    ("missing == null and not missing", [True, True, True, True]),  # an absent column is all null
    ("1 + 1 == 2", [True, True, True, True]),
]


@pytest.mark.parametrize(("text", "expected"), HAND, ids=[t for t, _ in HAND])
def test_hand_worked_frame(text: str, expected: list[bool]) -> None:
    e = ex.parse(text)
    got = evaluate_columns(e, FRAME)
    assert got.dtype == bool and list(got.index) == list(FRAME.index)
    assert list(got) == expected
    assert [ex.holds(e, row) for row in rows(FRAME)] == expected


def test_one_columns_object_serves_many_expressions() -> None:
    """Columns reads each field once; its answers are those of evaluate_columns, in any order."""
    prepared = Columns(FRAME)
    for text, expected in reversed(HAND):
        assert list(prepared.holds(ex.parse(text))) == expected, text


def test_index_is_kept() -> None:
    frame = pd.DataFrame({"x": [1.0, 5.0]}, index=["p1", "p2"])
    assert evaluate_columns(ex.parse("x > 2"), frame).to_dict() == {"p1": False, "p2": True}


def test_dtypes_read_as_the_reference_reads_their_cells() -> None:
    frame = pd.DataFrame(
        {
            "i": pd.array([1, None, 3], dtype="Int64"),
            "nb": pd.array([True, None, False], dtype="boolean"),
            "st": pd.array(["a", None, "c"], dtype="string"),
            "cat": pd.Categorical(["y", None, "y"]),
            "npf": pd.Series([np.float64(1.5), Decimal("2.5"), np.int64(3)], dtype=object),
            "inf": [math.inf, -math.inf, 1.0],
        }
    )
    cases = {
        "i == 1": [True, False, False],
        "i == null": [False, True, False],
        "nb": [True, False, False],
        "not nb": [False, True, True],
        "nb == false": [False, False, True],
        'st == "a"': [True, False, False],
        "st == null": [False, True, False],
        'cat == "y"': [True, False, True],
        "cat == null": [False, True, False],
        "npf > 2": [False, True, True],
        "inf == null": [True, True, False],
    }
    for text, expected in cases.items():
        assert list(evaluate_columns(ex.parse(text), frame)) == expected, text


def test_unsupported_column_type_is_a_clear_error() -> None:
    frame = pd.DataFrame({"d": pd.to_datetime(["2024-01-01"])})
    with pytest.raises(TypeError, match="字段 d 的列类型"):
        evaluate_columns(ex.parse("d == null"), frame)


# ------------------------------------------------------------------------------------------ rounding

TIES = st.builds(lambda k, sign: sign * (k + 0.5) / 1e10, st.integers(0, 5 * 10**15), st.sampled_from([1, -1]))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False) | TIES | st.floats(-1e6, 1e6), min_size=1))
def test_round_is_pythons_round(values: list[float]) -> None:
    got = _round(np.array(values))
    assert [float(v) for v in got] == [round(v, ex.PRECISION) for v in values]


def test_round_identity_bound() -> None:
    """From 2**19 up, round(x, 10) is x; just below it is not always."""
    x = np.nextafter(_ROUND_IDENTITY, 0)
    assert round(x, 10) != x
    for v in (_ROUND_IDENTITY, np.nextafter(_ROUND_IDENTITY, math.inf), 1e6 + 1 / 3, 2.0**40 + 0.5):
        assert round(float(v), 10) == v


# ------------------------------------------------------------------------------ differential (property)

COLUMNS = {"f": "float", "o": "object", "b": "bool", "nb": "boolean", "s": "string", "c": "category", "i": "Int64"}
NUMBERS = st.sampled_from(
    [0.0, 1.0, -1.0, 0.9, 0.8999999999999999, 0.3, 0.1 + 0.2, 2.5, 1e-11, 5e-11, 1e12, 600000.00000000005, 1e300]
) | st.floats(-1e6, 1e6, allow_nan=False)
STRINGS = st.sampled_from(["a", "b", "产出"])
CELLS: dict[str, st.SearchStrategy[object]] = {
    "float": NUMBERS | st.sampled_from([NAN, math.inf]),
    "object": NUMBERS
    | STRINGS
    | st.booleans()
    | st.none()
    | st.integers(-3, 3)
    | st.sampled_from([np.float64(0.9), np.bool_(True), Decimal("0.9"), NAN]),
    "bool": st.booleans(),
    "boolean": st.booleans() | st.none(),
    "string": STRINGS | st.none(),
    "category": STRINGS | st.none(),
    "Int64": st.integers(-2, 2) | st.none(),
}
NAMES = st.sampled_from([*COLUMNS, "absent"])
LITERALS = st.builds(ex.Literal, NUMBERS | STRINGS | st.booleans() | st.none())


def _exprs() -> st.SearchStrategy[ex.Expr]:
    leaves = LITERALS | st.builds(ex.Field, NAMES)

    def extend(children: st.SearchStrategy[ex.Expr]) -> st.SearchStrategy[ex.Expr]:
        return st.one_of(
            st.builds(ex.Neg, children),
            st.builds(ex.Not, children),
            st.builds(ex.BinOp, st.sampled_from(["+", "-", "*", "/"]), children, children),
            st.builds(ex.Compare, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), children, children),
            st.builds(ex.In, children, st.lists(LITERALS, max_size=3).map(tuple), st.booleans()),
            st.builds(ex.BoolOp, st.sampled_from(["and", "or"]), children, children),
            st.builds(ex.Call, st.just("abs"), st.tuples(children)),
            st.builds(ex.Call, st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3).map(tuple)),
        )

    return st.recursive(leaves, extend, max_leaves=10)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(1, 12))
    data: dict[str, object] = {}
    for name, dtype in COLUMNS.items():
        cells = draw(st.lists(CELLS[dtype], min_size=rows, max_size=rows))
        if dtype == "object":
            data[name] = pd.Series(cells, dtype=object)
        elif dtype == "float":
            data[name] = pd.Series(cells, dtype=float)
        elif dtype == "category":
            data[name] = pd.Categorical(cells)
        else:
            data[name] = pd.Series(cells, dtype=dtype)
    return pd.DataFrame(data)


@settings(max_examples=200, deadline=None)
@given(_exprs(), frames())
def test_columns_agree_with_reference_evaluator(e: ex.Expr, frame: pd.DataFrame) -> None:
    before = frame.copy(deep=True)
    expected = [ex.holds(e, row) for row in rows(frame)]
    got = evaluate_columns(e, frame)
    assert list(got) == expected
    pd.testing.assert_frame_equal(frame, before)  # the facts are read, never written
    got[:] = True  # the result is the caller's own, writable Series


@settings(max_examples=150, deadline=None)
@given(_exprs(), frames())
def test_values_agree_through_comparisons(e: ex.Expr, frame: pd.DataFrame) -> None:
    """Not only whether e holds: its type, nullness and value agree, seen through comparisons."""
    probes = [
        ex.Compare("==", e, ex.Literal(None)),
        ex.Compare("==", e, e),
        ex.Compare("<=", e, e),
        ex.Compare("<", e, ex.Literal(1.0)),
        ex.Compare("==", e, ex.Literal(0.9)),
        ex.Compare("==", e, ex.Literal("a")),
        ex.Compare("!=", e, ex.Literal(True)),
    ]
    for probe in probes:
        assert list(evaluate_columns(probe, frame)) == [ex.holds(probe, row) for row in rows(frame)], probe
