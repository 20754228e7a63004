"""Column-wise evaluation: an expression over a whole DataFrame of facts, with the reference evaluator's semantics.

``evaluate_columns(expr, frame)`` (or ``Columns(frame).holds(expr)`` for many expressions over one
frame) gives, for every row, exactly what ``holds(expr, row)`` gives,
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

import functools
from collections.abc import Callable

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
_ROUND_IDENTITY = 2.0**19
_SCALE = 10.0**PRECISION
_ORDER: dict[str, Callable[[Floats, Floats | float], Bools]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


class _Values:
    """One value per row in typed slots; at most one slot holds a row, none means null."""

    __slots__ = ("_rounded", "f", "n", "s", "sm", "t")

    def __init__(self, n: Floats, s: Objects | None, sm: Bools, t: Bools, f: Bools) -> None:
        self.n = n  # the number, NaN where the value is not a number
        self.s = s  # the string where sm; None when no row holds a string
        self.sm, self.t, self.f = sm, t, f  # t / f: the value is true / false
        self._rounded: Floats | None = None

    def rounded(self) -> Floats:
        """The numbers rounded as rule 2 says, computed once however many comparisons read them."""
        if self._rounded is None:
            self._rounded = _round(self.n)
        return self._rounded

    def present(self) -> Bools:
        out: Bools = ~np.isnan(self.n) | self.sm | self.t | self.f
        return out


@functools.lru_cache(maxsize=4)
def _blank(size: int) -> tuple[Floats, Bools]:
    """Shared all-NaN and all-false arrays (read-only) for the slots a value does not use."""
    nan, no = np.full(size, np.nan), np.zeros(size, dtype=bool)
    nan.flags.writeable = no.flags.writeable = False
    return nan, no


def _null(size: int) -> _Values:
    nan, no = _blank(size)
    return _Values(nan, None, no, no, no)


def _numbers(n: Floats) -> _Values:
    clean: Floats = np.where(np.isfinite(n), n, np.nan)  # rule 1: a non-finite result is null
    _, no = _blank(len(n))
    return _Values(clean, None, no, no, no)


def _strings(s: Objects, present: Bools) -> _Values:
    if not present.all():  # pd.NA cannot be compared (its truth is ambiguous); None compares unequal
        s = s.copy()
        s[~present] = None
    nan, no = _blank(len(s))
    return _Values(nan, s, present, no, no)


def _flags(t: Bools, f: Bools) -> _Values:
    nan, no = _blank(len(t))
    return _Values(nan, None, no, t, f)


def _truth(mask: Bools) -> _Values:
    return _flags(mask, ~mask)


def _constant(value: Scalar, size: int) -> _Values:
    if value is None:
        return _null(size)
    if isinstance(value, bool):
        return _truth(np.full(size, value))
    if isinstance(value, str):
        return _strings(np.full(size, value, dtype=object), np.ones(size, dtype=bool))
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
    """Typed slots for an object column: one type, inferred in C, is read directly; a mix cell by cell."""
    missing = pd.isna(cells)  # None, NaN and pd.NA are null (C loop)
    present = ~missing
    inferred = pd.api.types.infer_dtype(cells, skipna=True)
    if inferred == "empty":
        return _null(len(cells))
    if inferred == "string":
        return _strings(cells, present)
    if inferred == "boolean":  # bool and numpy.bool_ only, besides the nulls
        t = np.zeros(len(cells), dtype=bool)
        t[present] = cells[present].astype(bool)
        return _flags(t, present & ~t)
    if inferred == "floating":  # float and numpy floats
        return _numbers(np.where(present, cells, np.nan).astype(float))
    return _mixed(cells)


def _mixed(cells: Objects) -> _Values:
    """Typed slots cell by cell: plain float / str / bool / None by type, anything else through scalar()."""
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
        codes = col.cat.codes.to_numpy()
        if len(col.cat.categories) == 0:
            return _null(size)
        cats = _objects(np.asarray(col.cat.categories.to_numpy(dtype=object), dtype=object))
        missing = codes < 0
        pick = np.where(missing, 0, codes)
        return _Values(
            np.where(missing, np.nan, cats.n[pick]),
            None if cats.s is None else cats.s[pick],
            cats.sm[pick] & ~missing,
            cats.t[pick] & ~missing,
            cats.f[pick] & ~missing,
        )
    if pd.api.types.is_bool_dtype(dtype):  # numpy bool, or the nullable "boolean" with <NA>
        flags = col.astype("boolean")
        return _flags(flags.fillna(False).to_numpy(dtype=bool), (~flags).fillna(False).to_numpy(dtype=bool))
    if pd.api.types.is_numeric_dtype(dtype):
        return _numbers(col.to_numpy(dtype=float, na_value=np.nan))
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        cells = col.to_numpy(dtype=object)
        return _strings(cells, ~pd.isna(cells))
    if pd.api.types.is_object_dtype(dtype):
        return _objects(col.to_numpy(dtype=object))
    raise TypeError(f"字段 {name} 的列类型 {dtype} 不受支持（只支持数值、字符串、布尔值）")


# --------------------------------------------------------------------------------------- evaluator


def _compare(op: str, a: _Values, b: _Values) -> Bools:
    """Semantics rules 2–4 row by row (neither side is the literal null)."""
    with np.errstate(invalid="ignore"):  # NaN compares false, and the masks drop it anyway
        numbers = ~np.isnan(a.n) & ~np.isnan(b.n) & _ORDER[op](a.rounded(), b.rounded())
    if op in ORDER_OPS:
        return numbers
    strings = a.sm & b.sm
    if a.s is not None and b.s is not None and strings.any():
        equal = np.zeros(len(strings), dtype=bool)
        equal[strings] = a.s[strings] == b.s[strings]
        strings &= equal if op == "==" else ~equal
    booleans = (a.t & b.t) | (a.f & b.f) if op == "==" else (a.t & b.f) | (a.f & b.t)
    out: Bools = numbers | strings | booleans
    return out


def _compare_constant(op: str, a: _Values, value: float | str | bool) -> Bools:
    """_compare against a constant, without broadcasting it (the common ``field < 0.9``)."""
    if isinstance(value, bool):
        if op in ORDER_OPS:
            return _blank(len(a.n))[1]
        return a.t if value == (op == "==") else a.f
    if isinstance(value, str):
        if op in ORDER_OPS or a.s is None:
            return _blank(len(a.n))[1]
        with np.errstate(invalid="ignore"):
            equal = a.sm & (a.s == value)
        out: Bools = equal if op == "==" else a.sm & ~equal
        return out
    with np.errstate(invalid="ignore"):
        bound: float = round(value, PRECISION)
        numbers: Bools = ~np.isnan(a.n) & _ORDER[op](a.rounded(), bound)
    return numbers


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


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
                if isinstance(b, Literal) and b.value is not None:
                    return _truth(_compare_constant(op, self.value(a), b.value))
                if isinstance(a, Literal) and a.value is not None:
                    return _truth(_compare_constant(_FLIP[op], self.value(b), a.value))
                return _truth(_compare(op, self.value(a), self.value(b)))
            case In(operand=operand, items=items, negated=neg):
                member = self.value(operand)
                found = np.zeros(self.size, dtype=bool)
                for item in items:
                    found |= ~member.present() if item.value is None else _compare_constant("==", member, item.value)
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


class Columns:
    """A DataFrame of facts prepared for many expressions: each field's column is read into typed slots once."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._evaluator = _Evaluator(frame)
        self.index = frame.index

    def holds(self, expr: Expr) -> pd.Series:
        """Whether expr holds on each row, as a bool Series on the frame's index."""
        # A copy: the mask may be one of the shared read-only blanks or a column's own array.
        return pd.Series(np.array(self._evaluator.holds(expr), dtype=bool, copy=True), index=self.index)


def evaluate_columns(expr: Expr, frame: pd.DataFrame) -> pd.Series:
    """Whether expr holds on each row of frame (a column per fact field), as a bool Series on frame's index.

    Row for row equal to ``holds(expr, row)``; missing columns are null. For several expressions
    over one frame, ``Columns(frame).holds`` reads each column once.
    """
    return Columns(frame).holds(expr)
