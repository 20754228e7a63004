"""Text columns whose blanks may be NaN (an all-blank column reads as float64): as strings, blanks as ""."""

from __future__ import annotations

import pandas as pd


def text_col(values: pd.Series) -> pd.Series:
    """Strings with "" for missing values, whatever the column's dtype (no float → str fillna warning)."""
    return values.astype(object).where(values.notna(), "").astype(str)
