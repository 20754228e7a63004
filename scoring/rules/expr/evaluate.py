"""The reference evaluator: the value of an expression for one fact, following the grammar's semantics."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from decimal import Decimal

from scoring.rules.expr.ast import BinOp, BoolOp, Call, Compare, Expr, Field, In, Literal, Neg, Not, Scalar

PRECISION = 10  # decimal places numbers are compared at (semantics rule 2)
ORDER_OPS = frozenset({"<", "<=", ">", ">="})


def scalar(value: object) -> Scalar:
    """A fact value as the grammar sees it: bool, float, str or None (null).

    Ints, Decimals and numpy numbers become floats; NaN, ±inf and pandas NA become null.
    Anything else (dates, lists…) raises TypeError.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, float | int | Decimal | numbers.Real):
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if type(value).__name__ == "NAType":  # pandas.NA, without importing pandas here
        return None
    item = getattr(value, "item", None)  # numpy scalars: numpy.bool_, numpy.int64 …
    if callable(item):
        plain = item()
        if plain is not value and isinstance(plain, bool | int | float | str):
            return scalar(plain)
    raise TypeError(f"不支持的字段值类型 {type(value).__name__}：{value!r}")


def _num(value: Scalar) -> float | None:
    return value if isinstance(value, float) else None


def _rounded(value: float) -> float:
    return round(value, PRECISION)


def _arith(op: str, a: Scalar, b: Scalar) -> float | None:
    x, y = _num(a), _num(b)
    if x is None or y is None:
        return None
    if op == "+":
        r = x + y
    elif op == "-":
        r = x - y
    elif op == "*":
        r = x * y
    elif y == 0:
        return None
    else:
        r = x / y
    return r if math.isfinite(r) else None


def compare_values(op: str, a: Scalar, b: Scalar) -> bool:
    """Semantics rules 2–4 for two evaluated operands (neither is the literal null)."""
    if a is None or b is None:
        return False
    if isinstance(a, float) and isinstance(b, float):
        x, y = _rounded(a), _rounded(b)
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "==": x == y, "!=": x != y}[op]
    if op in ORDER_OPS or type(a) is not type(b):
        return False
    return a == b if op == "==" else a != b


def _is_null_literal(e: Expr) -> bool:
    return isinstance(e, Literal) and e.value is None


def holds(expr: Expr, fact: Mapping[str, object]) -> bool:
    """Whether a condition holds for a fact (its value is exactly true)."""
    return evaluate(expr, fact) is True


def evaluate(expr: Expr, fact: Mapping[str, object]) -> Scalar:
    """The reference evaluator: the value of expr for one fact, following the module semantics."""
    match expr:
        case Literal(value=v):
            return v
        case Field(name=name):
            return scalar(fact.get(name))
        case Neg(operand=x):
            v = _num(evaluate(x, fact))
            return None if v is None else -v
        case Not(operand=x):
            return not holds(x, fact)
        case BinOp(op=op, left=a, right=b):
            return _arith(op, evaluate(a, fact), evaluate(b, fact))
        case Compare(op=op, left=a, right=b):
            if op in ("==", "!=") and (_is_null_literal(a) or _is_null_literal(b)):
                other = evaluate(b if _is_null_literal(a) else a, fact)
                return (other is None) == (op == "==")
            return compare_values(op, evaluate(a, fact), evaluate(b, fact))
        case In(operand=x, items=items, negated=neg):
            v = evaluate(x, fact)
            found = any((v is None) if i.value is None else compare_values("==", v, i.value) for i in items)
            return found != neg
        case BoolOp(op="and", left=a, right=b):
            return holds(a, fact) and holds(b, fact)
        case BoolOp(left=a, right=b):
            return holds(a, fact) or holds(b, fact)
        case Call(func=func, args=args):
            values = [_num(evaluate(a, fact)) for a in args]
            if any(v is None for v in values):
                return None
            nums = [v for v in values if v is not None]
            return abs(nums[0]) if func == "abs" else (min(nums) if func == "min" else max(nums))
    raise TypeError(f"不是表达式节点：{expr!r}")
