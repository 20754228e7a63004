"""Display of numbers: half-up rounding (never banker's), two decimals, percentages and 万元, "—" for none.

Scores keep full precision everywhere else; only what a person reads goes through here, so every
table, report and export shows the same digits.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, cast

from scoring.core.lazy import lazy_module
from scoring.core.tolerance import MONEY_TOL, NOISE_PLACES

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:  # pandas costs 14× a bare interpreter: imported on first use (issue 15)
    np, pd = lazy_module("numpy"), lazy_module("pandas")

NONE_TEXT = "—"


def half_up(values: pd.Series, places: int = 2) -> pd.Series:
    """Vectorised round-half-away-from-zero. Rounding to NOISE_PLACES first removes binary noise, so 2.675
    (stored as 2.67499999…) rounds to 2.68 as a person expects, like Decimal(repr(x)) does."""
    x = values.astype(float)
    scale = 10.0**places
    rounded = np.sign(x) * np.floor((x.abs() * scale).round(NOISE_PLACES - places) + 0.5) / scale + 0.0
    return cast(pd.Series, rounded)  # numpy ufuncs hand a Series back; numpy's stubs say ndarray


def fmt_num(values: pd.Series, places: int = 2, suffix: str = "") -> pd.Series:
    """Display numbers with `places` decimals, half-up; missing or infinite → '—'."""
    x = half_up(values, places)
    ok = np.isfinite(x)
    text = [f"{v:.{places}f}{suffix}" if good else "—" for v, good in zip(x.to_numpy(), ok.to_numpy(), strict=True)]
    return pd.Series(text, index=values.index, dtype=object)


def pct(s: pd.Series) -> pd.Series:
    """Format ratios as percentages with two decimals, half-up."""
    return fmt_num(s.astype(float) * 100, 2, "%")


def round_half_up(x: float, places: int = 2) -> float:
    """Round half away from zero at `places` decimals (not Python's banker's rounding)."""
    if not np.isfinite(x):
        return x
    q = Decimal(1).scaleb(-places)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP)) + 0.0  # + 0.0 turns -0.0 into 0.0


def apportion(parts: Sequence[float | None], total: float | None, places: int = 2) -> list[float | None]:
    """`parts` rounded to `places` for display so that they add up to `total` rounded the same way, when they
    add up to it before rounding: 33.335 + 33.335 + 33.33 = 100 shows 33.34 + 33.33 + 33.33, not 33.34 + 33.34
    + 33.33 = 100.01. Half-up where that already adds up; else largest remainder (the cents rounding drops go
    to the parts that lost most, first part first on a tie). Parts that do not add up to the total are each
    rounded half-up, so the difference the input has stays visible. None (unknown) stays None."""
    shown = [None if p is None else round_half_up(p, places) for p in parts]
    present = {i: p for i, p in enumerate(parts) if p is not None}
    if total is None or not present or min(present.values()) < 0 or abs(sum(present.values()) - total) > MONEY_TOL:
        return shown
    want = Decimal(repr(round_half_up(total, places)))
    if sum(Decimal(repr(v)) for v in shown if v is not None) == want:
        return shown
    q = Decimal(1).scaleb(-places)
    exact = {i: Decimal(repr(round(p, NOISE_PLACES))) for i, p in present.items()}
    floors = {i: x.quantize(q, rounding=ROUND_FLOOR) for i, x in exact.items()}
    short = int((want - sum(floors.values())) / q)
    if not 0 <= short <= len(floors):
        return shown
    for i in sorted(floors, key=lambda i: exact[i] - floors[i], reverse=True)[:short]:
        floors[i] += q
    return [float(floors[i]) + 0.0 if i in floors else None for i in range(len(parts))]


def finite_or_none(v: Any) -> float | None:
    """A plain float, or None for missing, NaN, infinity or text (openpyxl and JSON cannot hold NaN)."""
    if v is None or v is pd.NA:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def fmt2(v: Any) -> str:
    """A score as people read it: two decimals, half-up ("9.04")."""
    x = finite_or_none(v)
    return NONE_TEXT if x is None else f"{round_half_up(x):.2f}"


def pct_text(ratio: Any) -> str:
    """A ratio as a percentage: 0.72229 → "72.23%"."""
    x = finite_or_none(ratio)
    return NONE_TEXT if x is None else f"{round_half_up(x * 100):.2f}%"


def wan_text(v: Any) -> str:
    """An amount in 万元 with thousands separators: 1255.111 → "1,255.11"."""
    x = finite_or_none(v)
    return NONE_TEXT if x is None else f"{round_half_up(x):,.2f}"


def signed_text(v: Any) -> str:
    """A difference with its sign: "+0.04", "-1.12", "0.00"."""
    text = fmt2(v)
    return text if text in (NONE_TEXT, "0.00") or text.startswith("-") else "+" + text
