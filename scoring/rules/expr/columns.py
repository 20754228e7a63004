"""Column-wise evaluation: an expression over a whole DataFrame of facts, with the reference evaluator's semantics.

``evaluate_columns(expr, frame)`` gives, for every row, exactly what ``holds(expr, row)`` gives,
but with one numpy operation per AST node instead of one Python call per node and row (issue 15:
findings over a province's facts). A row's value is kept in typed slots, as the durable compiler
does: a number slot (NaN where the value is not a number), a string slot and a boolean slot, each
with a presence mask; a null is a row present in none of them. Each semantics rule then is one
mask expression:

* rule 1: arithmetic reads only the number slot; NaN propagates, division by zero and non-finite
  results become NaN (null).
* rule 2: numbers are rounded to PRECISION places exactly as Python's ``round`` does (``_round``),
  so a comparison never differs from the reference evaluator at a published boundary.
* rules 3–5: an ordering needs both number slots; ``==`` / ``!=`` need the same slot present on
  both sides; ``== null`` / ``!= null`` test presence in any slot.
* rule 6: ``and`` / ``or`` / ``not`` combine "holds" masks (value exactly true).

Columns are read once per field: numeric, boolean and string dtypes (nullable ones included)
directly; categoricals through their categories; object columns by the type of each cell (cells
that are not a plain float, str, bool or None go through ``scalar``, as in the reference
evaluator). A missing column is all null; a column of another dtype (dates…) raises TypeError
when the expression reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.rules.expr.ast import BinOp, BoolOp, Call, Compare, Expr, Field, In, Literal, Neg, Not, Scalar
from scoring.rules.expr.evaluate import ORDER_OPS, PRECISION, scalar

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]

# Python's round(x, 10) returns x itself once half an ulp of x exceeds 5e-11 (from 2**19 up);
# below that, x * 1e10 < 2**53 and rint gives Python's answer except within an ulp of a .5 tie.
# Worked out for PRECISION = 10; tests/test_expr_columns.py checks both claims against round().
_ROUND_IDENTITY = 2.0 ** 19
_SCALE = 10.0 ** PRECISION
_ORDER: dict[str, Callable[[Floats, Floats], Bools]] = {
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
    "==": np.equal, "!=": np.not_equal,
}


@dataclass(frozen=True, slots=True)
class _Values:
    """One value per row in typed slots; at most one slot holds a row, none means null."""

    n: Floats  # the number, NaN where the value is not a number
    s: Objects  # the string, where sm
    sm: Bools
    t: Bools  # the value is true
    f: Bools  # the value is false

    def present(self) -> Bools:
        out: Bools = ~np.isnan(self.n) | self.sm | self.t | self.f
        return out


def _null(size: int) -> _Values:
    no = np.zeros(size, dtype=bool)
    return _Values(np.full(size, np.nan), np.full(size, None, dtype=object), no, no, no)


def _numbers(n: Floats) -> _Values:
    clean: Floats = np.where(np.isfinite(n), n, np.nan)  # rule 1: a non-finite result is null
    return _with(_null(len(n)), n=clean)


def _with(v: _Values, **slots: npt.NDArray[np.generic]) -> _Values:
    parts = {"n": v.n, "s": v.s, "sm": v.sm, "t": v.t, "f": v.f, **slots}
    return _Values(parts["n"], parts["s"], parts["sm"], parts["t"], parts["f"])  # type: ignore[arg-type]


def _truth(mask: Bools) -> _Values:
    return _with(_null(len(mask)), t=mask, f=~mask)


def _constant(value: Scalar, size: int) -> _Values:
    if value is None:
        return _null(size)
    if isinstance(value, bool):
        return _truth(np.full(size, value))
    if isinstance(value, str):
        return _with(_null(size), s=np.full(size, value, dtype=object), sm=np.ones(size, dtype=bool))
    return _numbers(np.full(size, value, dtype=float))


def _round(x: Floats) -> Floats:
    """round(v, PRECISION) for every v, bit for bit as Python computes it."""
    out = x.copy()
    small = np.abs(x) < _ROUND_IDENTITY  # False for NaN: it stays NaN
    xs = x[small]
    scaled = xs * _SCALE
    result = np.rint(scaled) / _SCALE  # r / 1e10 is the double nearest the decimal, as Python's strtod gives
    tie = np.abs(scaled - np.floor(scaled) - 0.5) <= 4 * np.spacing(np.abs(scaled))
    if tie.any():  # the product's rounding may have decided the tie: ask Python
        result[tie] = [round(float(v), PRECISION) for v in xs[tie]]
    out[small] = result
    return out


# ---------------------------------------------------------------------------------------- columns

_KINDS: dict[type, int] = {float: 0, str: 1, bool: 2, type(None): 3}  # cell types read without scalar()
_OTHER = 4


def _objects(cells: Objects) -> _Values:
    """Typed slots for an object column: plain cells by type, the rest through scalar()."""
    size = len(cells)
    kinds = np.fromiter((_KINDS.get(type(c), _OTHER) for c in cells), dtype=np.int8, count=size)
    is_float, is_str, is_bool, other = kinds == 0, kinds == 1, kinds == 2, kinds == _OTHER
    n = np.full(size, np.nan)
    n[is_float] = cells[is_float].astype(float)
    s: Objects = np.full(size, None, dtype=object)
    s[is_str] = cells[is_str]
    t = np.zeros(size, dtype=bool)
    t[is_bool] = cells[is_bool].astype(bool)
    f = is_bool & ~t
    for i in np.flatnonzero(other):
        value = scalar(cells[i])
        if isinstance(value, bool):
            t[i], f[i] = value, not value
        elif isinstance(value, str):
            s[i], is_str[i] = value, True
        elif isinstance(value, float):
            n[i] = value
    n[~np.isfinite(n)] = np.nan
    return _Values(n, s, is_str, t, f)


def _column(frame: pd.DataFrame, name: str) -> _Values:
    size = len(frame)
    if name not in frame.columns:
        return _null(size)
    col = frame[name]
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # each category read once, then taken by code
        categories = _objects(np.asarray(col.cat.categories.to_numpy(dtype=object), dtype=object))
        codes = col.cat.codes.to_numpy()
        missing = codes < 0
        pick = np.where(missing, 0, codes)
        if len(categories.n) == 0:
            return _null(size)
        return _Values(np.where(missing, np.nan, categories.n[pick]), categories.s[pick],
                       categories.sm[pick] & ~missing, categories.t[pick] & ~missing, categories.f[pick] & ~missing)
    if pd.api.types.is_bool_dtype(dtype):  # numpy bool, or the nullable "boolean" with <NA>
        flags = col.astype("boolean")
        return _with(_null(size), t=flags.fillna(False).to_numpy(dtype=bool),
                     f=(~flags).fillna(False).to_numpy(dtype=bool))
    if pd.api.types.is_numeric_dtype(dtype):
        return _numbers(col.to_numpy(dtype=float, na_value=np.nan))
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        present = col.notna().to_numpy(dtype=bool)
        strings: Objects = np.full(size, None, dtype=object)
        strings[present] = col.to_numpy(dtype=object)[present]
        return _with(_null(size), s=strings, sm=present)
    if pd.api.types.is_object_dtype(dtype):
        return _objects(col.to_numpy(dtype=object))
    raise TypeError(f"字段 {name} 的列类型 {dtype} 不受支持（只支持数值、字符串、布尔值）")


# --------------------------------------------------------------------------------------- evaluator


def _compare(op: str, a: _Values, b: _Values) -> Bools:
    """Semantics rules 2–4 row by row (neither side is the literal null)."""
    both = ~np.isnan(a.n) & ~np.isnan(b.n)
    with np.errstate(invalid="ignore"):
        numbers = both & _ORDER[op](_round(a.n), _round(b.n))
    if op in ORDER_OPS:
        return numbers
    strings = a.sm & b.sm
    if strings.any():
        equal = np.zeros(len(strings), dtype=bool)
        equal[strings] = a.s[strings] == b.s[strings]
        strings &= equal if op == "==" else ~equal
    booleans = (a.t & b.t) | (a.f & b.f) if op == "==" else (a.t & b.f) | (a.f & b.t)
    out: Bools = numbers | strings | booleans
    return out


def _is_null_literal(e: Expr) -> bool:
    return isinstance(e, Literal) and e.value is None


class _Evaluator:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame, self.size = frame, len(frame)
        self.fields: dict[str, _Values] = {}

    def holds(self, e: Expr) -> Bools:
        return self.value(e).t

    def value(self, e: Expr) -> _Values:
        match e:
            case Literal(value=v):
                return _constant(v, self.size)
            case Field(name=name):
                if name not in self.fields:
                    self.fields[name] = _column(self.frame, name)
                return self.fields[name]
            case Neg(operand=operand):
                return _numbers(-self.value(operand).n)
            case Not(operand=operand):
                return _truth(~self.holds(operand))
            case BinOp(op=op, left=left, right=right):
                x, y = self.value(left).n, self.value(right).n
                with np.errstate(all="ignore"):
                    if op == "+":
                        r = x + y
                    elif op == "-":
                        r = x - y
                    elif op == "*":
                        r = x * y
                    else:
                        r = np.where(y == 0, np.nan, x / y)
                return _numbers(r)
            case Compare(op=op, left=a, right=b):
                if op in ("==", "!=") and (_is_null_literal(a) or _is_null_literal(b)):
                    present = self.value(b if _is_null_literal(a) else a).present()
                    return _truth(~present if op == "==" else present)
                return _truth(_compare(op, self.value(a), self.value(b)))
            case In(operand=operand, items=items, negated=neg):
                member = self.value(operand)
                found = np.zeros(self.size, dtype=bool)
                for item in items:
                    found |= (~member.present() if item.value is None
                              else _compare("==", member, _constant(item.value, self.size)))
                return _truth(found != neg)
            case BoolOp(op="and", left=a, right=b):
                return _truth(self.holds(a) & self.holds(b))
            case BoolOp(left=a, right=b):
                return _truth(self.holds(a) | self.holds(b))
            case Call(func=func, args=args):
                numbers = [self.value(arg).n for arg in args]
                if func == "abs":
                    return _numbers(np.abs(numbers[0]))
                combine = np.minimum if func == "min" else np.maximum  # both propagate NaN (null)
                result = numbers[0]
                for more in numbers[1:]:
                    result = combine(result, more)
                return _numbers(result)
        raise TypeError(f"不是表达式节点：{e!r}")


def evaluate_columns(expr: Expr, frame: pd.DataFrame) -> pd.Series:
    """Whether expr holds on each row of frame (a column per fact field), as a bool Series on frame's index.

    Row for row equal to ``holds(expr, row)``; missing columns are null.
    """
    mask = _Evaluator(frame).holds(expr)
    return pd.Series(mask, index=frame.index, dtype=bool)

