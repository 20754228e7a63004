"""Static checks: the fields an expression reads and its type against a schema, before any data is read."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping

from scoring.core.errors import did_you_mean
from scoring.rules.expr.ast import (
    NULL_TYPE,
    BinOp,
    BoolOp,
    Call,
    Compare,
    Expr,
    Field,
    In,
    Literal,
    Neg,
    Not,
)
from scoring.rules.expr.errors import ExprTypeError
from scoring.rules.expr.evaluate import ORDER_OPS
from scoring.rules.expr.text import to_text


def check_fields(expr: Expr, known: Iterable[str]) -> list[str]:
    """Field names expr reads that are not in known, in order of first appearance."""
    names = set(known)
    unknown: list[str] = []
    for node in expr.walk():
        if isinstance(node, Field) and node.name not in names and node.name not in unknown:
            unknown.append(node.name)
    return unknown


_TYPE_NAMES = {float: "数值", str: "字符串", bool: "布尔值", NULL_TYPE: "null"}


def type_name(t: type) -> str:
    """The Chinese name of a value type, for messages."""
    return _TYPE_NAMES.get(t, t.__name__)


def schema_type(t: type) -> type:
    """A schema type as the grammar sees it: int and float are both float."""
    if t in (str, bool, NULL_TYPE):
        return t
    if t is int or t is float or (isinstance(t, type) and issubclass(t, numbers.Real)):
        return float
    raise ExprTypeError(f"字段类型 {t!r} 不受支持（只支持 float / int / str / bool）")


def infer(expr: Expr, schema: Mapping[str, type]) -> type:
    """The static type of expr (float, str, bool or NoneType) given field types; raises ExprTypeError.

    Rejects what can never be useful at run time: ordering strings or booleans, comparing a string
    with a number, arithmetic on non-numbers, and/or/not on non-booleans, ordering against null.
    """

    def need(node: Expr, t: type, allowed: tuple[type, ...], what: str) -> None:
        if t not in allowed and t is not NULL_TYPE:
            raise ExprTypeError(
                f"{what}需要{'或'.join(map(type_name, allowed))}，但 '{to_text(node)}' 是{type_name(t)}", node.pos
            )

    def go(e: Expr) -> type:
        match e:
            case Literal(value=v):
                return NULL_TYPE if v is None else type(v)
            case Field(name=name):
                if name not in schema:
                    raise ExprTypeError(f"未知字段 '{name}'", e.pos, hint=did_you_mean(name, schema))
                return schema_type(schema[name])
            case Neg(operand=x):
                need(x, go(x), (float,), "取负")
                return float
            case Call(func=func, args=args):
                for a in args:
                    need(a, go(a), (float,), f"{func}() ")
                return float
            case Not(operand=x):
                need(x, go(x), (bool,), "not ")
                return bool
            case BoolOp(op=op, left=a, right=b):
                need(a, go(a), (bool,), f"{op} ")
                need(b, go(b), (bool,), f"{op} ")
                return bool
            case BinOp(op=op, left=a, right=b):
                need(a, go(a), (float,), f"'{op}' ")
                need(b, go(b), (float,), f"'{op}' ")
                return float
            case Compare(op=op, left=a, right=b):
                ta, tb = go(a), go(b)
                if op in ORDER_OPS:
                    if NULL_TYPE in (ta, tb):
                        raise ExprTypeError(f"与 null 只能用 == 或 != 比较：'{to_text(e)}'", e.pos)
                    need(a, ta, (float,), f"'{op}' ")
                    need(b, tb, (float,), f"'{op}' ")
                elif NULL_TYPE not in (ta, tb) and ta is not tb:
                    raise ExprTypeError(f"不能比较{type_name(ta)}与{type_name(tb)}：'{to_text(e)}'", e.pos)
                return bool
            case In(operand=x, items=items):
                tx = go(x)
                for item in items:
                    ti = go(item)
                    if NULL_TYPE not in (tx, ti) and tx is not ti:
                        raise ExprTypeError(
                            f"in 列表元素 {to_text(item)} 是{type_name(ti)}，而 '{to_text(x)}' 是{type_name(tx)}", e.pos
                        )
                return bool
        raise TypeError(f"不是表达式节点：{e!r}")

    return go(expr)
