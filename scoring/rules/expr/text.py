"""The printer: canonical text of an AST, read back by the parser as the same AST."""

from __future__ import annotations

import math
from decimal import Decimal

from scoring.rules.expr.ast import BinOp, BoolOp, Call, Compare, Expr, Field, In, Literal, Neg, Not, Scalar
from scoring.rules.expr.lexer import KEYWORDS, MAX_STRING_LENGTH, is_name_char, is_name_start, number_too_long

_PREC_OR, _PREC_AND, _PREC_NOT, _PREC_CMP, _PREC_SUM, _PREC_PRODUCT, _PREC_UNARY, _PREC_ATOM = range(1, 9)


def number_text(value: float) -> str:
    """Plain decimal (no exponent) that reads back as the same float: 1.0 → "1", 1e-05 → "0.00001"."""
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _string_text(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + '"'


def literal_text(value: Scalar) -> str:
    """A literal as the parser reads it; ValueError for one it would refuse (the literal-size limits)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) > MAX_STRING_LENGTH:
            raise ValueError(f"字符串过长（{len(value)} 个字符），最多 {MAX_STRING_LENGTH} 个")
        return _string_text(value)
    if not math.isfinite(value):
        raise ValueError(f"无法书写的数值 {value!r}")
    text = number_text(value)
    integer, _, fraction = text.lstrip("-").partition(".")
    too_long = number_too_long(len(integer), len(integer) + len(fraction))
    if too_long:
        raise ValueError(f"无法书写的数值 {value!r}：{too_long}")
    return text


def _prec(e: Expr) -> int:
    match e:
        case BoolOp(op="or"):
            return _PREC_OR
        case BoolOp():
            return _PREC_AND
        case Not():
            return _PREC_NOT
        case Compare() | In():
            return _PREC_CMP
        case BinOp(op="+" | "-"):
            return _PREC_SUM
        case BinOp():
            return _PREC_PRODUCT
        case Neg():
            return _PREC_UNARY
        case Literal(value=float() as v) if v < 0 or str(v).startswith("-"):
            return _PREC_UNARY
    return _PREC_ATOM


def _wrap(e: Expr, minimum: int) -> str:
    text = to_text(e)
    return f"({text})" if _prec(e) < minimum else text


def to_text(expr: Expr) -> str:
    """Canonical text of an expression; ``parse(to_text(e)) == e`` for every well-formed AST."""
    match expr:
        case Literal(value=v):
            return literal_text(v)
        case Field(name=name):
            if not name or not is_name_start(name[0]) or not all(map(is_name_char, name)) or name in KEYWORDS:
                raise ValueError(f"不是合法的字段名：{name!r}")
            return name
        case Neg(operand=x):
            if isinstance(x, Literal | Neg):  # "-2" would read back as the literal -2
                return f"-({to_text(x)})" if isinstance(x, Literal) else "-" + to_text(x)
            return "-" + _wrap(x, _PREC_UNARY)
        case Not(operand=x):
            return "not " + _wrap(x, _PREC_NOT)
        case BinOp(op=op, left=a, right=b):
            p = _prec(expr)
            return f"{_wrap(a, p)} {op} {_wrap(b, p + 1)}"
        case Compare(op=op, left=a, right=b):
            return f"{_wrap(a, _PREC_SUM)} {op} {_wrap(b, _PREC_SUM)}"
        case In(operand=x, items=items, negated=neg):
            listed = ", ".join(literal_text(i.value) for i in items)
            return f"{_wrap(x, _PREC_SUM)} {'not in' if neg else 'in'} [{listed}]"
        case BoolOp(op=op, left=a, right=b):
            p = _prec(expr)
            return f"{_wrap(a, p)} {op} {_wrap(b, p + 1)}"
        case Call(func=func, args=args):
            return f"{func}({', '.join(to_text(a) for a in args)})"
    raise TypeError(f"不是表达式节点：{expr!r}")
