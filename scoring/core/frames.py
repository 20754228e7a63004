"""Typed access to DataFrame rows.

pandas-stubs types a cell as a union of every scalar pandas can hold and `df.loc[label]` as Series or
DataFrame (a label may repeat). Our frames' columns are documented where the frames are built, not in
stubs, so these helpers state what the callers rely on, in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pandas as pd


def iter_rows(df: pd.DataFrame) -> Iterator[Any]:
    """A frame's rows as named tuples (`df.itertuples()`), columns as attributes, typed loosely."""
    return iter(df.itertuples())


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts keyed by column name (`df.to_dict("records")`); our columns are strings."""
    return cast(list[dict[str, Any]], df.to_dict("records"))


def row(df: pd.DataFrame, label: str | int) -> pd.Series:
    """The one row at `label` (`df.loc[label]`) of a frame whose index is unique."""
    return cast(pd.Series, df.loc[label])
