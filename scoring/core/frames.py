"""Typed access to DataFrame rows.

pandas-stubs types a cell as a union of every scalar pandas can hold and `df.loc[label]` as Series or
DataFrame (a label may repeat). Our frames' columns are documented where the frames are built, not in
stubs, so these helpers state what the callers rely on, in one place.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from functools import cache
from typing import Any, cast

import numpy as np
import pandas as pd


def iter_rows(df: pd.DataFrame) -> Iterator[Any]:
    """A frame's rows as named tuples (`df.itertuples()`), columns as attributes, typed loosely.

    The same tuples and values as itertuples, made without its cost on the small frames renderers walk (one per
    project, section and sheet): itertuples builds a Series per column and a new namedtuple class per call."""
    if not all(isinstance(c, str) for c in df.columns):
        return iter(df.itertuples())
    make = _row_type(("Index", *df.columns))._make
    columns = (_values(df._mgr.iget_values(k)) for k in range(df.shape[1]))  # a column's array, no Series
    index: Any = df.index
    return map(make, zip(_values(index._values), *columns, strict=True))


def _values(array: Any) -> Iterator[Any]:
    """What iterating a Series over `array` yields: Python scalars from a numpy array, else the array's own."""
    if isinstance(array, np.ndarray):
        return map(array.item, range(array.size))
    return iter(array)


@cache
def _row_type(fields: tuple[str, ...]) -> Any:
    return namedtuple("Pandas", fields, rename=True)  # as itertuples names it


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts keyed by column name (`df.to_dict("records")`); our columns are strings."""
    return cast(list[dict[str, Any]], df.to_dict("records"))


def row(df: pd.DataFrame, label: str | int) -> pd.Series:
    """The one row at `label` (`df.loc[label]`) of a frame whose index is unique."""
    return cast(pd.Series, df.loc[label])
