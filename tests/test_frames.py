"""`iter_rows` yields what `DataFrame.itertuples` yields, value for value and type for type."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.core.frames import iter_rows

FRAMES = {
    "mixed": pd.DataFrame(
        {
            "code": ["D1", None],
            "n": [1, 2],
            "x": [1.5, float("nan")],
            "ok": [True, False],
            "big": pd.array([1, None], dtype="Int64"),
            "when": pd.to_datetime(pd.Series(["2024-01-01", None])),
            "kind": pd.Categorical(["a", "b"]),
            "text": pd.array(["x", None], dtype="string"),
        },
        index=["p", "q"],
    ),
    "filtered": pd.DataFrame({"a": range(5), "b": list("abcde")}).iloc[[4, 1]],
    "empty": pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)}),
    "not-identifiers": pd.DataFrame({"一级": [1], "class": [2], "a b": [3]}),
    "numbered-columns": pd.DataFrame([[1, 2]]),
}


@pytest.mark.parametrize("df", FRAMES.values(), ids=FRAMES.keys())
def test_iter_rows_is_itertuples(df: pd.DataFrame) -> None:
    expected, got = list(df.itertuples()), list(iter_rows(df))
    assert [t._fields for t in got] == [t._fields for t in expected]
    for e, g in zip(expected, got, strict=True):
        for x, y in zip(e, g, strict=True):
            assert type(x) is type(y)
            assert (x is pd.NA and y is pd.NA) or x is y or x == y or (x != x and y != y)
